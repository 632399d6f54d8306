"""The quality report's figures against a hand count over what the simulator knows it did: every
call of a day (its own list, not the wire), its phones and their networks, and the recorder's
availability over a recorded stretch; then the command line's JSON, CSV and table."""

from __future__ import annotations

import csv
import io
import json
import math
from collections import defaultdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from conftest import run_cli
from recorder_kit import expected_online_seconds, start_recording
from ccall_tui.api.client import CcallClient
from ccall_tui.monitor.quality import UNKNOWN, DeviceInfo, QualityBuilder, mos_histogram, phone_model
from ccall_tui.monitor.quality_sources import collect_quality
from ccall_tui.sim.calls import CallFilter

VN = ZoneInfo("Asia/Ho_Chi_Minh")
UNTIL = datetime(2026, 11, 27, 10, 0, tzinfo=VN)
SINCE = UNTIL - timedelta(days=1)

# Every user agent the simulator gives a phone, and the model a person reads in it.
MODELS = {
    "Yealink SIP-T46S 66.86.0.15": "Yealink SIP-T46S",
    "Yealink SIP-T31P 124.86.0.40": "Yealink SIP-T31P",
    "Yealink SIP-T54W 96.86.0.100": "Yealink SIP-T54W",
    "Grandstream GXP2170 1.0.11.23": "Grandstream GXP2170",
    "Grandstream GRP2614 1.0.5.67": "Grandstream GRP2614",
    "Fanvil X4U 2.12.2.1": "Fanvil X4U",
    "snom D735/10.1.73.16": "snom D735",
    "Zoiper rv2.10.19.4": "Zoiper",
    "MicroSIP/3.21.3": "MicroSIP",
    "Linphone Desktop/5.2.4 (Windows 10) LinphoneCore/5.3.24": "Linphone Desktop",
    "LinphoneAndroid/5.2.5 (Pixel 7) LinphoneSDK/5.3.24": "LinphoneAndroid",
    "Zoiper v2.10.20.3_Android": "Zoiper",
    "Bria iOS release 6.9.2 stamp 119020": "Bria iOS",
}


def p10(values: list[float]) -> float | None:
    """The 10th percentile, interpolated between the two closest ranks, counted by hand."""
    if not values:
        return None
    ordered = sorted(values)
    rank = 0.1 * (len(ordered) - 1)
    low, high = ordered[math.floor(rank)], ordered[math.ceil(rank)]
    return low + (high - low) * (rank - math.floor(rank))


def hand_count(sim, group_of) -> dict[str, dict]:
    """Per group: the calls the simulator made in SINCE..UNTIL (the API's 'to' minute included)."""
    calls = sim.tenant.calls.select(CallFilter(start_ts=int(SINCE.timestamp()), end_ts=int(UNTIL.timestamp()) + 59))
    assert len(calls) > 1000
    out: dict[str, dict] = defaultdict(lambda: {"calls": 0, "answered": 0, "missed": 0, "talk": [], "tta": [], "mos": []})
    for call in calls:
        mine: dict[str, bool] = {}
        if call.direction in ("outbound", "local"):
            mine[group_of(call.source)] = False
        if call.direction in ("inbound", "local"):
            key = group_of(call.destination)
            mine[key] = mine.get(key, False) or True
        for key, incoming in mine.items():
            row = out[key]
            row["calls"] += 1
            if call.tta is not None:
                row["answered"] += 1
                row["talk"].append(call.talk_s)
                row["tta"].append(call.tta)
            elif incoming:
                row["missed"] += 1
            if call.mos is not None:
                row["mos"].append(call.mos)
    return out


def assert_rows_match(rows, expected: dict[str, dict]) -> None:
    by_key = {row.key: row for row in rows}
    assert {k for k, r in by_key.items() if r.calls} == set(expected)
    for key, want in expected.items():
        row = by_key[key]
        assert (row.calls, row.answered, row.missed) == (want["calls"], want["answered"], want["missed"]), key
        assert row.asr_pct == pytest.approx(100.0 * want["answered"] / want["calls"]), key
        for got, values in ((row.acd_s, want["talk"]), (row.tta_avg_s, want["tta"]), (row.mos_avg, want["mos"])):
            assert got == (pytest.approx(sum(values) / len(values)) if values else None), key
        assert row.mos_p10 == (pytest.approx(p10(want["mos"])) if want["mos"] else None), key
        assert row.mos_count == len(want["mos"])


async def collect(sim, credentials, profile, **kwargs):
    client = CcallClient(sim.base_url, credentials, timeout=10.0, tz=profile.timezone)
    async with client:
        return await collect_quality(client, SINCE, UNTIL, **kwargs)


async def test_figures_per_extension_match_a_hand_count(sim, credentials, profile):
    data = await collect(sim, credentials, profile)
    assert not data.paging.incomplete and data.builder.skipped == 0
    assert_rows_match(data.builder.rows("extension"), hand_count(sim, lambda number: number))
    # without a recorded history the availability is unknown, never 0 %
    assert all(row.availability_pct is None for row in data.builder.rows("extension"))
    assert data.recorded is False


def _live_groups(sim):
    """Phone model and network of every extension registered now, from the simulator's own phones."""
    models: dict[str, set[str]] = defaultdict(set)
    networks: dict[str, set[str]] = defaultdict(set)
    for reg in sim.tenant.registrations(sim.tenant.now()):
        models[reg.extension].add(MODELS[sim.tenant.agent(reg.extension, reg.device)])
        networks[reg.extension].add(reg.device.transport + ("-NAT" if reg.device.nat else ""))

    def group(table):
        return lambda number: " + ".join(sorted(table[number])) if number in table else UNKNOWN
    return group(models), group(networks)


async def test_figures_by_phone_model_and_by_network_match_a_hand_count(sim, credentials, profile):
    by_model, by_network = _live_groups(sim)
    data = await collect(sim, credentials, profile)
    agent_rows = data.builder.rows("agent")
    assert_rows_match(agent_rows, hand_count(sim, by_model))
    assert_rows_match(data.builder.rows("network"), hand_count(sim, by_network))
    # a local call between two phones of one model is one call of that model, not two
    assert sum(r.calls for r in agent_rows) < sum(r.calls for r in data.builder.rows("extension"))
    assert any(r.key.endswith("-NAT") for r in data.builder.rows("network"))


def test_phone_models_read_from_every_simulated_agent():
    assert {agent: phone_model(agent) for agent in MODELS} == MODELS
    assert phone_model(None) == phone_model("  ") == UNKNOWN


def test_a_device_only_the_recorder_saw_keeps_its_nat_unknown():
    assert DeviceInfo("MicroSIP/3.21.3", "UDP", None).network == "UDP (NAT?)"
    assert DeviceInfo("MicroSIP/3.21.3", "udp", True).network == "UDP-NAT"
    assert DeviceInfo(None, None, None).network == UNKNOWN


def test_mos_histogram_bins_every_score_once():
    values = [1.0, 3.1, 3.24, 3.25, 4.49, 5.0]
    bins = dict(mos_histogram(values))
    assert sum(bins.values()) == len(values)
    assert bins[1.0] == 1 and bins[3.0] == 2 and bins[3.25] == 1 and bins[4.25] == 1 and bins[5.0] == 1


async def test_availability_comes_from_the_recorder_and_matches_what_it_saw(sim, clock, profile, credentials):
    rec = start_recording(profile, clock, sim, credentials)
    start = clock()
    sim.tenant.force_online("100")
    await rec.poll()
    await rec.run(30, every_s=300)
    sim.tenant.force_offline("100")
    await rec.run(60, every_s=300)
    sim.tenant.force_online("100")
    await rec.run(30, every_s=300)
    rec.flush()
    end = clock()
    client = CcallClient(sim.base_url, credentials, timeout=10.0, tz=profile.timezone)
    try:
        async with client:
            data = await collect_quality(client, start, end, history=rec.history)
    finally:
        rec.close()
    assert data.recorded and data.online
    rows = {row.key: row for row in data.builder.rows("extension")}
    online, observed = expected_online_seconds(rec.truth, "100", start, end)
    assert observed == 7200 and online == 3600
    assert rows["100"].availability_pct == pytest.approx(50.0)
    for ext, row in rows.items():
        up, seen = expected_online_seconds(rec.truth, ext, start, end)
        assert row.availability_pct == pytest.approx(100.0 * up / seen), ext
    # a group's availability is its members' online time over their observed time
    for row in data.builder.rows("agent"):
        up = sum(expected_online_seconds(rec.truth, e, start, end)[0] for e in row.extensions)
        seen = sum(expected_online_seconds(rec.truth, e, start, end)[1] for e in row.extensions)
        assert row.availability_pct == pytest.approx(100.0 * up / seen), row.key


def test_calls_without_an_extension_on_either_side_are_counted_as_skipped():
    from ccall_tui.api.cdrs import CallRecord

    def record(direction, source, destination, tta=None):
        return CallRecord(None, UNTIL, direction, source, None, destination, "NORMAL_CLEARING",
                          tta, 30.0 if tta else None, None, None, None)

    builder = QualityBuilder(VN)
    builder.add([record("inbound", "0901234567", "02873001234"), record("local", "101", "102", 3.0),
                 record("inbound", "0901234567", "102")])
    assert builder.skipped == 1
    rows = {r.key: r for r in builder.rows("extension")}
    assert (rows["101"].calls, rows["101"].missed) == (1, 0)
    assert (rows["102"].calls, rows["102"].answered, rows["102"].missed) == (2, 1, 1)


# ---------------------------------------------------------------------- command line

UNTIL_ARG = UNTIL.strftime("%Y-%m-%d %H:%M")


def test_command_line_json_is_the_hand_count(env, capsys):
    code, out, err = run_cli(capsys, "report", "quality", "--since", "1d", "--until", UNTIL_ARG, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["by"] == "extension" and data["since"] == SINCE.strftime("%Y-%m-%d %H:%M") and data["recorded"] is False
    expected = hand_count(env, lambda number: number)
    rows = {row["key"]: row for row in data["rows"] if row["calls"]}
    assert set(rows) == set(expected)
    for key, want in expected.items():
        assert (rows[key]["calls"], rows[key]["answered"], rows[key]["missed"]) == (want["calls"], want["answered"], want["missed"])
        assert rows[key]["asr_pct"] == round(100.0 * want["answered"] / want["calls"], 1)
        assert rows[key]["mos_p10"] == (round(p10(want["mos"]), 2) if want["mos"] else None)
        assert rows[key]["availability_pct"] is None


def test_command_line_csv_by_network(env, capsys):
    _models, by_network = _live_groups(env)
    code, out, err = run_cli(capsys, "report", "quality", "--since", "1d", "--until", UNTIL_ARG, "--by", "network", "--csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == ["key", "calls", "answered", "missed", "asr_pct", "acd_s", "tta_avg_s", "mos_avg",
                             "mos_p10", "mos_count", "availability_pct", "extensions"]
    expected = hand_count(env, by_network)
    got = {row["key"]: row for row in rows if int(row["calls"])}
    assert set(got) == set(expected)
    for key, want in expected.items():
        assert int(got[key]["calls"]) == want["calls"] and int(got[key]["missed"]) == want["missed"]
        assert got[key]["availability_pct"] == ""


def test_command_line_table_and_bad_input(env, capsys):
    code, out, err = run_cli(capsys, "report", "quality", "--since", "1d", "--until", UNTIL_ARG, "--by", "agent")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("Call quality by phone model, 2026-11-26 10:00 to 2026-11-27 10:00")
    assert lines[1].split()[:3] == ["KEY", "CALLS", "ANS"]
    assert any(line.startswith("Grandstream GXP2170 ") for line in lines)
    assert lines[-1].startswith("unknown ")  # phones offline now and no history: said in words, last
    assert "availability is empty" in err
    code, out, err = run_cli(capsys, "report", "quality", "--since", "forever")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and "--since" in err
    code, out, err = run_cli(capsys, "report", "quality", "--since", "40d")
    assert code == 2 and "31 days" in err and len(err.strip().splitlines()) == 1


def test_a_walk_that_stops_early_exits_5_with_what_it_read(env, capsys):
    env.faults.stuck_page = True  # the server answers page 1 whatever page is asked for
    code, out, err = run_cli(capsys, "report", "quality", "--since", "1d", "--until", UNTIL_ARG, "--json")
    assert code == 5
    data = json.loads(out)
    assert 0 < sum(row["calls"] for row in data["rows"]) < sum(w["calls"] for w in hand_count(env, lambda n: n).values())
    lines = err.strip().splitlines()
    assert lines[-1].startswith("ccall-tui: stopped after page 2") and "calls not read" in lines[-1]
    assert "Traceback" not in err


async def test_registrations_failing_leave_the_calls_and_say_so(sim, credentials, profile):
    sim.faults.registrations_junk = "response_string"  # {"response": "string"}: not an answer
    data = await collect(sim, credentials, profile)
    assert data.registrations_error and "\n" not in data.registrations_error
    assert_rows_match(data.builder.rows("extension"), hand_count(sim, lambda number: number))
    assert {row.key for row in data.builder.rows("agent")} == {UNKNOWN}  # no phone known at all
