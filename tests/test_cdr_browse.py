"""The call browser's engine, driven without Textual against the simulator (frozen clock).

What a user of the browser relies on, asserted on the engine alone: a wrong form sends
nothing, pages follow the server's paging, a call's detail is asked once, a call that is not
there says so with the count of others, the summary of every page counts every call, an export
writes every call, and the filter is remembered per profile and server.
"""

from __future__ import annotations

import asyncio
import csv
import json
from dataclasses import replace
from types import SimpleNamespace

import pytest

from ccall_tui.api.client import CcallClient
from ccall_tui.api.errors import CcallError
from ccall_tui.monitor import cdr_filter as cf
from ccall_tui.monitor.cdr_browse import CdrBrowse
from ccall_tui.monitor.cdr_memory import filter_path

from conftest import FROZEN_NOW, VN, DemoCredentials


def cdr_requests(sim) -> list[dict]:
    return [r.body.get("submission", {}) for r in sim.requests if r.path == "/cdrs/json"]


@pytest.fixture
async def client(sim):
    async with CcallClient(sim.base_url, DemoCredentials(), tz=VN) as client:
        yield client


def make_browse(client, clock, path=None) -> CdrBrowse:
    return CdrBrowse(lambda: client, VN, clock, path)


def today(limit: int = 25) -> cf.CdrFilter:
    return replace(cf.default_filter(FROZEN_NOW), limit=limit)


async def test_a_wrong_form_sends_nothing_and_names_each_wrong_field(sim, client, clock):
    browse = make_browse(client, clock)
    wrong = replace(today(), date_from="2026-13-45", source="10 01; drop")
    searched = await browse.search(wrong)
    assert not searched.ok
    assert {"date_from", "source"} <= set(searched.errors)
    assert cdr_requests(sim) == []
    assert browse.page is None and browse.query is None


async def test_search_holds_page_one_and_pages_follow_the_server(sim, client, clock):
    browse = make_browse(client, clock)
    searched = await browse.search(today(limit=25))
    assert searched.ok and searched.loaded is not None
    total = browse.paging.record_count
    assert total and total > 50  # the simulated morning holds several pages
    assert len(browse.records) == 25 and browse.page_number == 1
    assert not browse.has_prev and browse.has_next

    second = await browse.next()
    assert second is not None and not second.same_query
    assert browse.page_number == 2
    assert not set(r.call_id for r in second.page.records) & set(r.call_id for r in searched.loaded.page.records)

    last = await browse.last()
    assert last is not None and browse.page_number == browse.last_page
    assert not browse.has_next and await browse.next() is None
    assert len(browse.records) == total - 25 * (browse.last_page - 1)

    await browse.first()
    assert browse.page_number == 1
    again = await browse.reload()
    assert again is not None and again.same_query
    assert [r["page"] for r in cdr_requests(sim)] == [1, 2, browse.last_page, 1, 1]


async def test_go_to_asks_for_that_page_and_refuses_numbers_outside_the_range(sim, client, clock):
    browse = make_browse(client, clock)
    await browse.search(today(limit=25))
    last = browse.last_page
    assert browse.page_error("0") and browse.page_error(str(last + 1)) and browse.page_error("x")
    assert browse.page_error(str(last)) is None
    await browse.go_to(3)
    assert browse.page_number == 3 and cdr_requests(sim)[-1]["page"] == 3


async def test_a_failed_page_keeps_the_last_good_one(sim, client, clock):
    browse = make_browse(client, clock)
    await browse.search(today(limit=25))
    held = browse.records
    sim.faults.status_5xx = 500
    with pytest.raises(CcallError):
        await browse.next()
    assert browse.records == held and browse.page_number == 1


async def test_detail_is_asked_once_then_answered_from_the_cache(sim, client, clock):
    browse = make_browse(client, clock)
    await browse.search(today())
    call_id = browse.records[3].call_id
    before = len(cdr_requests(sim))
    first = await browse.detail(call_id)
    assert first.record is not None and first.record.call_id == call_id and not first.cached
    assert cdr_requests(sim)[-1].get("call_id") == call_id
    second = await browse.detail(call_id)
    assert second.cached and second.record == first.record
    assert len(cdr_requests(sim)) == before + 1


async def test_a_call_that_is_not_there_is_not_found_with_the_count_of_others(sim, client, clock):
    browse = make_browse(client, clock)
    missing = await browse.detail("00000000-0000-0000-0000-000000000000")
    assert missing.record is None and missing.others == 0
    sim.faults.quirks = {"ignore_call_id"}  # the server answers with a page of other calls
    ignored = await browse.detail("00000000-0000-0000-0000-000000000001")
    assert ignored.record is None and ignored.others > 0
    assert browse.cached_detail("00000000-0000-0000-0000-000000000001") is None


async def test_summary_of_all_pages_counts_every_call_of_the_query(sim, client, clock):
    browse = make_browse(client, clock)
    assert await browse.summary_all() is None  # nothing searched yet
    await browse.search(today(limit=25))
    total = browse.paging.record_count
    assert browse.summary_page().calls == 25
    seen = []
    done = await browse.summary_all(progress=lambda pages, of, records: seen.append(records))
    assert done.summary.calls == total and not done.report.incomplete
    assert seen[-1] == total
    assert browse.all_summary is done
    await browse.next()  # another page of the same query: the summary still belongs
    assert browse.all_summary is done
    await browse.search(replace(today(limit=25), direction="inbound"))
    assert browse.all_summary is None


async def test_export_writes_every_call_of_the_query(sim, client, clock, tmp_path):
    browse = make_browse(client, clock)
    with pytest.raises(LookupError):
        await browse.export(tmp_path / "none.csv", "csv")
    await browse.search(today(limit=25))
    total = browse.paging.record_count
    count, report = await browse.export(tmp_path / "calls.csv", "csv")
    rows = list(csv.DictReader((tmp_path / "calls.csv").open(encoding="utf-8")))
    assert count == len(rows) == total and not report.message()
    count, _ = await browse.export(tmp_path / "calls.json", "json")
    assert len(json.loads((tmp_path / "calls.json").read_text(encoding="utf-8"))) == total
    with pytest.raises(FileExistsError):
        await browse.export(tmp_path / "calls.csv", "csv")


async def test_a_cancelled_export_leaves_no_file(sim, client, clock, tmp_path):
    browse = make_browse(client, clock)
    await browse.search(today(limit=25))
    pages_read = []

    def progress(pages, of, records):  # escape pressed once the first page is written
        pages_read.append(pages)
        task.cancel()

    task = asyncio.ensure_future(browse.export(tmp_path / "calls.csv", "csv", progress=progress))
    with pytest.raises(asyncio.CancelledError):
        await task
    assert pages_read == [1]
    assert list(tmp_path.iterdir()) == []


async def test_the_filter_is_remembered_per_profile_and_server(sim, client, clock, tmp_path):
    def services(name: str, url: str):
        profile = SimpleNamespace(name=name, base_url=url, domain_name=None)
        return SimpleNamespace(state_dir=tmp_path, profile=profile, sim=None)

    office = filter_path(services("office", sim.base_url))
    browse = make_browse(client, clock, office)
    assert browse.filter == cf.default_filter(FROZEN_NOW)
    searched = replace(today(), source="1005", direction="outbound")
    await browse.search(searched)
    assert make_browse(client, clock, office).filter == searched

    wrong = replace(searched, source="not a number!")
    await browse.search(wrong)  # a wrong form is not remembered
    assert make_browse(client, clock, office).filter == searched

    elsewhere = filter_path(services("office", "https://other.example"))
    other_profile = filter_path(services("home", sim.base_url))
    assert make_browse(client, clock, elsewhere).filter == cf.default_filter(FROZEN_NOW)
    assert make_browse(client, clock, other_profile).filter == cf.default_filter(FROZEN_NOW)
