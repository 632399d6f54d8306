"""The board's engine without Textual: BoardFeed against the simulated PBX over loopback HTTP,
its schedule driven by the manual clock (no wall-clock waits, no Pilot)."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from alert_harness import ManualTimers

from ccall_tui.credentials import Credentials, CredentialStore
from ccall_tui.monitor.credential_watch import CredentialWatch
from ccall_tui.monitor.events import (
    AuthRejected,
    CredentialsReplaced,
    DiscoveryFinished,
    ExtensionForgotten,
    PollFailed,
    PollStarted,
    SeenRefused,
    SeenSaved,
    SnapshotApplied,
)
from ccall_tui.monitor.feed import BoardFeed
from ccall_tui.monitor.roster import seen_store_for
from ccall_tui.monitor.states import ExtensionState

ONLINE, OFFLINE = ExtensionState.ONLINE, ExtensionState.OFFLINE


@pytest.fixture
def quiet(profile):
    return replace(profile, roster=("100-159",), discover_from_cdrs=False)


@pytest.fixture
async def make_feed(sim, clock, credentials, isolated):
    clients = []
    feeds = []

    def make(profile, *, creds=credentials, state_dir=isolated / "state", **kwargs):
        from ccall_tui.factory import AppServices

        services = AppServices(profile=profile, credentials=creds, credential_source="test", clock=clock,
                               state_dir=state_dir, poll_interval=1.0)
        current = {"client": None}

        def client():
            if current["client"] is None:
                current["client"] = services.make_client()
                clients.append(current["client"])
            return current["client"]

        async def replace_credentials(new):
            services.credentials = new
            current["client"] = None

        timers = ManualTimers(clock, settle_first=False)
        feed = BoardFeed.for_profile(
            profile, state_dir, interval=1.0, clock=clock, client=client, timer=timers,
            credentials=lambda: services.credentials, replace_credentials=replace_credentials, **kwargs,
        )
        feed.status.rng = feed.status.backoff.rng = random.Random(3)
        timers.idlers = [feed.idle]
        events = []
        feed.subscribe(events.append)
        feeds.append(feed)
        return feed, timers, events

    yield make
    for feed in feeds:
        feed.stop()
        await feed.idle()
    for client in clients:
        await client.aclose()


def registration_requests(sim) -> int:
    return sum(1 for r in sim.requests if r.path.startswith("/ext_reg"))


def of(events, kind):
    return [e for e in events if isinstance(e, kind)]


async def test_polls_apply_answers_and_the_next_poll_follows_the_interval(make_feed, quiet, sim):
    sim.tenant.force_online("101", devices=2)
    feed, timers, events = make_feed(quiet)
    assert feed.board.online_count == 0 and feed.status.last_success is None
    feed.start()
    await feed.idle()
    assert isinstance(events[0], PollStarted) and events[0].announce
    (applied,) = of(events, SnapshotApplied)
    assert applied.changes.first and feed.board.tiles["101"].state is ONLINE
    assert feed.board.tiles["101"].devices == 2
    assert feed.status.last_success == applied.at and feed.polls_started == 1
    assert timers.due_in("next-poll") == pytest.approx(1.0)
    sim.tenant.force_offline("101")
    await timers.advance(0.9)
    assert feed.polls_started == 1  # not before the interval
    await timers.advance(0.1)
    assert feed.polls_started == 2 and not of(events, PollStarted)[1].announce
    last = of(events, SnapshotApplied)[-1]
    assert last.changes.went_offline == ["101"] and feed.board.tiles["101"].state is OFFLINE
    await timers.advance(10)
    assert feed.polls_started == 12 and registration_requests(sim) == 12


async def test_failures_back_off_keep_the_data_and_recovery_returns_to_the_interval(make_feed, quiet, sim, clock):
    feed, timers, events = make_feed(quiet)
    feed.start()
    await feed.idle()
    online = feed.board.online_count
    sim.faults.html_error = True
    await timers.advance(1)
    delays = []
    for _ in range(4):
        failure = of(events, PollFailed)[-1]
        assert "HTML" in failure.message and timers.due_in("next-poll") == pytest.approx(failure.delay)
        delays.append(failure.delay)
        await timers.advance(failure.delay)
    assert feed.status.failures == 5
    # 1, 2, 4, 8 s (each minus up to a quarter, at random)
    for n, delay in enumerate(delays):
        assert 0.75 * 2**n <= delay <= 2**n
    assert feed.board.online_count == online and feed.status.is_stale(clock())
    sim.faults.reset()
    await timers.advance(of(events, PollFailed)[-1].delay)
    assert len(of(events, SnapshotApplied)) == 2
    assert feed.status.failures == 0 and not feed.status.is_stale(clock())
    assert timers.due_in("next-poll") == pytest.approx(1.0)


async def test_retry_now_skips_the_backoff_but_never_overlaps(make_feed, quiet, sim):
    feed, timers, events = make_feed(quiet)
    sim.faults.latency_s = 0.3
    feed.start()
    # while the answer is on its way, asking again changes nothing and nothing is scheduled
    assert not feed.poll_now() and not feed.retry_now()
    await timers.advance(30)
    assert feed.polls_started == 1 and timers.due_in("next-poll") is None
    await feed.idle()
    assert registration_requests(sim) == 1 and timers.due_in("next-poll") == pytest.approx(1.0)
    sim.faults.latency_s = 0
    sim.faults.status_5xx = 500
    await timers.advance(1)
    await timers.advance(of(events, PollFailed)[-1].delay)
    assert feed.status.failures == 2
    sim.faults.reset()
    assert feed.retry_now()
    assert timers.due_in("next-poll") is None  # the scheduled one is replaced, not added to
    await feed.idle()
    assert feed.status.failures == 0 and registration_requests(sim) == 4


async def test_server_asking_to_wait_is_honoured(make_feed, quiet, sim):
    feed, timers, events = make_feed(quiet)
    sim.faults.rate_limited = True
    sim.faults.retry_after = "120"
    feed.start()
    await feed.idle()
    (failure,) = of(events, PollFailed)
    assert failure.retry_after == 120 and failure.delay >= 120
    await timers.advance(119)
    assert registration_requests(sim) == 1
    sim.faults.reset()
    await timers.advance(1)
    assert registration_requests(sim) == 2 and len(of(events, SnapshotApplied)) == 1


async def test_wrong_credentials_poll_slowly_and_new_ones_in_the_keyring_resume_at_once(make_feed, quiet, sim):
    store = CredentialStore()
    wrong = Credentials("demo", "wrong")
    watch = CredentialWatch(lambda: store.get(quiet.name), wrong)
    feed, timers, events = make_feed(quiet, creds=wrong, credential_watch=watch)
    feed.start()
    await feed.idle()
    (rejected,) = of(events, AuthRejected)
    assert rejected.first and 180 <= rejected.delay <= 300 and feed.status.auth_failed
    assert timers.due_in("credential-check") == pytest.approx(30)
    await timers.advance(90)  # three checks, the keyring unchanged: no request
    assert registration_requests(sim) == 1 and feed.polls_started == 1
    store.set(quiet.name, Credentials("demo", "demo"))
    await timers.advance(30)
    assert of(events, CredentialsReplaced)
    assert registration_requests(sim) == 2 and not feed.status.auth_failed
    assert len(of(events, SnapshotApplied)) == 1 and feed.board.updated_at is not None
    assert timers.due_in("credential-check") is None


async def test_refused_credentials_retry_every_few_minutes_without_a_watch(make_feed, quiet, sim):
    feed, timers, events = make_feed(quiet, creds=Credentials("demo", "wrong"))
    feed.start()
    await feed.idle()
    delay = of(events, AuthRejected)[0].delay
    await timers.advance(delay - 1)
    assert registration_requests(sim) == 1
    await timers.advance(1)
    assert registration_requests(sim) == 2
    assert [e.first for e in of(events, AuthRejected)] == [True, False]
    feed.credentials_changed()  # e.g. the user logged in again
    await feed.idle()
    assert registration_requests(sim) == 3 and feed.status.auth_failed  # still the wrong ones


async def test_seen_extensions_are_written_off_the_loop_and_a_refusal_is_told(make_feed, quiet, sim, isolated, clock):
    sim.tenant.force_online("120")
    feed, _timers, events = make_feed(quiet)
    feed.start()
    await feed.idle()
    assert of(events, SeenSaved)
    assert "120" in seen_store_for(quiet, isolated / "state").load(clock())
    assert feed.forget("120") == "online" and not of(events, ExtensionForgotten)
    blocker = isolated / "not-a-directory"
    blocker.write_text("x")
    feed2, _timers2, events2 = make_feed(quiet, state_dir=blocker)
    feed2.start()
    await feed2.idle()
    (refused,) = of(events2, SeenRefused)
    assert refused.message and "Traceback" not in refused.message
    assert of(events2, SnapshotApplied)  # the board goes on


async def test_forgetting_is_written_and_stop_writes_what_is_pending(make_feed, quiet, sim, isolated, clock):
    sim.tenant.force_online("120")
    feed, timers, events = make_feed(replace(quiet, roster=("100-110",)))
    feed.start()
    await feed.idle()
    sim.tenant.force_offline("120")
    await timers.advance(1)
    assert feed.forget("120") == "forgotten"
    await feed.idle()
    assert of(events, ExtensionForgotten)[0].extension == "120"
    assert "120" not in seen_store_for(quiet, isolated / "state").load(clock())
    feed.stop()
    assert timers.live() == []
    await timers.advance(60)
    assert feed.polls_started == 2  # stopped: no more polls


async def test_discovery_learns_extensions_from_todays_calls(make_feed, profile, sim):
    feed, timers, events = make_feed(replace(profile, roster=(), discover_from_cdrs=True))
    feed.start()
    await feed.idle()
    (found,) = of(events, DiscoveryFinished)
    assert found.added and all(ext in feed.board.tiles for ext in found.added)
    assert timers.due_in("next-discovery") == pytest.approx(600)
