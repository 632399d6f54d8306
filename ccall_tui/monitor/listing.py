"""The extension list of ``ccall-tui ext``: every known extension, online or not.

It reads what the board remembers for the same profile on the same server (the demo has its
own), and names the states with the board's words: online, offline (seen online before) and
never seen (configured, never seen online).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..api.registrations import RegistrationsSnapshot
from .states import DEFAULT_UNREACHABLE_PING_MS, ExtensionState, extension_reachable
from .roster import extension_sort_key

# ``state`` in the JSON rows: stable words, not translated.
STATE_WORDS = {
    ExtensionState.ONLINE: "online",
    ExtensionState.UNREACHABLE: "unreachable",
    ExtensionState.OFFLINE: "offline",
    ExtensionState.NEVER_SEEN: "never_seen",
}


def known_extensions(profile: Any, snapshot: RegistrationsSnapshot, seen: Any = None) -> list[str]:
    """The roster: configured extensions, extensions seen before, and those online now."""
    extensions = set(profile.roster_extensions())
    extensions.update(seen or ())
    extensions.update(snapshot.extensions)
    return sorted(extensions, key=extension_sort_key)


def extension_state(
    extension: str, snapshot: RegistrationsSnapshot, seen: Any, slow_ms: float | None = DEFAULT_UNREACHABLE_PING_MS
) -> ExtensionState:
    regs = snapshot.extensions.get(extension)
    if regs:
        return ExtensionState.ONLINE if extension_reachable(regs, slow_ms) else ExtensionState.UNREACHABLE
    return ExtensionState.OFFLINE if extension in (seen or ()) else ExtensionState.NEVER_SEEN


def extension_rows(
    snapshot: RegistrationsSnapshot,
    profile: Any,
    *,
    include_offline: bool = True,
    seen: Any = None,
    demo: bool = False,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """Stable JSON rows: ``extension``, ``online`` (registered), ``state`` (online /
    unreachable: registered but not answering pings / offline / never_seen),
    ``last_seen`` (ISO time, or null when not remembered) and ``registrations``."""
    if now is None:
        now = datetime.now(getattr(profile, "timezone", None))
    if seen is None:  # what is online now is remembered, as the board remembers it
        seen = _load_seen(profile, now, demo, [ext for ext, regs in snapshot.extensions.items() if regs])
    if not isinstance(seen, dict):
        seen = dict.fromkeys(seen)
    rows = []
    for extension in known_extensions(profile, snapshot, seen if include_offline else ()):
        regs = snapshot.extensions.get(extension, ())
        if not regs and not include_offline:
            continue
        state = extension_state(
            extension, snapshot, seen, getattr(profile, "unreachable_ping_ms", DEFAULT_UNREACHABLE_PING_MS)
        )
        last = now if regs else seen.get(extension)
        rows.append(
            {
                "extension": extension,
                "online": bool(regs),
                "state": STATE_WORDS[state],
                "last_seen": last.isoformat(timespec="seconds") if isinstance(last, datetime) else None,
                "registrations": [reg.to_json() for reg in regs],
            }
        )
    return rows


def state_label(row: dict[str, Any]) -> str:
    """The translated word for a row's state, as the board says it."""
    for state, word in STATE_WORDS.items():
        if row.get("state") == word:
            return state.label
    return ExtensionState.ONLINE.label if row.get("online") else ExtensionState.OFFLINE.label


def _load_seen(profile: Any, now: datetime, demo: bool, online: list[str]) -> dict[str, datetime]:
    from .roster import remember_online

    return remember_online(profile, online, now, demo=demo)
