"""The first frame with data comes first: the keyring is read in a thread while the app starts, and
work the first frame does not need (the alert rules and the calls they follow) starts once the
first poll's outcome is on screen, whether that is data or a failure."""

from __future__ import annotations

import argparse
import time

import keyring
from keyring_memory import InMemoryKeyring

from conftest import wait_until

from ccall_tui.cli import Context
from ccall_tui.credentials import Credentials, CredentialStore
from ccall_tui.factory import build_app, build_app_from_context
from ccall_tui.ui.screens.login import LoginScreen
from ccall_tui.ui.screens.monitor import MonitorScreen


async def test_later_work_starts_after_the_first_answer_is_on_the_board(make_services):
    app = build_app(make_services())
    seen: list[tuple[int, bool]] = []

    def later() -> None:
        screen = app.screen
        assert isinstance(screen, MonitorScreen)
        seen.append((screen.polls_started, screen.status.last_success is not None))

    app.when_first_data(later)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: seen, "the first answer", timeout=5.0)
        assert seen == [(1, True)]  # once, after the first poll, with its data
        app.when_first_data(later)  # asked for afterwards: at once
        await wait_until(pilot, lambda: len(seen) == 2, "the second answer", timeout=5.0)


async def test_a_failed_first_poll_does_not_hold_later_work_back(make_services, sim):
    sim.faults.status_5xx = True
    app = build_app(make_services())
    seen: list[str | None] = []
    app.when_first_data(lambda: seen.append(app.screen.status.last_error and app.screen.status.last_error.message))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: seen, "the first answer", timeout=5.0)
        assert seen[0]  # the failure was known (and shown) before
        assert app.screen.status.last_success is None


async def test_the_alerts_start_only_once_the_board_shows_data(make_services, monkeypatch):
    from ccall_tui.ui.screens import board_alerts

    started: list[bool] = []
    real_start = board_alerts.BoardAlerts.start

    def start(self) -> None:
        started.append(self.screen.status.last_success is not None)
        real_start(self)

    monkeypatch.setattr(board_alerts.BoardAlerts, "start", start)
    app = build_app(make_services())
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: started, "the later work", timeout=5.0)
        assert started == [True]


# --------------------------------------------------------------------------- the keyring


class SlowKeyring(InMemoryKeyring):
    """A keyring that takes its time to answer, as a Secret Service over D-Bus can."""

    delay = 0.6

    def get_password(self, service: str, username: str) -> str | None:
        time.sleep(self.delay)
        return super().get_password(service, username)


def context_for(sim) -> Context:
    return Context(argparse.Namespace(profile=None, base_url=sim.base_url, lang=None), {})


async def test_a_slow_keyring_does_not_hold_the_app_back_and_its_credentials_are_used(sim):
    backend = SlowKeyring()
    keyring.set_keyring(backend)
    CredentialStore().set("default", Credentials("demo", "demo"))
    started = time.monotonic()
    app = build_app_from_context(context_for(sim))
    assert time.monotonic() - started < SlowKeyring.delay / 2  # the read goes on in a thread
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, MonitorScreen)
                         and app.screen.status.last_success is not None, "the board's first data", timeout=5.0)
        assert app.services.credential_source.startswith("keyring")
        assert app.services.credentials == Credentials("demo", "demo")


async def test_an_empty_keyring_asks_for_credentials(sim):
    app = build_app_from_context(context_for(sim))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, LoginScreen), "the login screen", timeout=5.0)
        assert app.services.keyring_error is None


async def test_a_keyring_that_cannot_be_used_is_said_on_the_login_screen(sim):
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())
    app = build_app_from_context(context_for(sim))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, LoginScreen), "the login screen", timeout=5.0)
        assert "CCALL_API_KEY" in (app.services.keyring_error or "")
