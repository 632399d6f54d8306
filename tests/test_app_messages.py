"""The app tells its screens about new credentials with a message, not by reaching into them."""

from __future__ import annotations

from ccall_tui.factory import build_app
from ccall_tui.ui.messages import CredentialsChanged
from ccall_tui.ui.screens.login import LoginScreen
from ccall_tui.ui.screens.monitor import MonitorScreen


async def test_a_later_login_reaches_both_screens_and_the_board_asks_again(make_services, sim):
    received = []

    def hook(message) -> None:
        if isinstance(message, CredentialsChanged):
            received.append(message)

    app = build_app(make_services())
    async with app.run_test(size=(120, 40), message_hook=hook) as pilot:
        await pilot.pause()
        await app.switch_mode("cdrs")
        await pilot.pause()
        await app.switch_mode("monitor")
        await pilot.pause()
        board = app.screen
        assert isinstance(board, MonitorScreen)
        polls = board.polls_started
        pages = sum(1 for r in sim.requests if r.path == "/cdrs/json" and "call_id" not in r.body)
        app.ask_for_login()
        await pilot.pause()
        assert isinstance(app.screen, LoginScreen)
        app.screen.query_one("#api-key").value = "demo"
        app.screen.query_one("#api-secret").value = "demo"
        await pilot.press("ctrl+s")
        def reloaded() -> bool:
            return sum(1 for r in sim.requests if r.path == "/cdrs/json" and "call_id" not in r.body) > pages

        for _ in range(200):
            if not isinstance(app.screen, LoginScreen) and board.polls_started > polls and reloaded():
                break
            await pilot.pause(0.05)
        # One message per screen; the board polls again and the browser asks for its page again.
        assert len(received) == 2
        assert board.polls_started > polls and reloaded()
