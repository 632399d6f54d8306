"""Switching between the board and the call browser reuses both screens and rebuilds nothing."""

from __future__ import annotations

from ccall_tui.factory import build_app
from ccall_tui.ui.widgets.footer import AppFooter


async def _settled(pilot) -> None:
    for _ in range(3):
        await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_switching_back_reuses_screens_and_footers(make_services, monkeypatch):
    recomposed: list[AppFooter] = []
    original = AppFooter.recompose

    async def counting(self):
        recomposed.append(self)
        await original(self)

    monkeypatch.setattr(AppFooter, "recompose", counting)
    app = build_app(make_services())
    async with app.run_test(size=(160, 48)) as pilot:
        await _settled(pilot)
        board = app.screen
        await pilot.press("f2")
        await _settled(pilot)
        browser = app.screen
        assert browser is not board
        recomposed.clear()
        for _ in range(3):
            await pilot.press("f1")
            await _settled(pilot)
            assert app.screen is board
            await pilot.press("f2")
            await _settled(pilot)
            assert app.screen is browser
        # The same keys as before: no footer was rebuilt on the way back and forth.
        assert recomposed == []
        keys = [k.action for k in browser.query_one(AppFooter).children if getattr(k, "action", None)]
        assert "help" in keys and "quit" in keys


async def test_a_theme_changed_elsewhere_still_reaches_a_resumed_screen(make_services):
    app = build_app(make_services())
    async with app.run_test(size=(120, 40)) as pilot:
        await _settled(pilot)
        board = app.screen
        await pilot.press("f2")
        await _settled(pilot)
        before = board.styles.background
        app.theme = "textual-light" if app.theme != "textual-light" else "nord"
        await _settled(pilot)
        await pilot.press("f1")
        await _settled(pilot)
        assert app.screen is board
        assert board.styles.background != before
