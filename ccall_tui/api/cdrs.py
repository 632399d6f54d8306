"""Call detail records: the tolerant parser of ``/cdrs/json`` answers, the records, the paging
metadata and the query that asks for them.

Every shape listed in API.md is accepted. A malformed record is skipped and counted; a
malformed *answer* (not an object, no ``response``, nothing usable in it) raises
:class:`ProtocolError`, the only exception these parsers may raise. Every number kept is
finite and sane. Registrations are parsed in :mod:`.registrations`, scalar values in
:mod:`.values`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from ..i18n import _
from .errors import ProtocolError
from .call_values import clock as read_clock
from .call_values import moment as read_moment
from .call_values import seconds as read_seconds
from .call_values import text as read_text
from .values import (
    MAX_CALL_SECONDS,
    MAX_PDD_SECONDS,
    PBX_TIMEZONE,
    float_or_none,
    kind_of,
    text_or_none,
)
from .values import bool_or_none as _bool
from .values import clean_raw as _clean_raw
from .values import int_or_none as _int
from .values import response_of as _response

DIRECTIONS = ("inbound", "outbound", "local")
CALL_ID_FIELDS = ("call_id", "uuid", "xml_cdr_uuid", "_id", "id")

HANGUP_CAUSES = (
    "NORMAL_CLEARING", "ORIGINATOR_CANCEL", "BLIND_TRANSFER", "LOSE_RACE", "NO_ANSWER",
    "NORMAL_UNSPECIFIED", "NO_USER_RESPONSE", "NO_ROUTE_DESTINATION", "SUBSCRIBER_ABSENT",
    "NORMAL_TEMPORARY_FAILURE", "ATTENDED_TRANSFER", "PICKED_OFF", "USER_BUSY", "CALL_REJECTED",
    "INVALID_NUMBER_FORMAT", "NETWORK_OUT_OF_ORDER", "DESTINATION_OUT_OF_ORDER",
    "RECOVERY_ON_TIMER_EXPIRE", "MANAGER_REQUEST", "MEDIA_TIMEOUT", "UNALLOCATED_NUMBER", "NONE",
    "EXCHANGE_ROUTING_ERROR", "ALLOTTED_TIMEOUT", "CHAN_NOT_IMPLEMENTED",
    "INCOMPATIBLE_DESTINATION", "USER_NOT_REGISTERED", "SYSTEM_SHUTDOWN", "MANDATORY_IE_MISSING",
)


# --------------------------------------------------------------------------- call records


class CallRecord(msgspec.Struct, frozen=True, gc=False):
    """One call. A msgspec Struct (built in C: an export makes a hundred thousand of them);
    equal and hashed by the twelve fields it shows, never by what the server sent beside them."""

    call_id: str | None
    start: datetime | None
    direction: str | None
    source: str | None
    cid_name: str | None
    destination: str | None
    status: str | None
    tta_s: float | None
    duration_s: float | None
    pdd_s: float | None
    mos: float | None
    recording_url: str | None
    sent: Mapping[str, Any] = msgspec.field(default_factory=dict)
    """The record as the server sent it, *not* made safe: read :attr:`raw` instead. May be a
    lazy view of the page it came in (read when first looked at)."""

    def _fields(self) -> tuple[Any, ...]:
        return (
            self.call_id, self.start, self.direction, self.source, self.cid_name, self.destination,
            self.status, self.tta_s, self.duration_s, self.pdd_s, self.mos, self.recording_url,
        )

    def __eq__(self, other: object) -> bool:
        if type(other) is not CallRecord:
            return NotImplemented
        return self is other or self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={value!r}" for name, value in zip(CALL_FIELDS, self._fields()))
        return f"CallRecord({shown})"

    @property
    def raw(self) -> Mapping[str, Any]:
        """What the server sent for this call, every string made terminal-safe. Made when
        asked for: an export or a page in the table never needs it, the details do."""
        cleaned: Mapping[str, Any] = _clean_raw(dict(self.sent))
        return cleaned

    @property
    def answered(self) -> bool:
        return bool(self.duration_s) or self.tta_s is not None

    def to_json(self) -> dict[str, Any]:
        return {
            "call_id": self.call_id,
            "start": self.start.isoformat() if self.start else None,
            "direction": self.direction,
            "source": self.source,
            "cid_name": self.cid_name,
            "destination": self.destination,
            "status": self.status,
            "tta_s": self.tta_s,
            "duration_s": self.duration_s,
            "pdd_s": self.pdd_s,
            "mos": self.mos,
            "recording_url": self.recording_url,
        }


CALL_FIELDS = (
    "call_id", "start", "direction", "source", "cid_name", "destination", "status",
    "tta_s", "duration_s", "pdd_s", "mos", "recording_url",
)


@dataclass(frozen=True, slots=True)
class Paging:
    page_current: int | None = None
    page_count: int | None = None
    record_count: int | None = None
    limit: int | None = None
    prev_page: bool | None = None
    next_page: bool | None = None
    txtdesc: str | None = None

    @property
    def pages_by_count(self) -> int | None:
        """The pages ``record_count`` fills at ``limit`` rows a page, when both are known."""
        if self.record_count is None or not self.limit or self.limit <= 0:
            return None
        return max(1, -(-max(0, self.record_count) // self.limit))

    @property
    def pages(self) -> int | None:
        """How many pages there are, as far as the metadata can justify: a ``page_count``
        beyond what ``record_count`` fills (a billion pages for a thousand calls) is not
        believed; the count the rows justify is."""
        filled = self.pages_by_count
        if self.page_count is None or self.page_count <= 0:
            return filled
        if filled is not None and self.page_count > filled + 1:
            return filled
        return self.page_count

    @property
    def page_count_doubtful(self) -> bool:
        """True when the server's ``page_count`` is more than its ``record_count`` fills."""
        return self.page_count is not None and self.pages is not None and self.page_count > self.pages

    @property
    def has_prev(self) -> bool:
        if self.prev_page is not None:
            return self.prev_page
        return (self.page_current or 1) > 1

    @property
    def has_next(self) -> bool:
        if self.next_page is not None:
            return self.next_page
        if self.page_current is not None and self.page_count is not None:
            return self.page_current < self.page_count
        return False


@dataclass(frozen=True, slots=True)
class CdrPage:
    records: tuple[CallRecord, ...]
    paging: Paging | None = None
    skipped: int = 0

    def __len__(self) -> int:
        return len(self.records)


@dataclass(frozen=True, slots=True)
class CallLookup:
    """The answer to "which call has this id": the record carrying exactly that id, or None;
    ``others`` counts the records the server sent that are not it."""

    record: CallRecord | None
    others: int = 0

    @property
    def found(self) -> bool:
        return self.record is not None


def find_call(page: CdrPage, call_id: str) -> CallLookup:
    """The record of ``page`` whose id is ``call_id``. Never the first record of a page that
    ignored the id, nor a record without an id."""
    wanted = call_id.strip()
    for record in page.records:
        if record.call_id is not None and record.call_id == wanted:
            return CallLookup(record, len(page.records) - 1)
    return CallLookup(None, len(page.records))


_PAGING_KEYS = ("page_current", "page_count", "record_count", "prev_page", "next_page", "txtdesc")


def _find_paging(payload: Mapping[str, Any]) -> Mapping[str, Any] | None:
    candidates: list[Any] = [payload.get("paging"), payload]
    response = payload.get("response")
    if isinstance(response, Mapping):
        candidates += [response.get("paging"), response]
    for candidate in candidates:
        if isinstance(candidate, Mapping) and any(k in candidate for k in _PAGING_KEYS):
            return candidate
    return None


def parse_paging(raw: Mapping[str, Any] | None) -> Paging | None:
    if raw is None:
        return None
    return Paging(
        page_current=_int(raw.get("page_current")),
        page_count=_int(raw.get("page_count")),
        record_count=_int(raw.get("record_count")),
        limit=_int(raw.get("limit")),
        prev_page=_bool(raw.get("prev_page")),
        next_page=_bool(raw.get("next_page")),
        txtdesc=text_or_none(raw.get("txtdesc")),
    )


def _direction(value: Any) -> str | None:
    if type(value) is str and value in _DIRECTION_SET:
        return value
    text = read_text(value)
    if text is None:
        return None
    lowered = text.lower()
    return lowered if lowered in DIRECTIONS else text


def _cause(value: Any) -> str | None:
    """A hangup cause, trimmed. ``NONE`` is a real FreeSWITCH cause, not a blank."""
    if type(value) is str:
        if value in _CAUSE_SET:
            return value
        if value.strip().upper() == "NONE":
            return "NONE"
    return read_text(value)


def _url(value: Any) -> str | None:
    text = read_text(value)
    if text is None or " " in text:
        return None
    if not text.startswith(("http://", "https://")) and not text.lower().startswith(("http://", "https://")):
        return None
    return text


_DIRECTION_SET = frozenset(DIRECTIONS)
_CAUSE_SET = frozenset(HANGUP_CAUSES)
_CALL_KEYS = ("start", "source", "destination", "direction", *CALL_ID_FIELDS)


def parse_call(item: Any, tz: ZoneInfo) -> CallRecord | None:
    """One ``{"Cdr": {...}}`` (or a bare record object) -> CallRecord, None if unusable.

    Only the fields the record keeps are read here; what the server sent is kept as it came
    and made safe when first shown (:attr:`CallRecord.raw`)."""
    if type(item) is not dict and not isinstance(item, Mapping):
        return None
    record = item.get("Cdr", item)
    if type(record) is not dict and not isinstance(record, Mapping):
        return None
    if "start" not in record and not any(k in record for k in _CALL_KEYS):
        return None
    get = record.get
    call_id = read_text(get("call_id"))
    if not call_id:
        for key in CALL_ID_FIELDS[1:]:
            call_id = read_text(get(key))
            if call_id:
                break
    recording = _url(get("recording")) or _url(get("recording_file"))
    mos = get("mos")
    if type(mos) is not float or not 0.0 < mos <= 5.0:
        mos = float_or_none(mos)
        if mos is not None and not 0.0 < mos <= 5.0:
            mos = None
    return CallRecord(
        call_id=call_id,
        start=read_moment(get("start"), tz),
        direction=_direction(get("direction")),
        source=read_text(get("source")),
        cid_name=read_text(get("cid_name")),
        destination=read_text(get("destination")),
        status=_cause(get("status")),
        tta_s=read_seconds(get("tta"), MAX_CALL_SECONDS),
        duration_s=read_clock(get("duration"), MAX_CALL_SECONDS),
        pdd_s=read_seconds(get("pdd"), MAX_PDD_SECONDS),
        mos=mos,
        recording_url=recording,
        sent=record,
    )


def parse_cdrs(payload: Any, tz: ZoneInfo | None = None) -> CdrPage:
    """The whole ``/cdrs/json`` answer -> CdrPage."""
    tz = tz or ZoneInfo(PBX_TIMEZONE)
    response = _response(payload)
    items: Any = response
    if isinstance(response, Mapping):
        for key in ("data", "records", "cdrs", "Cdr", "items"):
            if key in response:
                items = response[key]
                break
        else:
            items = [response] if "Cdr" in response else []
    if items is None or items == "" or items == {}:
        items = []
    elif isinstance(items, Mapping):
        items = [items]
    elif not isinstance(items, list):
        # A string, a number or true/false where records belong is no answer, not "no calls".
        raise ProtocolError(_("Call records not understood: 'response' is {kind}.").format(kind=kind_of(items)))
    records: list[CallRecord] = []
    skipped = 0
    for item in items:
        record = parse_call(item, tz)
        if record is None:
            skipped += 1
        else:
            records.append(record)
    paging = parse_paging(_find_paging(payload)) if isinstance(payload, Mapping) else None
    return CdrPage(records=tuple(records), paging=paging, skipped=skipped)


# --------------------------------------------------------------------------- queries


@dataclass(frozen=True, slots=True)
class CdrQuery:
    """Every filter of ``/cdrs/json``. ``None`` / empty = no filter (left out of the body)."""

    date_from: datetime | None = None
    date_to: datetime | None = None
    hangup_causes: tuple[str, ...] = ()
    source: str | None = None
    destination: str | None = None
    cid_name: str | None = None
    direction: str | None = None
    page: int | None = None
    limit: int | None = None

    def to_submission(self, tz: ZoneInfo | None = None) -> dict[str, Any]:
        """The filter part of ``submission``; dates formatted in the PBX's timezone."""
        tz = tz or ZoneInfo(PBX_TIMEZONE)
        body: dict[str, Any] = {}
        if self.date_from is not None or self.date_to is not None:
            date_range: dict[str, str] = {}
            if self.date_from is not None:
                date_range["from"] = _pbx_minutes(self.date_from, tz)
            if self.date_to is not None:
                date_range["to"] = _pbx_minutes(self.date_to, tz)
            body["date_range"] = date_range
        if self.hangup_causes:
            body["hangup_cause"] = ";".join(self.hangup_causes)
        for key in ("source", "destination", "cid_name", "direction"):
            value = getattr(self, key)
            if value:
                body[key] = value
        if self.page is not None:
            body["page"] = self.page
        if self.limit is not None:
            body["limit"] = self.limit
        return body

    def with_page(self, page: int, limit: int | None = None) -> "CdrQuery":
        from dataclasses import replace

        return replace(self, page=page, limit=self.limit if limit is None else limit)


def _pbx_minutes(moment: datetime, tz: ZoneInfo) -> str:
    if moment.tzinfo is not None:
        moment = moment.astimezone(tz)
    return moment.strftime("%Y-%m-%d %H:%M")
