"""The extension list of ``ccall-tui ext``: every known extension, online or not."""

from __future__ import annotations

from typing import Any

from ..api.models import RegistrationsSnapshot


def _sort_key(extension: str) -> tuple[int, int, str]:
    return (0, int(extension), extension) if extension.isdigit() else (1, 0, extension)


def known_extensions(profile: Any, snapshot: RegistrationsSnapshot, seen: set[str] | None = None) -> list[str]:
    """The roster: configured extensions, extensions seen before, and those online now."""
    extensions = set(profile.roster_extensions())
    extensions.update(seen or ())
    extensions.update(snapshot.extensions)
    return sorted(extensions, key=_sort_key)


def extension_rows(
    snapshot: RegistrationsSnapshot,
    profile: Any,
    *,
    include_offline: bool = True,
    seen: set[str] | None = None,
) -> list[dict[str, Any]]:
    """Stable JSON rows: ``extension``, ``online``, ``registrations`` (documented fields)."""
    if seen is None:
        seen = _load_seen(profile)
    rows = []
    for extension in known_extensions(profile, snapshot, seen if include_offline else set()):
        regs = snapshot.extensions.get(extension, ())
        if not regs and not include_offline:
            continue
        rows.append(
            {
                "extension": extension,
                "online": bool(regs),
                "registrations": [reg.to_json() for reg in regs],
            }
        )
    return rows


def _load_seen(profile: Any) -> set[str]:
    try:
        from .roster import load_seen_extensions
    except ImportError:
        return set()
    return load_seen_extensions(getattr(profile, "name", "default"))
