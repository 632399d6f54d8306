"""The "why didn't it ring?" key is where someone looking at a missed call sees it: in the
footer while a call row has focus, and as a line in the detail of a call nobody answered, in
English and in Vietnamese."""

from __future__ import annotations

import pytest

from ccall_tui import i18n
from ccall_tui.factory import build_app

from test_cdr_browser import SIZE, open_browser


def footer_keys(screen) -> dict[str, str]:
    """The keys the footer shows now: key -> description."""
    return {binding.key: binding.description for (_node, binding, enabled, _tip) in screen.active_bindings.values()
            if binding.show and enabled}


def detail_lines(screen) -> list[str]:
    from textual.widgets import Static

    return [line.strip() for line in str(screen.query_one("#detail-body", Static).render()).splitlines()]


async def _open(pilot, screen, answered: bool) -> None:
    index = next(i for i, r in enumerate(screen.table.records) if r.answered is answered)
    screen.table.move_cursor(row=index)
    screen.table.focus()
    await pilot.press("enter")
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@pytest.mark.parametrize("language, key_words, line", [
    ("en", "Why no ring?", "w: why didn't it ring?"),
    ("vi", "Sao không đổ chuông?", "w: vì sao máy không đổ chuông?"),
])
async def test_the_key_shows_where_a_missed_call_is_looked_at(make_services, language, key_words, line):
    i18n.set_language(language, {})
    try:
        app = build_app(make_services())
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_browser(app, pilot)
            await _open(pilot, screen, answered=False)
            assert screen.table.has_focus
            assert footer_keys(screen).get("w") == key_words
            assert line in detail_lines(screen)
            # an answered call: no such line (it did ring)
            await _open(pilot, screen, answered=True)
            assert line not in detail_lines(screen)
            # typing in the form: w is a letter there, not the key, and the footer says so
            screen.action_focus_form()
            await pilot.pause()
            assert "w" not in footer_keys(screen)
            # and the key does what it says from the table
            await _open(pilot, screen, answered=False)
            await pilot.press("w")
            await pilot.pause()
            from textual.widgets import TabbedContent

            assert screen.query_one(TabbedContent).active == "tab-why"
    finally:
        i18n.set_language("en", {})
