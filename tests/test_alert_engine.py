"""The alert lifecycle against the simulated PBX on the manual clock: fires once, resolves
after ``clear_after`` (hysteresis), acknowledge, snooze, the recorder and the subscribers."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from alert_harness import Harness, rules

from ccall_tui import i18n
from ccall_tui.alerts.model import (
    AlertAcknowledged,
    AlertFired,
    AlertResolved,
    AlertSnoozed,
    AlertSnoozeEnded,
)

OFFLINE_105 = {"name": "105 down", "kind": "offline", "extensions": "105", "minutes": 1, "clear_after": 3}


@pytest.fixture
async def harness(sim, clock, credentials, profile, isolated):
    made = []

    async def make(rule_list, **kwargs):
        h = Harness(sim, clock, credentials, replace(profile, roster=("100-159",)), isolated / "state",
                    rule_list, **kwargs)
        made.append(h)
        await h.start()
        return h

    yield make
    for h in made:
        await h.close()


async def down_105(sim, h):
    sim.tenant.force_online("105")
    await h.run(20)
    sim.tenant.force_offline("105")
    await h.run(90)


async def test_clear_after_keeps_one_alert_through_a_short_return(sim, harness):
    h = await harness(rules(OFFLINE_105))
    await down_105(sim, h)
    [alert] = h.fired()
    sim.tenant.force_online("105")
    await h.run(2 * 60)  # back for two minutes: less than clear_after
    sim.tenant.force_offline("105")
    await h.run(3 * 60)
    assert h.resolved() == [] and len(h.fired()) == 1
    sim.tenant.force_online("105")
    await h.run(2 * 60 + 50)
    assert h.resolved() == []
    await h.run(20)  # clear for three minutes now
    [resolved] = h.resolved()
    assert resolved.id == alert.id
    assert h.engine.recent[0].id == alert.id and h.engine.active == []
    # it happens again: a new alert, fired once
    sim.tenant.force_offline("105")
    await h.run(90)
    assert [a.id for a in h.fired()] == [alert.id, str(int(alert.id) + 1)]


async def test_acknowledged_alerts_stay_until_resolved_but_leave_the_wall(sim, harness, clock):
    h = await harness(rules(OFFLINE_105, {"name": "sales", "kind": "offline", "extensions": "106",
                                          "minutes": 1, "severity": "critical"}))
    sim.tenant.force_online("106")
    await down_105(sim, h)
    sim.tenant.force_offline("106")
    await h.run(90)
    first, second = h.fired()
    assert [a.rule for a in h.engine.active] == ["sales", "105 down"]  # critical first
    assert [a.id for a in h.engine.needing_attention()] == [second.id, first.id]
    assert h.engine.ack(first.id) is True
    assert h.engine.ack(first.id) is False  # once
    assert h.engine.ack("no-such-alert") is False
    [ack] = [e for e in h.events if isinstance(e, AlertAcknowledged)]
    assert ack.alert.id == first.id and ack.alert.acknowledged_at == clock()
    assert [a.id for a in h.engine.needing_attention()] == [second.id]
    assert h.engine.get(first.id).state(clock()) == "acknowledged"
    await h.run(10 * 60)
    assert len(h.fired()) == 2  # acknowledged, still active, never fired again
    sim.tenant.force_online("105")
    await h.run(4 * 60)
    assert [a.id for a in h.resolved()] == [first.id]
    assert h.engine.ack(first.id) is False  # resolved


async def test_snooze_hides_an_alert_then_it_asks_again(sim, harness, clock):
    h = await harness(rules(OFFLINE_105))
    await down_105(sim, h)
    [alert] = h.fired()
    assert h.engine.snooze(alert.id, 10) is True
    [snoozed] = [e for e in h.events if isinstance(e, AlertSnoozed)]
    assert snoozed.alert.snoozed_until is not None
    assert h.engine.needing_attention() == []
    assert h.engine.get(alert.id).state(clock()) == "snoozed"
    await h.run(9 * 60)
    assert not any(isinstance(e, AlertSnoozeEnded) for e in h.events)
    await h.run(90)
    [ended] = [e for e in h.events if isinstance(e, AlertSnoozeEnded)]
    assert ended.alert.id == alert.id
    assert [a.id for a in h.engine.needing_attention()] == [alert.id]
    assert h.engine.snooze("nope", 5) is False and h.engine.snooze(alert.id, 0) is False


async def test_a_snoozed_condition_that_comes_back_fires_quietly(sim, harness, clock):
    h = await harness(rules({**OFFLINE_105, "clear_after": 0}))
    await down_105(sim, h)
    [alert] = h.fired()
    h.engine.snooze(alert.id, 30)
    sim.tenant.force_online("105")
    await h.run(30)
    assert [a.id for a in h.resolved()] == [alert.id]
    sim.tenant.force_offline("105")
    await h.run(90)
    first, again = h.fired()
    assert again.snoozed(clock())  # recorded, but asks nobody until the snooze ends
    assert h.engine.needing_attention() == []


async def test_every_step_goes_to_the_recorder_as_json(sim, harness):
    h = await harness(rules(OFFLINE_105))
    await down_105(sim, h)
    [alert] = h.fired()
    h.engine.ack(alert.id)
    sim.tenant.force_online("105")
    await h.run(4 * 60)
    kinds = [(kind, extension) for kind, _at, extension, _payload in h.recorded]
    assert kinds == [("alert_fired", "105"), ("alert_acknowledged", "105"), ("alert_resolved", "105")]
    payload = h.recorded[-1][3]
    assert json.loads(json.dumps(payload))["id"] == alert.id
    assert payload["rule"] == "105 down" and payload["resolved_at"] is not None


async def test_a_broken_subscriber_or_recorder_does_not_silence_the_others(sim, harness):
    h = await harness(rules(OFFLINE_105))

    def broken(event):
        raise RuntimeError("boom")

    h.engine._record = lambda *args: (_ for _ in ()).throw(OSError("disk full"))
    h.engine.subscribe(broken)
    later = []
    h.engine.subscribe(later.append)
    await down_105(sim, h)
    assert [type(e) for e in later] == [AlertFired]


async def test_events_carry_a_copy_of_the_alert_as_it_was(sim, harness):
    h = await harness(rules(OFFLINE_105))
    await down_105(sim, h)
    fired = h.events[0]
    h.engine.ack(fired.alert.id)
    assert fired.alert.acknowledged_at is None
    sim.tenant.force_online("105")
    await h.run(4 * 60)
    resolved = [e for e in h.events if isinstance(e, AlertResolved)][0]
    assert resolved.alert.acknowledged_at is not None and fired.alert.resolved_at is None


async def test_messages_speak_the_profile_language(sim, harness):
    i18n.set_language("vi", {})
    h = await harness(rules(OFFLINE_105))
    await down_105(sim, h)
    [alert] = h.fired()
    assert "đã ngoại tuyến 1 phút" in alert.message


async def test_stopping_the_engine_stops_its_ticks(sim, harness):
    h = await harness(rules(OFFLINE_105))
    sim.tenant.force_online("105")
    await h.run(20)
    h.engine.stop()
    sim.tenant.force_offline("105")
    await h.run(5 * 60)
    assert h.feed.board.get("105").state.value == "offline"
    assert h.events == []
    h.engine.tick()  # asked by hand, it still judges
    assert len(h.fired()) == 1


def test_the_engine_follows_the_board_from_its_changes_and_when_started_late():
    """The offline extensions are kept from the board's changes (a tick does not walk the
    board); an engine started after the first answer, or a tile forgotten, is caught up by the
    board's own count."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from ccall_tui.alerts.engine import AlertEngine
    from ccall_tui.api.registrations import Registration, RegistrationsSnapshot
    from ccall_tui.monitor.board import ExtensionBoard
    from ccall_tui.monitor.events import SnapshotApplied

    t0 = datetime(2026, 11, 27, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    now = [t0]
    numbers = [str(n) for n in range(100, 110)]
    board = ExtensionBoard(numbers, {}, t0, seen={"105": t0 - timedelta(hours=1), "106": t0, "107": t0})

    class Feed:
        def __init__(self):
            self.board, self.subscribers = board, []

        def subscribe(self, subscriber):
            self.subscribers.append(subscriber)
            return lambda: self.subscribers.remove(subscriber)

    def answer(*offline):
        regs = {n: (Registration(extension=n, user=f"{n}@t", call_id=f"{n}-0"),) for n in numbers if n not in offline}
        changes = board.apply(RegistrationsSnapshot(extensions=regs), now[0])
        for subscriber in list(feed.subscribers):
            subscriber(SnapshotApplied(changes, now[0]))

    feed = Feed()
    answer("105")  # before the engine listens: 105 offline from the first answer on
    engine = AlertEngine(rules({"name": "down", "kind": "offline", "minutes": 1}), feed, clock=lambda: now[0],
                         timer=lambda *_args: None)
    engine.start()
    now[0] += timedelta(minutes=2)
    answer("105", "106")  # 106 drops: told by the answer's changes
    assert [event.alert.extension for event in engine.tick()] == ["105"]  # 106: not a minute yet
    now[0] += timedelta(minutes=2)
    answer("105", "106")
    engine.tick()
    assert sorted(a.extension for a in engine.active) == ["105", "106"]
    answer("106")  # 105 is back
    now[0] += timedelta(seconds=5)
    engine.tick()
    assert [a.extension for a in engine.active] == ["106"]
    assert board.forget("106") == "roster"  # configured: never seen from now on, no longer offline
    now[0] += timedelta(seconds=5)
    engine.tick()
    assert engine.active == []  # a forgotten extension is no longer offline
