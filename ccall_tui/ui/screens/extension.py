"""One extension in detail: each registered device, and its calls of the last 24 hours."""

from __future__ import annotations

from datetime import datetime, timedelta
from collections.abc import Sequence
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Static

from ...api.errors import AuthenticationError, CcallError
from ...api.models import CallRecord, CdrQuery, Registration
from ...i18n import _, ngettext
from ..translate import translate_bindings
from ..widgets.footer import AppFooter
from ...monitor.board import ExtensionBoard
from ...monitor.format import format_duration, format_seconds
from ...monitor.history import ExtensionState
from ...monitor.poller import format_age
from ..widgets.board import since_text

CALL_LIMIT = 100
CALL_WINDOW = timedelta(hours=24)

_STATE_STYLE = {
    ExtensionState.ONLINE: "bold green",
    ExtensionState.OFFLINE: "bold red",
    ExtensionState.NEVER_SEEN: "dim",
}


def merge_calls(*pages: tuple[CallRecord, ...]) -> list[CallRecord]:
    """Calls as caller and as called, without duplicates, newest first."""
    seen: set[Any] = set()
    merged: list[CallRecord] = []
    for records in pages:
        for record in records:
            key = record.call_id or (record.start, record.source, record.destination, record.status)
            if key in seen:
                continue
            seen.add(key)
            merged.append(record)
    floor = datetime.min.replace(tzinfo=None)
    merged.sort(key=lambda r: r.start.replace(tzinfo=None) if r.start else floor, reverse=True)
    return merged


def ping_text(reg: Registration) -> str:
    """``"Reachable 12 ms"``; a dash when the server said nothing."""
    ping = reg.ping_status or ""
    if reg.ping_ms is not None:
        ping = f"{ping} {reg.ping_ms:.0f} ms".strip()
    return ping or "–"


def expiry_text(reg: Registration, now: datetime, polled_at: datetime | None) -> str:
    """Seconds until the registration expires, counted down from what the server said."""
    remaining: float | None = None
    if reg.expires_at is not None:
        remaining = (reg.expires_at - now).total_seconds()
    elif reg.expires_in_s is not None and polled_at is not None:
        remaining = reg.expires_in_s - (now - polled_at).total_seconds()
    if remaining is None:
        return "–"
    if remaining <= 0:
        return _("expired")
    return format_age(remaining)


class ExtensionScreen(Screen):
    """Details of one extension, live while the board keeps polling."""

    HELP_TITLE = _("Extension details")

    DEFAULT_CSS = """
    ExtensionScreen #ext-title { height: auto; padding: 0 1; background: $panel; }
    ExtensionScreen .ext-heading { height: 1; padding: 0 1; margin-top: 1; text-style: bold; }
    ExtensionScreen #ext-regs { height: auto; max-height: 12; }
    ExtensionScreen #ext-calls { height: 1fr; }
    ExtensionScreen #ext-calls-status { height: 1; padding: 0 1; color: $text-muted; }
    """

    BINDINGS = [
        Binding("escape", "app.pop_screen", _("Back")),
        Binding("c", "calls_in_browser", _("Calls in browser")),
        Binding("r", "reload_calls", _("Reload calls")),
    ]

    def __init__(self, services: Any, board: ExtensionBoard, extension: str) -> None:
        super().__init__()
        translate_bindings(self)
        self.services = services
        self.board = board
        self.extension = extension
        self._regs_version: int | None = None
        self.calls: list[CallRecord] = []

    def compose(self) -> ComposeResult:
        yield Static(id="ext-title", markup=False)
        yield Static(_("Devices"), classes="ext-heading", markup=False)
        yield DataTable(id="ext-regs", cursor_type="row", zebra_stripes=True)
        yield Static(_("Calls, last 24 hours (as caller and as called)"), classes="ext-heading", markup=False)
        yield Static(_("Loading calls…"), id="ext-calls-status", markup=False)
        yield DataTable(id="ext-calls", cursor_type="row", zebra_stripes=True)
        yield AppFooter()

    def on_mount(self) -> None:
        regs = self.query_one("#ext-regs", DataTable)
        # The contact (often 60+ characters) goes last, so the countdown and ping stay in view.
        for label in (_("Phone"), _("Address"), _("Transport"), _("Expires in"), _("Ping"), _("Contact")):
            regs.add_column(label, key=label)
        calls = self.query_one("#ext-calls", DataTable)
        for label in (_("Start"), _("Direction"), _("From"), _("Caller name"), _("To"), _("Result"),
                      _("Talk time"), _("Answer after")):
            calls.add_column(label)
        self.refresh_live()
        self.set_interval(1.0, self.refresh_live, name="extension-live")
        self.load_calls()
        calls.focus()

    # ------------------------------------------------------------------ live part

    def refresh_live(self) -> None:
        tile = self.board.get(self.extension)
        now = self.services.now()
        title = Text()
        title.append(self.extension, style="bold")
        if tile is None:
            self.query_one("#ext-title", Static).update(title)
            return
        if tile.name:
            title.append("  " + tile.name)
        title.append("\n")
        title.append(tile.state.glyph + " ", style=_STATE_STYLE[tile.state])
        title.append(since_text(tile, now), style="bold")
        details = [ngettext("{n} device", "{n} devices", tile.devices).format(n=tile.devices)]
        if tile.flaps:
            details.append(
                ngettext("went offline {n} time while watched", "went offline {n} times while watched", tile.flaps)
                .format(n=tile.flaps)
            )
        if self.board.updated_at is not None:
            details.append(_("data {age} old").format(age=format_age((now - self.board.updated_at).total_seconds())))
        title.append("  ·  " + "  ·  ".join(details))
        self.query_one("#ext-title", Static).update(title)
        self._refresh_registrations(self.board.registrations_of(self.extension), tile.version, now)

    def _refresh_registrations(self, registrations: Sequence[Registration], version: int, now: datetime) -> None:
        table = self.query_one("#ext-regs", DataTable)
        polled_at = self.board.updated_at
        if version != self._regs_version:
            self._regs_version = version
            table.clear()
            if not registrations:
                table.add_row(Text(_("not registered"), style="dim"), Text(""), Text(""), Text(""), Text(""), Text(""))
            for index, reg in enumerate(registrations):
                address = reg.ip or ""
                if reg.port:
                    address = f"{address}:{reg.port}"
                table.add_row(
                    Text(reg.agent or "–"),
                    Text(address or "–"),
                    Text(reg.transport or "–"),
                    Text(expiry_text(reg, now, polled_at)),
                    Text(ping_text(reg)),
                    Text(reg.contact or "–"),
                    key=str(index),
                )
            return
        # Same devices: only the countdown and the ping figures move.
        for index, reg in enumerate(registrations):
            try:
                table.update_cell(str(index), _("Expires in"), Text(expiry_text(reg, now, polled_at)))
                table.update_cell(str(index), _("Ping"), Text(ping_text(reg)))
            except Exception:  # noqa: BLE001 - the row went away between two polls
                self._regs_version = None

    # ------------------------------------------------------------------ calls

    @work(exclusive=True, exit_on_error=False, name="extension-calls", group="extension-calls")
    async def load_calls(self) -> None:
        status = self.query_one("#ext-calls-status", Static)
        status.update(Text(_("Loading calls…")))
        now = self.services.now()
        base = CdrQuery(date_from=now - CALL_WINDOW, date_to=now, page=1, limit=CALL_LIMIT)
        from dataclasses import replace

        try:
            as_caller = await self.app.client.cdrs(replace(base, source=self.extension))
            as_called = await self.app.client.cdrs(replace(base, destination=self.extension))
        except AuthenticationError as exc:
            status.update(Text(exc.message))
            return
        except CcallError as exc:
            status.update(Text(_("Calls could not be loaded: {reason} (r retries)").format(reason=exc.message)))
            return
        self.calls = merge_calls(as_caller.records, as_called.records)
        self._show_calls(now)

    def _show_calls(self, now: datetime) -> None:
        table = self.query_one("#ext-calls", DataTable)
        table.clear()
        tz = getattr(self.services.profile, "timezone", None)
        directions = {"inbound": _("inbound"), "outbound": _("outbound"), "local": _("local")}
        for record in self.calls:
            start = record.start.astimezone(tz) if record.start and tz else record.start
            table.add_row(
                Text(start.strftime("%d/%m %H:%M:%S") if start else "–"),
                Text(directions.get(record.direction or "", record.direction or "")),
                Text(record.source or "", style="bold" if record.source == self.extension else ""),
                Text(record.cid_name or ""),
                Text(record.destination or "", style="bold" if record.destination == self.extension else ""),
                Text(record.status or ""),
                Text(format_duration(record.duration_s)),
                Text(format_seconds(record.tta_s)),
            )
        count = len(self.calls)
        message = ngettext(
            "{n} call in the last 24 hours; c opens it in the call browser",
            "{n} calls in the last 24 hours; c opens them in the call browser",
            count,
        ).format(n=count)
        self.query_one("#ext-calls-status", Static).update(Text(message))

    def action_reload_calls(self) -> None:
        self.load_calls()

    def action_calls_in_browser(self) -> None:
        extension = self.extension
        self.app.switch_mode("cdrs")
        screen = self.app.screen
        if hasattr(screen, "filter_extension"):
            screen.filter_extension(extension)
