"""The usual ``/cdrs/json`` page read straight from its bytes.

msgspec decodes the answer into typed structs that hold only the fields a call record keeps
(every other field of a record is skipped, no dict is made), and each value then goes through
the very readers :func:`.cdrs.parse_call` uses, so a record reads exactly as the tolerant path
reads it. Whatever this decoder refuses (a number sent as ``"7"`` where a count belongs, the
paging metadata elsewhere than ``"paging"``, a record that is not an object, a bare record
without ``"Cdr"``, NaN, a lone surrogate...) makes :func:`read_cdrs` return None, and the
caller reads that answer the tolerant way.

What the server sent for a call (:attr:`.cdrs.CallRecord.sent`) is a view of the page's
bytes, decoded only when someone looks at it (the call's details).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from .call_values import _CLOCKS, minutes_read
from .call_values import clock as read_clock
from .call_values import moment as read_moment
from .call_values import seconds as read_seconds
from .call_values import text as read_text
from .cdrs import CallRecord, CdrPage, Paging, _cause, _direction, _url, parse_paging
from .values import _NULLS, MAX_CALL_SECONDS, MAX_PDD_SECONDS, float_or_none

_Id = str | int | None


class _Cdr(msgspec.Struct, gc=False):
    start: str | None = None
    direction: str | None = None
    source: str | int | None = None
    destination: str | int | None = None
    cid_name: str | None = None
    status: str | None = None
    tta: float | str | None = None
    duration: str | float | None = None
    pdd: float | str | None = None
    mos: float | str | None = None
    recording: str | None = None
    recording_file: str | None = None
    call_id: _Id = None
    uuid: _Id = None
    xml_cdr_uuid: _Id = None
    underscore_id: _Id = msgspec.field(default=None, name="_id")
    id: _Id = None


class _Item(msgspec.Struct, gc=False):
    Cdr: _Cdr


class _Paging(msgspec.Struct, gc=False):
    page_current: int | None = None
    page_count: int | None = None
    record_count: int | None = None
    limit: int | None = None
    prev_page: bool | None = None
    next_page: bool | None = None
    txtdesc: str | None = None


class _Answer(msgspec.Struct, gc=False):
    response: list[_Item]
    paging: _Paging | None = None


_DECODER = msgspec.json.Decoder(_Answer)
_GENERIC = msgspec.json.Decoder()


class Refused(Exception):
    """A record the typed structs cannot tell apart from another shape: read the page the
    tolerant way."""


def read_cdrs(content: bytes, tz: ZoneInfo) -> CdrPage | None:
    """The page in ``content`` (UTF-8 JSON), or None when it is not the usual shape."""
    answer = decode_answer(content)
    if answer is None:
        return None
    page = _PageBytes(bytes(content))
    try:
        minutes = minutes_read(tz)
        records = _records(answer.response, tz, page, minutes)
    except Refused:
        return None
    return CdrPage(records=records, paging=paging_of(answer))


def decode_answer(content: bytes) -> _Answer | None:
    """The answer in ``content`` decoded into the typed structs, or None when it is not the
    usual shape (the tolerant path reads it then)."""
    try:
        answer = _DECODER.decode(content)
    except (msgspec.DecodeError, ValueError, RecursionError):
        return None
    paging = answer.paging
    if paging is None or (
        paging.page_current is None and paging.page_count is None and paging.record_count is None
        and paging.prev_page is None and paging.next_page is None and paging.txtdesc is None
    ):
        return None  # no paging, or paging kept elsewhere: the tolerant path looks for it
    return answer


def paging_of(answer: _Answer) -> Paging | None:
    """The answer's paging metadata, read as the tolerant path reads it."""
    paging = answer.paging
    if paging is None:
        return None
    return parse_paging({
        "page_current": paging.page_current, "page_count": paging.page_count,
        "record_count": paging.record_count, "limit": paging.limit,
        "prev_page": paging.prev_page, "next_page": paging.next_page, "txtdesc": paging.txtdesc,
    })


def unlabelled(c: _Cdr) -> bool:
    """True for a record with none of the fields that tell a call (start, numbers, direction,
    any id): absent (the tolerant path skips it) or all null (it keeps it), which only the
    record as a dict can tell apart."""
    return c.start is None and c.source is None and c.destination is None and c.direction is None and (
        c.call_id is None and c.uuid is None and c.xml_cdr_uuid is None and c.underscore_id is None
        and c.id is None
    )


def _records(
    items: list[_Item], tz: ZoneInfo, page: _PageBytes, minutes: dict[str, tuple[int, int, int, int, int] | None]
) -> tuple[CallRecord, ...]:
    """:func:`.cdrs.parse_call` of each record, field by field, in one loop. The values that
    repeat from call to call (numbers, names, directions, causes, talk times, minutes) are
    read once and looked up after; a value not seen before, or of another shape, goes through
    the very reader the tolerant path uses."""
    texts, directions, causes, clocks, second_of = _TEXTS, _DIRECTIONS, _CAUSES, _CLOCKS, _SECOND_OF
    miss, nulls, web, make = _MISS, _NULLS, _WEB, CallRecord
    most_seconds, most_pdd = MAX_CALL_SECONDS, MAX_PDD_SECONDS
    records: list[CallRecord] = []
    add = records.append
    for index, item in enumerate(items):
        c = item.Cdr
        start: Any = c.start
        if start is None and unlabelled(c):
            raise Refused
        call_id: Any = c.call_id
        if not (
            type(call_id) is str and 0 < len(call_id) <= 500 and call_id.isprintable()
            and call_id[0] != " " and call_id[-1] != " " and call_id.lower() not in nulls
        ):  # else it is read_text(call_id) already: printable, trimmed, not a blank
            call_id = read_text(call_id)
            if not call_id:
                for other in (c.uuid, c.xml_cdr_uuid, c.underscore_id, c.id):
                    call_id = read_text(other)
                    if call_id:
                        break
        value: Any = c.source
        source = texts.get(value, miss)
        if source is miss:
            source = _remember(texts, value, read_text)
        value = c.destination
        destination = texts.get(value, miss)
        if destination is miss:
            destination = _remember(texts, value, read_text)
        value = c.cid_name
        cid_name = texts.get(value, miss)
        if cid_name is miss:
            cid_name = _remember(texts, value, read_text)
        value = c.direction
        direction = directions.get(value, miss)
        if direction is miss:
            direction = _remember(directions, value, _direction)
        value = c.status
        status = causes.get(value, miss)
        if status is miss:
            status = _remember(causes, value, _cause)
        tta = c.tta
        if type(tta) is not float or not 0.0 <= tta <= most_seconds:
            tta = read_seconds(tta, most_seconds)
        pdd = c.pdd
        if type(pdd) is not float or not 0.0 <= pdd <= most_pdd:
            pdd = read_seconds(pdd, most_pdd)
        mos = c.mos
        if type(mos) is not float or not 0.0 < mos <= 5.0:
            mos = float_or_none(mos)
            if mos is not None and not 0.0 < mos <= 5.0:
                mos = None
        recording: Any = c.recording
        if not (
            type(recording) is str and recording.startswith(web) and len(recording) <= 500
            and recording.isprintable() and " " not in recording
        ):  # else it is a link as _url reads it: printable, trimmed, no space, http(s)
            recording = _url(recording) or _url(c.recording_file)
        when = None
        if type(start) is str and len(start) == 19 and start[16] == ":":
            minute = minutes.get(start[:16])
            second = second_of.get(start[17:])
            if minute is not None and second is not None:
                when = datetime(minute[0], minute[1], minute[2], minute[3], minute[4], second, 0, tz)
        if when is None:
            when = read_moment(start, tz)  # and its minute is kept for the next calls
        duration: Any = c.duration
        talk = clocks.get(duration) if type(duration) is str else None
        if talk is None or talk > most_seconds:
            talk = read_clock(duration, most_seconds)
        add(make(
            call_id, when, direction, source, cid_name, destination, status, tta, talk, pdd, mos, recording,
            _Sent(page, index),
        ))
    return tuple(records)


_MISS: Any = object()
_SECOND_OF = {f"{second:02d}": second for second in range(60)}
_WEB = ("http://", "https://")
_KEEP = 20_000
_TEXTS: dict[Any, str | None] = {}
_DIRECTIONS: dict[Any, str | None] = {}
_CAUSES: dict[Any, str | None] = {}


def _remember(known: dict[Any, str | None], value: Any, read: Callable[[Any], str | None]) -> str | None:
    """``read(value)``, kept for the next record that sends the same value (a bounded number
    of them: a tenant's numbers and names, not every external number ever seen)."""
    result = read(value)
    if len(known) >= _KEEP:
        known.clear()
    known[value] = result
    return result


class _PageBytes:
    """One page's bytes, decoded the first time one of its records is looked at."""

    __slots__ = ("content", "records")

    def __init__(self, content: bytes) -> None:
        self.content = content
        self.records: list[Any] | None = None

    def record(self, index: int) -> Mapping[str, Any]:
        if self.records is None:
            self.records = _GENERIC.decode(self.content)["response"]
            self.content = b""
        item = self.records[index]
        record = item.get("Cdr", item)
        return record if isinstance(record, Mapping) else {}


class _Sent(Mapping[str, Any]):
    """A record as the server sent it, read from its page when first needed."""

    __slots__ = ("_page", "_index")

    def __init__(self, page: _PageBytes, index: int) -> None:
        self._page = page
        self._index = index

    def _record(self) -> Mapping[str, Any]:
        return self._page.record(self._index)

    def __getitem__(self, key: str) -> Any:
        return self._record()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._record())

    def __len__(self) -> int:
        return len(self._record())

    def __repr__(self) -> str:
        return f"_Sent(page record {self._index})"
