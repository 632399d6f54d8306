"""The live extension board: every extension, online or not, polled without ever lying."""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from functools import partial
from typing import Any, TypeVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Digits, Input, Static

from ...api.errors import AuthenticationError, CcallError
from ...i18n import _
from ..translate import translate_bindings
from ..widgets.footer import AppFooter
from ...monitor.board import BoardChanges, ExtensionBoard, SortOrder
from ...monitor.history import BoardEvent, ExtensionState
from ...monitor.poller import PollStatus, format_age
from ...monitor.roster import (
    DISCOVERY_INTERVAL_S,
    SeenStore,
    StateError,
    discovery_query,
    extensions_from_calls,
)
from ..widgets.board import ExtensionGrid
from ..widgets.changelog import ChangeLogView
from ..widgets.summary import BoardSummary
from ..widgets.textline import TextLine

log = logging.getLogger("ccall_tui.monitor")
W = TypeVar("W", bound=Widget)

DISCOVERY_PAGES = 3
TICK_S = 1.0
TICK_AFTER_POLL_S = 1.25
NARROW_WIDTH = 110

_SORT_LABELS = {
    SortOrder.NUMBER: lambda: _("number"),
    SortOrder.STATE: lambda: _("state"),
    SortOrder.CHANGE: lambda: _("last change"),
}
_STATE_STYLE = {
    ExtensionState.ONLINE: "bold green",
    ExtensionState.OFFLINE: "bold red",
    ExtensionState.NEVER_SEEN: "dim",
}


class MonitorScreen(Screen):
    """Who is registered, right now, and since when."""

    HELP_TITLE = _("Extensions")
    CSS_PATH = "../monitor.tcss"

    BINDINGS = [
        Binding("enter", "open", _("Details")),
        Binding("slash", "filter", _("Filter"), key_display="/"),
        Binding("escape", "clear_filter", _("Clear filter"), show=False),
        Binding("s", "cycle_sort", _("Sort")),
        Binding("o", "offline_only", _("Offline only")),
        Binding("e", "toggle_log", _("Event log")),
        Binding("w", "toggle_wall", _("Wall mode")),
        Binding("r", "retry", _("Refresh now")),
        Binding("l", "login", _("Log in again")),
    ]

    def __init__(self, services: Any) -> None:
        super().__init__()
        translate_bindings(self)
        self.services = services
        profile = services.profile
        self.seen_store = SeenStore(services.state_dir, getattr(profile, "name", "default"))
        try:
            roster = profile.roster_extensions()
        except Exception:  # noqa: BLE001 - a bad roster was refused at load; never crash here
            roster = []
        self.board = ExtensionBoard(
            roster, dict(getattr(profile, "labels", {}) or {}), services.now(), seen=self.seen_store.load()
        )
        self.watched = frozenset(getattr(profile, "watched", ()) or ())
        self.status = PollStatus(services.interval)
        self.wall = bool(services.wall)
        self.polls_started = 0
        self._poll_timer: Timer | None = None
        self._tick_timer: Timer | None = None
        self._discover_timer: Timer | None = None
        self._seen_error_shown = False
        self._seen_lock = threading.Lock()
        self._seen_version = self._seen_written = 0
        self._shown: dict[str, Text] = {}
        self._widgets: dict[str, Widget] = {}
        self._log_dirty = False

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield BoardSummary(self.board.online_history, id="mon-summary")
        with Horizontal(id="mon-wall-top"):
            yield Digits("0", id="mon-wall-online")
            yield Static("/", id="mon-wall-of", markup=False)
            yield Digits("0", id="mon-wall-total")
            yield Static(id="mon-wall-info", markup=False)
        yield TextLine(_("Connecting…"), id="mon-status")
        yield Input(placeholder=_("Filter by number or name (Enter keeps it, Esc clears)"), id="mon-filter")
        with Horizontal(id="mon-body"):
            grid = ExtensionGrid(self.board, self.services.now, id="mon-grid", classes="panel")
            grid.border_title = _("Extensions")
            yield grid
            events = ChangeLogView(self.board, id="mon-events", classes="panel")
            events.border_title = _("Changes")
            yield events
        yield AppFooter()

    def _one(self, selector: str, kind: type[W]) -> W:
        """``query_one``, remembered: this screen's widgets are composed once and never
        replaced, and the poll path looks them up several times a second."""
        widget = self._widgets.get(selector)
        if widget is None:
            widget = self._widgets[selector] = self.query_one(selector, kind)
        return widget  # type: ignore[return-value]

    @property
    def grid(self) -> ExtensionGrid:
        return self._one("#mon-grid", ExtensionGrid)

    def on_mount(self) -> None:
        self._set_wall(self.wall)
        self.grid.rebuild()
        self.grid.focus()
        self._render_header()
        self._arm_tick(TICK_S)
        self.start_poll()
        if getattr(self.services.profile, "discover_from_cdrs", False):
            self.discover()

    def on_resize(self) -> None:
        self.set_class(self.size.width < NARROW_WIDTH, "-narrow")

    def _tick(self, next_in: float = TICK_S) -> None:
        """Once a second: the data's age, the tiles' ages and highlights, the change log."""
        self._render_status()
        self.grid.tick()
        if self._log_dirty:
            self._log_dirty = False
            self._one("#mon-events", ChangeLogView).update_events()
        self._arm_tick(next_in)

    def _tick_after_poll(self) -> None:
        """Right after a poll was drawn, so both land in one repaint; the next tick waits a
        little longer than a second, so that polling every second repaints once a second."""
        self._tick(TICK_AFTER_POLL_S)

    def _arm_tick(self, delay: float) -> None:
        if self._tick_timer is not None:
            self._tick_timer.stop()
        self._tick_timer = self.set_timer(delay, self._tick, name="monitor-tick")

    # ------------------------------------------------------------------ polling

    def start_poll(self, *, announce: bool = True) -> None:
        """Poll now, unless a poll is already running (polls never overlap).

        ``announce``: say "updating…" at once (a poll the user asked for). The scheduled polls
        do not: most answer within a second, and the tick says it if one is still running.
        """
        if self.status.in_flight or self.status.stopped:
            return
        if self._poll_timer is not None:
            self._poll_timer.stop()
            self._poll_timer = None
        self.status.started()
        self.polls_started += 1
        if announce:
            self._render_status()
        self.poll()

    def _scheduled_poll(self) -> None:
        self.start_poll(announce=False)

    def _schedule_poll(self, delay: float) -> None:
        if self._poll_timer is not None:
            self._poll_timer.stop()
        self._poll_timer = self.set_timer(delay, self._scheduled_poll, name="next-poll")

    @work(exclusive=True, exit_on_error=False, name="poll", group="poll")
    async def poll(self) -> None:
        try:
            snapshot = await self.app.client.registrations()
        except AuthenticationError as exc:
            self._auth_failed(exc.message)
            return
        except CcallError as exc:
            self._poll_failed(exc.message, exc.kind)
            return
        except Exception as exc:  # noqa: BLE001 - never crash the wall; say what went wrong
            log.exception("poll failed")
            self._poll_failed(_("Unexpected error: {kind}").format(kind=type(exc).__name__), "bug")
            return
        finally:
            self.status.in_flight = False
        now = self.services.now()
        try:
            changes = self.board.apply(snapshot, now)
            self.status.succeeded(now)
            self.show_changes(changes)
        except Exception as exc:  # noqa: BLE001
            log.exception("applying the snapshot failed")
            self._poll_failed(_("Unexpected error: {kind}").format(kind=type(exc).__name__), "bug")
            return
        self.call_later(self._tick_after_poll)
        self._schedule_poll(self.status.interval)

    def _poll_failed(self, message: str, kind: str) -> None:
        delay = self.status.failed(self.services.now(), message, kind)
        self.grid.stale = True
        self._render_status()
        self._schedule_poll(delay)

    def _auth_failed(self, message: str) -> None:
        self.status.auth_rejected(self.services.now(), message)
        self.grid.stale = True
        self._render_status()
        self.notify(
            _("{message} Polling stopped; press l to log in again.").format(message=message.rstrip(".") + "."),
            title=_("Wrong credentials"),
            severity="error",
            timeout=10,
            markup=False,
        )

    def show_changes(self, changes: BoardChanges) -> None:
        """Bring the screen up to date with one applied snapshot."""
        grid = self.grid
        grid.stale = False
        grid.apply_changes(changes)
        if changes.events:
            self._write_events(changes.events)
        if changes.newly_seen:
            self._save_seen()
        if changes.went_offline and self.watched:
            self._alert([ext for ext in changes.went_offline if ext in self.watched])
        self._render_header()
        self._render_status()

    def _save_seen(self) -> None:
        """Remember the extensions seen online, written in a thread: a slow disk (an fsync on
        a network home directory) must never stall the board."""
        self._seen_version += 1
        version, seen = self._seen_version, frozenset(self.board.seen)
        self.run_worker(
            partial(self._write_seen_in_thread, version, seen),
            thread=True, name="save-seen", group="save-seen", exit_on_error=False,
        )

    def _write_seen_in_thread(self, version: int, seen: frozenset[str]) -> None:
        error = self._write_seen(version, seen)
        if error is not None:
            self.app.call_from_thread(self._seen_failed, error)

    def _write_seen(self, version: int, seen: frozenset[str]) -> str | None:
        """Write ``seen`` unless a newer set was written already; the error line, if any."""
        with self._seen_lock:  # one write at a time, and never an older set over a newer one
            if version <= self._seen_written:
                return None
            try:
                self.seen_store.save(seen)
            except StateError as exc:
                return str(exc)
            self._seen_written = version
            return None

    def on_unmount(self) -> None:
        """Quitting right after a new extension appeared: its write may not have run yet."""
        if self._seen_written < self._seen_version:
            error = self._write_seen(self._seen_version + 1, frozenset(self.board.seen))
            if error is not None:
                log.warning("%s", error)

    def _seen_failed(self, message: str) -> None:
        if not self._seen_error_shown:
            self._seen_error_shown = True
            self.notify(message, severity="warning", markup=False)

    def _alert(self, extensions: list[str]) -> None:
        if not extensions:
            return
        self.app.bell()
        for ext in extensions:
            tile = self.board.get(ext)
            name = tile.name if tile and tile.name else ""
            self.notify(
                _("Watched extension {ext} {name} went offline.").format(ext=ext, name=name).replace("  ", " "),
                title=_("Offline"),
                severity="warning",
                timeout=15,
                markup=False,
            )

    def credentials_changed(self) -> None:
        """The app got new credentials: start again."""
        self.status.resumed()
        self.status.last_error = None
        self.start_poll()

    # ------------------------------------------------------------------ discovery

    @work(exclusive=True, exit_on_error=False, name="discover", group="discover")
    async def discover(self) -> None:
        """Learn extensions (and caller names) from today's local calls; quietly, rarely."""
        found: dict[str, str | None] = {}
        try:
            now = self.services.now()
            for page in range(1, DISCOVERY_PAGES + 1):
                result = await self.app.client.cdrs(discovery_query(now, page))
                for ext, name in extensions_from_calls(result.records).items():
                    if name or ext not in found:
                        found[ext] = name
                if result.paging is None or not result.paging.has_next:
                    break
        except CcallError as exc:
            log.info("discovery from call records failed: %s", exc.message)
        except Exception:  # noqa: BLE001
            log.exception("discovery from call records failed")
        if found:
            now = self.services.now()
            added = self.board.add_extensions(sorted(found), now)
            renamed = self.board.learn_names(found)
            if added:
                self.grid.rebuild()
            elif renamed:
                self.grid.refresh_extensions(renamed)
            self._render_header()
        self._discover_timer = self.set_timer(DISCOVERY_INTERVAL_S, self.discover, name="next-discovery")

    # ------------------------------------------------------------------ drawing

    def _set_text(self, selector: str, text: Text) -> None:
        """Update a line only when its text changed."""
        widget = self._one(selector, Widget)
        previous = self._shown.get(selector)
        if previous is not None and previous == text:
            return
        self._shown[selector] = text
        widget.update(text)  # type: ignore[attr-defined] - a TextLine or a Static

    def _render_header(self) -> None:
        counts = self.board.counts
        online = counts[ExtensionState.ONLINE]
        total = len(self.board)
        text = Text()
        width = len(str(total))
        text.append(f"{online:>{width}}/{total} ", style="bold")
        text.append(_("online") + "  ")
        for state in (ExtensionState.OFFLINE, ExtensionState.NEVER_SEEN):
            text.append(state.glyph, style=_STATE_STYLE[state])
            text.append(f" {counts[state]:>{width}} {state.label}  ")
        summary = self._one("#mon-summary", BoardSummary)
        summary.set_counts(text)
        summary.update_spark()
        if self.wall:
            self._render_wall()
        self._render_view()

    def _render_wall(self) -> None:
        """The big numbers of wall mode (hidden otherwise: a hidden widget that repaints makes
        the compositor rebuild its whole map, so they are only drawn while shown)."""
        counts = self.board.counts
        online = counts[ExtensionState.ONLINE]
        total = len(self.board)
        for selector, value in (("#mon-wall-online", str(online)), ("#mon-wall-total", str(total))):
            digits = self._one(selector, Digits)
            if digits.value != value:
                digits.update(value)
        info = Text()
        info.append(_("online of {total}").format(total=total) + "\n", style="bold")
        info.append(f"○ {counts[ExtensionState.OFFLINE]} {ExtensionState.OFFLINE.label}", style="bold")
        info.append(f"   · {counts[ExtensionState.NEVER_SEEN]} {ExtensionState.NEVER_SEEN.label}")
        if counts[ExtensionState.UNKNOWN]:
            info.append(f"   ? {counts[ExtensionState.UNKNOWN]} {ExtensionState.UNKNOWN.label}")
        info.append("\n" + _("w or Esc: leave the wall"), style="dim")
        self._set_text("#mon-wall-info", info)

    def _render_view(self) -> None:
        grid = self.grid
        parts = [_("sort: {order}").format(order=_SORT_LABELS[grid.sort]())]
        if grid.filter_text:
            parts.append(_("filter: {text}").format(text=grid.filter_text))
        if grid.offline_only:
            parts.append(_("offline only"))
        if grid.filter_text or grid.offline_only:
            parts.append(_("{shown} shown").format(shown=len(grid.order)))
        self._one("#mon-summary", BoardSummary).set_view(Text(" · ".join(parts)))

    def _render_status(self) -> None:
        now = self.services.now()
        status = self.status
        widget = self._one("#mon-status", TextLine)
        stale = status.is_stale(now)
        widget.set_class(stale and not status.auth_failed, "-stale")
        widget.set_class(status.auth_failed, "-auth")
        if self.grid.stale != (stale and status.last_success is not None):
            self.grid.stale = stale and status.last_success is not None
        if status.auth_failed:
            line = _("Wrong API key or secret: polling stopped · press l to log in again · {reason}").format(
                reason=status.last_error.message if status.last_error else ""
            )
        elif stale:
            line = _("STALE") + " · " + status.summary(now)
        elif status.last_success is None:
            line = _("Connecting…")
        else:
            line = _("updated {time} · {summary}").format(
                time=status.last_success.strftime("%H:%M:%S"), summary=status.summary(now)
            )
        self._set_text("#mon-status", Text(line))

    def _write_events(self, events: list[BoardEvent]) -> None:
        # The change log is a side panel: redrawn with the next second's tick, not per poll,
        # so a poll with many changes costs only the tiles that changed.
        self._log_dirty = True

    # ------------------------------------------------------------------ actions

    def _set_wall(self, on: bool) -> None:
        self.wall = on
        self.set_class(on, "-wall")
        if on:
            self._render_wall()
        grid = self.grid
        grid.wall = on
        grid.set_view(offline_first=on)

    def action_toggle_wall(self) -> None:
        self._set_wall(not self.wall)
        self._render_status()

    def action_open(self) -> None:
        extension = self.grid.highlighted_extension
        if extension is not None:
            self.open_extension(extension)

    @on(ExtensionGrid.Opened)
    def _opened(self, event: ExtensionGrid.Opened) -> None:
        self.open_extension(event.extension)

    def open_extension(self, extension: str) -> None:
        from .extension import ExtensionScreen

        self.app.push_screen(ExtensionScreen(self.services, self.board, extension))

    def action_filter(self) -> None:
        self.add_class("-filtering")
        field = self.query_one("#mon-filter", Input)
        field.value = self.grid.filter_text
        field.focus()

    @on(Input.Changed, "#mon-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.grid.set_view(query=event.value)
        self._render_view()

    @on(Input.Submitted, "#mon-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        self.grid.focus()
        if not event.value:
            self.remove_class("-filtering")

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
        if self.status.stopped:
            self.status.resumed()
        self.start_poll()

    def action_login(self) -> None:
        reason = self.status.last_error.message if self.status.auth_failed and self.status.last_error else None
        self.app.ask_for_login(reason=reason)

    # ------------------------------------------------------------------ for tests and tools

    def data_age(self, now: datetime | None = None) -> float | None:
        return self.status.age(now or self.services.now())


__all__ = ["MonitorScreen", "format_age"]
