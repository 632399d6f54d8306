"""Login: masked fields, a real test request, then the keyring (off the UI loop)."""

from __future__ import annotations

import asyncio
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from ...api.learned import make_client
from ...api.errors import CcallError
from ...api.text import mask_url
from ...i18n import N_, _
from ..translate import translate_bindings


class LoginScreen(ModalScreen[Any]):
    """Ask for the API key and secret. Dismisses with Credentials, or None when cancelled."""

    HELP_TITLE = N_("Log in")
    DEFAULT_CSS = """
    LoginScreen { align: center middle; }
    LoginScreen > VerticalScroll {
        width: 76; max-width: 96%; height: auto; max-height: 100%;
        border: round $accent; background: $surface; padding: 0 2;
    }
    LoginScreen .title { text-style: bold; margin-bottom: 1; }
    LoginScreen .reason { color: $warning; margin-top: 1; }
    LoginScreen Label { margin-top: 1; }
    LoginScreen #login-status { margin-top: 1; height: auto; color: $text-muted; }
    LoginScreen #login-status.-error { color: $error; }
    LoginScreen #login-status.-ok { color: $success; }
    LoginScreen Horizontal { height: auto; margin-top: 1; }
    LoginScreen Button { margin-right: 2; }
    LoginScreen Input { background: $boost; }
    LoginScreen .hint { color: $text-muted; margin-top: 1; }
    """
    BINDINGS = [
        Binding("escape", "cancel", N_("Cancel")),
        Binding("ctrl+t", "test", N_("Test connection")),
        Binding("ctrl+s", "save", N_("Save")),
    ]

    def __init__(self, services: Any, reason: str | None = None) -> None:
        super().__init__()
        translate_bindings(self)
        self.services = services
        self.reason = reason
        self._tested = None

    def compose(self) -> ComposeResult:
        profile = self.services.profile
        with VerticalScroll():
            yield Static(Text(_("API credentials"), style="bold"), classes="title")
            info = Text()
            info.append(_("Profile") + ": ", style="bold")
            info.append(str(profile.name))
            info.append("   " + _("Server") + ": ", style="bold")
            info.append(mask_url(str(profile.base_url)))
            yield Static(info)
            if self.reason:
                yield Static(Text(self.reason), classes="reason")
            hint, warning = self._keyring_words()
            if warning:
                yield Static(Text(warning), classes="reason", id="keyring-warning")
            yield Label(_("API key"))
            # Both fields masked: a screenshot (Ctrl+P) or a shoulder must not read the key either.
            yield Input(id="api-key", password=True, placeholder=_("API key (hidden)"), compact=True)
            yield Label(_("API secret"))
            yield Input(id="api-secret", password=True, placeholder=_("API secret (hidden)"), compact=True)
            yield Static(Text(hint), classes="hint", id="keyring-hint")
            yield Static("", id="login-status")
            with Horizontal():
                yield Button(_("Test connection"), id="test", variant="default", compact=True)
                yield Button(_("Save"), id="save", variant="primary", compact=True)
                yield Button(_("Cancel"), id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#api-key", Input).focus()

    def _keyring_words(self) -> tuple[str, str | None]:
        """(where the credentials will be kept, a warning line or None), checked before typing."""
        store = self.services.credential_store
        if self.services.sim is not None or store is None:
            return _("Checked with one request, then used for this session only."), None
        error = self.services.keyring_error
        if error or not store.has_backend():
            return (
                _("Checked with one request, then used for this session only."),
                str(error) if error else _(
                    "No keyring is available on this machine, so nothing can be saved: set {key} and "
                    "{secret} in the environment instead."
                ).format(key="CCALL_API_KEY", secret="CCALL_API_SECRET"),
            )
        hint = _("Checked with one request, then kept in {backend}; never written to the config file.").format(
            backend=store.backend_name())
        warning = store.plaintext_warning()
        return hint, (_("Warning: {message}").format(message=warning) if warning else None)

    # ------------------------------------------------------------------ helpers

    def _status(self, message: str, kind: str = "") -> None:
        status = self.query_one("#login-status", Static)
        status.update(Text(message))
        status.set_class(kind == "error", "-error")
        status.set_class(kind == "ok", "-ok")

    def _credentials(self):
        from ...credentials import Credentials

        # No plain-text copy in a local variable: a crash screen prints every frame's locals.
        key_field = self.query_one("#api-key", Input)
        secret_field = self.query_one("#api-secret", Input)
        if not key_field.value.strip():
            key_field.focus()
            self._status(_("Enter the API key."), "error")
            return None
        if not secret_field.value.strip():
            secret_field.focus()
            self._status(_("Enter the API secret."), "error")
            return None
        return Credentials(key_field.value, secret_field.value)

    # ------------------------------------------------------------------ actions

    @on(Button.Pressed, "#test")
    def action_test(self) -> None:
        creds = self._credentials()
        if creds is not None:
            self._check(creds, save=False)

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        creds = self._credentials()
        if creds is not None:
            self._check(creds, save=True)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.app.notify(_("Cancelled."), markup=False, timeout=3)
        self.dismiss(None)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "api-key":
            self.query_one("#api-secret", Input).focus()
        else:
            self.action_save()

    @work(exclusive=True, exit_on_error=False, name="login-check", group="login")
    async def _check(self, creds: Any, save: bool) -> None:
        profile = self.services.profile
        self._status(_("Checking with the server…"))
        # With what 'ccall-tui doctor' learned about this server (e.g. form bodies).
        client = make_client(profile, creds, state_root=self.services.state_dir, demo=self.services.sim is not None)
        try:
            async with client:
                snapshot = await client.registrations()
        except CcallError as error:
            self._status(error.message, "error")
            return
        self._status(
            _("Connected: {online} extensions online.").format(online=len(snapshot)), "ok"
        )
        if not save:
            return
        store = self.services.credential_store
        saved = None
        if store is not None and self.services.sim is None and store.has_backend():
            try:
                await asyncio.to_thread(store.set, profile.name, creds)
            except Exception as error:  # noqa: BLE001 - KeyringUnavailable and friends: one line
                message = getattr(error, "reason", None) or str(error)
                self.app.notify(
                    _("Not saved: {reason}.").format(reason=message.rstrip(".")),
                    severity="warning", markup=False, timeout=12,
                )
            else:
                saved = store.backend_name()
        if saved:
            self.services.credential_source = saved
            self.app.notify(_("Credentials saved to {where}.").format(where=saved), markup=False)
        else:
            self.services.credential_source = _("this session only")
            self.app.notify(_("Credentials in use for this session only."), markup=False)
        self.dismiss(creds)
