"""The export's pages in flight against a real server: page 1's count starts the pages after
it before page 1's rows are made, answers that come back out of order are still written in
order, and a page that fails half way leaves no file behind."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from ccall_tui.api.cdrs import CdrQuery
from ccall_tui.api.client import CcallClient
from ccall_tui.api.errors import CcallError
from ccall_tui.monitor.export import export_to_file

from conftest import DemoCredentials
from test_export_rows import _Server, _settle, _walk

VN = ZoneInfo("Asia/Ho_Chi_Minh")


class _Network(httpx.AsyncBaseTransport):
    """The loopback network to the simulator, with each page's answer held back for its own
    time (so answers overtake each other) and, for one page, a proxy's 502 instead."""

    def __init__(self, delay_s=lambda page: 0.0, fail_page: int | None = None) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.delay_s = delay_s
        self.fail_page = fail_page
        self.asked: list[int] = []
        self.answered: list[int] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        page = json.loads(request.content)["submission"].get("page")
        self.asked.append(page)
        await asyncio.sleep(self.delay_s(page))
        self.answered.append(page)
        if page == self.fail_page:
            return httpx.Response(502, text="Bad gateway", headers={"Content-Type": "text/plain"})
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def _export(sim, target, network: _Network | None = None, concurrency: int = 4) -> int:
    now = sim.tenant.now()
    query = CdrQuery(date_from=now - timedelta(days=3), date_to=now)
    async with CcallClient(sim.base_url, DemoCredentials(), tz=VN, transport=network) as client:
        return await export_to_file(client, query, target, "csv", page_size=50, concurrency=concurrency, now=now)


async def test_page_ones_count_asks_for_the_next_pages_before_its_rows_are_made():
    server = _Server(pages=10)
    server.slow_to_read = {1}  # page 1's bytes and paging are in; its rows take a while
    out: list[int] = []
    walk = asyncio.ensure_future(_walk(server, 2, out))
    await _settle()
    assert server.asked == [1, 2]
    server.gate(1).set()
    await _settle()
    # Page 1 is still being read, and its place in flight already went to page 3.
    assert server.asked == [1, 2, 3] and server.in_flight == 2 and out == []
    for number in range(-1, 11):
        server.gate(number).set()
    await asyncio.wait_for(walk, 5)
    assert out == list(range(1, 11)) and server.most_in_flight == 2


async def test_answers_that_overtake_each_other_are_written_in_page_order(sim, tmp_path):
    in_order = tmp_path / "one-at-a-time.csv"
    count = await _export(sim, in_order, concurrency=1)
    pages = -(-count // 50)
    assert pages >= 8
    # Later pages answer sooner: within each four asked together, the last comes back first.
    network = _Network(delay_s=lambda page: 0.004 * (4 - page % 4))
    scrambled = tmp_path / "scrambled.csv"
    assert await _export(sim, scrambled, network) == count
    assert network.answered != sorted(network.answered)  # they did overtake each other
    assert scrambled.read_bytes() == in_order.read_bytes()


async def test_a_page_failing_half_way_leaves_no_file_and_says_why(sim, tmp_path):
    network = _Network(delay_s=lambda page: 0.002 * (page % 3), fail_page=6)
    target = tmp_path / "calls.csv"
    with pytest.raises(CcallError) as failure:
        await _export(sim, target, network)
    assert "502" in failure.value.message
    assert set(range(1, 6)) <= set(network.answered)  # pages before it were read (and written)
    assert list(tmp_path.iterdir()) == []  # neither the file nor its temporary part


async def test_the_last_page_failing_after_the_rest_went_to_disk_leaves_no_file(sim, tmp_path):
    pages = -(-await _export(sim, tmp_path / "whole.csv") // 50)
    (tmp_path / "whole.csv").unlink()
    network = _Network(fail_page=pages)  # by then what was written is on its way to disk
    with pytest.raises(CcallError):
        await _export(sim, tmp_path / "calls.csv", network)
    assert set(range(1, pages)) <= set(network.answered)
    assert list(tmp_path.iterdir()) == []


async def test_the_next_request_is_on_its_way_before_an_answer_is_decoded(sim, tmp_path, monkeypatch):
    from ccall_tui.monitor import export

    network = _Network()
    asked_when_in: dict[int, int] = {}
    asked_when_decoded: dict[int, int] = {}
    answer = network.handle_async_request

    async def handle(request: httpx.Request) -> httpx.Response:
        response = await answer(request)
        await response.aread()  # the answer's bytes, all in
        asked_when_in[json.loads(request.content)["submission"]["page"]] = len(network.asked)
        return response

    decode = export.read_typed

    def read_typed(content, tz):
        page = decode(content, tz)
        asked_when_decoded[page.paging.page_current] = len(network.asked)
        return page

    network.handle_async_request = handle  # type: ignore[method-assign]
    monkeypatch.setattr(export, "read_typed", read_typed)
    # One request at a time: each answer's place goes to the next page, nothing else in flight.
    count = await _export(sim, tmp_path / "calls.csv", network, concurrency=1)
    pages = -(-count // 50)
    assert pages >= 3 and sorted(asked_when_decoded) == list(range(1, pages + 1))
    # Page 1 must be decoded to know there are more; every later page but the last had the
    # next one asked for before it was decoded.
    assert asked_when_in[1] == asked_when_decoded[1] == 1
    for number in range(2, pages):
        assert asked_when_in[number] == number and asked_when_decoded[number] == number + 1
    assert asked_when_decoded[pages] == pages
