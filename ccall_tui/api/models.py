"""Tolerant parsers for what the ccall API sends, and the typed results they produce.

Every shape listed in API.md is accepted. A malformed record is skipped and counted; a
malformed *answer* (not an object, no ``response``) raises :class:`ProtocolError`, the only
exception these parsers may raise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from .errors import ProtocolError
from .text import clean_text

PBX_TIMEZONE = "Asia/Ho_Chi_Minh"
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

_NULLS = {"", "null", "none", "nil", "undefined", "n/a", "-"}


# --------------------------------------------------------------------------- scalars


def _clean(value: Any, limit: int = 500) -> str:
    """:func:`clean_text`, without its two substitutions when there is nothing to remove
    (every character it removes or flattens is one ``str.isprintable`` refuses)."""
    if type(value) is str and len(value) <= limit and value.isprintable():
        return value
    return clean_text(value, limit=limit)


def text_or_none(value: Any) -> str | None:
    """A cleaned string, or None for null, ``"null"``, empty and containers."""
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    text = _clean(value).strip()
    if text.lower() in _NULLS:
        return None
    return text


def seconds_or_none(value: Any) -> float | None:
    """``7``, ``"7"``, ``"7s"``, ``"0.85 s"``, ``"00:01:05"`` -> seconds; blanks -> None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = float(value)
        return number if number == number and abs(number) != float("inf") else None
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
    return number if number == number and abs(number) != float("inf") else None


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
    if len(parts) > 3:
        return None
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        return None
    if any(n < 0 or n != n for n in numbers):
        return None
    total = 0.0
    for n in numbers:
        total = total * 60 + n
    return total


def float_or_none(value: Any) -> float | None:
    number = seconds_or_none(value) if not isinstance(value, str) or ":" not in value else None
    return number


_PBX_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S")


_PBX_TIME_SHAPE = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?\Z")


def pbx_time(value: Any, tz: ZoneInfo) -> datetime | None:
    """PBX local time without offset -> aware datetime in ``tz``."""
    text = text_or_none(value)
    if text is None:
        return None
    text = text[:19]
    if _PBX_TIME_SHAPE.match(text):
        # The shapes strptime would accept, read ~20x faster.
        try:
            return datetime.fromisoformat(text).replace(tzinfo=tz)
        except ValueError:
            return None
    for fmt in _PBX_TIME_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=tz)
        except ValueError:
            continue
    return None


def _bool(value: Any) -> bool | None:
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


def _int(value: Any) -> int | None:
    number = seconds_or_none(value)
    if number is None:
        return None
    try:
        return int(number)
    except (OverflowError, ValueError):
        return None


# --------------------------------------------------------------------------- registrations


@dataclass(frozen=True, slots=True)
class Registration:
    """One registration row of one device."""

    extension: str
    user: str
    agent: str | None = None
    contact: str | None = None
    ip: str | None = None
    port: int | None = None
    transport: str | None = None
    expires_at: datetime | None = None
    expires_in_s: int | None = None
    ping_status: str | None = None
    ping_ms: float | None = None
    call_id: str | None = None
    status: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "agent": self.agent,
            "contact": self.contact,
            "ip": self.ip,
            "port": self.port,
            "transport": self.transport,
            "expires_in_s": self.expires_in_s,
            "ping_ms": self.ping_ms,
        }


@dataclass(frozen=True, slots=True)
class RegistrationsSnapshot:
    """Online extensions at one moment: extension -> its registrations (one per device)."""

    extensions: Mapping[str, Sequence[Registration]]
    skipped: int = 0

    def __len__(self) -> int:
        return len(self.extensions)

    def device_count(self, extension: str) -> int:
        return len(self.extensions.get(extension, ()))


_EXP = re.compile(r"exp\(([^)]*)\)", re.IGNORECASE)
_EXPSECS = re.compile(r"expsecs\((-?\d+)\)", re.IGNORECASE)
_TRANSPORT_STATUS = re.compile(r"registered\(([a-z]+)", re.IGNORECASE)
_TRANSPORT_CONTACT = re.compile(r"transport=([a-z]+)", re.IGNORECASE)
_CONTACT_HOSTPORT = re.compile(r"sip:[^@>;]*@\[?([0-9a-fA-F.:]+?)\]?(?::(\d+))?[;>]")


def _reg_value(row: Mapping[str, Any], key: str) -> Any:
    if key in row:
        return row[key]
    return row.get(key.replace("-", "_"))


def parse_registration(row: Any, tz: ZoneInfo) -> Registration | None:
    """One ``sofia xmlstatus`` row -> Registration, or None when it has no usable user."""
    if not isinstance(row, Mapping):
        return None
    user = text_or_none(_reg_value(row, "user"))
    extension = registration_extension(user)
    if user is None or extension is None:
        return None
    status = text_or_none(_reg_value(row, "status"))
    contact = text_or_none(_reg_value(row, "contact"))
    expires_at, expires_in, transport = _status_fields(status, contact, tz)
    ip = text_or_none(_reg_value(row, "network-ip"))
    port = _int(_reg_value(row, "network-port"))
    if contact and (ip is None or port is None):
        match = _CONTACT_HOSTPORT.search(contact)
        if match:
            ip = ip or match.group(1)
            port = port if port is not None else _int(match.group(2))
    if port is not None and not 0 < port < 65536:
        port = None
    return Registration(
        extension=extension,
        user=user,
        agent=text_or_none(_reg_value(row, "agent")),
        contact=contact,
        ip=ip,
        port=port,
        transport=transport,
        expires_at=expires_at,
        expires_in_s=expires_in,
        ping_status=text_or_none(_reg_value(row, "ping-status")),
        ping_ms=float_or_none(_reg_value(row, "ping-time")),
        call_id=text_or_none(_reg_value(row, "call-id")),
        status=status,
        raw=_clean_raw(row),
    )


def _status_fields(
    status: str | None, contact: str | None, tz: ZoneInfo
) -> tuple[datetime | None, int | None, str | None]:
    """What the ``status`` text says: expiry time, seconds left, transport (else the contact's)."""
    expires_at = expires_in = None
    transport = None
    if status:
        match = _EXP.search(status)
        if match:
            expires_at = pbx_time(match.group(1), tz)
        match = _EXPSECS.search(status)
        if match:
            expires_in = _int(match.group(1))
        match = _TRANSPORT_STATUS.search(status)
        if match:
            transport = match.group(1).upper()
    if contact and transport is None:
        match = _TRANSPORT_CONTACT.search(contact)
        if match:
            transport = match.group(1).upper()
    return expires_at, expires_in, transport


def registration_extension(user: Any) -> str | None:
    """The extension a registration row's ``user`` names (``"101@domain"`` -> ``"101"``)."""
    user = text_or_none(user)
    if user is None:
        return None
    extension = user.split("@", 1)[0].strip()
    if extension.lower().startswith("sip:"):
        extension = extension[4:]
    return extension or None


class Registrations(Sequence[Registration]):
    """The registrations of one extension in one answer, read from their rows when first used.

    A poll needs only which extensions are online, how many devices each has and whether they
    are the same devices as before; the full reading of a row (its expiry, ping, network
    address, the cleaned copy of every field) is only wanted for the few extensions someone
    looks at. Each row is one a ``user`` was already read from (so it always gives a
    :class:`Registration`); reading is what :func:`parse_registration` does, once.
    """

    __slots__ = ("_rows", "_tz", "_parsed", "signature")

    def __init__(self, rows: list[Any], tz: ZoneInfo) -> None:
        self._rows = rows
        self._tz = tz
        self._parsed: tuple[Registration, ...] | None = None
        # Which devices these are, from the rows' raw identifiers (see device_signature): the
        # board compares it for every extension on every poll.
        self.signature: object = (
            _row_signature(rows[0]) if len(rows) == 1 else tuple([_row_signature(row) for row in rows])
        )

    def _all(self) -> tuple[Registration, ...]:
        parsed = self._parsed
        if parsed is None:
            tz = self._tz
            parsed = self._parsed = tuple([parse_registration(row, tz) for row in self._rows])  # type: ignore[misc]
        return parsed

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, index: Any) -> Any:
        return self._all()[index]

    def __iter__(self) -> Iterator[Registration]:
        return iter(self._all())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (Registrations, tuple)):
            return self._all() == tuple(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Registrations({list(self._all())!r})"


def _row_signature(row: Any) -> object:
    if type(row) is dict or isinstance(row, Mapping):
        return row.get("call-id") or row.get("call_id") or row.get("contact") or row.get("user")
    return row


def _parsed_signature(regs: Sequence[Registration]) -> object:
    if len(regs) == 1:
        reg = regs[0]
        return reg.call_id or reg.contact or reg.user
    return tuple([r.call_id or r.contact or r.user for r in regs])


def device_signature(regs: Sequence[Registration]) -> object:
    """Which devices these are (not their expiry countdown or ping): equal from one answer to
    the next while the same devices stay registered. Compare only signatures made the same way
    (a :class:`Registrations` uses its rows' raw identifiers)."""
    if type(regs) is Registrations:
        return regs.signature
    return _parsed_signature(regs)


def parse_registrations(payload: Any, tz: ZoneInfo | None = None) -> RegistrationsSnapshot:
    """The whole ``/ext_reg/json`` answer -> RegistrationsSnapshot.

    Only each row's ``user`` is read here; the rest of a row when its extension's
    registrations are first used (see :class:`Registrations`), so a poll of a thousand
    devices costs little more than finding their extensions.
    """
    tz = tz or ZoneInfo(PBX_TIMEZONE)
    response = _response(payload)
    rows: Any
    if isinstance(response, Mapping):
        rows = response.get("registrations")
        if isinstance(rows, Mapping) and "registration" in rows:
            rows = rows["registration"]  # XML-to-JSON nesting: {"registrations": {"registration": [...]}}
    elif isinstance(response, list):
        rows = response
    else:
        rows = None
    if rows is None or rows == "" or rows == {}:
        rows = []
    elif isinstance(rows, Mapping):
        rows = [rows]
    elif not isinstance(rows, list):
        rows = []
    grouped: dict[str, list[Any]] = {}
    skipped = 0
    extension_of = _EXTENSIONS.get
    for row in rows:
        if type(row) is dict:
            user = row.get("user")
        elif isinstance(row, Mapping):
            user = _reg_value(row, "user")
        else:
            skipped += 1
            continue
        extension = extension_of(user) if type(user) is str else None
        if extension is None:
            extension = registration_extension(user)
            if extension is None:
                skipped += 1
                continue
            if type(user) is str:
                if len(_EXTENSIONS) > 65536:
                    _EXTENSIONS.clear()
                _EXTENSIONS[user] = extension
        group = grouped.get(extension)
        if group is None:
            grouped[extension] = [row]
        else:
            group.append(row)
    return RegistrationsSnapshot(
        extensions={ext: Registrations(group, tz) for ext, group in grouped.items()}, skipped=skipped
    )


# ``user`` text -> its extension, for the strings that come back poll after poll.
_EXTENSIONS: dict[str, str] = {}


# --------------------------------------------------------------------------- call records


@dataclass(frozen=True, slots=True)
class CallRecord:
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
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

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
    text = text_or_none(value)
    if text is None:
        return None
    lowered = text.lower()
    return lowered if lowered in DIRECTIONS else text


def _cause(value: Any) -> str | None:
    """A hangup cause, trimmed. ``NONE`` is a real FreeSWITCH cause, not a blank."""
    if isinstance(value, str) and value.strip().upper() == "NONE":
        return "NONE"
    return text_or_none(value)


def _url(value: Any) -> str | None:
    text = text_or_none(value)
    if text is None or " " in text:
        return None
    if not text.lower().startswith(("http://", "https://")):
        return None
    return text


def parse_call(item: Any, tz: ZoneInfo) -> CallRecord | None:
    """One ``{"Cdr": {...}}`` (or a bare record object) -> CallRecord, None if unusable."""
    if not isinstance(item, Mapping):
        return None
    record = item.get("Cdr", item)
    if not isinstance(record, Mapping):
        return None
    if not any(k in record for k in ("start", "source", "destination", "direction", *CALL_ID_FIELDS)):
        return None
    call_id = None
    for key in CALL_ID_FIELDS:
        call_id = text_or_none(record.get(key))
        if call_id:
            break
    duration = clock_seconds(record.get("duration"))
    recording = _url(record.get("recording")) or _url(record.get("recording_file"))
    mos = float_or_none(record.get("mos"))
    if mos is not None and not 0.0 < mos <= 5.0:
        mos = None
    return CallRecord(
        call_id=call_id,
        start=pbx_time(record.get("start"), tz),
        direction=_direction(record.get("direction")),
        source=text_or_none(record.get("source")),
        cid_name=text_or_none(record.get("cid_name")),
        destination=text_or_none(record.get("destination")),
        status=_cause(record.get("status")),
        tta_s=seconds_or_none(record.get("tta")),
        duration_s=duration,
        pdd_s=seconds_or_none(record.get("pdd")),
        mos=mos,
        recording_url=recording,
        raw=_clean_raw(record),
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
        items = []
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


# --------------------------------------------------------------------------- helpers


def _response(payload: Any) -> Any:
    if not isinstance(payload, Mapping):
        raise ProtocolError("The server's answer is not a JSON object.")
    if "response" not in payload:
        raise ProtocolError("The server's answer has no 'response'.")
    return payload["response"]


def _clean_raw(value: Any, depth: int = 0) -> Any:
    """A copy of what the server sent, with every string made terminal-safe."""
    if depth > 8:
        return None
    if type(value) is dict:
        # The usual record: flat, plain keys and scalar values. One pass, no recursion.
        out = {}
        for k, v in value.items():
            key = k if type(k) is str and len(k) <= 100 and k.isprintable() else _clean(k, 100)
            kind = type(v)
            if kind is str:
                out[key] = v if len(v) <= 2000 and v.isprintable() else _clean(v, 2000)
            elif v is None or kind is int or kind is float or kind is bool:
                out[key] = v
            else:
                out[key] = _clean_raw(v, depth + 1)
        return out
    if isinstance(value, Mapping):
        return {_clean(k, 100): _clean_raw(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean_raw(v, depth + 1) for v in value[:200]]
    if isinstance(value, str):
        return _clean(value, 2000)
    return value


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
