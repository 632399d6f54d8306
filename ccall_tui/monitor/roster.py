"""Which extensions the board knows: configured, seen online before, found in call records.

The registrations endpoint only lists extensions that are online right now, so the roster is
the union of three sources:

* the profile's ``roster`` (ranges and single numbers) with its ``labels``;
* every extension ever seen online, remembered per profile in the state directory
  (``seen-<profile>.json``), rewritten only when the set grows;
* optionally, the sources and destinations of recent *local* calls that look like extensions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from ..api.models import CallRecord, CdrQuery
from ..state import StateError, atomic_write_json, load_json

# Short digit strings are extensions; longer ones are outside numbers.
EXTENSION_PATTERN = re.compile(r"^\d{2,6}$")
SEEN_FILE_VERSION = 1
# How often the call records are read again to discover extensions.
DISCOVERY_INTERVAL_S = 600.0
DISCOVERY_PAGE_LIMIT = 500
_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]")


def looks_like_extension(value: str | None) -> bool:
    return bool(value) and EXTENSION_PATTERN.match(value) is not None  # type: ignore[arg-type]


def extension_sort_key(extension: str) -> tuple[int, int, str]:
    """Numbers in numeric order first, anything else after, alphabetically."""
    return (0, int(extension), extension) if extension.isdigit() else (1, 0, extension)


# --------------------------------------------------------------------------- seen store


def seen_path(state_dir: Path, profile_name: str) -> Path:
    safe = _SAFE_NAME.sub("_", profile_name or "default")[:64] or "default"
    return Path(state_dir) / f"seen-{safe}.json"


def _parse_seen(data: Any) -> set[str]:
    items: Any = data
    if isinstance(data, dict):
        items = data.get("extensions", [])
    if not isinstance(items, (list, dict)):
        return set()
    return {str(item) for item in items if isinstance(item, (str, int)) and str(item).strip()}


def load_seen_extensions(profile_name: str) -> set[str]:
    """Extensions seen online before under this profile (empty when unknown)."""
    from ..config import state_dir

    return SeenStore(state_dir(), profile_name).load()


class SeenStore:
    """The remembered set of extensions seen online; writes only when the set changes."""

    def __init__(self, state_dir: Path | None, profile_name: str) -> None:
        self.path = seen_path(state_dir, profile_name) if state_dir is not None else None
        self._saved: frozenset[str] = frozenset()

    def load(self) -> set[str]:
        if self.path is None:
            return set()
        seen = _parse_seen(load_json(self.path, {}))
        self._saved = frozenset(seen)
        return seen

    def save(self, extensions: Iterable[str]) -> bool:
        """Write the set if it differs from what is on disk; True when written.

        Raises :class:`ccall_tui.state.StateError` (one line) when the disk refuses.
        """
        current = frozenset(extensions)
        if self.path is None or current == self._saved:
            return False
        atomic_write_json(
            self.path,
            {"version": SEEN_FILE_VERSION, "extensions": sorted(current, key=extension_sort_key)},
        )
        self._saved = current
        return True


# --------------------------------------------------------------------------- discovery


def discovery_query(now: datetime, page: int = 1) -> CdrQuery:
    """Today's local calls (PBX day, from midnight until now)."""
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return CdrQuery(
        date_from=midnight, date_to=now, direction="local", page=page, limit=DISCOVERY_PAGE_LIMIT
    )


def extensions_from_calls(records: Iterable[CallRecord]) -> dict[str, str | None]:
    """Extensions taking part in local calls -> the caller name they sent (or None)."""
    found: dict[str, str | None] = {}
    for record in records:
        if record.direction not in (None, "local"):
            continue
        source, destination = record.source, record.destination
        if looks_like_extension(source):
            name = record.cid_name
            if name and name != source and not found.get(source):  # type: ignore[arg-type]
                found[source] = name  # type: ignore[index]
            else:
                found.setdefault(source, None)  # type: ignore[arg-type]
        if looks_like_extension(destination):
            found.setdefault(destination, None)  # type: ignore[arg-type]
    return found


__all__ = [
    "DISCOVERY_INTERVAL_S",
    "EXTENSION_PATTERN",
    "SeenStore",
    "StateError",
    "discovery_query",
    "extension_sort_key",
    "extensions_from_calls",
    "load_seen_extensions",
    "looks_like_extension",
    "seen_path",
]
