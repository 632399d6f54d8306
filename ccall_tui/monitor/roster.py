"""Which extensions the board knows: configured, seen online before, found in call records.

The registrations endpoint only lists extensions that are online right now, so the roster is
the union of three sources:

* the profile's ``roster`` (ranges and single numbers) with its ``labels``;
* every extension seen online before, remembered per profile and server (see
  :mod:`ccall_tui.monitor.seen`);
* optionally, the sources and destinations of recent *local* calls that look like extensions
  (never one the user forgot: only a registration brings that back).

``ccall-tui ext`` remembers what it sees online as the board does (:func:`remember_online`).
"""

from __future__ import annotations

import re
import logging
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from ..api.cdrs import CallRecord, CdrQuery
from ..state import StateError
from .seen import FORGET_AFTER_DAYS, SeenStore, remember_limit

log = logging.getLogger("ccall_tui.monitor")

# Short digit strings are extensions; longer ones are outside numbers.
EXTENSION_PATTERN = re.compile(r"^\d{2,6}$")
# How often the call records are read again to discover extensions.
DISCOVERY_INTERVAL_S = 600.0
DISCOVERY_PAGE_LIMIT = 500


def looks_like_extension(value: str | None) -> bool:
    return bool(value) and EXTENSION_PATTERN.match(value) is not None  # type: ignore[arg-type]


def extension_sort_key(extension: str) -> tuple[int, int, str]:
    """Numbers in numeric order first, anything else after, alphabetically."""
    return (0, int(extension), extension) if extension.isdigit() else (1, 0, extension)


# --------------------------------------------------------------------------- seen store


def seen_store_for(profile: Any, state_root: Path | None = None, *, demo: bool = False) -> SeenStore:
    """The remembered extensions of ``profile`` on its server (the demo has its own)."""
    from ..paths import state_dir
    from ..state import namespace_dir

    directory = namespace_dir(
        state_root if state_root is not None else state_dir(),
        getattr(profile, "name", "default"),
        getattr(profile, "base_url", ""),
        getattr(profile, "domain_name", None),
        demo=demo,
    )
    try:
        roster_size = len(profile.roster_extensions())
    except Exception:  # noqa: BLE001 - a bad roster was refused at load
        roster_size = 0
    return SeenStore(
        directory,
        forget_after_days=getattr(profile, "forget_after_days", FORGET_AFTER_DAYS),
        limit=remember_limit(roster_size),
    )


def load_seen_extensions(profile: Any, now: datetime, *, demo: bool = False) -> dict[str, datetime]:
    """Extensions seen online before with ``profile`` on its server -> when last seen."""
    return seen_store_for(profile, demo=demo).load(now)


def remember_online(
    profile: Any, online: Iterable[str], now: datetime, *, state_root: Path | None = None, demo: bool = False
) -> dict[str, datetime]:
    """Remember ``online`` (extensions registered right now) as seen at ``now``, merged under
    the lock with what every other instance remembers; returns what is remembered now.

    The board's bound holds: one answer that would grow the set past the limit, or by more
    than ``GROWTH_MIN`` and more than it held, adds only configured extensions (refreshing
    the known ones' times still). A disk that refuses is logged and what was there returned.
    """
    from .board import GROWTH_MIN

    store = seen_store_for(profile, state_root, demo=demo)
    held = store.load(now)
    online = [str(ext) for ext in online]
    try:
        roster = set(profile.roster_extensions())
    except Exception:  # noqa: BLE001 - a bad roster was refused at load
        roster = set()
    outside = sum(1 for ext in online if ext not in held and ext not in roster)
    if len(held) + outside > store.limit or (held and outside > max(GROWTH_MIN, len(held))):
        log.warning("%d extensions online not remembered: one answer grew the set past its bound", outside)
        online = [ext for ext in online if ext in held or ext in roster]
    try:
        return store.save(dict.fromkeys(online, now), now)
    except StateError as exc:
        log.warning("extensions seen online not remembered: %s", exc)
        return held


def without_forgotten(found: Mapping[str, str | None], forgotten: Iterable[str]) -> dict[str, str | None]:
    """Extensions discovered in call records, less the ones the user forgot."""
    gone = set(forgotten)
    return {ext: name for ext, name in found.items() if ext not in gone}


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
    "remember_online",
    "seen_store_for",
    "without_forgotten",
]
