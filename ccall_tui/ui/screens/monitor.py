"""The live extension board: every extension, online or not, polled without ever lying."""

from __future__ import annotations

import logging
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
from ...monitor.credential_watch import CHECK_EVERY_S, watch_for
from ...monitor.memory import BoardMemory
from ...monitor.roster import (
    DISCOVERY_INTERVAL_S,
    discovery_query,
    extensions_from_calls,
    seen_store_for,
)
from ..widgets.board import ExtensionGrid
from ..widgets.changelog import ChangeLogView
from ..widgets.summary import BoardSummary, count_text
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
        Binding("o", "offline_only", _("Not online")),
        Binding("e", "toggle_log", _("Event log")),
        Binding("w", "toggle_wall", _("Wall mode")),
        Binding("r", "retry", _("Refresh now")),
        Binding("l", "login", _("Log in again")),
        Binding("x,delete", "forget", _("Forget extension"), show=False),
    ]

    def __init__(self, services: Any) -> None:
        super().__init__()
        translate_bindings(self)
        self.services = services
        profile = services.profile
        # remembered per profile and server; the demo has its own (no state dir: nothing)
        self.seen_store = seen_store_for(profile, services.state_dir, demo=services.sim is not None)
        if services.state_dir is None:
            self.seen_store.directory = None
        try:
            roster = profile.roster_extensions()
        except Exception:  # noqa: BLE001 - a bad roster was refused at load; never crash here
            roster = []
        now = services.now()
        self.board = ExtensionBoard(
            roster, dict(getattr(profile, "labels", {}) or {}), now,
            seen=self.seen_store.load(now), remember_limit=self.seen_store.limit,
        )
        self.memory = BoardMemory(self.board, self.seen_store)
        self.watched = frozenset(getattr(profile, "watched", ()) or ())
        self.status = PollStatus(services.interval)
        self.board.status = self.status
        self.credential_watch = watch_for(services)
        self._cred_timer: Timer | None = None
        self._growth_warned = False
        self.wall = bool(services.wall)
        self.polls_started = 0
        self._poll_timer: Timer | None = None
        self._tick_timer: Timer | None = None
        self._discover_timer: Timer | None = None
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
        if self.status.in_flight:
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
            self._poll_failed(exc.message, exc.kind, getattr(exc, "retry_after", None))
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
            self.status.not_understood = _("{count} rows not understood: {reason}").format(
                count=snapshot.skipped, reason=snapshot.skip_reason or "-") if snapshot.skipped else None
            self.show_changes(changes)
        except Exception as exc:  # noqa: BLE001
            log.exception("applying the snapshot failed")
            self._poll_failed(_("Unexpected error: {kind}").format(kind=type(exc).__name__), "bug")
            return
        self.call_later(self._tick_after_poll)
        self._schedule_poll(self.status.interval)

    def _poll_failed(self, message: str, kind: str, retry_after: float | None = None) -> None:
        delay = self.status.failed(self.services.now(), message, kind, retry_after)
        self.grid.stale = True
        self._render_status()
        self._schedule_poll(delay)

    def _auth_failed(self, message: str) -> None:
        """Wrong credentials: keep the data and its age, retry every few minutes, and at once
        when the credentials in the keyring or environment change."""
        first = not self.status.auth_failed
        delay = self.status.auth_rejected(self.services.now(), message)
        self.grid.stale = True
        self._render_status()
        self._schedule_poll(delay)
        self._arm_credential_check()
        if first:
            self.notify(
                _("{message} Retrying every few minutes; press l to log in again.").format(
                    message=message.rstrip(".") + "."
                ),
                title=_("Wrong credentials"),
                severity="error",
                timeout=10,
                markup=False,
            )

    def _arm_credential_check(self) -> None:
        if self.credential_watch is None:
            return
        if self._cred_timer is not None:
            self._cred_timer.stop()
        self._cred_timer = self.set_timer(CHECK_EVERY_S, self._check_credentials, name="credential-check")

    def _check_credentials(self) -> None:
        if self.status.auth_failed and self.credential_watch is not None:
            self.run_worker(
                self._read_credentials_in_thread, thread=True,
                name="credential-check", group="credential-check", exit_on_error=False,
            )

    def _read_credentials_in_thread(self) -> None:
        found = self.credential_watch.check() if self.credential_watch is not None else None
        if found is not None:
            self.app.call_from_thread(self._credentials_found, found)
        else:
            self.app.call_from_thread(self._arm_credential_check)

    async def _credentials_found(self, credentials: Any) -> None:
        """Someone ran ``ccall-tui login`` (or set the environment): use them, poll now."""
        await self.app.replace_credentials(credentials)
        self.credentials_changed()

    def show_changes(self, changes: BoardChanges) -> None:
        """Bring the screen up to date with one applied snapshot."""
        grid = self.grid
        grid.stale = False
        grid.apply_changes(changes)
        if changes.events:
            self._write_events(changes.events)
        if changes.not_remembered:
            self._growth_refused(changes.not_remembered)
        if self.memory.due(self.status.last_success or self.services.now(), bool(changes.newly_seen)):
            self._save_seen()
        if changes.went_offline and self.watched:
            self._alert([ext for ext in changes.went_offline if ext in self.watched])
        self._render_header()
        self._render_status()

    def _save_seen(self, forget: list[str] | None = None) -> None:
        """Remember the extensions seen online (merged with other instances' under a lock),
        written in a thread: a slow disk (an fsync on a network home directory) must never
        stall the board."""
        now = self.services.now()
        version, seen, forget = self.memory.snapshot(now, forget)
        self.run_worker(
            partial(self._write_seen_in_thread, version, seen, forget, now),
            thread=True, name="save-seen", group="save-seen", exit_on_error=False,
        )

    def _write_seen_in_thread(self, version: int, seen: dict, forget: list[str], now: datetime) -> None:
        error = self.memory.write(version, seen, forget, now)
        if error is not None:
            self.app.call_from_thread(self._seen_failed, error)

    def on_unmount(self) -> None:
        """Quitting right after a new extension appeared: its write may not have run yet."""
        error = self.memory.flush(self.services.now())
        if error is not None:
            log.warning("%s", error)

    def _growth_refused(self, count: int) -> None:
        """One answer listed far more new extensions than the board remembers: shown, not kept."""
        if self._growth_warned:
            return
        self._growth_warned = True
        self.notify(
            _("The server listed {count} extensions not seen before: shown, but not remembered (limit {limit}).").format(
                count=count, limit=self.seen_store.limit
            ),
            severity="warning",
            timeout=15,
            markup=False,
        )

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
        if self.credential_watch is not None:
            self.credential_watch.accept(self.services.credentials)
        self.status.resumed()
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
        summary = self._one("#mon-summary", BoardSummary)
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

        self.app.push_screen(ExtensionScreen(self.services, self.board, extension, status=self.status))

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
        self.status.resumed()
        self.start_poll()

    def action_forget(self) -> None:
        """Forget the highlighted extension (asks first): it is no longer remembered here or
        by any other instance on this profile and server, until it is seen online again."""
        extension = self.grid.highlighted_extension
        tile = self.board.get(extension) if extension is not None else None
        if tile is None:
            return
        if tile.state is ExtensionState.ONLINE:
            self.notify(
                _("{ext} is online now; only extensions that are not online can be forgotten.").format(ext=extension),
                markup=False,
            )
            return
        from ..widgets.confirm import ConfirmDialog

        if extension in self.board.roster:
            question = _("Forget that {ext} was seen online? It stays on the board: it is in the configured roster.")
        else:
            question = _("Forget {ext}? It leaves the board until it is seen online again.")

        def answered(yes: bool | None) -> None:
            if yes:
                self._forget(extension)

        self.app.push_screen(ConfirmDialog(question.format(ext=extension), _("Forget")), answered)

    def _forget(self, extension: str) -> None:
        outcome = self.board.forget(extension)
        if outcome in ("forgotten", "roster"):
            self._save_seen(forget=[extension])
            if outcome == "forgotten":
                self.grid.rebuild()
            else:
                self.grid.refresh_extensions([extension])
            self._render_header()
            message = (
                _("{ext} forgotten.") if outcome == "forgotten"
                else _("{ext} forgotten; it stays on the board as never seen: it is in the configured roster.")
            )
            self.notify(message.format(ext=extension), markup=False)

    def action_login(self) -> None:
        reason = self.status.last_error.message if self.status.auth_failed and self.status.last_error else None
        self.app.ask_for_login(reason=reason)

    # ------------------------------------------------------------------ for tests and tools

    def data_age(self, now: datetime | None = None) -> float | None:
        return self.status.age(now or self.services.now())


__all__ = ["MonitorScreen", "format_age"]
