"""Ordering and finding inside the page of call records already loaded (no request sent).

The server's order is kept; a sort is a view over it and can always be undone. Finding
ignores case and Vietnamese diacritics ("nguyen" finds "Nguyễn", "duc" finds "Đức").
No textual here.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any, Callable, Sequence

from ..api.cdrs import CallRecord
from .cdr_stats import mos_text
from .format import direction_word, format_duration, format_timestamp

# Columns a page can be sorted by, in the table's order; None = the server's order.
SORT_COLUMNS = (
    "start", "direction", "source", "cid_name", "destination", "status", "tta", "talk", "pdd", "mos", "rec",
)

_MISSING_LAST = (1,)


def _text_key(value: str | None) -> tuple[Any, ...]:
    return _MISSING_LAST if not value else (0, fold(value))


def _number_key(value: float | None) -> tuple[Any, ...]:
    return _MISSING_LAST if value is None else (0, value)


def _time_key(value: datetime | None) -> tuple[Any, ...]:
    return _MISSING_LAST if value is None else (0, value.timestamp())


def _digits_first(value: str | None) -> tuple[Any, ...]:
    """Numbers sort as numbers (``99`` before ``100``), names after them alphabetically."""
    if not value:
        return _MISSING_LAST
    stripped = value.lstrip("+")
    if stripped.isdigit():
        return (0, 0, len(stripped), stripped)
    return (0, 1, fold(value))


SORT_KEYS: dict[str, Callable[[CallRecord], Any]] = {
    "start": lambda r: _time_key(r.start),
    "direction": lambda r: _text_key(r.direction),
    "source": lambda r: _digits_first(r.source),
    "cid_name": lambda r: _text_key(r.cid_name),
    "destination": lambda r: _digits_first(r.destination),
    "status": lambda r: _text_key((r.status or "").strip()),
    "tta": lambda r: _number_key(r.tta_s),
    "talk": lambda r: _number_key(r.duration_s),
    "pdd": lambda r: _number_key(r.pdd_s),
    "mos": lambda r: _number_key(r.mos),
    "rec": lambda r: (0,) if r.recording_url else _MISSING_LAST,
}


@dataclass(frozen=True, slots=True)
class SortOrder:
    """A column and a direction; ``column=None`` is the order the server sent."""

    column: str | None = None
    descending: bool = False

    def next_column(self, columns: Sequence[str] = SORT_COLUMNS) -> "SortOrder":
        """server order -> first column -> ... -> last column -> server order."""
        if self.column is None:
            return SortOrder(columns[0]) if columns else self
        try:
            index = columns.index(self.column)
        except ValueError:
            return SortOrder()
        return SortOrder(columns[index + 1]) if index + 1 < len(columns) else SortOrder()

    def reversed(self) -> "SortOrder":
        return self if self.column is None else SortOrder(self.column, not self.descending)

    def clicked(self, column: str) -> "SortOrder":
        """A header click: sort by it, then reverse it, then back to the server's order."""
        if self.column != column:
            return SortOrder(column)
        if not self.descending:
            return SortOrder(column, True)
        return SortOrder()


def sorted_records(records: Sequence[CallRecord], order: SortOrder) -> tuple[CallRecord, ...]:
    """The records in ``order``; blanks always last; ties keep the server's order."""
    if order.column is None or order.column not in SORT_KEYS:
        return tuple(records)
    key = SORT_KEYS[order.column]
    present = [r for r in records if key(r) != _MISSING_LAST]
    missing = [r for r in records if key(r) == _MISSING_LAST]
    present.sort(key=key, reverse=order.descending)  # sort is stable, also reversed
    return tuple(present + missing)


# --------------------------------------------------------------------------- finding

_EXTRA_FOLDS = str.maketrans({"đ": "d", "Đ": "d", "ð": "d", "ł": "l", "ø": "o", "æ": "ae", "ß": "ss"})


def fold(text: str) -> str:
    """Lower case without diacritics: ``"Nguyễn Văn Đức"`` -> ``"nguyen van duc"``."""
    decomposed = unicodedata.normalize("NFD", text.translate(_EXTRA_FOLDS))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return bare.casefold().translate(_EXTRA_FOLDS)


def searchable(record: CallRecord, tz: tzinfo) -> str:
    """Everything a user can read about the call in the table or detail pane, folded."""
    mos, _band = mos_text(record.mos)
    parts = (
        format_timestamp(record.start, tz),
        direction_word(record.direction),
        record.direction or "",
        record.source or "",
        record.cid_name or "",
        record.destination or "",
        (record.status or "").strip(),
        format_duration(record.duration_s),
        mos,
        record.call_id or "",
    )
    return fold("\n".join(parts))


def find_rows(records: Sequence[CallRecord], needle: str, tz: tzinfo) -> list[int]:
    """Indexes of the records whose text holds ``needle`` (folded); none for a blank needle."""
    wanted = fold(needle.strip())
    if not wanted:
        return []
    return [index for index, record in enumerate(records) if wanted in searchable(record, tz)]


def next_match(matches: Sequence[int], current: int, *, backwards: bool = False) -> int | None:
    """The match after (or before) row ``current``, wrapping around; None when there is none."""
    if not matches:
        return None
    if backwards:
        earlier = [m for m in matches if m < current]
        return earlier[-1] if earlier else matches[-1]
    later = [m for m in matches if m > current]
    return later[0] if later else matches[0]
