"""Plain-text formatting of durations and numbers, shared by the CLI and the screens."""

from __future__ import annotations


def format_duration(seconds: float | None) -> str:
    """Talk time as ``h:mm:ss`` / ``m:ss``; blank when unknown."""
    if seconds is None:
        return ""
    total = int(round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


def format_seconds(seconds: float | None, digits: int = 0) -> str:
    """``7 s`` / ``0.85 s``; blank when unknown."""
    if seconds is None:
        return ""
    if digits:
        return f"{seconds:.{digits}f} s"
    return f"{seconds:.0f} s"


def format_mos(mos: float | None) -> str:
    return "" if mos is None else f"{mos:.2f}"
