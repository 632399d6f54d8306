"""`?` on the board explains the four words its tiles use; the call browser has no tiles."""

import pytest

from ccall_tui import i18n
from ccall_tui.factory import build_app
from ccall_tui.ui.screens.help import HelpScreen

from test_monitor import settle


async def _help_text(app, pilot) -> str:
    await pilot.press("question_mark")
    await pilot.pause()
    assert isinstance(app.screen, HelpScreen)
    return str(app.screen.query_one("Static").render())


@pytest.mark.parametrize(
    "lang, words",
    [
        ("en", ("online", "offline", "never seen", "unknown", "no good answer from the server yet")),
        ("vi", ("chưa rõ", "máy chủ chưa trả lời được")),
    ],
)
async def test_board_help_explains_every_state(make_services, lang, words):
    i18n.set_language(lang, {})
    try:
        app = build_app(make_services())
        async with app.run_test(size=(120, 48)) as pilot:
            await settle(app, pilot)
            text = await _help_text(app, pilot)
    finally:
        i18n.set_language("en", {})
    for word in words:
        assert word in text


async def test_call_browser_help_has_no_state_legend(make_services):
    app = build_app(make_services())
    async with app.run_test(size=(120, 48)) as pilot:
        await settle(app, pilot)
        await pilot.press("f2")
        await settle(app, pilot)
        text = await _help_text(app, pilot)
    assert "no good answer from the server yet" not in text and "Calls" in text
