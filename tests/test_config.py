"""Settings: one-line errors with file, line and key; precedence; roster; atomic state."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import keyring
import pytest

from ccall_tui import state
from ccall_tui.config import (
    ConfigError,
    Profile,
    apply_overrides,
    expand_roster,
    load_settings,
    select_profile,
    write_example,
)
from ccall_tui.paths import config_path, state_dir
from ccall_tui.state import StateError, atomic_write_json, load_json


@pytest.fixture(autouse=True)
def isolated_config(tmp_path, monkeypatch):
    from keyring_memory import InMemoryKeyring

    for name in ("CCALL_API_KEY", "CCALL_API_SECRET", "CCALL_PROFILE", "CCALL_BASE_URL", "CCALL_LANG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CCALL_CONFIG", str(tmp_path / "cfg" / "config.toml"))
    monkeypatch.setenv("CCALL_STATE_DIR", str(tmp_path / "state"))
    previous = keyring.get_keyring()
    keyring.set_keyring(InMemoryKeyring())
    yield tmp_path
    keyring.set_keyring(previous)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path) -> str:
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message
    return message


GOOD = """\
default_profile = "main"

[profiles.main]
base_url = "https://api.ccall.vn"
domain_name = "tenant.example"
timezone = "Asia/Ho_Chi_Minh"
poll_interval = 5
timeout = 10
roster = ["100-103", "200"]
watched = ["100", "105"]
theme = "textual-dark"
language = "vi"
discover_from_cdrs = false

[profiles.main.labels]
"100" = "Lễ tân"

[profiles.backup]
base_url = "https://backup.example"
"""


def test_missing_file_gives_defaults(tmp_path):
    settings = load_settings(tmp_path / "nope.toml")
    assert settings.default_profile == "default"
    assert list(settings.profiles) == ["default"]
    profile = settings.profiles["default"]
    assert profile == Profile.default()
    assert profile.timezone.key == "Asia/Ho_Chi_Minh"
    assert profile.poll_interval == 5 and profile.timeout == 10


def test_full_file_is_read(tmp_path):
    settings = load_settings(write(tmp_path, GOOD))
    main = settings.profiles["main"]
    assert settings.default_profile == "main"
    assert main.domain_name == "tenant.example"
    assert main.roster == ("100-103", "200")
    assert main.roster_extensions() == ["100", "101", "102", "103", "200"]
    assert main.watched == frozenset({"100", "105"})
    assert main.labels["100"] == "Lễ tân"
    assert main.language == "vi" and main.discover_from_cdrs is False
    assert settings.profiles["backup"].base_url == "https://backup.example"


@pytest.mark.parametrize(
    ("text", "line", "key", "fragment"),
    [
        ("[profiles.main]\nbase_url = \"x\"\npoll_interval = \n", 3, None, "TOML"),
        ("[profiles.main]\npoll_intervall = 3\n", 2, "profiles.main.poll_intervall", 'did you mean "poll_interval"'),
        ("[profiles.main]\ntimeout = 3\npoll_interval = \"5\"\n", 3, "profiles.main.poll_interval", "number of seconds"),
        ("[profiles.main]\npoll_interval = 0.5\n", 2, "profiles.main.poll_interval", "from 1 to 3600"),
        ("[profiles.main]\ntimeout = 0\n", 2, "profiles.main.timeout", "above 0 and at most 300"),
        ("[profiles.main]\nmax_answer_mb = \"big\"\n", 2, "profiles.main.max_answer_mb", "number of MB"),
        ("[profiles.main]\nmax_answer_mb = 2048\n", 2, "profiles.main.max_answer_mb", "from 1 to 1024"),
        ("[profiles.main]\nforget_after_days = 0\n", 2, "profiles.main.forget_after_days", "from 1 to 3650"),
        ("[profiles.main]\nforget_after_days = true\n", 2, "profiles.main.forget_after_days", "number of days"),
        ("[profiles.main]\n\ntimezone = \"Mars/Olympus\"\n", 3, "profiles.main.timezone", "Asia/Ho_Chi_Minh"),
        ("[profiles.main]\nroster = [\"160-100\"]\n", 2, "profiles.main.roster", "reversed"),
        ("[profiles.main]\nroster = [\"1-200000\"]\n", 2, "profiles.main.roster", "100,000"),
        ("[profiles.main]\nroster = [\"1 0 0\"]\n", 2, "profiles.main.roster", "range like"),
        ("[profiles.main]\nroster = \"100-160\"\n", 2, "profiles.main.roster", "a list of extensions"),
        ("[profiles.main]\nlanguage = \"fr\"\n", 2, "profiles.main.language", '"auto", "en", "vi"'),
        ("[profiles.main]\ndiscover_from_cdrs = \"yes\"\n", 2, "profiles.main.discover_from_cdrs", "true or false"),
        ("[profiles.main]\nbase_url = \"ftp://x\"\n", 2, "profiles.main.base_url", "https://"),
        ("default_profile = \"other\"\n[profiles.main]\n", 1, "default_profile", "no profile \"other\""),
        ("[profiles.main]\n[profiles.main.labels]\n\"100\" = 5\n", 3, "profiles.main.labels.100", "string"),
        ("# hi\npoll_interval = 5\n", 2, "poll_interval", "[profiles.main]"),
        ("default_profil = \"main\"\n", 1, "default_profil", 'did you mean "default_profile"'),
    ],
)
def test_errors_are_one_line_with_file_line_and_key(tmp_path, text, line, key, fragment):
    message = error_of(write(tmp_path, text))
    assert f"line {line}" in message, message
    if key:
        assert key in message
    assert fragment in message


def test_line_is_found_in_the_right_profile(tmp_path):
    text = "[profiles.a]\ntimeout = 5\n\n[profiles.b]\ntimeout = -1\n"
    message = error_of(write(tmp_path, text))
    assert "line 5" in message and "profiles.b.timeout" in message


def test_precedence_flag_then_env_then_file(tmp_path):
    settings = load_settings(write(tmp_path, GOOD))
    assert select_profile(settings, None, {}).name == "main"
    assert select_profile(settings, None, {"CCALL_PROFILE": "backup"}).name == "backup"
    assert select_profile(settings, "main", {"CCALL_PROFILE": "backup"}).name == "main"
    with pytest.raises(ConfigError) as info:
        select_profile(settings, "nope", {})
    assert "main, backup" in str(info.value)

    main = settings.profiles["main"]
    assert apply_overrides(main, env={}).base_url == "https://api.ccall.vn"
    env = {"CCALL_BASE_URL": "http://127.0.0.1:9000/"}
    assert apply_overrides(main, env=env).base_url == "http://127.0.0.1:9000"
    assert apply_overrides(main, base_url="https://flag.example", env=env).base_url == "https://flag.example"
    with pytest.raises(ConfigError, match="CCALL_BASE_URL"):
        apply_overrides(main, env={"CCALL_BASE_URL": "not a url"})


def test_any_profile_name_without_a_file(tmp_path):
    settings = load_settings(tmp_path / "missing.toml")
    assert select_profile(settings, "work", {}).name == "work"


def test_roster_expansion():
    assert expand_roster(["100-103"]) == ["100", "101", "102", "103"]
    assert expand_roster(["007-010"]) == ["007", "008", "009", "010"]
    assert expand_roster(["8-11", "9", "ivr"]) == ["8", "9", "10", "11", "ivr"]
    assert expand_roster([200, "200"]) == ["200"]
    assert len(expand_roster(["0-99999"])) == 100_000
    for bad in (["20-10"], ["0-100000"], ["1-"], ["a b"], [True]):
        with pytest.raises(ConfigError):
            expand_roster(bad)


def test_paths_follow_the_environment(tmp_path):
    assert config_path() == tmp_path / "cfg" / "config.toml"
    assert state_dir() == tmp_path / "state"
    assert config_path({}).name == "config.toml"


def test_example_loads_and_is_not_overwritten(tmp_path):
    path, backup = write_example(config_path())
    assert backup is None
    settings = load_settings(path)
    # The name a fresh install already uses, so credentials saved before stay in use.
    assert settings.default_profile == "default"
    assert settings.profiles["default"].base_url == "https://api.ccall.vn"
    path.write_text("# mine\n")
    with pytest.raises(ConfigError, match="--force"):
        write_example(path)
    assert path.read_text() == "# mine\n"
    _path, backup = write_example(path, force=True, profile_name="shop.vn", base_url="http://127.0.0.1:9")
    assert backup.read_text() == "# mine\n"
    settings = load_settings(path)
    assert settings.default_profile == "shop.vn"
    assert settings.profiles["shop.vn"].base_url == "http://127.0.0.1:9"
    with pytest.raises(ConfigError, match="profile name"):
        write_example(path, force=True, profile_name="a b")


def test_shipped_example_is_a_valid_config_and_what_init_writes_by_default(tmp_path):
    """The example ships as a data file in the package; as shipped it is the default profile's."""
    from importlib import resources

    shipped = resources.files("ccall_tui").joinpath("example_config.toml").read_text(encoding="utf-8")
    path, _backup = write_example(tmp_path / "config.toml")
    assert path.read_text(encoding="utf-8") == shipped
    settings = load_settings(path)
    assert settings.profiles["default"].poll_interval == 5 and settings.profiles["default"].forget_after_days == 30
    _path, _backup = write_example(path, force=True, profile_name="branch", domain_name="branch.example")
    text = path.read_text(encoding="utf-8")
    assert '[profiles.branch]' in text and 'domain_name = "branch.example"' in text and "[profiles.default]" not in text
    assert load_settings(path).profiles["branch"].domain_name == "branch.example"


# --------------------------------------------------------------------------- state


def test_atomic_write_and_load(tmp_path):
    path = tmp_path / "deep" / "state.json"
    atomic_write_json(path, {"seen": ["100"]})
    assert load_json(path, None) == {"seen": ["100"]}
    assert load_json(tmp_path / "missing.json", {"x": 1}) == {"x": 1}
    path.write_text("{broken")
    assert load_json(path, []) == []


@pytest.mark.parametrize("where", ["replace", "fsync"])
def test_atomic_write_keeps_the_old_file_on_disk_full(tmp_path, monkeypatch, where):
    path = tmp_path / "state.json"
    atomic_write_json(path, {"version": 1})

    def full(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(state.os, where, full)
    with pytest.raises(StateError) as info:
        atomic_write_json(path, {"version": 2})
    assert "\n" not in str(info.value)
    assert str(path) in str(info.value)
    monkeypatch.undo()
    assert json.loads(path.read_text()) == {"version": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]
