"""The extensions seen online before, remembered per profile and server (``seen.json``).

The registrations endpoint lists only the phones online right now, so the board remembers which
extensions it has seen, and when it last saw each one. What is remembered stays honest:

* every extension carries its last-seen time and is forgotten ``forget_after_days`` after it;
* the set is capped (the most recently seen are kept);
* several instances may share one folder: every write reads the file again under a lock file
  and merges (the latest last-seen time wins), so no instance loses another's extensions;
* forgetting is explicit and survives merges: a forgotten extension keeps a *forgotten at*
  time (a tombstone), and clearing everything keeps a *cleared at* time, so an instance that
  still holds an older copy cannot write it back. Seen again later, it is remembered again.

File format, version 2 (version 1, a plain list of numbers, is read: its extensions count as
seen when the file was last written)::

    {"version": 2,
     "extensions": {"101": "2026-11-27T10:30:00+07:00", ...},
     "forgotten": {"120": "2026-11-27T11:00:00+07:00"},
     "cleared_at": null}
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from ..state import atomic_write_json, load_json

SEEN_FILE = "seen.json"
LOCK_FILE = "seen.lock"
SEEN_FILE_VERSION = 2
FORGET_AFTER_DAYS = 30.0
# At least this many extensions are remembered; more when the configured roster is large.
MIN_LIMIT = 5000
# How long a write waits for another instance's lock before writing without it.
LOCK_WAIT_S = 3.0

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows: best effort without a lock
    fcntl = None  # type: ignore[assignment]


def remember_limit(roster_size: int) -> int:
    """How many extensions are remembered at most: ``max(5000, 2 × roster)``."""
    return max(MIN_LIMIT, 2 * max(roster_size, 0))


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def _times(data: Any) -> dict[str, datetime]:
    result: dict[str, datetime] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            moment = _parse_time(value)
            if moment is not None and str(key).strip():
                result[str(key).strip()] = moment
    return result


@dataclass
class SeenFile:
    """What one ``seen.json`` holds."""

    extensions: dict[str, datetime] = field(default_factory=dict)
    forgotten: dict[str, datetime] = field(default_factory=dict)
    cleared_at: datetime | None = None

    def to_json(self, sort_key: Any) -> dict[str, Any]:
        return {
            "version": SEEN_FILE_VERSION,
            "extensions": {ext: self.extensions[ext].isoformat() for ext in sorted(self.extensions, key=sort_key)},
            "forgotten": {ext: self.forgotten[ext].isoformat() for ext in sorted(self.forgotten, key=sort_key)},
            "cleared_at": self.cleared_at.isoformat() if self.cleared_at else None,
        }


def parse_seen_file(data: Any, written_at: datetime) -> SeenFile:
    """Version 2, or version 1 (its extensions count as seen at ``written_at``); garbage is
    an empty file."""
    if isinstance(data, list) or (isinstance(data, dict) and isinstance(data.get("extensions"), list)):
        items = data if isinstance(data, list) else data["extensions"]
        return SeenFile(
            {str(item).strip(): written_at for item in items if isinstance(item, (str, int)) and str(item).strip()}
        )
    if not isinstance(data, dict):
        return SeenFile()
    return SeenFile(
        _times(data.get("extensions")), _times(data.get("forgotten")), _parse_time(data.get("cleared_at"))
    )


@contextlib.contextmanager
def file_lock(path: Path, wait: float = LOCK_WAIT_S) -> Iterator[bool]:
    """An exclusive lock on ``path`` between processes (True when held). Best effort: where
    there is no ``fcntl``, or the lock cannot be had within ``wait`` seconds, the caller goes
    on without it rather than hang a wall."""
    if fcntl is None:
        yield False
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        yield False
        return
    held = False
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                held = True
                break
            except OSError:
                if time.monotonic() >= deadline:
                    break
                time.sleep(0.02)
        yield held
    finally:
        if held:
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


class SeenStore:
    """The remembered extensions of one namespace folder (None: remember nothing)."""

    def __init__(
        self,
        directory: Path | str | None,
        *,
        forget_after_days: float = FORGET_AFTER_DAYS,
        limit: int = MIN_LIMIT,
    ) -> None:
        self.directory = Path(directory) if directory is not None else None
        self.forget_after = timedelta(days=max(float(forget_after_days), 0.0))
        self.limit = max(int(limit), 1)
        self._on_disk: SeenFile | None = None

    @property
    def path(self) -> Path | None:
        return self.directory / SEEN_FILE if self.directory is not None else None

    @property
    def lock_path(self) -> Path | None:
        return self.directory / LOCK_FILE if self.directory is not None else None

    # ------------------------------------------------------------------ reading

    def read_file(self, now: datetime) -> SeenFile:
        """The file as it is (expired entries included); empty when missing or unreadable."""
        if self.path is None:
            return SeenFile()
        try:
            written = datetime.fromtimestamp(self.path.stat().st_mtime, now.tzinfo)
        except OSError:
            return SeenFile()
        return parse_seen_file(load_json(self.path, {}), written)

    def forgotten_extensions(self, now: datetime) -> frozenset[str]:
        """The extensions forgotten on purpose and not seen online since (for every instance):
        what only a registration may bring back, never a call record."""
        return frozenset(self._tidy(self.read_file(now), now).forgotten)

    def load(self, now: datetime) -> dict[str, datetime]:
        """Extension -> last seen, without the forgotten, expired or over-the-cap ones."""
        current = self._tidy(self.read_file(now), now)
        self._on_disk = current
        return dict(current.extensions)

    # ------------------------------------------------------------------ writing

    def save(self, seen: Mapping[str, datetime], now: datetime) -> dict[str, datetime]:
        """Merge ``seen`` into the file (read again under the lock) and write it if that
        changed anything; returns what is remembered now, for every instance.

        Raises :class:`ccall_tui.state.StateError` (one line) when the disk refuses.
        """
        return self._update(now, seen=seen)

    def forget(self, extensions: Iterable[str], now: datetime) -> dict[str, datetime]:
        """Forget ``extensions`` now, for every instance sharing the folder."""
        return self._update(now, forget=list(extensions))

    def clear(self, now: datetime) -> int:
        """Forget everything remembered so far; returns how many extensions that was."""
        before = len(self._tidy(self.read_file(now), now).extensions)
        self._update(now, clear=True)
        return before

    def _update(
        self,
        now: datetime,
        *,
        seen: Mapping[str, datetime] | None = None,
        forget: list[str] | None = None,
        clear: bool = False,
    ) -> dict[str, datetime]:
        if self.path is None or self.lock_path is None:
            return dict(seen or {})
        with file_lock(self.lock_path):
            on_disk = self.read_file(now)
            merged = SeenFile(dict(on_disk.extensions), dict(on_disk.forgotten), on_disk.cleared_at)
            for ext, moment in (seen or {}).items():
                moment = moment.replace(microsecond=0)
                known = merged.extensions.get(ext)
                if known is None or moment > known:
                    merged.extensions[ext] = moment
            for ext in forget or ():
                merged.forgotten[ext] = now.replace(microsecond=0) + timedelta(seconds=1)
            if clear:
                merged.cleared_at = now.replace(microsecond=0) + timedelta(seconds=1)
                merged.forgotten.clear()
            merged = self._tidy(merged, now)
            if merged != on_disk:
                from .roster import extension_sort_key

                atomic_write_json(self.path, merged.to_json(extension_sort_key))
            self._on_disk = merged
            return dict(merged.extensions)

    def _tidy(self, data: SeenFile, now: datetime) -> SeenFile:
        """Drop what is forgotten, expired or over the cap, and tombstones nobody needs."""
        oldest = now - self.forget_after
        cleared = data.cleared_at if data.cleared_at is not None and data.cleared_at > oldest else None
        forgotten = {ext: at for ext, at in data.forgotten.items() if at > oldest}
        kept: dict[str, datetime] = {}
        for ext, last in data.extensions.items():
            if last < oldest or (cleared is not None and last <= cleared):
                continue
            gone = forgotten.get(ext)
            if gone is not None and last <= gone:
                continue
            kept[ext] = last
        # a tombstone is needed only while some instance may still hold an older copy
        forgotten = {ext: at for ext, at in forgotten.items() if ext not in kept}
        if len(kept) > self.limit:
            newest = sorted(kept.items(), key=lambda item: item[1], reverse=True)[: self.limit]
            kept = dict(newest)
        return SeenFile(kept, forgotten, cleared)


__all__ = [
    "FORGET_AFTER_DAYS",
    "SEEN_FILE",
    "SeenFile",
    "SeenStore",
    "file_lock",
    "parse_seen_file",
    "remember_limit",
]
