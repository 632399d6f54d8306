"""Every quirk of API.md is parsed; malformed records are skipped and counted."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ccall_tui.api.errors import ProtocolError
from ccall_tui.api.models import (
    CdrQuery,
    clock_seconds,
    parse_cdrs,
    parse_registrations,
    seconds_or_none,
    text_or_none,
)
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
