"""What the board remembers between runs, written without ever stalling the board.

:class:`BoardMemory` sits between an :class:`~ccall_tui.monitor.board.ExtensionBoard` and its
:class:`~ccall_tui.monitor.seen.SeenStore`: it decides when a write is due (the set grew, an
extension was forgotten, or the last-seen times are an hour old), hands out what to write, and
writes it (from any thread: one write at a time, never an older set over a newer one). No
textual here: the screen only runs :meth:`write` in a thread and shows its one-line error.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from ..state import StateError
from .board import ExtensionBoard
from .seen import SeenStore

# Last-seen times on disk are refreshed at least this often while extensions stay online.
REFRESH_EVERY = timedelta(hours=1)


class BoardMemory:
    def __init__(self, board: ExtensionBoard, store: SeenStore) -> None:
        self.board = board
        self.store = store
        self._lock = threading.Lock()
        self._version = 0
        self._written = 0
        self._saved_at: datetime | None = None
        self._forget: list[str] = []

    @property
    def pending(self) -> bool:
        """A newer state than the one written is waiting."""
        return self._written < self._version

    def due(self, now: datetime, grew: bool) -> bool:
        """Whether to write after a poll: the set grew, or the times on disk are old."""
        return grew or self._saved_at is None or now - self._saved_at >= REFRESH_EVERY

    def snapshot(self, now: datetime, forget: list[str] | None = None) -> tuple[int, dict[str, datetime], list[str]]:
        """Take a numbered copy of what to write (on the board's loop)."""
        self._version += 1
        self._saved_at = now
        return self._version, self.board.seen_times(), list(forget or ())

    def write(self, version: int, seen: dict[str, datetime], forget: list[str], now: datetime) -> str | None:
        """Write one snapshot unless a newer one was written already (any thread); the error
        line, if any. Forgetting is never skipped."""
        with self._lock:
            try:
                if forget:
                    self.store.forget(forget, now)
                if version <= self._written:
                    return None
                self.store.save(seen, now)
            except StateError as exc:
                return str(exc)
            self._written = version
            return None

    def flush(self, now: datetime) -> str | None:
        """Write what is pending, now, on the calling thread (when quitting): also the
        last-seen times of answers since the last write."""
        updated = self.board.updated_at
        fresher = updated is not None and (self._saved_at is None or updated > self._saved_at)
        if not self.pending and not fresher:
            return None
        version, seen, _ = self.snapshot(now)
        return self.write(version, seen, [], now)
