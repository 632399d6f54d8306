"""The reads behind :class:`~ccall_tui.recorder.history.History`, on one connection, in Unix
seconds and state codes (the history turns them into the model's datetimes and states)."""

from __future__ import annotations

import json
import sqlite3
import zlib
from typing import Any

from . import spans
from ..monitor.states import ExtensionState
from .db import STATE_CODES
from .spans import Span

ONLINE = STATE_CODES[ExtensionState.ONLINE]
OFFLINE = STATE_CODES[ExtensionState.OFFLINE]
UNKNOWN = STATE_CODES[ExtensionState.UNKNOWN]

# extension -> [state, since, devices]
Board = dict[str, list[Any]]


def sessions(conn: sqlite3.Connection, start: float, end: float) -> list[Span]:
    rows = conn.execute("SELECT start, last FROM sessions WHERE last >= ? AND start <= ? ORDER BY start",
                        (start, end)).fetchall()
    return spans.merge(spans.clip([(float(a), float(b)) for a, b in rows], start, end))


def failing(conn: sqlite3.Connection, start: float, end: float) -> list[tuple[float, float | None, str]]:
    """(start, end or None, reason) of every stretch of failing polls touching the range; a
    stretch ends with the next good poll or with the end of its recording session."""
    before = conn.execute("SELECT t, ok, reason FROM polls WHERE t < ? ORDER BY t DESC LIMIT 1", (start,)).fetchone()
    rows = ([before] if before is not None else []) + conn.execute(
        "SELECT t, ok, reason FROM polls WHERE t >= ? AND t <= ? ORDER BY t", (start, end)).fetchall()
    out: list[tuple[float, float | None, str]] = []
    open_at: float | None = None
    reason = ""
    for t, ok, why in rows:
        if not ok and open_at is None:
            open_at, reason = float(t), why or ""
        elif ok and open_at is not None:
            out.append((open_at, float(t), reason))
            open_at = None
    if open_at is not None:
        out.append((open_at, _session_end(conn, open_at), reason))
    return [g for g in out if g[1] is None or g[1] > start]


def _session_end(conn: sqlite3.Connection, at: float) -> float | None:
    """When the recording session around ``at`` ended (None: it is still recording)."""
    row = conn.execute("SELECT id, last, ended FROM sessions WHERE start <= ? AND last >= ? ORDER BY start DESC LIMIT 1",
                       (at, at)).fetchone()
    if row is None:
        return at
    later = conn.execute("SELECT 1 FROM sessions WHERE id > ?", (row[0],)).fetchone()
    return float(row[1]) if row[2] or later is not None else None


def covered(conn: sqlite3.Connection, start: float, end: float) -> list[Span]:
    """When the history knows the board: recording, with polls answering."""
    gaps = [(a, b if b is not None else end) for a, b, _r in failing(conn, start, end)]
    return spans.subtract(sessions(conn, start, end), spans.merge(spans.clip(gaps, start, end)))


def checkpoint_before(conn: sqlite3.Connection, at: float) -> tuple[float, Board] | None:
    row = conn.execute("SELECT t, data FROM checkpoints WHERE t <= ? ORDER BY t DESC LIMIT 1", (at,)).fetchone()
    if row is None:
        return None
    board: Board = json.loads(zlib.decompress(row[1]))
    return float(row[0]), board


def board_at(conn: sqlite3.Connection, at: float) -> Board:
    """Every extension's [state, since, devices] at ``at``, with since when it had not
    answered pings as a fourth item when it had not: the checkpoint before it, then the
    rows since."""
    found = checkpoint_before(conn, at)
    board: Board = {}
    start = float("-inf")
    if found is not None:
        start, board = found
    for t, ext, _old, new, devices in conn.execute(
        "SELECT t, ext, old, new, devices FROM states WHERE t > ? AND t <= ? ORDER BY t", (start, at)
    ):
        entry = board.get(ext)
        if entry is None or entry[0] != new:
            board[ext] = [new, t, devices]  # (a new state answers pings until a row says not)
        else:
            entry[2] = devices
    for t, ext, flag in conn.execute(
        "SELECT t, ext, unreachable FROM reach WHERE t > ? AND t <= ? ORDER BY t", (start, at)
    ):
        entry = board.get(ext)
        if entry is None or entry[0] != ONLINE or t < entry[1]:
            continue  # said of an earlier time online
        del entry[3:]
        if flag:
            entry.append(t)
    return board


def unreachable_since(entry: list[Any] | None) -> float | None:
    """Since when a board entry (see :func:`board_at`) had not answered pings, or None."""
    return entry[3] if entry is not None and len(entry) > 3 and entry[0] == ONLINE else None


def reach_rows(conn: sqlite3.Connection, ext: str, start: float, end: float) -> list[tuple[float, int]]:
    return [(float(t), int(f)) for t, f in conn.execute(
        "SELECT t, unreachable FROM reach WHERE ext = ? AND t > ? AND t <= ? ORDER BY t", (ext, start, end))]


def unreachable_at(conn: sqlite3.Connection, ext: str, at: float, state: tuple[int, float] | None) -> bool:
    """Whether ``ext``, in ``state`` (state, since) at ``at``, was registered and not
    answering pings then: the latest row since it came online, else (rows older than the
    oldest checkpoint are pruned) that checkpoint's word."""
    if state is None or state[0] != ONLINE:
        return False
    began = conn.execute("SELECT t FROM states WHERE ext = ? AND t <= ? AND new != old ORDER BY t DESC LIMIT 1",
                         (ext, at)).fetchone()
    # (a row of its devices is not a start; no start kept: every row kept is of this stretch)
    since = float(began[0]) if began is not None else float("-inf")
    row = conn.execute("SELECT t, unreachable FROM reach WHERE ext = ? AND t <= ? ORDER BY t DESC LIMIT 1",
                       (ext, at)).fetchone()
    if row is not None and row[0] >= since:
        return bool(row[1])
    floor = conn.execute("SELECT min(t) FROM checkpoints").fetchone()
    if floor is None or floor[0] is None or since >= floor[0]:
        return False  # every row since it came online is kept: none said so
    found = checkpoint_before(conn, at)
    entry = found[1].get(ext) if found is not None else None
    return (entry is not None and (began is None or entry[1] == since)
            and unreachable_since(entry) is not None)


def unreachable_spans(online: list[Span], base: bool, rows: list[tuple[float, int]], start: float) -> list[Span]:
    """When, within the ``online`` stretches (merged), the extension did not answer pings:
    ``base`` at ``start`` for a stretch already under way then, else answering until a row
    (t, unreachable) says otherwise; a stretch's end ends it."""
    out: list[Span] = []
    i = 0
    for a, b in online:
        flag = base if a <= start else False
        began = a
        while i < len(rows) and rows[i][0] < a:
            i += 1
        while i < len(rows) and rows[i][0] < b:
            t, now = rows[i][0], bool(rows[i][1])
            if flag and not now:
                out.append((began, t))
            elif now and not flag:
                began = t
            flag = now
            i += 1
        if flag and b > began:
            out.append((began, b))
    return out


def state_at(conn: sqlite3.Connection, ext: str, at: float) -> tuple[int, float] | None:
    """(state, since) of one extension at ``at``."""
    row = conn.execute("SELECT new, t FROM states WHERE ext = ? AND t <= ? ORDER BY t DESC LIMIT 1",
                       (ext, at)).fetchone()
    if row is not None:
        return int(row[0]), float(row[1])
    found = checkpoint_before(conn, at) or _first_checkpoint(conn)
    if found is not None and ext in found[1]:
        entry = found[1][ext]
        return int(entry[0]), float(entry[1])
    return None


def _first_checkpoint(conn: sqlite3.Connection) -> tuple[float, Board] | None:
    row = conn.execute("SELECT t, data FROM checkpoints ORDER BY t LIMIT 1").fetchone()
    if row is None:
        return None
    return float(row[0]), json.loads(zlib.decompress(row[1]))


def segments(base: int | None, rows: list[tuple[float, int]], start: float, end: float) -> list[tuple[float, float, int]]:
    """(from, to, state) over ``start``..``end`` from the state at ``start`` and the rows after."""
    out: list[tuple[float, float, int]] = []
    state, at = base, start
    for t, new in rows:
        if state is not None and t > at:
            out.append((at, t, state))
        state, at = new, max(t, start)
    if state is not None and end > at:
        out.append((at, end, state))
    return out


def online_spans(segs: list[tuple[float, float, int]]) -> list[Span]:
    return spans.merge([(a, b) for a, b, s in segs if s == ONLINE])


def flaps(rows: list[tuple[float, int, int]]) -> int:
    """How many times the extension went from online to offline."""
    return sum(1 for _t, old, new in rows if old == ONLINE and new == OFFLINE)


def longest_outage(segs: list[tuple[float, float, int]], cover: list[Span]) -> tuple[float, float | None]:
    """(seconds, start) of the longest offline stretch the history saw."""
    best, best_at = 0.0, None
    for a, b, s in segs:
        if s != OFFLINE:
            continue
        seen = spans.intersect([(a, b)], cover)
        length = spans.total(seen)
        if length > best and seen:
            best, best_at = length, seen[0][0]
    return best, best_at
