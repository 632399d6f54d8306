"""Switching profiles inside the app: pick one, the app restarts on it."""

from __future__ import annotations

from ccall_tui.factory import build_app
from ccall_tui.ui.screens.profiles import ProfilePicker


async def test_pick_another_profile(make_services):
    services = make_services()
    services.profiles = (("test", services.profile.base_url), ("branch", "https://api.ccall.vn"))
    app = build_app(services)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, ProfilePicker)
        await pilot.press("down", "enter")
        await pilot.pause()
    assert app.next_profile == "branch"


async def test_one_profile_says_how_to_add_more(make_services, notes):
    app = build_app(make_services())
    async with app.run_test(size=(100, 30), message_hook=notes) as pilot:
        await pilot.pause()
        await pilot.press("p")
        await pilot.pause()
        assert not isinstance(app.screen, ProfilePicker)
        messages = [n.message for n in notes]
        assert any("config" in m for m in messages)
    assert app.next_profile is None
