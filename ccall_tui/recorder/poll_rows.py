"""What one applied answer writes into the history (runs on the writer thread, inside the
writer's transaction): state changes, reachability changes, device changes, the minute's
count, devices listed after their expiry, and checkpoints of the whole board.

Mixed into :class:`~ccall_tui.recorder.writer.HistoryWriter`, which owns the connection, the
thread and the faults; this part owns what the history remembers of the board between polls.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

import msgspec

from . import db
from .devices import Device, compare, devices_of
from .expiry import ExpiryIndex, listed_expired

CHECKPOINT_EVERY_S = 1800.0

UNKNOWN, ONLINE, OFFLINE, NEVER_SEEN = 0, 1, 2, 3  # db.STATE_CODES


class Current(msgspec.Struct, gc=False):
    """An extension's state as the history holds it (plain values only: not tracked by the
    garbage collector, see :class:`.devices.Device`)."""

    state: int
    since: float
    exact: bool
    devices: int
    # since when the extension, registered, has not answered pings (None: it answers)
    unreachable: float | None = None


@dataclass(frozen=True, slots=True)
class PollItem:
    """One applied answer: (extension, state code, device count, registrations[, unreachable])
    for the extensions that changed (unreachable: as the board judged it; left out, the
    extension answers pings); the minute's counts and the whole answer once a minute."""

    at: float
    changed: Sequence[tuple[Any, ...]]
    # (registered, known[, of the registered, not answering pings]) once a minute
    count: tuple[int, ...] | None = None
    latest: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class FailItem:
    at: float
    reason: str


def _sans_expiry(device: Device) -> tuple[object, ...]:
    return (device.key, device.agent, device.ip, device.port, device.transport, device.ping)


class PollRows:
    """Needs ``tz`` (set by the writer). Call :meth:`_init_rows` first."""

    tz: tzinfo

    def _init_rows(self) -> None:
        self._session: int | None = None
        self.current: dict[str, Current] = {}
        self.live: dict[str, tuple[Device, ...]] = {}
        self.expiry = ExpiryIndex()
        # extension -> keys of its devices written down as listed after their expiry (once
        # per device while it stays registered)
        self._expired: dict[str, set[str]] = {}
        # extension -> what its rows said of their expiries at the last look (listed_expired)
        self._looked: dict[str, tuple[object, ...]] = {}
        self._last_checkpoint = 0.0
        self._last_at = 0.0
        self._failing: str | None = None

    def _read_memory(self, conn: sqlite3.Connection) -> None:
        self.current = {
            ext: Current(state, since, bool(exact), devices, unreachable)
            for ext, state, since, exact, devices, unreachable in conn.execute(
                "SELECT ext, state, since, exact, devices, unreachable FROM current")
        }
        read: dict[str, list[Device]] = {}
        for ext, key, agent, ip, port, transport, ping, expires in conn.execute(
            "SELECT ext, key, agent, ip, port, transport, ping, expires FROM live_devices"
        ):
            read.setdefault(ext, []).append(Device(key, agent, ip, port, transport, ping, expires))
        live = {ext: tuple(devices) for ext, devices in read.items()}
        self.live = live
        self.expiry.rebuild(live)
        row = conn.execute("SELECT ok, reason FROM polls ORDER BY t DESC LIMIT 1").fetchone()
        self._failing = row[1] if row is not None and not row[0] else None

    def _forget_memory(self) -> None:
        self._session = None
        self.current, self.live = {}, {}
        self.expiry = ExpiryIndex()
        self._expired, self._looked = {}, {}

    # ------------------------------------------------------------------ sessions

    def _ensure_session(self, conn: sqlite3.Connection, at: float) -> None:
        if self._session is None:
            cursor = conn.execute("INSERT INTO sessions (start, last) VALUES (?, ?)", (at, at))
            self._session = cursor.lastrowid

    def _paused_before(self, conn: sqlite3.Connection, at: float) -> bool:
        row = conn.execute("SELECT max(last) FROM sessions WHERE id != ?", (self._session,)).fetchone()
        return row is not None and row[0] is not None and at - row[0] > db.CONTINUOUS_S

    # ------------------------------------------------------------------ one answer

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
        for entry in item.changed:
            ext, state, count, regs = entry[0], entry[1], entry[2], entry[3]
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
                    exact = before is not None and before.state != UNKNOWN and not paused
                    now = Current(state, at, exact, count)
                else:
                    now = Current(state, before.since, before.exact, count, before.unreachable)
                self.current[ext] = now
                conn.execute("INSERT OR REPLACE INTO current (ext, state, since, exact, devices, unreachable) "
                             "VALUES (?, ?, ?, ?, ?, ?)",
                             (ext, now.state, now.since, int(now.exact), now.devices, now.unreachable))
            self._reach(conn, at, ext, state, len(entry) > 4 and bool(entry[4]))
            self._devices(conn, at, ext, devices_of(regs or ()))
        if item.count is not None:
            online, total, *unreachable = item.count
            conn.execute("INSERT OR REPLACE INTO counts (t, online, total, unreachable) VALUES (?, ?, ?, ?)",
                         (at, online, total, unreachable[0] if unreachable else None))
        if item.latest is not None:
            self._scan(conn, at, item.latest)
        if first or at - self._last_checkpoint >= CHECKPOINT_EVERY_S:
            self._checkpoint(conn, at)

    def _reach(self, conn: sqlite3.Connection, at: float, ext: str, state: int, unreachable: bool) -> None:
        """A registered extension that stops or starts answering pings: one row. Going
        offline ends it without one (the history reads reachability only while registered)."""
        current = self.current.get(ext)
        if current is None:
            return
        flag = unreachable and state == ONLINE
        if flag == (current.unreachable is not None):
            return
        if state == ONLINE:
            conn.execute("INSERT INTO reach (t, ext, unreachable) VALUES (?, ?, ?)", (at, ext, int(flag)))
        current.unreachable = at if flag else None
        conn.execute("UPDATE current SET unreachable = ? WHERE ext = ?", (current.unreachable, ext))

    def _devices(self, conn: sqlite3.Connection, at: float, ext: str, now: tuple[Device, ...]) -> None:
        before = self.live.get(ext, ())
        if not before and not now:
            return
        changes = compare(before, now)
        for kind, device, detail in changes:
            self._device_row(conn, at, ext, kind, device, detail)
            if kind == "left" and device.expires is not None and device.expires <= at:
                self._device_row(conn, at, ext, "expired", device, self._stamp(device.expires))
        self._keep_live(conn, ext, before, now, at)

    def _device_row(self, conn: sqlite3.Connection, at: float, ext: str, kind: str, device: Device,
                    detail: str | None) -> None:
        conn.execute(
            "INSERT INTO devices (t, ext, kind, agent, ip, port, transport, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (at, ext, kind, device.agent, device.ip, device.port, device.transport, detail),
        )

    def _keep_live(self, conn: sqlite3.Connection, ext: str, before: tuple[Device, ...], now: tuple[Device, ...],
                   at: float = 0.0) -> None:
        """Remember ``now`` as the extension's devices. A renewal (only the expiries moved)
        is kept in memory only: the file's copy is for a restart, whose first answer carries
        every device again."""
        if before == now:
            return
        if now and [_sans_expiry(d) for d in before] == [_sans_expiry(d) for d in now]:
            self._forget_expired(ext, now)
            self.live[ext] = now
            self.expiry.add(ext, now, after=at)
        else:
            self._store_live(conn, ext, now, at)

    def _store_live(self, conn: sqlite3.Connection, ext: str, devices: tuple[Device, ...], at: float = 0.0) -> None:
        self._forget_expired(ext, devices)
        self.live[ext] = devices
        conn.execute("DELETE FROM live_devices WHERE ext = ?", (ext,))
        conn.executemany(
            "INSERT OR REPLACE INTO live_devices (ext, key, agent, ip, port, transport, ping, expires) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(ext, d.key, d.agent, d.ip, d.port, d.transport, d.ping, d.expires) for d in devices],
        )
        if devices:
            self.expiry.add(ext, devices, after=at)
        else:
            self.live.pop(ext, None)

    def _forget_expired(self, ext: str, now: tuple[Device, ...]) -> None:
        """Forget what was written down as expired of devices gone: the set stays the size of
        what is registered, not of every device that ever expired."""
        written = self._expired.get(ext)
        if written is None:
            return
        kept = written.intersection([d.key for d in now])
        if kept:
            self._expired[ext] = kept
        else:
            del self._expired[ext]

    def _scan(self, conn: sqlite3.Connection, at: float, latest: Mapping[str, Any]) -> None:
        """Once a minute: devices still listed after their expiry (a phone that only
        re-registers once expired), and the fresh expiry of devices that renewed. The board
        reports every other change of a device each poll, so only the devices that may be
        past their expiry are read from the answer (see :mod:`.expiry`)."""
        listed = listed_expired(latest, at, self._stamp(at))
        # Listed as before at the last look: it was read then, and what changed since (not the
        # expiry) the board reported. A PBX whose clock is behind lists every device so;
        # reading them all again every minute would cost a full reading of the tenant.
        looked = {ext: mark for ext, mark in listed.items() if self._looked.get(ext) == mark}
        due = {ext: None for ext in listed if ext not in looked}
        for ext, key, expires in list(self.expiry.due(at)):
            known = self.live.get(ext)
            if known and any(d.key == key and d.expires == expires for d in known):
                due[ext] = None  # (an entry made for an older expiry is stale: skipped)
        for ext in due:
            known = self.live.get(ext)
            regs = latest.get(ext)
            if not known or not regs:
                continue  # not live, or not in the answer: the board reported it gone
            fresh = devices_of(regs)
            for kind, device, detail in compare(known, fresh):
                self._device_row(conn, at, ext, kind, device, detail)
            for device in fresh:
                if device.expires is not None and device.expires < at and device.key not in self._expired.get(ext, ()):
                    self._expired.setdefault(ext, set()).add(device.key)
                    self._device_row(conn, at, ext, "expired", device, self._stamp(device.expires))
            self._keep_live(conn, ext, known, fresh, at)  # renewed: indexed by its new expiry
            if ext in listed:
                looked[ext] = listed[ext]
        self._looked = looked
        if len(self.expiry) > 4 * len(self.live) + 1024:
            self.expiry.rebuild(self.live)

    def _fail(self, conn: sqlite3.Connection, item: FailItem) -> None:
        self._ensure_session(conn, item.at)
        self._last_at = max(self._last_at, item.at)
        if self._failing != item.reason:
            conn.execute("INSERT INTO polls (t, ok, reason) VALUES (?, 0, ?)", (item.at, item.reason))
            self._failing = item.reason

    def _checkpoint(self, conn: sqlite3.Connection, at: float) -> None:
        """The whole board: [state, since, devices] per extension, and since when it has not
        answered pings as a fourth item when it does not."""
        data = {ext: ([c.state, c.since, c.devices] if c.unreachable is None
                      else [c.state, c.since, c.devices, c.unreachable])
                for ext, c in self.current.items()}
        blob = zlib.compress(json.dumps(data, separators=(",", ":")).encode("utf-8"), 6)
        conn.execute("INSERT OR REPLACE INTO checkpoints (t, data) VALUES (?, ?)", (at, blob))
        self._last_checkpoint = at

    def _stamp(self, ts: float) -> str:
        return datetime.fromtimestamp(ts, self.tz).strftime("%Y-%m-%d %H:%M:%S")
