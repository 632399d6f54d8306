"""What is remembered of the roster stays right: ``ccall-tui ext`` remembers what it sees
online, and a forgotten extension comes back only by registering again, never from call
records, whichever instance reads them."""

from __future__ import annotations

import json
import multiprocessing
from dataclasses import replace
from datetime import datetime, timedelta

from test_board_feed import make_feed  # noqa: F401 - the fixture
from ccall_tui.config import Profile
from ccall_tui.monitor.events import DiscoveryFinished
from ccall_tui.monitor.roster import remember_online, seen_store_for
from ccall_tui.monitor.states import ExtensionState

from conftest import VN, run_cli

T0 = datetime(2026, 11, 27, 10, 30, tzinfo=VN)


def of(events, kind):
    return [e for e in events if isinstance(e, kind)]


# --------------------------------------------------------------------------- ccall-tui ext


def test_ext_remembers_the_extensions_it_sees_online(env, capsys, isolated):
    profile = replace(Profile.default("default"), base_url=env.base_url)
    code, out, err = run_cli(capsys, "ext", "--json")
    assert code == 0
    online = {row["extension"] for row in json.loads(out) if row["online"]}
    assert online
    now = datetime.now(VN)
    remembered = seen_store_for(profile, isolated / "state").load(now)
    assert online <= set(remembered)
    assert all(now - remembered[ext] < timedelta(minutes=5) for ext in online)
    # one of them goes offline: the next 'ext' still lists it, as offline, not as never seen
    gone = sorted(online)[0]
    env.tenant.force_offline(gone)
    code, out, err = run_cli(capsys, "ext", "--json")
    row = next(r for r in json.loads(out) if r["extension"] == gone)
    assert row["state"] == "offline" and row["last_seen"] is not None


def test_ext_keeps_the_boards_bound_on_one_huge_answer(isolated):
    profile = replace(Profile.default("default"), base_url="https://pbx.example", roster=("100-109",))
    store = seen_store_for(profile, isolated / "state")
    store.save({str(n): T0 for n in range(200, 210)}, T0)
    huge = [str(n) for n in range(100, 110)] + [str(n) for n in range(10_000, 13_000)]
    remembered = remember_online(profile, huge, T0 + timedelta(minutes=1), state_root=isolated / "state")
    assert set(remembered) == {str(n) for n in range(100, 110)} | {str(n) for n in range(200, 210)}


def _ext_runs(state: str, base: int, rounds: int) -> None:
    profile = replace(Profile.default("default"), base_url="https://pbx.example")
    from pathlib import Path

    for i in range(rounds):
        remember_online(profile, [str(base + i), str(base + i + 1)], T0 + timedelta(seconds=i), state_root=Path(state))


def _forgets(state: str, extensions: list[str]) -> None:
    profile = replace(Profile.default("default"), base_url="https://pbx.example")
    from pathlib import Path

    store = seen_store_for(profile, Path(state))
    for ext in extensions:
        store.forget([ext], T0 + timedelta(seconds=30))


def test_two_ext_processes_and_a_forget_at_once_lose_nothing_and_bring_nothing_back(isolated):
    state = isolated / "state"
    profile = replace(Profile.default("default"), base_url="https://pbx.example")
    old = {str(n): T0 - timedelta(hours=1) for n in range(900, 910)}
    seen_store_for(profile, state).save(old, T0 - timedelta(hours=1))
    context = multiprocessing.get_context("fork")
    workers = [
        context.Process(target=_ext_runs, args=(str(state), 1000, 30)),
        context.Process(target=_ext_runs, args=(str(state), 2000, 30)),
        context.Process(target=_forgets, args=(str(state), ["900", "901", "902"])),
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    remembered = seen_store_for(profile, state).load(T0 + timedelta(minutes=1))
    expected = {str(n) for n in range(1000, 1031)} | {str(n) for n in range(2000, 2031)}
    expected |= {str(n) for n in range(903, 910)}
    assert set(remembered) == expected
    # seen online again, a forgotten extension is remembered again
    remember_online(profile, ["900"], T0 + timedelta(minutes=2), state_root=state)
    assert "900" in seen_store_for(profile, state).load(T0 + timedelta(minutes=3))


# --------------------------------------------------------------------------- discovery


async def test_call_records_never_bring_back_a_forgotten_extension(make_feed, profile, sim, isolated, clock):
    discovering = replace(profile, roster=(), discover_from_cdrs=True)
    feed, timers, events = make_feed(discovering)
    feed.start()
    await feed.idle()
    (found,) = of(events, DiscoveryFinished)
    registered = {ext for ext, tile in feed.board.tiles.items() if tile.state is ExtensionState.ONLINE}
    offline = sorted(ext for ext in found.added if ext not in registered)
    assert offline, "the simulator's calls name extensions that are not online"
    gone = offline[0]
    sim.tenant.force_offline(gone)  # and it stays so while the test runs
    assert feed.forget(gone) == "forgotten"
    await feed.idle()
    await timers.advance(600)  # the next discovery reads the same calls
    await feed.idle()
    assert len(of(events, DiscoveryFinished)) >= 1 and gone not in feed.board.tiles
    feed.stop()

    # another instance on the same profile and server, started afresh: not back either
    other, other_timers, other_events = make_feed(discovering)
    other.start()
    await other.idle()
    assert of(other_events, DiscoveryFinished) and gone not in other.board.tiles
    # registering again brings it back, and it is remembered again
    sim.tenant.force_online(gone)
    await other_timers.advance(1)
    await other.idle()
    assert other.board.tiles[gone].state is not ExtensionState.UNKNOWN
    other.save_seen()
    await other.idle()
    assert gone in seen_store_for(discovering, isolated / "state").load(clock())
    other.stop()
