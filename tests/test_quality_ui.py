"""The call quality screen as a user meets it: opened from the board and the call browser,
sorted, filtered, grouped, exported to a file; and its charts (with the flight recorder's online
count) in snapshots at 80x24 and 160x48."""

from __future__ import annotations

import asyncio
import csv
import json
from datetime import timedelta

import pytest
from textual.widgets import DataTable, Input

from conftest import wait_until
from ccall_tui.factory import build_app
from ccall_tui.monitor.quality import UNKNOWN
from ccall_tui.ui.screens.quality import QualityExportDialog, QualityScreen


async def settle(pilot) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def open_report(pilot) -> QualityScreen:
    await settle(pilot)
    await pilot.press("f3")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, QualityScreen)
    # the load runs on the app's loop and reads the history in a thread
    await wait_until(pilot, lambda: screen.data is not None, "the report's calls")
    await settle(pilot)
    return screen


def table_keys(screen: QualityScreen) -> list[str]:
    table = screen.query_one("#q-table", DataTable)
    return [table.get_row_at(i)[0].plain for i in range(table.row_count)]


def column_titles(screen: QualityScreen) -> list[str]:
    return [str(c.label) for c in screen.query_one("#q-table", DataTable).columns.values()]


async def test_opened_from_the_board_and_the_browser_and_back(make_services):
    app = build_app(make_services())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_report(pilot)
        assert screen.query_one("#q-title").render().plain.startswith("Call quality by extension, last 24 h (26/11 10:30")
        assert len(screen.data.builder.calls) > 1000
        assert table_keys(screen)[:3] == ["100", "101", "102"]
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, QualityScreen)
        await app.switch_mode("cdrs")
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        assert isinstance(app.screen, QualityScreen)


async def test_sort_by_each_column_and_reverse(make_services):
    app = build_app(make_services())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_report(pilot)
        await pilot.press("s")  # calls, the most first
        await pilot.pause()
        calls = [row.calls for row in screen.rows_shown]
        assert calls == sorted(calls, reverse=True) and calls[0] > calls[-1]
        assert table_keys(screen) == [row.key for row in screen.rows_shown]
        assert column_titles(screen)[1] == "Calls ▼"
        await pilot.press("S")
        await pilot.pause()
        assert [row.calls for row in screen.rows_shown] == sorted(calls)
        assert column_titles(screen)[1] == "Calls ▲"
        for _ in range(7):  # to MOS p10: the best first, rows without a score last
            await pilot.press("s")
        await pilot.pause()
        assert column_titles(screen)[8] == "p10 ▼"
        scored = [row.mos_p10 for row in screen.rows_shown if row.mos_p10 is not None]
        assert scored == sorted(scored, reverse=True)
        assert all(row.mos_p10 is None for row in screen.rows_shown[len(scored):])


async def test_filter_and_group_by_model_and_network(make_services):
    app = build_app(make_services())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_report(pilot)
        everything = len(table_keys(screen))
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press("1", "2")
        await pilot.pause()
        assert table_keys(screen) and all("12" in key for key in table_keys(screen))
        assert len(table_keys(screen)) < everything
        await pilot.press("escape")  # clears the filter
        await pilot.pause()
        assert len(table_keys(screen)) == everything
        await pilot.press("escape", "b")  # leave the field; group by phone model
        await pilot.pause()
        assert column_titles(screen)[0] == "Phone model ▲"
        keys = table_keys(screen)
        assert "Yealink SIP-T46S" in keys or any(k.startswith("Yealink") for k in keys)
        assert sum(row.calls for row in screen.rows_shown) < len(screen.data.builder.calls) * 2
        await pilot.press("slash", *"yealink")
        await pilot.pause()
        assert table_keys(screen) and all("Yealink" in key for key in table_keys(screen))
        await pilot.press("escape", "escape", "b")
        await pilot.pause()
        assert column_titles(screen)[0] == "Network ▲"
        assert any(key.endswith("-NAT") for key in table_keys(screen))
        assert table_keys(screen)[-1] in ("unknown",) or UNKNOWN not in [r.key for r in screen.rows_shown]


async def test_export_writes_the_rows_as_shown_and_never_overwrites_silently(make_services, tmp_path):
    app = build_app(make_services())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_report(pilot)
        await pilot.press("s")  # by calls
        await pilot.press("slash", "1", "1", "enter")
        await pilot.pause()
        shown = [row.key for row in screen.rows_shown]
        assert shown and all("11" in key for key in shown)
        target = tmp_path / "quality.csv"
        await pilot.press("e")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, QualityExportDialog)
        dialog.query_one("#export-path", Input).value = str(target)
        await pilot.press("enter")
        await settle(pilot)
        await wait_until(pilot, target.exists, "the CSV file")
        rows = list(csv.DictReader(target.open(encoding="utf-8")))
        assert [row["key"] for row in rows] == shown
        first = screen.rows_shown[0]
        assert int(rows[0]["calls"]) == first.calls and int(rows[0]["missed"]) == first.missed
        assert "Exported {} rows".format(len(shown)) in screen.query_one("#q-status").render().plain
        # the same name again: the dialog asks before replacing it
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one("#export-path", Input).value = str(target)
        await pilot.press("enter")
        await pilot.pause()
        assert "exists" in str(app.screen.query_one(".message").render())
        await pilot.press("escape")
        # JSON: the same rows, with the range and the filter
        json_target = tmp_path / "quality.json"
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one("#export-path", Input).value = str(json_target)
        await pilot.press("enter")
        await settle(pilot)
        await wait_until(pilot, json_target.exists, "the JSON file")
        data = json.loads(json_target.read_text(encoding="utf-8"))
        assert data["filter"] == "11" and [row["key"] for row in data["rows"]] == shown


# --------------------------------------------------------------------------- charts


@pytest.fixture
def recorded(sim, clock, profile, credentials):
    """Two hours recorded a poll a minute into the profile's history, as the app would."""
    from history_day import record_minutes

    day = asyncio.run(record_minutes(sim, clock, profile, credentials, 120))
    yield day
    day.close()


async def _charts(pilot) -> None:
    screen = await open_report(pilot)
    assert screen.data.recorded and screen.data.online
    await pilot.press("v")
    await settle(pilot)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
def test_charts_with_the_recorders_online_count(snap_compare, make_services, recorded, size):
    app = build_app(make_services())
    assert snap_compare(app, terminal_size=size, run_before=_charts)


async def _by_network(pilot) -> None:
    await open_report(pilot)
    await pilot.press("b", "b", "s")
    await settle(pilot)


def test_table_by_network(snap_compare, make_services, recorded):
    app = build_app(make_services())
    assert snap_compare(app, terminal_size=(120, 30), run_before=_by_network)


async def test_charts_say_when_nothing_was_recorded(make_services):
    from ccall_tui.ui.widgets.quality_charts import Chart

    app = build_app(make_services(state_dir=None))  # no state: no flight recorder at all
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_report(pilot)
        assert not screen.data.recorded
        assert "availability is empty" in screen.query_one("#q-status").render().plain
        await pilot.press("v")
        await settle(pilot)
        online = screen.query_one("#chart-online", Chart).render().plain
        assert "Nothing recorded in this range" in online
        calls = screen.query_one("#chart-calls", Chart).render().plain
        assert "Calls per hour" in calls and "PBX time" in calls


async def test_a_history_begun_after_the_range_says_when_it_began(make_services):
    """The first minutes of a new history: not "no data", but when it began."""
    services = make_services()
    app = build_app(services)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: services.history is not None and services.history.flush()
                         and services.history.first_record() is not None, "the first answer recorded")
        screen = await open_report(pilot)
        assert not screen.data.recorded
        status = screen.query_one("#q-status").render().plain
        assert "the flight recorder began 10:30, after this range: availability is empty" in status


async def test_a_week_reads_seven_days_of_calls(make_services, clock):
    app = build_app(make_services())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_report(pilot)
        day = len(screen.data.builder.calls)
        await pilot.press("d")
        await wait_until(pilot, lambda: screen.data.until - screen.data.since == timedelta(days=7), "a week's calls")
        await settle(pilot)
        assert screen.data.since == clock().replace(second=0) - timedelta(days=7)
        assert "last 7 days" in screen.query_one("#q-title").render().plain
        assert len(screen.data.builder.calls) > 4 * day
        assert sum(r.calls for r in screen.rows_shown) >= len(screen.data.builder.calls)


async def test_clicking_a_column_title_sorts_by_it(make_services):
    app = build_app(make_services())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_report(pilot)
        table = screen.query_one("#q-table", DataTable)
        columns = list(table.columns.values())
        x = sum(c.get_render_width(table) for c in columns[:3]) + 2  # inside "Missed"
        await pilot.click("#q-table", offset=(x, 0))
        await pilot.pause()
        assert column_titles(screen)[3] == "Missed ▼"
        missed = [row.missed for row in screen.rows_shown]
        assert missed == sorted(missed, reverse=True) and missed[0] > missed[-1]
        await pilot.click("#q-table", offset=(x, 0))
        await pilot.pause()
        assert column_titles(screen)[3] == "Missed ▲"


async def _charts_light(pilot) -> None:
    pilot.app.theme = "textual-light"
    await _charts(pilot)


def test_charts_follow_a_light_theme(snap_compare, make_services, recorded):
    app = build_app(make_services())
    assert snap_compare(app, terminal_size=(80, 24), run_before=_charts_light)


async def test_a_failing_server_is_one_line_on_the_report(make_services, sim):
    app = build_app(make_services())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        sim.faults.html_error = True
        await pilot.press("f3")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, QualityScreen) and screen.data is None
        status = screen.query_one("#q-status")
        line = status.render().plain
        assert line.startswith("Could not read the calls: ") and "\n" not in line and status.has_class("-error")
        assert screen.query_one("#q-table", DataTable).row_count == 0
        sim.faults.html_error = False
        await pilot.press("r")
        await wait_until(pilot, lambda: screen.data is not None, "the report's calls")
        await settle(pilot)
        assert screen.query_one("#q-table", DataTable).row_count > 50 and not status.has_class("-error")


async def test_a_phone_model_with_markup_is_shown_as_written(make_services, sim):
    sim.tenant.force_online("105")
    sim.tenant.set_agent("105", "Evil [bold]Phone[/] [@click=app.quit]x[/] 1.0")
    app = build_app(make_services())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_report(pilot)
        await pilot.press("b")
        await pilot.pause()
        assert "Evil [bold]Phone[/] [@click=app.quit]x[/]" in table_keys(screen)
        await pilot.press("slash", *"evil")
        await pilot.pause()
        assert table_keys(screen) == ["Evil [bold]Phone[/] [@click=app.quit]x[/]"]
        assert screen.rows_shown[0].extensions == ("105",)
