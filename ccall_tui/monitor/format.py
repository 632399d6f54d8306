"""Plain-text formatting of durations and numbers, shared by the CLI and the screens."""

from __future__ import annotations

from datetime import datetime, tzinfo

from ..i18n import N_, _

# One date-time format across the app: PBX local time, ISO order, seconds.
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"


def format_timestamp(moment: datetime | None, tz: tzinfo | None = None, *, offset: bool = False) -> str:
    """``2026-11-27 10:42:05`` in ``tz`` (the PBX's zone) when given; ``offset=True`` adds
    ``+07:00`` for what a machine reads (exports, logs). Blank when unknown."""
    if moment is None:
        return ""
    if tz is not None and moment.tzinfo is not None:
        moment = moment.astimezone(tz)
    text = moment.strftime(TIMESTAMP_FORMAT)
    if offset and moment.utcoffset() is not None:
        text += moment.strftime("%z")[:3] + ":" + moment.strftime("%z")[3:]
    return text


# One word per direction across the app (table, filter form, detail, summary, board).
DIRECTION_WORDS = {"inbound": N_("Inbound"), "outbound": N_("Outbound"), "local": N_("Local")}


def direction_word(direction: str | None) -> str:
    """``Inbound`` / ``Outbound`` / ``Local``, translated; an unknown value as the server sent it."""
    word = DIRECTION_WORDS.get(direction or "")
    return _(word) if word is not None else (direction or "")


def format_clock(moment: datetime | None, tz: tzinfo | None = None) -> str:
    """``10:42:05``: the same format's time part, for today's events."""
    if moment is None:
        return ""
    if tz is not None and moment.tzinfo is not None:
        moment = moment.astimezone(tz)
    return moment.strftime("%H:%M:%S")


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
