"""The live extension board: every extension, online or not, polled without ever lying."""

from __future__ import annotations

import logging
from typing import Any, TypeVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Digits, Input, Static

from ...i18n import N_, _
from ...monitor import events as fe
from ...monitor.board import BoardChanges, ExtensionBoard, SortOrder
from ...monitor.credential_watch import watch_for
from ...monitor.feed import BoardFeed
from ...monitor.poll_status import PollStatus, format_age
from ...monitor.states import ExtensionState
from ..messages import CredentialsChanged
from ..translate import translate_bindings
from ..widgets.changelog import ChangeLogView
from ..widgets.extension_grid import ExtensionGrid
from ..widgets.footer import AppFooter
from ..widgets.since_panel import SincePanel, since_hidden
from ..widgets.summary import BoardSummary, count_text
from ..widgets.textline import TextLine
from . import board_notices as notices
from .board_history import BoardHistory
from .board_keys import BoardKeys

log = logging.getLogger("ccall_tui.monitor")
W = TypeVar("W", bound=Widget)

TICK_S = 1.0
TICK_AFTER_POLL_S = 1.25
NARROW_WIDTH = 110

_SORT_LABELS = {
    SortOrder.NUMBER: lambda: _("number"),
    SortOrder.STATE: lambda: _("state"),
    SortOrder.CHANGE: lambda: _("last change"),
}


class MonitorScreen(BoardKeys, Screen):
    """Who is registered, right now, and since when."""

    # Message ids, translated where shown (translate_bindings, the help screen): a class body
    # runs once, at import, in whatever language is active then.
    HELP_TITLE = N_("Extensions")
    HELP_STATES = True  # the help screen explains the four state words
    CSS_PATH = "../monitor.tcss"
    # The grid has the focus from the start (not the filter field first, then the grid: two
    # rounds of footer keys before the first data).
    AUTO_FOCUS = "#mon-grid"

    BINDINGS = [
        Binding("enter", "open", N_("Details")),
        Binding("slash", "filter", N_("Filter"), key_display="/"),
        Binding("escape", "clear_filter", N_("Clear filter"), show=False),
        Binding("s", "cycle_sort", N_("Sort")),
        Binding("o", "offline_only", N_("Not online")),
        Binding("e", "toggle_log", N_("Event log")),
        Binding("w", "toggle_wall", N_("Wall mode")),
        Binding("r", "retry", N_("Refresh now")),
        Binding("l", "login", N_("Log in again")),
        Binding("x,delete", "forget", N_("Forget extension"), show=False),
        Binding("a", "alerts", N_("Alerts"), show=False),
        Binding("less_than_sign", "rewind", N_("Rewind"), key_display="<", show=False),
        Binding("g", "go_to_time", N_("Go to time"), show=False),
        Binding("f3", "quality", N_("Call quality"), show=False),
    ]

    def __init__(self, services: Any) -> None:
        super().__init__()
        translate_bindings(self)
        self.services = services
        profile = services.profile
        self.feed = BoardFeed.for_profile(
            profile, services.state_dir, demo=services.sim is not None,
            interval=services.interval, clock=services.now, client=lambda: self.app.client,
            timer=lambda delay, callback, name: self.set_timer(delay, callback, name=name),
            spawn=lambda work, name: self.run_worker(  # a poll or a discovery runs alone; writes queue
                work(), name=name, group=name, exclusive=name in ("poll", "discover"), exit_on_error=False
            ),
            credential_watch=watch_for(services), credentials=lambda: services.credentials,
            replace_credentials=lambda credentials: self.app.replace_credentials(credentials),
        )
        self.feed.subscribe(lambda event: self.post_message(self.FeedUpdate(event)))
        from .board_alerts import BoardAlerts

        self.alerts_ui = BoardAlerts(self)
        self.history_ui = BoardHistory(self)
        self.watched = frozenset(getattr(profile, "watched", ()) or ())
        self.wall = bool(services.wall)
        self._tick_timer: Timer | None = None
        self._seen_error_shown = False
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
        from ..widgets.alert_banner import AlertBanner

        yield AlertBanner(id="mon-alerts")
        with Horizontal(id="mon-body"):
            grid = ExtensionGrid(self.board, self.services.now, id="mon-grid", classes="panel")
            grid.border_title = _("Extensions")
            yield grid
            # The frame (and its padding) belongs to a container: a new change repaints the
            # log's lines, not its frame and title.
            with Vertical(id="mon-events", classes="panel") as events:
                events.border_title = _("Changes")
                yield ChangeLogView(self.board, id="mon-events-log")
            yield SincePanel(self.services, lambda: self.board, id="mon-since")
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
        self.feed.start()
        # The alerts (their rules, and the calls they follow) wait until the first answer is painted.
        self.app.when_first_data(lambda: None if self.feed.stopped else self.alerts_ui.start())
        # So does the flight recorder: its history (sqlite, in a thread) opens after the first frame.
        self.app.when_first_data(self.history_ui.start)
        if getattr(self.services, "metrics", None):  # --metrics: the board served to Prometheus
            from ...alerts.metrics_http import attach_to_services as attach_metrics

            self._metrics = attach_metrics(self.feed, self.services, lambda: self.app.client,
                                           lambda message: self.notify(message, severity="warning", markup=False))

    def on_unmount(self) -> None:
        """Quitting right after a new extension appeared: its write happens now."""
        self.feed.stop()
        self.alerts_ui.stop()
        self.history_ui.close()
        metrics = getattr(self, "_metrics", None)
        if metrics is not None:
            metrics.close()

    def on_resize(self) -> None:
        self.set_class(self.size.width < NARROW_WIDTH, "-narrow")
        self.set_class(since_hidden(self.size), "-no-since")

    def _tick(self, next_in: float = TICK_S) -> None:
        """Once a second: the data's age, the tiles' ages and highlights, the change log."""
        self._render_status()
        self.grid.tick()
        if self._log_dirty:
            self._log_dirty = False
            self._one("#mon-events-log", ChangeLogView).update_events()
        self._arm_tick(next_in)

    def _tick_after_poll(self) -> None:
        """Right after a poll was drawn, so both land in one repaint; the next tick waits a
        little longer than a second, so that polling every second repaints once a second."""
        self._tick(TICK_AFTER_POLL_S)

    def _arm_tick(self, delay: float) -> None:
        if self._tick_timer is not None:
            self._tick_timer.stop()
        self._tick_timer = self.set_timer(delay, self._tick, name="monitor-tick")

    # ------------------------------------------------------------------ the feed

    @property
    def board(self) -> ExtensionBoard:
        return self.feed.board

    @property
    def status(self) -> PollStatus:
        return self.feed.status

    @property
    def polls_started(self) -> int:
        return self.feed.polls_started

    def start_poll(self, *, announce: bool = True) -> None:
        """Poll now, unless a poll is already running (polls never overlap)."""
        self.feed.poll_now(announce=announce)

    def credentials_changed(self) -> None:
        """The app got new credentials: start again."""
        self.feed.credentials_changed()

    def on_credentials_changed(self, _message: CredentialsChanged) -> None:
        self.credentials_changed()

    class FeedUpdate(Message):
        """One event of the board feed, delivered to the screen as a message."""

        def __init__(self, event: fe.FeedEvent) -> None:
            super().__init__()
            self.event = event

    def on_monitor_screen_feed_update(self, message: FeedUpdate) -> None:
        """Draw what the feed says happened."""
        event = message.event
        if isinstance(event, fe.SnapshotApplied):
            self.show_changes(event.changes)
            self.call_later(self._tick_after_poll)
        elif isinstance(event, fe.PollStarted):
            if event.announce:
                self._render_status()
        elif isinstance(event, (fe.PollFailed, fe.AuthRejected)):
            self.grid.stale = True
            self._render_status()
            if isinstance(event, fe.AuthRejected) and event.first:
                notices.credentials_refused(self, event.message)
        elif isinstance(event, fe.DiscoveryFinished):
            if event.added:
                self.grid.rebuild()
            elif event.renamed:
                self.grid.refresh_extensions(event.renamed)
            self._render_header()
        elif isinstance(event, fe.GrowthRefused):
            notices.growth_refused(self, event.count, event.limit)
        elif isinstance(event, fe.SeenRefused) and not self._seen_error_shown:
            self._seen_error_shown = True
            self.notify(event.message, severity="warning", markup=False)

    def show_changes(self, changes: BoardChanges) -> None:
        """Bring the screen up to date with one applied snapshot."""
        grid = self.grid
        grid.stale = False
        grid.apply_changes(changes)
        if changes.events:
            # The change log is a side panel: redrawn with the next second's tick, not per poll,
            # so a poll with many changes costs only the tiles that changed.
            self._log_dirty = True
        if changes.went_offline and self.watched:
            notices.watched_offline(self, [ext for ext in changes.went_offline if ext in self.watched])
        self._render_header()
        self._render_status()

    # ------------------------------------------------------------------ drawing

    def _set_text(self, selector: str, text: Text) -> None:
        """Update a line only when its text changed."""
        widget = self._one(selector, Widget)
        previous = self._shown.get(selector)
        if previous is not None and previous == text:
            return
        self._shown[selector] = text
        if isinstance(widget, Static):  # sized by the CSS, not by its text: no layout
            widget.update(text, layout=False)
        else:
            widget.update(text)  # type: ignore[attr-defined] - a TextLine

    def _render_header(self) -> None:
        summary = self._one("#mon-summary", BoardSummary)
        with summary.batch():
            summary.set_counts(count_text(self.board.counts, len(self.board)))
            summary.set_scale(len(self.board))
            summary.update_spark()
            if self.wall:
                self._render_wall()
            self._render_view()

    def _render_wall(self) -> None:
        """The big numbers of wall mode (hidden otherwise: a hidden widget that repaints makes
        the compositor rebuild its whole map, so they are only drawn while shown)."""
        counts = self.board.counts
        online = counts[ExtensionState.ONLINE] - counts[ExtensionState.UNREACHABLE]
        total = len(self.board)
        for selector, value in (("#mon-wall-online", str(online)), ("#mon-wall-total", str(total))):
            digits = self._one(selector, Digits)
            if digits.value != value:
                digits.update(value)
        info = Text()
        info.append(_("online of {total}").format(total=total) + "\n", style="bold")
        if counts[ExtensionState.UNREACHABLE]:
            state = ExtensionState.UNREACHABLE
            info.append(f"{state.glyph} {counts[state]} {state.label}   ", style="bold")
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
            parts.append(_("not online"))
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
        _kind, line = status.status_line(now)
        self._set_text("#mon-status", Text(line + self.history_ui.status_note()))

    # ------------------------------------------------------------------ actions (more in board_keys.py)

    def _set_wall(self, on: bool) -> None:
        self.wall = on
        self.set_class(on, "-wall")
        if on:
            self._render_wall()
        grid = self.grid
        grid.wall = on
        grid.set_view(offline_first=on)

    @on(ExtensionGrid.Opened)
    def _opened(self, event: ExtensionGrid.Opened) -> None:
        self.open_extension(event.extension)

    @on(Input.Changed, "#mon-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.grid.set_view(query=event.value)
        self._render_view()

    @on(Input.Submitted, "#mon-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        self.grid.focus()
        if not event.value:
            self.remove_class("-filtering")


__all__ = ["MonitorScreen", "format_age"]
