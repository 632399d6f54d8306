"""Following pages only as far as the paging metadata justifies, against the simulator.

Each lying server (page_count of a billion, next_page true on empty pages, page_current
stuck at 1) and a result growing while it is read goes through the shared path
(``iter_pages`` / ``export_to_file``), the command line and, where it shows, the browser.
"""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import timedelta

import pytest
from textual.widgets import Input

from ccall_tui.api.client import CcallClient
from ccall_tui.api.cdrs import CdrQuery
from ccall_tui.cli import main
from ccall_tui.factory import build_app
from ccall_tui.monitor.export import PagingReport, iter_pages
from ccall_tui.monitor.paging import pin_query
from ccall_tui.monitor.export import export_to_file
from ccall_tui.ui.widgets.cdr_dialogs import ExportDialog

from conftest import run_cli, FROZEN_NOW, VN, DemoCredentials
from test_cdr_browser import SIZE, open_browser, settle, status_of

# Friday 08:00-09:59 at the simulated PBX: a few hundred calls, three or more pages of 100.
MORNING = CdrQuery(date_from=FROZEN_NOW.replace(hour=8, minute=0), date_to=FROZEN_NOW.replace(hour=9, minute=59))
DAY = ["--from", "2026-11-26 00:00", "--to", "2026-11-26 23:59"]


def page_requests(sim) -> list[int]:
    return [r.body["submission"].get("page") for r in sim.requests if r.path == "/cdrs/json"]


async def read_all(sim, query=MORNING, *, now=FROZEN_NOW, concurrency=4, page_size=100):
    report = PagingReport()
    ids: list[str] = []
    async with CcallClient(sim.base_url, DemoCredentials(), tz=VN) as client:
        async for page in iter_pages(
            client, query, page_size=page_size, concurrency=concurrency, report=report, now=now
        ):
            ids.extend(r.call_id for r in page.records)
    return ids, report


async def true_count(sim, query=MORNING) -> int:
    async with CcallClient(sim.base_url, DemoCredentials(), tz=VN) as client:
        page = await client.cdrs(query.with_page(1, 1))
    return page.paging.record_count


# --------------------------------------------------------------------------- shared path


async def test_honest_paging_reads_every_page_once_and_reports_nothing(sim):
    expected = await true_count(sim)
    ids, report = await read_all(sim)
    assert expected > 250 and len(ids) == expected == len(set(ids))
    assert report.stop is None and report.message() == "" and not report.incomplete
    assert sorted(p for p in page_requests(sim) if p != 1) == list(range(2, -(-expected // 100) + 1))


@pytest.mark.parametrize("concurrency", [4, 1])
async def test_a_billion_pages_for_a_few_hundred_calls_reads_one_page_past_them(sim, concurrency):
    expected = await true_count(sim)
    sim.faults.page_count_lie = True
    sim.requests.clear()
    ids, report = await read_all(sim, concurrency=concurrency)
    pages = -(-expected // 100)
    assert len(ids) == expected == len(set(ids))
    # record_count / limit pages, plus one page of slack; never the billion
    assert max(page_requests(sim)) == pages + 1 and len(sim.requests) == pages + 1
    assert report.stop_reason == (
        f"stopped after page {pages + 1}: the server announced 1,000,000,000 pages for {expected} calls"
    )
    assert not report.incomplete


async def test_next_page_true_on_empty_pages_stops_at_the_first_empty_page(sim):
    expected = await true_count(sim)
    sim.faults.endless_empty_pages = True
    sim.requests.clear()
    ids, report = await read_all(sim)
    pages = -(-expected // 100)
    assert len(ids) == expected
    assert len(sim.requests) == pages + 1
    assert report.stop_reason == (
        f"stopped after page {pages + 1}: the server kept saying there is a next page but sent no rows"
    )


async def test_empty_pages_without_any_count_stop_too(sim, monkeypatch):
    # No page_count and no record_count: only next_page to go by, under the hard ceiling.
    expected = await true_count(sim)
    sim.faults.endless_empty_pages = True
    from ccall_tui.sim import wire

    original = wire.cdrs_answer

    def without_counts(*args, **kwargs):
        answer = original(*args, **kwargs)
        for key in ("page_count", "record_count"):
            answer["paging"].pop(key, None)
        return answer

    monkeypatch.setattr(wire, "cdrs_answer", without_counts)
    ids, report = await read_all(sim)
    assert len(ids) == len(set(ids)) == expected
    assert report.stop == "empty" and report.pages == -(-expected // 100) + 1
    assert report.expected is None and not report.incomplete


async def test_a_server_ignoring_the_page_number_stops_at_page_two_and_says_calls_are_missing(sim):
    expected = await true_count(sim)
    sim.faults.stuck_page = True
    ids, report = await read_all(sim, concurrency=1)
    assert len(ids) == 100 < expected
    assert report.stop_reason == "stopped after page 2: asked for page 2, the server sent page 1 again"
    assert report.incomplete
    assert report.notes()[1] == f"{expected - 100} of {expected} calls not read"


async def test_same_rows_again_without_page_numbers_stops_as_a_repeated_page(sim, monkeypatch):
    sim.faults.stuck_page = True
    from ccall_tui.sim import wire

    original = wire.cdrs_answer

    def without_page_current(*args, **kwargs):
        answer = original(*args, **kwargs)
        answer["paging"].pop("page_current", None)
        return answer

    monkeypatch.setattr(wire, "cdrs_answer", without_page_current)
    ids, report = await read_all(sim, concurrency=1)
    assert len(ids) == 100
    assert report.stop_reason == "stopped after page 2: page 2 held the same calls as page 1"


async def test_the_ceiling_stops_a_walk_the_counts_cannot_bound(sim):
    sim.faults.endless_empty_pages = True
    report = PagingReport()
    async with CcallClient(sim.base_url, DemoCredentials(), tz=VN) as client:
        pages = [p async for p in iter_pages(client, MORNING, page_size=100, report=report, now=FROZEN_NOW, max_pages=2)]
    assert len(pages) == 2
    # record_count says three pages, so the ceiling of two is what stops it
    assert report.stop == "ceiling" and report.stop_reason == "stopped after page 2: reached the limit of 2 pages"
    assert report.incomplete


# --------------------------------------------------------------------------- a growing result


def test_open_or_future_end_is_pinned_to_the_start_and_a_past_end_is_kept():
    start = FROZEN_NOW.replace(hour=0, minute=0)
    assert pin_query(CdrQuery(date_from=start), FROZEN_NOW).date_to == FROZEN_NOW
    later = FROZEN_NOW + timedelta(hours=5)
    assert pin_query(CdrQuery(date_from=start, date_to=later), FROZEN_NOW).date_to == FROZEN_NOW
    past = FROZEN_NOW - timedelta(hours=1)
    assert pin_query(CdrQuery(date_from=start, date_to=past), FROZEN_NOW).date_to == past
    # without a start the server's default range is kept as it is
    assert pin_query(CdrQuery(), FROZEN_NOW).date_to is None


async def test_calls_arriving_while_reading_change_nothing_once_the_end_is_pinned(sim):
    query = CdrQuery(date_from=FROZEN_NOW.replace(hour=8, minute=0))  # "since 08:00", no end
    before = await true_count(sim, replace_to(query, FROZEN_NOW))
    sim.faults.calls_arriving = 7
    sim.requests.clear()
    ids, report = await read_all(sim, query)
    assert len(sim.arrivals) >= 7 * 4  # calls did arrive during the read
    assert len(ids) == before == len(set(ids))
    assert report.repeated == 0 and report.pinned_to == FROZEN_NOW
    assert {r.body["submission"]["date_range"]["to"] for r in sim.requests} == {"2026-11-27 10:30"}


async def test_rows_shifting_into_the_next_page_are_dropped_and_counted(sim):
    # The client's clock runs half an hour ahead of the PBX: the pinned end lies after the
    # calls that arrive, so every page sees the result grow at its newest end.
    query = CdrQuery(date_from=FROZEN_NOW.replace(hour=8, minute=0))
    sim.faults.calls_arriving = 7
    ids, report = await read_all(sim, query, now=FROZEN_NOW + timedelta(minutes=30), concurrency=1)
    assert report.repeated > 0 and len(ids) == len(set(ids))
    sim.faults.calls_arriving = 0
    after = set(await all_ids(sim, query, FROZEN_NOW + timedelta(minutes=30)))
    # nothing that was there when reading began is missing
    assert set(ids) <= after and len(after - set(ids)) <= 7 * (report.pages + 1)
    assert report.message() == f"{report.repeated:,} repeated calls dropped"


def replace_to(query, end):
    from dataclasses import replace

    return replace(query, date_to=end)


async def all_ids(sim, query, end):
    async with CcallClient(sim.base_url, DemoCredentials(), tz=VN) as client:
        page = await client.cdrs(replace_to(query, end).with_page(1, 5000))
    return [r.call_id for r in page.records]


async def test_export_to_file_writes_what_was_read_and_reports_why_it_stopped(sim, tmp_path):
    expected = await true_count(sim)
    sim.faults.page_count_lie = True
    report = PagingReport()
    async with CcallClient(sim.base_url, DemoCredentials(), tz=VN) as client:
        count = await export_to_file(
            client, MORNING, tmp_path / "calls.csv", "csv", page_size=100, report=report, now=FROZEN_NOW
        )
    rows = list(csv.DictReader((tmp_path / "calls.csv").open(encoding="utf-8")))
    assert count == len(rows) == expected
    assert "1,000,000,000 pages" in report.message()
    assert [p.name for p in tmp_path.iterdir()] == ["calls.csv"]


# --------------------------------------------------------------------------- command line


run = run_cli


def cli_count(sim) -> int:
    from ccall_tui.commands.calls import parse_cli_time

    query = CdrQuery(date_from=parse_cli_time(DAY[1], VN, ""), date_to=parse_cli_time(DAY[3], VN, "--to"))
    return asyncio.run(true_count(sim, query))


def test_cli_all_with_a_billion_pages_writes_every_row_and_says_why_it_stopped(env, capsys):
    expected = cli_count(env)
    env.faults.page_count_lie = True
    env.requests.clear()
    code, out, err = run(capsys, "cdrs", *DAY, "--all", "--csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and len(rows) == expected
    pages = -(-expected // 500)
    assert len(env.requests) == pages + 1
    assert err.splitlines()[-1] == (
        f"stopped after page {pages + 1}: the server announced 1,000,000,000 pages for {expected:,} calls"
    )
    assert "Traceback" not in err


def test_cli_all_with_endless_empty_pages_stops_after_one_empty_page(env, capsys):
    expected = cli_count(env)
    env.faults.endless_empty_pages = True
    code, out, err = run(capsys, "cdrs", *DAY, "--all", "--json")
    assert code == 0
    pages = -(-expected // 500)
    assert err.splitlines()[-1] == (
        f"stopped after page {pages + 1}: the server kept saying there is a next page but sent no rows"
    )


def test_cli_all_with_a_stuck_page_exits_non_zero_because_calls_are_missing(env, capsys):
    env.faults.stuck_page = True
    code, out, err = run(capsys, "cdrs", *DAY, "--all", "--csv", "--concurrency", "1")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 5 and len(rows) == 500
    expected = cli_count(env)
    assert err.splitlines()[-1] == (
        "ccall-tui: stopped after page 2: asked for page 2, the server sent page 1 again; "
        f"{expected - 500:,} of {expected:,} calls not read"
    )


def test_cli_all_drops_calls_that_shift_into_the_next_page(env, capsys):
    # Since 08:00 with no end: pinned to the command's start (the real clock, days after
    # the simulator's frozen morning), so calls arriving meanwhile fall inside the range.
    env.faults.calls_arriving = 9
    code, out, err = run(capsys, "cdrs", "--from", "2026-11-27 08:00", "--all", "--csv", "--concurrency", "1")
    ids = [row["call_id"] for row in csv.DictReader(io.StringIO(out))]
    assert code == 0 and len(ids) == len(set(ids))
    assert err.splitlines()[-1].endswith("repeated calls dropped")
    dropped = int(err.splitlines()[-1].split()[0].replace(",", ""))
    assert dropped > 0


# --------------------------------------------------------------------------- call browser


async def test_browser_export_shows_why_paging_stopped(make_services, sim, tmp_path):
    app = build_app(make_services())
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_browser(app, pilot)
        total = screen.browse.page.paging.record_count
        sim.faults.page_count_lie = True
        target = tmp_path / "calls.csv"
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, ExportDialog)
        app.screen.query_one("#export-path", Input).value = str(target)
        await pilot.press("enter")
        await settle(app, pilot)
        rows = list(csv.DictReader(target.open(encoding="utf-8")))
        assert len(rows) == total
        status = status_of(screen)
        assert "Exported" in status and "1,000,000,000 pages" in status


async def test_browser_pager_believes_the_rows_not_a_lying_page_count(make_services, sim):
    sim.faults.page_count_lie = True
    app = build_app(make_services())
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_browser(app, pilot)
        paging = screen.browse.page.paging
        fill = -(-paging.record_count // paging.limit)
        line = str(screen.query_one("#page-info").render())
        assert f"of {fill} " in line and "1,000,000,000 pages" in line
        assert screen.browse.last_page == fill


def test_cli_footer_counts_the_pages_the_rows_fill(sim, monkeypatch, capsys):
    sim.faults.page_count_lie = True
    monkeypatch.setenv("CCALL_BASE_URL", sim.base_url)
    monkeypatch.setenv("CCALL_API_KEY", "demo")
    monkeypatch.setenv("CCALL_API_SECRET", "demo")
    assert main(["cdrs", "--limit", "50", "--from", "2026-11-27 00:00", "--to", "2026-11-27 10:00"]) == 0
    footer = capsys.readouterr().err.strip().splitlines()[-1]
    assert "1000000000" not in footer.replace(",", "") and footer.startswith("page 1 of ")


# --------------------------------------------------------------------------- switches


def test_paging_and_recording_switches_are_set_over_loopback_and_from_simulate(sim):
    import httpx

    from ccall_tui.sim.cli import fault_values

    values = {"page_count_lie": True, "endless_empty_pages": True, "stuck_page": True,
              "calls_arriving": 5, "recording_redirect": "other", "recording_html": True,
              "recording_huge": True}
    answer = httpx.post(sim.base_url + "/_sim/faults", json=values).json()
    assert {k: answer[k] for k in values} == values
    assert httpx.post(sim.base_url + "/_sim/faults", json={"recording_redirect": "mars"}).status_code == 400
    assert httpx.post(sim.base_url + "/_sim/faults", json={"calls_arriving": -1}).status_code == 400
    assert sim.faults.recording_redirect == "other"  # all or nothing: the bad ones changed nothing
    sim.faults.reset()
    sim.faults.update(fault_values(["page_count_lie=true", "calls_arriving=3", "recording_redirect=same"]))
    assert sim.faults.page_count_lie and sim.faults.calls_arriving == 3
    assert sim.faults.recording_redirect == "same"


# --------------------------------------------------------------------------- pages in flight


class _Watching(CcallClient):
    """Holds page 1's answer back until pages 2..4 have been asked for: a walk that waited
    for page 1 before asking for more would time out here."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.asked: list[int] = []
        self.others = asyncio.Event()

    async def cdrs(self, query):
        self.asked.append(query.page)
        if query.page == 1:
            await asyncio.wait_for(self.others.wait(), 10)
        elif {2, 3, 4} <= set(self.asked):
            self.others.set()
        return await super().cdrs(query)


async def test_the_first_pages_are_asked_for_together_and_read_in_order(sim):
    expected = await true_count(sim)
    report = PagingReport()
    async with _Watching(sim.base_url, DemoCredentials(), tz=VN) as client:
        pages = [p async for p in iter_pages(client, MORNING, page_size=100, concurrency=4, report=report, now=FROZEN_NOW)]
    ids = [r.call_id for p in pages for r in p.records]
    assert sorted(client.asked[:4]) == [1, 2, 3, 4]
    assert len(ids) == len(set(ids)) == expected and report.stop is None
    assert [p.paging.page_current for p in pages] == list(range(1, len(pages) + 1))


async def test_pages_asked_for_before_the_count_was_known_are_dropped_when_it_rules_them_out(sim):
    short = CdrQuery(date_from=MORNING.date_from, date_to=MORNING.date_from + timedelta(minutes=20))
    expected = await true_count(sim, short)
    assert 0 < expected <= 100  # one page
    sim.requests.clear()
    ids, report = await read_all(sim, short)
    assert len(ids) == expected and report.stop is None and report.message() == ""
    assert set(page_requests(sim)) <= {1, 2, 3, 4}  # never more than the pages in flight
