"""Extension details say true things: the calls listed are the ones `c` opens in the call
browser (same query, same count, no silent cap), the expiry counts down by the second, the
screen is STALE when the board is, and MOS and directions use the browser's words."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from textual.widgets import DataTable, Static

from ccall_tui.api.cdrs import CdrPage, Paging
from ccall_tui.factory import build_app
from ccall_tui.monitor import cdr_filter as cf
from ccall_tui.monitor.extension_calls import (
    FROM,
    TO,
    CallCount,
    count_text,
    extension_calls_query,
    query_as_filter,
)
from ccall_tui.ui.screens.extension import ExtensionScreen
from ccall_tui.ui.screens.monitor import MonitorScreen
from ccall_tui.ui.widgets.textline import TextLine

from conftest import FROZEN_NOW, VN


async def settle(app, pilot) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


@pytest.fixture
def roster_profile(profile):
    return replace(profile, roster=("100-159",), discover_from_cdrs=False)


def cdr_bodies(sim) -> list[dict]:
    return [r.body.get("submission", {}) for r in sim.requests if r.path.startswith("/cdrs")]


async def open_details(app, pilot, extension: str) -> ExtensionScreen:
    await settle(app, pilot)
    board = app.screen
    assert isinstance(board, MonitorScreen)
    board.open_extension(extension)
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, ExtensionScreen)
    return screen


def status_line(screen) -> str:
    return str(screen.query_one("#ext-calls-status", Static).render())


# --------------------------------------------------------------------------- the query


def test_the_browser_form_holds_exactly_the_details_query():
    now = FROZEN_NOW + timedelta(seconds=42)
    for side in (FROM, TO):
        query = extension_calls_query("105", now, side)
        form = query_as_filter(query, VN)
        checked = cf.validate(form, VN, page=1)
        assert checked.ok, checked.errors
        assert checked.query == query
        assert checked.query.to_submission(VN) == query.to_submission(VN)
    query = extension_calls_query("105", now)
    assert query.source == "105" and query.destination is None
    assert query.to_submission(VN)["date_range"] == {"from": "2026-11-26 10:30", "to": "2026-11-27 10:30"}


def test_count_says_how_many_and_never_caps_silently():
    def page(rows: int, total: int | None) -> CdrPage:
        paging = None if total is None else Paging(page_current=1, limit=100, record_count=total, page_count=2)
        return CdrPage(records=tuple(object() for _ in range(rows)), paging=paging)  # type: ignore[arg-type]

    assert count_text(CallCount.of(page(67, 67)), "105", FROM) == (
        "67 calls from 105 in the last 24 hours; c opens them in the call browser"
    )
    assert count_text(CallCount.of(page(100, 143)), "105", FROM) == (
        "100 of 143 calls from 105 in the last 24 hours shown, c for all"
    )
    assert count_text(CallCount.of(page(100, None)), "105", TO).startswith("the first 100 calls to 105")
    assert count_text(CallCount.of(page(1, None)), "105", TO) == (
        "1 call to 105 in the last 24 hours; c opens them in the call browser"
    )


# --------------------------------------------------------------------------- on screen


async def test_details_and_c_run_the_same_query_with_the_same_count(make_services, roster_profile, sim, clock):
    sim.tenant.force_online("105")
    app = build_app(make_services(profile=roster_profile))
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_details(app, pilot, "105")
        listed = screen.calls_query
        assert listed is not None and listed.source == "105" and listed.destination is None
        assert listed.date_to - listed.date_from == timedelta(hours=24)
        # what the server itself says for that query
        direct = await app.client.cdrs(listed)
        total = direct.paging.record_count if direct.paging else len(direct.records)
        assert total > 0
        assert len(screen.calls) == min(total, 100)
        assert screen.query_one("#ext-calls", DataTable).row_count == len(screen.calls)
        assert status_line(screen).startswith(f"{total} calls from 105 in the last 24 hours")
        assert all(call.source == "105" for call in screen.calls)

        before = len(cdr_bodies(sim))
        await pilot.press("c")
        await settle(app, pilot)
        assert app.current_mode == "cdrs"
        browser = app.screen
        sent = cdr_bodies(sim)[before:]
        assert sent, "the browser searched nothing"
        credentials = {k: sent[-1][k] for k in ("api_key", "api_secret", "domain_name") if k in sent[-1]}
        assert sent[-1] == {**listed.to_submission(VN), **credentials}  # the very same filters
        assert browser.form.value.source == "105" and browser.form.value.destination == ""
        assert cf.validate(browser.form.value, VN).query == listed


async def test_x_lists_the_calls_to_the_extension_and_a_cap_is_said(make_services, roster_profile, sim, clock):
    sim.tenant.force_online("105")
    app = build_app(make_services(profile=roster_profile))
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_details(app, pilot, "105")
        await pilot.press("x")
        await settle(app, pilot)
        assert screen.side == TO
        assert screen.calls_query is not None and screen.calls_query.destination == "105"
        assert screen.calls_query.source is None
        assert cdr_bodies(sim)[-1].get("destination") == "105" and "source" not in cdr_bodies(sim)[-1]
        assert all(call.destination == "105" for call in screen.calls)
        assert "Calls to 105" in str(screen.query_one("#ext-calls", DataTable).border_title)

        # A smaller page than there are calls: the line says how many are left out.
        direct = await app.client.cdrs(screen.calls_query)
        total = direct.paging.record_count if direct.paging else None
        assert total is not None and total > 2
        screen.call_limit = 2
        await pilot.press("r")
        await settle(app, pilot)
        assert len(screen.calls) == 2
        assert status_line(screen) == f"2 of {total} calls to 105 in the last 24 hours shown, c for all"


async def test_expiry_counts_down_by_the_second(make_services, roster_profile, sim, clock, monkeypatch):
    sim.tenant.force_online("105")
    original = sim.tenant.registrations

    def fixed(*args, **kwargs):
        return [
            replace(r, expires_at=clock() + timedelta(minutes=7, seconds=30)) if r.extension == "105" else r
            for r in original(*args, **kwargs)
        ]

    monkeypatch.setattr(sim.tenant, "registrations", fixed)
    app = build_app(make_services(profile=roster_profile, poll_interval=3600))
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_details(app, pilot, "105")
        table = screen.query_one("#ext-regs", DataTable)
        first = str(table.get_cell("0", "Expires in"))
        clock.advance(1)
        screen.refresh_live()  # what its one-second timer does
        second = str(table.get_cell("0", "Expires in"))
        clock.advance(65)
        screen.refresh_live()
        third = str(table.get_cell("0", "Expires in"))
        assert (first, second, third) == ("7:30", "7:29", "6:24")


async def test_details_are_stale_when_the_board_is(make_services, roster_profile, sim, clock):
    sim.tenant.force_online("105")
    app = build_app(make_services(profile=roster_profile, poll_interval=3600))
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_details(app, pilot, "105")
        banner = screen.query_one("#ext-stale", TextLine)
        assert not banner.has_class("-stale") and not banner.display
        board = app.screen_stack[-2]
        assert isinstance(board, MonitorScreen)
        board.status.backoff.jitter = 0
        sim.faults.status_5xx = 503
        clock.advance(180)
        board.start_poll()
        await settle(app, pilot)
        screen.refresh_live()
        board._render_status()
        await pilot.pause()
        assert banner.has_class("-stale") and banner.display and banner.region.height == 1
        shown = str(banner.text)
        assert shown.startswith("STALE · data 3 min old") and "503" in shown
        assert shown == str(board.query_one("#mon-status", TextLine).text)
        sim.faults.reset()
        board.start_poll()
        await settle(app, pilot)
        screen.refresh_live()
        await pilot.pause()
        assert not banner.has_class("-stale")


async def test_mos_and_direction_use_the_browsers_words(make_services, roster_profile, sim, clock):
    from ccall_tui.monitor.cdr_stats import mos_text
    from ccall_tui.monitor.format import direction_word, format_timestamp

    sim.tenant.force_online("105")
    app = build_app(make_services(profile=roster_profile))
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_details(app, pilot, "105")
        table = screen.query_one("#ext-calls", DataTable)
        assert screen.calls
        with_mos = 0
        for index, call in enumerate(screen.calls):
            row = [str(cell) for cell in table.get_row_at(index)]
            assert row[0] == format_timestamp(call.start, VN)
            assert row[1] == direction_word(call.direction)
            assert row[8] == mos_text(call.mos)[0]
            with_mos += bool(row[8])
        assert with_mos, "no answered call with a MOS to look at"
