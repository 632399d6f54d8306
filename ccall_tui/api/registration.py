"""One registration row of ``/ext_reg/json`` read into a :class:`Registration`: every field
made terminal-safe, numbers sane, the expiry a timezone-aware time (see API.md for the keys
and the quirks of other builds)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from .values import (
    bounded,
    clean_raw,
    float_or_none,
    int_or_none,
    pbx_time,
    text_or_none,
)

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


_EXP = re.compile(r"exp\(([^)]*)\)", re.IGNORECASE)
_EXPSECS = re.compile(r"expsecs\((-?\d+)\)", re.IGNORECASE)
_TRANSPORT_STATUS = re.compile(r"registered\(([a-z]+)", re.IGNORECASE)
_TRANSPORT_CONTACT = re.compile(r"transport=([a-z]+)", re.IGNORECASE)
_CONTACT_HOSTPORT = re.compile(r"sip:[^@>;]*@\[?([0-9a-fA-F.:]+?)\]?(?::(\d+))?[;>]")


def _reg_value(row: Mapping[str, Any], key: str) -> Any:
    if key in row:
        return row[key]
    return row.get(key.replace("-", "_"))


def other_user(row: Mapping[str, Any]) -> Any:
    """The user of a row without ``user``: ``reg_user``, ``username``, ``extension``, ``ext``."""
    for key in _OTHER_USER_KEYS:
        value = row.get(key)
        if value is not None:
            return value
    return None


def plausible_user(text: str) -> bool:
    """A bare string row names a user when it looks like one: ``100@domain`` or ``100``."""
    return "@" in text or text.strip().removeprefix("sip:").isdigit()


def row_user(row: Mapping[str, Any]) -> Any:
    user = row.get("user")
    return other_user(row) if user is None else user


def parse_registration(row: Any, tz: ZoneInfo) -> Registration | None:
    """One ``sofia xmlstatus`` row (or a bare ``"100@domain"``) -> Registration, or None when
    it has no usable user."""
    if type(row) is str:
        if not plausible_user(row):
            return None
        row = {"user": row}
    if not isinstance(row, Mapping):
        return None
    user = text_or_none(row_user(row))
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
