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
    assert app.exit_note == "Cancelled: no credentials were entered."


async def test_screenshot_of_the_login_screen_never_holds_the_key(make_services):
    key, secret = "0b98c1d2e3f4a5b6c7d8", "Sup3r-S3cret-Value"
    app = build_app(make_services(credentials=None))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press(*key)
        await pilot.press("tab")
        await pilot.press(*secret)
        await pilot.pause()
        assert app.screen.query_one("#api-key").value == key
        # Focused and not focused alike.
        for focus in ("#api-secret", "#api-key"):
            app.screen.query_one(focus).focus()
            await pilot.pause()
            svg = app.export_screenshot()
            assert key not in svg and key[:8] not in svg and secret not in svg


async def test_login_screen_names_a_plain_text_keyring_and_warns(make_services, tmp_path):
    from keyrings.alt.file import PlaintextKeyring

    from ccall_tui.credentials import CredentialStore

    backend = PlaintextKeyring()
    backend.file_path = str(tmp_path / "keyring_pass.cfg")
    keyring.set_keyring(backend)
    app = build_app(make_services(credentials=None, credential_store=CredentialStore()))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        hint = str(app.screen.query_one("#keyring-hint").render())
        warning = str(app.screen.query_one("#keyring-warning").render())
        assert f"kept in plain-text file {backend.file_path}" in hint
        assert warning.startswith("Warning: plain-text file") and "not encrypted" in warning


async def test_login_screen_without_a_keyring_says_so_up_front(make_services, notes):
    from keyring.backends import fail

    from ccall_tui.credentials import CredentialStore

    keyring.set_keyring(fail.Keyring())
    app = build_app(make_services(credentials=None, credential_store=CredentialStore()))
    async with app.run_test(size=(120, 40), message_hook=notes) as pilot:
        await pilot.pause()
        warning = str(app.screen.query_one("#keyring-warning").render())
        assert warning.startswith("No keyring is available on this machine")
        assert "CCALL_API_KEY" in warning and "(fail)" not in warning and ".." not in warning
        assert "session only" in str(app.screen.query_one("#keyring-hint").render())
        await _type(pilot, "#api-key", "demo")
        await _type(pilot, "#api-secret", "demo")
        await pilot.press("ctrl+s")
        await _until(pilot, lambda: not isinstance(app.screen, LoginScreen))
        assert app.services.credentials is not None
        assert [n.message for n in notes] == ["Credentials in use for this session only."]


async def test_escape_from_a_later_login_says_cancelled(make_services, notes):
    app = build_app(make_services())
    async with app.run_test(size=(100, 30), message_hook=notes) as pilot:
        await pilot.pause()
        app.ask_for_login()
        await pilot.pause()
        assert isinstance(app.screen, LoginScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, LoginScreen)
        assert "Cancelled." in [n.message for n in notes]
        assert app.services.credentials is not None
