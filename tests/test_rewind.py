"""Rewinding the board: a day recorded against the simulator on the manual clock, then the
board at chosen minutes (``<``, ``>``, ``[``, ``]``, ``{``, ``}``, ``g``) holds exactly the
states the simulator answered then, is marked as the past, and ``Esc`` returns to live."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
from textual.widgets import Input, Static

from ccall_tui.factory import build_app
from ccall_tui.monitor.states import ExtensionState
from ccall_tui.ui.rewind_time import MomentError, Stepper, parse_moment
from ccall_tui.ui.screens.goto_time import GoToTime
from ccall_tui.ui.screens.monitor import MonitorScreen
from ccall_tui.ui.screens.rewind import RewindScreen
from ccall_tui.ui.widgets.textline import TextLine
from history_day import A, END, OUTAGE, record_day, start_recording

from conftest import VN

NOW = datetime(2026, 11, 28, 10, 30, 25, tzinfo=VN)


# --------------------------------------------------------------------------- "go to time"


@pytest.mark.parametrize(
    "text, meant",
    [
        ("10:42", datetime(2026, 11, 27, 10, 42)),  # not yet 10:42 today: yesterday's
        ("9:05", datetime(2026, 11, 28, 9, 5)),
        ("yesterday 18:00", datetime(2026, 11, 27, 18, 0)),
        ("hôm qua 18:00", datetime(2026, 11, 27, 18, 0)),
        ("2026-11-20 18:00", datetime(2026, 11, 20, 18, 0)),
        ("2026-11-20", datetime(2026, 11, 20, 0, 0)),
        ("-2h", datetime(2026, 11, 28, 8, 30)),
        ("-1h30m", datetime(2026, 11, 28, 9, 0)),
        ("2d", datetime(2026, 11, 26, 10, 30)),
        ("  10 m ago ", datetime(2026, 11, 28, 10, 20)),
    ],
)
def test_go_to_time_understands_what_people_type(text, meant):
    assert parse_moment(text, NOW) == meant.replace(tzinfo=VN)


@pytest.mark.parametrize(
    "text, says",
    [
        ("", "Type a time"),
        ("25:00", "Not a time: 25:00"),
        ("soon", "Not a time: soon"),
        ("2026-02-30 10:00", "No such date: 2026-02-30 10:00"),
        ("2026-12-24 10:00", "2026-12-24 10:00 is still to come"),
        ("2020-01-01", "too long ago"),
    ],
)
def test_go_to_time_refuses_in_one_line(text, says):
    with pytest.raises(MomentError) as refused:
        parse_moment(text, NOW)
    assert says in str(refused.value) and "\n" not in str(refused.value)


def test_holding_the_key_takes_bigger_steps():
    stepper = Stepper()
    presses = [stepper.step(-1, 0.05 * i) for i in range(45)]
    minutes = [int(p.total_seconds() // -60) for p in presses]
    assert minutes[:8] == [1] * 8 and minutes[8] == 5 and minutes[20] == 15 and minutes[40] == 60
    # a pause, or the other direction, starts again at a minute
    assert stepper.step(-1, 10.0) == timedelta(minutes=-1)
    assert stepper.step(1, 10.1) == timedelta(minutes=1)


# --------------------------------------------------------------------------- the rewound board


@pytest.fixture
async def day(sim, clock, profile, credentials):
    recorded = await record_day(sim, clock, profile, credentials)
    yield recorded
    recorded.close()


async def settle(app, pilot) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


def banner(screen) -> str:
    return screen.query_one("#rw-banner", TextLine).text.plain


def online_on(screen) -> frozenset[str]:
    return frozenset(e for e, t in screen.board.tiles.items() if t.state is ExtensionState.ONLINE)


async def go_to(app, pilot, text: str) -> None:
    await pilot.press("g")
    await settle(app, pilot)
    assert isinstance(app.screen, GoToTime)
    app.screen.query_one(Input).value = text
    await pilot.press("enter")
    await settle(app, pilot)


async def test_the_board_a_minute_ago_is_what_the_simulator_answered(day, make_services):
    app = build_app(make_services())
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        live = app.screen
        await pilot.press("less_than_sign")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, RewindScreen)
        assert screen.at == END - timedelta(minutes=1)
        expected = day.online_at(screen.at)
        assert online_on(screen) == expected
        # online as the live header counts it: registered and answering pings (◐ apart)
        deaf = len(day.history.board_at(screen.at).unreachable)
        apart = f" · ◐ {deaf} unreachable" if deaf else ""
        assert banner(screen) == (
            f"◀◀ PAST · 2026-11-28 10:29 (PBX time) · {len(expected) - deaf} of 60 online{apart} · 60 s ago · "
            "Esc: back to live"
        )
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is live


async def test_going_to_the_night_shows_the_outage_and_the_changes_around_it(day, make_services):
    app = build_app(make_services())
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        await go_to(app, pilot, "02:10")
        screen = app.screen
        assert isinstance(screen, RewindScreen)
        assert screen.at == OUTAGE[0] + timedelta(minutes=10)
        assert screen.board.get(A).state is ExtensionState.OFFLINE
        assert online_on(screen) == day.online_at(screen.at)
        lines = screen.query_one("#rw-changes-text", Static).render().plain.splitlines()
        marker = lines.index("── shown: 02:10 ──")
        went = [i for i, line in enumerate(lines) if line.startswith(f"02:00 ○ {A} offline")]
        assert went and went[0] > marker  # before the moment: below it, newest first
        assert all(line[:5] >= "02:10" for line in lines[:marker])
        assert str(screen.query_one("#rw-changes").border_title) == "Changes 01:40–02:40"


async def test_stepping_through_time_keeps_to_the_recording(day, make_services):
    app = build_app(make_services())
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        await go_to(app, pilot, "04:58")
        screen = app.screen
        steps = [
            ("greater_than_sign", OUTAGE[1] - timedelta(minutes=1)),
            ("greater_than_sign", OUTAGE[1]),
            ("left_square_bracket", OUTAGE[1] - timedelta(hours=1)),
            ("right_square_bracket", OUTAGE[1]),
            ("less_than_sign", OUTAGE[1] - timedelta(minutes=1)),
        ]
        for key, moment in steps:
            await pilot.press(key)
            await settle(app, pilot)
            assert screen.at == moment, key
            assert online_on(screen) == day.online_at(moment), key
            assert (screen.board.get(A).state is ExtensionState.ONLINE) == (moment >= OUTAGE[1])
        # A is back: its tile changed in the minute shown, so it is highlighted
        await pilot.press("greater_than_sign")
        await settle(app, pilot)
        assert screen.board.get(A).changed_at == OUTAGE[1]
        # a day back is before the history began: said, and nothing drawn as if known
        await pilot.press("left_curly_bracket")
        await settle(app, pilot)
        assert "history begins Fri 10:30" in banner(screen)
        assert len(screen.board) == 0


async def test_stepping_into_the_present_returns_to_live(day, make_services):
    app = build_app(make_services())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("less_than_sign")
        await settle(app, pilot)
        assert isinstance(app.screen, RewindScreen)
        await pilot.press("greater_than_sign")
        await settle(app, pilot)
        assert isinstance(app.screen, MonitorScreen)


async def test_a_wrong_time_is_explained_and_nothing_moves(day, make_services):
    app = build_app(make_services())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await go_to(app, pilot, "25:99")
        assert isinstance(app.screen, GoToTime)
        error = str(app.screen.query_one("#goto-error", Static).render())
        assert error.startswith("Not a time: 25:99")
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, MonitorScreen)


async def test_when_polling_had_failed_the_past_says_so(sim, clock, profile, credentials, make_services):
    """Ten minutes of good answers, five of 503s, ten good again: the board in the failing
    minutes is the last known one, dimmed, and the banner says polling had failed."""
    recording = start_recording(sim, clock, profile, credentials)
    try:
        await recording.poll()
        for minute in range(1, 26):
            sim.faults.status_5xx = 503 if 10 <= minute < 15 else None
            clock.advance(60)
            await recording.poll()
        assert recording.history.flush()
        start = recording.truth[0][0]
        app = build_app(make_services())
        async with app.run_test(size=(160, 48)) as pilot:
            await settle(app, pilot)
            await go_to(app, pilot, (start + timedelta(minutes=12)).strftime("%H:%M"))
            screen = app.screen
            assert "polling had failed then" in banner(screen)
            assert screen.grid.stale
            changes = screen.query_one("#rw-changes-text", Static).render().plain
            assert f"{(start + timedelta(minutes=10)):%H:%M}–{(start + timedelta(minutes=15)):%H:%M} no data:" in changes
            await pilot.press("left_square_bracket")  # an hour back: before anything was recorded
            await settle(app, pilot)
            await go_to(app, pilot, (start + timedelta(minutes=5)).strftime("%H:%M"))
            assert "polling had failed" not in banner(app.screen) and not app.screen.grid.stale
    finally:
        recording.close()


async def test_without_history_the_rewind_says_so(make_services):
    app = build_app(make_services(state_dir=None))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("less_than_sign")
        await settle(app, pilot)
        assert isinstance(app.screen, RewindScreen)
        assert " (PBX time) · No history yet · 60 s ago · " in banner(app.screen)
        assert len(app.screen.board) == 0


# --------------------------------------------------------------------------- how it looks


@pytest.mark.parametrize("size", [(160, 48), (80, 24)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_rewind_picture(snap_compare, sim, clock, profile, credentials, make_services, size):
    recorded = asyncio.run(record_day(sim, clock, profile, credentials))

    async def run_before(pilot) -> None:
        app = pilot.app
        await settle(app, pilot)
        await go_to(app, pilot, "02:10")

    try:
        assert snap_compare(build_app(make_services(poll_interval=3600)), terminal_size=size, run_before=run_before)
    finally:
        recorded.close()


@pytest.mark.parametrize("size", [(160, 48), (80, 24)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_details_strips_picture(snap_compare, sim, clock, profile, credentials, make_services, size):
    recorded = asyncio.run(record_day(sim, clock, profile, credentials))

    async def run_before(pilot) -> None:
        app = pilot.app
        await settle(app, pilot)
        app.screen.open_extension(A)
        await settle(app, pilot)
        # the calls table (not this picture's subject) sizes its columns by when its rows
        # came: loaded again once the screen is laid out, they always come after
        app.screen.action_reload_calls()
        await settle(app, pilot)

    try:
        assert snap_compare(build_app(make_services(poll_interval=3600)), terminal_size=size, run_before=run_before)
    finally:
        recorded.close()


async def test_help_explains_the_keys_of_the_past(day, make_services):
    from ccall_tui.ui.screens.help import HelpScreen

    app = build_app(make_services())
    async with app.run_test(size=(120, 50)) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        await settle(app, pilot)
        board_help = app.screen.query_one(Static).render().plain
        assert "  <               Rewind" in board_help and "  g               Go to time" in board_help
        await pilot.press("escape", "less_than_sign")
        await settle(app, pilot)
        await pilot.press("question_mark")
        await settle(app, pilot)
        assert isinstance(app.screen, HelpScreen)
        text = app.screen.query_one(Static).render().plain
        for line in ("  <               Minute back", "  ]               Hour on", "  }               Day on",
                     "  escape          Back to live"):
            assert line in text
        # the explanation follows the screen's own keys, before the app's
        assert text.index("held down they step 5, 15, then 60 minutes") < text.index("Everywhere")


def test_a_busy_hour_lists_the_changes_nearest_the_moment():
    from ccall_tui.recorder.model import BoardAt, StateChange
    from ccall_tui.ui.widgets.rewind_parts import NEAREST, RewindData, changes_text

    at = datetime(2026, 11, 28, 10, 0, tzinfo=VN)
    changes = [StateChange(at + timedelta(seconds=5 * i), str(100 + i % 50), ExtensionState.ONLINE,
                           ExtensionState.OFFLINE) for i in range(-300, 300)]
    data = RewindData(BoardAt(at, {}, {}, {}, True, True), changes, [], at)
    lines = changes_text(data, at, at + timedelta(hours=1), {}).plain.splitlines()
    marker = lines.index("── shown: 10:00 ──")
    assert lines[0] == "… 199 later" and lines[-1] == "… 201 earlier"
    assert marker == NEAREST + 1 and len(lines) == 2 * NEAREST + 3
    assert lines[marker - 1].startswith("10:00 ") and lines[marker + 1].startswith("10:00 ○ 100 offline")
