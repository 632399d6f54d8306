"""Retention: rows older than ``history_days``, then whole oldest days while the database is
over its size cap. A checkpoint is kept at the new floor, so the oldest minute kept can still
be rebuilt; freed pages go back to the file system (incremental vacuum)."""

from __future__ import annotations

import sqlite3

DAY_S = 86400.0
TABLES = ("states", "reach", "devices", "polls", "counts", "events")


def prune(conn: sqlite3.Connection, now: float, days: float, max_bytes: int) -> None:
    prune_before(conn, now - days * DAY_S)
    for _step in range(3660):
        if used_bytes(conn) <= max_bytes:
            break
        row = conn.execute("SELECT min(t) FROM checkpoints").fetchone()
        oldest = row[0] if row and row[0] is not None else None
        if oldest is None:
            break
        later = conn.execute("SELECT min(t) FROM checkpoints WHERE t >= ?", (float(oldest) + DAY_S,)).fetchone()
        if later is None or later[0] is None:
            break
        prune_before(conn, float(later[0]))
    conn.execute("PRAGMA incremental_vacuum")


def prune_before(conn: sqlite3.Connection, cutoff: float) -> None:
    """Forget what happened before the last checkpoint at or before ``cutoff``."""
    row = conn.execute("SELECT max(t) FROM checkpoints WHERE t <= ?", (cutoff,)).fetchone()
    floor = row[0] if row and row[0] is not None else None
    if floor is None:
        return
    conn.execute("BEGIN")
    for table in TABLES:
        conn.execute(f"DELETE FROM {table} WHERE t < ?", (floor,))
    conn.execute("DELETE FROM checkpoints WHERE t < ?", (floor,))
    conn.execute("DELETE FROM sessions WHERE last < ?", (floor,))
    conn.execute("UPDATE sessions SET start = ? WHERE start < ?", (floor, floor))
    conn.execute("COMMIT")


def used_bytes(conn: sqlite3.Connection) -> int:
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    free = conn.execute("PRAGMA freelist_count").fetchone()[0]
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    return int((pages - free) * size)
