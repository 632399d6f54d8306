"""``ccall-tui ext --check``: the Nagios / Icinga plugin against the simulator. Exit codes 0, 1,
2 and 3, one status line, perfdata a monitoring server can parse."""

from __future__ import annotations

import os
import re

import pytest

from conftest import run_cli

PERF = re.compile(r"(\w+)=([0-9.]+)(s?);([0-9.]*);([0-9.]*);([0-9.]*);([0-9.]*)")


@pytest.fixture
def roster(env, isolated, monkeypatch):
    """The profile knows its 60 extensions (offline ones are known only from a roster)."""
    config = isolated / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('[profiles.default]\nroster = ["100-159"]\nwatched = ["105"]\n', encoding="utf-8")
    rules = isolated / "config" / "alerts.toml"
    monkeypatch.setenv("CCALL_ALERTS", str(rules))
    return rules


def check(capsys, *flags):
    code, out, err = run_cli(capsys, "ext", "--check", *flags)
    lines = out.splitlines()
    assert len(lines) == 1, out  # one status line, nothing else on stdout
    assert err == ""
    return code, lines[0]


def perfdata(line: str) -> dict[str, tuple]:
    text, _bar, perf = line.partition(" | ")
    assert "|" not in text
    return {m.group(1): m.groups()[1:] for m in PERF.finditer(perf)}


def test_ok_warning_critical_by_counts_and_shares(capsys, roster, sim):
    code, line = check(capsys)
    assert code == 0 and line.startswith("CCALL OK - ")
    perf = perfdata(line)
    online, down = int(perf["online"][0]), int(perf["offline"][0])
    unreachable = int(perf["unreachable"][0])
    assert online + down == 60 and perf["online"][-1] == "60"
    # online as the board's header counts it: registered and answering pings
    deaf = {reg.extension for reg in sim.tenant.registrations() if not reg.reachable} & set(map(str, range(100, 160)))
    assert unreachable == len(deaf) > 0  # the seeded tenant has a phone not answering pings
    assert online + unreachable == len(sim.tenant.online_extensions() & {str(n) for n in range(100, 160)})
    assert f"{down} of 60 not online (" in line and f"{unreachable} of them registered but not answering" in line

    code, line = check(capsys, "--warning-offline", str(down - 1), "--critical-offline", str(down + 5))
    assert code == 1 and line.startswith("CCALL WARNING - ")
    assert perfdata(line)["offline"][2:4] == (str(down - 1), str(down + 5))

    code, line = check(capsys, "--warning-offline", str(down), "--critical-offline", str(down + 5))
    assert code == 0  # more than N: exactly N is still OK

    forced = [n for n in map(str, range(100, 160)) if n in sim.tenant.online_extensions()][:6]
    for number in forced:
        sim.tenant.force_offline(number)
    code, line = check(capsys, "--warning-offline", str(down - 1), "--critical-offline", str(down + 5))
    assert code == 2 and line.startswith("CCALL CRITICAL - ")
    assert int(perfdata(line)["offline"][0]) == down + 6

    share = 100 * (down + 6) / 60
    code, line = check(capsys, "--critical-offline", f"{share - 1:.0f}%")
    assert code == 2
    code, line = check(capsys, "--critical-offline", f"{share + 1:.0f}%")
    assert code == 0


@pytest.mark.parametrize("fault", [{"status_5xx": 503}, {"html_error": True}, {"malformed_json": True},
                                   {"auth_failure": True}])
def test_any_failure_to_read_the_answer_is_unknown(capsys, roster, sim, fault):
    for name, value in fault.items():
        setattr(sim.faults, name, value)
    code, line = check(capsys, "--critical-offline", "0")
    assert code == 3 and line.startswith("CCALL UNKNOWN - ")
    assert "Traceback" not in line


def test_bad_thresholds_and_missing_credentials_are_unknown(capsys, roster, monkeypatch):
    code, line = check(capsys, "--warning-offline", "lots")
    assert code == 3 and "--warning-offline: 'lots' is not a count or a percentage" in line
    code, line = check(capsys, "--critical-offline", "150%")
    assert code == 3
    monkeypatch.delenv("CCALL_API_SECRET")
    code, line = check(capsys)
    assert code == 3 and line.startswith("CCALL UNKNOWN - ")


def test_rules_are_evaluated_once(capsys, roster, sim):
    sim.tenant.force_online("105")
    assert check(capsys)[0] == 0  # seen online once: remembered, so offline later (not "never seen")
    sim.tenant.force_offline("105")
    sim.tenant.set_name("105", "Lễ tân | x=1")
    roster.write_text(
        '[[profiles.default.rules]]\nname = "reception offline"\nkind = "offline"\nextensions = ["105"]\n'
        'minutes = 0\nseverity = "critical"\n\n'
        '[[profiles.default.rules]]\nname = "missed calls"\nkind = "missed_call"\n',  # calls: not judged by one poll
        encoding="utf-8")
    code, line = check(capsys, "--rules")
    assert code == 2 and line.startswith("CCALL CRITICAL - ")
    assert "reception offline: " in line and "105" in line
    assert "missed calls" not in line
    assert perfdata(line)["alerts"][0] == "1"

    code, line = check(capsys)  # without --rules the rules are not read
    assert code == 0

    roster.write_text(roster.read_text(encoding="utf-8").replace('"critical"', '"warning"'), encoding="utf-8")
    code, line = check(capsys, "--rules")
    assert code == 1

    sim.tenant.clear_override("105")
    sim.tenant.force_online("105")
    code, line = check(capsys, "--rules")
    assert code == 0 and perfdata(line)["alerts"][0] == "0"


def test_a_broken_rules_file_is_unknown_with_its_line(capsys, roster):
    roster.write_text('[[profiles.default.rules]]\nname = "x"\nkind = "offline"\nminutes = "five"\n', encoding="utf-8")
    code, line = check(capsys, "--rules")
    assert code == 3 and "line 4" in line and "minutes" in line


def test_an_unreachable_device_rule_counts_from_this_poll(capsys, roster, sim):
    unreachable = {reg.extension for reg in sim.tenant.registrations() if not reg.reachable}
    unreachable &= {str(n) for n in range(100, 160)}
    assert unreachable  # the seeded tenant has a phone that does not answer pings right now
    roster.write_text('[[profiles.default.rules]]\nname = "no ping"\nkind = "unreachable"\nminutes = 0\n\n'
                      '[[profiles.default.rules]]\nname = "no ping long"\nkind = "unreachable"\nminutes = 5\n',
                      encoding="utf-8")
    code, line = check(capsys, "--rules")
    assert int(perfdata(line)["alerts"][0]) == len(unreachable)
    assert code == 1
    assert "no ping long" not in line  # one poll cannot know a device was silent for 5 minutes
    if len(unreachable) == 1:
        assert f"no ping: {next(iter(unreachable))}" in line
    else:
        assert f"no ping: {len(unreachable)} (" in line


def unknown(capsys, *argv):
    """Run a check that cannot judge: exit 3 and the UNKNOWN line with the reason, whatever stopped it."""
    code, out, err = run_cli(capsys, *argv)
    lines = out.splitlines()
    assert code == 3 and len(lines) == 1 and lines[0].startswith("CCALL UNKNOWN - "), (code, out, err)
    assert "Traceback" not in out + err and "usage:" not in out
    return lines[0], err


def test_a_broken_config_file_is_unknown_not_critical(capsys, roster):
    config = roster.parent / "config.toml"
    config.write_text('[profiles.default]\nroster = ["100-159"]\npoll_interval = "often"\n', encoding="utf-8")
    line, err = unknown(capsys, "ext", "--check")
    assert "config.toml, line 3" in line and "poll_interval" in line
    assert "poll_interval" in err  # what the command said is passed on as well
    config.write_text('[profiles.default\n', encoding="utf-8")  # not even TOML
    line, _err = unknown(capsys, "ext", "--check", "--rules")
    assert "config.toml, line 1" in line


@pytest.mark.parametrize("argv", [
    ("ext", "--check", "--warning-offline"),  # a threshold without its value
    ("ext", "--check", "--bogus", "5"),  # an option it does not know
    ("ext", "--check", "--lang", "fr"),
    ("--poll-interval", "0", "ext", "--check"),  # the main command line's own options
])
def test_bad_arguments_are_unknown_with_what_was_wrong(capsys, roster, argv):
    line, err = unknown(capsys, *argv)
    reason = line.removeprefix("CCALL UNKNOWN - ")
    assert reason and reason in err  # argparse's own words, on the status line


def test_a_log_file_that_cannot_be_opened_is_unknown(capsys, roster, tmp_path):
    line, _err = unknown(capsys, "ext", "--check", "--log-file", str(tmp_path / "missing" / "check.log"))
    assert "cannot open log file" in line


@pytest.mark.parametrize("check_flag", ["--chec", "--ch"])
def test_check_shortened_as_argparse_allows_is_still_the_plugin(capsys, roster, tmp_path, check_flag):
    """argparse takes ``--chec`` for ``--check``: the same run is the plugin's, whose failures
    are UNKNOWN (the log file is opened before the check could judge)."""
    missing = str(tmp_path / "missing" / "check.log")
    line, _err = unknown(capsys, "ext", check_flag, "--log-file", missing)
    assert "cannot open log file" in line
    line, _err = unknown(capsys, "--log-file", missing, "ext", check_flag)
    assert "cannot open log file" in line


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (a file that is always full)")
def test_a_log_file_that_fills_up_changes_no_verdict(capsys, roster, sim):
    """The log opened, then the disk was full: the verdict stands, its exit code is the one
    its line says, and the user reads one line about the log, not logging's traceback."""
    code, out, err = run_cli(capsys, "ext", "--check", "--log-file", "/dev/full")
    lines = out.splitlines()
    assert len(lines) == 1 and lines[0].startswith("CCALL OK - ") and code == 0, (code, out, err)
    assert err == "ccall-tui: the log file could not be written: No space left on device\n"


def test_check_given_a_value_is_unknown(capsys, roster):
    line, err = unknown(capsys, "ext", "--check=yes")
    assert "--check" in line and line.removeprefix("CCALL UNKNOWN - ") in err


@pytest.mark.parametrize("argv", [
    ("--bogus", "ext", "--check"),  # wrong before 'ext' is reached
    ("--profile", "ext", "--check"),  # --profile took 'ext' as its value
    ("--lang", "fr", "ext", "--check"),
    ("ext", "--chec", "--log-file", "{missing}"),
    ("--log-file", "{missing}", "ext", "--check"),
])
def test_a_real_process_that_cannot_check_exits_unknown(roster, tmp_path, argv):
    """What the monitoring server runs: the program's own process, its exit status, its stdout."""
    import subprocess
    import sys

    missing = str(tmp_path / "missing" / "check.log")
    argv = [arg.format(missing=missing) for arg in argv]
    done = subprocess.run([sys.executable, "-m", "ccall_tui", *argv], capture_output=True, text=True,
                          timeout=60)
    lines = done.stdout.splitlines()
    assert done.returncode == 3 and len(lines) == 1 and lines[0].startswith("CCALL UNKNOWN - "), done
    assert "Traceback" not in done.stdout + done.stderr


def test_help_is_not_a_failure(capsys):
    with pytest.raises(SystemExit) as done:
        run_cli(capsys, "ext", "--help")
    assert done.value.code == 0
    assert run_cli(capsys, "ext", "--check", "--help")[0] == 0


def test_ext_and_its_check_count_online_as_the_header_does(capsys, roster, sim):
    """An extension registered but not answering pings is not online: ``ext``'s summary, the
    check's figures and the board's header say the same number."""
    from ccall_tui.sim import troubles

    troubles.install(sim.tenant, "unreachable", "120")
    code, _out, err = run_cli(capsys, "ext")
    listed = int(re.search(r"(\d+) online of 60", err).group(1))
    code, line = check(capsys)
    perf = perfdata(line)
    assert int(perf["online"][0]) == listed
    registered = len(sim.tenant.online_extensions() & {str(n) for n in range(100, 160)})
    assert listed == registered - int(perf["unreachable"][0]) and int(perf["unreachable"][0]) >= 2
