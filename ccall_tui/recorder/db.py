"""The history database file: where it lives, its schema and migrations, the one-writer lock,
and what a fault (locked, unwritable, corrupt, full) turns into.

Times are stored as Unix seconds (REAL); states as small integers (:data:`STATE_CODES`).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import sqlite3
import time
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import IO

import platformdirs

from ..i18n import _
from ..monitor.states import ExtensionState
from ..paths import APP_NAME
from ..state import namespace_dir

log = logging.getLogger("ccall_tui.recorder")

DB_NAME = "history.sqlite"
SCHEMA_VERSION = 4

STATE_CODES: dict[ExtensionState, int] = {
    ExtensionState.UNKNOWN: 0,
    ExtensionState.ONLINE: 1,
    ExtensionState.OFFLINE: 2,
    ExtensionState.NEVER_SEEN: 3,
}
STATES_BY_CODE: dict[int, ExtensionState] = {code: state for state, code in STATE_CODES.items()}

# Version 1: everything but the generic event table (alerts). Kept as SQL so the migration
# test can build a version-1 file exactly as it was.
SCHEMA_V1 = """
CREATE TABLE schema_version (version INTEGER NOT NULL);
CREATE TABLE sessions (id INTEGER PRIMARY KEY, start REAL NOT NULL, last REAL NOT NULL,
                       ended INTEGER NOT NULL DEFAULT 0);
CREATE TABLE states (t REAL NOT NULL, ext TEXT NOT NULL, old INTEGER NOT NULL,
                     new INTEGER NOT NULL, devices INTEGER NOT NULL);
CREATE INDEX states_ext_t ON states (ext, t);
CREATE INDEX states_t ON states (t);
CREATE TABLE devices (t REAL NOT NULL, ext TEXT NOT NULL, kind TEXT NOT NULL, agent TEXT,
                      ip TEXT, port INTEGER, transport TEXT, detail TEXT);
CREATE INDEX devices_ext_t ON devices (ext, t);
CREATE INDEX devices_t ON devices (t);
CREATE TABLE polls (t REAL NOT NULL, ok INTEGER NOT NULL, reason TEXT);
CREATE INDEX polls_t ON polls (t);
CREATE TABLE counts (t REAL PRIMARY KEY, online INTEGER NOT NULL, total INTEGER NOT NULL);
CREATE TABLE checkpoints (t REAL PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE current (ext TEXT PRIMARY KEY, state INTEGER NOT NULL, since REAL NOT NULL,
                      exact INTEGER NOT NULL, devices INTEGER NOT NULL);
CREATE TABLE live_devices (ext TEXT NOT NULL, key TEXT NOT NULL, agent TEXT, ip TEXT,
                           port INTEGER, transport TEXT, ping TEXT, expires REAL,
                           PRIMARY KEY (ext, key));
"""

# Each step takes the database from version N to N + 1.
MIGRATIONS: dict[int, str] = {
    1: """
CREATE TABLE events (id INTEGER PRIMARY KEY, t REAL NOT NULL, kind TEXT NOT NULL, ext TEXT,
                     payload TEXT NOT NULL);
CREATE INDEX events_t ON events (t);
""",
    # Reachability: a registered extension that stops (1) or starts (0) answering pings, as
    # the board judged it; ``current.unreachable`` since when it has not (NULL: it answers).
    2: """
CREATE TABLE reach (t REAL NOT NULL, ext TEXT NOT NULL, unreachable INTEGER NOT NULL);
CREATE INDEX reach_ext_t ON reach (ext, t);
CREATE INDEX reach_t ON reach (t);
ALTER TABLE current ADD COLUMN unreachable REAL;
""",
    # The minute's count: how many of the online (registered) extensions were not answering
    # pings, so the count reads as the header's (registered and answering). NULL in the
    # minutes recorded before: those count every registered extension.
    3: """
ALTER TABLE counts ADD COLUMN unreachable INTEGER;
""",
}


class HistoryFault(Exception):
    """The history cannot be used; ``message`` is the one line for the user."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind


def history_root(env: Mapping[str, str] | None = None) -> Path:
    """Where histories live: ``$CCALL_DATA_DIR``; else beside the state (``$CCALL_STATE_DIR``)
    when that was moved; else the platform's user data dir."""
    env = os.environ if env is None else env
    for name in ("CCALL_DATA_DIR", "CCALL_STATE_DIR"):
        override = env.get(name, "").strip()
        if override:
            return Path(override).expanduser()
    return platformdirs.user_data_path(APP_NAME)


def history_path(
    profile_name: str, base_url: str, domain_name: str | None = None, *, demo: bool = False,
    root: Path | None = None,
) -> Path:
    """The database of one profile on one server (the demo has its own)."""
    folder = namespace_dir(root if root is not None else history_root(), profile_name, base_url, domain_name, demo=demo)
    return folder / DB_NAME


def to_ts(moment: datetime) -> float:
    return moment.timestamp()


# ---------------------------------------------------------------------- faults


def describe(exc: BaseException, path: Path) -> HistoryFault:
    """The one line (and kind) for a database or file error."""
    text = str(exc).lower()
    if isinstance(exc, sqlite3.DatabaseError) and ("malformed" in text or "not a database" in text):
        return HistoryFault(_("History file {path} is damaged: moved aside, a new one started").format(path=path), "corrupt")
    if "full" in text or getattr(exc, "errno", None) == 28:
        return HistoryFault(_("History stopped: the disk is full ({path})").format(path=path), "full")
    if "locked" in text or "busy" in text:
        return HistoryFault(_("History stopped: the database is locked ({path})").format(path=path), "locked")
    if isinstance(exc, PermissionError) or "readonly" in text or "read-only" in text or "unable to open" in text \
            or "permission" in text:
        return HistoryFault(_("History stopped: cannot write {path}").format(path=path), "unwritable")
    reason = getattr(exc, "strerror", None) or type(exc).__name__
    return HistoryFault(_("History stopped: {reason} ({path})").format(reason=reason, path=path), "error")


def move_aside(path: Path) -> Path | None:
    """Rename a damaged database (and its WAL) to ``<name>.corrupt-<time>``; never delete."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    try:
        os.replace(path, target)
    except OSError:
        return None
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        with contextlib.suppress(OSError):
            if side.exists():
                os.replace(side, target.with_name(target.name + suffix))
    log.warning("damaged history moved aside to %s", target)
    return target


# ---------------------------------------------------------------------- lock


class WriterLock:
    """The one-writer lock: ``<db>.lock`` held with ``flock`` for as long as this object lives."""

    def __init__(self, path: Path) -> None:
        self.path = path.with_name(path.name + ".lock")
        self._handle: IO[str] | None = None

    def acquire(self) -> bool:
        """True if this process is now the writer; False if another one is."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+", encoding="utf-8")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._handle = handle
        return True

    def release(self) -> None:
        if self._handle is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._handle.fileno(), fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None


# ---------------------------------------------------------------------- connections


def _version(conn: sqlite3.Connection) -> int:
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "schema_version" not in tables:
        return 0
    row = conn.execute("SELECT version FROM schema_version").fetchone()
    return int(row[0]) if row else 0


def migrate(conn: sqlite3.Connection) -> int:
    """Create or upgrade the schema to :data:`SCHEMA_VERSION`; returns the version found."""
    found = _version(conn)
    if found > SCHEMA_VERSION:
        raise HistoryFault(
            _("The history file is version {version}, newer than this program reads: not touched").format(version=found), "newer")
    if found == SCHEMA_VERSION:
        return found
    with conn:
        if found == 0:
            conn.executescript("BEGIN;" + SCHEMA_V1 + "INSERT INTO schema_version VALUES (1); COMMIT;")
            found_now = 1
        else:
            found_now = found
        for step in range(found_now, SCHEMA_VERSION):
            conn.executescript("BEGIN;" + MIGRATIONS[step] + f"UPDATE schema_version SET version = {step + 1}; COMMIT;")
    return found


def connect_writer(path: Path) -> sqlite3.Connection:
    """The writer's connection (WAL, schema up to date). Raises sqlite3/OS errors as they come."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fresh = not path.exists() or path.stat().st_size == 0
    conn = sqlite3.connect(path, timeout=5.0, isolation_level=None, check_same_thread=False)
    try:
        if fresh:
            conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
        conn.execute("PRAGMA journal_mode = WAL")
        # A commit is durable once in the WAL; a crash loses at most the transaction in flight.
        conn.execute("PRAGMA synchronous = NORMAL")
        migrate(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def connect_reader(path: Path) -> sqlite3.Connection | None:
    """A read-only connection, or None while the file does not exist yet."""
    if not path.exists():
        return None
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5.0, isolation_level=None,
                           check_same_thread=False)
    try:
        if _version(conn) < SCHEMA_VERSION:
            conn.close()
            return None  # the writer migrates it; read once it has
    except BaseException:
        conn.close()
        raise
    return conn


# A pause in the recording shorter than this (an app restarted, a recorder replaced) keeps
# time in state; across a longer one the state between is not known.
CONTINUOUS_S = 120.0
