"""Rewind shows the unreachable state: an extension registered but not answering pings at a
past minute is ◐ on the rewound board, counted apart in the banner as the live header counts
it, and its turning is in the changes around the minute; the details' strips and timeline
say it too. Recorded against the simulator's scenario on the manual clock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rich.text import Text
from textual.widgets import Static

from ccall_tui.factory import build_app
from ccall_tui.monitor.states import ExtensionState
from ccall_tui.recorder.model import Strip
from ccall_tui.sim.troubles import install
from ccall_tui.ui.screens.rewind import RewindScreen
from ccall_tui.ui.widgets.availability_strip import strip_lines, uptime_text
from ccall_tui.ui.widgets.extension_history import fetch, timeline_row
from ccall_tui.ui.widgets.textline import TextLine
from history_day import start_recording
from test_rewind import go_to, settle

UNREACHABLE, ONLINE = ExtensionState.UNREACHABLE, ExtensionState.ONLINE
DEAF = "105"


@pytest.fixture
async def recorded(sim, clock, profile, credentials):
    """40 minutes, a poll a minute: 105 stops answering pings at +10 and answers at +25."""
    sim.tenant.force_online(DEAF)
    day = start_recording(sim, clock, profile, credentials)
    start = clock()
    await day.poll()
    for minute in range(1, 41):
        clock.advance(60)
        if minute == 10:
            install(sim.tenant, "unreachable", DEAF, clock())
        if minute == 25:
            install(sim.tenant, "none", DEAF)
        await day.poll()
    assert day.history.flush()
    yield day, start
    day.close()


async def test_rewind_shows_the_unreachable_state_at_a_past_minute(recorded, make_services):
    day, start = recorded
    app = build_app(make_services(poll_interval=3600))
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        moment = start + timedelta(minutes=15)
        await go_to(app, pilot, moment.strftime("%H:%M"))
        screen = app.screen
        assert isinstance(screen, RewindScreen) and screen.at == moment
        past = day.history.board_at(moment)
        shown = {ext for ext, tile in screen.board.tiles.items() if tile.shown is UNREACHABLE}
        assert DEAF in shown and shown == set(past.unreachable)
        assert screen.board.tiles[DEAF].state is ONLINE  # registered: its state stays online
        registered = sum(1 for state in past.states.values() if state is ONLINE)
        banner = screen.query_one("#rw-banner", TextLine).text.plain
        assert f" · {registered - len(shown)} of {len(past.states)} online · ◐ {len(shown)} unreachable · " in banner
        changes = str(screen.query_one("#rw-changes-text", Static).render())
        assert f"◐ {DEAF} unreachable (no answer to pings)" in changes
        # newest first: it turned before the minute shown, and answered again after it
        marker = changes.index("── shown: ")
        assert changes.index(f"◐ {DEAF} unreachable") > marker > changes.index(f"● {DEAF} answers pings again")

        await go_to(app, pilot, (start + timedelta(minutes=30)).strftime("%H:%M"))
        assert app.screen.board.tiles[DEAF].shown is ONLINE
        changes = str(app.screen.query_one("#rw-changes-text", Static).render())
        assert f"● {DEAF} answers pings again" in changes


async def test_the_details_say_how_long_it_was_unreachable(recorded, clock):
    day, start = recorded
    data = fetch(day.history, DEAF, clock())
    assert data is not None
    words = [timeline_row(item, clock())[1].plain for item in data.timeline]
    assert "● answers pings again" in words and "◐ unreachable (no answer to pings)" in words
    assert data.day.unreachable_pct == pytest.approx(100 * 15 / 40)
    top, _axis = strip_lines(data.day, "24 h", 120)
    assert "◐" in top.plain.split("  ")[0]  # the hour it happened in
    assert "· ◐ 37.5 % unreachable" in top.plain


def test_a_partly_unreachable_slice_has_its_own_glyph():
    from datetime import datetime

    from conftest import VN

    since = datetime(2026, 11, 27, 0, 0, tzinfo=VN)
    strip = Strip([1.0, 1.0, 0.5, None, 0.0], 80.0, 1, since, since + timedelta(hours=5),
                  [0.0, 0.4, 0.001, None, None], 10.0)
    top, _axis = strip_lines(strip, "24 h", 80)
    assert top.plain.startswith("24 h ▇◐▄·░")  # a sliver of a poll is not worth the glyph
    assert uptime_text(strip) == "80.0 % online · 1 flap · ◐ 10.0 % unreachable"
    quiet = Strip([1.0], 100.0, 0, since, since + timedelta(hours=1))  # an older reader's strip
    assert strip_lines(quiet, "24 h", 80)[0].plain.startswith("24 h ▇  100 % online · 0 flaps")
    assert isinstance(top, Text)
