"""Fast readers of one call record's values, for an export of a hundred thousand calls.

Each reader takes the shape almost every record has (a short printable string, an int, a
"hh:mm:ss") straight through and hands anything else to the tolerant readers of
:mod:`.values`, so every value reads exactly as :func:`.values.text_or_none`,
:func:`.values.seconds_or_none` and :func:`.values.clock_seconds` would read it (the tests
compare them on the odd shapes).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from .values import _NULLS, _PBX_TIME_SHAPE, bounded, clock_seconds, pbx_time, seconds_or_none, text_or_none

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
_HOURS: dict[tuple[str, ZoneInfo], datetime | None] = {}


def moment(value: Any, tz: ZoneInfo) -> datetime | None:
    """:func:`.values.pbx_time`. ``"YYYY-MM-DD HH:MM:SS"`` is its hour (read once, then looked
    up) plus minutes and seconds: adding to an aware time is wall-clock arithmetic, so the
    result is the very time ``fromisoformat(...).replace(tzinfo=tz)`` gives."""
    if type(value) is str and len(value) == 19 and value[13] == ":" and value[16] == ":":
        minutes, secs = value[14:16], value[17:]
        if minutes.isdigit() and secs.isdigit() and minutes.isascii() and secs.isascii():
            key = (value[:13], tz)
            if key in _HOURS:
                hour = _HOURS[key]
            else:
                hour = _hour(value[:13], tz)
                if len(_HOURS) >= _KEEP:
                    _HOURS.clear()
                _HOURS[key] = hour
            if hour is not None:
                m, s = int(minutes), int(secs)
                if m < 60 and s < 60:
                    return hour + timedelta(minutes=m, seconds=s)
                return None
    return pbx_time(value, tz)


def _hour(head: str, tz: ZoneInfo) -> datetime | None:
    """``"YYYY-MM-DD HH"`` -> that hour in ``tz``, or None when it is no time."""
    text = head + ":00:00"
    if not _PBX_TIME_SHAPE.match(text):
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=tz)
    except ValueError:
        return None
