"""The simulated ccall PBX: a seeded tenant model and an HTTP server speaking the real wire format.

Run one by hand with ``ccall-tui simulate`` or ``python -m ccall_tui.sim``; in tests::

    with SimulatedPbx(seed=7, extensions=60, clock=ManualClock("2026-03-11 17:30")) as pbx:
        ...  # POST pbx.base_url + "/ext_reg/json" or "/cdrs/json" with api_key/api_secret demo/demo

The tenant (``pbx.tenant``)
    Extensions 100.. (up to 100,000 of them) with Vietnamese names; about 15% have two
    phones and about 5% never register. Registration state, every hour of call history and
    every call id derive from the seed, so a frozen clock gives stable answers and a moving
    clock shows phones dropping and calls arriving. Steer it with ``force_offline``, ``force_online(ext, devices)``,
    ``clear_override``, ``set_name`` and ``set_agent``. A busy weekday has about 3,200 calls
    per 60 extensions (capped at 12,000; ``calls_per_day`` overrides), Saturdays about a third
    of that, Sundays an eighth, mostly between 08:00 and 18:00; history covers today and the
    seven days before.

Faults (``pbx.faults``, or ``POST /_sim/faults`` with JSON from another process)
    ``latency_s``, ``timeout`` (held for ``timeout_hold_s``), ``status_5xx``, ``html_error``,
    ``malformed_json``, ``empty_body``, ``auth_failure`` with ``auth_style`` "401" or "200",
    ``no_response_key``, ``recordings_expired``, ``download_s``; ``reset()`` clears them all.

Quirks (``pbx.faults.quirks``): alternative shapes a real server has been seen to use
    single_object, empty_variant, xml_nesting, string_numbers, null_strings, recording_file,
    underscore_keys, upper_exp, spaces, duration_seconds, stale_duplicates, numeric_extensions,
    and call_id_key=uuid (or xml_cdr_uuid, _id, id).
    Deployments that read or answer differently (sim/variants.py): json_refused, ignore_call_id,
    causes_no_semicolon, paging_in_response, paging_flat, iso_time, dmy_time.

Answers written ahead
    The plain registrations answer is written from row pieces kept per phone and online period
    (sim/reg_bodies.py: the same bytes, fast at 50,000 extensions). With
    ``SimulatedPbx(..., precomputed_pages=True)`` (``simulate --precompute``) call-record pages
    are written once and served as bytes (sim/page_cache.py), for export benchmarks.

Other loopback controls: ``POST /_sim/extension`` ``{"extension": "105", "state":
"offline" | "online" | "auto", "devices": 2, "name": ..., "agent": ...}`` and ``GET /_sim/status``.
"""

from __future__ import annotations

import importlib
from typing import Any

# Loaded when first asked for (PEP 562): the demo's app process imports only sim.child, the
# launcher of a simulator in another process, and none of the simulator itself.
_EXPORTS = {
    "ManualClock": "..clock", "pbx_now": ".clock", "QUIRKS": ".faults", "Faults": ".faults",
    "RecordedRequest": ".server", "SimulatedPbx": ".server", "Tenant": ".tenant",
}

__all__ = ["Faults", "ManualClock", "QUIRKS", "RecordedRequest", "SimulatedPbx", "Tenant", "pbx_now"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
