"""The flight recorder's history as a user sees it: a simulated day recorded on the manual clock
against the simulator, then the extension details' strips and timeline, the wall's "since you
last looked" and the board's time in state after a restart, checked against what the
simulator did."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
from textual.widgets import DataTable

from ccall_tui.factory import build_app
from ccall_tui.monitor.board import ExtensionBoard
from ccall_tui.monitor.poll_status import format_age
from ccall_tui.monitor.states import ExtensionState
from ccall_tui.recorder.model import Strip
from ccall_tui.recorder.attach import attach_to_services
from ccall_tui.ui.history_view import (
    ask, change_words, day_window, history_of, history_opening, moment_text, week_window,
)
from ccall_tui.ui.screens.extension import ExtensionScreen
from ccall_tui.ui.screens.monitor import MonitorScreen
from ccall_tui.ui.widgets.availability_strip import AvailabilityStrip, cell_glyph, merge_cells, strip_lines
from ccall_tui.ui.widgets.since_panel import SincePanel
from ccall_tui.ui.widgets.tile_text import since_text, state_age_text
from history_day import A, B, END, NEW_PHONE, OUTAGE, expected_online_seconds, record_day

from conftest import FROZEN_NOW, VN


@pytest.fixture
async def day(sim, clock, profile, credentials):
    recorded = await record_day(sim, clock, profile, credentials)
    yield recorded
    recorded.close()


async def settle(app, pilot) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def until(pilot, condition, timeout: float = 5.0) -> None:
    """Let the app run until ``condition()`` holds (threads and timers do real work)."""
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    assert condition(), "timed out"


def app_with(make_services, **overrides):
    """The app as it starts: it opens the profile's history itself (following the day's
    recording, which holds the writer's lock)."""
    return build_app(make_services(**overrides))


# --------------------------------------------------------------------------- the strip itself


def test_cells_say_online_offline_partly_and_unknown():
    assert [cell_glyph(v) for v in (1.0, 0.0, None, 0.5, 0.999)] == ["▇", "░", "·", "▄", "▇"]
    # fewer cells than slices: neighbours merged, a slice without data does not count as offline
    assert merge_cells([1.0, 0.0, None, 1.0, None, None], 3) == ([0.5, 1.0, None], 2)
    assert merge_cells([1.0, 0.0], 5) == ([1.0, 0.0], 1)


def test_a_narrow_strip_merges_cells_and_keeps_its_summary():
    since = datetime(2026, 11, 26, 11, 0, tzinfo=VN)
    strip = Strip([1.0] * 20 + [0.0] * 4, 83.3, 1, since, since + timedelta(hours=24))
    wide, axis = strip_lines(strip, "24 h", 80)
    assert wide.plain == "24 h " + "▇" * 20 + "░" * 4 + "  83.3 % online · 1 flap"
    assert axis.plain.split() == ["12:00", "18:00", "00:00", "06:00"]
    narrow, _axis = strip_lines(strip, "24 h", 44)  # two hours a cell
    assert narrow.plain == "24 h " + "▇" * 10 + "░" * 2 + "  83.3 % online · 1 flap"
    narrower, _axis = strip_lines(strip, "24 h", 40)  # three hours a cell: 18-21 h partly online
    assert narrower.plain == "24 h " + "▇" * 6 + "▅░" + "  83.3 % online · 1 flap"
    assert len(narrower.plain) <= 40


# --------------------------------------------------------------------------- details


async def test_details_show_the_recorded_day_as_strips_and_a_timeline(day, make_services, clock):
    app = app_with(make_services)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        app.screen.open_extension(A)
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ExtensionScreen)
        now = clock()
        day_strip = screen.query_one("#ext-strip-day", AvailabilityStrip)
        top, axis = day_strip.lines()
        cells = top.plain.split()[2]
        # one cell per hour, the last the hour under way: 02:00, 03:00 and 04:00 were offline
        since, _until, _n = day_window(now)
        offline_hours = [(since + timedelta(hours=i)).hour for i, ch in enumerate(cells) if ch == "░"]
        assert offline_hours == [2, 3, 4]
        online, observed = expected_online_seconds(day, A, since, now)
        assert f"{100 * online / observed:.1f} % online · 1 flap" in top.plain
        assert "06:00" in axis.plain
        # the week: before Friday 10:30 nothing was recorded
        week = screen.query_one("#ext-strip-week", AvailabilityStrip)
        week_cells = week.lines()[0].plain.split()[2]
        first_recorded = (FROZEN_NOW - week_window(now)[0]) // timedelta(hours=3)
        assert set(week_cells[:first_recorded]) == {"·"}
        night = (OUTAGE[0].replace(hour=0) - week_window(now)[0]) // timedelta(hours=3)
        # three-hour cells: 00-03 online two thirds of it, 03-06 one third
        assert week_cells[night:night + 2] == "▅▃"
        assert set(week_cells[first_recorded:night] + week_cells[night + 2:]) == {"▇"}
        table = screen.query_one("#ext-timeline", DataTable)
        rows = [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]
        # newest first, PBX time: back online at 05:00, offline at 02:00
        assert rows[0][0] == "05:00:00" and rows[0][1].endswith("online")
        assert [r[0] for r in rows if r[1].endswith("offline")] == ["02:00:00"]


async def test_the_timeline_shows_a_new_phone_as_plain_text(day, make_services):
    app = app_with(make_services)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        app.screen.open_extension(B)
        await settle(app, pilot)
        table = app.screen.query_one("#ext-timeline", DataTable)
        rows = [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]
        changed = [r for r in rows if "T54W" in r[2]]
        assert changed, rows
        when, what, device = changed[-1]  # the first time it shows
        assert day.new_phone_seen is not None and day.new_phone_seen >= NEW_PHONE
        assert when == moment_text(day.new_phone_seen, END, seconds=True)
        assert when.startswith("Fri 19:")
        assert what == "device registered" or what.startswith("phone changed (was ")
        assert "[bold]T54W[/]" in device  # the phone's words, never markup


async def test_details_without_history_say_so_in_one_line(make_services):
    app = app_with(make_services, state_dir=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        app.screen.open_extension(A)
        await settle(app, pilot)
        top, _axis = app.screen.query_one("#ext-strip-day", AvailabilityStrip).lines()
        assert top.plain == "24 h No history yet"
        assert not app.screen.query_one("#ext-timeline", DataTable).display


async def test_a_question_asked_while_the_history_opens_waits_for_it(day, make_services):
    """A screen opened in the app's first seconds (the details, the rewind, the quality report)
    asks while the history is still being opened in its thread: it gets the recorded answer,
    not "No history yet"."""
    services = make_services()
    opening = asyncio.create_task(attach_to_services(day.feed, services, lambda message: None))
    await asyncio.sleep(0)  # the history is being opened, in a thread
    assert history_opening(services) and history_of(services) is None
    answer = await ask(services, lambda history: history.first_record())
    recording = await opening
    try:
        assert answer.problem is None
        assert answer.value == day.truth[0][0]  # the day's first poll
        assert not history_opening(services)
    finally:
        recording.close()


async def test_without_state_nothing_waits_for_a_history(make_services):
    services = make_services(state_dir=None)
    assert await attach_to_services(None, services, lambda message: None) is None
    assert not history_opening(services)
    assert (await ask(services, lambda history: history.first_record())).problem == "No history yet"


# --------------------------------------------------------------------------- time in state


async def test_after_a_restart_tiles_know_since_when(day, make_services, clock):
    """The app starts after the day was recorded: A has been online since 05:00 and its tile
    says so, exactly, not "≥" from the moment the app started. The first answer is drawn
    before the history is opened (the first frame does not wait for it); the tile is drawn
    again once the history says since when."""
    clock.advance(60)
    app = app_with(make_services, poll_interval=3600)  # one answer: the seeding cannot wait for more
    async with app.run_test(size=(160, 48)) as pilot:
        screen = app.screen
        history_at_first_answer = []
        screen.feed.subscribe(lambda event: history_at_first_answer.append(app.services.history)
                              if type(event).__name__ == "SnapshotApplied" else None)
        await until(pilot, lambda: history_at_first_answer, timeout=30)
        assert history_at_first_answer == [None]  # the first frame does not wait for the history
        await settle(app, pilot)
        await until(pilot, lambda: screen.board.get(A).since_known, timeout=30)
        await settle(app, pilot)
        board = screen.board
        tile = board.get(A)
        assert tile.state is ExtensionState.ONLINE
        assert tile.since == OUTAGE[1] and tile.since_known
        assert state_age_text(tile, clock()) == "5 h 31 min"
        assert "≥" not in since_text(tile, clock(), board)
        lines = _grid_text(screen).splitlines()  # the tile as drawn: its number, then its state line
        row = next(i for i, line in enumerate(lines) if f"● {A} " in line)
        column = lines[row].index(f"● {A} ")
        assert lines[row + 1][column:column + 28].split()[:4] == ["online", "5", "h", "31"]
        assert "≥" not in lines[row + 1][column:column + 28]


def _grid_text(screen) -> str:
    grid = screen.grid
    return "\n".join(grid.render_line(y).text for y in range(grid.size.height))


def test_seeding_keeps_what_the_board_saw_itself():
    start = datetime(2026, 11, 27, 9, 0, tzinfo=VN)
    board = ExtensionBoard(["100", "101", "102"], now=start, seen={"102": start - timedelta(hours=5)})
    board.apply(_snapshot({"100": 1, "101": 1}), start)
    board.apply(_snapshot({"100": 1}), start + timedelta(minutes=5))  # 101 went offline: seen
    starts = {
        "100": (ExtensionState.ONLINE, start - timedelta(days=2)),
        "101": (ExtensionState.ONLINE, start - timedelta(days=1)),  # stale: the board knows better
        "102": (ExtensionState.OFFLINE, start - timedelta(hours=5)),
    }
    assert board.seed_since(starts, inexact={"102"}) == ["100", "102"]
    assert board.get("100").since_known and board.get("100").since == start - timedelta(days=2)
    assert board.get("101").since == start + timedelta(minutes=5)
    assert not board.get("102").since_known  # a bound, but a better one
    assert state_age_text(board.get("102"), start + timedelta(minutes=5)) == "≥5 h 5 min"


def _snapshot(devices: dict[str, int]):
    from ccall_tui.api.registrations import Registration, RegistrationsSnapshot

    return RegistrationsSnapshot(extensions={
        ext: [Registration(ext, f"{ext}@t", call_id=f"{ext}-{i}") for i in range(n)] for ext, n in devices.items()
    })


# --------------------------------------------------------------------------- the wall


async def test_the_wall_says_what_happened_since_you_last_looked(day, make_services, clock):
    app = app_with(make_services, wall=True)
    async with app.run_test(size=(180, 50)) as pilot:
        await settle(app, pilot)
        await settle(app, pilot)
        panel = app.screen.query_one(SincePanel)
        # the app opens the history in a thread as it starts: the panel shows it once it is open
        await until(pilot, lambda: "changes" in panel.shown_text.plain, timeout=30)
        await settle(app, pilot)
        assert panel.region.width == 44
        lines = panel.shown_text.plain.splitlines()
        changes = day.history.changes(clock() - timedelta(hours=12), clock(), reachability=True)
        assert lines[0].startswith(f"{len(changes)} changes")
        assert panel.border_title == "Since you last looked (12 h)"  # the history reaches back a day
        # who was offline longest, as the simulator's answers had it
        since = clock() - timedelta(hours=12)
        runs = longest_offline(day, since, clock())
        listed = lines[lines.index("Offline longest") + 1:lines.index("Latest") - 1]
        expected = sorted(runs.items(), key=lambda item: (-item[1][0], int(item[0])))[:len(listed)]
        assert [line.split()[1] for line in listed] == [ext for ext, _run in expected]
        for line, (ext, (seconds, start)) in zip(listed, expected):
            assert line.startswith(f"○ {ext} {format_age(seconds)} from {moment_text(start, clock())}")
        assert len(listed) == 5
        latest = lines[lines.index("Latest") + 1:]
        newest = max(changes, key=lambda c: c.at)
        assert latest[0].startswith(f"{newest.at:%H:%M} {newest.new.glyph} {newest.extension} {change_words(newest)}")


def longest_offline(day, since, until) -> dict[str, tuple[float, datetime]]:
    """Each extension's longest stretch offline (seen online before, absent from the answers)
    within since..until: (seconds, start)."""
    seen: set[str] = set()
    runs: dict[str, tuple[float, datetime]] = {}
    began: dict[str, datetime] = {}
    for (at, up), (nxt, _) in zip(day.truth, day.truth[1:] + [(until, frozenset())]):
        for ext in seen - up:
            began.setdefault(ext, max(at, since))
        for ext in up:
            began.pop(ext, None)
        seen |= up
        for ext, start in began.items():
            length = (min(nxt, until) - start).total_seconds()
            if length > runs.get(ext, (0.0, start))[0]:
                runs[ext] = (length, start)
    return runs


async def test_the_wall_panel_gives_way_on_a_small_terminal(day, make_services):
    app = app_with(make_services, wall=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        panel = app.screen.query_one(SincePanel)
        assert panel.region.width == 0
        assert isinstance(app.screen, MonitorScreen)


async def test_without_history_the_wall_keeps_its_room(make_services):
    app = app_with(make_services, state_dir=None, wall=True)
    async with app.run_test(size=(180, 50)) as pilot:
        await settle(app, pilot)
        await pilot.pause(2.5)
        panel = app.screen.query_one(SincePanel)
        assert panel.region.width == 0 and not panel.has_class("-ready")


async def test_a_young_history_is_summarised_as_soon_as_it_has_something_to_say(
        sim, clock, profile, credentials, make_services):
    """A wall started minutes ago: nothing to tell yet, the panel stays away; once a phone
    drops it shows, titled with since when it tells (never as if it covered 12 hours)."""
    from history_day import start_recording

    for ext in ("100", "101"):
        sim.tenant.force_online(ext)
    recorded = start_recording(sim, clock, profile, credentials)
    began = clock()
    try:
        await recorded.poll()
        assert recorded.history.flush()
        app = app_with(make_services, wall=True)
        async with app.run_test(size=(180, 50)) as pilot:
            await settle(app, pilot)
            await pilot.pause(2.5)
            await settle(app, pilot)
            panel = app.screen.query_one(SincePanel)
            assert panel.region.width == 0 and not panel.has_class("-ready"), panel.shown_text.plain

        clock.advance(60)
        sim.tenant.force_offline("101")
        await recorded.poll()
        assert recorded.history.flush()
        app = app_with(make_services, wall=True)
        async with app.run_test(size=(180, 50)) as pilot:
            await settle(app, pilot)
            panel = app.screen.query_one(SincePanel)
            await until(pilot, lambda: panel.has_class("-ready"), timeout=30)
            await settle(app, pilot)
            assert panel.region.width == 44
            assert panel.border_title == f"Since {began:%H:%M}, when the history began"
            lines = panel.shown_text.plain.splitlines()
            changes = recorded.history.changes(began, clock(), reachability=True)
            offline = sum(1 for c in changes if c.new is ExtensionState.OFFLINE)
            assert lines[0].startswith(f"{len(changes)} change") and f": {offline} went offline" in lines[0]
            assert any(c.extension == "101" and c.new is ExtensionState.OFFLINE for c in changes)
            assert any(line.startswith(f"{clock():%H:%M} ○ 101 offline") for line in lines)
            assert "12 hours" not in panel.shown_text.plain
    finally:
        recorded.close()


def test_the_panel_never_claims_more_than_the_history_covers():
    from ccall_tui.ui.widgets.since_panel import SinceData, since_lines, since_title

    now = datetime(2026, 11, 27, 11, 0, tzinfo=VN)
    began = now - timedelta(minutes=18)
    young = SinceData([], [], began)
    assert since_title(young, now) == "Since 10:42, when the history began"
    assert since_lines(young, now, {}).plain == "No changes since 10:42"
    old = SinceData([], [], None)
    assert since_title(old, now) == "Since you last looked (12 h)"
    assert since_lines(old, now, {}).plain == "No changes in the last 12 hours"


# --------------------------------------------------------------------------- the recorder's warning


async def test_a_damaged_history_is_said_once_on_the_status_line(make_services, profile, notes, clock):
    """The file under the history is garbage: the recorder moves it aside, starts a new one
    and says so; the board's status line carries that one line for a few minutes, and the
    board goes on."""
    from ccall_tui.recorder.db import history_path
    from ccall_tui.ui.screens.monitor import MonitorScreen
    from ccall_tui.ui.widgets.textline import TextLine

    path = history_path(profile.name, profile.base_url, profile.domain_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"this is not a database " * 200)
    app = app_with(make_services)
    async with app.run_test(size=(160, 48), message_hook=notes) as pilot:
        await settle(app, pilot)
        await until(pilot, lambda: app.services.history_problem is not None, timeout=30)
        screen = app.screen
        assert isinstance(screen, MonitorScreen)
        screen._render_status()
        line = screen.query_one("#mon-status", TextLine).text.plain
        problem = app.services.history_problem
        assert line.endswith(" · history: " + problem)
        assert line.count("history:") == 1 and "damaged" in problem
        assert screen.board.updated_at is not None and screen.board.online_count > 0  # the board goes on
        assert sum("damaged" in note.message for note in notes) <= 1
        clock.advance(301)  # it records again: the line goes after five minutes
        screen._render_status()
        assert "history:" not in screen.query_one("#mon-status", TextLine).text.plain


async def test_a_locked_history_stays_on_the_status_line(make_services, profile, clock):
    """Another program holds the database locked: recording stops, the board goes on, and the
    status line keeps saying why for as long as it lasts."""
    import sqlite3

    from ccall_tui.recorder.db import history_path
    from ccall_tui.ui.widgets.textline import TextLine

    app = app_with(make_services)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        await until(pilot, lambda: app.services.history is not None and app.services.history.writing, timeout=30)
        # the first answer (on screen before the history opened) is written: nothing in hand
        assert await asyncio.to_thread(app.services.history.writer.flush)
        path = history_path(profile.name, profile.base_url, profile.domain_name)
        blocker = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            blocker.execute("BEGIN EXCLUSIVE")
            screen = app.screen
            for _ in range(3):
                clock.advance(60)
                screen.start_poll()
                await settle(app, pilot)
            history = app.services.history
            await until(pilot, lambda: history.warning is not None, timeout=30)
            assert "locked" in history.warning
            screen._render_status()
            clock.advance(600)  # still locked ten minutes on: still said
            screen._render_status()
            line = screen.query_one("#mon-status", TextLine).text.plain
            assert line.endswith(" · history: " + history.warning)
            assert screen.board.updated_at == clock() - timedelta(seconds=600)  # polling went on
        finally:
            blocker.close()
