"""The simulated PBX: reproducible tenant, the wire format, filters, paging, faults and quirks."""

from __future__ import annotations

import argparse
import io
import json
import threading
import time
import unicodedata
import wave
from datetime import datetime, timedelta

import httpx
import pytest

from ccall_tui.api.errors import ProtocolError
from ccall_tui.api.cdrs import HANGUP_CAUSES, parse_cdrs
from ccall_tui.api.registrations import parse_registrations
from ccall_tui.sim import Faults, ManualClock, SimulatedPbx, Tenant
from ccall_tui.sim import cli as sim_cli
from ccall_tui.sim.calls import CallFilter
from ccall_tui.sim.clock import PBX_TZ

WEDNESDAY = "2026-03-11 17:30:00"  # a busy weekday, late afternoon
CREDS = {"api_key": "demo", "api_secret": "demo"}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(WEDNESDAY)


@pytest.fixture
def pbx(clock):
    with SimulatedPbx(seed=7, clock=clock) as server:
        yield server


@pytest.fixture
def client(pbx):
    with httpx.Client(base_url=pbx.base_url, timeout=10) as http:
        yield http


def post(client: httpx.Client, path: str, **fields) -> httpx.Response:
    return client.post(path, json={"submission": {**CREDS, **fields}})


def regs(client: httpx.Client, **fields):
    response = post(client, "/ext_reg/json", **fields)
    assert response.status_code == 200
    return parse_registrations(response.json())


def cdrs(client: httpx.Client, **fields):
    response = post(client, "/cdrs/json", **fields)
    assert response.status_code == 200, response.text
    return parse_cdrs(response.json())


def reg_key(snapshot):
    return {
        ext: [(r.to_json(), r.expires_at, r.call_id, r.ping_status) for r in rows]
        for ext, rows in snapshot.extensions.items()
    }


def cdr_key(page):
    return [r.to_json() for r in page.records]


# --------------------------------------------------------------------------- tenant model


def test_same_seed_and_clock_give_identical_answers(clock):
    with SimulatedPbx(seed=7, clock=clock) as a, SimulatedPbx(seed=7, clock=clock) as b:
        answers = []
        for server in (a, b):
            with httpx.Client(base_url=server.base_url) as http:
                reg = post(http, "/ext_reg/json").text
                cdr = post(http, "/cdrs/json", page=3, limit=40).text
                answers.append((reg, cdr.replace(server.base_url, "BASE")))
        assert answers[0] == answers[1]
    other = Tenant(seed=8, clock=clock)
    assert [e.name for e in other.extensions.values()] != [
        e.name for e in Tenant(seed=7, clock=clock).extensions.values()
    ]


def test_extensions_have_vietnamese_names_and_realistic_phones(clock):
    tenant = Tenant(seed=7, extensions=60, clock=clock)
    assert tenant.numbers == [str(n) for n in range(100, 160)]
    names = [tenant.name(n) for n in tenant.numbers]
    assert all(len(name.split()) == 3 for name in names)
    assert sum(any(unicodedata.combining(ch) or ord(ch) > 0x7F for ch in name) for name in names) > 40
    assert len(set(names)) > 45
    two = [e for e in tenant.extensions.values() if len(e.devices) == 2]
    never = [e for e in tenant.extensions.values() if e.never_registers]
    assert 4 <= len(two) <= 16
    assert 1 <= len(never) <= 6
    big = Tenant(seed=7, extensions=3000, clock=clock)
    assert big.numbers[-1] == "3099"
    assert big.calls.weekday_calls <= 12000


def test_registrations_show_devices_and_skip_never_registering(client, pbx):
    snapshot = regs(client)
    tenant = pbx.tenant
    assert snapshot.skipped == 0
    assert 40 <= len(snapshot) <= 60
    assert any(snapshot.device_count(ext) == 2 for ext in snapshot.extensions)
    for ext in tenant.numbers:
        if tenant.never_registers(ext):
            assert ext not in snapshot.extensions
    reg = next(iter(snapshot.extensions.values()))[0]
    assert reg.transport in {"UDP", "TCP", "TLS"}
    assert reg.ip.startswith(("203.0.113.", "198.51.100."))
    assert 0 < reg.port < 65536
    assert reg.expires_at is not None and reg.expires_in_s is not None
    assert reg.expires_at > pbx.tenant.now()
    raw = post(client, "/ext_reg/json").json()["response"]["registrations"][0]
    assert set(raw) == {
        "call-id", "user", "contact", "agent", "status", "ping-status", "ping-time", "host",
        "network-ip", "network-port", "sip-auth-user", "sip-auth-realm", "mwi-account",
    }
    assert raw["user"] == f"{raw['sip-auth-user']}@demo.ccall.example"
    assert raw["status"].startswith("Registered(")


def test_registration_state_is_stable_when_frozen_and_moves_with_the_clock(client, clock):
    first = reg_key(regs(client))
    assert reg_key(regs(client)) == first
    seen_changes = 0
    online = set(first)
    for _ in range(8):
        clock.advance(minutes=45)
        now_online = set(regs(client).extensions)
        seen_changes += len(online ^ now_online)
        online = now_online
    assert seen_changes >= 5


def test_force_and_clear_overrides(client, pbx):
    tenant = pbx.tenant
    never = next(n for n in tenant.numbers if tenant.never_registers(n))
    online = next(iter(regs(client).extensions))
    tenant.force_offline(online)
    tenant.force_online(never, devices=3)
    snapshot = regs(client)
    assert online not in snapshot.extensions
    assert snapshot.device_count(never) == 3
    tenant.clear_override(online)
    tenant.clear_override(never)
    snapshot = regs(client)
    assert online in snapshot.extensions and never not in snapshot.extensions
    with pytest.raises(KeyError):
        tenant.force_offline("99999")


def test_hostile_text_reaches_the_wire_unchanged(client, pbx):
    hostile_agent = "\x1b]52;c;aGk=\x07[@click=app.quit]x[/]"
    pbx.tenant.set_agent("100", hostile_agent)
    pbx.tenant.force_online("100")
    pbx.tenant.set_name("102", "[/bold]Lê[b]")
    rows = post(client, "/ext_reg/json").json()["response"]["registrations"]
    assert any(row["agent"] == hostile_agent for row in rows)
    found = post(client, "/cdrs/json", source="102", direction="outbound",
                 date_range={"from": "2026-03-05 00:00", "to": "2026-03-11 17:30"}).json()
    assert found["response"]
    assert all(item["Cdr"]["cid_name"] == "[/bold]Lê[b]" for item in found["response"])


def test_domain_name_must_match(client):
    assert len(regs(client, domain_name="demo.ccall.example")) > 0
    response = post(client, "/ext_reg/json", domain_name="other.example")
    assert response.status_code == 400
    assert response.json() == {"status": "error", "message": "Domain not found"}


# --------------------------------------------------------------------------- call records


def test_busy_weekday_has_thousands_of_calls_and_quiet_nights(pbx, clock):
    calls = pbx.tenant.calls
    day = lambda d: CallFilter(  # noqa: E731
        start_ts=int(datetime.fromisoformat(f"{d} 00:00").replace(tzinfo=PBX_TZ).timestamp()),
        end_ts=int(datetime.fromisoformat(f"{d} 23:59:59").replace(tzinfo=PBX_TZ).timestamp()),
    )
    tuesday = calls.select(day("2026-03-10"))
    sunday = calls.select(day("2026-03-08"))
    assert 2500 <= len(tuesday) <= 4000
    assert len(sunday) < len(tuesday) / 4
    business = [c for c in tuesday if 8 <= int(c.start[11:13]) < 18]
    assert len(business) > 0.7 * len(tuesday)
    causes = {c.cause for c in tuesday}
    assert causes <= set(HANGUP_CAUSES)
    counts = {cause: sum(c.cause == cause for c in tuesday) for cause in causes}
    assert max(counts, key=counts.get) == "NORMAL_CLEARING"
    assert {"ORIGINATOR_CANCEL", "NO_ANSWER", "USER_BUSY", "CALL_REJECTED", "NO_ROUTE_DESTINATION"} <= causes
    assert {c.direction for c in tuesday} == {"inbound", "outbound", "local"}


def test_new_calls_appear_as_time_passes(client, clock):
    since = {"date_range": {"from": "2026-03-11 17:00"}}
    before = cdrs(client, **since)
    clock.advance(minutes=20)
    after = cdrs(client, **since)
    assert len(after) > len(before)
    assert {r.call_id for r in before.records} <= {r.call_id for r in after.records}


def test_record_fields_follow_fusionpbx_meanings(client):
    payload = post(client, "/cdrs/json").json()
    raw = [item["Cdr"] for item in payload["response"]]
    page = parse_cdrs(payload)
    assert len(raw) == len(page) > 2000 and page.skipped == 0 and page.paging is None
    assert len({r.call_id for r in page.records}) == len(page)
    assert [r.start for r in page.records] == sorted((r.start for r in page.records), reverse=True)
    for item, record in zip(raw, page.records):
        assert {"billsec", "hangup_cause_q850", "accountcode"} <= set(item)
        if item["tta"] != "":
            assert 1 <= item["tta"] <= 25
            assert 3.0 <= item["mos"] <= 4.5
            assert item["recording"].endswith(f"/recordings/{item['call_id']}.wav")
            assert item["duration"] != "00:00:00" and len(item["duration"]) == 8
        else:
            assert item["duration"] == "00:00:00" and item["mos"] is None and item["recording"] == ""
        if item["pdd"] is not None:
            assert 0.2 <= item["pdd"] <= 3.5 and round(item["pdd"], 2) == item["pdd"]
        assert record.start is not None
        assert record.status == item["status"]
    assert any(r.mos is not None and r.mos < 3.5 for r in page.records)
    assert any(r.pdd_s is None for r in page.records)
    assert sum(r.answered for r in page.records) > len(page) / 2


@pytest.mark.parametrize(
    ("field", "value", "check"),
    [
        ("direction", "inbound", lambda r: r.direction == "inbound"),
        ("direction", "local", lambda r: r.direction == "local"),
        ("hangup_cause", "USER_BUSY", lambda r: r.status == "USER_BUSY"),
        ("hangup_cause", "NO_ANSWER;USER_BUSY", lambda r: r.status in ("NO_ANSWER", "USER_BUSY")),
        ("source", "105", lambda r: r.source == "105"),
        ("destination", "110", lambda r: r.destination == "110"),
    ],
)
def test_each_filter_narrows(client, field, value, check):
    morning = {"date_range": {"from": "2026-03-11 08:00", "to": "2026-03-11 11:59"}}
    everything = cdrs(client, **morning)
    narrowed = cdrs(client, **morning, **{field: value})
    assert 0 < len(narrowed) < len(everything)
    assert all(check(r) for r in narrowed.records)
    assert sum(check(r) for r in everything.records) == len(narrowed)


def test_cid_name_filter_is_a_case_insensitive_substring(client, pbx):
    name = pbx.tenant.name("105")
    given = name.split()[-1]
    narrowed = cdrs(client, cid_name=given.upper())
    assert len(narrowed) > 0
    assert all(given.casefold() in (r.cid_name or "").casefold() for r in narrowed.records)
    assert len(cdrs(client, cid_name="Không Có Ai")) == 0
    assert len(cdrs(client, cid_name=given.lower(), direction="outbound")) > 0


def test_date_range_bounds_are_inclusive_minutes(client):
    page = cdrs(client, date_range={"from": "2026-03-10 09:15", "to": "2026-03-10 09:44"})
    assert len(page) > 10
    starts = [r.start for r in page.records]
    low = datetime(2026, 3, 10, 9, 15, tzinfo=PBX_TZ)
    high = datetime(2026, 3, 10, 9, 44, 59, tzinfo=PBX_TZ)
    assert all(low <= s <= high for s in starts)
    assert max(starts) > datetime(2026, 3, 10, 9, 44, tzinfo=PBX_TZ)  # the whole last minute
    wider = cdrs(client, date_range={"from": "2026-03-10 09:00", "to": "2026-03-10 09:59"})
    assert {r.call_id for r in page.records} < {r.call_id for r in wider.records}
    only_from = cdrs(client, date_range={"from": "2026-03-11 17:00"})
    assert all(r.start >= datetime(2026, 3, 11, 17, 0, tzinfo=PBX_TZ) for r in only_from.records)
    count = post(client, "/cdrs/json", limit=1).json()["paging"]["record_count"]
    earliest_today = cdrs(client, limit=1, page=count).records[0]
    assert earliest_today.start.date() == datetime(2026, 3, 11).date()
    assert earliest_today.start.hour == 0


def test_paging_metadata_is_consistent(client):
    whole = cdrs(client, date_range={"from": "2026-03-10 10:00", "to": "2026-03-10 11:59"})
    count = len(whole)
    first = cdrs(client, date_range={"from": "2026-03-10 10:00", "to": "2026-03-10 11:59"}, page=1, limit=100)
    paging = first.paging
    assert paging.record_count == count and paging.limit == 100
    assert paging.page_count == -(-count // 100)
    assert paging.prev_page is False and paging.next_page is True
    assert paging.txtdesc == f"Showing 1-100 of {count:,} records"
    seen = []
    for number in range(1, paging.page_count + 1):
        page = cdrs(client, date_range={"from": "2026-03-10 10:00", "to": "2026-03-10 11:59"},
                    page=number, limit=100)
        assert page.paging.page_current == number
        assert page.paging.prev_page is (number > 1)
        assert page.paging.next_page is (number < paging.page_count)
        seen.extend(page.records)
    assert len(seen) == count
    assert [r.call_id for r in seen] == [r.call_id for r in whole.records]
    beyond = cdrs(client, date_range={"from": "2026-03-10 10:00", "to": "2026-03-10 11:59"},
                  page=paging.page_count + 5, limit=100)
    assert len(beyond) == 0
    assert beyond.paging.record_count == count and beyond.paging.next_page is False
    only_limit = post(client, "/cdrs/json", limit=7).json()
    assert len(only_limit["response"]) == 7 and only_limit["paging"]["page_current"] == 1
    assert "paging" not in post(client, "/cdrs/json").json()


@pytest.mark.parametrize(
    "fields",
    [
        {"date_range": {"from": "yesterday", "to": "2026-03-10 10:00"}},
        {"date_range": {"from": "2026-03-11 10:00", "to": "2026-03-10 10:00"}},
        {"date_range": "2026-03-10"},
        {"direction": "sideways"},
        {"limit": "many"},
        {"limit": 0},
        {"page": -1},
    ],
)
def test_invalid_filters_answer_an_error_object(client, fields):
    response = post(client, "/cdrs/json", **fields)
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == "error" and body["message"] and "response" not in body


def test_call_id_lookup_round_trip_and_not_found(client, pbx):
    listed = cdrs(client, limit=5)
    oldest = cdrs(client, date_range={"from": "2026-03-04 00:00", "to": "2026-03-04 01:00"})
    for record in (*listed.records, oldest.records[-1]):
        found = cdrs(client, call_id=record.call_id)
        assert len(found) == 1 and found.records[0].to_json() == record.to_json()
    for missing in ("00000000-0000-4000-8000-000000000000", "not-a-call", "1234"):
        assert post(client, "/cdrs/json", call_id=missing).json() == {"response": []}
    # A call from before the history window is gone.
    assert len(cdrs(client, date_range={"from": "2026-03-01 00:00", "to": "2026-03-03 23:59"})) == 0


def test_recording_downloads_as_a_valid_wav(client, pbx):
    recent = cdrs(client, limit=50).records
    record = next(r for r in recent if r.recording_url)
    assert record.recording_url.startswith(pbx.base_url + "/recordings/")
    response = client.get(record.recording_url)
    assert response.status_code == 200
    assert response.headers["content-type"] == "audio/wav"
    assert int(response.headers["content-length"]) == len(response.content) > 20_000
    with wave.open(io.BytesIO(response.content)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 8000)
        assert 2.0 <= wav.getnframes() / 8000 <= 3.0
    assert client.get("/recordings/00000000-0000-4000-8000-000000000000.wav").status_code == 404
    unanswered = next(r for r in recent if not r.answered)
    assert client.get(f"/recordings/{unanswered.call_id}.wav").status_code == 404


# --------------------------------------------------------------------------- requests and credentials


def test_wrong_or_missing_credentials_are_refused_without_echo(client):
    secret = "s3cr3t-do-not-echo"
    for body in ({"submission": {"api_key": "demo", "api_secret": secret}},
                 {"submission": {"api_key": secret, "api_secret": "demo"}},
                 {"submission": {}}, {}):
        response = client.post("/cdrs/json", json=body)
        assert response.status_code == 401
        assert response.json() == {
            "status": "error", "message": "Authentication failed: invalid api_key or api_secret"}
        assert secret not in response.text


def test_form_encoded_bodies_and_recorded_requests(client, pbx):
    form = {"submission[api_key]": "demo", "submission[api_secret]": "demo",
            "submission[date_range][from]": "2026-03-10 09:00",
            "submission[date_range][to]": "2026-03-10 09:59", "submission[direction]": "local"}
    page = parse_cdrs(client.post("/cdrs/json", data=form).json())
    assert len(page) > 0 and {r.direction for r in page.records} == {"local"}
    as_json_field = {"submission": json.dumps({**CREDS, "direction": "inbound", "limit": 3})}
    assert len(parse_cdrs(client.post("/cdrs/json", data=as_json_field).json())) == 3
    post(client, "/ext_reg/json", domain_name="demo.ccall.example")
    path, body = pbx.requests[-1]
    assert path == "/ext_reg/json"
    assert body == {"submission": {"domain_name": "demo.ccall.example"}}
    assert "demo" not in json.dumps([list(r) for r in pbx.requests]).replace("demo.ccall", "")


def test_only_loopback():
    with pytest.raises(ValueError):
        SimulatedPbx(host="0.0.0.0")


# --------------------------------------------------------------------------- faults


def test_auth_faults(client, pbx):
    pbx.faults.auth_failure = True
    assert post(client, "/ext_reg/json").status_code == 401
    pbx.faults.auth_style = "200"
    response = post(client, "/ext_reg/json")
    assert response.status_code == 200 and response.json()["status"] == "error"
    pbx.faults.reset()
    assert post(client, "/ext_reg/json").status_code == 200


def test_status_html_and_body_faults(client, pbx):
    pbx.faults.status_5xx = 503
    response = post(client, "/ext_reg/json")
    assert response.status_code == 503 and "Service Unavailable" in response.text
    pbx.faults.reset()
    pbx.faults.html_error = True
    response = post(client, "/cdrs/json")
    assert response.status_code == 502 and "<title>502 Bad Gateway</title>" in response.text
    pbx.faults.reset()
    pbx.faults.malformed_json = True
    response = post(client, "/ext_reg/json")
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.text)
    pbx.faults.reset()
    pbx.faults.empty_body = True
    response = post(client, "/cdrs/json")
    assert response.status_code == 200 and response.content == b""
    pbx.faults.reset()
    pbx.faults.no_response_key = True
    response = post(client, "/cdrs/json")
    assert response.json() == {"status": "ok"}
    with pytest.raises(ProtocolError):
        parse_cdrs(response.json())


def test_latency_and_timeout_do_not_block_other_requests(pbx, client):
    pbx.faults.latency_s = 0.4
    started = time.monotonic()
    results = []
    threads = [threading.Thread(target=lambda: results.append(post(client, "/ext_reg/json").status_code))
               for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    assert results == [200] * 4 and 0.4 <= elapsed < 1.2
    pbx.faults.reset()
    pbx.faults.timeout = True
    with httpx.Client(base_url=pbx.base_url, timeout=0.3) as impatient:
        with pytest.raises(httpx.TimeoutException):
            post(impatient, "/ext_reg/json")
    pbx.faults.timeout = False
    assert post(client, "/ext_reg/json").status_code == 200


def test_stop_is_prompt_with_a_held_request(clock):
    server = SimulatedPbx(clock=clock)
    server.start()
    server.faults.timeout = True
    outcome = []

    def hold() -> None:
        try:
            with httpx.Client(base_url=server.base_url, timeout=30) as http:
                outcome.append(post(http, "/cdrs/json").status_code)
        except httpx.HTTPError as exc:
            outcome.append(type(exc).__name__)

    worker = threading.Thread(target=hold)
    worker.start()
    time.sleep(0.2)
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 1.5
    worker.join(timeout=3)
    assert not worker.is_alive() and outcome and outcome[0] != 200


def test_faults_control_endpoint(client, pbx):
    response = client.post("/_sim/faults", json={"latency_s": 0.01, "quirks": ["string_numbers"]})
    assert response.status_code == 200
    assert pbx.faults.latency_s == 0.01 and pbx.faults.quirks == {"string_numbers"}
    assert client.get("/_sim/faults").json()["quirks"] == ["string_numbers"]
    assert client.post("/_sim/faults", json={"quirks": ["bogus"]}).status_code == 400
    assert client.post("/_sim/faults", json={"explode": True}).status_code == 400
    client.post("/_sim/faults", json={"reset": True})
    assert pbx.faults == Faults()
    answer = client.post("/_sim/extension", json={"extension": "100", "state": "offline"}).json()
    assert answer["registrations"] == 0 and "100" not in regs(client).extensions
    client.post("/_sim/extension", json={"extension": "100", "state": "online", "devices": 2})
    assert regs(client).device_count("100") == 2
    client.post("/_sim/extension", json={"extension": "100", "state": "auto"})
    assert client.post("/_sim/extension", json={"extension": "5", "state": "auto"}).status_code == 400


# --------------------------------------------------------------------------- quirks


@pytest.mark.parametrize("quirk", ["underscore_keys", "upper_exp", "spaces", "string_numbers",
                                   "null_strings", "xml_nesting"])
def test_registration_quirks_parse_like_the_normal_mode(client, pbx, quirk):
    normal = reg_key(regs(client))
    pbx.faults.quirks = {quirk}
    assert reg_key(regs(client)) == normal


def test_single_object_and_empty_variants(client, pbx):
    for ext in pbx.tenant.numbers:
        pbx.tenant.force_offline(ext)
    pbx.tenant.force_online("104")
    pbx.faults.quirks = {"single_object"}
    raw = post(client, "/ext_reg/json").json()
    assert isinstance(raw["response"]["registrations"], dict)
    assert list(parse_registrations(raw).extensions) == ["104"]
    pbx.tenant.force_offline("104")
    pbx.faults.quirks = {"empty_variant"}
    shapes = set()
    for _ in range(4):
        raw = post(client, "/ext_reg/json").json()
        shapes.add(json.dumps(raw))
        assert len(parse_registrations(raw)) == 0
    assert len(shapes) == 4


@pytest.mark.parametrize(
    "quirk",
    ["string_numbers", "null_strings", "recording_file", "duration_seconds", "spaces", "numeric_extensions",
     "call_id_key=uuid", "call_id_key=xml_cdr_uuid", "call_id_key=_id", "call_id_key=id"],
)
def test_cdr_quirks_parse_like_the_normal_mode(client, pbx, quirk):
    query = {"date_range": {"from": "2026-03-10 09:00", "to": "2026-03-10 10:59"}, "page": 2, "limit": 200}
    normal = cdrs(client, **query)
    pbx.faults.quirks = {quirk}
    quirky = cdrs(client, **query)
    assert cdr_key(quirky) == cdr_key(normal)
    assert quirky.paging == normal.paging
    raw = post(client, "/cdrs/json", **query).json()["response"][0]["Cdr"]
    if quirk.startswith("call_id_key="):
        assert quirk.split("=")[1] in raw and "call_id" not in raw
        found = cdrs(client, call_id=normal.records[0].call_id)
        assert found.records[0].call_id == normal.records[0].call_id
    if quirk == "numeric_extensions":
        assert any(isinstance(item["Cdr"]["source"], int) for item in post(client, "/cdrs/json", **query).json()["response"])
    if quirk == "recording_file":
        assert "recording_file" in raw and "recording" not in raw


def test_stale_duplicates_add_old_rows_of_the_same_phones(client, pbx, clock):
    clock.set(datetime(2026, 3, 11, 10, 30, tzinfo=PBX_TZ))
    normal = regs(client)
    pbx.faults.quirks = {"stale_duplicates"}
    doubled = regs(client)
    assert set(doubled.extensions) == set(normal.extensions)
    extra = [ext for ext in normal.extensions if doubled.device_count(ext) > normal.device_count(ext)]
    assert extra
    for ext in extra:
        fresh = {r.call_id for r in normal.extensions[ext]}
        old = [r for r in doubled.extensions[ext] if r.call_id not in fresh]
        assert old and all(0 < r.expires_in_s < 3600 for r in old)
        assert {(r.ip, r.port) for r in old} <= {(r.ip, r.port) for r in normal.extensions[ext]}


def test_expired_and_slow_recording_links(client, pbx):
    record = next(r for r in cdrs(client, limit=30).records if r.recording_url)
    pbx.faults.recordings_expired = True
    response = client.get(record.recording_url)
    assert response.status_code == 403 and "Request has expired" in response.text
    pbx.faults.reset()
    pbx.faults.download_s = 0.4
    started = time.monotonic()
    chunks = []
    with client.stream("GET", record.recording_url) as response:
        total = int(response.headers["content-length"])
        for chunk in response.iter_bytes():
            chunks.append(len(chunk))
    assert sum(chunks) == total and len(chunks) > 2
    assert 0.3 <= time.monotonic() - started < 2


def test_all_quirks_at_once_still_parse(client, pbx):
    query = {"date_range": {"from": "2026-03-11 08:00", "to": "2026-03-11 08:59"}}
    normal = cdr_key(cdrs(client, **query))
    normal_regs = reg_key(regs(client))
    pbx.faults.quirks = {"string_numbers", "null_strings", "recording_file", "duration_seconds",
                         "spaces", "call_id_key=uuid", "underscore_keys", "upper_exp"}
    assert cdr_key(cdrs(client, **query)) == normal
    assert reg_key(regs(client)) == normal_regs


# --------------------------------------------------------------------------- command line


def test_cli_run_prints_how_to_connect_and_stops_cleanly():
    parser = argparse.ArgumentParser()
    sim_cli.add_arguments(parser)
    args = parser.parse_args(["--seed", "3", "--extensions", "12", "--api-key", "k1", "--api-secret", "s1"])
    out = io.StringIO()
    stop = threading.Event()
    result = []
    runner = threading.Thread(target=lambda: result.append(sim_cli.run(args, out=out, stop=stop)))
    runner.start()
    deadline = time.monotonic() + 5
    while "Ctrl-C" not in out.getvalue() and time.monotonic() < deadline:
        time.sleep(0.02)
    text = out.getvalue()
    url = text.split("listening on ", 1)[1].split()[0]
    with httpx.Client(base_url=url) as http:
        response = http.post("/ext_reg/json", json={"submission": {"api_key": "k1", "api_secret": "s1"}})
        assert response.status_code == 200
    stop.set()
    runner.join(timeout=5)
    assert result == [0]
    assert "CCALL_BASE_URL=" + url in text and "api_secret=s1" in text
    bad = parser.parse_args(["--quirk", "nope"])
    assert sim_cli.run(bad, out=io.StringIO()) == 2


def test_history_memory_stays_bounded(clock):
    tenant = Tenant(seed=7, clock=clock, calls_per_day=200)
    len(tenant.calls.select(CallFilter()))
    hours = tenant.calls.cached_hours()
    assert hours <= 8 * 24
    clock.advance(timedelta(days=3))
    tenant.calls.select(CallFilter())
    assert tenant.calls.cached_hours() <= 8 * 24 + 1
