"""The garbage collector pauses while the TUI starts and runs again once the first frame has
data, or the login screen opens instead, or the program ends: never left off."""

from __future__ import annotations

import gc

import pytest

from conftest import wait_until
from ccall_tui import startup_gc
from ccall_tui.factory import build_app
from ccall_tui.ui.screens.login import LoginScreen


@pytest.fixture(autouse=True)
def collector_back_on():
    yield
    startup_gc.resume()
    gc.enable()
    gc.unfreeze()


async def test_the_collector_waits_for_the_first_data_then_runs(make_services):
    startup_gc.pause()
    assert not gc.isenabled()
    app = build_app(make_services())
    painted: list[bool] = []
    app.when_first_data(lambda: painted.append(gc.isenabled()))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: painted, "the first frame with data", timeout=10.0)
        # Off until the first answer was on screen; on from then on, past what the start made
        # (a full collection does not scan the app, Textual and the board again).
        assert app.screen.status.last_success is not None
        assert gc.isenabled() and not startup_gc.paused()
        assert gc.get_freeze_count() > 10_000


async def test_the_login_screen_does_not_wait_for_a_first_answer(make_services):
    startup_gc.pause()
    app = build_app(make_services(credentials=None))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, LoginScreen), "the login screen", timeout=10.0)
        assert gc.isenabled()


def test_a_program_that_turned_the_collector_off_keeps_it_off():
    gc.disable()
    startup_gc.pause()
    startup_gc.resume()
    assert not gc.isenabled()
    assert gc.get_freeze_count() == 0  # nor are its objects set aside


def test_the_command_line_leaves_the_collector_on_however_it_ends(monkeypatch, capsys, tmp_path):
    """The TUI's command line pauses it first; a start that fails (here: no demo server can be
    made) still ends with it on, for whatever runs next in this process."""
    import errno
    import os
    import socket

    from ccall_tui.cli import main

    def refused(*_args, **_kwargs):
        raise OSError(errno.EADDRINUSE, os.strerror(errno.EADDRINUSE))

    monkeypatch.setattr(socket, "create_server", refused)
    assert main(["--demo"]) == 1
    assert gc.isenabled()
