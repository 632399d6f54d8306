"""Every test runs away from the developer's machine: temporary config and state
directories, an in-memory keyring, no credentials from the environment, a frozen clock."""

from __future__ import annotations

import gc

import time
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import keyring
import pytest

from ccall_tui.clock import ManualClock

VN = ZoneInfo("Asia/Ho_Chi_Minh")
# A Friday morning, in the middle of a business day at the PBX.
FROZEN_NOW = datetime(2026, 11, 27, 10, 30, 0, tzinfo=VN)

_SCRUBBED_ENV = (
    "CCALL_API_KEY", "CCALL_API_SECRET", "CCALL_PROFILE", "CCALL_BASE_URL", "CCALL_LANG",
    "CCALL_CONFIG", "CCALL_STATE_DIR", "NO_COLOR", "TEXTUAL_THEME", "LC_ALL", "LC_MESSAGES",
    "PYTHON_KEYRING_BACKEND",
)


@pytest.fixture(autouse=True)
def isolated(tmp_path_factory, monkeypatch):
    """Temporary config/state dirs, English, in-memory keyring, no env credentials."""
    from keyring_memory import InMemoryKeyring

    home = tmp_path_factory.mktemp("home")
    for name in _SCRUBBED_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CCALL_CONFIG", str(home / "config" / "config.toml"))
    monkeypatch.setenv("CCALL_STATE_DIR", str(home / "state"))
    monkeypatch.setenv("LANG", "C.UTF-8")
    previous = keyring.get_keyring()
    backend = InMemoryKeyring()
    keyring.set_keyring(backend)
    try:
        from ccall_tui import i18n

        if hasattr(i18n, "set_language"):
            i18n.set_language("en", {})
    except Exception:  # noqa: BLE001  # pragma: no cover - i18n must never break unrelated tests
        pass
    yield home
    keyring.set_keyring(previous)
    # A TUI started in this process set aside what was alive once its start was over (see
    # ccall_tui.startup_gc): the next test's garbage is the collector's again.
    if gc.get_freeze_count():
        gc.unfreeze()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(FROZEN_NOW)


@pytest.fixture
def sim(clock):
    """The simulated PBX on 127.0.0.1, 60 extensions, seed 7, frozen clock."""
    from ccall_tui.sim.server import SimulatedPbx

    pbx = SimulatedPbx(seed=7, extensions=60, clock=clock)
    pbx.start()
    yield pbx
    pbx.stop()


class DemoCredentials:
    """Stand-in with the same interface as ccall_tui.credentials.Credentials."""

    def __init__(self, key: str = "demo", secret: str = "demo") -> None:
        self._fields = {"api_key": key, "api_secret": secret}

    def body_fields(self) -> dict[str, str]:
        return dict(self._fields)

    def __repr__(self) -> str:
        return "DemoCredentials(****)"


@pytest.fixture
def credentials():
    try:
        from ccall_tui.credentials import Credentials

        return Credentials("demo", "demo")
    except ImportError:  # pragma: no cover
        return DemoCredentials()


@pytest.fixture
def profile(sim):
    from ccall_tui.config import Profile

    # The default timeout (10 s): the simulator shares the process (and the GIL) with the app, and
    # on a loaded machine (the suite runs on every core) it may take seconds to answer; a test
    # about timeouts sets its own.
    return replace(Profile.default("test"), base_url=sim.base_url, poll_interval=1.0, timeout=10.0)


@pytest.fixture
def make_services(sim, clock, credentials, profile, isolated):
    """Build AppServices for the app against the simulator; keyword arguments override."""
    from ccall_tui.services import AppServices

    def make(**overrides):
        values = dict(
            profile=profile,
            credentials=credentials,
            credential_source="test",
            clock=clock,
            state_dir=isolated / "state",
            poll_interval=1.0,
        )
        values.update(overrides)
        return AppServices(**values)

    return make


@pytest.fixture
def env(monkeypatch, sim):
    """The command line pointed at the simulator with its demo credentials in the environment."""
    monkeypatch.setenv("CCALL_BASE_URL", sim.base_url)
    monkeypatch.setenv("CCALL_API_KEY", "demo")
    monkeypatch.setenv("CCALL_API_SECRET", "demo")
    return sim


def run_cli(capsys, *argv):
    """Run ``ccall-tui ARGV`` in-process: (exit code, stdout, stderr)."""
    from ccall_tui.cli import main

    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


class NotificationLog(list):
    """What the app told the user with ``notify()``, read from the ``Notify`` messages Textual
    posts: pass it as ``run_test(message_hook=...)``."""

    def __call__(self, message) -> None:
        from textual.notifications import Notify

        if isinstance(message, Notify):
            self.append(message.notification)


@pytest.fixture
def notes() -> NotificationLog:
    return NotificationLog()


async def wait_until(pilot, condition, what: str, timeout: float = 30.0) -> None:
    """Let the app run until ``condition()`` holds; fail in one line after ``timeout`` seconds.
    A loaded machine (the suite runs on every core, CI shares them) is slow, never wrong: wait
    for what the test needs, never for a fixed count of pauses."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting after {timeout:.0f} s for {what}")
        await pilot.pause(0.02)


# Every test collected, before -k/-m leave some out (tests/test_snapshot_files.py reads it: under
# pytest-xdist syrupy no longer fails a run on a snapshot that no test takes any more).
COLLECTED = pytest.StashKey[list[str]]()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session, config, items):
    config.stash[COLLECTED] = [item.nodeid for item in items]
