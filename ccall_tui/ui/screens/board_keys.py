"""What the board's keys do (the bindings themselves are the screen's, in MonitorScreen.BINDINGS):
open an extension, filter, sort, the wall, the event log, and the screens the board leads to."""

from __future__ import annotations

from textual.widgets import Input


class BoardKeys:
    """The board's actions, mixed into :class:`~ccall_tui.ui.screens.monitor.MonitorScreen`
    (whose widgets, feed and drawing they use)."""

    def action_toggle_wall(self) -> None:
        self._set_wall(not self.wall)
        self._render_status()

    def action_open(self) -> None:
        extension = self.grid.highlighted_extension
        if extension is not None:
            self.open_extension(extension)

    def open_extension(self, extension: str) -> None:
        from .extension import ExtensionScreen

        self.app.push_screen(ExtensionScreen(self.services, self.board, extension, status=self.status))

    def action_filter(self) -> None:
        self.add_class("-filtering")
        field = self.query_one("#mon-filter", Input)
        field.value = self.grid.filter_text
        field.focus()

    def action_clear_filter(self) -> None:
        """Esc: clear the filter; with none, leave wall mode."""
        if self.wall and not (self.has_class("-filtering") or self.grid.filter_text):
            self.action_toggle_wall()
            return
        if self.has_class("-filtering") or self.grid.filter_text:
            self.query_one("#mon-filter", Input).value = ""
            self.remove_class("-filtering")
            self.grid.set_view(query="")
            self.grid.focus()
            self._render_view()

    def action_cycle_sort(self) -> None:
        self.grid.set_view(sort=self.grid.sort.next())
        self._render_view()

    def action_offline_only(self) -> None:
        self.grid.set_view(offline_only=not self.grid.offline_only)
        self._render_view()

    def action_toggle_log(self) -> None:
        if self.has_class("-narrow"):
            self.toggle_class("-log")
        else:
            self.toggle_class("-nolog")

    def action_retry(self) -> None:
        self.feed.retry_now()

    def action_alerts(self) -> None:
        self.alerts_ui.open_list()

    def action_login(self) -> None:
        reason = self.status.last_error.message if self.status.auth_failed and self.status.last_error else None
        self.app.ask_for_login(reason=reason)

    def action_rewind(self) -> None:
        """The board a minute ago, from the history (``<`` / ``>`` / ``g`` move in time there)."""
        from .rewind import open_rewind

        open_rewind(self)

    def action_go_to_time(self) -> None:
        from .rewind import ask_and_rewind

        ask_and_rewind(self)

    def action_quality(self) -> None:
        from .quality import open_quality

        open_quality(self.app)

    def action_forget(self) -> None:
        """Forget the highlighted extension (asks first): it is no longer remembered here or
        by any other instance on this profile and server, until it is seen online again."""
        from .board_forget import ask_to_forget

        ask_to_forget(self)
