"""login / logout / status and config path / show / init, end to end against the simulator."""

from __future__ import annotations

import argparse
import io
import json

import keyring
import pytest

from ccall_tui.commands import account, config_cmd

KEY = "0b98c1d2e3f4a5b6"
SECRET = "Sup3r-S3cret-Value"


@pytest.fixture(autouse=True)
def isolated_account(tmp_path, monkeypatch):
    from keyring_memory import InMemoryKeyring

    for name in ("CCALL_API_KEY", "CCALL_API_SECRET", "CCALL_PROFILE", "CCALL_BASE_URL", "CCALL_LANG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CCALL_CONFIG", str(tmp_path / "cfg" / "config.toml"))
    monkeypatch.setenv("CCALL_STATE_DIR", str(tmp_path / "state"))
    previous = keyring.get_keyring()
    backend = InMemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def pbx():
    server = pytest.importorskip("ccall_tui.sim.server")
    with server.SimulatedPbx(api_key=KEY, api_secret=SECRET) as sim:
        yield sim


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="ccall-tui")
    main.add_argument("--profile")
    main.add_argument("--base-url")
    main.add_argument("--lang")
    sub = main.add_subparsers()
    account.add_parser(sub)
    config_cmd.add_parser(sub)
    return main


def run(argv, capsys, monkeypatch, stdin: str = ""):
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    args = parser().parse_args(argv)
    code = args.func(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_login_via_stdin_saves_to_keyring(pbx, capsys, monkeypatch, isolated_account):
    code, out, err = run(["--base-url", pbx.base_url, "login", "--profile", "main"], capsys, monkeypatch,
                         f"{KEY}\n{SECRET}\n")
    assert code == 0, err
    assert "Saved to InMemoryKeyring for profile main." in out and err == ""
    stored = json.loads(isolated_account.get_password("ccall-tui", "main"))
    assert stored == {"api_key": KEY, "api_secret": SECRET}
    assert SECRET not in out + err

    code, out, err = run(["--base-url", pbx.base_url, "status", "--profile", "main"], capsys, monkeypatch)
    assert code == 0, out + err
    assert "keyring (InMemoryKeyring)" in out and "0b98****" in out and "OK" in out
    assert SECRET not in out + err and KEY not in out + err

    code, out, err = run(["logout", "--profile", "main"], capsys, monkeypatch)
    assert code == 0 and "Removed" in out
    assert isolated_account.get_password("ccall-tui", "main") is None
    code, out, err = run(["logout", "--profile", "main"], capsys, monkeypatch)
    assert code == 0 and "No credentials" in out


def test_login_with_wrong_secret_saves_nothing(pbx, capsys, monkeypatch, isolated_account):
    wrong = "Wrong-Secret-9876"
    code, out, err = run(["--base-url", pbx.base_url, "login"], capsys, monkeypatch, f"{KEY}\n{wrong}\n")
    assert code == 3
    assert "nothing was saved" in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err and wrong not in out + err
    assert isolated_account.get_password("ccall-tui", "default") is None


def test_login_needs_both_lines(capsys, monkeypatch):
    code, out, err = run(["login"], capsys, monkeypatch, f"{KEY}\n")
    assert code == 2 and "nothing was saved" in err


def test_login_unreachable_server(capsys, monkeypatch, isolated_account):
    code, out, err = run(["--base-url", "http://127.0.0.1:9", "login"], capsys, monkeypatch, f"{KEY}\n{SECRET}\n")
    assert code == 4, err
    assert "Traceback" not in err and SECRET not in err
    assert isolated_account.store == {}


def test_status_from_environment(pbx, capsys, monkeypatch):
    monkeypatch.setenv("CCALL_API_KEY", KEY)
    monkeypatch.setenv("CCALL_API_SECRET", SECRET)
    monkeypatch.setenv("CCALL_BASE_URL", pbx.base_url)
    code, out, err = run(["status"], capsys, monkeypatch)
    assert code == 0, out + err
    assert "environment" in out and pbx.base_url in out and SECRET not in out + err


def test_status_without_credentials(capsys, monkeypatch):
    code, out, err = run(["status"], capsys, monkeypatch)
    assert code == 3 and "none" in out and "ccall-tui login" in out


def test_keyring_unavailable_is_one_clear_line(capsys, monkeypatch):
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())
    code, out, err = run(["logout"], capsys, monkeypatch)
    assert code == 3
    assert len(err.strip().splitlines()) == 1 and "CCALL_API_KEY" in err and "Traceback" not in err


def test_login_without_a_keyring_says_so_before_asking(capsys, monkeypatch):
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())
    stdin = io.StringIO(f"{KEY}\n{SECRET}\n")
    monkeypatch.setattr("sys.stdin", stdin)
    # An address nothing listens on: a request would turn into a network error, exit 4.
    args = parser().parse_args(["--base-url", "http://127.0.0.1:9", "login"])
    code = args.func(args)
    out, err = capsys.readouterr()
    assert code == 3
    assert stdin.tell() == 0, "the key was asked for although it could not be saved"
    assert err == ("ccall-tui: No keyring is available on this machine, so nothing can be saved: set "
                   "CCALL_API_KEY and CCALL_API_SECRET in the environment instead.\n")

    code, out, err = run(["status"], capsys, monkeypatch)
    assert code == 3 and "none on this machine" in out and "(fail)" not in out


def test_plain_text_keyring_is_named_and_warned_about(pbx, capsys, monkeypatch, tmp_path):
    from keyrings.alt.file import PlaintextKeyring

    backend = PlaintextKeyring()
    backend.file_path = str(tmp_path / "python_keyring" / "keyring_pass.cfg")
    keyring.set_keyring(backend)
    monkeypatch.setenv("CCALL_BASE_URL", pbx.base_url)
    code, out, err = run(["login"], capsys, monkeypatch, f"{KEY}\n{SECRET}\n")
    assert code == 0, err
    assert f"Saved to plain-text file {backend.file_path} for profile default." in out
    assert "system keyring" not in out
    assert err == (f"ccall-tui: Warning: plain-text file {backend.file_path} is not encrypted; anyone who "
                   "can read it can use the API key.\n")
    code, out, err = run(["status"], capsys, monkeypatch)
    assert code == 0, out + err
    assert "(not encrypted)" in out and "anyone who can read it" in out
    assert SECRET not in out + err


def test_config_commands(capsys, monkeypatch, tmp_path):
    path = tmp_path / "cfg" / "config.toml"
    code, out, err = run(["config", "path"], capsys, monkeypatch)
    assert code == 0 and out.strip() == str(path)

    code, out, err = run(["config", "init"], capsys, monkeypatch)
    assert code == 0 and path.exists()
    code, out, err = run(["config", "init"], capsys, monkeypatch)
    assert code == 2 and "--force" in err
    code, out, err = run(["config", "init", "--force"], capsys, monkeypatch)
    assert code == 0

    path.write_text('[profiles.main]\nroster = ["100-102"]\n[profiles.main.labels]\n"100" = "Lễ tân"\n',
                    encoding="utf-8")
    monkeypatch.setenv("CCALL_API_KEY", KEY)
    monkeypatch.setenv("CCALL_API_SECRET", SECRET)
    code, out, err = run(["config", "show"], capsys, monkeypatch)
    assert code == 0
    assert '"100" = "Lễ tân"' in out and "3 extensions" in out
    assert SECRET not in out and KEY not in out

    path.write_text('[profiles.main]\nbase_url = "https://ops:Hunter2pw@pbx.example"\n', encoding="utf-8")
    code, out, err = run(["config", "show"], capsys, monkeypatch)
    assert code == 0 and "Hunter2pw" not in out and "pbx.example" in out
    assert "max_answer_mb = 64" in out and "forget_after_days = 30" in out
    assert "unreachable_ping_ms = 1000" in out and "history_days = 30" in out

    path.write_text("[profiles.main]\npoll_interval = 0\n")
    code, out, err = run(["config", "show"], capsys, monkeypatch)
    assert code == 2 and "line 2" in err and "poll_interval" in err
    assert len(err.strip().splitlines()) == 1


def test_through_the_main_command_line(pbx, capsys, monkeypatch, isolated_account):
    cli = pytest.importorskip("ccall_tui.cli")
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{KEY}\n{SECRET}\n"))
    code = cli.main(["--base-url", pbx.base_url, "login", "--profile", "work"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert isolated_account.get_password("ccall-tui", "work") is not None
    assert SECRET not in out + err


def test_vietnamese_output(capsys, monkeypatch):
    from ccall_tui import i18n

    i18n.set_language("vi", {})
    try:
        code, out, err = run(["status"], capsys, monkeypatch)
    finally:
        i18n.set_language("en", {})
    assert code == 3 and "Hồ sơ" in out and "Thông tin xác thực" in out


def test_config_init_keeps_the_profile_in_use_and_its_credentials(pbx, capsys, monkeypatch, isolated_account,
                                                                   tmp_path):
    monkeypatch.setenv("CCALL_BASE_URL", pbx.base_url)
    code, out, err = run(["login"], capsys, monkeypatch, f"{KEY}\n{SECRET}\n")
    assert code == 0, err
    assert isolated_account.get_password("ccall-tui", "default") is not None

    code, out, err = run(["config", "init"], capsys, monkeypatch)
    assert code == 0 and "profile default" in out
    path = tmp_path / "cfg" / "config.toml"
    assert 'default_profile = "default"' in path.read_text(encoding="utf-8")
    code, out, err = run(["status"], capsys, monkeypatch)
    assert code == 0, out + err
    assert "keyring (InMemoryKeyring)" in out and "0b98****" in out

    # A second init is refused, and leaves the file alone.
    before = path.read_bytes()
    code, out, err = run(["config", "init"], capsys, monkeypatch)
    assert code == 2 and "--force" in err and path.read_bytes() == before

    # --force keeps the profile the file names, its server, and the old file beside it.
    path.write_text('default_profile = "shop"\n[profiles.shop]\nbase_url = "https://pbx.example"\n'
                    'domain_name = "shop.example"\n', encoding="utf-8")
    code, out, err = run(["config", "init", "--force"], capsys, monkeypatch)
    assert code == 0, err
    text = path.read_text(encoding="utf-8")
    assert 'default_profile = "shop"' in text and "[profiles.shop]" in text
    assert 'base_url = "https://pbx.example"' in text and 'domain_name = "shop.example"' in text
    backup = path.with_name("config.toml.bak")
    assert backup.read_text(encoding="utf-8").startswith('default_profile = "shop"')
    assert str(backup) in out


def test_logout_removes_an_entry_the_config_no_longer_names(capsys, monkeypatch, isolated_account, tmp_path):
    isolated_account.set_password("ccall-tui", "default", json.dumps({"api_key": KEY, "api_secret": SECRET}))
    path = tmp_path / "cfg" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text('default_profile = "main"\n[profiles.main]\n', encoding="utf-8")
    code, out, err = run(["logout", "--profile", "default"], capsys, monkeypatch)
    assert code == 0, err
    assert "Removed the credentials of profile default" in out
    assert isolated_account.get_password("ccall-tui", "default") is None

    code, out, err = run(["logout", "--profile", "../etc"], capsys, monkeypatch)
    assert code == 2 and err.startswith("ccall-tui: ") and len(err.strip().splitlines()) == 1


def test_ctrl_c_at_the_login_prompt_says_cancelled(capsys, monkeypatch, isolated_account):
    def interrupted(stdin=None):
        raise KeyboardInterrupt

    monkeypatch.setattr(account, "read_credentials", interrupted)
    args = parser().parse_args(["--base-url", "http://127.0.0.1:9", "login"])
    code = args.func(args)
    out, err = capsys.readouterr()
    assert code == 130
    assert err.strip() == "ccall-tui: Cancelled: nothing was saved." and isolated_account.store == {}


def test_status_points_at_credentials_saved_under_the_old_default_name(capsys, monkeypatch, isolated_account,
                                                                       tmp_path):
    """A config written by an older 'config init' names its profile "main"; the key saved for
    "default" is still there, and status says so instead of only "none"."""
    isolated_account.set_password("ccall-tui", "default", json.dumps({"api_key": KEY, "api_secret": SECRET}))
    path = tmp_path / "cfg" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text('default_profile = "main"\n[profiles.main]\n', encoding="utf-8")
    code, out, err = run(["status"], capsys, monkeypatch)
    assert code == 3
    hint = next(line for line in out.splitlines() if line.startswith("Hint:"))
    assert "profile default (0b98****)" in hint and "--profile default" in hint and "login --profile main" in hint
    assert SECRET not in out + err and KEY not in out + err
