"""Answers from a hostile or broken server: slow, huge, junk, or echoing what it was sent.

Each is a field of :class:`~ccall_tui.sim.faults.Faults` (flip it on ``pbx.faults`` while the
server runs, POST it to ``/_sim/faults``, or pass ``--fault NAME=VALUE`` to ``simulate``):

- ``trickle_ms``: the headers at once, then the body one byte every N ms.
- ``huge_body_mb``: every answer padded with this many MB (Content-Length announced).
- ``no_content_length``: answers end by closing the connection, no Content-Length (the size
  is only known by reading).
- ``padding_rows``: that many extra registration rows of extensions 1000000 upwards.
- ``registrations_junk``: ``response_string`` (``{"response": "string"}``),
  ``registrations_string`` (``registrations: "nope"``), ``rows_without_user`` (no row has a
  user), ``some_rows_without_user`` (the first three rows lose it), ``rows_not_objects``
  (numbers where rows belong).
- ``identical_rows``: every registration row sent this many times, identical.
- ``rate_limited`` + ``retry_after``: 429 with that ``Retry-After`` (seconds or an HTTP date;
  default 30; empty: no header). It also goes on a ``status_5xx`` of 503.
- ``surrogates``: a lone surrogate (``"\\ud800"``) in caller names, phone agents and one key
  of every record, written as a JSON escape.
- ``infinite_numbers``: call durations ``"inf:00:00"`` / ``"99999:00:00"``, tta ``"inf"``, pdd
  ``NaN`` and ``Infinity`` literals, mos ``"inf"``.
- ``echo_request_500``: 500 whose message echoes the request body as received and upper-cased.

Quirks (plausible shapes, not faults): ``user_strings`` (rows are ``"100@domain"`` strings),
``other_user_keys`` (``user`` named ``reg_user``/``username``/``extension``/``ext``),
``bare_user`` (``user`` without ``@domain``), ``no_call_ids`` (records carry no call id).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .faults import Faults

HOSTILE_QUIRKS = frozenset({"user_strings", "other_user_keys", "bare_user", "no_call_ids"})
JUNK_SHAPES = (
    "response_string", "registrations_string", "rows_without_user", "some_rows_without_user",
    "rows_not_objects",
)
OTHER_USER_KEYS = ("reg_user", "username", "extension", "ext")
USER_KEYS = ("user", *OTHER_USER_KEYS)
SURROGATE = "\ud800"
_LIMITS = {
    "trickle_ms": (0, 60_000),
    "huge_body_mb": (0, 1024),
    "padding_rows": (0, 1_000_000),
    "identical_rows": (0, 1000),
}


def check(key: str, value: Any) -> Any:
    """Validate one hostile field's value (for ``/_sim/faults`` and ``--fault``)."""
    if key in _LIMITS:
        low, high = _LIMITS[key]
        whole = key in ("padding_rows", "identical_rows")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high \
                or (whole and value != int(value)):
            kind = "a whole number" if whole else "a number"
            raise ValueError(f"{key} must be {kind} from {low} to {high}")
        return int(value) if whole else float(value)
    if key == "registrations_junk":
        if value is not None and value not in JUNK_SHAPES:
            raise ValueError("registrations_junk must be null or one of " + ", ".join(JUNK_SHAPES))
        return value
    if key == "retry_after":
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise ValueError("retry_after must be seconds or an HTTP date (empty: no header)")
        return str(value)
    if not isinstance(value, bool):
        raise ValueError(f"{key} must be true or false")
    return value


# --------------------------------------------------------------------------- transport


def refuse(handler: Any) -> bool:
    """429 with Retry-After (``rate_limited``), or the 503 of ``status_5xx`` with it; True if
    the request was answered."""
    faults = handler.pbx.faults
    if faults.rate_limited:
        status, words = 429, "Too Many Requests"
    elif faults.status_5xx == 503 and faults.retry_after:
        status, words = 503, "Service Unavailable"
    else:
        return False
    body = json.dumps({"status": "error", "message": words}).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    if faults.retry_after:
        handler.send_header("Retry-After", faults.retry_after)
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(body)
    return True


def echo_request(handler: Any, raw: bytes) -> bool:
    """``echo_request_500``: a 500 whose message repeats the request body, as received and
    upper-cased, the way careless error pages do. True if the request was answered."""
    if not handler.pbx.faults.echo_request_500:
        return False
    text = raw.decode("utf-8", errors="replace")
    payload = {"status": "error", "message": f"Cannot process request {text} ({text.upper()})"}
    body = json.dumps(payload).encode()
    handler.send_response(500)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)
    return True


def deliver(handler: Any, status: int, payload: Any) -> bool:
    """Write an answer the hostile way (a lone surrogate as a JSON escape, no Content-Length,
    one byte at a time); True if written, False to let the server write it normally."""
    faults = handler.pbx.faults
    if not (faults.trickle_ms or faults.no_content_length or faults.surrogates or faults.infinite_numbers):
        return False
    # ensure_ascii writes "\ud800" as an escape (it cannot be UTF-8); NaN/Infinity stay literal.
    body = json.dumps(payload, ensure_ascii=True).encode("ascii")
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json; charset=utf-8")
    if faults.no_content_length:
        handler.send_header("Connection", "close")
        handler.close_connection = True
    else:
        handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    if not faults.trickle_ms:
        handler.wfile.write(body)
        return True
    handler.wfile.flush()
    try:
        for offset in range(len(body)):
            if handler.pbx.hold(faults.trickle_ms / 1000):
                break
            handler.wfile.write(body[offset: offset + 1])
            handler.wfile.flush()
    except OSError:  # the client gave up: that is the point
        pass
    handler.close_connection = True
    return True


# --------------------------------------------------------------------------- payloads


def reshape(path: str, payload: Any, faults: Faults, domain: str) -> Any:
    """The answer as the hostile switches and quirks in force make it."""
    if not isinstance(payload, dict) or "response" not in payload:
        return payload
    if path == "/ext_reg/json":
        payload = _registrations(payload, faults, domain)
    else:
        _cdrs(payload, faults)
    if faults.huge_body_mb:
        payload = {**payload, "padding": "x" * int(faults.huge_body_mb * 1024 * 1024)}
    return payload


def _rows_of(payload: dict[str, Any]) -> list[Any] | None:
    response = payload.get("response")
    rows = response.get("registrations") if isinstance(response, dict) else None
    if isinstance(rows, dict) and "registration" in rows:
        rows = rows["registration"]
    return rows if isinstance(rows, list) else None


def _registrations(payload: dict[str, Any], faults: Faults, domain: str) -> dict[str, Any]:
    junk = faults.registrations_junk
    if junk == "response_string":
        return {"response": "string"}
    if junk == "registrations_string":
        return {"response": {"registrations": "nope"}}
    rows = _rows_of(payload)
    if rows is None:
        return payload
    rows[:] = [dict(row) for row in rows if isinstance(row, dict)]
    if faults.padding_rows:
        rows.extend({"user": f"{1_000_000 + n}@{domain}"} for n in range(faults.padding_rows))
    if faults.surrogates:
        for row in rows:
            if "agent" in row:
                row["agent"] = f"{row['agent']} {SURROGATE}"
            row["x-note" + SURROGATE] = "bad" + SURROGATE
    if faults.has("bare_user"):
        for row in rows:
            if isinstance(row.get("user"), str):
                row["user"] = row["user"].split("@", 1)[0]
    if faults.has("other_user_keys"):
        for index, row in enumerate(rows):
            if "user" in row:
                row[OTHER_USER_KEYS[index % len(OTHER_USER_KEYS)]] = row.pop("user")
    if junk == "rows_without_user":
        for row in rows:
            for key in USER_KEYS:
                row.pop(key, None)
    elif junk == "some_rows_without_user":
        for row in rows[:3]:
            for key in USER_KEYS:
                row.pop(key, None)
    elif junk == "rows_not_objects":
        rows[:] = list(range(5, 5 + len(rows)))
    if faults.identical_rows > 1:
        rows[:] = [row for row in rows for _ in range(faults.identical_rows)]
    if faults.has("user_strings") and junk is None:
        rows[:] = [row["user"] for row in rows if isinstance(row, dict) and "user" in row]
    return payload


def _cdrs(payload: dict[str, Any], faults: Faults) -> None:
    items = payload.get("response")
    if isinstance(items, dict):
        items = items.get("data")
    if not isinstance(items, list):
        return
    for index, item in enumerate(items):
        record = item.get("Cdr") if isinstance(item, dict) else None
        if not isinstance(record, dict):
            continue
        if faults.has("no_call_ids"):
            for key in ("call_id", "uuid", "xml_cdr_uuid", "_id", "id"):
                record.pop(key, None)
        if faults.surrogates:
            record["cid_name"] = f"{record.get('cid_name') or 'Lê'} {SURROGATE}"
            record["note" + SURROGATE] = "bad" + SURROGATE
        if faults.infinite_numbers:
            record.update(_INFINITE[index % len(_INFINITE)])


_INFINITE = (
    {"duration": "inf:00:00", "tta": "inf", "pdd": "nan", "mos": "inf"},
    {"duration": "99999:00:00", "tta": float("inf"), "pdd": float("nan"), "mos": float("-inf")},
    {"duration": float("inf"), "tta": "1e400", "pdd": "7200", "mos": "NaN"},
    {"duration": "-00:00:05", "tta": 864000, "pdd": -1, "mos": 99},
)
