"""Parsing the registered-extensions answer (``/ext_reg/json``) into a RegistrationsSnapshot.

Only the documented empty shapes (``[]``, ``{}``, ``null``, ``""``, no key) mean "nobody is
online". Any other answer that yields no usable row is a :class:`ProtocolError` that says what
was wrong; rows that cannot be read are counted, with the first one's reason. Identical rows
are one device.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from ..i18n import _
from .errors import ProtocolError
from .values import (
    PBX_TIMEZONE,
    bounded,
    clean_raw,
    float_or_none,
    int_or_none,
    kind_of,
    pbx_time,
    response_of,
    text_or_none,
)

# More rows than this is not a tenant but a runaway answer: refused before any row is read.
MAX_REGISTRATION_ROWS = 100_000
# A ping slower than an hour is not a measurement.
MAX_PING_MS = 3_600_000.0
# Where a row may name its user when it has no "user" (plausible shapes of other builds).
_OTHER_USER_KEYS = ("reg_user", "username", "extension", "ext")

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
    # Rows that could not be read, and why the first of them could not.
    skipped: int = 0
    skip_reason: str | None = None

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


def _other_user(row: Mapping[str, Any]) -> Any:
    """The user of a row without ``user``: ``reg_user``, ``username``, ``extension``, ``ext``."""
    for key in _OTHER_USER_KEYS:
        value = row.get(key)
        if value is not None:
            return value
    return None


def _plausible_user(text: str) -> bool:
    """A bare string row names a user when it looks like one: ``100@domain`` or ``100``."""
    return "@" in text or text.strip().removeprefix("sip:").isdigit()


def _row_user(row: Mapping[str, Any]) -> Any:
    user = row.get("user")
    return _other_user(row) if user is None else user


def parse_registration(row: Any, tz: ZoneInfo) -> Registration | None:
    """One ``sofia xmlstatus`` row (or a bare ``"100@domain"``) -> Registration, or None when
    it has no usable user."""
    if type(row) is str:
        if not _plausible_user(row):
            return None
        row = {"user": row}
    if not isinstance(row, Mapping):
        return None
    user = text_or_none(_row_user(row))
    extension = registration_extension(user)
    if user is None or extension is None:
        return None
    status = text_or_none(_reg_value(row, "status"))
    contact = text_or_none(_reg_value(row, "contact"))
    expires_at, expires_in, transport = _status_fields(status, contact, tz)
    ip = text_or_none(_reg_value(row, "network-ip"))
    port = int_or_none(_reg_value(row, "network-port"))
    if contact and (ip is None or port is None):
        match = _CONTACT_HOSTPORT.search(contact)
        if match:
            ip = ip or match.group(1)
            port = port if port is not None else int_or_none(match.group(2))
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
        ping_ms=bounded(float_or_none(_reg_value(row, "ping-time")), MAX_PING_MS),
        call_id=text_or_none(_reg_value(row, "call-id")),
        status=status,
        raw=clean_raw(row),
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
            expires_in = int_or_none(match.group(1))
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
        return (
            row.get("call-id") or row.get("call_id") or row.get("contact") or row.get("user")
            or _other_user(row)
        )
    return row


def _same_device(row: Any, other: Any) -> bool:
    """Two rows of one answer that are one device: identical, or the same call-id and contact."""
    if not isinstance(row, Mapping) or not isinstance(other, Mapping):
        return bool(row == other)
    call_id = _reg_value(row, "call-id")
    if call_id != _reg_value(other, "call-id"):
        return False  # neither identical nor the same registration: the usual case, decided here
    if call_id is not None:
        contact = _reg_value(row, "contact")
        if contact is not None and contact == _reg_value(other, "contact"):
            return True
    return bool(row == other)


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


def parse_registrations(
    payload: Any, tz: ZoneInfo | None = None, *, max_rows: int = MAX_REGISTRATION_ROWS
) -> RegistrationsSnapshot:
    """The whole ``/ext_reg/json`` answer -> RegistrationsSnapshot.

    Only each row's ``user`` is read here; the rest of a row when its extension's
    registrations are first used (see :class:`Registrations`), so a poll of a thousand
    devices costs little more than finding their extensions.
    """
    tz = tz or ZoneInfo(PBX_TIMEZONE)
    rows = _registration_rows(response_of(payload))
    if len(rows) > max_rows:
        raise ProtocolError(
            _("The answer lists {count} registrations, more than the {limit} this program reads.").format(
                count=f"{len(rows):,}", limit=f"{max_rows:,}"
            )
        )
    grouped: dict[str, list[Any]] = {}
    skipped = 0
    first_bad: Any = _NO_ROW
    extension_of = _EXTENSIONS.get
    for row in rows:
        if type(row) is dict:
            user = row.get("user")
            if user is None:
                user = _other_user(row)
        elif type(row) is str:
            user = row if _plausible_user(row) else None
        elif isinstance(row, Mapping):
            user = _row_user(row)
        else:
            skipped += 1
            if first_bad is _NO_ROW:
                first_bad = row
            continue
        extension = extension_of(user) if type(user) is str else None
        if extension is None:
            extension = registration_extension(user)
            if extension is None:
                skipped += 1
                if first_bad is _NO_ROW:
                    first_bad = row
                continue
            if type(user) is str:
                if len(_EXTENSIONS) > 65536:
                    _EXTENSIONS.clear()
                _EXTENSIONS[user] = extension
        group = grouped.get(extension)
        if group is None:
            grouped[extension] = [row]
        else:
            for other in group:
                if _same_device(row, other):
                    break
            else:
                group.append(row)
    reason = _skip_reason(rows, first_bad) if skipped else None
    if skipped and not grouped:
        if all(isinstance(row, (Mapping, str)) for row in rows):
            detail = _("none of the {count} rows has a user").format(count=len(rows))
        else:
            detail = _("none of the {count} rows is a registration ({reason})").format(
                count=len(rows), reason=reason
            )
        raise ProtocolError(_("Registrations not understood: {detail}.").format(detail=detail))
    return RegistrationsSnapshot(
        extensions={ext: Registrations(group, tz) for ext, group in grouped.items()},
        skipped=skipped,
        skip_reason=reason,
    )


_NO_ROW = object()


def _registration_rows(response: Any) -> list[Any]:
    """The rows of an answer. Only the documented empty shapes are an empty list; a string,
    a number or true/false where rows belong is a ProtocolError naming it."""
    if _empty(response):
        return []
    if isinstance(response, list):
        return response
    if not isinstance(response, Mapping):
        raise ProtocolError(
            _("Registrations not understood: 'response' is {kind}.").format(kind=kind_of(response))
        )
    rows = response.get("registrations")
    if isinstance(rows, Mapping) and "registration" in rows:
        rows = rows["registration"]  # XML-to-JSON nesting: {"registrations": {"registration": [...]}}
    if _empty(rows):
        return []
    if isinstance(rows, list):
        return rows
    if isinstance(rows, Mapping):
        return [rows]  # XML-to-JSON: one registration as an object
    raise ProtocolError(
        _("Registrations not understood: registrations is {kind}.").format(kind=kind_of(rows))
    )


def _empty(value: Any) -> bool:
    return value is None or (type(value) in (str, list, dict) and not value)


def _skip_reason(rows: list[Any], bad: Any) -> str:
    """Why the first unreadable row was left out, with its place in the answer (from 1)."""
    number = next((index for index, row in enumerate(rows, 1) if row is bad), 0)
    if isinstance(bad, (Mapping, str)):
        return _("row {number} has no user").format(number=number)
    return _("row {number} is {kind}").format(number=number, kind=kind_of(bad))


# ``user`` text -> its extension, for the strings that come back poll after poll.
_EXTENSIONS: dict[str, str] = {}
