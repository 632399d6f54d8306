"""Deployments that read requests or write answers differently from the simulator's default.

Each is a quirk (``pbx.faults.quirks``) so the app can be tested against both behaviours:

- ``json_refused``: the server only reads form bodies; a JSON body arrives as nothing at all
  (like a PHP back end reading ``$_POST``), so even good credentials look missing.
- ``ignore_call_id``: ``call_id`` is not a filter there; a lookup answers with a page of calls.
- ``causes_no_semicolon``: ``hangup_cause`` is matched as one whole string, so
  ``"NO_ANSWER;USER_BUSY"`` matches nothing while each cause alone works.
- ``paging_in_response`` / ``paging_flat``: the paging metadata inside ``response`` (which is
  then an object holding the rows under ``data``) or as loose keys beside ``response``.
- ``iso_time`` / ``dmy_time`` / ``mdy_time``: call start times as ``2026-11-27T10:30:00``,
  ``27/11/2026 10:30:00`` or ``11/27/2026 10:30:00`` instead of ``2026-11-27 10:30:00``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .faults import Faults

VARIANT_QUIRKS = frozenset({
    "json_refused", "ignore_call_id", "causes_no_semicolon",
    "paging_in_response", "paging_flat", "iso_time", "dmy_time", "mdy_time",
})
IGNORED_CALL_ID_PAGE = 50


def json_refused(faults: Faults, content_type: str, raw: bytes) -> bool:
    """True when this request's JSON body must be read as if nothing had been sent."""
    if not faults.has("json_refused"):
        return False
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind == "application/x-www-form-urlencoded":
        return False
    return kind == "application/json" or raw.lstrip().startswith(b"{")


def honours_call_id(faults: Faults) -> bool:
    return not faults.has("ignore_call_id")


def ignored_call_id_request(request: Any) -> Any:
    """What a server that ignores ``call_id`` answers: its default first page."""
    return replace(request, page=1, limit=request.limit or IGNORED_CALL_ID_PAGE)


def whole_string_causes(request: Any, submission: dict[str, Any], faults: Faults) -> Any:
    """With ``causes_no_semicolon``, ``hangup_cause`` is one cause, ``;`` and all."""
    if not faults.has("causes_no_semicolon"):
        return request
    value = submission.get("hangup_cause")
    if not isinstance(value, str) or ";" not in value:
        return request
    return replace(request, where=replace(request.where, causes=frozenset({value.strip().upper()})))


def reshape_cdrs(payload: dict[str, Any], faults: Faults) -> dict[str, Any]:
    """Move the paging metadata and rewrite start times as the quirks in force say."""
    if faults.has("iso_time") or faults.has("dmy_time") or faults.has("mdy_time"):
        items = payload.get("response")
        for item in items if isinstance(items, list) else ():
            record = item.get("Cdr") if isinstance(item, dict) else None
            if isinstance(record, dict) and isinstance(record.get("start"), str):
                record["start"] = _start(record["start"], faults)
    paging = payload.get("paging")
    if not isinstance(paging, dict):
        return payload
    if faults.has("paging_in_response"):
        return {"response": {"data": payload["response"], "paging": paging}}
    if faults.has("paging_flat"):
        return {"response": payload["response"], **paging}
    return payload


def _start(text: str, faults: Faults) -> str:
    try:
        moment = datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return text
    if faults.has("dmy_time"):
        return moment.strftime("%d/%m/%Y %H:%M:%S")
    if faults.has("mdy_time"):
        return moment.strftime("%m/%d/%Y %H:%M:%S")
    return moment.strftime("%Y-%m-%dT%H:%M:%S")
