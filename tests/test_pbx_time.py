"""Call start times as servers write them: ISO, and the day or the month first. A date that
could be either (01/02/2026) is read only in the order the doctor learned, never guessed."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ccall_tui.api.cdrs import CdrQuery
from ccall_tui.api.diagnose import Report, _date_order
from ccall_tui.api.learned import Learned, make_client
from ccall_tui.api.probe import Answer
from ccall_tui.api.values import date_order, pbx_time, slashed_orders
from ccall_tui.config import Profile

from conftest import VN, DemoCredentials

moments = st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2099, 12, 31)).map(
    lambda m: m.replace(microsecond=0))
separators = st.sampled_from(["/", "-", "."])


def _write(moment: datetime, order: str, sep: str, seconds: bool = True) -> str:
    first, second = (moment.day, moment.month) if order == "dmy" else (moment.month, moment.day)
    clock = moment.strftime("%H:%M:%S" if seconds else "%H:%M")
    return f"{first:02d}{sep}{second:02d}{sep}{moment.year} {clock}"


@settings(max_examples=300, deadline=None)
@given(moment=moments, order=st.sampled_from(["dmy", "mdy"]), sep=separators)
def test_a_slashed_time_reads_back_in_its_own_order(moment, order, sep):
    text = _write(moment, order, sep)
    assert pbx_time(text, VN, order) == moment.replace(tzinfo=VN)
    with date_order(order):
        assert pbx_time(text, VN) == moment.replace(tzinfo=VN)


@settings(max_examples=300, deadline=None)
@given(moment=moments, order=st.sampled_from(["dmy", "mdy"]), sep=separators)
def test_without_a_known_order_only_an_unambiguous_date_is_read(moment, order, sep):
    text = _write(moment, order, sep)
    unambiguous = moment.day > 12 or moment.day == moment.month
    assert pbx_time(text, VN) == (moment.replace(tzinfo=VN) if unambiguous else None)
    # and a wrong order never turns an unambiguous date into another day
    other = "mdy" if order == "dmy" else "dmy"
    if unambiguous:
        assert pbx_time(text, VN, other) == moment.replace(tzinfo=VN)
    else:
        assert pbx_time(text, VN, other) != moment.replace(tzinfo=VN)


@settings(max_examples=200, deadline=None)
@given(moment=moments)
def test_iso_times_read_back_whatever_order_is_set(moment):
    for text in (moment.strftime("%Y-%m-%d %H:%M:%S"), moment.strftime("%Y-%m-%dT%H:%M:%S")):
        for order in (None, "dmy", "mdy"):
            assert pbx_time(text, VN, order) == moment.replace(tzinfo=VN)


@pytest.mark.parametrize("text, expected", [
    ("31/12/2026 23:59:59", datetime(2026, 12, 31, 23, 59, 59, tzinfo=VN)),
    ("31-12-2026 23:59:59", datetime(2026, 12, 31, 23, 59, 59, tzinfo=VN)),
    ("31/12/2026 23:59", datetime(2026, 12, 31, 23, 59, tzinfo=VN)),
    ("12/31/2026 08:00:00", datetime(2026, 12, 31, 8, 0, tzinfo=VN)),
    ("5/5/2026 9:05:07", datetime(2026, 5, 5, 9, 5, 7, tzinfo=VN)),
    ("01/02/2026 10:00:00", None),  # 1 February or 2 January: not guessed
    ("31/31/2026 10:00:00", None),
    ("30/02/2026 10:00:00", None),
    ("31/12/2026 25:00:00", None),
])
def test_examples(text, expected):
    assert pbx_time(text, VN) == expected


def test_orders_that_make_a_date():
    assert slashed_orders("31/12/2026 10:00:00") == {"dmy"}
    assert slashed_orders("12/31/2026 10:00:00") == {"mdy"}
    assert slashed_orders("01/02/2026 10:00:00") == {"dmy", "mdy"}
    assert slashed_orders("2026-12-31 10:00:00") == frozenset()


def _listing(*starts):
    answer = Answer("cdrs", "/cdrs/json", "json", {})
    answer.data = {"response": [{"Cdr": {"start": s, "source": "100"}} for s in starts]}
    return answer


@pytest.mark.parametrize("starts, window_day, expected, level", [
    (["01/12/2026 10:00:00", "31/12/2026 09:00:00"], datetime(2026, 12, 1), "dmy", "adapted"),
    (["01/12/2026 10:00:00"], datetime(2026, 12, 1), "dmy", "adapted"),  # only 1 December fits the range
    (["12/01/2026 10:00:00"], datetime(2026, 12, 1), "mdy", "adapted"),
    (["01/12/2026 10:00:00"], datetime(2026, 7, 20), None, "problem"),  # neither fits: never a guess
    (["31/12/2026 10:00:00", "12/31/2026 10:00:00"], datetime(2026, 12, 31), None, "problem"),  # both at once
    (["31/31/2026 10:00:00"], datetime(2026, 12, 1), None, None),  # no date at all: the unread-times check says so
    (["2026-12-01 10:00:00"], datetime(2026, 12, 1), None, None),
])
def test_the_doctor_learns_the_order_from_the_range_it_asked_for(starts, window_day, expected, level):
    report = Report()
    end = window_day.replace(hour=23, minute=59)
    assert _date_order(report, _listing(*starts), window_day, end, Learned()) == expected
    assert [f.level for f in report.findings] == ([level] if level else [])
    # what was learned before stays when this run cannot tell
    report = Report()
    assert _date_order(report, _listing(*starts), window_day, end, Learned(date_order="dmy")) == (expected or "dmy")


@pytest.fixture
def december_sim():
    """A server writing start times day first, on the 1st of December: every date ambiguous."""
    from ccall_tui.clock import ManualClock
    from ccall_tui.sim.server import SimulatedPbx

    pbx = SimulatedPbx(seed=7, extensions=30, clock=ManualClock(datetime(2026, 12, 1, 10, 30, tzinfo=VN)))
    pbx.faults.quirks = {"dmy_time"}
    pbx.start()
    yield pbx
    pbx.stop()


async def test_the_app_reads_ambiguous_dates_only_in_the_learned_order(december_sim, isolated):
    profile = replace(Profile.default("default"), base_url=december_sim.base_url)
    query = CdrQuery(page=1, limit=20)
    async with make_client(profile, DemoCredentials(), learned=Learned()) as client:
        unknown = await client.cdrs(query)
    async with make_client(profile, DemoCredentials(), learned=Learned(date_order="dmy")) as client:
        page = await client.cdrs(query)
        one = await client.cdr(page.records[0].call_id)
    assert unknown.records and all(r.start is None for r in unknown.records)
    starts = [r.start for r in page.records]
    assert all(s is not None and s.date() == datetime(2026, 12, 1).date() for s in starts)
    assert one is not None and one.start == starts[0]


@pytest.mark.parametrize("start", ["01-2-2026  10:01:05", "1-02-2026T 10:01:05"])
def test_one_process_reads_a_start_time_in_each_order_set(start):
    """Two servers of one process may write their dates in different orders (each read under
    the order its doctor learned): a minute read under one order is not the other's. Both
    readers of a page say so, and the value reader under them."""
    import json

    from ccall_tui.api.call_values import moment
    from ccall_tui.api.cdrs import parse_cdrs
    from ccall_tui.api.cdrs_fast import read_cdrs

    record = {"direction": "local", "source": "100", "destination": "101", "start": start, "tta": "3",
              "duration": "00:00:10", "status": "NORMAL_CLEARING", "call_id": "order-test"}
    payload = {"response": [{"Cdr": record}], "paging": {"page_current": 1, "page_count": 1, "record_count": 1}}
    body = json.dumps(payload).encode()
    first_of_february = datetime(2026, 2, 1, 10, 1, 5, tzinfo=VN)
    second_of_january = datetime(2026, 1, 2, 10, 1, 5, tzinfo=VN)
    for order, expected in (("dmy", first_of_february), ("mdy", second_of_january), ("dmy", first_of_february),
                            (None, None), ("mdy", second_of_january)):
        with date_order(order):
            assert moment(start, VN) == expected, order
            fast = read_cdrs(body, VN)
            assert fast is not None and fast.records[0].start == expected, order
            assert parse_cdrs(payload, VN).records[0].start == expected, order
