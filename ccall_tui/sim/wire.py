"""The ccall wire format: request bodies in, JSON answers out, with the quirks real servers show.

No sockets here: the server hands bytes in and writes out what these functions return.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from http import HTTPStatus
from datetime import datetime
from typing import Any, NamedTuple
from urllib.parse import parse_qsl

from . import data
from .calls import DIRECTIONS, Call, CallFilter
from .clock import PBX_TZ
from .faults import Faults
from .tenant import LiveRegistration, Tenant

CREDENTIAL_KEYS = ("api_key", "api_secret")
MAX_LIMIT = 5000
DEFAULT_LIMIT = 50
DATE_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")


class BadRequest(ValueError):
    """The submission cannot be answered; the message is shown to the client."""


# --------------------------------------------------------------------------- requests


def decode_body(raw: bytes, content_type: str) -> dict[str, Any]:
    """JSON ``{"submission": {...}}`` or a form (``submission[api_key]=...`` or a
    ``submission`` field holding JSON) -> the whole body as a dict."""
    text = raw.decode("utf-8", errors="strict") if raw else ""
    kind = content_type.split(";", 1)[0].strip().lower()
    if not text.strip():
        return {}
    if kind == "application/x-www-form-urlencoded" or (
        kind != "application/json" and not text.lstrip().startswith("{")
    ):
        body = _decode_form(text)
    else:
        try:
            body = json.loads(text)
        except json.JSONDecodeError as error:
            raise BadRequest("Invalid JSON in request body") from error
    if not isinstance(body, dict):
        raise BadRequest("Request body must be an object")
    submission = body.get("submission")
    if isinstance(submission, str):
        try:
            body["submission"] = json.loads(submission)
        except json.JSONDecodeError as error:
            raise BadRequest("Invalid JSON in 'submission'") from error
    return body


def _decode_form(text: str) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for key, value in parse_qsl(text, keep_blank_values=True):
        # submission[date_range][from] -> ["submission", "date_range", "from"]
        head, _, rest = key.partition("[")
        path = [head] + [part.rstrip("]") for part in rest.split("[")] if rest else [head]
        node = body
        for part in path[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[path[-1]] = value
    return body


def submission_of(body: dict[str, Any]) -> dict[str, Any]:
    """The ``submission`` object, or the body itself when a client sent the fields bare."""
    submission = body.get("submission", body)
    return submission if isinstance(submission, dict) else {}


def without_credentials(body: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``body`` safe to keep: the api key and secret removed at every level."""
    clean: dict[str, Any] = {}
    for key, value in body.items():
        if key in CREDENTIAL_KEYS:
            continue
        clean[key] = without_credentials(value) if isinstance(value, dict) else value
    return clean


@dataclass(frozen=True, slots=True)
class CdrRequest:
    where: CallFilter
    page: int | None
    limit: int | None

    def with_page(self, page: int) -> "CdrRequest":
        return replace(self, page=page)


class Encoded(NamedTuple):
    """A whole answer already written as JSON bytes (a plain one: no quirk or hostile
    switch reshapes it)."""

    body: bytes


def _int_field(submission: dict[str, Any], key: str, low: int, high: int) -> int | None:
    value = submission.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise BadRequest(f"Invalid {key}: must be a whole number")
    try:
        number = int(str(value).strip())
    except ValueError:
        raise BadRequest(f"Invalid {key}: must be a whole number") from None
    if not low <= number <= high:
        raise BadRequest(f"Invalid {key}: must be between {low} and {high}")
    return number


def _pbx_minute(value: Any, which: str) -> datetime:
    text = str(value).strip() if isinstance(value, (str, int)) else None
    if text:
        for fmt in DATE_FORMATS:
            try:
                return datetime.strptime(text, fmt).replace(tzinfo=PBX_TZ)
            except ValueError:
                continue
    raise BadRequest(f"Invalid date_range.{which}: expected 'YYYY-MM-DD HH:mm'")


def text_field(submission: dict[str, Any], key: str) -> str | None:
    value = submission.get(key)
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    text = str(value).strip()
    return text or None


def cdr_request(submission: dict[str, Any], now: datetime) -> CdrRequest:
    """Read every filter of ``/cdrs/json``; raise BadRequest with a short reason."""
    start_ts = end_ts = None
    date_range = submission.get("date_range")
    if date_range in (None, "", {}):
        midnight = now.astimezone(PBX_TZ).replace(hour=0, minute=0, second=0, microsecond=0)
        start_ts = int(midnight.timestamp())
    elif not isinstance(date_range, dict):
        raise BadRequest("Invalid date_range: expected {'from': ..., 'to': ...}")
    else:
        if date_range.get("from") not in (None, ""):
            start_ts = int(_pbx_minute(date_range["from"], "from").timestamp())
        if date_range.get("to") not in (None, ""):
            # Bounds are whole minutes, both inclusive.
            end_ts = int(_pbx_minute(date_range["to"], "to").timestamp()) + 59
        if start_ts is not None and end_ts is not None and start_ts > end_ts:
            raise BadRequest("Invalid date_range: 'from' is after 'to'")
    direction = text_field(submission, "direction")
    if direction is not None:
        direction = direction.lower()
        if direction not in DIRECTIONS:
            raise BadRequest("Invalid direction: expected inbound, outbound or local")
    causes = None
    hangup = text_field(submission, "hangup_cause")
    if hangup:
        causes = frozenset(c.strip().upper() for c in hangup.split(";") if c.strip())
    page = _int_field(submission, "page", 1, 10**7)
    limit = _int_field(submission, "limit", 1, MAX_LIMIT)
    where = CallFilter(
        start_ts=start_ts, end_ts=end_ts, causes=causes or None,
        source=text_field(submission, "source"),
        destination=text_field(submission, "destination"),
        cid_name=text_field(submission, "cid_name"), direction=direction,
    )
    return CdrRequest(where, page, limit)


# --------------------------------------------------------------------------- answers


def error(message: str) -> dict[str, Any]:
    return {"status": "error", "message": message}


def registration_row(tenant: Tenant, reg: LiveRegistration, now: datetime, faults: Faults) -> dict[str, str]:
    device = reg.device
    ext = reg.extension
    transport = device.transport + ("-NAT" if device.nat else "")
    secs = max(0, int((reg.expires_at - now).total_seconds()))
    exp, expsecs = ("EXP", "EXPSECS") if faults.has("upper_exp") else ("exp", "expsecs")
    status = (f"Registered({transport})(unknown) {exp}({reg.expires_at:%Y-%m-%d %H:%M:%S}) "
              f"{expsecs}({secs})")
    if faults.has("spaces"):
        status = f"  {status} "
    display = tenant.name(ext) if device.sends_name else ext
    display = display.replace("\\", "\\\\").replace('"', '\\"')  # SIP quoted-string escapes
    params = f";transport={device.transport.lower()}" + (";fs_nat=yes" if device.nat else "")
    row = {
        "call-id": reg.call_id,
        "user": f"{ext}@{tenant.domain}",
        "contact": f'"{display}" <sip:{ext}@{device.ip}:{device.port}{params}>',
        "agent": tenant.agent(ext, device),
        "status": status,
        "ping-status": "Reachable" if reg.reachable else "Unreachable",
        "ping-time": f"{reg.ping_ms:.2f}",
        "host": data.SBC_HOSTS[int(ext) % len(data.SBC_HOSTS)],
        "network-ip": device.ip,
        "network-port": str(device.port),
        "sip-auth-user": ext,
        "sip-auth-realm": tenant.domain,
        "mwi-account": f"{ext}@{tenant.domain}",
    }
    if faults.has("underscore_keys"):
        row = {key.replace("-", "_"): value for key, value in row.items()}
    return row


def registrations_answer(rows: list[dict[str, str]], faults: Faults, turn: int) -> dict[str, Any]:
    """``{"response": {"registrations": ...}}`` shaped by the quirks in force."""
    if not rows and faults.has("empty_variant"):
        variant = turn % 4
        if variant == 0:
            return {"response": {"registrations": {}}}
        if variant == 1:
            return {"response": {"registrations": None}}
        if variant == 2:
            return {"response": {"registrations": ""}}
        return {"response": {}}
    listed: Any = rows
    if len(rows) == 1 and faults.has("single_object"):
        listed = rows[0]
    if faults.has("xml_nesting"):
        listed = {"registration": listed}
    return {"response": {"registrations": listed}}


def hhmmss(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def cdr_record(tenant: Tenant, call: Call, base_url: str, faults: Faults) -> dict[str, Any]:
    """One call as the body of a ``{"Cdr": {...}}`` item."""
    strings = faults.has("string_numbers")
    nulls = faults.has("null_strings")
    empty: Any = "null" if nulls else ""
    none: Any = "null" if nulls else None
    if call.tta is None:
        tta: Any = empty
    else:
        tta = f"{call.tta}s" if strings else call.tta
    if call.pdd is None:
        pdd: Any = none
    else:
        pdd = f"{call.pdd:.2f}s" if strings else call.pdd
    if call.mos is None:
        mos: Any = none
    else:
        mos = f"{call.mos:g}" if strings else call.mos
    if faults.has("duration_seconds"):
        duration: Any = str(call.talk_s) if strings else call.talk_s
    else:
        duration = hhmmss(call.talk_s)
    recording = f"{base_url}/recordings/{call.call_id}.wav" if call.recorded else empty
    status = f" {call.cause}  " if faults.has("spaces") else call.cause
    q850 = data.Q850.get(call.cause, 0)
    source: Any = call.source
    destination: Any = call.destination
    if faults.has("numeric_extensions"):
        source = _as_number(source)
        destination = _as_number(destination)
    record: dict[str, Any] = {
        faults.call_id_key: call.call_id,
        "direction": call.direction,
        "cid_name": tenant.calls.cid_name(call) or empty,
        "source": source,
        "destination": destination,
        "recording_file" if faults.has("recording_file") else "recording": recording,
        "start": call.start,
        "tta": tta,
        "duration": duration,
        "pdd": pdd,
        "mos": mos,
        "status": status,
        "billsec": str(call.talk_s) if strings else call.talk_s,
        "hangup_cause_q850": str(q850) if strings else q850,
        "accountcode": tenant.domain,
    }
    return record


def _as_number(value: str) -> Any:
    """An extension number as a JSON number; external numbers keep their leading zero."""
    return int(value) if value.isdigit() and not value.startswith("0") else value


def cdrs_answer(
    tenant: Tenant, calls: list[Call], request: CdrRequest, base_url: str, faults: Faults
) -> dict[str, Any]:
    if request.page is None and request.limit is None:
        return {"response": [{"Cdr": cdr_record(tenant, c, base_url, faults)} for c in calls]}
    page = request.page or 1
    if faults.stuck_page:
        page = 1  # a server that ignores the page number
    limit = request.limit or DEFAULT_LIMIT
    count = len(calls)
    page_count = math.ceil(count / limit)
    shown = calls[(page - 1) * limit: page * limit]
    if shown:
        first = (page - 1) * limit + 1
        text = f"Showing {first:,}-{first + len(shown) - 1:,} of {count:,} records"
    else:
        text = f"Showing 0 of {count:,} records"
    paging = {
        "txtdesc": text,
        "page_current": page,
        "limit": limit,
        "record_count": count,
        "page_count": page_count,
        "prev_page": page > 1,
        "next_page": page < page_count,
    }
    if faults.page_count_lie:
        paging.update(page_count=10**9, next_page=True)
    if faults.endless_empty_pages:
        paging["next_page"] = True
    if faults.has("string_numbers"):
        paging.update({k: str(v) for k, v in paging.items() if isinstance(v, int)
                       and not isinstance(v, bool)})
    return {
        "response": [{"Cdr": cdr_record(tenant, c, base_url, faults)} for c in shown],
        "paging": paging,
    }


def one_call_answer(tenant: Tenant, call: Call | None, base_url: str, faults: Faults) -> dict[str, Any]:
    if call is None:
        return {"response": []}
    return {"response": [{"Cdr": cdr_record(tenant, call, base_url, faults)}]}


def status_phrase(status: int) -> str:
    """The reason phrase a server sends with ``status`` (``Service Unavailable``)."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Server Error"
