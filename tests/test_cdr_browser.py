"""The call-record browser driven by Pilot against the simulated PBX over loopback."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from textual.widgets import Button, Input, Static

from ccall_tui.factory import build_app
from ccall_tui.monitor.cdr_filter import CdrFilter
from ccall_tui.monitor.cdr_memory import filter_path
from ccall_tui.ui.screens.cdr_messages import FilterExtension, ShowCall
from ccall_tui.ui.screens.cdrs import CdrBrowserScreen

SIZE = (160, 48)


def _from_monitor(body) -> bool:
    # the extension board discovers extensions from today's local calls in the background
    return body.get("limit") == 500 and body.get("direction") == "local" and "source" not in body


def cdr_bodies(sim):
    bodies = [r.body["submission"] for r in sim.requests if r.path == "/cdrs/json"]
    return [b for b in bodies if not _from_monitor(b)]


async def open_browser(app, pilot):
    await app.switch_mode("cdrs")
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, CdrBrowserScreen)
    return screen


async def test_opens_with_today_and_shows_a_page(make_services, sim):
    app = build_app(make_services())
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_browser(app, pilot)
        assert screen.table.row_count == 50
        body = cdr_bodies(sim)[-1]
        assert body == {"date_range": {"from": "2026-11-27 00:00", "to": "2026-11-27 23:59"}, "page": 1, "limit": 50}



def status_of(screen) -> str:
    return str(screen.query_one("#cdr-status", Static).render())


def detail_of(screen) -> str:
    return str(screen.query_one("#detail-body", Static).render())


def button(screen, name) -> Button:
    return screen.query_one(f"#page-{name}", Button)


async def settle(app, pilot):
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_request_carries_exactly_the_filters_entered(make_services, sim):
    app = build_app(make_services())
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_browser(app, pilot)
        form = screen.form
        form.load(CdrFilter(
            date_from="2026-11-26 08:00", date_to="2026-11-27 09:30", direction="outbound",
            causes=("USER_BUSY", "NORMAL_CLEARING"), cid_name="Nguyễn", limit=25,
        ))
        # one field typed for real, then enter in it searches
        screen.query_one("#f-source", Input).focus()
        await pilot.press(*"1*")
        await pilot.press("enter")
        await settle(app, pilot)
        assert cdr_bodies(sim)[-1] == {
            "date_range": {"from": "2026-11-26 08:00", "to": "2026-11-27 09:30"},
            "direction": "outbound",
            "hangup_cause": "NORMAL_CLEARING;USER_BUSY",
            "source": "1*",
            "cid_name": "Nguyễn",
            "page": 1,
            "limit": 25,
        }
        assert 0 < screen.table.row_count <= 25
        for record in screen.table.records:
            assert record.direction == "outbound" and record.source.startswith("1")
            assert record.status in ("NORMAL_CLEARING", "USER_BUSY")


async def test_paging_follows_the_metadata_and_disables_at_the_ends(make_services, sim):
    app = build_app(make_services())
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_browser(app, pilot)
        paging = screen.browse.page.paging
        last = paging.page_count
        assert last > 3 and paging.page_current == 1
        assert button(screen, "prev").disabled and button(screen, "first").disabled
        assert not button(screen, "next").disabled and not button(screen, "last").disabled
        await pilot.press("right_square_bracket")
        await settle(app, pilot)
        assert cdr_bodies(sim)[-1]["page"] == 2
        assert not button(screen, "prev").disabled
        await pilot.click("#page-next")
        await settle(app, pilot)
        assert cdr_bodies(sim)[-1]["page"] == 3
        await pilot.press("left_square_bracket")
        await settle(app, pilot)
        assert cdr_bodies(sim)[-1]["page"] == 2
        await pilot.press("right_curly_bracket")
        await settle(app, pilot)
        assert cdr_bodies(sim)[-1]["page"] == last
        assert f"page {last} of {last}" in str(screen.query_one("#page-info", Static).render())
        assert button(screen, "next").disabled and button(screen, "last").disabled
        sent = len(cdr_bodies(sim))
        await pilot.press("right_square_bracket")  # at the end: nothing is sent
        await settle(app, pilot)
        assert len(cdr_bodies(sim)) == sent
        await pilot.press("g")
        assert screen.query_one("#page-goto", Input).has_focus
        await pilot.press(*str(last + 5), "enter")
        await settle(app, pilot)
        assert len(cdr_bodies(sim)) == sent and "-invalid" in screen.query_one("#page-goto").classes
        screen.query_one("#page-goto", Input).value = ""
        await pilot.press("3", "enter")
        await settle(app, pilot)
        assert cdr_bodies(sim)[-1]["page"] == 3
        await pilot.press("left_curly_bracket")
        await settle(app, pilot)
        assert cdr_bodies(sim)[-1]["page"] == 1
        assert button(screen, "prev").disabled


async def test_reload_keeps_the_cursor_and_a_page_without_metadata_is_one_page(make_services, sim):
    from ccall_tui.api.cdrs import CdrPage

    app = build_app(make_services())
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_browser(app, pilot)
        screen.table.focus()
        await pilot.press("down", "down", "down")
        call_id = screen.table.current.call_id
        await pilot.press("r")
        await settle(app, pilot)
        assert screen.table.cursor_row == 3 and screen.table.current.call_id == call_id
        records = screen.table.records[:7]
        screen.show_page(CdrPage(records=records, paging=None), screen.browse.query)
        await pilot.pause()
        assert "page 1 of 1 · 7 calls" in str(screen.query_one("#page-info", Static).render())
        assert all(button(screen, n).disabled for n in ("first", "prev", "next", "last"))
        assert screen.table.current.call_id == call_id  # same query reloaded: cursor on the same call


async def test_row_selection_and_call_id_lookup_fill_the_detail_pane(make_services, sim):
    app = build_app(make_services())
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_browser(app, pilot)
        screen.table.focus()
        await pilot.press("down", "enter")
        await settle(app, pilot)
        record = screen.table.records[1]
        assert screen.detail.record.call_id == record.call_id
        assert record.call_id in detail_of(screen)
        assert cdr_bodies(sim)[-1] == {"call_id": record.call_id}
        # a second selection of the same call comes from the cache
        sent = len(cdr_bodies(sim))
        await pilot.press("up", "down", "enter")
        await settle(app, pilot)
        assert len(cdr_bodies(sim)) == sent
        await pilot.press("up", "enter")
        await settle(app, pilot)
        assert cdr_bodies(sim)[-1] == {"call_id": screen.table.records[0].call_id}
        other = screen.table.records[20]
        screen.post_message(ShowCall(other.call_id))
        await settle(app, pilot)
        text = detail_of(screen)
        assert other.call_id in text and "ago" in text
        screen.post_message(ShowCall("00000000-0000-0000-0000-000000000000"))
        await settle(app, pilot)
        assert "knows no call" in detail_of(screen)


async def test_starting_on_a_call_id_opens_its_detail(make_services, sim):
    first = build_app(make_services())
    async with first.run_test(size=SIZE) as pilot:
        screen = await open_browser(first, pilot)
        call_id = screen.table.records[5].call_id
    app = build_app(make_services(start_call_id=call_id))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, CdrBrowserScreen)
        assert screen.detail.record is not None and screen.detail.record.call_id == call_id


async def test_invalid_date_sends_nothing_and_marks_the_field(make_services, sim):
    app = build_app(make_services())
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_browser(app, pilot)
        sent = len(cdr_bodies(sim))
        date_from = screen.query_one("#f-date_from", Input)
        date_from.value = "2026-11-31 8h"
        screen.query_one("#f-date_to", Input).focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert len(cdr_bodies(sim)) == sent
        assert "-invalid" in date_from.classes
        assert "YYYY-MM-DD HH:mm" in str(screen.query_one(".field-date_from .field-error", Static).render())
        assert "nothing was sent" in status_of(screen)
        assert date_from.value == "2026-11-31 8h"  # the form keeps what was typed
        assert screen.table.row_count == 50
        date_from.value = "2026-11-27 12:00"
        screen.query_one("#f-date_to", Input).value = "2026-11-27 11:00"
        await pilot.press("enter")
        await settle(app, pilot)
        assert len(cdr_bodies(sim)) == sent
        assert "after" in str(screen.query_one(".field-date_from .field-error", Static).render())


async def test_faults_keep_the_last_page_and_show_the_reason(make_services, sim):
    app = build_app(make_services())
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_browser(app, pilot)
        before = screen.table.records
        for fault, value, words in [
            ("status_5xx", 503, "HTTP 503"), ("html_error", True, "HTML"), ("malformed_json", True, "JSON"),
        ]:
            setattr(sim.faults, fault, value)
            await pilot.press("right_square_bracket")
            await settle(app, pilot)
            assert words in status_of(screen)
            assert "-error" in screen.query_one("#cdr-status").classes
            assert screen.table.records == before and screen.table.row_count == 50
            sim.faults.reset()
        await pilot.press("right_square_bracket")
        await settle(app, pilot)
        assert screen.browse.page.paging.page_current == 2
        assert "-error" not in screen.query_one("#cdr-status").classes


async def test_hostile_caller_name_is_shown_literally(make_services, sim):
    hostile = "[/bold][@click=app.quit]x[/] [b]"
    extension = sim.tenant.numbers()[3] if callable(getattr(sim.tenant, "numbers", None)) else "103"
    sim.tenant.set_name(extension, hostile)
    app = build_app(make_services())
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_browser(app, pilot)
        screen.post_message(FilterExtension(extension))
        await settle(app, pilot)
        assert cdr_bodies(sim)[-1]["source"] == extension
        named = [r for r in screen.table.records if r.cid_name == hostile]
        assert named, "the simulator should give the extension's calls its name"
        index = screen.table.records.index(named[0])
        cell = screen.table.get_row_at(index)[3]
        assert cell.plain == hostile
        screen.table.move_cursor(row=index)
        screen.table.focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert hostile in detail_of(screen)
        assert app.is_running
        # the screen renders it without crashing
        app.save_screenshot(str(Path(app.services.state_dir or ".") / "hostile.svg"))


async def test_filter_extension_and_swap(make_services, sim):
    app = build_app(make_services())
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_browser(app, pilot)
        screen.post_message(FilterExtension("105"))
        await settle(app, pilot)
        assert cdr_bodies(sim)[-1]["source"] == "105" and "destination" not in cdr_bodies(sim)[-1]
        screen.table.focus()
        await pilot.press("x")
        await settle(app, pilot)
        assert cdr_bodies(sim)[-1]["destination"] == "105" and "source" not in cdr_bodies(sim)[-1]


async def test_filter_extension_right_after_switching(make_services, sim):
    app = build_app(make_services())
    async with app.run_test(size=SIZE) as pilot:
        app.switch_mode("cdrs")
        app.screen.post_message(FilterExtension("107"))
        await settle(app, pilot)
        assert cdr_bodies(sim)[-1]["source"] == "107"


async def test_filter_survives_mode_switches_and_restarts(make_services, sim):
    services = make_services()
    app = build_app(services)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_browser(app, pilot)
        screen.form.load(CdrFilter(date_from="2026-11-25 00:00", date_to="2026-11-26 23:59", destination="110", limit=100))
        screen.action_search()
        await settle(app, pilot)
        await app.switch_mode("monitor")
        await pilot.pause()
        await app.switch_mode("cdrs")
        await pilot.pause()
        assert app.screen is screen and screen.query_one("#f-destination", Input).value == "110"
    saved = filter_path(services)
    assert saved.exists() and saved.parent != Path(services.state_dir)
    again = build_app(make_services())
    async with again.run_test(size=SIZE) as pilot:
        await open_browser(again, pilot)
        body = cdr_bodies(sim)[-1]
        assert body["destination"] == "110" and body["limit"] == 100
        assert body["date_range"] == {"from": "2026-11-25 00:00", "to": "2026-11-26 23:59"}
    # another profile on the same server remembers its own filter, not this one
    other = build_app(make_services(profile=replace(services.profile, name="branch")))
    async with other.run_test(size=SIZE) as pilot:
        await open_browser(other, pilot)
        body = cdr_bodies(sim)[-1]
        assert "destination" not in body and body["limit"] == 50


async def test_call_id_start_in_the_demo_uses_the_demos_last_filter(make_services, sim):
    """`ccall-tui cdr ID` in the demo opens with the demo's last filter, whatever its port."""
    demo = make_services(sim=sim)
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_browser(app, pilot)
        call_id = screen.table.records[2].call_id
        screen.form.load(CdrFilter(date_from="2026-11-26 00:00", date_to="2026-11-27 23:59", source="10*"))
        screen.action_search()
        await settle(app, pilot)
    moved = replace(demo.profile, base_url="http://127.0.0.1:1")  # another run, another port
    app = build_app(make_services(sim=sim, profile=moved, start_call_id=call_id))
    assert filter_path(app.services) == filter_path(demo)
    app.services.profile = demo.profile  # the simulator still answers on its real port
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        bodies = cdr_bodies(sim)
        assert {"call_id": call_id} in bodies
        listing = [b for b in bodies if "date_range" in b][-1]
        assert listing["source"] == "10*"
        assert listing["date_range"] == {"from": "2026-11-26 00:00", "to": "2026-11-27 23:59"}


async def test_summary_of_the_page_and_of_all_pages_cancellable(make_services, sim):
    app = build_app(make_services())
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_browser(app, pilot)
        screen.table.focus()
        await pilot.press("a")
        await pilot.pause()
        body = str(screen.query_one("#summary-body", Static).render())
        assert "This page (50 calls)" in body and "ASR" in body and "PDD median" in body
        total = screen.browse.page.paging.record_count
        await pilot.press("A")
        await settle(app, pilot)
        body = str(screen.query_one("#summary-body", Static).render())
        assert f"All pages ({total:,} calls)" in body
        # a slow server: the long fetch shows progress and escape cancels it
        sim.faults.latency_s = 0.5
        await pilot.press("A")
        await pilot.pause()  # the worker starts and shows its progress; the answer is 0.5 s away
        assert "-active" in screen.query_one("#cdr-progress").classes
        await pilot.press("escape")
        await pilot.pause()
        assert "Cancelled" in status_of(screen)
        assert "-active" not in screen.query_one("#cdr-progress").classes
        sim.faults.reset()
