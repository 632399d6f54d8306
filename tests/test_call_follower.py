"""The call follower against the simulated PBX: incremental reads from the newest start seen
(with overlap), each call delivered once, bounded memory, backoff on failures."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from alert_harness import ManualTimers, add_call, live_calls

from ccall_tui.alerts.follower import CallFollower, call_key
from ccall_tui.config import Profile
from ccall_tui.services import AppServices


@pytest.fixture
def quiet_sim(clock):
    from ccall_tui.sim.server import SimulatedPbx

    pbx = SimulatedPbx(seed=7, extensions=60, clock=clock, calls_per_day=0)
    pbx.start()
    live_calls(pbx)
    yield pbx
    pbx.stop()


@pytest.fixture
async def follow(clock, credentials, isolated):
    clients = []

    def make(pbx, **kwargs):
        profile = replace(Profile.default("test"), base_url=pbx.base_url)  # the default timeout: a loaded machine is slow
        services = AppServices(profile=profile, credentials=credentials, credential_source="test", clock=clock,
                               state_dir=isolated / "state")
        client = services.make_client()
        clients.append(client)
        timers = ManualTimers(clock)
        follower = CallFollower(lambda: client, clock=clock, timer=timers, **kwargs)
        timers.idlers = [follower.idle]
        delivered: list = []
        follower.subscribe(delivered.extend)
        return follower, timers, delivered

    yield make
    for client in clients:
        await client.aclose()


def ranges(pbx):
    return [r.body["submission"]["date_range"] for r in pbx.requests if r.path == "/cdrs/json"]


async def test_reads_only_what_is_new_each_call_once(quiet_sim, follow, clock):
    follower, timers, delivered = follow(quiet_sim, interval=30, overlap_s=300, lookback_s=3600)
    first = add_call(quiet_sim, ago_s=120)
    follower.start()
    await timers.advance(0)
    assert [r.call_id for r in delivered] == [first]
    assert ranges(quiet_sim)[-1] == {"from": "2026-11-27 09:30", "to": "2026-11-27 10:30"}  # the last hour
    await timers.advance(30)  # nothing new: the same call is read again (overlap) but not delivered
    assert [r.call_id for r in delivered] == [first]
    # from the newest start seen (10:28) minus the overlap
    assert ranges(quiet_sim)[-1] == {"from": "2026-11-27 10:23", "to": "2026-11-27 10:30"}
    second = add_call(quiet_sim, ago_s=10)
    await timers.advance(30)
    assert [r.call_id for r in delivered] == [first, second]
    assert follower.delivered == 2 and follower.reads == 3


async def test_a_long_call_that_ends_late_is_still_read_within_the_overlap(quiet_sim, follow, clock):
    follower, timers, delivered = follow(quiet_sim, interval=30, overlap_s=600)
    add_call(quiet_sim, ago_s=30)
    follower.start()
    await timers.advance(0)
    await timers.advance(5 * 60)
    # a call that started eight minutes ago ends now: its record starts before the newest seen
    late = add_call(quiet_sim, ago_s=8 * 60, talk_s=470)
    await timers.advance(30)
    assert late in [r.call_id for r in delivered]


async def test_every_page_is_read_and_nothing_twice(sim, follow, clock):
    follower, timers, delivered = follow(sim, interval=60, page_limit=50, max_pages=20, lookback_s=3600)
    follower.start()
    await timers.advance(0)
    count = len(delivered)
    assert count > 100  # a busy morning hour: several pages
    assert len({call_key(r) for r in delivered}) == count
    pages = [r.body["submission"].get("page") for r in sim.requests if r.path == "/cdrs/json"]
    assert pages[: pages.index(max(pages)) + 1] == list(range(1, max(pages) + 1))
    await timers.advance(10 * 60)  # ten minutes of new calls, read once each
    later = delivered[count:]
    assert later and len({call_key(r) for r in delivered}) == len(delivered)
    assert min(r.start for r in later) >= max(r.start for r in delivered[:count]) - timedelta(minutes=10)


async def test_failures_back_off_and_the_calls_come_once_it_recovers(quiet_sim, follow, clock):
    follower, timers, delivered = follow(quiet_sim, interval=30)
    quiet_sim.faults.status_5xx = 503
    quiet_sim.faults.retry_after = ""
    follower.start()
    await timers.advance(0)
    assert follower.failures == 1 and follower.last_error
    assert follower.next_delay() == 60
    await timers.advance(60)
    assert follower.failures == 2 and follower.next_delay() == 120
    reads = follower.reads
    await timers.advance(100)
    assert follower.reads == reads  # waiting out the backoff, not hammering the server
    quiet_sim.faults.status_5xx = None
    call = add_call(quiet_sim, ago_s=60)
    await timers.advance(30)
    assert [r.call_id for r in delivered] == [call]
    assert follower.failures == 0 and follower.last_error is None and follower.next_delay() == 30


async def test_memory_of_delivered_calls_stays_bounded(quiet_sim, follow, clock):
    follower, timers, delivered = follow(quiet_sim, interval=30, overlap_s=120)
    follower.start()
    for _ in range(4):
        for _ in range(3):
            add_call(quiet_sim, ago_s=5)
        await timers.advance(30)
    assert len(delivered) == len({r.call_id for r in delivered}) == 12
    await timers.advance(10 * 60)
    add_call(quiet_sim, ago_s=5)
    await timers.advance(30)
    assert len(delivered) == 13
    assert follower.remembered == 1  # the rest started before any range it will read again


async def test_a_flood_past_the_cap_keeps_memory_at_the_cap(quiet_sim, follow, clock):
    follower, timers, delivered = follow(quiet_sim, interval=30, overlap_s=600, max_remembered=5)
    follower.start()
    for _ in range(3):
        for _ in range(4):
            add_call(quiet_sim, ago_s=5)
        await timers.advance(30)
        assert follower.remembered <= 5


async def test_stop_means_no_more_reads(quiet_sim, follow):
    follower, timers, delivered = follow(quiet_sim, interval=30)
    follower.start()
    await timers.advance(0)
    follower.stop()
    reads = follower.reads
    await timers.advance(300)
    assert follower.reads == reads


async def test_one_follower_shared_runs_while_anyone_uses_it_and_tells_latecomers(quiet_sim, follow, clock):
    from ccall_tui.alerts.follower import shared_follower

    follower, timers, delivered = follow(quiet_sim, interval=30, lookback_s=3600)
    holder = AppServices(profile=Profile.default("test"))
    holder.call_follower = follower
    assert shared_follower(holder, lambda: None, clock=clock) is follower
    old, recent = add_call(quiet_sim, ago_s=2 * 3600), add_call(quiet_sim, ago_s=600)
    follower.start()  # the metrics
    await timers.advance(0)
    reads = len(ranges(quiet_sim))
    late: list = []
    follower.subscribe(late.extend)  # the alerts, once their rules are read
    follower.start()
    assert [r.call_id for r in late] == [recent] and [r.call_id for r in delivered] == [recent]
    assert old not in {r.call_id for r in late}  # what the first read would not have given it either
    assert len(ranges(quiet_sim)) == reads  # told from memory: nothing asked again
    follower.stop()  # one of the two stops: the other still reads
    newer = add_call(quiet_sim, ago_s=5)
    await timers.advance(30)
    assert late[-1].call_id == newer and delivered[-1].call_id == newer
    follower.stop()
    assert not follower.running and timers.due_in("call-follower") is None
    follower.stop()  # one stop too many does no harm
    follower.start()
    assert follower.running
    await follower.idle()
    follower.stop()
    assert not follower.running
