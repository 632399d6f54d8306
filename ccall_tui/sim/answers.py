"""What the simulated PBX answers to ``/ext_reg/json`` and ``/cdrs/json``: the status and the
payload (a JSON-able object, or :class:`~ccall_tui.sim.wire.Encoded` bytes for a plain answer
written ahead; see ``reg_bodies.py`` and ``page_cache.py``)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from . import variants, wire
from .calls import LONGEST_CALL_S, Call
from .page_cache import query_key, settled_key

if TYPE_CHECKING:  # pragma: no cover
    from .server import SimulatedPbx


def answer(pbx: SimulatedPbx, path: str, submission: dict[str, Any]) -> tuple[int, Any]:
    tenant = pbx.tenant
    domain = wire.text_field(submission, "domain_name")
    if domain is not None and domain.lower() != tenant.domain.lower():
        return 400, wire.error("Domain not found")
    now = tenant.now()
    faults = pbx.faults
    if path == "/ext_reg/json":
        turn = pbx.next_turn()
        if pbx.registration_bodies.applies(faults):
            return 200, wire.Encoded(pbx.registration_bodies.body(now, faults))
        live = tenant.registrations(now, stale=faults.has("stale_duplicates"))
        rows = [wire.registration_row(tenant, reg, now, faults) for reg in live]
        return 200, wire.registrations_answer(rows, faults, turn)
    call_id = wire.text_field(submission, "call_id")
    if call_id is not None and variants.honours_call_id(faults):
        found = tenant.calls.find(call_id, now)
        return 200, variants.reshape_cdrs(wire.one_call_answer(tenant, found, pbx.base_url, faults), faults)
    request = wire.cdr_request(submission, now)
    if call_id is not None:
        request = variants.ignored_call_id_request(request)
    request = variants.whole_string_causes(request, submission, faults)
    if faults.calls_arriving and request.page is not None:
        pbx.arrivals.arrive(faults.calls_arriving, now)
    if pbx.pages is not None and request.page is not None and call_id is None and faults.plain_cdrs():
        return 200, wire.Encoded(_kept_page(pbx, request, now))
    calls = _selected(pbx, request, now)
    return 200, variants.reshape_cdrs(wire.cdrs_answer(tenant, calls, request, pbx.base_url, faults), faults)


def _selected(pbx: SimulatedPbx, request: wire.CdrRequest, now: datetime) -> list[Call]:
    calls = pbx.tenant.calls.select(request.where, now)
    if len(pbx.arrivals):
        calls = pbx.arrivals.matching(request.where) + calls
    return calls


def _kept_page(pbx: SimulatedPbx, request: wire.CdrRequest, now: datetime) -> bytes:
    """A page from the bytes kept (``precomputed_pages``). A range that ended more than the
    longest call ago holds the same calls until the history window moves (at midnight), so
    its pages are found without selecting the calls again; any other range is selected and
    keyed by the very calls it holds."""
    tenant = pbx.tenant
    where = request.where
    calls: list[Call] | None = None
    if where.end_ts is not None and where.end_ts + LONGEST_CALL_S < now.timestamp() and not len(pbx.arrivals):
        window = int(tenant.calls.window_start(now).timestamp())
        key = settled_key(request, tenant.version, window)
    else:
        calls = _selected(pbx, request, now)
        key = query_key(request, calls, tenant.version)

    def write(number: int) -> Any:
        nonlocal calls
        if calls is None:
            calls = _selected(pbx, request, now)
        return wire.cdrs_answer(tenant, calls, request.with_page(number), pbx.base_url, pbx.faults)

    return pbx.pages.page(key, request.page or 1, write)
