"""The demo moves from its first seconds; the seeded tenant under it stays what it was."""

from __future__ import annotations

import time

import httpx

from ccall_tui.sim.life import DemoLife

AUTH = {"api_key": "demo", "api_secret": "demo"}


def _online(sim) -> set[str]:
    body = httpx.post(sim.base_url + "/ext_reg/json", json={"submission": AUTH}, timeout=5).json()
    return {row["user"].split("@")[0] for row in body["response"]["registrations"]}


def _cdrs(sim, **filters) -> list[dict]:
    body = httpx.post(sim.base_url + "/cdrs/json", json={"submission": {**AUTH, **filters}}, timeout=5).json()
    return [item["Cdr"] for item in body["response"]]


def test_phones_drop_and_return_and_calls_finish(sim, clock):
    past = {"date_range": {"from": "2026-11-26 09:00", "to": "2026-11-26 09:30"}}
    before_online, before_past = _online(sim), _cdrs(sim, **past)
    life = DemoLife(sim.tenant)
    # Same seed, same history: swapping in the live history changes nothing already there.
    assert _cdrs(sim, **past) == before_past and _online(sim) == before_online

    kinds: dict[str, list[str]] = {"offline": [], "online": [], "call": []}
    for second in range(0, 60, 4):
        clock.advance(4)
        event = life.step(float(second))
        if event:
            kinds[event[0]].append(event[1])
    assert kinds["offline"] and kinds["online"] and kinds["call"], life.events
    # Within the first minute, some phones have already come back on their own.
    assert any(kind == "back to its pattern" for kind, _ in life.events)

    online = _online(sim)
    for kind, number in life.events:
        if kind in ("offline", "online") and number in life._steered:
            assert (number in online) == (kind == "online"), (kind, number)

    # The finished calls are in the answer, newest first, and each can be looked up by its id.
    newest = _cdrs(sim, date_range={"from": "2026-11-27 08:00", "to": "2026-11-27 10:32"}, limit=1000)
    ids = [c.get("call_id") or c.get("uuid") or c.get("xml_cdr_uuid") for c in newest]
    assert set(kinds["call"]) <= set(ids)
    starts = [c["start"] for c in newest]
    assert starts == sorted(starts, reverse=True)
    one = _cdrs(sim, call_id=kinds["call"][0])
    assert len(one) == 1

    life.stop()
    assert not life._steered and not sim.tenant._overrides  # back to the seeded pattern


def test_the_first_event_comes_within_seconds(sim):
    life = DemoLife(sim.tenant).start()
    try:
        deadline = time.monotonic() + 6
        while not life.events and time.monotonic() < deadline:
            time.sleep(0.1)
        assert life.events, "nothing happened in the demo's first seconds"
    finally:
        life.stop()
