"""The call browser's remembered filter, one per profile and server (and one for the demo).

``ccall-tui cdr ID`` and the next start of the browser open with the last filter searched on
the same tenant; another profile or server never sees it. No textual here.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from ..state import StateError, atomic_write_json, load_json, namespace_dir
from . import cdr_filter as cf

FILTER_FILE = "last-filter.json"


def filter_path(services: Any) -> Path | None:
    """Where ``services`` (the app's) keeps the last filter; None without a state folder."""
    root = getattr(services, "state_dir", None)
    if not root:
        return None
    profile = services.profile
    folder = namespace_dir(
        root,
        getattr(profile, "name", "") or "default",
        getattr(profile, "base_url", "") or "",
        getattr(profile, "domain_name", None),
        demo=getattr(services, "sim", None) is not None,
    )
    return folder / FILTER_FILE


def load_filter(path: Path | None, now: datetime) -> cf.CdrFilter:
    """The remembered filter (preset dates recomputed for ``now``), else today's default."""
    if path is None or not path.exists():
        return cf.default_filter(now)
    return cf.CdrFilter.from_json(load_json(path, None)).refreshed(now)


def save_filter(path: Path | None, form: cf.CdrFilter) -> bool:
    """Remember ``form``; False when it could not be written (the search still works)."""
    if path is None:
        return False
    try:
        atomic_write_json(path, form.to_json())
    except StateError:
        return False
    return True
