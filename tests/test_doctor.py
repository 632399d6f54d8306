"""``ccall-tui doctor`` against the simulator in each mode a real server might show.

Every test runs the command the way a user does (``main([...])`` with the simulator's URL and
credentials in the environment), then checks the report, the exit code, what was remembered
and, where something was learned, that the app then works against that server.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import replace

import httpx
import pytest

from ccall_tui.api.learned import load_learned
from ccall_tui.api.cdrs import CdrQuery

from conftest import run_cli
from ccall_tui.config import Profile

DAY = "2026-11-27"  # the simulator's frozen clock: 2026-11-27 10:30 PBX time


run = run_cli


def doctor(capsys, *extra):
    """The doctor's --json report and exit code."""
    code, out, err = run(capsys, "doctor", "--date", DAY, "--json", *extra)
    return code, json.loads(out), err


def findings(report, level=None):
    return [f"{f['found']} → {f['action']}" for f in report["findings"] if level in (None, f["level"])]


def probe(report, name):
    return next(a for a in report["answers"] if a["probe"] == name)


def learned(sim):
    profile = replace(Profile.default("default"), base_url=sim.base_url)
    return load_learned(profile)


# --------------------------------------------------------------------------- the default server


def test_a_server_like_the_defaults_is_understood_with_exit_0(env, capsys):
    code, report, err = doctor(capsys)
    assert code == 0, report["findings"]
    assert findings(report) == ["Everything as the app expects → nothing changes"]
    assert [a["probe"] for a in report["answers"]] == [
        "registrations", "registrations_form", "cdrs", "call_id", "cause_a", "cause_b", "causes_joined",
    ]
    regs = probe(report, "registrations")["facts"]
    assert regs["parsed"] == regs["rows"] > 0 and regs["skipped"] == 0
    assert regs["key_style"] == "dashes" and regs["unknown_fields"] == []
    cdrs = probe(report, "cdrs")
    assert cdrs["status"] == 200 and cdrs["content_type"].startswith("application/json")
    facts = cdrs["facts"]
    assert facts["parsed"] == 5 and facts["limit_honoured"] is True
    assert facts["paging_place"] == "paging" and "record_count" in facts["paging_fields"]
    assert facts["call_id_field"] == "call_id" and facts["recording_field"] == "recording"
    assert facts["time_format"] == "YYYY-MM-DD HH:mm:ss"
    assert set(facts["unknown_fields"]) == {"billsec", "hangup_cause_q850", "accountcode"}
    assert probe(report, "call_id")["facts"]["call_id_honoured"] is True
    assert probe(report, "causes_joined")["facts"]["semicolon_works"] is True
    remembered = learned(env)
    assert (remembered.body_format, remembered.split_causes) == ("json", False)
    assert remembered.checked_at is not None


def test_text_report_has_a_block_per_request_and_findings(env, capsys):
    code, out, err = run(capsys, "doctor", "--date", DAY)
    assert code == 0 and err == ""
    assert "Registrations, JSON body · POST /ext_reg/json" in out
    assert f"Call records of {DAY}, limit 5 · POST /cdrs/json" in out
    block = out.split(f"Call records of {DAY}, limit 5")[1].split("\n\n")[0]
    labels = [line.split("  ")[1] for line in block.splitlines()[1:]]
    assert labels[:5] == ["Status", "Time", "Content type", "Size", "Body sent"]
    assert {"Shape", "Fields read", "Other fields", "Rows", "Paging", "Call id field", "Time format", "Limit"} <= set(labels)
    # Values of one block start in one column.
    starts = {re.search(r"\S  +(\S)", line).start(1) for line in block.splitlines()[1:]}
    assert len(starts) == 1
    assert out.rstrip().endswith("Result: everything understood (exit 0)")


# --------------------------------------------------------------------------- form bodies only


def test_json_refused_is_learned_and_the_app_then_works(env, capsys, make_services):
    env.faults.quirks = {"json_refused"}
    code, out, err = run(capsys, "ext", "--json")
    assert code == 3 and "Authentication failed" in err  # what the user sees before the doctor ran

    code, report, err = doctor(capsys)
    assert code == 7
    assert findings(report, "adapted") == [
        "JSON bodies are refused (HTTP 401: Authentication failed: invalid api_key or api_secret), "
        "form bodies work → the app sends form bodies to this server (remembered)"
    ]
    assert probe(report, "registrations")["status"] == 401
    assert probe(report, "cdrs")["body_format"] == "form" and probe(report, "cdrs")["status"] == 200
    assert learned(env).body_format == "form"

    code, out, err = run(capsys, "ext", "--json", "--online")
    assert code == 0 and json.loads(out)
    code, out, err = run(capsys, "status")
    assert code == 0 and "Test request: OK" in out
    assert "Learned:      sends form bodies (the server ignores JSON)" in out

    # The TUI's client is built by the same factory.
    services = make_services(profile=replace(Profile.default("default"), base_url=env.base_url, timeout=5.0))

    async def poll():
        async with services.make_client() as client:
            return await client.registrations()

    assert len(asyncio.run(poll())) > 0  # a JSON body would have been refused


def test_status_says_nothing_was_learned_before_the_doctor_ran(env, capsys):
    code, out, err = run(capsys, "status")
    assert "Learned:      nothing yet (run 'ccall-tui doctor' to check this server)" in out


# --------------------------------------------------------------------------- causes


def cause_calls(capsys, *causes):
    args = ["cdrs", "--from", f"{DAY} 00:00", "--to", f"{DAY} 10:30", "--all", "--json"]
    for cause in causes:
        args += ["--cause", cause]
    code, out, err = run(capsys, *args)
    assert code == 0, err
    return json.loads(out)


def test_semicolon_causes_not_working_means_one_request_per_cause(env, capsys):
    env.faults.quirks = {"causes_no_semicolon"}
    assert cause_calls(capsys, "NO_ANSWER", "USER_BUSY") == []  # the quiet lie before the doctor

    code, report, err = doctor(capsys)
    assert code == 7
    adapted = findings(report, "adapted")
    assert len(adapted) == 1 and adapted[0].startswith("Causes joined with ';' do not work (")
    assert adapted[0].endswith("→ the app sends one request per cause and merges them by start time (remembered)")
    joined = probe(report, "causes_joined")["facts"]
    assert joined["semicolon_works"] is False and joined["counts"]["joined"] == 0
    assert learned(env).split_causes is True

    merged = cause_calls(capsys, "NO_ANSWER", "USER_BUSY")
    alone = cause_calls(capsys, "NO_ANSWER") + cause_calls(capsys, "USER_BUSY")
    assert len(merged) == len(alone) > 0
    assert {c["call_id"] for c in merged} == {c["call_id"] for c in alone}
    starts = [c["start"] for c in merged]
    assert starts == sorted(starts, reverse=True)  # merged newest first

    env.faults.quirks = set()  # the server is fixed: the doctor notices and stops splitting
    code, report, err = doctor(capsys)
    assert code == 0 and learned(env).split_causes is False


# --------------------------------------------------------------------------- call id


def test_ignored_call_id_is_reported(env, capsys):
    env.faults.quirks = {"ignore_call_id"}
    code, report, err = doctor(capsys)
    assert code == 7
    assert probe(report, "call_id")["facts"]["call_id_honoured"] is False
    assert findings(report, "limit") == [
        "'call_id' is ignored (the answer held 49 other calls) → opening a call by id says 'not found' "
        "and never shows another call"
    ]


def test_call_id_under_another_name_is_read_from_there(env, capsys):
    env.faults.quirks = {"call_id_key=uuid"}
    code, report, err = doctor(capsys)
    assert code == 0
    assert findings(report) == ["The call id is in 'uuid' → read from there"]
    assert probe(report, "call_id")["facts"]["call_id_honoured"] is True


# --------------------------------------------------------------------------- shapes


@pytest.mark.parametrize("quirk, place", [("paging_in_response", "response.paging"), ("paging_flat", "flat")])
def test_paging_metadata_found_where_the_server_puts_it(env, capsys, quirk, place):
    env.faults.quirks = {quirk}
    code, report, err = doctor(capsys)
    assert code == 0
    assert probe(report, "cdrs")["facts"]["paging_place"] == place
    assert findings(report) == [f"Paging metadata sits in {place} → read from there"]


def test_other_number_and_recording_shapes_are_named(env, capsys):
    env.faults.quirks = {"string_numbers", "recording_file", "underscore_keys"}
    code, report, err = doctor(capsys)
    assert code == 0
    assert findings(report) == [
        "Registration keys use underscores → read as they are",
        "Recording links are in 'recording_file' → read from there",
        "Numbers written as text: tta, pdd, mos → read as numbers",
    ]
    assert probe(report, "cdrs")["facts"]["numbers"]["tta"] == "string with unit"


def test_iso_start_times_are_understood(env, capsys):
    env.faults.quirks = {"iso_time"}
    code, report, err = doctor(capsys)
    assert code == 0
    assert findings(report) == ["Start times written as YYYY-MM-DDTHH:mm:ss → read as they are"]


@pytest.mark.parametrize("quirk, words, order", [
    ("dmy_time", r"day first \('\d\d/11/2026 \d\d:\d\d:\d\d'\) → read day first", "dmy"),
    ("mdy_time", r"month first \('11/\d\d/2026 \d\d:\d\d:\d\d'\) → read month first", "mdy"),
])
def test_day_or_month_first_start_times_are_read_and_remembered(env, capsys, quirk, words, order):
    env.faults.quirks = {quirk}
    code, out, err = run(capsys, "doctor", "--date", DAY)
    assert code == 7, out
    assert re.search(rf"changed  Start times are written {words}", out)
    assert "not understood" not in out
    assert learned(env).date_order == order
    code, out, err = run(capsys, "status")
    assert ("day first" if order == "dmy" else "month first") in out


def test_no_paging_and_an_ignored_limit_are_limits(env, capsys, monkeypatch):
    from ccall_tui.sim import wire

    def no_paging(tenant, calls, request, base_url, faults):
        return {"response": [{"Cdr": wire.cdr_record(tenant, c, base_url, faults)} for c in calls[:12]]}

    monkeypatch.setattr(wire, "cdrs_answer", no_paging)
    code, report, err = doctor(capsys)
    assert code == 7
    assert findings(report, "limit") == [
        "No paging metadata in the answer → each answer is taken as the whole list; no next page is offered",
        "'limit' is ignored (12 rows for a limit of 5) → pages are as long as the server makes them",
    ]


# --------------------------------------------------------------------------- no usable answer


def test_wrong_credentials_stop_the_doctor_with_the_auth_exit_code(env, capsys, monkeypatch):
    monkeypatch.setenv("CCALL_API_SECRET", "wrong-secret")
    code, out, err = run(capsys, "doctor", "--date", DAY)
    assert code == 3
    assert err.count("\n") == 1 and err.startswith("ccall-tui: no usable answer from ")
    assert "Findings:" in out and "wrong-secret" not in out + err
    assert [line for line in out.splitlines() if line.endswith("· POST /ext_reg/json")] == [
        "Registrations, JSON body · POST /ext_reg/json", "Registrations, form body · POST /ext_reg/json",
    ]
    assert learned(env).checked_at is None  # nothing was learned from no answer


def test_html_error_pages_are_named(env, capsys):
    env.faults.html_error = True
    code, report, err = doctor(capsys)
    assert code == 5
    assert probe(report, "registrations")["error"] == "HTTP 502"


def test_vietnamese_report(env, capsys):
    code, out, err = run(capsys, "--lang", "vi", "doctor", "--date", DAY)
    assert code == 0
    assert "Đăng ký, thân JSON · POST /ext_reg/json" in out and "Phát hiện:" in out
    assert "Kết quả: hiểu được mọi thứ (mã thoát 0)" in out


# --------------------------------------------------------------------------- sample


KEY, SECRET = "k3y-DoctorSample-9f1e", "s3cr3t-DoctorSample-77aa"


@pytest.fixture
def secret_sim(clock, monkeypatch):
    from ccall_tui.sim.server import SimulatedPbx

    pbx = SimulatedPbx(seed=11, extensions=40, clock=clock, api_key=KEY, api_secret=SECRET)
    pbx.start()
    monkeypatch.setenv("CCALL_BASE_URL", pbx.base_url)
    monkeypatch.setenv("CCALL_API_KEY", KEY)
    monkeypatch.setenv("CCALL_API_SECRET", SECRET)
    yield pbx
    pbx.stop()


def served(pbx):
    """Every name, number and address the simulator serves today, read straight from it."""
    body = {"submission": {"api_key": KEY, "api_secret": SECRET}}
    regs = httpx.post(pbx.base_url + "/ext_reg/json", json=body).json()["response"]["registrations"]
    day = {**body["submission"], "date_range": {"from": f"{DAY} 00:00", "to": f"{DAY} 10:30"}}
    calls = [i["Cdr"] for i in httpx.post(pbx.base_url + "/cdrs/json", json={"submission": day}).json()["response"]]
    names = {c["cid_name"] for c in calls if c["cid_name"]}
    numbers = {str(c[k]) for c in calls for k in ("source", "destination")}
    numbers |= {r["user"].split("@")[0] for r in regs}
    ips = {r["network-ip"] for r in regs}
    names |= {re.match(r'"([^"]*)"', r["contact"]).group(1) for r in regs} - numbers
    return names, numbers, ips, regs[0]["user"].split("@")[1]


def _strings(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value


def test_save_sample_masks_credentials_names_and_numbers(secret_sim, capsys, tmp_path):
    path = tmp_path / "sample.json"
    code, out, err = run(capsys, "doctor", "--date", DAY, "--save-sample", str(path))
    assert code == 0, out + err
    text = path.read_text(encoding="utf-8")
    sample = json.loads(text)
    assert [a["probe"] for a in sample["answers"]][:3] == ["registrations", "registrations_form", "cdrs"]
    for secret in (KEY, SECRET):
        assert secret.lower() not in text.lower()
    names, numbers, ips, domain = served(secret_sim)
    listed = sample["answers"][2]["body"]["response"]
    assert len(listed) == 5 and all(re.fullmatch(r"(name-\d+|num-\d+)?", r["Cdr"]["cid_name"]) for r in listed)
    leaked_names = sorted(n for n in names if n in text)
    strings = "\n".join(_strings(sample))  # counts such as "page_count": 105 are not phone numbers
    leaked_numbers = sorted(n for n in numbers if re.search(rf"(?<![\w.+]){re.escape(n)}(?![\w.])", strings))
    leaked_ips = sorted(ip for ip in ips if ip in text)
    assert (leaked_names, leaked_numbers, leaked_ips) == ([], [], [])
    assert domain not in text
    # One value, one placeholder, in every answer: the call asked for by id is the listing's first.
    by_id = sample["answers"][3]["body"]["response"][0]["Cdr"]
    assert by_id["cid_name"] == listed[0]["Cdr"]["cid_name"]
    assert by_id["source"] == listed[0]["Cdr"]["source"]
    # The shape survives: a maintainer can still see what the server sent.
    row = sample["answers"][0]["body"]["response"]["registrations"][0]
    assert re.fullmatch(r'"name-\d+" <sip:num-\d+@ip-\d+:\d+;transport=\w+(;fs_nat=yes)?>', row["contact"]) \
        or re.fullmatch(r'"num-\d+" <sip:num-\d+@ip-\d+:\d+;transport=\w+(;fs_nat=yes)?>', row["contact"])
    assert "api_key" not in json.dumps([a["request"] for a in sample["answers"]])


def test_sample_scrubs_a_secret_the_server_echoes(secret_sim, capsys, tmp_path):
    secret_sim.faults.echo_request_500 = True
    path = tmp_path / "sample.json"
    code, out, err = run(capsys, "doctor", "--date", DAY, "--save-sample", str(path))
    assert code == 5
    text = path.read_text(encoding="utf-8")
    assert "500" in text
    for secret in (KEY, SECRET):
        assert secret.lower() not in text.lower() and secret.lower() not in (out + err).lower()


def _pieces(value, size=6):
    return {value[i:i + size].lower() for i in range(len(value) - size + 1)}


def test_an_echoed_secret_is_scrubbed_before_the_message_is_cut(secret_sim, capsys):
    """The echo puts the upper-cased key right where a 160-character cut falls: cutting first
    would leave most of it on screen."""
    secret_sim.faults.echo_request_500 = True
    for extra in ((), ("--json",)):
        code, out, err = run(capsys, "doctor", "--date", DAY, *extra)
        assert code == 5
        assert "API_KEY" in out + err and "****" in out + err
        shown = (out + err).lower()
        leaked = sorted(p for secret in (KEY, SECRET) for p in _pieces(secret)
                        if p in shown and p not in ("doctor", "octors", "ctorsa", "torsam", "orsamp", "rsampl", "sample"))
        assert leaked == []


def test_a_rate_limited_server_is_told_apart_with_the_wait_it_asks_for(env, capsys):
    env.faults.rate_limited = True
    env.faults.retry_after = "45"
    code, report, err = doctor(capsys)
    assert code == 5
    assert probe(report, "registrations")["error"] == (
        "HTTP 429: Too Many Requests; the server asks to wait 45 s before asking again")


# --------------------------------------------------------------------------- merging pages


def test_merged_cause_pages_cover_every_call_once_newest_first(sim, credentials):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from ccall_tui.api.learned import AdaptedClient

    vn = ZoneInfo("Asia/Ho_Chi_Minh")
    base = CdrQuery(date_from=datetime(2026, 11, 27, 0, 0, tzinfo=vn), date_to=datetime(2026, 11, 27, 10, 30, tzinfo=vn))

    async def go():
        async with AdaptedClient(sim.base_url, credentials, tz=vn, split_causes=True) as client:
            alone = {}
            for cause in ("NO_ANSWER", "USER_BUSY"):
                page = await client.cdrs(replace(base, hangup_causes=(cause,)))
                alone[cause] = {r.call_id for r in page.records}
            pages, number = [], 1
            while True:
                page = await client.cdrs(replace(base, hangup_causes=("NO_ANSWER", "USER_BUSY", "NO_ANSWER"),
                                                 page=number, limit=10))
                pages.append(page)
                if not page.paging.has_next:
                    return alone, pages
                number += 1

    alone, pages = asyncio.run(go())
    ids = [r.call_id for page in pages for r in page.records]
    assert len(ids) == len(set(ids)) and set(ids) == alone["NO_ANSWER"] | alone["USER_BUSY"]
    assert pages[0].paging.record_count == len(ids)
    for page in pages:
        assert len(page.records) <= 20
        starts = [r.start for r in page.records]
        assert starts == sorted(starts, reverse=True)


# --------------------------------------------------------------------------- quiet days, switches, forms


def test_a_quiet_day_widens_to_the_week_before(env, capsys):
    code, out, err = run(capsys, "doctor", "--date", "2026-11-29", "--json")
    report = json.loads(out)
    names = [a["probe"] for a in report["answers"]]
    assert names[:4] == ["registrations", "registrations_form", "cdrs", "cdrs_week"]
    assert probe(report, "cdrs")["facts"]["rows"] == 0 and probe(report, "cdrs_week")["facts"]["parsed"] == 5
    assert code == 0 and "call_id" in names


def test_no_calls_at_all_leaves_two_checks_undone(env, capsys):
    code, out, err = run(capsys, "doctor", "--date", "2026-11-10", "--json")
    report = json.loads(out)
    assert code == 8
    assert findings(report, "problem") == [
        "No calls in the 7 days to 2026-11-10 → the call id and hangup cause checks need calls: run again after some"
    ]
    assert learned(env).split_causes is False


def test_a_day_in_the_future_is_a_usage_error(env, capsys):
    code, out, err = run(capsys, "doctor", "--date", "2099-01-01")
    assert code == 2 and out == ""
    assert err == "ccall-tui: --date 2099-01-01 is in the future (PBX time).\n"


def test_every_variant_can_be_switched_over_the_control_endpoint(sim):
    from ccall_tui.sim.faults import QUIRKS
    from ccall_tui.sim.variants import VARIANT_QUIRKS

    assert VARIANT_QUIRKS <= QUIRKS
    answer = httpx.post(sim.base_url + "/_sim/faults", json={"quirks": sorted(VARIANT_QUIRKS)})
    assert answer.status_code == 200 and set(answer.json()["quirks"]) == VARIANT_QUIRKS
    assert sim.faults.has("json_refused") and sim.faults.has("dmy_time")


def test_form_bodies_nest_like_php_reads_them():
    from urllib.parse import parse_qsl

    from ccall_tui.api.forms import form_encode

    body = {"submission": {"api_key": "k", "date_range": {"from": "2026-11-27 00:00", "to": None},
                           "hangup_cause": "NO_ANSWER;USER_BUSY", "page": 1, "flag": True}}
    assert parse_qsl(form_encode(body).decode()) == [
        ("submission[api_key]", "k"),
        ("submission[date_range][from]", "2026-11-27 00:00"),
        ("submission[hangup_cause]", "NO_ANSWER;USER_BUSY"),
        ("submission[page]", "1"),
        ("submission[flag]", "1"),
    ]


def test_a_damaged_learned_file_means_the_defaults(env, capsys):
    from ccall_tui.api.learned import learned_path

    profile = replace(Profile.default("default"), base_url=env.base_url)
    path = learned_path(profile)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"body_format": "xml", "split_causes": "yes"', encoding="utf-8")
    assert load_learned(profile) == load_learned(replace(profile, base_url="http://127.0.0.1:1"))
    code, out, err = run(capsys, "ext", "--online")
    assert code == 0
    code, out, err = run(capsys, "status")
    assert "Learned:      nothing yet" in out


def test_the_demo_remembers_apart_from_real_profiles(monkeypatch, capsys):
    code, out, err = run(capsys, "--demo", "doctor", "--json")
    report = json.loads(out)
    assert report["learned"]["body_format"] == "json"
    code, out, err = run(capsys, "--demo", "status")
    assert "Learned:      the defaults work" in out
    code, out, err = run(capsys, "status")
    assert "Learned:      nothing yet" in out


async def test_login_screen_works_against_a_form_only_server_after_the_doctor(env, make_services):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from ccall_tui.api.diagnose import diagnose
    from ccall_tui.api.learned import save_learned
    from ccall_tui.credentials import Credentials
    from ccall_tui.factory import build_app
    from ccall_tui.ui.screens.login import LoginScreen

    env.faults.quirks = {"json_refused"}
    profile = replace(Profile.default("default"), base_url=env.base_url, timeout=5.0)
    app = build_app(make_services(profile=profile, credentials=None))

    def status() -> str:
        rendered = app.screen.query_one("#login-status").render()
        return getattr(rendered, "plain", None) or str(rendered)

    async def check(expected: str) -> None:
        app.screen.query_one("#api-key").value = "demo"
        app.screen.query_one("#api-secret").value = "demo"
        app.screen.action_test()  # the Test button's action (a click can land on a notification)
        for _ in range(200):
            if expected in status():
                break
            await pilot.pause(0.05)
        assert expected in status()

    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, LoginScreen)
        await check("Authentication failed")  # JSON is not read by this server
        now = datetime(2026, 11, 27, 10, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
        report = await diagnose(profile, Credentials("demo", "demo"), day=now.date(), now=now)
        save_learned(report.learned, profile)
        await check("Connected")


def test_a_sample_into_a_missing_folder_is_refused_before_any_request(env, capsys, tmp_path):
    before = len(env.requests)
    code, out, err = run(capsys, "doctor", "--date", DAY, "--save-sample", str(tmp_path / "no" / "s.json"))
    assert code == 2 and out == "" and len(env.requests) == before
    assert err == f"ccall-tui: --save-sample: the folder {tmp_path / 'no'} does not exist.\n"
    assert not (tmp_path / "no").exists()


# --------------------------------------------------------------------------- registration shapes


def test_xml_nested_registrations_are_named(env, capsys):
    env.faults.quirks = {"xml_nesting"}
    code, report, err = doctor(capsys)
    assert code == 0
    assert findings(report) == ["Registrations come as response.registrations.registration: list → read as they are"]


def test_repeated_registration_rows_are_one_device_not_a_problem(env, capsys):
    env.faults.identical_rows = 3
    code, report, err = doctor(capsys)
    assert code == 0
    facts = probe(report, "registrations")["facts"]
    assert facts["skipped"] == 0 and facts["merged"] >= 3
    assert findings(report) == [f"{facts['merged']} registration rows repeat another row → each device is shown once"]


def test_registration_rows_without_a_user_are_not_understood(env, capsys):
    env.faults.registrations_junk = "some_rows_without_user"
    code, report, err = doctor(capsys)
    assert code == 8
    facts = probe(report, "registrations")["facts"]
    assert facts["skipped"] == 3 and facts["parsed"] == facts["rows"] - 3
    assert findings(report, "problem") == [
        f"3 of {facts['rows']} registration rows not understood (first: {facts['skip_reason']}) → "
        "those rows are left off the board and counted in the status line"
    ]


def test_a_registrations_answer_with_nothing_usable_is_not_an_empty_tenant(env, capsys):
    env.faults.registrations_junk = "response_string"
    code, report, err = doctor(capsys)
    assert code == 8
    problem = findings(report, "problem")
    assert len(problem) == 1 and problem[0].startswith("Registrations answer not understood: ")
    assert problem[0].endswith("→ the board goes stale with this reason instead of showing everyone offline")


@pytest.mark.parametrize("quirk, label, shown", [
    ("upper_exp", "Key style", "dashes, EXP(...)"),
    ("duration_seconds", "Numbers", "tta number, pdd number, mos number, duration number"),
    ("numeric_extensions", "Other fields", "accountcode, billsec, hangup_cause_q850 (kept in the raw view, not used)"),
])
def test_shapes_the_parsers_read_as_they_are_are_shown_without_a_finding(env, capsys, quirk, label, shown):
    env.faults.quirks = {quirk}
    code, out, err = run(capsys, "doctor", "--date", DAY)
    assert code == 0
    assert re.search(rf"^  {re.escape(label)} +{re.escape(shown)}$", out, re.MULTILINE)
    assert re.search(r"^  ok +Everything as the app expects → nothing changes$", out, re.MULTILINE)


def test_a_trickling_server_meets_the_deadline_and_a_huge_one_the_cap(env, capsys, isolated):
    import time

    config = isolated / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("[profiles.default]\ntimeout = 1\nmax_answer_mb = 1\n", encoding="utf-8")
    env.faults.trickle_ms = 200
    started = time.monotonic()
    code, report, err = doctor(capsys)
    assert code == 4 and time.monotonic() - started < 5
    host = env.base_url.split("//", 1)[1]
    assert probe(report, "registrations")["error"] == f"no answer from {host} within 1 s"
    assert err.strip() == f"ccall-tui: no usable answer from {env.base_url}: no answer from {host} within 1 s"
    env.faults.trickle_ms = 0
    env.faults.huge_body_mb = 2
    code, report, err = doctor(capsys)
    assert code == 5
    assert probe(report, "registrations_form")["error"] == "larger than 1 MB"


def test_a_server_that_never_answers_meets_the_deadline_with_the_same_line(env, capsys, isolated):
    import time

    config = isolated / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("[profiles.default]\ntimeout = 1\n", encoding="utf-8")
    env.faults.timeout = True
    env.faults.timeout_hold_s = 5
    started = time.monotonic()
    code, report, err = doctor(capsys)
    assert code == 4 and time.monotonic() - started < 5
    host = env.base_url.split("//", 1)[1]
    assert {probe(report, name)["error"] for name in ("registrations", "registrations_form")} == {
        f"no answer from {host} within 1 s"}


def test_a_lost_json_request_does_not_switch_the_app_to_forms(env, capsys, monkeypatch):
    from ccall_tui.api import probe as probe_module

    real_send = probe_module.send
    calls = []

    async def lose_the_first(http, credentials, name, path, submission, **kwargs):
        calls.append(name)
        if len(calls) == 1:
            kwargs["deadline_s"] = 0.000001  # the first request gets no answer in time
        return await real_send(http, credentials, name, path, submission, **kwargs)

    monkeypatch.setattr("ccall_tui.api.diagnose.send", lose_the_first)
    code, report, err = doctor(capsys)
    assert code == 8 and calls[0] == "registrations"
    assert findings(report, "problem") == [
        f"A JSON body got no answer (no answer from {env.base_url.split('//')[1]} within 1e-06 s) while a form body did → "
        "the app keeps sending JSON; run the doctor again"
    ]
    assert learned(env).body_format == "json"
