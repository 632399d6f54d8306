"""Large tenants: the simulator at 50,000 extensions (and its ceiling), its answers written
ahead as bytes (the same bytes as written afresh), and a roster of 100,000 numbers."""

from __future__ import annotations

import json
import time
from typing import NamedTuple

import httpx
import pytest

from ccall_tui.config import ConfigError, expand_roster, load_settings
from ccall_tui.sim import ManualClock, SimulatedPbx, Tenant
from ccall_tui.sim import cli as sim_cli
from ccall_tui.sim import wire

WEEKDAY_MORNING = "2026-11-25 10:30:00.250"  # a Wednesday, phones at their desks
SUBMISSION = {"api_key": "demo", "api_secret": "demo"}


def post(pbx: SimulatedPbx, path: str, **fields) -> httpx.Response:
    response = httpx.post(pbx.base_url + path, json={"submission": {**SUBMISSION, **fields}}, timeout=120)
    response.raise_for_status()
    return response


def written_afresh(pbx: SimulatedPbx) -> bytes:
    """The registrations answer as the plain path writes it: rows built now, one json.dumps."""
    tenant, faults = pbx.tenant, pbx.faults
    now = tenant.now()
    rows = [wire.registration_row(tenant, reg, now, faults) for reg in tenant.registrations(now)]
    return json.dumps(wire.registrations_answer(rows, faults, 0), ensure_ascii=False).encode("utf-8")


# --------------------------------------------------------------------------- 50,000 extensions


class BigTenant(NamedTuple):
    pbx: SimulatedPbx
    clock: ManualClock
    first: httpx.Response  # its first registrations answer, asked for as soon as it listened
    first_s: float
    registered: int  # how many registrations the tenant had at that moment


@pytest.fixture(scope="module")
def big_tenant():
    """One 50,000-extension tenant for the tests below (building it and writing its first answer
    is most of their time); each moves its clock on before it asks again."""
    clock = ManualClock(WEEKDAY_MORNING)
    with SimulatedPbx(extensions=50_000, clock=clock) as pbx:
        started = time.monotonic()
        first = post(pbx, "/ext_reg/json")
        first_s = time.monotonic() - started
        yield BigTenant(pbx, clock, first, first_s, len(pbx.tenant.registrations()))


@pytest.mark.xdist_group("big_tenant")
def test_the_simulator_answers_50000_extensions_over_loopback(big_tenant):
    pbx, clock, first, first_s, registered = big_tenant
    rows = first.json()["response"]["registrations"]
    users = {row["user"].split("@")[0] for row in rows}
    assert len(rows) == registered > 45_000
    assert len(users) > 42_000 and max(int(u) for u in users) > 50_000
    # within the timeout a profile for such a tenant uses (below): the app would not give up
    assert first_s < 120, f"first answer took {first_s:.1f} s"
    clock.advance(5)  # the next poll: rows are written from what was kept
    started = time.monotonic()
    second = post(pbx, "/ext_reg/json")
    second_s = time.monotonic() - started
    rows = second.json()["response"]["registrations"]
    assert len(rows) == len(pbx.tenant.registrations()) > 45_000
    assert second_s < 120 and second.content != first.content  # expiries count down


def test_more_than_100000_extensions_are_refused_in_one_line(capsys):
    with pytest.raises(ValueError, match=r"^extensions must be between 1 and 100,000$"):
        Tenant(extensions=100_001)
    assert sim_cli.main(["--extensions", "100001"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "between 1 and 100,000" in err


def test_registrations_written_ahead_are_the_bytes_written_afresh():
    clock = ManualClock(WEEKDAY_MORNING)
    with SimulatedPbx(extensions=2_000, clock=clock) as pbx:
        tenant = pbx.tenant
        never = next(n for n in tenant.numbers if tenant.never_registers(n))
        steps = [
            (7.3, lambda: None),
            (3600, lambda: tenant.force_online(never, devices=2)),  # a number with no phone of its own
            (1, lambda: tenant.set_name("101", 'Tên "lạ" \\ [b]')),
            (299, lambda: tenant.set_agent("102", "Yealink ☎")),
            (5 * 3600, lambda: tenant.force_offline("103")),
            (86400 + 0.5, lambda: tenant.clear_override(never)),
        ]
        for seconds, steer in steps:
            clock.advance(seconds)
            steer()
            assert post(pbx, "/ext_reg/json").content == written_afresh(pbx)
        # A quirk reshapes the answer: the plain path writes it.
        pbx.faults.quirks = {"underscore_keys"}
        rows = post(pbx, "/ext_reg/json").json()["response"]["registrations"]
        assert "network_ip" in rows[0] and "network-ip" not in rows[0]


def test_a_replaced_registrations_method_is_still_honoured(sim, monkeypatch):
    monkeypatch.setattr(sim.tenant, "registrations", lambda *args, **kwargs: [])
    assert post(sim, "/ext_reg/json").json() == {"response": {"registrations": []}}
    monkeypatch.undo()
    assert post(sim, "/ext_reg/json").json()["response"]["registrations"]
    # Only extension 100 online, by a replaced registrations_of (as a scenario would do it).
    original = sim.tenant.registrations_of
    monkeypatch.setattr(sim.tenant, "registrations_of",
                        lambda ext, *args, **kwargs: original(ext, *args, **kwargs) if ext == "100" else [])
    sim.tenant.force_online("100")
    rows = post(sim, "/ext_reg/json").json()["response"]["registrations"]
    assert {row["user"].split("@")[0] for row in rows} == {"100"}


# --------------------------------------------------------------------------- precomputed pages


def _pages(pbx: SimulatedPbx, limit: int = 200) -> list[bytes]:
    """Every page of one day's calls (recording links without the simulator's own port)."""
    day = {"from": "2026-11-24 00:00", "to": "2026-11-24 23:59"}
    first = post(pbx, "/cdrs/json", date_range=day, page=1, limit=limit)
    count = first.json()["paging"]["page_count"]
    pages = [first.content] + [
        post(pbx, "/cdrs/json", date_range=day, page=n, limit=limit).content for n in range(2, count + 1)
    ]
    return [page.replace(pbx.base_url.encode(), b"BASE") for page in pages]


def test_precomputed_pages_are_the_pages_written_afresh_and_written_once():
    clock = ManualClock(WEEKDAY_MORNING)
    with SimulatedPbx(extensions=60, clock=clock, precomputed_pages=True) as kept, \
            SimulatedPbx(extensions=60, clock=clock) as fresh:
        pages = _pages(kept)
        assert len(pages) > 10 and pages == _pages(fresh)
        built = kept.pages.built
        assert built == len(pages)
        assert _pages(kept) == pages and kept.pages.built == built  # served from the bytes kept

        # A renamed extension changes caller names: the pages are written again.
        records = [item["Cdr"] for item in json.loads(pages[0])["response"]]
        caller = next(r["source"] for r in records if r["source"] in kept.tenant.extensions)
        for pbx in (kept, fresh):
            pbx.tenant.set_name(caller, "Tên mới")
        renamed = _pages(kept)
        assert renamed == _pages(fresh) and renamed != pages and kept.pages.built == 2 * built
        assert "Tên mới" in renamed[0].decode("utf-8")

        # Today so far (a range still open): keyed by the calls it holds, as written afresh.
        clock.advance(600)
        today = [post(pbx, "/cdrs/json", page=2, limit=100).content.replace(pbx.base_url.encode(), b"")
                 for pbx in (kept, fresh)]
        assert today[0] == today[1] and kept.pages.built == 2 * built + 1

        # Quirks and paging lies are answered the usual way, never from the bytes kept.
        for pbx in (kept, fresh):
            pbx.faults.quirks = {"string_numbers"}
            pbx.faults.page_count_lie = True
        answers = [post(pbx, "/cdrs/json", page=2, limit=50).content.replace(pbx.base_url.encode(), b"") for pbx in (kept, fresh)]
        assert answers[0] == answers[1] and b'"page_count": "1000000000"' in answers[0]
        assert kept.pages.built == 2 * built + 1


def test_simulate_precompute_switch(monkeypatch):
    import argparse

    parser = argparse.ArgumentParser()
    sim_cli.add_arguments(parser)
    assert parser.parse_args(["--precompute"]).precompute is True
    assert parser.parse_args([]).precompute is False


# --------------------------------------------------------------------------- roster


def test_a_roster_range_of_100000_loads_and_one_more_is_refused_in_one_line(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[profiles.big]\nroster = ["100-100099"]\n', encoding="utf-8")
    profile = load_settings(path).profiles["big"]
    numbers = profile.roster_extensions()
    assert len(numbers) == 100_000 and numbers[0] == "100" and numbers[-1] == "100099"

    path.write_text('[profiles.big]\nroster = ["100-100100"]\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    message = str(info.value)
    assert "\n" not in message and "100,000" in message and "profiles.big.roster" in message


def test_a_roster_of_more_than_100000_numbers_in_all_is_refused():
    assert len(expand_roster(["100-50099", "60000-109999"])) == 100_000
    with pytest.raises(ConfigError, match="more than 100,000 numbers"):
        expand_roster(["100-50099", "60000-110000"])
    # The same numbers twice count once.
    assert len(expand_roster(["100-100099", "100-100099", "200"])) == 100_000


@pytest.mark.xdist_group("big_tenant")
def test_a_50000_extension_tenant_polls_with_the_default_settings(tmp_path, big_tenant):
    """Its registrations answer (~26 MB) is over the old 20 MB cap: read with a default profile,
    through the same client the app builds, it arrives whole instead of failing every poll."""
    import asyncio
    from dataclasses import replace

    from ccall_tui.api.learned import make_client
    from ccall_tui.config import Profile
    from ccall_tui.credentials import Credentials

    pbx, clock = big_tenant.pbx, big_tenant.clock
    size = len(big_tenant.first.content)
    assert size > 20 * 1024 * 1024  # the old default would have refused it
    profile = replace(Profile.default("big"), base_url=pbx.base_url, timeout=120.0)
    client = make_client(profile, Credentials("demo", "demo"), state_root=tmp_path)

    async def poll():
        async with client:
            return await client.registrations()

    clock.advance(5)
    snapshot = asyncio.run(poll())
    assert len(snapshot) > 42_000
    assert snapshot.skipped == 0
