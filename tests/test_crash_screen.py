"""A crash shows Textual's traceback with local variables: the key and the secret are in none of
the frames of the login screen, the app or the client they pass through."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from rich.traceback import Traceback

from ccall_tui.factory import build_app
from ccall_tui.ui.screens.login import LoginScreen

KEY = "0b98f00dbeefcafe"
SECRET = "Sx9-very-secret-Q7"


def crash_text(error: BaseException) -> str:
    """What Textual's crash screen prints (its settings: locals shown, 5 items each)."""
    console = Console(file=io.StringIO(), width=200, record=True, color_system=None)
    console.print(Traceback.from_exception(type(error), error, error.__traceback__, show_locals=True,
                                           locals_max_length=5, width=200))
    return console.export_text()


class Boom(Exception):
    pass


@pytest.mark.parametrize("where", ["login-check", "credentials-replaced"])
async def test_crash_screen_locals_hold_no_secret(make_services, monkeypatch, where):
    app = build_app(make_services(credentials=None))

    if where == "login-check":
        def broken_check(self, creds, save):  # a bug right after the fields were read
            raise Boom("bug while checking")

        monkeypatch.setattr(LoginScreen, "_check", broken_check)
    else:
        original = type(app).replace_credentials

        async def broken_replace(self, credentials):
            await original(self, credentials)
            _client = self.client  # the shared client now holds them
            raise Boom("bug after login")

        monkeypatch.setattr(type(app), "replace_credentials", broken_replace)
        monkeypatch.setattr(LoginScreen, "_check", lambda self, creds, save: self.dismiss(creds))

    with pytest.raises(Boom) as info:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            await pilot.press(*KEY)
            await pilot.press("tab")
            await pilot.press(*SECRET)
            assert app.screen.query_one("#api-secret").value == SECRET
            await pilot.press("ctrl+s")
            await pilot.pause()
            await pilot.pause()
    text = crash_text(info.value)
    assert "Boom" in text and ("self" in text or "creds" in text)
    assert SECRET not in text, "the secret is in a crash screen"
    assert KEY not in text, "the whole API key is in a crash screen"
