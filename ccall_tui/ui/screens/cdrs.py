"""The call-record browser (minimal)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from ...i18n import _


class CdrBrowserScreen(Screen):
    HELP_TITLE = _("Calls")

    def __init__(self, services) -> None:
        super().__init__()
        self.services = services

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(_("Call records"), markup=False)
        yield Footer()

    def show_call(self, call_id: str) -> None:
        pass
