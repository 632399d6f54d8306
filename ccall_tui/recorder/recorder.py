"""The flight recorder: subscribes to a :class:`~ccall_tui.monitor.feed.BoardFeed` and hands
what changed to the history's writer thread. The loop side only collects the changed
extensions' states and registrations (a few microseconds each); parsing, comparing devices and
writing happen on the writer thread."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

from ..monitor.events import AuthRejected, FeedEvent, PollFailed, SnapshotApplied
from ..monitor.states import ExtensionState
from .db import STATE_CODES
from .history import History
from .writer import FailItem, PollItem

COUNT_EVERY_S = 60.0
# How long the next answer's reading waits for the writer before leaving the rows it may
# still read untouched (a fresh row per device instead: correct, a little dearer).
WRITER_WAIT_S = 0.5


class FlightRecorder:
    """Records one feed into ``history`` (when this process is its writer; a follower's
    recorder records nothing). ``close()`` unsubscribes; the history is closed by its owner."""

    def __init__(self, feed: Any, history: History, *, clock: Callable[[], datetime] | None = None) -> None:
        self.feed = feed
        self.history = history
        self._clock = clock or (lambda: datetime.now().astimezone())
        self._last_count: float | None = None
        self._failing: str | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._unread: Callable[[], None] | None = None
        if history.writer is not None:
            self._unsubscribe = feed.subscribe(self.on_event)
            read_answers = getattr(feed, "read_answers", None)
            if read_answers is not None:
                self._unread = read_answers(self._caught_up)

    @property
    def recording(self) -> bool:
        return self._unsubscribe is not None and self.history.writing

    def on_event(self, event: FeedEvent) -> None:
        writer = self.history.writer
        if writer is None or writer.fault is not None:
            return
        if isinstance(event, SnapshotApplied):
            writer.submit(self._poll_item(event))
            self._failing = None
        elif isinstance(event, (PollFailed, AuthRejected)):
            if event.message != self._failing:
                self._failing = event.message
                writer.submit(FailItem(self._clock().timestamp(), event.message))

    def _poll_item(self, event: SnapshotApplied) -> PollItem:
        board = self.feed.board
        tiles = board.tiles
        latest = board.latest
        codes = STATE_CODES
        changes = event.changes
        writer = self.history.writer
        if changes.first or self._last_count is None or (writer is not None and writer.needs_full):
            if writer is not None:
                writer.needs_full = False
            names: Any = list(tiles)
        else:
            names = dict.fromkeys(changes.state_changed + changes.registrations_changed + changes.added
                                  + getattr(changes, "reachability_changed", []))
        changed = []
        for ext in names:
            tile = tiles.get(ext)
            if tile is None:
                continue
            regs = latest.get(ext, ())
            # reachability as the board judged it (a phone may register already unreachable)
            changed.append((ext, codes[tile.state], len(regs), regs, tile.unreachable))
        at = event.at.timestamp()
        count = None
        scan = None
        if self._last_count is None or at - self._last_count >= COUNT_EVERY_S:
            self._last_count = at
            count = (board.online_count, len(tiles), board.counts[ExtensionState.UNREACHABLE])
            scan = latest
        return PollItem(at, changed, count, scan)

    def _caught_up(self) -> bool:
        """(Off the loop.) Whether the writer is done with the answers handed to it: it
        reads their rows in its own thread, and the next answer would rewrite the rows of
        devices shown the same way. It normally is, within a millisecond of each poll."""
        writer = self.history.writer
        return writer is None or writer.caught_up(WRITER_WAIT_S)

    def close(self) -> None:
        if self._unread is not None:
            self._unread()
            self._unread = None
        if self._unsubscribe is not None:
            with contextlib.suppress(ValueError):
                self._unsubscribe()
            self._unsubscribe = None


def loop_notifier(callback: Callable[[str], None]) -> Callable[[str], None]:
    """Wrap ``callback`` so a problem found on the writer thread reaches it on the running
    event loop (call this on the loop)."""
    loop = asyncio.get_running_loop()

    def notify(message: str) -> None:
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            loop.call_soon_threadsafe(callback, message)

    return notify
