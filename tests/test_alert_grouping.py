"""A site-wide outage is one message, not forty: alerts of one rule that fire (or resolve)
within the group window are delivered together, while each alert still lives on its own in the
engine. And a PBX that cannot be reached fires no offline alert at all. Against the simulated
PBX on the manual clock, with an exec action writing what it receives."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from alert_harness import Harness, rules

from ccall_tui import i18n
from ccall_tui.alerts.actions import Delivery, parse_actions
from ccall_tui.alerts.grouping import banner_lines, group_message
from ccall_tui.alerts.model import Alert
from ccall_tui.config import ConfigError

from conftest import FROZEN_NOW

WRITE_STDIN = (
    "import json, os, sys; data = json.load(sys.stdin); "
    "data['env'] = {k: v for k, v in os.environ.items() if k.startswith('CCALL_')}; "
    "open(sys.argv[1], 'a', encoding='utf-8').write(json.dumps(data) + '\\n')"
)
SITE = [str(n) for n in range(130, 142)]  # twelve phones behind one switch
DOWN = {"name": "site down", "kind": "offline", "extensions": "130-141", "minutes": 1, "severity": "critical"}


def received(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
async def wired(sim, clock, credentials, profile, isolated, tmp_path):
    """The harness with a delivery to an exec action on the same manual timers."""
    made = []

    async def make(rule_list, **actions):
        h = Harness(sim, clock, credentials, replace(profile, roster=("100-159",)), isolated / "state", rule_list)
        out = tmp_path / f"received-{len(made)}.jsonl"
        settings = parse_actions({"exec": [{"command": [sys.executable, "-c", WRITE_STDIN, str(out)]}],
                                  "events": ["fired", "resolved"], **actions}, "default")
        delivery = Delivery(settings, profile="default", timer=h.timers, rules=rule_list)
        h.engine.subscribe(delivery)
        made.append((h, delivery))
        for ext in SITE:
            sim.tenant.force_online(ext)
        await h.start()
        return h, delivery, out

    yield make
    for h, delivery in made:
        delivery.close(timeout=5)
        await h.close()


async def test_a_site_outage_is_one_message_and_its_return_another(sim, wired):
    h, delivery, out = await wired(rules(DOWN))
    await h.run(20)
    for ext in SITE:  # the switch dies
        sim.tenant.force_offline(ext)
    await h.run(80)  # offline for a minute: twelve alerts fire at one tick
    assert len(h.fired("site down")) == 12
    assert delivery.held == 12 and received(out) == []  # held for the window
    await h.run(30)
    assert delivery.wait_idle(10)
    [message] = received(out)
    assert message["count"] == 12 and len(message["alerts"]) == 12
    assert message["message"] == "12 extensions offline: 130, 131, 132, 133, 134, 135, 136, 137, 138, 139 … and 2 more"
    assert message["title"] == "CRITICAL: site down" and message["event"] == "fired"
    assert message["env"]["CCALL_ALERT_COUNT"] == "12"
    assert message["env"]["CCALL_ALERT_KEYS"] == ",".join(SITE)

    # each alert still lives on its own: listed, acknowledged, resolved
    active = h.engine.active
    assert sorted(a.extension for a in active) == SITE
    assert h.engine.ack(active[0].id) and len(h.engine.needing_attention()) == 11
    lines = banner_lines(h.engine.needing_attention())
    assert len(lines) == 1 and lines[0].text.startswith("11 extensions offline: 130, 131, 132 … and 8 more")
    assert lines[0].severity == "critical"

    for ext in SITE:
        sim.tenant.force_online(ext)
    await h.run(20)
    assert len(h.resolved("site down")) == 12 and h.engine.active == []
    await h.run(30)
    assert delivery.wait_idle(10)
    fired, back = received(out)
    assert back["event"] == "resolved" and back["count"] == 12
    assert back["message"].startswith("12 back online: 130, 131")


async def test_one_alert_alone_is_delivered_as_itself(sim, wired):
    h, delivery, out = await wired(rules(DOWN))
    await h.run(20)
    sim.tenant.force_offline("135")
    await h.run(80)
    [alert] = h.fired()
    await h.run(30)
    assert delivery.wait_idle(10)
    [message] = received(out)
    assert message["count"] == 1 and message["message"] == alert.message
    assert message["alert"]["extension"] == "135"


async def test_a_window_of_zero_delivers_each_at_once(sim, wired):
    h, delivery, out = await wired(rules(DOWN), group_window_s=0)
    await h.run(20)
    for ext in SITE[:3]:
        sim.tenant.force_offline(ext)
    await h.run(80)
    assert delivery.wait_idle(10)
    assert sorted(m["alert"]["extension"] for m in received(out)) == SITE[:3]


async def test_alerts_after_the_window_are_a_new_message(sim, wired):
    h, delivery, out = await wired(rules(DOWN), group_window_s=10)
    await h.run(20)
    sim.tenant.force_offline("130")
    sim.tenant.force_offline("131")
    await h.run(80)
    await h.run(60)
    sim.tenant.force_offline("132")  # a minute later, after the window closed
    await h.run(90)
    assert delivery.wait_idle(10)
    messages = received(out)
    assert [m["count"] for m in messages] == [2, 1]


async def test_a_rule_may_have_its_own_window(sim, wired):
    front = {"name": "front desk", "kind": "offline", "extensions": "100-101", "minutes": 1,
             "group_window_s": 0}  # a page for each, at once
    for ext in ("100", "101"):
        sim.tenant.force_online(ext)
    h, delivery, out = await wired(rules(DOWN, front))
    await h.run(20)
    for ext in ("100", "101", "130", "131"):
        sim.tenant.force_offline(ext)
    await h.run(80)
    assert delivery.held == 2  # the site's two wait for their window; the front desk's went at once
    assert delivery.wait_idle(10) and delivery.held == 0  # flushing what the site rule held, too
    messages = received(out)
    assert sorted((m["alert"]["rule"], m["count"]) for m in messages) == [
        ("front desk", 1), ("front desk", 1), ("site down", 2)]


def test_the_rule_window_is_checked():
    from ccall_tui.alerts.rules import parse_rule

    assert parse_rule({"name": "x", "kind": "offline", "minutes": 1, "group_window_s": 5}).group_window_s == 5.0
    assert parse_rule({"name": "x", "kind": "offline", "minutes": 1}).group_window_s is None
    with pytest.raises(ConfigError) as caught:
        parse_rule({"name": "x", "kind": "offline", "minutes": 1, "group_window_s": 900})
    assert "group_window_s: must be a number of seconds from 0 (no grouping) to 600 (got 900)" in str(caught.value)


async def test_stopping_sends_what_is_held(sim, wired):
    h, delivery, out = await wired(rules(DOWN))
    await h.run(20)
    for ext in SITE[:4]:
        sim.tenant.force_offline(ext)
    await h.run(80)
    assert delivery.held == 4
    delivery.close(timeout=10)  # watch stopping: queued deliveries get their chance
    [message] = received(out)
    assert message["count"] == 4


async def test_an_unreachable_pbx_fires_no_offline_alert(sim, wired):
    """Polling fails: the board goes stale, nothing is known to be offline; only the polling
    rule speaks. When the PBX answers again, the phones are online: still no offline alert."""
    h, delivery, out = await wired(rules(DOWN, {"name": "blind", "kind": "polling_failing", "minutes": 2}))
    await h.run(20)
    sim.faults.status_5xx = 503
    await h.run(5 * 60)
    assert h.feed.status.is_stale(h.clock())
    assert h.fired("site down") == []
    assert [a.rule for a in h.fired()] == ["blind"]
    assert all(h.feed.board.tiles[ext].state.value == "online" for ext in SITE)  # last known, not offline
    sim.faults.status_5xx = None
    await h.run(5 * 60)
    assert h.fired("site down") == [] and [a.rule for a in h.resolved()] == ["blind"]
    assert delivery.wait_idle(10)
    assert [m["alert"]["rule"] for m in received(out)] == ["blind", "blind"]


def test_group_messages_by_kind_and_language():
    def alert(key: str, kind: str = "offline", **kw) -> Alert:
        return Alert(id=key, rule="r", kind=kind, severity="warning", key=key, message=f"one {key}",
                     fired_at=FROZEN_NOW, extension=kw.get("extension", key), number=kw.get("number"))

    three = [alert("103"), alert("101"), alert("102")]
    assert group_message("fired", three, shown=2) == "3 extensions offline: 101, 102 … and 1 more"
    assert group_message("fired", three[:1]) == "one 103"
    calls = [alert("0901", "missed_call", extension="105", number="0901"),
             alert("0902", "missed_call", extension="105", number="0902")]
    assert group_message("fired", calls) == "2 missed calls, call back: 0901, 0902"
    assert group_message("resolved", calls) == "2 resolved: 0901, 0902"
    try:
        i18n.set_language("vi", {})
        assert group_message("fired", three) == "3 máy lẻ ngoại tuyến: 101, 102, 103"
        assert group_message("fired", three, shown=1) == "3 máy lẻ ngoại tuyến: 101 … và 2 số khác"
        assert group_message("resolved", three) == "3 máy lẻ đã trực tuyến trở lại: 101, 102, 103"
    finally:
        i18n.set_language("en", {})


@pytest.mark.parametrize("value", [-1, 601, "30s", True])
def test_the_group_window_is_checked(value):
    with pytest.raises(ConfigError) as caught:
        parse_actions({"group_window_s": value}, "default")
    assert "actions.group_window_s: must be a number of seconds" in str(caught.value)
    assert parse_actions({}, "default").group_window_s == 30.0
    assert parse_actions({"group_window_s": 0}, "default").group_window_s == 0.0
