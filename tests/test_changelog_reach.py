"""The change log says when a registered phone stops answering the PBX's pings and when it
answers again, in the log's own style (time, glyph, extension, words, name) and in both
languages; driven by the simulator's scenario over loopback HTTP."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from ccall_tui import i18n
from ccall_tui.factory import build_app
from ccall_tui.monitor.history import BoardEvent
from ccall_tui.monitor.states import ExtensionState
from ccall_tui.sim.troubles import install
from ccall_tui.ui.screens.monitor import MonitorScreen
from ccall_tui.ui.widgets.changelog import ChangeLogView, describe

ONLINE, UNREACHABLE, OFFLINE = ExtensionState.ONLINE, ExtensionState.UNREACHABLE, ExtensionState.OFFLINE


@pytest.fixture
def roster_profile(profile):
    return replace(profile, roster=("100-159",), discover_from_cdrs=False)


async def poll(app, pilot, clock) -> MonitorScreen:
    clock.advance(5)
    screen = app.screen
    assert isinstance(screen, MonitorScreen)
    await app.workers.wait_for_complete()
    screen.start_poll()
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()
    screen._tick()  # the log is drawn with the tick that follows a poll
    await pilot.pause()
    return screen


def log_lines(log: ChangeLogView) -> list[str]:
    return [log.render_line(y).text.rstrip() for y in range(log.size.height)]


async def test_reachability_changes_are_in_the_change_log(make_services, roster_profile, sim, clock):
    sim.tenant.force_online("105")
    app = build_app(make_services(profile=roster_profile, poll_interval=3600))
    async with app.run_test(size=(220, 40)) as pilot:
        await poll(app, pilot, clock)
        install(sim.tenant, "unreachable", "105", clock())
        screen = await poll(app, pilot, clock)
        log = screen.query_one(ChangeLogView)
        assert "◐ 105 unreachable (no answer" in log_lines(log)[0]  # (as much as the panel holds)
        assert describe(screen.board.events.latest(1)[0]) == "105 unreachable (no answer to pings)"
        assert screen.board.tiles["105"].shown is UNREACHABLE

        install(sim.tenant, "none", "105")
        screen = await poll(app, pilot, clock)
        lines = log_lines(log)
        assert "● 105 answers pings again" in lines[0]
        assert "◐ 105 unreachable (no answer" in lines[1]
        # the glyph in the amber of the unreachable state
        strip = log.render_line(1)
        glyph = next(segment for segment in strip if segment.text.startswith("◐"))
        assert glyph.style.color == log.get_component_rich_style("changelog--unreachable").color
        wide = describe(screen.board.events.latest(1)[0])
        assert wide == "105 answers pings again"

        # a phone that drops while not answering is an offline line, nothing more
        install(sim.tenant, "unreachable", "105", clock())
        await poll(app, pilot, clock)
        sim.tenant.force_offline("105")
        install(sim.tenant, "none", "105")
        screen = await poll(app, pilot, clock)
        lines = log_lines(log)
        assert "○ 105 offline" in lines[0] and "◐ 105 unreachable" in lines[1]
        assert not any("answers pings again" in line for line in lines[:1])


def test_the_words_in_both_languages():
    at = datetime(2026, 11, 27, 10, 42, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    went = BoardEvent(at, "105", ONLINE, UNREACHABLE, 1, 1)
    back = BoardEvent(at, "105", UNREACHABLE, ONLINE, 1, 1)
    assert describe(went) == "105 unreachable (no answer to pings)"
    assert describe(back) == "105 answers pings again"
    assert describe(BoardEvent(at, "105", ONLINE, OFFLINE)) == "105 offline"
    try:
        i18n.set_language("vi")
        assert describe(went) == "105 mất liên lạc (không trả lời ping)"
        assert describe(back) == "105 trả lời ping trở lại"
    finally:
        i18n.set_language("en")
