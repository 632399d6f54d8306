"""The export's CSV rows made straight from a page's bytes, and the window of pages in flight.

The rows must be, byte for byte, what ``csv.writer`` writes for the records the tolerant
parser reads of the same page (formula guard included), for every shape a server may send;
the window must keep its requests in flight without ever handing out pages out of order or
holding more than a few pages.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ccall_tui.api.cdrs import CALL_FIELDS, CdrPage, CdrQuery, Paging, parse_cdrs
from ccall_tui.monitor.csv_rows import read_rows, record_lines, rows_of
from ccall_tui.monitor.paging import PagingReport, walk_pages

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def _reference_lines(records) -> list[str]:
    """Each record as ``csv.writer`` writes its cells: the slow path, kept plain on purpose."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for record in records:
        cells = []
        for name in CALL_FIELDS:
            value = getattr(record, name)
            if name == "start":
                value = value.isoformat() if value else None
            if value is None:
                value = ""
            elif isinstance(value, str) and value[:1] in "=+-@":
                try:
                    float(value)
                except ValueError:
                    value = "'" + value
            cells.append(value)
        writer.writerow(cells)
    return out.getvalue().split("\n")[:-1] if records else []


def _forget() -> None:
    from ccall_tui.monitor import csv_rows

    for name in ("_NUMBERS", "_MINUTES", "_TEXT_CELLS", "_DIRECTION_CELLS", "_CAUSE_CELLS", "_TTA_CELLS",
                 "_TALK_CELLS", "_PDD_CELLS", "_MOS_CELLS", "_ZONE_MINUTES"):
        getattr(csv_rows, name).clear()


def _check_page(content: bytes, tz: ZoneInfo = VN) -> bool:
    """The rows of ``content`` are the reference lines of its records; True when the rows
    were made from the bytes (not from the tolerant reading)."""
    tolerant = parse_cdrs(json.loads(content), tz)
    expected = _reference_lines(tolerant.records)
    rows = read_rows(content, tz)
    assert record_lines(tolerant.records) == expected
    assert [row.line for row in rows_of(tolerant).records] == expected
    if rows is None:
        return False
    assert [row.line for row in rows.records] == expected
    assert [row.call_id for row in rows.records] == [record.call_id for record in tolerant.records]
    assert rows.paging == tolerant.paging and rows.skipped == tolerant.skipped == 0
    return True


# --------------------------------------------------------------------------- rows


@pytest.mark.parametrize("quirks", [
    [], ["null_strings"], ["duration_seconds"], ["numeric_extensions"], ["spaces"], ["recording_file"],
    ["call_id_key=uuid"], ["call_id_key=_id"], ["iso_time"], ["dmy_time"], ["string_numbers"],
    ["null_strings", "numeric_extensions", "spaces"],
])
def test_rows_from_the_bytes_are_the_rows_of_the_records_for_every_shape_the_simulator_sends(sim, quirks):
    import httpx

    hostile = ['=HYPERLINK("http://x")', "Lê, Thị", 'say "hi"', "+84 909", "@SUM(1)", "-5 x", "a\nb"]
    for index, number in enumerate(sim.tenant.numbers[:14]):
        sim.tenant.set_name(number, hostile[index % len(hostile)])
    sim.faults.quirks = set(quirks)
    body = {"submission": {"api_key": "demo", "api_secret": "demo", "page": 1, "limit": 400}}
    content = httpx.post(sim.base_url + "/cdrs/json", json=body).content
    for _ in range(2):  # with nothing kept, then with every value seen before
        _forget()
        fast = _check_page(content)
        fast = _check_page(content) and fast
    if not quirks or quirks == ["null_strings"]:
        assert fast  # the usual shapes are read from the bytes


def _odd_record(pick, index: int) -> dict:
    """A record with each field drawn from the shapes API.md lists and a few worse ones."""
    texts = ["1001", " 1002 ", 1003, "0903 123 456", "a,b", 'q"uote', "=1+2", "-5", "+84", "@x", "", None,
             "null", "N/A", "Lê Thị Bích", "tab\there", "line\nbreak", "cr\rx", "\x1b[31mred", "\u202eevil",
             "x" * 600, "'", "7", "-", "undefined", "1e3"]
    starts = ["2026-11-27 10:30:05", "2026-11-27 10:30:59", "2026-11-27 23:59:00", "2026-11-27T10:30:05",
              "2026-11-27 10:30", "2026-11-27 10:30:05.250", "27/11/2026 10:30:05", "2026-02-30 10:30:00",
              "2026-11-27 10:61:00", "2026-11-27 24:00:00", "1975-06-13 00:10:07", "2026-03-29 01:30:00",
              "2026-10-25 01:30:30", "2026-03-08 02:30:00", "2026-11-01 01:30:00", " 2026-11-27 10:30:05 ",
              "2026-11-27 10:30:60", "٢٠٢٦-11-27 10:30:05", "", None, "null"]
    seconds = [7, 7.5, 0, -0.0, 0.0, "7", "7s", "0.85 s", "", None, "null", 1e9, -1, "abc", 3600, 3601]
    clocks = ["00:01:05", "01:02:03", "00:00:00", "99:59:59", "-00:00:05", "1:02:03", 65, 0, -0.0, "", None,
              "null", "00:61:00"]
    scores = [4.29, 1.0, 5, 5.01, 0, -0.0, "4.1", "null", None, ""]
    links = ["https://r.example/a.wav", "http://r.example/b,c.wav", 'http://r.example/"q".wav',
             "ftp://r.example/x", " https://r.example/pad.wav ", "https://r.example/a b.wav", "", None, "null"]
    record = {
        "start": pick(starts), "direction": pick(["inbound", "OUTBOUND", " local ", "sideways", "", None, "7"]),
        "source": pick(texts), "destination": pick(texts), "cid_name": pick([*texts, 1004]),
        "status": pick(["NORMAL_CLEARING", " NO_ANSWER ", "none", "NONE", "", None, "=CAUSE", "A,B"]),
        "tta": pick(seconds), "duration": pick(clocks), "pdd": pick(seconds), "mos": pick(scores),
        "extra": {"deep": [index]},
    }
    if pick([True, True, False]):
        record["recording"] = pick(links)
    if pick([True, False]):
        record["recording_file"] = pick(links)
    for key in ("call_id", "uuid", "xml_cdr_uuid", "_id", "id"):
        if pick([True, False, False]):
            record[key] = pick([f"c-{index}", f"c-{index % 7}", "", None, "null", " padded ", "=id", "a,b", 42,
                                "x" * 600, "f81d4fae-7dec-11d0-a765-00a0c91e6bf6"])
    return record


@pytest.mark.parametrize("zone", ["Asia/Ho_Chi_Minh", "Europe/London", "America/New_York", "Australia/Lord_Howe"])
def test_rows_of_odd_values_are_byte_for_byte_what_csv_writer_writes(zone):
    tz = ZoneInfo(zone)
    pick = random.Random(zone).choice
    from_bytes = 0
    for number in range(200):
        records = [{"Cdr": _odd_record(pick, number * 10 + index)} for index in range(10)]
        paging = {"page_current": number + 1, "page_count": 200, "record_count": 2000, "limit": 10,
                  "prev_page": number > 0, "next_page": number < 199}
        content = json.dumps({"response": records, "paging": paging}, ensure_ascii=pick([True, False])).encode()
        from_bytes += _check_page(content, tz)
    assert from_bytes >= 60  # many pages are the typed decoder's to read (a name as a number is not)


def test_a_zero_is_written_as_sent_whichever_zero_came_first():
    """0.0 and -0.0 are one key of a dict but two texts in a CSV file."""
    zero = {"start": "2026-11-27 10:30:05", "source": "1001", "duration": "00:00:00", "pdd": 0.0}
    minus = {**zero, "pdd": -0.0, "tta": -0.0, "duration": -0.0}
    for order in ([zero, minus, zero], [minus, zero, minus]):
        _forget()
        content = json.dumps({"response": [{"Cdr": {**r, "call_id": f"c{i}"}} for i, r in enumerate(order)],
                              "paging": {"page_current": 1}}).encode()
        assert _check_page(content)
        tolerant = parse_cdrs(json.loads(content), VN)
        assert record_lines(tolerant.records) == [row.line for row in read_rows(content, VN).records]


# --------------------------------------------------------------------------- window


class _Server:
    """Pages of ids, each answer held until the test lets it go; counts what is in flight."""

    def __init__(self, pages: int, per_page: int = 2) -> None:
        self.pages = pages
        self.per_page = per_page
        self.gates: dict[int, asyncio.Event] = {}
        self.asked: list[int] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self.fail: int | None = None
        self.slow_to_read: set[int] = set()

    def gate(self, number: int) -> asyncio.Event:
        return self.gates.setdefault(number, asyncio.Event())

    async def fetch(self, query: CdrQuery, arrived) -> CdrPage:
        from ccall_tui.api.cdrs import CallRecord

        number = query.page
        self.asked.append(number)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await self.gate(number).wait()
        finally:
            self.in_flight -= 1
        records = tuple(
            CallRecord(f"{number}-{i}", None, None, None, None, None, None, None, None, None, None, None)
            for i in range(self.per_page)
        )
        paging = Paging(page_current=number, page_count=self.pages, record_count=self.pages * self.per_page,
                        limit=self.per_page, next_page=number < self.pages)
        page = CdrPage(records, paging)
        if number in self.slow_to_read:
            arrived(page)  # the bytes and the paging are in; making the rows takes a while
            await self.gate(-number).wait()
        if number == self.fail:
            raise RuntimeError(f"page {number} failed")
        return page


async def _settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


async def _walk(server: _Server, concurrency: int, out: list[int]) -> None:
    async for page in walk_pages(
        server.fetch, CdrQuery(), tz=VN, page_size=server.per_page, concurrency=concurrency,
        report=PagingReport(), now=datetime(2026, 11, 27, 10, 30, tzinfo=VN),
    ):
        out.append(page.paging.page_current)


async def test_a_page_that_arrives_gives_its_place_to_the_next_while_an_earlier_one_is_late():
    server = _Server(pages=30)
    out: list[int] = []
    walk = asyncio.ensure_future(_walk(server, 3, out))
    await _settle()
    assert sorted(server.asked) == [1, 2, 3]  # the first pages together, before any count
    server.gate(1).set()
    await _settle()
    assert out == [1] and server.asked == [1, 2, 3, 4] and server.in_flight == 3  # 1's place went to 4
    # Page 2 is late; 3, 4, 5, 6 arrive: each one's place goes to the next page at once.
    for number in range(3, 7):
        server.gate(number).set()
        await _settle()
        assert server.in_flight == 3 and out == [1]  # still in order: nothing past page 2 yet
    assert max(server.asked) == 2 + 2 * 3  # no more than twice the window past the page awaited
    server.gate(7).set()
    await _settle()
    assert max(server.asked) == 8 and server.in_flight == 2  # bounded: pages 3..7 wait in order
    for number in range(2, 31):
        server.gate(number).set()
    await asyncio.wait_for(walk, 5)
    assert out == list(range(1, 31)) and sorted(server.asked) == list(range(1, 31))
    assert server.most_in_flight == 3


async def test_the_next_page_is_asked_for_once_an_answer_is_in_before_it_is_read():
    server = _Server(pages=10)
    server.slow_to_read = {2, 3}
    out: list[int] = []
    walk = asyncio.ensure_future(_walk(server, 2, out))
    await _settle()
    server.gate(1).set()
    await _settle()
    assert server.asked == [1, 2, 3] and out == [1]
    server.gate(2).set()
    server.gate(3).set()
    await _settle()
    # Pages 2 and 3 are in but still being read: their places went to pages 4 and 5.
    assert server.asked == [1, 2, 3, 4, 5] and server.in_flight == 2 and out == [1]
    server.gate(-2).set()
    await _settle()
    assert out == [1, 2] and server.asked == [1, 2, 3, 4, 5]  # two in flight, no more
    for number in range(-3, 11):
        server.gate(number).set()
    await asyncio.wait_for(walk, 5)
    assert out == list(range(1, 11)) and server.most_in_flight == 2


async def test_a_failed_page_stops_new_requests_and_reaches_the_reader_in_its_place():
    server = _Server(pages=30)
    server.fail = 4
    out: list[int] = []
    walk = asyncio.ensure_future(_walk(server, 3, out))
    await _settle()
    for number in (1, 2, 3, 4):
        server.gate(number).set()
        await _settle()
    asked = len(server.asked)
    for number in range(5, 31):
        server.gate(number).set()
    with pytest.raises(RuntimeError, match="page 4 failed"):
        await asyncio.wait_for(walk, 5)
    assert out == [1, 2, 3]
    assert len(server.asked) == asked  # nothing asked for once page 4 had failed
    assert server.in_flight == 0  # and nothing left running


async def test_an_export_at_concurrency_four_never_has_more_than_four_requests_in_flight(sim, tmp_path):
    from ccall_tui.api.client import CcallClient
    from ccall_tui.monitor.export import export_to_file

    from conftest import DemoCredentials

    class Counting(CcallClient):
        in_flight = most = 0

        async def _exchange(self, path, submission):
            Counting.in_flight += 1
            Counting.most = max(Counting.most, Counting.in_flight)
            try:
                await asyncio.sleep(0.005)
                return await super()._exchange(path, submission)
            finally:
                Counting.in_flight -= 1

    now = sim.tenant.now()
    query = CdrQuery(date_from=now - timedelta(days=3))
    async with Counting(sim.base_url, DemoCredentials(), tz=VN) as client:
        count = await export_to_file(client, query, tmp_path / "calls.csv", "csv", page_size=50, concurrency=4, now=now)
    assert count > 400 and Counting.most == 4
    rows = list(csv.reader((tmp_path / "calls.csv").read_text(encoding="utf-8").splitlines()))
    assert len(rows) == count + 1 and len({row[0] for row in rows[1:]}) == count


def test_an_export_holds_a_few_pages_in_memory_however_many_it_writes(tmp_path):
    """Streams: the most memory an export holds does not grow with the number of pages."""
    import tracemalloc

    from ccall_tui.api.client import CcallClient
    from ccall_tui.clock import ManualClock
    from ccall_tui.monitor.export import export_to_file
    from ccall_tui.sim.server import SimulatedPbx

    from conftest import DemoCredentials, FROZEN_NOW

    pbx = SimulatedPbx(seed=3, extensions=60, calls_per_day=2000, clock=ManualClock(FROZEN_NOW))
    pbx.start()

    async def export(days: int) -> int:
        query = CdrQuery(date_from=FROZEN_NOW - timedelta(days=days), date_to=FROZEN_NOW)
        async with CcallClient(pbx.base_url, DemoCredentials(), tz=VN) as client:
            return await export_to_file(client, query, tmp_path / "calls.csv", "csv", page_size=100, concurrency=4,
                                        overwrite=True, now=FROZEN_NOW)

    try:
        asyncio.run(export(5))  # what is kept from call to call (names, minutes) is kept from now on
        tracemalloc.start()
        peaks = {}
        for days in (1, 5):
            tracemalloc.reset_peak()
            before = tracemalloc.get_traced_memory()[0]
            count = asyncio.run(export(days))
            peaks[days] = (count, tracemalloc.get_traced_memory()[1] - before)
        tracemalloc.stop()
    finally:
        pbx.stop()
    (short, short_peak), (long, long_peak) = peaks[1], peaks[5]
    assert long >= 4 * short > 4 * 1000
    assert long_peak < 1.3 * short_peak + 256 * 1024, peaks
