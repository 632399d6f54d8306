"""Starting without credentials opens the login screen; it checks before it saves."""

from __future__ import annotations

import keyring

from ccall_tui.factory import build_app
from ccall_tui.ui.screens.login import LoginScreen


async def _until(pilot, condition, seconds: float = 10.0) -> None:
    """Let the app run until ``condition()`` holds (a request and a keyring write are real)."""
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    assert condition(), _status(pilot.app)


def _status(app) -> str:
    rendered = app.screen.query_one("#login-status").render()
    return getattr(rendered, "plain", None) or str(rendered)


async def _type(pilot, selector: str, text: str) -> None:
    widget = pilot.app.screen.query_one(selector)
    widget.value = text


async def test_login_screen_checks_then_saves_to_keyring(make_services):
    from ccall_tui.credentials import CredentialStore

    services = make_services(credentials=None, credential_store=CredentialStore())
    app = build_app(services)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, LoginScreen)
        await _type(pilot, "#api-key", "demo")
        await _type(pilot, "#api-secret", "not-the-secret")
        await pilot.click("#save")
        await _until(pilot, lambda: "Authentication failed" in _status(app))
        status = _status(app)
        assert "Authentication failed" in status
        assert isinstance(app.screen, LoginScreen)
        assert keyring.get_password("ccall-tui", "test") is None

        await _type(pilot, "#api-secret", "demo")
        await pilot.press("ctrl+s")
        await _until(pilot, lambda: not isinstance(app.screen, LoginScreen))
        stored = keyring.get_password("ccall-tui", "test")
        assert stored is not None and "demo" in stored
        assert app.services.credentials is not None


async def test_cancelling_the_first_login_exits_with_code_3(make_services):
    app = build_app(make_services(credentials=None))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
    assert app.return_code == 3
