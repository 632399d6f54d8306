"""Reading a history database: strips, timelines, the board at a past minute, availability.

One :class:`History` per database, safe to call from a worker thread (one read connection
behind a lock); every method is synchronous and never raises for a database fault (it answers
with nothing and sets :attr:`History.warning`). :func:`open_history` opens one for a profile,
as its writer when no other process is (``record=True``), else as a follower reading the
writer's live data.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
from collections.abc import Callable
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any, TypeVar

from . import queries, spans
from ..monitor.states import ExtensionState
from .db import CONTINUOUS_S, STATES_BY_CODE, HistoryFault, WriterLock, connect_reader, describe, history_path
from .model import Availability, BoardAt, DeviceChange, PollGap, RecordedEvent, StateChange, Strip
from .writer import EventItem, HistoryWriter

log = logging.getLogger("ccall_tui.recorder")
T = TypeVar("T")
ONLINE, UNKNOWN = queries.ONLINE, queries.UNKNOWN


class History:
    """The read API of one history database (and, for its writer, ``record_event``)."""

    def __init__(self, path: Path, tz: tzinfo, *, writer: HistoryWriter | None = None,
                 lock: WriterLock | None = None, warning: str | None = None) -> None:
        self.path = path
        self.tz = tz
        self.writer = writer
        self._lock_file = lock
        self._warning = warning
        self._conn: sqlite3.Connection | None = None
        self._inode: int | None = None
        self._mutex = threading.Lock()

    @property
    def writing(self) -> bool:
        """True when this process records into the database; False when it follows another."""
        return self.writer is not None and self.writer.fault is None

    @property
    def warning(self) -> str | None:
        """The one line about a fault (locked, unwritable, corrupt, full), or None."""
        if self.writer is not None and self.writer.warning:
            return self.writer.warning
        return self._warning

    def _dt(self, ts: float) -> datetime:
        return datetime.fromtimestamp(ts, self.tz)

    def _read(self, work: Callable[[sqlite3.Connection], T], empty: T) -> T:
        with self._mutex:
            try:
                conn = self._connection()
                if conn is None:
                    return empty
                return work(conn)
            except (sqlite3.Error, OSError, ValueError) as exc:  # ValueError: a damaged checkpoint
                self._drop()
                fault = describe(exc, self.path)
                if fault.message != self._warning:
                    self._warning = fault.message
                    log.warning("reading history: %s", fault.message)
                return empty

    def _connection(self) -> sqlite3.Connection | None:
        try:
            inode = os.stat(self.path).st_ino
        except OSError:
            self._drop()
            return None
        if self._conn is not None and inode != self._inode:  # moved aside: a new file now
            self._drop()
        if self._conn is None:
            self._conn = connect_reader(self.path)
            self._inode = inode
        return self._conn

    def _drop(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except sqlite3.Error:
                pass
            self._conn = None

    # ------------------------------------------------------------------ now

    def state_since(self, ext: str) -> tuple[Any, datetime] | None:
        """The extension's state now, and since when (None: the history never saw it); a since
        before a pause in the recording is the end of that pause (a lower bound)."""
        def work(conn: sqlite3.Connection) -> tuple[Any, datetime] | None:
            row = conn.execute("SELECT state, since FROM current WHERE ext = ?", (ext,)).fetchone()
            covered = _covered_from(conn, None)
            if not row or covered is None:
                return None
            return STATES_BY_CODE[row[0]], self._dt(max(row[1], covered))
        return self._read(work, None)

    def unreachable_since(self, ext: str) -> datetime | None:
        """Since when the extension, registered now, has not answered pings (None: it
        answers, or is not registered); a since before a pause in the recording is the end
        of that pause (a lower bound)."""
        def work(conn: sqlite3.Connection) -> datetime | None:
            row = conn.execute("SELECT unreachable FROM current WHERE ext = ? AND state = ?", (ext, ONLINE)).fetchone()
            covered = _covered_from(conn, None)
            if not row or row[0] is None or covered is None:
                return None
            return self._dt(max(row[0], covered))
        return self._read(work, None)

    def starts(self, now: datetime | None = None) -> dict[str, tuple[Any, datetime]]:
        """Every extension's latest recorded state and since when (to seed the board). A
        state first seen when recording began, or carried over a pause in the recording, has
        the start of the recording that reaches ``now`` as its since (see
        :meth:`inexact_starts`): what happened while nothing recorded is not known. With
        ``now`` and no recording reaching it, nothing is known: empty."""
        def work(conn: sqlite3.Connection) -> dict[str, tuple[Any, datetime]]:
            covered = _covered_from(conn, now)
            if covered is None:
                return {}
            return {ext: (STATES_BY_CODE[state], self._dt(max(since, covered)))
                    for ext, state, since in conn.execute("SELECT ext, state, since FROM current")}
        return self._read(work, {})

    def inexact_starts(self, now: datetime | None = None) -> set[str]:
        """Extensions whose since is only a lower bound: in that state when recording began,
        or carried over a pause in the recording."""
        def work(conn: sqlite3.Connection) -> set[str]:
            covered = _covered_from(conn, now)
            if covered is None:
                return set()
            return {ext for ext, since, exact in conn.execute("SELECT ext, since, exact FROM current")
                    if not exact or since < covered}
        return self._read(work, set())

    def first_record(self) -> datetime | None:
        row = self._read(lambda conn: conn.execute("SELECT min(start) FROM sessions").fetchone(), None)
        return self._dt(row[0]) if row and row[0] is not None else None

    # ------------------------------------------------------------------ one extension

    def _state_rows(self, conn: sqlite3.Connection, ext: str, start: float, end: float) -> list[tuple[float, int, int]]:
        return [(float(t), int(o), int(n)) for t, o, n in conn.execute(
            "SELECT t, old, new FROM states WHERE ext = ? AND t > ? AND t <= ? ORDER BY t", (ext, start, end))]

    def strip(self, ext: str, since: datetime, until: datetime, cells: int) -> Strip:
        """``cells`` slices of since..until, each the fraction of its recorded time online."""
        start, end = since.timestamp(), until.timestamp()
        cells = max(1, int(cells))
        empty = Strip([None] * cells, None, 0, since, until, [None] * cells)
        if end <= start:
            return empty

        def work(conn: sqlite3.Connection) -> Strip:
            cover = queries.covered(conn, start, end)
            base = queries.state_at(conn, ext, start)
            rows = self._state_rows(conn, ext, start, end)
            segs = queries.segments(base[0] if base else None, [(t, n) for t, _o, n in rows], start, end)
            known = spans.intersect(spans.merge([(a, b) for a, b, _s in segs]), cover)
            registered = queries.online_spans(segs)
            online = spans.intersect(registered, cover)
            unreachable = spans.intersect(spans.merge(queries.unreachable_spans(
                registered, queries.unreachable_at(conn, ext, start, base),
                queries.reach_rows(conn, ext, start, end), start)), cover)
            seen = spans.per_cell(known, start, end, cells)
            up = spans.per_cell(online, start, end, cells)
            down = spans.per_cell(unreachable, start, end, cells)
            values: list[float | None] = [
                (min(1.0, u / s) if s > 0 else None) for u, s in zip(up, seen)]
            unanswered: list[float | None] = [
                (min(1.0, d / s) if s > 0 else None) for d, s in zip(down, seen)]
            total = spans.total(known)
            pct = 100.0 * spans.total(online) / total if total > 0 else None
            unreachable_pct = 100.0 * spans.total(unreachable) / total if total > 0 else None
            return Strip(values, pct, queries.flaps(rows), since, until, unanswered, unreachable_pct)
        return self._read(work, empty)

    def timeline(self, ext: str, since: datetime, until: datetime) -> list[DeviceChange]:
        """The extension's device changes (appeared, left, address, agent...), oldest first."""
        def work(conn: sqlite3.Connection) -> list[DeviceChange]:
            return [DeviceChange(self._dt(t), ext, kind, agent, ip, port, transport, detail)
                    for t, kind, agent, ip, port, transport, detail in conn.execute(
                        "SELECT t, kind, agent, ip, port, transport, detail FROM devices "
                        "WHERE ext = ? AND t >= ? AND t <= ? ORDER BY t, rowid",
                        (ext, since.timestamp(), until.timestamp()))]
        return self._read(work, [])

    # ------------------------------------------------------------------ the whole board

    def board_at(self, at: datetime) -> BoardAt:
        """The board as it was at ``at`` (``known`` False when nothing was recording then)."""
        ts = at.timestamp()
        unknown = BoardAt(at, {}, {}, {}, False, False)

        def work(conn: sqlite3.Connection) -> BoardAt:
            if not conn.execute("SELECT 1 FROM sessions WHERE start <= ? AND last >= ?", (ts, ts)).fetchone():
                return unknown
            board = queries.board_at(conn, ts)
            gaps = queries.failing(conn, ts, ts)
            polling_ok = not any(a <= ts and (b is None or b > ts) for a, b, _r in gaps)
            states = {ext: STATES_BY_CODE[e[0]] for ext, e in board.items() if e[0] != UNKNOWN}
            return BoardAt(
                at, states, {ext: self._dt(board[ext][1]) for ext in states},
                {ext: int(board[ext][2]) for ext in states}, polling_ok, True,
                online=sum(1 for e in board.values() if e[0] == ONLINE),
                unreachable=frozenset(ext for ext in states if queries.unreachable_since(board[ext]) is not None),
            )
        return self._read(work, unknown)

    def changes(self, since: datetime, until: datetime, extension: str | None = None, *,
                reachability: bool = False) -> list[StateChange]:
        """State changes in the range (oldest first); the first sight of an extension is not one.
        With ``reachability``, also a registered extension that stopped answering pings
        (online -> unreachable) or answers again (unreachable -> online)."""
        sql = "SELECT t, ext, old, new FROM states WHERE t >= ? AND t <= ? AND old != new AND old != ?"
        params: list[Any] = [since.timestamp(), until.timestamp(), UNKNOWN]
        # (not at an extension's first sight: it is no change, like the state then)
        reach_sql = ("SELECT t, ext, unreachable FROM reach r WHERE t >= ? AND t <= ? AND NOT EXISTS "
                     "(SELECT 1 FROM states s WHERE s.ext = r.ext AND s.t = r.t AND s.old = 0)")
        reach_params: list[Any] = [since.timestamp(), until.timestamp()]
        if extension is not None:
            sql += " AND ext = ?"
            params.append(extension)
            reach_sql += " AND r.ext = ?"
            reach_params.append(extension)

        def work(conn: sqlite3.Connection) -> list[StateChange]:
            found = [StateChange(self._dt(t), ext, STATES_BY_CODE[o], STATES_BY_CODE[n])
                     for t, ext, o, n in conn.execute(sql + " ORDER BY t, rowid", params)]
            if not reachability:
                return found
            online, unreachable = STATES_BY_CODE[ONLINE], ExtensionState.UNREACHABLE
            found += [StateChange(self._dt(t), ext, online, unreachable) if flag
                      else StateChange(self._dt(t), ext, unreachable, online)
                      for t, ext, flag in conn.execute(reach_sql + " ORDER BY t, rowid", reach_params)]
            return sorted(found, key=lambda change: change.at)  # (stable: a state before its reachability)
        return self._read(work, [])

    def availability(self, since: datetime, until: datetime) -> list[Availability]:
        """Per extension over the range: uptime, flaps, longest outage (number order)."""
        start, end = since.timestamp(), until.timestamp()

        def work(conn: sqlite3.Connection) -> list[Availability]:
            cover = queries.covered(conn, start, end)
            base = queries.board_at(conn, start)
            rows: dict[str, list[tuple[float, int, int]]] = {}
            for t, ext, o, n in conn.execute(
                    "SELECT t, ext, old, new FROM states WHERE t > ? AND t <= ? ORDER BY t", (start, end)):
                rows.setdefault(ext, []).append((float(t), int(o), int(n)))
            reach: dict[str, list[tuple[float, int]]] = {}
            for t, ext, flag in conn.execute(
                    "SELECT t, ext, unreachable FROM reach WHERE t > ? AND t <= ? ORDER BY t", (start, end)):
                reach.setdefault(ext, []).append((float(t), int(flag)))
            out = []
            for ext in sorted(set(base) | set(rows), key=_number_key):
                ext_rows = rows.get(ext, [])
                first = base.get(ext)
                segs = queries.segments(first[0] if first else None, [(t, n) for t, _o, n in ext_rows], start, end)
                known = spans.intersect(spans.merge([(a, b) for a, b, s in segs if s != UNKNOWN]), cover)
                online = spans.intersect(queries.online_spans(segs), cover)
                observed, up = spans.total(known), spans.total(online)
                longest, longest_at = queries.longest_outage(segs, cover)
                unreachable = spans.total(spans.intersect(spans.merge(queries.unreachable_spans(
                    queries.online_spans(segs), queries.unreachable_since(first) is not None,
                    reach.get(ext, []), start)), cover))
                out.append(Availability(
                    ext, 100.0 * up / observed if observed > 0 else None, queries.flaps(ext_rows), longest,
                    self._dt(longest_at) if longest_at is not None else None, up, observed, unreachable))
            return out
        return self._read(work, [])

    def online_counts(self, since: datetime, until: datetime) -> list[tuple[datetime, int]]:
        """Online extensions once a minute, as the header counts them: registered and
        answering pings (minutes recorded before the history kept the unreachable count:
        registered)."""
        def work(conn: sqlite3.Connection) -> list[tuple[datetime, int]]:
            return [(self._dt(t), int(n)) for t, n in conn.execute(
                "SELECT t, online - coalesce(unreachable, 0) FROM counts WHERE t >= ? AND t <= ? ORDER BY t",
                (since.timestamp(), until.timestamp()))]
        return self._read(work, [])

    def poll_gaps(self, since: datetime, until: datetime) -> list[PollGap]:
        """Stretches without good answers (reasons as the feed gave them) and stretches when
        nothing was recording (``"not recording"``), oldest first."""
        start, end = since.timestamp(), until.timestamp()

        def work(conn: sqlite3.Connection) -> list[PollGap]:
            gaps = [PollGap(self._dt(a), self._dt(b) if b is not None else None, r)
                    for a, b, r in queries.failing(conn, start, end)]
            recorded = queries.sessions(conn, start, end)
            first = conn.execute("SELECT min(start) FROM sessions").fetchone()[0]
            lower = max(start, float(first)) if first is not None else end
            for a, b in spans.subtract([(lower, end)], recorded):
                if b < end or not recorded:  # the stretch up to now is not a gap yet
                    gaps.append(PollGap(self._dt(a), self._dt(b), "not recording"))
            return sorted(gaps, key=lambda g: g.start)
        return self._read(work, [])

    # ------------------------------------------------------------------ generic events

    def record_event(self, kind: str, at: datetime, extension: str | None, payload: dict[str, Any]) -> bool:
        """Queue one event (alerts...) for the writer; False from a follower (nothing queued)."""
        if not self.writing or self.writer is None:
            return False
        self.writer.submit(EventItem(at.timestamp(), kind, extension, json.dumps(payload, ensure_ascii=False, default=str)))
        return True

    def events(self, since: datetime, until: datetime, kind: str | None = None) -> list[RecordedEvent]:
        sql = "SELECT t, kind, ext, payload FROM events WHERE t >= ? AND t <= ?"
        params: list[Any] = [since.timestamp(), until.timestamp()]
        if kind is not None:
            sql += " AND kind = ?"
            params.append(kind)

        def work(conn: sqlite3.Connection) -> list[RecordedEvent]:
            return [RecordedEvent(self._dt(t), k, ext, json.loads(p)) for t, k, ext, p in conn.execute(sql + " ORDER BY t, id", params)]
        return self._read(work, [])

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until what this process queued is written (no-op for a follower)."""
        return self.writer.flush(timeout) if self.writer is not None else True

    def close(self) -> None:
        """Write what is queued, end the session, release the writer lock."""
        if self.writer is not None:
            self.writer.close()
        if self._lock_file is not None:
            self._lock_file.release()
        with self._mutex:
            self._drop()


def _number_key(ext: str) -> tuple[int, int | str]:
    return (0, int(ext)) if ext.isdigit() else (1, ext)


def open_history(
    profile: Any, *, demo: bool = False, root: Path | None = None, record: bool = False,
    clock: Callable[[], datetime] | None = None, on_problem: Callable[[str], None] | None = None,
) -> History:
    """The history of ``profile`` on its server (the demo's own with ``demo``). With
    ``record``, this process becomes its writer unless another one already is (then it
    follows). Opening the file happens on the writer thread; call this off the UI loop."""
    path = history_path(profile.name, profile.base_url, getattr(profile, "domain_name", None), demo=demo, root=root)
    tz = profile.timezone
    if not record:
        return History(path, tz)
    lock = WriterLock(path)
    try:
        owner = lock.acquire()
    except OSError as exc:
        fault = describe(exc, path)
        log.warning("%s", fault.message)
        if on_problem is not None:
            on_problem(fault.message)
        return History(path, tz, warning=fault.message)
    if not owner:
        log.info("another program records %s: following it", path)
        return History(path, tz)
    wall = (lambda: clock().timestamp()) if clock is not None else None
    writer = HistoryWriter(
        path, history_days=float(getattr(profile, "history_days", 30.0)),
        max_mb=float(getattr(profile, "history_max_mb", 500.0)), on_problem=on_problem, tz=tz,
        **({"wall_clock": wall} if wall is not None else {}),
    )
    writer.start()
    return History(path, tz, writer=writer, lock=lock)


__all__ = ["History", "HistoryFault", "open_history"]


def _covered_from(conn: sqlite3.Connection, now: datetime | None) -> float | None:
    """Where the latest unbroken stretch of recording began (sessions less than
    CONTINUOUS_S apart), or None when there is none, or it ended long before ``now``."""
    rows = conn.execute("SELECT start, last FROM sessions ORDER BY start DESC").fetchall()
    if not rows:
        return None
    start, last = rows[0]
    if now is not None and now.timestamp() - last > CONTINUOUS_S:
        return None
    for earlier_start, earlier_last in rows[1:]:
        if start - earlier_last > CONTINUOUS_S:
            break
        start = earlier_start
    return float(start)
