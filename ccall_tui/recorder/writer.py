"""The one writer of a history database: a thread that takes what the recorder queues and
writes it in one transaction per batch, keeps checkpoints, prunes, and turns faults into one
warning (monitoring goes on without history)."""

from __future__ import annotations

import functools
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from datetime import tzinfo
from zoneinfo import ZoneInfo

from . import db
from .poll_rows import CHECKPOINT_EVERY_S, Current, FailItem, PollItem, PollRows
from .retention import prune

log = logging.getLogger("ccall_tui.recorder")

PRUNE_EVERY_S = 3600.0


@dataclass(frozen=True, slots=True)
class EventItem:
    at: float
    kind: str
    extension: str | None
    payload: str


class HistoryWriter(PollRows):
    """Owns the writer connection on its own thread (what an answer writes: :class:`PollRows`).
    ``submit`` never blocks or raises."""

    def __init__(
        self, path: Path, *, history_days: float = 30.0, max_mb: float = 500.0,
        on_problem: Callable[[str], None] | None = None, wall_clock: Callable[[], float] = time.time,
        tz: tzinfo | None = None,
    ) -> None:
        self.tz = tz or ZoneInfo("Asia/Ho_Chi_Minh")
        self.path = path
        self.history_days = history_days
        self.max_bytes = int(max_mb * 1024 * 1024)
        self.on_problem = on_problem
        self.warning: str | None = None
        self.fault: str | None = None
        self._wall = wall_clock
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._submitted = 0  # items queued (loop side) and written (writer side): see caught_up
        self._written = 0
        self._conn: sqlite3.Connection | None = None
        self._init_rows()
        self._last_prune = 0.0
        self._transient = False
        # Set when a batch was lost or the file started anew: the next poll should carry the
        # whole board (the recorder reads and clears it), so no change stays unwritten.
        self.needs_full = False
        self._thread = threading.Thread(target=self._run, name="history-writer", daemon=True)

    # ------------------------------------------------------------------ loop side

    def start(self) -> None:
        """Open the database (on the writer thread) and start taking work."""
        self._thread.start()

    def submit(self, item: object) -> None:
        if self.fault is None:
            self._submitted += 1
            self._queue.put(item)

    def caught_up(self, timeout: float) -> bool:
        """Whether everything submitted so far is written, waiting ``timeout`` s at most when
        it is not (call it off the loop). The answers handed over are read until then."""
        if self._written >= self._submitted or not self._thread.is_alive():
            return True
        return self.flush(timeout)

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything submitted so far is written (tests, shutdown)."""
        done = threading.Event()
        self._queue.put(done)
        return done.wait(timeout) if self._thread.is_alive() else True

    def close(self, timeout: float = 10.0) -> None:
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join(timeout)

    # ------------------------------------------------------------------ writer thread

    def _run(self) -> None:
        if not self._open():
            self._drain_after_fault()
            return
        while True:
            item = self._queue.get()
            batch: list[object] = [item]
            while True:  # one transaction for everything that queued meanwhile
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            stop = any(entry is None for entry in batch)
            work = [entry for entry in batch if entry is not None and not isinstance(entry, threading.Event)]
            if work:
                self._guarded(functools.partial(self._write, work))
                self._written += len(work)
            if stop:
                self._guarded(self._end_session)
                self._close_conn()
            for entry in batch:
                if isinstance(entry, threading.Event):
                    entry.set()
            if stop:
                return
            if self._conn is None:
                self._drain_after_fault()
                return

    def _drain_after_fault(self) -> None:
        while True:
            entry = self._queue.get()
            if isinstance(entry, threading.Event):
                entry.set()
            if entry is None:
                return

    def _open(self) -> bool:
        try:
            self._conn = db.connect_writer(self.path)
            self._load()
        except (sqlite3.Error, OSError, db.HistoryFault) as exc:
            self._close_conn()
            fault = exc if isinstance(exc, db.HistoryFault) else db.describe(exc, self.path)
            if fault.kind == "corrupt" and db.move_aside(self.path) is not None:
                try:  # a new one, and say so once
                    self._conn = db.connect_writer(self.path)
                    self._load()
                    self._warn(fault.message, fault=False)
                    return True
                except (sqlite3.Error, OSError) as again:
                    self._close_conn()
                    fault = db.describe(again, self.path)
            self._warn(fault.message)
            return False
        return True

    def _load(self) -> None:
        self._load_memory()
        self._prune(self._wall())

    def _load_memory(self) -> None:
        self._read_memory(self._require())

    def _require(self) -> sqlite3.Connection:
        if self._conn is None:
            raise sqlite3.OperationalError("history closed")
        return self._conn

    def _close_conn(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except sqlite3.Error:
                pass
            self._conn = None

    def _guarded(self, work: Callable[[], None]) -> None:
        conn = self._conn
        if conn is None:
            return
        try:
            work()
            if self._transient:  # the lock was released: the warning no longer holds
                self._transient = False
                self.warning = None
                log.info("history writes again")
        except (sqlite3.Error, OSError) as exc:
            if conn.in_transaction:
                try:
                    conn.execute("ROLLBACK")
                except sqlite3.Error:
                    pass
            fault = db.describe(exc, self.path)
            if fault.kind == "locked":  # another program holds it for a moment: try the next batch
                self._warn(fault.message, fault=False)
                self._transient = True
                self._load_memory_quietly()  # what the lost batch changed in memory
                self.needs_full = True
                return
            self._close_conn()
            if fault.kind == "corrupt" and db.move_aside(self.path) is not None:
                self._forget_memory()
                self.needs_full = True
                try:
                    self._conn = db.connect_writer(self.path)
                    self._warn(fault.message, fault=False)
                    return
                except (sqlite3.Error, OSError) as again:
                    self._close_conn()
                    fault = db.describe(again, self.path)
            self._warn(fault.message)

    def _load_memory_quietly(self) -> None:
        try:
            self._load_memory()
        except sqlite3.Error:
            pass  # still locked: the next batch tries again

    def _warn(self, message: str, *, fault: bool = True) -> None:
        """One warning per problem: a log line and the callback (the status line)."""
        if fault:
            self.fault = message
        if message == self.warning:
            return
        self.warning = message
        log.warning("%s", message)
        if self.on_problem is not None:
            try:
                self.on_problem(message)
            except Exception:  # whoever listens must not stop the writer
                log.exception("history problem callback failed")

    # ------------------------------------------------------------------ writing

    def _write(self, work: list[object]) -> None:
        conn = self._require()
        conn.execute("BEGIN")
        for item in work:
            if isinstance(item, PollItem):
                self._poll(conn, item)
            elif isinstance(item, FailItem):
                self._fail(conn, item)
            elif isinstance(item, EventItem):
                conn.execute("INSERT INTO events (t, kind, ext, payload) VALUES (?, ?, ?, ?)",
                             (item.at, item.kind, item.extension, item.payload))
        if self._session is not None:
            conn.execute("UPDATE sessions SET last = max(last, ?) WHERE id = ?", (self._last_at, self._session))
        conn.execute("COMMIT")
        if self._last_at - self._last_prune >= PRUNE_EVERY_S:
            self._prune(self._last_at)

    def _end_session(self) -> None:
        conn = self._require()
        if self._session is None:
            return
        conn.execute("BEGIN")
        self._checkpoint(conn, self._last_at)
        conn.execute("UPDATE sessions SET last = max(last, ?), ended = 1 WHERE id = ?", (self._last_at, self._session))
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)")

    # ------------------------------------------------------------------ retention

    def _prune(self, now: float) -> None:
        self._last_prune = now
        prune(self._require(), now, self.history_days, self.max_bytes)


__all__ = ["CHECKPOINT_EVERY_S", "Current", "EventItem", "FailItem", "HistoryWriter", "PollItem"]
