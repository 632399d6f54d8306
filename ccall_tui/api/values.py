"""Reading the scalar values of an answer: text made terminal-safe, numbers made finite and
sane, PBX local times made timezone-aware. Shared by the registration and call parsers."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from ..i18n import _
from .errors import ProtocolError
from .text import clean_text

PBX_TIMEZONE = "Asia/Ho_Chi_Minh"
_NULLS = {"", "null", "none", "nil", "undefined", "n/a", "-"}
# What a text field holding no value may read (a row's fields, a ping status...).
NULL_WORDS = frozenset(_NULLS)

# Beyond these a value is junk, not a call: a week of talk or ringing, an hour of dial delay.
MAX_CALL_SECONDS = 7 * 24 * 3600.0
MAX_PDD_SECONDS = 3600.0


def clean(value: Any, limit: int = 500) -> str:
    """:func:`clean_text`, without its two substitutions when there is nothing to remove
    (every character it removes or flattens is one ``str.isprintable`` refuses)."""
    if type(value) is str and len(value) <= limit and value.isprintable():
        return value
    return clean_text(value, limit=limit)


def text_or_none(value: Any) -> str | None:
    """A cleaned string, or None for null, ``"null"``, empty and containers."""
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    text = clean(value).strip()
    if text.lower() in _NULLS:
        return None
    return text


def seconds_or_none(value: Any) -> float | None:
    """``7``, ``"7"``, ``"7s"``, ``"0.85 s"``, ``"00:01:05"`` -> seconds; blanks -> None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        try:
            number = float(value)
        except OverflowError:  # an integer too large for a float
            return None
        return number if math.isfinite(number) else None
    text = text_or_none(value)
    if text is None:
        return None
    if ":" in text:
        return clock_seconds(text)
    text = text.lower().removesuffix("sec").removesuffix("s").strip().replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def clock_seconds(value: Any) -> float | None:
    """``"hh:mm:ss"`` (or ``"mm:ss"``), or a plain number of seconds."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return seconds_or_none(value)
    text = text_or_none(value)
    if text is None:
        return None
    if ":" not in text:
        return seconds_or_none(text)
    parts = text.split(":")
    if len(parts) > 3 or "-" in text:  # "-00:00:05" is no talk time
        return None
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        return None
    if not all(0 <= n < math.inf for n in numbers):  # "inf:00:00", "nan:01", "-1:00"
        return None
    total = 0.0
    for n in numbers:
        total = total * 60 + n
    return total if math.isfinite(total) else None


def float_or_none(value: Any) -> float | None:
    number = seconds_or_none(value) if not isinstance(value, str) or ":" not in value else None
    return number


_PBX_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S")


_PBX_TIME_SHAPE = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?\Z")


# A date written with the day or the month first: "31/12/2026 23:59:59", "31-12-2026 23:59",
# "12.31.2026". Which one it is shows only when one of the two numbers is over 12.
_SLASHED = re.compile(
    r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\Z"
)
DATE_ORDERS = ("dmy", "mdy")
# The order of a server's slashed dates, when known (learned by 'doctor', see api/learned.py):
# set around the reading of its answers, None to read only the unambiguous ones.
_DATE_ORDER: ContextVar[str | None] = ContextVar("ccall_date_order", default=None)


@contextmanager
def date_order(order: str | None) -> Iterator[None]:
    """Read slashed dates as ``order`` (``"dmy"``/``"mdy"``/None) inside the block."""
    token = _DATE_ORDER.set(order if order in DATE_ORDERS else None)
    try:
        yield
    finally:
        _DATE_ORDER.reset(token)


def pbx_time(value: Any, tz: ZoneInfo, order: str | None = None) -> datetime | None:
    """PBX local time without offset -> aware datetime in ``tz``.

    ``YYYY-MM-DD HH:mm[:ss]`` (or with ``T``), and a date with the day or the month first
    (``31/12/2026 23:59:59``): read when only one order makes a date of it (a number over
    12, or day and month equal), else by ``order`` (or the one set by :func:`date_order`).
    An ambiguous date with no order known is None, never a guess.
    """
    text = text_or_none(value)
    if text is None:
        return None
    head = text[:19]
    if _PBX_TIME_SHAPE.match(head):
        # The shapes strptime would accept, read ~20x faster.
        try:
            return datetime.fromisoformat(head).replace(tzinfo=tz)
        except ValueError:
            return None
    for fmt in _PBX_TIME_FORMATS:
        try:
            return datetime.strptime(head, fmt).replace(tzinfo=tz)
        except ValueError:
            continue
    return slashed_time(text, tz, order or _DATE_ORDER.get())


def _slashed_readings(text: str) -> dict[str, datetime]:
    """Each order under which ``text`` is a real date and time, and the time it gives."""
    match = _SLASHED.match(text.strip())
    if match is None:
        return {}
    first, _sep, second, year, hour, minute, secs = match.groups()
    readings: dict[str, datetime] = {}
    for order, (day, month) in (("dmy", (first, second)), ("mdy", (second, first))):
        try:
            readings[order] = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0),
                                       int(secs or 0))
        except ValueError:
            continue
    return readings


def slashed_orders(text: str) -> frozenset[str]:
    """The orders (``"dmy"``, ``"mdy"``) that make a date of ``text``; empty for other shapes."""
    return frozenset(_slashed_readings(text))


def slashed_time(text: str, tz: ZoneInfo, order: str | None = None) -> datetime | None:
    """A day- or month-first date and time; None when it is none, or ambiguous without ``order``."""
    readings = _slashed_readings(text)
    if not readings:
        return None
    if len(readings) == 1 or readings.get("dmy") == readings.get("mdy"):
        moment = next(iter(readings.values()))
    elif order in readings:
        moment = readings[order]
    else:
        return None
    return moment.replace(tzinfo=tz)


def bool_or_none(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return bool(value)
    text = text_or_none(value)
    if text is None:
        return None
    if text.lower() in ("true", "1", "yes"):
        return True
    if text.lower() in ("false", "0", "no"):
        return False
    return None


def int_or_none(value: Any) -> int | None:
    number = seconds_or_none(value)
    if number is None:
        return None
    try:
        return int(number)
    except (OverflowError, ValueError):
        return None



def bounded(number: float | None, limit: float) -> float | None:
    """``number`` when it is finite and between 0 and ``limit``; None otherwise."""
    if number is None or not 0.0 <= number <= limit:  # NaN fails both comparisons
        return None
    return number


def response_of(payload: Any) -> Any:
    if not isinstance(payload, Mapping):
        raise ProtocolError(_("The server's answer is not a JSON object."))
    if "response" not in payload:
        raise ProtocolError(_("The server's answer has no 'response'."))
    return payload["response"]


def clean_raw(value: Any, depth: int = 0) -> Any:
    """A copy of what the server sent, with every string made terminal-safe."""
    if depth > 8:
        return None
    if type(value) is dict:
        # The usual record: flat, plain keys and scalar values. One pass, no recursion.
        out = {}
        for k, v in value.items():
            key = k if type(k) is str and len(k) <= 100 and k.isprintable() else clean(k, 100)
            kind = type(v)
            if kind is str:
                out[key] = v if len(v) <= 2000 and v.isprintable() else clean(v, 2000)
            elif v is None or kind is int or kind is bool:
                out[key] = v
            elif kind is float:
                out[key] = v if math.isfinite(v) else str(v)  # JSON out must stay JSON
            else:
                out[key] = clean_raw(v, depth + 1)
        return out
    if isinstance(value, Mapping):
        return {clean(k, 100): clean_raw(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [clean_raw(v, depth + 1) for v in value[:200]]
    if isinstance(value, str):
        return clean(value, 2000)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def kind_of(value: Any) -> str:
    """What a JSON value is, in words, for a message about an answer that has the wrong one."""
    if isinstance(value, bool):
        return _("true or false")
    if isinstance(value, (int, float)):
        return _("a number")
    if isinstance(value, str):
        return _("a string")
    if isinstance(value, list):
        return _("a list")
    if isinstance(value, Mapping):
        return _("an object")
    return _("something else")
