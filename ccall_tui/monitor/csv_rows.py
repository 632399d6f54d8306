"""CSV rows of call records: from records, and straight from a page's bytes for an export.

Every row is the very line ``csv.writer`` writes for a record's twelve cells (``CALL_FIELDS``:
a time in ISO form, numbers as ``repr`` writes them, a text cell that starts like a formula
guarded with a quote), without a line break. A row none of whose cells holds a comma, a quote
or a line break, nor starts like a formula, is its cells joined by commas; any other row is
left to ``csv.writer`` itself.

:func:`read_rows` makes the rows of the usual ``/cdrs/json`` page without a record object in
between: the typed structs of :mod:`..api.cdrs_fast` give each field as it was sent, and each
cell's text is the text of the value the tolerant reader makes of it (the same readers), kept
by what was sent (numbers, names, causes, talk times and minutes repeat from call to call).
A cell that needs quoting is never kept, so a row that holds one is always written carefully.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from msgspec.structs import astuple

from ..api.call_values import clock as read_clock
from ..api.call_values import moment as read_moment
from ..api.call_values import seconds as read_seconds
from ..api.call_values import text as read_text
from ..api.cdrs import CallRecord, CdrPage, Paging, _cause, _direction, _url
from ..api.cdrs_fast import decode_answer, paging_of, unlabelled
from ..api.values import _DATE_ORDER, _NULLS, MAX_CALL_SECONDS, MAX_PDD_SECONDS, float_or_none, pbx_time
from .csv_cells import _FORMULA_STARTS, _KEEP, _MINUTES, _NUMBERS, _SECONDS, _iso_time, _number_text, _plain, careful_line


class Row(msgspec.Struct, frozen=True, gc=False):
    """One call as a CSV line (no line break), with its id for dropping repeats."""

    call_id: str | None
    line: str


@dataclass(frozen=True, slots=True)
class CsvPage:
    """A page of call records as CSV rows; walked like a ``CdrPage`` (``paging.py``)."""

    records: tuple[Row, ...]
    paging: Paging | None = None
    skipped: int = 0

    def __len__(self) -> int:
        return len(self.records)


def rows_of(page: CdrPage) -> CsvPage:
    """A page read the tolerant way, as rows."""
    lines = record_lines(page.records)
    return CsvPage(
        tuple(Row(record.call_id, line) for record, line in zip(page.records, lines)),
        page.paging, page.skipped,
    )


# ---------------------------------------------------------------------- from records


def record_lines(records: Iterable[CallRecord]) -> list[str]:
    """The CSV line of each record."""
    t = _iso_time
    fields = astuple
    formula = _FORMULA_STARTS
    number, text = _NUMBERS.get, _number_text
    minutes, seconds = _MINUTES, _SECONDS
    lines: list[str] = []
    for record in records:
        call_id, start, direction, source, cid_name, destination, status, tta, talk, pdd, mos, url, _sent = (
            fields(record)
        )
        if start is None:
            when = ""
        else:  # _iso_time, inline: the minute's text, kept, and the seconds
            parts = minutes.get(
                (start.tzinfo, start.fold, start.year, start.month, start.day, start.hour, start.minute)
            )
            when = parts[0] + seconds[start.second] + parts[1] if parts and not start.microsecond else t(start) or ""
        cells = (
            call_id or "", when, direction or "", source or "", cid_name or "",
            destination or "", status or "",
            number(tta) or text(tta), number(talk) or text(talk),
            number(pdd) or text(pdd), number(mos) or text(mos),
            url or "",
        )
        line = ",".join(cells)
        # Times and numbers never start with = + - @ nor hold a comma, a quote or a line
        # break: one look at the joined line tells whether any text cell needs more.
        if (
            line.count(",") != 11 or line[:1] in formula or ",=" in line or ",+" in line or ",-" in line
            or ",@" in line or '"' in line or "\n" in line or "\r" in line
        ):
            line = careful_line(cells)
        lines.append(line)
    return lines


# ---------------------------------------------------------------------- from bytes


class TypedPage:
    """The usual page decoded into the typed structs, its rows not made yet
    (:meth:`rows`, in slices if the caller wants to let other work run in between)."""

    __slots__ = ("items", "paging", "_tz", "_minutes")

    def __init__(self, items: list[Any], paging: Paging | None, tz: ZoneInfo) -> None:
        self.items = items
        self.paging = paging
        self._tz = tz
        # Slashed dates read by the date order in force (``values.date_order``): part of the key.
        self._minutes = _ZONE_MINUTES.setdefault((tz, _DATE_ORDER.get()), {})

    def __len__(self) -> int:
        return len(self.items)

    def rows(self, start: int = 0, stop: int | None = None) -> list[Row]:
        """The rows of records ``start``..``stop``."""
        return _rows(self.items[start:stop], self._tz, self._minutes)


def read_typed(content: bytes, tz: ZoneInfo) -> TypedPage | None:
    """The usual page in ``content`` decoded, or None when it is not that shape (the caller
    reads it the tolerant way, and :func:`rows_of` makes its rows). A record with none of the
    fields that tell a call is not that shape (absent or null: only the dict can tell)."""
    answer = decode_answer(content)
    if answer is None:
        return None
    items = answer.response
    for item in items:
        c = item.Cdr
        if c.start is None and unlabelled(c):
            return None
    return TypedPage(items, paging_of(answer), tz)


def read_rows(content: bytes, tz: ZoneInfo) -> CsvPage | None:
    """The usual page in ``content`` as CSV rows, or None when it is not that shape."""
    page = read_typed(content, tz)
    if page is None:
        return None
    return CsvPage(tuple(page.rows()), page.paging)


def _rows(items: list[Any], tz: ZoneInfo, minutes: dict[str, tuple[str, str] | None]) -> list[Row]:
    """Each record's row, in one loop: :func:`.cdrs.parse_call` of its fields, then the cells
    :func:`record_lines` writes of them. The text of a value seen before is looked up (only
    text that can be joined as it is gets kept); anything else goes through the reader the
    tolerant path uses. Every record has a field that tells a call (:func:`read_typed`)."""
    texts, directions, causes = _TEXT_CELLS, _DIRECTION_CELLS, _CAUSE_CELLS
    ttas, talks, pdds, scores = _TTA_CELLS, _TALK_CELLS, _PDD_CELLS, _MOS_CELLS
    longest_null, edge, web, seconds = _LONGEST_NULL, _ID_EDGES, _WEB, _COLON_SECONDS
    make, join = Row, ",".join
    rows: list[Row] = []
    add = rows.append
    for item in items:
        c = item.Cdr
        start: Any = c.start
        careful = False
        call_id: Any = c.call_id
        if not (
            type(call_id) is str and longest_null < len(call_id) <= 500 and call_id[0] not in edge
            and call_id[-1] != " " and call_id.isprintable() and "," not in call_id and '"' not in call_id
        ):  # else it is read_text(call_id) already (printable, trimmed, not a blank) and plain
            call_id = read_text(call_id)
            if not call_id:
                for other in (c.uuid, c.xml_cdr_uuid, c.underscore_id, c.id):
                    call_id = read_text(other)
                    if call_id:
                        break
            if call_id and not _plain(call_id):
                careful = True
        # A number or a name longer than any blank word, printable, trimmed and plain is its
        # own cell (read_text keeps it as it is); others are looked up, or read and kept.
        source: Any = c.source
        if not (
            type(source) is str and longest_null < len(source) <= 500 and source[0] not in edge
            and source[-1] != " " and source.isprintable() and "," not in source and '"' not in source
        ):
            value: Any = source
            source = texts.get(value)
            if source is None:
                source, careful = _cell(texts, value, read_text, careful)
        cid_name: Any = c.cid_name
        if not (
            type(cid_name) is str and longest_null < len(cid_name) <= 500 and cid_name[0] not in edge
            and cid_name[-1] != " " and cid_name.isprintable() and "," not in cid_name and '"' not in cid_name
        ):
            value = cid_name
            cid_name = texts.get(value)
            if cid_name is None:
                cid_name, careful = _cell(texts, value, read_text, careful)
        destination: Any = c.destination
        if not (
            type(destination) is str and longest_null < len(destination) <= 500 and destination[0] not in edge
            and destination[-1] != " " and destination.isprintable() and "," not in destination
            and '"' not in destination
        ):
            value = destination
            destination = texts.get(value)
            if destination is None:
                destination, careful = _cell(texts, value, read_text, careful)
        value = c.direction
        direction = directions.get(value)
        if direction is None:
            direction, careful = _cell(directions, value, _direction, careful)
        value = c.status
        status = causes.get(value)
        if status is None:
            status, careful = _cell(causes, value, _cause, careful)
        value = c.tta
        tta = ttas.get(value)
        if tta is None:
            tta = _number_cell(ttas, value, _tta)
        value = c.duration
        talk = talks.get(value)
        if talk is None:
            talk = _number_cell(talks, value, _talk)
        value = c.pdd
        pdd = pdds.get(value)
        if pdd is None:
            pdd = _number_cell(pdds, value, _pdd)
        value = c.mos
        mos = scores.get(value)
        if mos is None:
            mos = _number_cell(scores, value, _mos)
        url: Any = c.recording
        if not url and c.recording_file is None:  # None or "": no link
            url = ""
        elif not (
            type(url) is str and url.startswith(web) and len(url) <= 500
            and url.isprintable() and " " not in url and "," not in url and '"' not in url
        ):  # else it is a link as _url reads it, and a cell to join as it is
            url = _url(url) or _url(c.recording_file) or ""
            if url and not _plain(url):
                careful = True
        if type(start) is str and len(start) == 19 and start[16:] in seconds:
            parts = minutes.get(start[:16], _UNSEEN)
            if parts is _UNSEEN:
                parts = _minute(minutes, start[:16], tz)
            if parts is not None:
                when = parts[0] + start[17:] + parts[1]
            else:
                when = _iso_time(read_moment(start, tz)) or ""
        elif start is not None:
            when = _iso_time(read_moment(start, tz)) or ""
        else:
            when = ""
        cells = (
            call_id or "", when, direction, source, cid_name, destination, status, tta, talk, pdd, mos, url,
        )
        add(make(call_id or None, careful_line(cells) if careful else join(cells)))
    return rows


_UNSEEN: Any = object()
_WEB = ("http://", "https://")
_COLON_SECONDS = frozenset(":" + second for second in _SECONDS)
_LONGEST_NULL = max(len(word) for word in _NULLS)
_ID_EDGES = frozenset(" =+-@")
"""An id starting with one of these is read and checked the long way."""
_KEEP_MINUTES = 1_000
"""Minutes kept: calls come in time order, so the next call's minute is the last one or new."""
_TEXT_CELLS: dict[Any, str] = {}
_DIRECTION_CELLS: dict[Any, str] = {}
_CAUSE_CELLS: dict[Any, str] = {}
_TTA_CELLS: dict[Any, str] = {}
_TALK_CELLS: dict[Any, str] = {}
_PDD_CELLS: dict[Any, str] = {}
_MOS_CELLS: dict[Any, str] = {}
_ZONE_MINUTES: dict[tuple[ZoneInfo, str | None], dict[str, tuple[str, str] | None]] = {}
_ISO_MINUTE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}\Z")


def _cell(known: dict[Any, str], value: Any, read: Callable[[Any], str | None], careful: bool) -> tuple[str, bool]:
    """The text cell of ``value`` (``read`` of it, empty for None) and whether the row must
    now be written carefully. Kept for the next record only when it can be joined as it is
    (a bounded number: a tenant's numbers and names, not every external number ever seen)."""
    cell = read(value) or ""
    if not _plain(cell):
        return cell, True
    if len(known) >= _KEEP:
        known.clear()
    known[value] = cell
    return cell, careful


def _number_cell(known: dict[Any, str], value: Any, read: Callable[[Any], float | None]) -> str:
    """The number cell of ``value`` (``repr`` of what ``read`` makes of it, empty for None),
    kept for the next record; never under a zero key (0.0 and -0.0 are one key, not one text)."""
    number = read(value)
    cell = "" if number is None else repr(number)
    if value != 0 or type(value) is str:
        if len(known) >= _KEEP:
            known.clear()
        known[value] = cell
    return cell


def _tta(value: Any) -> float | None:
    if type(value) is float and 0.0 <= value <= MAX_CALL_SECONDS:
        return value
    return read_seconds(value, MAX_CALL_SECONDS)


def _pdd(value: Any) -> float | None:
    if type(value) is float and 0.0 <= value <= MAX_PDD_SECONDS:
        return value
    return read_seconds(value, MAX_PDD_SECONDS)


def _talk(value: Any) -> float | None:
    return read_clock(value, MAX_CALL_SECONDS)


def _mos(value: Any) -> float | None:
    if type(value) is float and 0.0 < value <= 5.0:
        return value
    mos = float_or_none(value)
    return mos if mos is not None and 0.0 < mos <= 5.0 else None


def _minute(minutes: dict[str, tuple[str, str] | None], key: str, tz: ZoneInfo) -> tuple[str, str] | None:
    """The text of a start's minute around its seconds: ``("2026-11-27T10:30:", "+07:00")``;
    None when the minute does not read (the whole value goes to the tolerant reader) or is
    before 1980 (odd-second offsets: isoformat itself). The minute is the time
    :func:`.values.pbx_time` reads of it at second 0: ``YYYY-MM-DD HH:MM`` in ASCII digits
    is that time made directly (what ``fromisoformat`` makes of it, without the parsing)."""
    moment: datetime | None
    if _ISO_MINUTE.match(key):
        try:
            moment = datetime(int(key[:4]), int(key[5:7]), int(key[8:10]), int(key[11:13]), int(key[14:]), 0, 0, tz)
        except ValueError:
            moment = None
    else:
        moment = pbx_time(key + ":00", tz)
    parts = None
    if moment is not None and moment.year >= 1980:
        text = moment.isoformat()
        parts = (text[:17], text[19:])
    if len(minutes) >= _KEEP_MINUTES:
        minutes.clear()
    minutes[key] = parts
    return parts
