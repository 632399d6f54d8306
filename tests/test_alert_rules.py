"""Alert rules: the rules file (line-numbered one-line errors, like the config file) and every
kind of rule against the simulated PBX on the manual clock: it fires once, and resolves when
its condition clears."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from alert_harness import Harness, add_call, header_counts, live_calls, rules

from ccall_tui.alerts.rules_file import demo_rules, load_rules, parse_rule_text
from ccall_tui.config import ConfigError, Profile
from ccall_tui.paths import alerts_path

GOOD = """\
# the reception desk
[[profiles.main.rules]]
name = "reception offline"
kind = "offline"
extensions = ["100-103", "Reception", "watched"]
minutes = 5
severity = "critical"
clear_after = 2

[[profiles.main.rules]]
name = "answer rate"
kind = "asr_below"
percent = 60
minutes = 30

[profiles.main.actions]
terminal = true

[[profiles.other.rules]]
name = "reception offline"
kind = "polling_failing"
minutes = 3
"""


def error_of(text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_rule_text(text, Path("/etc/ccall/alerts.toml"))
    message = str(caught.value)
    assert "\n" not in message and "Traceback" not in message
    return message


# --------------------------------------------------------------------------- the file


def test_a_rules_file_is_read_per_profile_with_its_actions_kept_for_delivery(tmp_path):
    path = tmp_path / "alerts.toml"
    path.write_text(GOOD, encoding="utf-8")
    loaded = load_rules(path)
    main = loaded.for_profile("main")
    assert [r.name for r in main.rules] == ["reception offline", "answer rate"]
    offline = main.rules[0]
    assert (offline.kind, offline.severity, offline.minutes, offline.clear_after) == ("offline", "critical", 5, 2)
    assert offline.target.extensions == frozenset({"100", "101", "102", "103"})
    assert offline.target.watched and "reception" in offline.target.labels
    assert offline.target.contains("250", "RECEPTION", frozenset())
    assert not offline.target.contains("250", "Sales", frozenset())
    assert offline.target.contains("300", None, frozenset({"300"}))
    assert main.rules[1].min_calls == 10 and main.rules[1].severity == "warning"
    assert main.actions == {"terminal": True}
    assert loaded.for_profile("other").rules[0].kind == "polling_failing"
    assert loaded.for_profile("nobody").rules == ()
    # a later check (the delivery's) can point at a line of the same file
    assert loaded.line_of(("profiles", "main", "rules"), "minutes", 1) == 14
    assert "line 17" in str(loaded.error("bad", ("profiles", "main", "actions"), "terminal"))


def test_no_rules_file_means_no_rules_and_the_path_sits_beside_the_config(isolated, monkeypatch):
    path = alerts_path()
    assert path.name == "alerts.toml" and path.parent == Path(isolated / "config")
    assert load_rules().for_profile("default").rules == ()
    monkeypatch.setenv("CCALL_ALERTS", str(isolated / "elsewhere.toml"))
    assert alerts_path() == isolated / "elsewhere.toml"


@pytest.mark.parametrize(("text", "expected"), [
    ('[[profiles.main.rules]]\nname = "a"\nkind = "offline"\nminutes = 5\n\n'
     '[[profiles.main.rules]]\nname = "b"\nkind = "offline"\nminutes = -1\n',
     "alerts.toml, line 9: profiles.main.rules[2].minutes: must be a number of minutes from 0 to 10080 (got -1)"),
    ('[[profiles.main.rules]]\nname = "a"\nkind = "ofline"\nminutes = 5\n',
     'line 3: profiles.main.rules[1].kind: unknown kind "ofline"; did you mean "offline"?'),
    ('[[profiles.main.rules]]\nname = "a"\nkind = "asr_below"\npercent = 50\n',
     'line 1: profiles.main.rules[1].minutes: rules of kind "asr_below" need minutes'),
    ('[[profiles.main.rules]]\nname = "a"\nkind = "offline"\nminutes = 5\nextensions = ["199-100"]\n',
     'line 5: profiles.main.rules[1].extensions: the range "199-100" is reversed'),
    ('[[profiles.main.rules]]\nname = "a"\nkind = "offline"\nminutes = 5\nflaps = 3\n',
     'line 5: profiles.main.rules[1].flaps: not a key of "offline" rules'),
    ('[[profiles.main.rules]]\nname = "a"\nkind = "offline"\nminutes = 5\n'
     '[[profiles.main.rules]]\nname = "A"\nkind = "offline"\nminutes = 5\n',
     'line 5: profiles.main.rules.name: another rule of this profile is already named "A"'),
    ('[profiles.main]\nrulez = 3\n', 'line 2: profiles.main.rulez: unknown key; did you mean "rules"?'),
    ('[[profiles.main.rules]]\nname = "a\n', "line 2: this is not valid TOML"),
    ('[[profiles.main.rules]]\nname = "a"\nkind = "mos_low"\nmos = 7\npercent = 10\nminutes = 5\n',
     "line 4: profiles.main.rules[1].mos: must be a MOS from 1 to 5 (got 7)"),
    ('[[profiles.main.rules]]\nname = "a"\nkind = "offline"\nminutes = 5\nseverity = "page"\n',
     'line 5: profiles.main.rules[1].severity: must be "warning" or "critical" (got "page")'),
    ('[[profiles.main.rules]]\nkind = "offline"\nminutes = 5\n', "profiles.main.rules[1].name: every rule needs a name"),
    ('[[profiles.main.rules]]\nname = "x"\nkind = "flapping"\nflaps = 2.5\nminutes = 5\n',
     "line 4: profiles.main.rules[1].flaps: must be a whole number from 1 to 10000 (got 2.5)"),
])
def test_every_mistake_is_one_line_naming_the_file_line_and_key(text, expected):
    message = error_of(text)
    assert expected in message
    assert message.startswith("/etc/ccall/alerts.toml")


def test_the_demo_ships_valid_rules_of_every_kind():
    demo = demo_rules("default")
    kinds = {rule.kind for rule in demo.rules}
    assert kinds == {"offline", "flapping", "online_below", "unreachable", "polling_failing", "missed_call",
                     "asr_below", "mos_low", "not_registered"}


# --------------------------------------------------------------------------- each kind against the simulator


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


async def test_offline_longer_than_n_minutes_fires_once_then_resolves(sim, harness):
    sim.tenant.force_online("105")
    h = await harness(rules({"name": "105 down", "kind": "offline", "extensions": "105", "minutes": 5,
                             "severity": "critical"}))
    await h.run(30)
    sim.tenant.force_offline("105")
    await h.run(4 * 60)
    assert h.fired() == []
    await h.run(90)
    [alert] = h.fired("105 down")
    assert alert.extension == "105" and alert.severity == "critical" and "105" in alert.message
    assert "offline for 5 min" in alert.message
    await h.run(20 * 60)
    assert len(h.fired()) == 1
    sim.tenant.force_online("105")
    await h.run(30)
    [resolved] = h.resolved("105 down")
    assert resolved.id == alert.id and resolved.resolved_at is not None
    assert h.engine.active == []


async def test_a_group_by_range_or_label_alerts_once_per_extension(sim, clock, harness):
    for ext in ("110", "111", "112"):
        sim.tenant.force_online(ext)
    h = await harness(rules({"name": "sales", "kind": "offline", "extensions": ["110-111", "Front desk"],
                             "minutes": 1}))
    h.feed.board.set_labels({"112": "Front Desk"})
    await h.run(20)
    for ext in ("110", "111", "112"):
        sim.tenant.force_offline(ext)
    await h.run(3 * 60)
    assert sorted(a.extension for a in h.fired("sales")) == ["110", "111", "112"]


async def test_flapping_more_than_n_drops_in_m_minutes(sim, harness):
    sim.tenant.force_online("120")
    h = await harness(rules({"name": "flappy", "kind": "flapping", "extensions": "120", "flaps": 2,
                             "minutes": 10}))
    await h.run(20)
    for _ in range(2):
        sim.tenant.force_offline("120")
        await h.run(30)
        sim.tenant.force_online("120")
        await h.run(30)
    assert h.fired() == []  # two drops is not more than two
    sim.tenant.force_offline("120")
    await h.run(30)
    [alert] = h.fired("flappy")
    assert "dropped off 3 times in 10 min" in alert.message
    sim.tenant.force_online("120")
    await h.run(11 * 60)  # the drops leave the window
    assert [a.id for a in h.resolved("flappy")] == [alert.id]


async def test_online_count_below_a_share_of_the_group_with_hysteresis(sim, harness):
    group = [str(n) for n in range(130, 140)]
    for ext in group:
        sim.tenant.force_online(ext)
    h = await harness(rules({"name": "few", "kind": "online_below", "extensions": "130-139", "percent": 80,
                             "hysteresis": 15}))
    await h.run(20)
    for ext in group[:3]:
        sim.tenant.force_offline(ext)
    await h.run(20)
    [alert] = h.fired("few")
    assert alert.value == 70.0 and "7 of 10" in alert.message
    sim.tenant.force_online(group[0])  # 80 %: at the threshold, but not past it by the hysteresis
    await h.run(60)
    assert h.resolved() == []
    for ext in group[1:3]:
        sim.tenant.force_online(ext)  # 100 %
    await h.run(20)
    assert [a.id for a in h.resolved("few")] == [alert.id]


async def test_online_below_counts_what_the_header_counts(sim, harness):
    """A phone registered but not answering pings is not online on the board's header, so
    not for the rule either: the alert's figures are the header's."""
    from ccall_tui.sim import troubles

    troubles.install(sim.tenant, "unreachable", "120")
    troubles.install(sim.tenant, "slow_ping", "121")
    h = await harness(rules({"name": "few", "kind": "online_below", "percent": 99},
                            {"name": "desk", "kind": "online_below", "extensions": "115-124", "percent": 99}))
    await h.run(20)
    board = h.feed.board
    header = header_counts(board)
    assert header["unreachable"] >= 2  # the two troubles and the seeded tenant's own deaf phone
    whole = h.fired("few")[0]
    assert (whole.details["online"], whole.details["total"]) == (header["online"], header["total"])
    assert whole.details["unreachable"] == header["unreachable"]
    assert f"Only {header['online']} of {header['total']} extensions are online" in whole.message
    assert f"{header['unreachable']} more registered but not answering pings" in whole.message
    desk = h.fired("desk")[0]
    shown = [board.tiles[str(n)].shown.value for n in range(115, 125)]
    assert desk.details["online"] == shown.count("online") and desk.details["unreachable"] == 2
    assert desk.details["total"] == 10 - shown.count("unknown")


async def test_registered_but_unreachable_for_n_minutes(sim, harness):
    # the seeded tenant has phones whose pings go unanswered; find one online now
    numbers = sorted({reg.extension for reg in sim.tenant.registrations() if not reg.reachable})
    assert numbers, "the seeded tenant should have an unreachable phone"
    number = numbers[0]
    h = await harness(rules({"name": "deaf", "kind": "unreachable", "extensions": number, "minutes": 2}))
    await h.run(60)
    assert h.fired() == []
    await h.run(90)
    [alert] = h.fired("deaf")
    assert alert.extension == number and "has not answered pings for 2 min" in alert.message
    sim.tenant.force_online(number)  # a forced phone answers its pings
    await h.run(20)
    assert [a.id for a in h.resolved("deaf")] == [alert.id]


async def test_polling_failing_for_n_minutes_and_registration_rules_hold_meanwhile(sim, harness):
    sim.tenant.force_online("140")
    h = await harness(rules(
        {"name": "blind", "kind": "polling_failing", "minutes": 2, "severity": "critical"},
        {"name": "140 down", "kind": "offline", "extensions": "140", "minutes": 1},
    ))
    await h.run(20)
    sim.faults.status_5xx = 502
    sim.tenant.force_offline("140")  # unseen while the server fails
    await h.run(100)
    assert h.fired() == []
    await h.run(60)
    [alert] = h.fired("blind")
    assert "Polling has been failing for 2 min" in alert.message and alert.severity == "critical"
    assert h.fired("140 down") == []  # a stale board proves nothing about 140
    sim.faults.status_5xx = None
    await h.run(5 * 60)
    assert [a.id for a in h.resolved("blind")] == [alert.id]
    assert len(h.fired("140 down")) == 1


@pytest.fixture
def quiet_sim(clock):
    """A tenant without seeded calls: every call is one the test made."""
    from ccall_tui.sim.server import SimulatedPbx

    pbx = SimulatedPbx(seed=7, extensions=60, clock=clock, calls_per_day=0)
    pbx.start()
    live_calls(pbx)
    yield pbx
    pbx.stop()


@pytest.fixture
async def call_harness(quiet_sim, clock, credentials, isolated):
    made = []
    profile = replace(Profile.default("test"), base_url=quiet_sim.base_url, roster=("100-159",))

    async def make(rule_list, **kwargs):
        h = Harness(quiet_sim, clock, credentials, profile, isolated / "state", rule_list, **kwargs)
        made.append(h)
        await h.start()
        return h

    yield make
    for h in made:
        await h.close()


async def test_a_missed_inbound_call_gives_the_number_to_call_back_until_someone_does(quiet_sim, call_harness):
    h = await call_harness(rules({"name": "missed", "kind": "missed_call", "minutes": 60}))
    add_call(quiet_sim, source="0912345678", destination="105", cause="NO_ANSWER", answered=False)
    add_call(quiet_sim, source="0987654321", destination="106", cause="NORMAL_CLEARING", answered=True)
    await h.run(40)
    [alert] = h.fired("missed")
    assert alert.number == "0912345678" and alert.extension == "105"
    assert "Missed call from 0912345678" in alert.message and "call back 0912345678" in alert.message
    add_call(quiet_sim, source="0912345678", destination="107", cause="ORIGINATOR_CANCEL", answered=False)
    await h.run(40)
    assert len(h.fired()) == 1  # the same caller again: the same alert, now two calls
    assert h.engine.active[0].details["calls"] == 2
    # 105 calls back (+84 and 0 prefixes are the same number)
    add_call(quiet_sim, direction="outbound", source="105", destination="+84912345678", ago_s=20)
    await h.run(40)
    assert [a.id for a in h.resolved("missed")] == [alert.id]


async def test_answer_rate_below_x_percent_over_the_last_n_minutes(quiet_sim, call_harness):
    h = await call_harness(rules({"name": "asr", "kind": "asr_below", "percent": 50, "minutes": 10,
                                  "min_calls": 4, "hysteresis": 20}))
    for _ in range(3):
        add_call(quiet_sim, direction="outbound", source="105", destination="0281234567", cause="NO_ANSWER",
                 answered=False)
    await h.run(40)
    assert h.fired() == []  # three calls are too few to judge
    add_call(quiet_sim, direction="outbound", source="105", destination="0281234567")
    await h.run(40)
    [alert] = h.fired("asr")
    assert alert.value == 25.0 and "(1 of 4 calls)" in alert.message
    for _ in range(4):
        add_call(quiet_sim, direction="outbound", source="105", destination="0281234567")
    await h.run(40)  # 5 of 8: 62.5 %, above 50 but not past 50 + the hysteresis of 20
    assert h.resolved() == []
    for _ in range(4):
        add_call(quiet_sim, direction="outbound", source="105", destination="0281234567")
    await h.run(40)  # 9 of 12: 75 %
    assert [a.id for a in h.resolved("asr")] == [alert.id]


async def test_share_of_calls_with_poor_mos_above_z_percent(quiet_sim, call_harness, clock):
    h = await call_harness(rules({"name": "audio", "kind": "mos_low", "mos": 3.5, "percent": 30,
                                  "minutes": 5, "min_calls": 3}))
    for mos in (4.4, 3.1, 2.9):
        add_call(quiet_sim, mos=mos)
    add_call(quiet_sim, cause="NO_ANSWER", answered=False)  # no media, no MOS: not counted
    await h.run(40)
    [alert] = h.fired("audio")
    assert alert.value == pytest.approx(66.7) and "(2 of 3)" in alert.message
    await h.run(6 * 60)  # the poor calls leave the window
    assert [a.id for a in h.resolved("audio")] == [alert.id]


async def test_calls_to_a_watched_extension_failing_as_not_registered(quiet_sim, call_harness):
    quiet_sim.tenant.force_offline("108")
    h = await call_harness(rules({"name": "unreg", "kind": "not_registered"}), watched=("108",))
    add_call(quiet_sim, destination="109", cause="USER_NOT_REGISTERED", answered=False)  # not watched
    add_call(quiet_sim, destination="108", cause="SUBSCRIBER_ABSENT", answered=False)
    await h.run(40)
    [alert] = h.fired("unreg")
    assert alert.extension == "108" and "SUBSCRIBER_ABSENT" in alert.message
    quiet_sim.tenant.force_online("108")
    await h.run(20)
    assert [a.id for a in h.resolved("unreg")] == [alert.id]


async def test_offline_since_before_the_board_looked_says_at_least(sim, harness, clock):
    sim.tenant.force_online("105")
    first = await harness(rules({"name": "105 down", "kind": "offline", "extensions": "105", "minutes": 5}))
    await first.run(20)
    await first.close()  # 105 is remembered as seen
    sim.tenant.force_offline("105")
    clock.advance(3600)
    later = await harness(rules({"name": "105 down", "kind": "offline", "extensions": "105", "minutes": 5}))
    await later.run(6 * 60)
    [alert] = later.fired()
    assert "105 has been offline for at least 5 min" in alert.message
