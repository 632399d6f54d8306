"""The cells of a CSV row of call records, as ``csv.writer`` writes them: numbers as ``repr``
writes them, times in ISO form, a text that starts like a formula guarded with a quote; the
texts of numbers and minutes kept, since they repeat from call to call."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from ..api.cdrs import CALL_FIELDS

# Texts kept of numbers and minutes (emptied whole when full).
_KEEP = 20_000


def careful_line(cells: Iterable[str]) -> str:
    """A row as ``csv.writer`` writes it, a text that starts like a formula guarded."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow([_csv_text(cell) for cell in cells])
    return buffer.getvalue()[:-1]


def header_line() -> str:
    return careful_line(CALL_FIELDS)


def _number_text(value: float | None) -> str:
    """A number cell as csv writes it (``repr``), kept: talk times, delays and scores repeat."""
    if value is None:
        return ""
    text = repr(value)
    if value:  # 0.0 and -0.0 are one key, not one text
        if len(_NUMBERS) >= _KEEP:
            _NUMBERS.clear()
        _NUMBERS[value] = text
    return text


_NUMBERS: dict[float, str] = {}


def _iso_time(moment: datetime | None) -> str | None:
    """``moment.isoformat()``, its minute's text made once (an aware time's isoformat costs
    more than the rest of a CSV row): the seconds are the only part that differs within a
    minute of one timezone, offset and fold included. Times before 1980 (offsets of odd
    seconds in some zones' history) and with microseconds take isoformat itself."""
    if moment is None:
        return None
    if moment.microsecond or moment.year < 1980:
        return moment.isoformat()
    key = (moment.tzinfo, moment.fold, moment.year, moment.month, moment.day, moment.hour, moment.minute)
    parts = _MINUTES.get(key)
    if parts is None:
        text = moment.replace(second=0).isoformat()
        parts = (text[:17], text[19:])
        if len(_MINUTES) >= _KEEP:
            _MINUTES.clear()
        _MINUTES[key] = parts
    return parts[0] + _SECONDS[moment.second] + parts[1]


_MINUTES: dict[tuple[Any, ...], tuple[str, str]] = {}
_SECONDS = tuple(f"{second:02d}" for second in range(60))


def _csv_text(value: str | None) -> str:
    """A text cell: empty for None; one that starts like a formula is quoted so that it
    cannot run in a spreadsheet (a caller name of ``=HYPERLINK(...)``), numbers excepted."""
    if value is None:
        return ""
    if value[:1] in _FORMULA_STARTS and not _numeric(value):
        return "'" + value
    return value


_FORMULA_STARTS = frozenset("=+-@")


def _numeric(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def _plain(cell: str) -> bool:
    """True when a text cell can be joined as it is (nothing to quote or guard)."""
    return not (
        cell[:1] in _FORMULA_STARTS or "," in cell or '"' in cell or "\n" in cell or "\r" in cell
    )
