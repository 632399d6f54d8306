"""Every quirk of API.md is parsed; malformed records are skipped and counted."""

from __future__ import annotations

import json
import math
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ccall_tui.api.errors import ProtocolError
from ccall_tui.api.cdrs import CdrQuery, parse_cdrs
from ccall_tui.api.registrations import parse_registrations
from ccall_tui.api.values import clock_seconds, seconds_or_none, text_or_none
from ccall_tui.api.text import clean_text

VN = ZoneInfo("Asia/Ho_Chi_Minh")

ROW = {
    "call-id": "abc@1.2.3.4",
    "user": "100@tenant.example",
    "contact": '"100" <sip:100@203.0.113.7:5060;transport=udp;fs_nat=yes>',
    "agent": "Yealink SIP-T46S 66.86.0.15",
    "status": "Registered(UDP-NAT)(unknown) exp(2026-11-27 18:29:38) expsecs(3598)",
    "ping-status": "Reachable",
    "ping-time": "12.34",
    "host": "pbx",
    "network-ip": "203.0.113.7",
    "network-port": "5060",
    "sip-auth-user": "100",
    "sip-auth-realm": "tenant.example",
    "mwi-account": "100@tenant.example",
}


def regs(payload):
    return parse_registrations(payload, VN)


def test_registration_row_fields_are_typed():
    snap = regs({"response": {"registrations": [ROW]}})
    (reg,) = snap.extensions["100"]
    assert reg.agent == "Yealink SIP-T46S 66.86.0.15"
    assert reg.ip == "203.0.113.7" and reg.port == 5060
    assert reg.transport == "UDP"
    assert reg.expires_in_s == 3598
    assert reg.expires_at == datetime(2026, 11, 27, 18, 29, 38, tzinfo=VN)
    assert reg.ping_status == "Reachable" and reg.ping_ms == pytest.approx(12.34)
    assert reg.raw["sip-auth-realm"] == "tenant.example"


def test_several_rows_of_one_extension_are_grouped():
    second = dict(ROW, agent="Zoiper rv2.10", **{"network-port": "5062", "call-id": "second-phone"})
    other = dict(ROW, user="101@tenant.example")
    snap = regs({"response": {"registrations": [ROW, second, other]}})
    assert snap.device_count("100") == 2
    assert snap.device_count("101") == 1
    assert len(snap) == 2


def test_single_registration_as_object():
    snap = regs({"response": {"registrations": ROW}})
    assert list(snap.extensions) == ["100"]


@pytest.mark.parametrize(
    "payload",
    [
        {"response": {"registrations": []}},
        {"response": {"registrations": {}}},
        {"response": {"registrations": None}},
        {"response": {"registrations": ""}},
        {"response": {}},
        {"response": None},
        {"response": ""},
    ],
)
def test_no_registrations_in_every_shape(payload):
    snap = regs(payload)
    assert len(snap) == 0 and snap.skipped == 0


def test_underscore_keys_and_upper_exp():
    row = {k.replace("-", "_"): v for k, v in ROW.items()}
    row["status"] = "Registered(TLS)(unknown) EXP(2026-11-27 18:29:38) EXPSECS(60)"
    (reg,) = regs({"response": {"registrations": [row]}}).extensions["100"]
    assert reg.ip == "203.0.113.7" and reg.port == 5060
    assert reg.expires_in_s == 60 and reg.transport == "TLS"
    assert reg.ping_ms == pytest.approx(12.34)


def test_address_from_contact_when_network_fields_missing():
    row = {"user": "105@x", "contact": '"105" <sip:105@198.51.100.9:6060;transport=tcp>'}
    (reg,) = regs({"response": {"registrations": [row]}}).extensions["105"]
    assert (reg.ip, reg.port, reg.transport) == ("198.51.100.9", 6060, "TCP")


def test_bad_rows_are_skipped_and_counted():
    payload = {"response": {"registrations": [ROW, "junk", 5, {"user": None}, {"agent": "x"}]}}
    snap = regs(payload)
    assert list(snap.extensions) == ["100"]
    assert snap.skipped == 4
    assert snap.skip_reason == "row 2 has no user"


CDR = {
    "direction": "inbound",
    "cid_name": "Nguyễn Văn An",
    "source": 903123456,
    "destination": "1005",
    "recording": "https://rec.example/a.wav",
    "start": "2026-11-27 10:42:05",
    "tta": "7s",
    "duration": "00:01:05",
    "pdd": "0.85s",
    "mos": "4.3",
    "status": "  NORMAL_CLEARING ",
    "xml_cdr_uuid": "c0ffee",
    "billsec": 65,
}


def cdrs(payload):
    return parse_cdrs(payload, VN)


def test_call_record_fields_are_typed():
    page = cdrs({"response": [{"Cdr": CDR}]})
    (rec,) = page.records
    assert rec.call_id == "c0ffee"
    assert rec.start == datetime(2026, 11, 27, 10, 42, 5, tzinfo=VN)
    assert rec.start.utcoffset().total_seconds() == 7 * 3600
    assert rec.source == "903123456" and rec.destination == "1005"
    assert rec.cid_name == "Nguyễn Văn An"
    assert rec.tta_s == 7 and rec.duration_s == 65 and rec.pdd_s == pytest.approx(0.85)
    assert rec.mos == pytest.approx(4.3)
    assert rec.status == "NORMAL_CLEARING"
    assert rec.recording_url == "https://rec.example/a.wav"
    assert rec.raw["billsec"] == 65
    assert page.paging is None


@pytest.mark.parametrize("null", [None, "null", "", "NULL"])
def test_null_shapes_become_none(null):
    record = dict(CDR, cid_name=null, recording=null, mos=null, tta=null, pdd=null)
    (rec,) = cdrs({"response": [{"Cdr": record}]}).records
    assert rec.cid_name is None and rec.recording_url is None
    assert rec.mos is None and rec.tta_s is None and rec.pdd_s is None


def test_recording_file_key_and_numeric_duration():
    record = dict(CDR, recording=None, recording_file="https://rec.example/b.wav", duration=125)
    (rec,) = cdrs({"response": [{"Cdr": record}]}).records
    assert rec.recording_url == "https://rec.example/b.wav"
    assert rec.duration_s == 125


@pytest.mark.parametrize("key", ["call_id", "uuid", "xml_cdr_uuid", "_id", "id"])
def test_every_call_id_key(key):
    record = {k: v for k, v in CDR.items() if k != "xml_cdr_uuid"}
    record[key] = "id-1"
    (rec,) = cdrs({"response": [{"Cdr": record}]}).records
    assert rec.call_id == "id-1"


@pytest.mark.parametrize(
    "value, expected", [(7, 7.0), ("7", 7.0), ("7s", 7.0), ("0.85", 0.85), ("0.85s", 0.85), ("", None), (None, None)]
)
def test_seconds_shapes(value, expected):
    assert seconds_or_none(value) == expected


@pytest.mark.parametrize("value, expected", [("00:01:05", 65), ("01:00:00", 3600), ("1:05", 65), (42, 42), ("x:y", None)])
def test_clock_shapes(value, expected):
    assert clock_seconds(value) == expected


def test_one_malformed_record_does_not_lose_the_page():
    payload = {"response": [{"Cdr": CDR}, {"Cdr": "broken"}, 17, None, {"Cdr": dict(CDR, start="garbage")}]}
    page = cdrs(payload)
    assert len(page.records) == 2
    assert page.records[1].start is None
    assert page.skipped == 3


def test_paging_at_top_level_and_inside_response():
    paging = {"txtdesc": "Showing 1-50", "page_current": "1", "limit": 50, "record_count": "120",
              "page_count": 3, "prev_page": False, "next_page": "true"}
    top = cdrs({"response": [{"Cdr": CDR}], "paging": paging})
    inside = cdrs({"response": {"data": [{"Cdr": CDR}], "paging": paging}})
    flat = cdrs({"response": [{"Cdr": CDR}], **paging})
    for page in (top, inside, flat):
        assert page.paging.page_current == 1 and page.paging.page_count == 3
        assert page.paging.record_count == 120
        assert page.paging.has_prev is False and page.paging.has_next is True
        assert len(page.records) == 1


@pytest.mark.parametrize("payload", [[], "x", 3, None, {"error": "nope"}, {"status": "ok"}])
def test_answers_without_response_are_protocol_errors(payload):
    with pytest.raises(ProtocolError):
        cdrs(payload)
    with pytest.raises(ProtocolError):
        regs(payload)


def test_control_characters_are_removed_but_markup_is_kept_literally():
    name = "\x1b]52;c;ZXZpbA==\x07[/bold]Lan\x1b[31m\u202e"
    record = dict(CDR, cid_name=name)
    (rec,) = cdrs({"response": [{"Cdr": record}]}).records
    assert "\x1b" not in rec.cid_name and "\x07" not in rec.cid_name and "\u202e" not in rec.cid_name
    assert "[/bold]Lan" in rec.cid_name
    assert "\x1b" not in json.dumps(rec.raw)


def test_query_body_has_exactly_the_filters_given():
    query = CdrQuery(
        date_from=datetime(2026, 11, 27, 1, 0, tzinfo=ZoneInfo("UTC")),
        date_to=datetime(2026, 11, 27, 10, 30, tzinfo=VN),
        hangup_causes=("NO_ANSWER", "USER_BUSY"),
        source="1001",
        direction="inbound",
        page=2,
        limit=50,
    )
    assert query.to_submission(VN) == {
        "date_range": {"from": "2026-11-27 08:00", "to": "2026-11-27 10:30"},
        "hangup_cause": "NO_ANSWER;USER_BUSY",
        "source": "1001",
        "direction": "inbound",
        "page": 2,
        "limit": 50,
    }
    assert CdrQuery().to_submission(VN) == {}


def test_text_or_none_and_clean_text():
    assert text_or_none("  null ") is None
    assert text_or_none(1005) == "1005"
    assert clean_text("a\tb\nc") == "a b c"


# ---------------------------------------------------------------- property-based

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=25,
)
likely_keys = st.sampled_from(
    ["response", "registrations", "Cdr", "user", "status", "start", "duration", "tta", "mos", "pdd",
     "paging", "page_count", "next_page", "network-port", "contact", "recording", "call_id", "data"]
)
shaped = st.recursive(
    json_values,
    lambda children: st.dictionaries(likely_keys, children, max_size=6) | st.lists(children, max_size=4),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(payload=st.one_of(shaped, st.dictionaries(st.just("response"), shaped, min_size=1)))
def test_parsers_survive_arbitrary_json(payload):
    for parser in (cdrs, regs):
        try:
            result = parser(payload)
        except ProtocolError as error:
            assert error.message
        else:
            assert result.skipped >= 0


def test_none_is_a_real_hangup_cause():
    (rec,) = cdrs({"response": [{"Cdr": dict(CDR, status=" NONE ")}]}).records
    assert rec.status == "NONE"


# --------------------------------------------------------------------------- never lie


@pytest.mark.parametrize(
    "payload, words",
    [
        ({"response": "string"}, "'response' is a string"),
        ({"response": 7}, "'response' is a number"),
        ({"response": {"registrations": "nope"}}, "registrations is a string"),
        ({"response": {"registrations": True}}, "registrations is true or false"),
        ({"response": {"registrations": {"registration": "x"}}}, "registrations is a string"),
        ({"response": {"registrations": [{"agent": "x"}] * 12}}, "none of the 12 rows has a user"),
        ({"response": {"registrations": {"agent": "x"}}}, "none of the 1 rows has a user"),
        ({"response": {"registrations": [3, None, [1]]}}, "none of the 3 rows is a registration (row 1 is a number)"),
        ({"response": {"registrations": ["nope", "junk"]}}, "none of the 2 rows has a user"),
    ],
)
def test_an_answer_with_nothing_usable_is_a_protocol_error(payload, words):
    with pytest.raises(ProtocolError) as caught:
        regs(payload)
    assert caught.value.message.startswith("Registrations not understood: ")
    assert words in caught.value.message


def test_plausible_row_shapes_are_read():
    snap = regs({"response": {"registrations": ["100@tenant.example", "101", "sip:102@t"]}})
    assert sorted(snap.extensions) == ["100", "101", "102"] and snap.skipped == 0
    (reg,) = snap.extensions["101"]
    assert reg.user == "101" and reg.agent is None
    keyed = [{"reg_user": "103@t"}, {"username": "104"}, {"extension": 105}, {"ext": "106"}, {"user": "107"}]
    snap = regs({"response": {"registrations": keyed}})
    assert sorted(snap.extensions) == ["103", "104", "105", "106", "107"] and snap.skipped == 0
    assert [r.user for r in snap.extensions["105"]] == ["105"]


def test_identical_rows_are_one_device_but_a_stale_registration_is_another():
    same_call = dict(ROW, agent="other agent text")  # same call-id and contact: the same device
    stale = dict(ROW, **{"call-id": "older@1.2.3.4"})
    snap = regs({"response": {"registrations": [ROW] * 50 + [same_call, stale]}})
    assert snap.device_count("100") == 2 and snap.skipped == 0
    bare = regs({"response": {"registrations": ["100@t"] * 50}})
    assert bare.device_count("100") == 1


def test_too_many_rows_is_refused_before_reading_them():
    rows = [{"user": f"{n}@t"} for n in range(11)]
    with pytest.raises(ProtocolError, match="lists 11 registrations, more than the 10"):
        parse_registrations({"response": {"registrations": rows}}, VN, max_rows=10)
    assert len(parse_registrations({"response": {"registrations": rows[:10]}}, VN, max_rows=10)) == 10


@pytest.mark.parametrize(
    "field, value",
    [
        ("duration", "inf:00:00"), ("duration", "nan:00:00"), ("duration", "99999:00:00"),
        ("duration", float("inf")), ("duration", 10**400), ("duration", "-00:00:05"),
        ("tta", "inf"), ("tta", "1e400"), ("tta", 8 * 24 * 3600), ("tta", float("nan")),
        ("pdd", "NaN"), ("pdd", "7200"), ("pdd", -1), ("mos", "inf"), ("mos", 99),
    ],
)
def test_infinite_and_absurd_numbers_are_dropped(field, value):
    (rec,) = cdrs({"response": [{"Cdr": dict(CDR, **{field: value})}]}).records
    assert getattr(rec, {"duration": "duration_s", "tta": "tta_s", "pdd": "pdd_s", "mos": "mos"}[field]) is None
    json.dumps(rec.to_json(), allow_nan=False)
    json.dumps(dict(rec.raw), allow_nan=False)


numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from(["inf", "-inf", "nan", "NaN", "Infinity", "1e400", "inf:00:00", "00:inf:00", "1e308:00",
                     "99999999:00:00", "7s", "0.85s", "00:01:05", "", "null"]),
    st.text(alphabet="0123456789:.-einfas", max_size=12),
)


@settings(max_examples=400, deadline=None)
@given(tta=numbers, duration=numbers, pdd=numbers, mos=numbers, ping=numbers, port=numbers)
def test_every_parsed_number_is_finite_and_json_safe(tta, duration, pdd, mos, ping, port):
    record = dict(CDR, tta=tta, duration=duration, pdd=pdd, mos=mos, extra=duration)
    (rec,) = cdrs({"response": [{"Cdr": record}]}).records
    for value in (rec.tta_s, rec.duration_s, rec.pdd_s, rec.mos):
        assert value is None or (math.isfinite(value) and value >= 0)
    json.dumps(rec.to_json(), allow_nan=False)
    json.dumps(dict(rec.raw), allow_nan=False)
    row = dict(ROW, **{"ping-time": ping, "network-port": port})
    (reg,) = regs({"response": {"registrations": [row]}}).extensions["100"]
    assert reg.ping_ms is None or math.isfinite(reg.ping_ms)
    json.dumps(reg.to_json(), allow_nan=False)


def test_lone_surrogates_are_replaced_in_every_string_kept():
    record = dict(CDR, cid_name="Lan \ud800", source="1\udfff")
    record["key\ud800"] = {"inner\udc00": ["x\ud800"]}
    (rec,) = cdrs({"response": [{"Cdr": record}]}).records
    assert rec.cid_name == "Lan \ufffd" and rec.source == "1\ufffd"
    assert rec.raw["key\ufffd"] == {"inner\ufffd": ["x\ufffd"]}
    json.dumps(dict(rec.raw), ensure_ascii=False).encode("utf-8")
    row = dict(ROW, agent="Yealink \ud800", user="100\ud800@t")
    (reg,) = regs({"response": {"registrations": [row]}}).extensions["100\ufffd"]
    assert reg.agent == "Yealink \ufffd"
    assert clean_text("a\ud800b\udfffc") == "a\ufffdb\ufffdc"


def test_a_call_is_found_only_by_its_own_id():
    from ccall_tui.api.cdrs import find_call

    page = cdrs({"response": [{"Cdr": dict(CDR, call_id=f"id-{n}")} for n in range(5)]
                 + [{"Cdr": {k: v for k, v in CDR.items() if k != "call_id"}}]})
    assert find_call(page, "id-3").record.call_id == "id-3" and find_call(page, "id-3").others == 5
    missing = find_call(page, "id-9")
    assert missing.record is None and missing.others == 6 and not missing.found


@pytest.mark.parametrize("response", ["string", 7, True, {"data": "nope"}])
def test_call_records_in_a_shape_that_holds_none_are_a_protocol_error(response):
    with pytest.raises(ProtocolError, match="Call records not understood: 'response' is "):
        cdrs({"response": response})
    for empty in ([], {}, None, ""):
        assert len(cdrs({"response": empty})) == 0
