"""The one writer of a history database: a thread that takes what the recorder queues and
writes it in one transaction per batch, keeps checkpoints, prunes, and turns faults into one
warning (monitoring goes on without history)."""

from __future__ import annotations

import functools
import json
import logging
import queue
import sqlite3
import threading
import time
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from . import db
from .retention import prune
from .devices import Device, compare, devices_of

log = logging.getLogger("ccall_tui.recorder")

CHECKPOINT_EVERY_S = 1800.0
PRUNE_EVERY_S = 3600.0

UNKNOWN, OFFLINE, NEVER_SEEN = 0, 2, 3  # db.STATE_CODES


@dataclass(slots=True)
class Current:
    state: int
    since: float
    exact: bool
    devices: int


@dataclass(frozen=True, slots=True)
class PollItem:
    """One applied answer: (extension, state code, device count, registrations) for the
    extensions that changed; the minute's counts and the whole answer once a minute."""

    at: float
    changed: Sequence[tuple[str, int, int, Any]]
    count: tuple[int, int] | None = None
    latest: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class FailItem:
    at: float
    reason: str


@dataclass(frozen=True, slots=True)
class EventItem:
    at: float
    kind: str
    extension: str | None
    payload: str


class HistoryWriter:
    """Owns the writer connection on its own thread. ``submit`` never blocks or raises."""

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
        self._conn: sqlite3.Connection | None = None
        self._session: int | None = None
        self.current: dict[str, Current] = {}
        self.live: dict[str, list[Device]] = {}
        self._expired: set[tuple[str, str]] = set()
        self._last_checkpoint = 0.0
        self._last_prune = 0.0
        self._last_at = 0.0
        self._failing: str | None = None
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
            self._queue.put(item)

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
        conn = self._require()
        self.current = {
            ext: Current(state, since, bool(exact), devices)
            for ext, state, since, exact, devices in conn.execute("SELECT ext, state, since, exact, devices FROM current")
        }
        live: dict[str, list[Device]] = {}
        for ext, key, agent, ip, port, transport, ping, expires in conn.execute(
            "SELECT ext, key, agent, ip, port, transport, ping, expires FROM live_devices"
        ):
            live.setdefault(ext, []).append(Device(key, agent, ip, port, transport, ping, expires))
        self.live = live
        row = conn.execute("SELECT ok, reason FROM polls ORDER BY t DESC LIMIT 1").fetchone()
        self._failing = row[1] if row is not None and not row[0] else None

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
                self._session = None
                self.current, self.live = {}, {}
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

    def _ensure_session(self, conn: sqlite3.Connection, at: float) -> None:
        if self._session is None:
            cursor = conn.execute("INSERT INTO sessions (start, last) VALUES (?, ?)", (at, at))
            self._session = cursor.lastrowid

    def _paused_before(self, conn: sqlite3.Connection, at: float) -> bool:
        row = conn.execute("SELECT max(last) FROM sessions WHERE id != ?", (self._session,)).fetchone()
        return row is not None and row[0] is not None and at - row[0] > db.CONTINUOUS_S

    def _poll(self, conn: sqlite3.Connection, item: PollItem) -> None:
        at = item.at
        first = self._session is None
        self._ensure_session(conn, at)
        # After a pause in the recording a change seen now happened somewhere in the pause.
        paused = first and self._paused_before(conn, at)
        self._last_at = max(self._last_at, at)
        if self._failing is not None:
            conn.execute("INSERT INTO polls (t, ok, reason) VALUES (?, 1, NULL)", (at,))
            self._failing = None
        for ext, state, count, regs in item.changed:
            if state == UNKNOWN:
                continue
            before = self.current.get(ext)
            if before is not None and before.state == OFFLINE and state == NEVER_SEEN:
                state = OFFLINE  # the history saw it online; this board just does not remember it
            if before is None or before.state != state or before.devices != count:
                old = before.state if before is not None else UNKNOWN
                conn.execute("INSERT INTO states (t, ext, old, new, devices) VALUES (?, ?, ?, ?, ?)",
                             (at, ext, old, state, count))
                if before is None or before.state != state:
                    now = Current(state, at, before is not None and before.state != UNKNOWN and not paused, count)
                else:
                    now = Current(state, before.since, before.exact, count)
                self.current[ext] = now
                conn.execute("INSERT OR REPLACE INTO current (ext, state, since, exact, devices) VALUES (?, ?, ?, ?, ?)",
                             (ext, now.state, now.since, int(now.exact), now.devices))
            self._devices(conn, at, ext, devices_of(regs or ()))
        if item.count is not None:
            conn.execute("INSERT OR REPLACE INTO counts (t, online, total) VALUES (?, ?, ?)", (at, *item.count))
        if item.latest is not None:
            self._scan(conn, at, item.latest)
        if first or at - self._last_checkpoint >= CHECKPOINT_EVERY_S:
            self._checkpoint(conn, at)

    def _devices(self, conn: sqlite3.Connection, at: float, ext: str, now: list[Device]) -> None:
        before = self.live.get(ext, [])
        if not before and not now:
            return
        changes = compare(before, now)
        for kind, device, detail in changes:
            self._device_row(conn, at, ext, kind, device, detail)
            if kind == "left" and device.expires is not None and device.expires <= at:
                self._device_row(conn, at, ext, "expired", device, self._stamp(device.expires))
        if changes or [d.key for d in before] != [d.key for d in now]:
            self._store_live(conn, ext, now)

    def _device_row(self, conn: sqlite3.Connection, at: float, ext: str, kind: str, device: Device,
                    detail: str | None) -> None:
        conn.execute(
            "INSERT INTO devices (t, ext, kind, agent, ip, port, transport, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (at, ext, kind, device.agent, device.ip, device.port, device.transport, detail),
        )

    def _store_live(self, conn: sqlite3.Connection, ext: str, devices: list[Device]) -> None:
        self.live[ext] = devices
        conn.execute("DELETE FROM live_devices WHERE ext = ?", (ext,))
        conn.executemany(
            "INSERT OR REPLACE INTO live_devices (ext, key, agent, ip, port, transport, ping, expires) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(ext, d.key, d.agent, d.ip, d.port, d.transport, d.ping, d.expires) for d in devices],
        )
        if not devices:
            self.live.pop(ext, None)

    def _scan(self, conn: sqlite3.Connection, at: float, latest: Mapping[str, Any]) -> None:
        """Once a minute, the whole answer: what changed on devices that kept their
        registration (agent, address, transport, ping status), and devices still listed
        after their expiry (a phone that only re-registers once expired)."""
        for ext, regs in latest.items():
            known = self.live.get(ext)
            if not known:
                continue
            fresh = devices_of(regs)
            changes = compare(known, fresh)
            for kind, device, detail in changes:
                self._device_row(conn, at, ext, kind, device, detail)
            for device in fresh:
                if device.expires is not None and device.expires < at and (ext, device.key) not in self._expired:
                    self._expired.add((ext, device.key))
                    self._device_row(conn, at, ext, "expired", device, self._stamp(device.expires))
            if changes or fresh != known:
                self._store_live(conn, ext, fresh)

    def _fail(self, conn: sqlite3.Connection, item: FailItem) -> None:
        self._ensure_session(conn, item.at)
        self._last_at = max(self._last_at, item.at)
        if self._failing != item.reason:
            conn.execute("INSERT INTO polls (t, ok, reason) VALUES (?, 0, ?)", (item.at, item.reason))
            self._failing = item.reason

    def _checkpoint(self, conn: sqlite3.Connection, at: float) -> None:
        data = {ext: [c.state, c.since, c.devices] for ext, c in self.current.items()}
        blob = zlib.compress(json.dumps(data, separators=(",", ":")).encode("utf-8"), 6)
        conn.execute("INSERT OR REPLACE INTO checkpoints (t, data) VALUES (?, ?)", (at, blob))
        self._last_checkpoint = at

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

    def _stamp(self, ts: float) -> str:
        return datetime.fromtimestamp(ts, self.tz).strftime("%Y-%m-%d %H:%M:%S")
