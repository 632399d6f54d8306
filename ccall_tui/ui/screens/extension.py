"""One extension in detail: each registered device, its availability over the last day and
week with a timeline of its states and devices (from the flight recorder's history), and its
calls of the last 24 hours.

The calls listed are exactly what ``c`` opens in the call browser: one query
(:func:`ccall_tui.monitor.extension_calls.extension_calls_query`), one side at a time (the API
filters the source or the destination, never "either"; ``x`` switches), and the count the
server gives, never a silent cap.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Static

from ...api.errors import AuthenticationError, CcallError
from ...api.cdrs import CallRecord, CdrQuery
from ...api.registrations import Registration
from ...i18n import N_, _, ngettext
from ...monitor.board import ExtensionBoard
from ...monitor.cdr_stats import MOS_STYLES, mos_text
from ...monitor.extension_calls import (
    CALL_LIMIT,
    FROM,
    TO,
    CallCount,
    count_text,
    extension_calls_query,
    query_as_filter,
)
from ...monitor.format import direction_word, format_duration, format_seconds, format_timestamp
from ...monitor.hints import badges, hints_for
from ...monitor.states import ExtensionState
from ...recorder.model import DeviceChange
from ...monitor.poll_status import format_age
from ..translate import translate_bindings
from ..history_view import ask
from ..widgets.extension_history import ExtensionHistory, fetch
from ..widgets.footer import AppFooter
from ..widgets.textline import TextLine
from ..widgets.tile_text import since_text

_STATE_STYLE = {
    ExtensionState.ONLINE: "bold green",
    ExtensionState.UNREACHABLE: "bold yellow",
    ExtensionState.OFFLINE: "bold red",
    ExtensionState.NEVER_SEEN: "dim",
    ExtensionState.UNKNOWN: "dim",
}


def ping_text(reg: Registration) -> str:
    """``"Reachable 12 ms"``; a dash when the server said nothing."""
    ping = reg.ping_status or ""
    if reg.ping_ms is not None:
        ping = f"{ping} {reg.ping_ms:.0f} ms".strip()
    return ping or "–"


def expiry_seconds(reg: Registration, now: datetime, polled_at: datetime | None) -> float | None:
    """Seconds until the registration expires, counted down from what the server said."""
    if reg.expires_at is not None:
        return (reg.expires_at - now).total_seconds()
    if reg.expires_in_s is not None and polled_at is not None:
        return reg.expires_in_s - (now - polled_at).total_seconds()
    return None


def expiry_text(reg: Registration, now: datetime, polled_at: datetime | None) -> str:
    """``"7:30"`` (m:ss, ``h:mm:ss`` past an hour), counting down every second; "expired"."""
    remaining = expiry_seconds(reg, now, polled_at)
    if remaining is None:
        return "–"
    if remaining <= 0:
        return _("expired")
    return format_duration(math.ceil(remaining))  # whole seconds left: 7:30 … 0:01, never 0:00


# The history panel is read again this often (the strips' current cell grows, the timeline too).
HISTORY_REFRESH_S = 60.0
# Below this many lines the devices and the timeline take fewer rows, leaving room for the calls.
SHORT_HEIGHT = 34


class ExtensionScreen(Screen):
    """Details of one extension, live while the board keeps polling."""

    # Message ids, translated where shown (a class body runs once, in whatever language).
    HELP_TITLE = N_("Extension details")
    HELP_STATES = True  # the help screen explains the four state words
    HELP_NOTE = N_(
        "History: one cell per hour (24 h) or per 3 hours (7 d). ▇ online all of that time, a lower "
        "block part of it, ░ offline, · nothing recorded. Uptime counts recorded time only; a flap "
        "is one time it went offline. The timeline lists its state and device changes of the last "
        "7 days, newest first, in PBX time."
    )

    DEFAULT_CSS = """
    ExtensionScreen #ext-stale { display: none; height: 1; padding: 0 1; }
    ExtensionScreen #ext-stale.-stale { display: block; color: $text; background: $error; text-style: bold; }
    ExtensionScreen #ext-title { height: auto; padding: 0 1; background: $panel; }
    ExtensionScreen #ext-hints-box { height: auto; max-height: 12; border-left: thick $warning; }
    ExtensionScreen #ext-hints-box.-none { display: none; }
    ExtensionScreen.-short #ext-hints-box { max-height: 3; }
    ExtensionScreen #ext-hints { height: auto; padding: 0 1; }
    ExtensionScreen #ext-regs { height: auto; max-height: 12; }
    ExtensionScreen.-short #ext-regs { max-height: 6; }
    ExtensionScreen #ext-calls { height: 1fr; }
    ExtensionScreen #ext-calls-status { height: 1; padding: 0 1; color: $text-muted; }
    ExtensionScreen #ext-calls-status.-error { color: $error; text-style: bold; }
    """

    BINDINGS = [
        Binding("escape", "app.pop_screen", N_("Back")),
        Binding("c", "calls_in_browser", N_("Calls in browser")),
        Binding("x", "switch_side", N_("Calls from / to")),
        Binding("r", "reload_calls", N_("Reload calls")),
    ]

    def __init__(self, services: Any, board: ExtensionBoard, extension: str, status: Any = None) -> None:
        super().__init__()
        translate_bindings(self)
        self.services = services
        self.board = board
        self.extension = extension
        # the poll status of the board's feed (given, or the one the board carries): its data
        # is this screen's data, stale when it is
        self.status = status
        self._regs_version: int | None = None
        self.calls: list[CallRecord] = []
        self.side = FROM
        self.calls_query: CdrQuery | None = None
        self.call_limit = CALL_LIMIT
        self.count: CallCount | None = None
        # the device changes the history panel last read (for the hints)
        self.timeline: list[DeviceChange] = []

    def compose(self) -> ComposeResult:
        yield TextLine("", id="ext-stale")
        yield Static(id="ext-title", markup=False)
        with VerticalScroll(id="ext-hints-box", classes="-none"):  # scrolls on a short terminal
            yield Static(id="ext-hints", markup=False)
        regs = DataTable(id="ext-regs", cursor_type="row", zebra_stripes=True, classes="panel")
        regs.border_title = _("Devices")
        yield regs
        history = ExtensionHistory(id="ext-history", classes="panel")
        history.border_title = _("History (PBX time)")
        yield history
        calls = DataTable(id="ext-calls", cursor_type="row", zebra_stripes=True, classes="panel")
        calls.border_title = self._calls_title()
        yield calls
        yield Static(_("Loading calls…"), id="ext-calls-status", markup=False)
        yield AppFooter()

    def _calls_title(self) -> str:
        if self.side == FROM:
            return _("Calls from {ext}, last 24 hours (x: calls to {ext})").format(ext=self.extension)
        return _("Calls to {ext}, last 24 hours (x: calls from {ext})").format(ext=self.extension)

    def on_mount(self) -> None:
        regs = self.query_one("#ext-regs", DataTable)
        # The contact (often 60+ characters) goes last, so the countdown and ping stay in view.
        for label in (_("Phone"), _("Address"), _("Transport"), _("Expires in"), _("Ping"), _("Contact")):
            regs.add_column(label, key=label)
        calls = self.query_one("#ext-calls", DataTable)
        for label in (_("Start"), _("Direction"), _("From"), _("Caller name"), _("To"), _("Result"),
                      _("Talk time"), _("Answer after"), _("MOS")):
            calls.add_column(label)
        self.refresh_live()
        self.set_interval(1.0, self.refresh_live, name="extension-live")
        self.load_calls()
        self.load_history()
        self.set_interval(HISTORY_REFRESH_S, self.load_history, name="extension-history")
        calls.focus()

    # ------------------------------------------------------------------ live part

    def refresh_live(self) -> None:
        """Once a second: the state and its age, the stale banner, the expiry countdowns."""
        tile = self.board.get(self.extension)
        now = self.services.now()
        self._refresh_stale(now)
        title = Text()
        title.append(self.extension, style="bold")
        if tile is None:
            self.query_one("#ext-title", Static).update(title)
            return
        if tile.name:
            title.append("  " + tile.name)
        title.append("\n")
        title.append(tile.shown.glyph + " ", style=_STATE_STYLE.get(tile.shown, ""))
        title.append(since_text(tile, now, self.board), style="bold")
        details = [ngettext("{n} device", "{n} devices", tile.devices).format(n=tile.devices)]
        if tile.flaps:
            details.append(
                ngettext("went offline {n} time while watched", "went offline {n} times while watched", tile.flaps)
                .format(n=tile.flaps)
            )
        if self.board.updated_at is not None:
            details.append(_("data {age} old").format(age=format_age((now - self.board.updated_at).total_seconds())))
        registrations = self.board.registrations_of(self.extension)
        details[1:1] = badges(registrations)[1 if tile.devices > 1 else 0:]  # "×2" is said already
        title.append("  ·  " + "  ·  ".join(details))
        self.query_one("#ext-title", Static).update(title)
        self._refresh_hints(registrations, now)
        self._refresh_registrations(registrations, tile.version, now)

    def _refresh_hints(self, registrations: Sequence[Registration], now: datetime) -> None:
        """What looks wrong, why it matters and what to do (monitor.hints), under the title."""
        samples = self.board.ping_samples.get(self.extension, ())
        found = hints_for(registrations, now, timeline=self.timeline, ping_samples=list(samples))
        text, short = Text(), self.app.size.height < SHORT_HEIGHT
        for hint in found:
            if text:
                text.append("\n")
            text.append("⚠ " + hint.seen + "\n", style="bold")
            if not short:  # on a short terminal the calls keep their room: what to do only
                text.append("  " + _("Why: "), style="italic")
                text.append(hint.why + "\n")
            text.append("  " + _("What to do: "), style="italic")
            text.append(hint.todo)
        self.query_one("#ext-hints-box", VerticalScroll).set_class(not found, "-none")
        hints = self.query_one("#ext-hints", Static)
        hints.set_class(not found, "-none")
        hints.update(text)

    def _refresh_stale(self, now: datetime) -> None:
        """The board's STALE banner, word for word: these devices come from the same answer."""
        banner = self.query_one("#ext-stale", TextLine)
        status = self.status if self.status is not None else self.board.status
        stale = status is not None and status.is_stale(now)
        banner.set_class(stale, "-stale")
        if stale:
            banner.update(Text(_("STALE") + " · " + status.summary(now)))

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

    def on_resize(self) -> None:
        short = self.size.height < SHORT_HEIGHT
        self.set_class(short, "-short")
        self.query_one("#ext-history", ExtensionHistory).set_class(short, "-short")

    # ------------------------------------------------------------------ history

    @work(exclusive=True, exit_on_error=False, name="extension-history", group="extension-history")
    async def load_history(self) -> None:
        """The strips and the timeline, read from the history in a thread."""
        now = self.services.now()
        extension = self.extension
        answer = await ask(self.services, lambda history: fetch(history, extension, now))
        if answer.value is not None:
            self.timeline = [item for item in answer.value.timeline if isinstance(item, DeviceChange)]
        self.query_one("#ext-history", ExtensionHistory).show(answer, now)

    # ------------------------------------------------------------------ calls

    def _set_calls_status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#ext-calls-status", Static)
        status.update(Text(text))
        status.set_class(error, "-error")

    @work(exclusive=True, exit_on_error=False, name="extension-calls", group="extension-calls")
    async def load_calls(self) -> None:
        self._set_calls_status(_("Loading calls…"))
        query = extension_calls_query(self.extension, self.services.now(), self.side, limit=self.call_limit)
        try:
            page = await self.app.client.cdrs(query)
        except AuthenticationError as exc:
            self._set_calls_status(exc.message, error=True)
            return
        except CcallError as exc:
            self._set_calls_status(
                _("Calls could not be loaded: {reason} (r retries)").format(reason=exc.message), error=True
            )
            return
        self.calls_query = query
        self.calls = list(page.records)
        self.count = CallCount.of(page, query.limit or len(page.records))
        self._show_calls()

    def _show_calls(self) -> None:
        table = self.query_one("#ext-calls", DataTable)
        table.clear()
        tz = getattr(self.services.profile, "timezone", None)
        for record in self.calls:
            mos, band = mos_text(record.mos)
            table.add_row(
                Text(format_timestamp(record.start, tz) or "–"),
                Text(direction_word(record.direction)),
                Text(record.source or "", style="bold" if record.source == self.extension else ""),
                Text(record.cid_name or ""),
                Text(record.destination or "", style="bold" if record.destination == self.extension else ""),
                Text(record.status or ""),
                Text(format_duration(record.duration_s)),
                Text(format_seconds(record.tta_s)),
                Text(mos, style=MOS_STYLES.get(band or "", "")),
            )
        if self.count is not None:
            self._set_calls_status(count_text(self.count, self.extension, self.side))

    def action_reload_calls(self) -> None:
        self.load_calls()

    def action_switch_side(self) -> None:
        """Calls from this extension, or to it (the API filters one side per request)."""
        self.side = TO if self.side == FROM else FROM
        self.query_one("#ext-calls", DataTable).border_title = self._calls_title()
        self.calls, self.count, self.calls_query = [], None, None
        self.query_one("#ext-calls", DataTable).clear()
        self.load_calls()

    def action_calls_in_browser(self) -> None:
        """The call browser on the very query listed here: same calls, same count, all pages."""
        query = self.calls_query or extension_calls_query(
            self.extension, self.services.now(), self.side, limit=self.call_limit
        )
        tz = getattr(self.services.profile, "timezone", None) or query.date_from.tzinfo
        form = query_as_filter(query, tz)
        from .cdr_messages import ShowFilter

        self.app.switch_mode("cdrs")
        self.app.screen.post_message(ShowFilter(form))
