"""The script-friendly command line against the simulated PBX over loopback HTTP."""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import socket
import subprocess
import sys

import pytest

from ccall_tui.cli import main

from conftest import run_cli

SECRET = "demo"


run = run_cli


def test_ext_json_lists_registered_extensions(env, capsys):
    code, out, err = run(capsys, "ext", "--json", "--online")
    assert code == 0
    rows = json.loads(out)
    assert rows and all(row["online"] for row in rows)
    assert set(rows[0]) == {"extension", "online", "state", "last_seen", "registrations"}
    # registered: online, or unreachable when no phone of it answers the PBX's pings
    assert all(row["state"] in ("online", "unreachable") for row in rows)
    assert any(row["state"] == "online" for row in rows)
    reg = rows[0]["registrations"][0]
    assert set(reg) == {"agent", "contact", "ip", "port", "transport", "expires_in_s", "ping_ms"}
    assert any(len(row["registrations"]) == 2 for row in rows)


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (a file that is always full)")
def test_a_log_file_that_fills_up_is_one_line_not_a_failure(env, capsys):
    """A disk that fills under the debug log: the command does its work and exits 0; the user
    reads one line about the log at the end, not logging's tracebacks."""
    code, out, err = run(capsys, "ext", "--json", "--log-file", "/dev/full")
    assert code == 0 and json.loads(out)
    assert "Traceback" not in err and "Logging error" not in err
    assert err.splitlines()[-1] == "ccall-tui: the log file could not be written: No space left on device"


def test_ext_lists_configured_roster_offline_too(env, capsys, isolated):
    config = isolated / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('[profiles.default]\nroster = ["100-159", "900"]\n', encoding="utf-8")
    code, out, _ = run(capsys, "ext", "--json")
    assert code == 0
    rows = {row["extension"]: row for row in json.loads(out)}
    assert rows["900"] == {
        "extension": "900", "online": False, "state": "never_seen", "last_seen": None, "registrations": [],
    }
    assert len(rows) == 61


def test_cdrs_all_csv_returns_record_count_rows(env, capsys):
    day = ["--from", "2026-11-26 00:00", "--to", "2026-11-26 23:59"]
    code, out, _ = run(capsys, "cdrs", *day, "--limit", "10", "--json")
    assert code == 0
    code, out, err = run(capsys, "cdrs", *day, "--all", "--csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    # The simulator's own count for that day, through its paging metadata.
    _, body = env.requests[-1]
    import asyncio

    from conftest import VN, DemoCredentials

    from ccall_tui.api.client import CcallClient
    from ccall_tui.api.cdrs import CdrQuery
    from ccall_tui.commands.calls import parse_cli_time

    async def count():
        async with CcallClient(env.base_url, DemoCredentials(), tz=VN) as client:
            page = await client.cdrs(
                CdrQuery(date_from=parse_cli_time(day[1], VN, ""), date_to=parse_cli_time(day[3], VN, ""), page=1, limit=1)
            )
            return page.paging.record_count

    expected = asyncio.run(count())
    assert expected > 1000
    assert len(rows) == expected
    assert list(rows[0]) == ["call_id", "start", "direction", "source", "cid_name", "destination", "status",
                             "tta_s", "duration_s", "pdd_s", "mos", "recording_url"]
    assert rows[0]["start"].endswith("+07:00")
    assert f"{expected} calls" in err


def test_cdrs_filters_reach_the_server(env, capsys):
    code, out, _ = run(capsys, "cdrs", "--direction", "local", "--cause", "NO_ANSWER", "--cause", "user_busy",
                       "--source", "101", "--page", "1", "--limit", "20", "--json")
    assert code == 0
    body = env.requests[-1].body["submission"]
    assert body == {"hangup_cause": "NO_ANSWER;USER_BUSY", "source": "101", "direction": "local", "page": 1, "limit": 20}
    for row in json.loads(out):
        assert row["status"] in ("NO_ANSWER", "USER_BUSY")


def test_cdr_json_by_call_id(env, capsys):
    code, out, _ = run(capsys, "cdrs", "--limit", "1", "--json")
    call_id = json.loads(out)[0]["call_id"]
    code, out, _ = run(capsys, "cdr", call_id, "--json")
    assert code == 0
    data = json.loads(out)
    assert data["call_id"] == call_id and "raw" in data


def test_unknown_call_id_is_not_found_with_its_own_exit_code(env, capsys):
    code, out, err = run(capsys, "cdr", "no-such-call-0000", "--json")
    assert code == 6
    assert out == ""
    assert err.startswith("ccall-tui: ") and "not found" in err and err.count("\n") == 1
    help_text = subprocess.run([sys.executable, "-m", "ccall_tui.cli", "--help"], capture_output=True,
                               text=True, timeout=60).stdout
    assert "6 not found" in " ".join(help_text.split()) and "130 interrupted" in " ".join(help_text.split())


def test_cdrs_table_and_log_file_use_one_date_time_format(env, capsys, tmp_path):
    import re

    log = tmp_path / "debug.log"
    code, out, err = run(capsys, "--log-file", str(log), "cdrs", "--from", "2026-11-26 08:00",
                         "--to", "2026-11-26 09:00", "--limit", "5")
    assert code == 0, err
    lines = out.splitlines()
    assert lines and all(re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d  ", line) for line in lines)
    assert all(line.startswith(("2026-11-26 08:", "2026-11-26 09:00:")) for line in lines)  # --to is the whole minute
    logged = log.read_text(encoding="utf-8").splitlines()
    assert logged and all(re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+07:00 [A-Z]+ ", line) for line in logged)


def test_every_error_line_names_the_program(env, capsys, monkeypatch):
    monkeypatch.setenv("CCALL_API_SECRET", "wrong")
    for argv in (["ext"], ["cdrs"], ["cdr", "x", "--json"], ["--profile", "../x", "ext"]):
        code, out, err = run(capsys, *argv)
        assert code != 0
        assert err.startswith("ccall-tui: ") and err.count("\n") == 1, (argv, err)


def test_every_cdrs_option_has_help():
    from ccall_tui.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, command in sub.choices.items():
        for action in command._actions:
            if action.option_strings and action.help is not argparse.SUPPRESS:
                assert action.help, f"{name} {action.option_strings[0]} has no help"


@pytest.mark.parametrize(
    "setup, code, words",
    [
        (lambda sim, mp: mp.setenv("CCALL_API_SECRET", "wrong-secret-xyz"), 3, "Authentication failed"),
        (lambda sim, mp: setattr(sim.faults, "html_error", True), 5, "502"),
        (lambda sim, mp: setattr(sim.faults, "malformed_json", True), 5, "JSON"),
    ],
)
def test_expected_failures_are_one_line_with_exit_code(env, capsys, monkeypatch, setup, code, words):
    setup(env, monkeypatch)
    got, out, err = run(capsys, "ext", "--json")
    assert got == code
    assert out == ""
    assert err.count("\n") == 1 and words in err
    assert "Traceback" not in err and "wrong-secret-xyz" not in err


def test_unreachable_port_is_exit_4(capsys, monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("CCALL_API_KEY", "demo")
    monkeypatch.setenv("CCALL_API_SECRET", "demo")
    code, out, err = run(capsys, "--base-url", f"http://127.0.0.1:{port}", "ext")
    assert code == 4 and "refused" in err and err.count("\n") == 1


def test_no_credentials_is_exit_3(capsys, sim, monkeypatch):
    monkeypatch.setenv("CCALL_BASE_URL", sim.base_url)
    code, _, err = run(capsys, "ext")
    assert code == 3 and "login" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["cdrs", "--from", "yesterday"],
        ["cdrs", "--from", "2026-11-27 10:00", "--to", "2026-11-27 09:00"],
        ["cdrs", "--cause", "NOT_A_CAUSE"],
        ["cdrs", "--limit", "0"],
        ["cdrs", "--direction", "sideways"],
    ],
)
def test_usage_errors_send_nothing(env, capsys, argv):
    before = len(env.requests)
    with pytest.raises(SystemExit) as info:
        code, _, err = run(capsys, *argv)
        raise SystemExit(code)
    assert info.value.code == 2
    assert len(env.requests) == before


def test_log_file_has_requests_and_never_credentials(env, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("CCALL_API_KEY", "key-ABCDEF-123")
    monkeypatch.setenv("CCALL_API_SECRET", "secret-XYZ-987")
    log = tmp_path / "debug.log"
    code, _, err = run(capsys, "--log-file", str(log), "ext")
    assert code == 3
    text = log.read_text()
    assert "/ext_reg/json" in text
    assert "secret-XYZ-987" not in text and "key-ABCDEF-123" not in text


def test_help_runs_as_a_real_process():
    result = subprocess.run([sys.executable, "-m", "ccall_tui.cli", "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert "precedence" in result.stdout.lower()


def test_demo_lists_the_whole_simulated_tenant(capsys):
    code, out, err = run(capsys, "--demo", "ext", "--json")
    assert code == 0
    rows = json.loads(out)
    assert len(rows) == 60
    assert {row["online"] for row in rows} == {True, False}


def test_every_expected_failure_has_one_root_and_a_listed_exit_code(capsys):
    """Each failure class ends in a code that --help explains; nothing matches class names."""
    from ccall_tui.api.errors import AuthenticationError, CcallError, ProtocolError, TransportError
    from ccall_tui.config import ConfigError
    from ccall_tui.credentials import KeyringUnavailable
    from ccall_tui.errors import EXIT_CODES, AppError, Exit, NoCredentials, UsageError
    from ccall_tui.state import StateError

    expected = {ConfigError: 2, StateError: 1, KeyringUnavailable: 3, NoCredentials: 3, UsageError: 2,
                AuthenticationError: 3, TransportError: 4, ProtocolError: 5, CcallError: 5}
    for cls, code in expected.items():
        assert issubclass(cls, AppError) and cls.exit_code == code
    assert set(EXIT_CODES) == set(Exit)
    with pytest.raises(SystemExit):
        main(["--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    for code, meaning in EXIT_CODES.items():
        assert f"{int(code)} {meaning}" in help_text


def test_a_failure_of_any_kind_ends_as_one_line_with_its_own_code(monkeypatch, capsys, tmp_path):
    from ccall_tui.commands import expected_failures
    from ccall_tui.credentials import KeyringUnavailable
    from ccall_tui.state import StateError

    def failing(error):
        @expected_failures
        def command(args, ctx=None):
            raise error
        return command

    assert failing(KeyringUnavailable("No keyring backend"))(argparse.Namespace()) == 3
    assert failing(StateError("cannot write the seen file"))(argparse.Namespace()) == 1
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "ccall-tui: No keyring backend: set CCALL_API_KEY and CCALL_API_SECRET in the environment instead.",
        "ccall-tui: cannot write the seen file"]
    config = tmp_path / "config.toml"
    config.write_text("[profiles.x\n")
    monkeypatch.setenv("CCALL_CONFIG", str(config))
    code = main(["ext"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("ccall-tui: ") and err.count("\n") == 1 and "Traceback" not in err


def test_config_path_and_init_work_when_the_config_file_is_not_even_toml(monkeypatch, capsys, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("[profiles.main\n")
    monkeypatch.setenv("CCALL_CONFIG", str(config))
    assert main(["ext"]) == 2
    assert str(config) in capsys.readouterr().err
    assert main(["config", "path"]) == 0
    assert capsys.readouterr().out.strip() == str(config)
    assert main(["config", "init", "--force"]) == 0
    assert config.with_name("config.toml.bak").read_text() == "[profiles.main\n"
    assert main(["config", "show"]) == 0
