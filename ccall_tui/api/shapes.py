"""Which of the shapes API.md allows a server actually uses, read from one raw answer.

Every count comes from the app's own parsers (:mod:`ccall_tui.api.cdrs`,
:mod:`ccall_tui.api.registrations`), so "parsed" here
means exactly what the board and the call browser would show.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from ..i18n import _
from .cdrs import CALL_ID_FIELDS, parse_call, parse_cdrs
from .errors import ProtocolError
from .registrations import parse_registrations, registration_extension

REGISTRATION_KEYS = (
    "call-id", "user", "contact", "agent", "status", "ping-status", "ping-time", "host",
    "network-ip", "network-port", "sip-auth-user", "sip-auth-realm", "mwi-account",
)
CDR_KEYS = (
    "direction", "cid_name", "source", "destination", "recording", "recording_file", "start",
    "tta", "duration", "pdd", "mos", "status", *CALL_ID_FIELDS,
)
PAGING_KEYS = ("txtdesc", "page_current", "limit", "record_count", "page_count", "prev_page", "next_page")
EXPECTED_TIME = "YYYY-MM-DD HH:mm:ss"
_TIME_SHAPES = (
    (re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\Z"), EXPECTED_TIME),
    (re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\Z"), "YYYY-MM-DDTHH:mm:ss"),
    (re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}\Z"), "YYYY-MM-DD HH:mm"),
    (re.compile(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}(:\d{2})?\Z"), "DD/MM/YYYY HH:mm:ss"),
)


# --------------------------------------------------------------------------- registrations


def registration_rows(data: Any) -> tuple[str, list[Any]]:
    """``(where the rows were found, the rows)`` for a ``/ext_reg/json`` answer."""
    response = data.get("response") if isinstance(data, Mapping) else None
    if isinstance(response, list):
        return "response: list", response
    if not isinstance(response, Mapping):
        return f"response: {_kind(response)}", []
    if "registrations" not in response:
        return "response: " + _("no 'registrations'"), []
    rows = response["registrations"]
    where = "response.registrations"
    if isinstance(rows, Mapping) and "registration" in rows:
        rows, where = rows["registration"], "response.registrations.registration"
    if isinstance(rows, list):
        return f"{where}: list", rows
    if isinstance(rows, Mapping) and rows:
        return f"{where}: " + _("one object"), [rows]
    return f"{where}: {_kind(rows)}", []


def analyse_registrations(data: Any, tz: ZoneInfo) -> dict[str, Any]:
    where, rows = registration_rows(data)
    facts: dict[str, Any] = {"shape": where, "rows": len(rows)}
    try:
        snapshot = parse_registrations(data, tz)
    except ProtocolError as exc:
        facts.update(parsed=0, skipped=len(rows), skip_reason=exc.message, understood=False)
        return facts
    parsed = sum(len(regs) for regs in snapshot.extensions.values())
    facts["parsed"] = parsed
    facts["extensions"] = len(snapshot)
    facts["skipped"] = snapshot.skipped
    # Rows that are one device (identical, or the same call-id and contact) count once.
    facts["merged"] = max(0, len(rows) - parsed - snapshot.skipped)
    facts["skip_reason"] = getattr(snapshot, "skip_reason", None) or _first_registration_skip(rows)
    keys = _keys(rows)
    known = {k for k in keys if k in REGISTRATION_KEYS or k.replace("_", "-") in REGISTRATION_KEYS}
    facts["fields"] = sorted(known)
    facts["unknown_fields"] = sorted(keys - known)
    dashes = any("-" in k for k in known)
    underscores = any("_" in k for k in known)
    facts["key_style"] = "mixed" if dashes and underscores else "underscores" if underscores else "dashes"
    statuses = [r.get("status") or r.get("Status") for r in rows if isinstance(r, Mapping)]
    upper = any(isinstance(s, str) and "EXPSECS(" in s for s in statuses)
    facts["expiry_style"] = "EXP(...)" if upper else "exp(...)"
    # Rows parsed but nothing understood from a non-empty answer is not an empty tenant.
    facts["understood"] = not rows or parsed > 0
    return facts


def _first_registration_skip(rows: list[Any]) -> str | None:
    for index, row in enumerate(rows, 1):
        if not isinstance(row, Mapping):
            return _("row {n} is {kind}, not an object").format(n=index, kind=_kind(row))
        user = row.get("user", row.get("User"))
        if registration_extension(user) is None:
            return _("row {n} has no usable 'user'").format(n=index)
    return None


# --------------------------------------------------------------------------- call records


def cdr_items(data: Any) -> tuple[str, list[Any]]:
    response = data.get("response") if isinstance(data, Mapping) else None
    if isinstance(response, list):
        return "response: list", response
    if isinstance(response, Mapping):
        for key in ("data", "records", "cdrs", "Cdr", "items"):
            if key in response:
                items = response[key]
                if isinstance(items, list):
                    return f"response.{key}: list", items
                return f"response.{key}: {_kind(items)}", [items] if isinstance(items, Mapping) else []
        return "response: " + _("an object"), []
    return f"response: {_kind(response)}", []


def paging_place(data: Any) -> tuple[str | None, list[str]]:
    """Where the paging metadata sits (``paging``, ``response.paging``, ``flat``,
    ``response (flat)``) and which of its keys are present."""
    if not isinstance(data, Mapping):
        return None, []
    response = data.get("response")
    candidates: list[tuple[str, Any]] = [("paging", data.get("paging")), ("flat", data)]
    if isinstance(response, Mapping):
        candidates += [("response.paging", response.get("paging")), ("response (flat)", response)]
    for place, candidate in candidates:
        if isinstance(candidate, Mapping):
            found = [k for k in PAGING_KEYS if k in candidate]
            if found:
                return place, found
    return None, []


def analyse_cdrs(data: Any, tz: ZoneInfo, limit: int | None = None) -> dict[str, Any]:
    where, items = cdr_items(data)
    facts: dict[str, Any] = {"shape": where, "rows": len(items)}
    try:
        page = parse_cdrs(data, tz)
    except ProtocolError as exc:
        facts.update(parsed=0, skipped=len(items), skip_reason=exc.message, understood=False)
        return facts
    records = [r for r in (item.get("Cdr", item) if isinstance(item, Mapping) else None for item in items)
               if isinstance(r, Mapping)]
    facts["parsed"] = len(page.records)
    facts["skipped"] = page.skipped
    facts["skip_reason"] = _first_cdr_skip(items, tz) if page.skipped else None
    facts["wrapped"] = bool(items) and all(isinstance(i, Mapping) and "Cdr" in i for i in items)
    keys = _keys(records)
    facts["fields"] = sorted(k for k in keys if k in CDR_KEYS)
    facts["unknown_fields"] = sorted(k for k in keys if k not in CDR_KEYS)
    place, found = paging_place(data)
    facts["paging_place"] = place
    facts["paging_fields"] = found
    facts["paging"] = _paging_dict(page.paging)
    facts["call_id_field"] = next((k for k in CALL_ID_FIELDS if any(k in r for r in records)), None)
    facts["call_ids"] = [r.call_id for r in page.records]
    facts["recording_field"] = next((k for k in ("recording", "recording_file") if any(k in r for r in records)), None)
    facts["numbers"] = {key: _value_shape([r.get(key) for r in records]) for key in ("tta", "pdd", "mos", "duration")}
    starts = [r.get("start") for r in records if r.get("start") not in (None, "")]
    facts["time_format"] = time_format(starts)
    facts["time_example"] = str(starts[0])[:40] if starts else None
    facts["times_unread"] = sum(1 for r, rec in zip(records, page.records) if r.get("start") and rec.start is None)
    facts["causes"] = sorted({r.status for r in page.records if r.status})
    if limit is not None:
        facts["limit_honoured"] = len(items) <= limit
    facts["understood"] = not items or (bool(page.records) and facts["times_unread"] == 0)
    return facts


def _paging_dict(paging: Any) -> dict[str, Any] | None:
    if paging is None:
        return None
    return {k: getattr(paging, k) for k in ("page_current", "page_count", "record_count", "limit", "prev_page", "next_page")}


def _first_cdr_skip(items: list[Any], tz: ZoneInfo) -> str | None:
    for index, item in enumerate(items, 1):
        if parse_call(item, tz) is not None:
            continue
        if not isinstance(item, Mapping):
            return _("row {n} is {kind}, not an object").format(n=index, kind=_kind(item))
        record = item.get("Cdr", item)
        if not isinstance(record, Mapping):
            return _("row {n}: 'Cdr' is {kind}, not an object").format(n=index, kind=_kind(record))
        return _("row {n} has none of start, source, destination, direction or a call id").format(n=index)
    return None


def time_format(values: list[Any]) -> str | None:
    """The format all ``start`` values share, ``"unknown"`` when one fits none, None when empty."""
    found: set[str] = set()
    for value in values:
        text = str(value).strip()
        for pattern, name in _TIME_SHAPES:
            if pattern.match(text):
                found.add(name)
                break
        else:
            return "unknown"
    if not found:
        return None
    return " + ".join(sorted(found))


def _value_shape(values: list[Any]) -> str | None:
    """How a numeric field is written: ``number``, ``"7s"`` (string with unit), ``"7"``,
    ``hh:mm:ss``; None when every value is empty."""
    shapes: list[str] = []
    for value in values:
        if value is None or value == "" or (isinstance(value, str) and value.strip().lower() == "null"):
            continue
        if isinstance(value, bool):
            shape = "boolean"
        elif isinstance(value, (int, float)):
            shape = "number"
        elif isinstance(value, str) and ":" in value:
            shape = "hh:mm:ss"
        elif isinstance(value, str) and value.strip().lower().endswith("s"):
            shape = "string with unit"
        elif isinstance(value, str):
            shape = "string"
        else:
            shape = _kind(value)
        if shape not in shapes:
            shapes.append(shape)
    return " + ".join(shapes) if shapes else None


# --------------------------------------------------------------------------- helpers


def _keys(rows: list[Any]) -> set[str]:
    keys: set[str] = set()
    for row in rows[:500]:
        if isinstance(row, Mapping):
            keys.update(str(k) for k in row)
    return keys


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return _("a boolean")
    if isinstance(value, str):
        return _("an empty string") if not value else _("a string")
    if isinstance(value, (int, float)):
        return _("a number")
    if isinstance(value, list):
        return _("an empty list") if not value else _("a list")
    if isinstance(value, Mapping):
        return _("an empty object") if not value else _("an object")
    return type(value).__name__
