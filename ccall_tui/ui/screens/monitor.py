"""The live extension board (minimal: live counts)."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from ...api.errors import CcallError
from ...i18n import _


class MonitorScreen(Screen):
    HELP_TITLE = _("Extensions")

    def __init__(self, services) -> None:
        super().__init__()
        self.services = services

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(_("Connecting…"), id="counts", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.poll()

    @work(exclusive=True, exit_on_error=False, name="poll", group="poll")
    async def poll(self) -> None:
        try:
            snapshot = await self.app.client.registrations()
        except CcallError as exc:
            self.query_one("#counts", Static).update(exc.message)
        else:
            self.query_one("#counts", Static).update(
                _("{online} extensions online").format(online=len(snapshot))
            )
        self.set_timer(self.services.interval, self.poll)
