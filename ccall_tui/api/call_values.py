"""Fast readers of one call record's values, for an export of a hundred thousand calls.

Each reader takes the shape almost every record has (a short printable string, an int, a
"hh:mm:ss") straight through and hands anything else to the tolerant readers of
:mod:`.values`, so every value reads exactly as :func:`.values.text_or_none`,
:func:`.values.seconds_or_none` and :func:`.values.clock_seconds` would read it (the tests
compare them on the odd shapes).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from .values import _DATE_ORDER, _NULLS, bounded, clock_seconds, pbx_time, seconds_or_none, text_or_none

_LONGEST_NULL = max(len(word) for word in _NULLS)


def text(value: Any) -> str | None:
    """:func:`.values.text_or_none`: a cleaned, trimmed string or None for a blank."""
    if value is None:
        return None
    if type(value) is str and len(value) <= 500 and value.isprintable():
        trimmed = value.strip()
        if len(trimmed) > _LONGEST_NULL or trimmed.lower() not in _NULLS:
            return trimmed
        return None
    return text_or_none(value)


def seconds(value: Any, limit: float) -> float | None:
    """``bounded(seconds_or_none(value), limit)``."""
    kind = type(value)
    if (kind is int or kind is float) and 0 <= value <= limit:
        return float(value)
    return bounded(seconds_or_none(value), limit)


def clock(value: Any, limit: float) -> float | None:
    """``bounded(clock_seconds(value), limit)``; a ``"hh:mm:ss"`` seen before is looked up
    (talk times repeat: a few thousand tell apart a hundred thousand calls)."""
    if type(value) is str and len(value) == 8:
        total = _CLOCKS.get(value)
        if total is None and value[2] == ":" and value[5] == ":":
            hours, minutes, secs = value[:2], value[3:5], value[6:]
            if hours.isdecimal() and minutes.isdecimal() and secs.isdecimal():
                total = int(hours) * 3600.0 + int(minutes) * 60 + int(secs)
                if len(_CLOCKS) >= _KEEP:
                    _CLOCKS.clear()
                _CLOCKS[value] = total
        if total is not None:
            return total if total <= limit else None
    return bounded(clock_seconds(value), limit)


_KEEP = 20_000
_CLOCKS: dict[str, float] = {}
# The minutes read, per time zone and date order: a minute written day- or month-first
# ("01-2-2026  10:00") reads as the order set around the reading says (values.date_order).
_MINUTES: dict[tuple[ZoneInfo, str | None], dict[str, tuple[int, int, int, int, int] | None]] = {}


def minutes_read(tz: ZoneInfo) -> dict[str, tuple[int, int, int, int, int] | None]:
    """The minutes read in ``tz`` under the date order in force now."""
    basis = (tz, _DATE_ORDER.get())
    minutes = _MINUTES.get(basis)
    if minutes is None:
        minutes = _MINUTES[basis] = {}
    return minutes


def moment(value: Any, tz: ZoneInfo) -> datetime | None:
    """:func:`.values.pbx_time`. ``"YYYY-MM-DD HH:MM:SS"`` is its minute (read once, then
    looked up) and its seconds, made into the very time ``fromisoformat(...).replace(tzinfo=tz)``
    gives (the constructor: ``replace`` costs five times as much)."""
    if type(value) is str and len(value) == 19 and value[16] == ":" and value[4] == "-":  # day-first: per order
        minutes = minutes_read(tz)
        key = value[:16]
        if key in minutes:
            minute = minutes[key]
        else:
            start = pbx_time(key + ":00", tz)
            minute = None if start is None else (start.year, start.month, start.day, start.hour, start.minute)
            if len(minutes) >= _KEEP:
                minutes.clear()
            minutes[key] = minute
        if minute is not None:
            secs = value[17:]
            if secs.isdigit() and secs.isascii() and secs < "60":
                year, month, day, hour, minute_ = minute
                return datetime(year, month, day, hour, minute_, int(secs), 0, tz)
    return pbx_time(value, tz)
