"""Alerts in the TUI: the banner above the board, the bell, the alert list (acknowledge,
snooze), and a broken rules file as one line while the board goes on."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from textual.widgets import DataTable

from ccall_tui.factory import build_app
from ccall_tui.ui.screens.alerts import AlertListScreen
from ccall_tui.ui.screens.monitor import MonitorScreen
from ccall_tui.ui.widgets.alert_banner import AlertBanner

RULES = """\
[[profiles.test.rules]]
name = "front desk down"
kind = "offline"
extensions = ["105", "106"]
minutes = 1
severity = "critical"
"""


async def settle(app, pilot) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


@pytest.fixture
def rules_file(isolated):
    path = isolated / "config" / "alerts.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(RULES, encoding="utf-8")
    return path


async def start(make_services, profile, sim, pilot_size=(120, 36)):
    shown = replace(profile, roster=("100-159",), discover_from_cdrs=False)
    return build_app(make_services(profile=shown, poll_interval=3600))


async def two_down(app, pilot, sim, clock):
    screen = app.screen
    assert isinstance(screen, MonitorScreen)
    sim.tenant.force_offline("105")
    sim.tenant.force_offline("106")
    screen.start_poll()
    await settle(app, pilot)
    clock.advance(90)
    screen.alerts_ui.engine.tick()
    await settle(app, pilot)
    return screen


async def test_the_banner_shows_unacknowledged_alerts_and_the_bell_rings(make_services, profile, sim, clock,
                                                                         rules_file, monkeypatch):
    sim.tenant.force_online("105")
    sim.tenant.force_online("106")
    app = await start(make_services, profile, sim)
    rings = []
    monkeypatch.setattr(type(app), "bell", lambda self: rings.append(1))
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        banner = app.screen.query_one("#mon-alerts", AlertBanner)
        assert not banner.has_class("-shown")
        screen = await two_down(app, pilot, sim, clock)
        assert banner.has_class("-shown") and banner.has_class("-critical")
        text = str(banner.render())
        # the two alerts of one rule are one line of the banner (a site down is not forty lines)
        assert "‼ 2 extensions offline: 105, 106  0 s ago" in text and "has been offline" not in text
        assert len(rings) == 1  # one bell for the two alerts of one tick
        assert len(app.services.alert_engine.active) == 2  # what --metrics reads

        await pilot.press("a")
        await settle(app, pilot)
        assert isinstance(app.screen, AlertListScreen)
        table = app.screen.query_one(DataTable)
        assert table.row_count == 2
        await pilot.press("a")  # acknowledge the first row (106: newest first)
        await pilot.press("down", "z")  # snooze the second (105)
        await settle(app, pilot)
        states = sorted(alert.state(clock()) for alert in screen.alerts_ui.engine.active)
        assert states == ["acknowledged", "snoozed"]
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is screen
        assert not banner.has_class("-shown")  # nothing left that asks for someone

        sim.tenant.force_online("105")
        sim.tenant.force_online("106")
        screen.start_poll()
        await settle(app, pilot)
        screen.alerts_ui.engine.tick()
        await pilot.press("a")
        await settle(app, pilot)
        assert "0 active, 2 resolved recently" in str(app.screen.query_one("#alerts-title").render())

        # every step is in the profile's flight recorder
        history = app.services.history
        assert history.flush()
        recorded = history.events(clock() - timedelta(hours=1), clock())
        steps = sorted((event.kind, event.extension) for event in recorded if event.kind.startswith("alert_"))
        assert steps == [("alert_acknowledged", "106"), ("alert_fired", "105"), ("alert_fired", "106"),
                         ("alert_resolved", "105"), ("alert_resolved", "106"), ("alert_snoozed", "105")]


async def test_a_broken_rules_file_is_one_line_and_the_board_goes_on(make_services, profile, sim, isolated, notes):
    path = isolated / "config" / "alerts.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('[[profiles.test.rules]]\nname = "x"\nkind = "offline"\nminutes = "five"\n', encoding="utf-8")
    app = await start(make_services, profile, sim)
    async with app.run_test(size=(100, 30), message_hook=notes) as pilot:
        await settle(app, pilot)
        messages = [n.message for n in notes]
        assert any("alerts.toml, line 4: profiles.test.rules[1].minutes: must be a number of minutes" in m
                   for m in messages), messages
        assert app.screen.alerts_ui.engine is None
        assert app.screen.board.updated_at is not None  # polled all the same
        await pilot.press("a")
        await settle(app, pilot)
        assert isinstance(app.screen, MonitorScreen)


async def test_without_rules_there_is_no_engine_and_no_banner(make_services, profile, sim):
    app = await start(make_services, profile, sim)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        assert app.screen.alerts_ui.engine is None
        assert not app.screen.query_one("#mon-alerts", AlertBanner).has_class("-shown")


async def test_a_short_terminal_keeps_its_board(make_services, profile, sim, clock, isolated):
    path = isolated / "config" / "alerts.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(  # three rules: three lines (one rule's alerts are one line)
        RULES.replace('["105", "106"]', f'["{ext}"]').replace('name = "', f'name = "{ext} ')
        for ext in ("105", "106", "107")), encoding="utf-8")
    for ext in ("105", "106", "107"):
        sim.tenant.force_online(ext)
    app = await start(make_services, profile, sim)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        sim.tenant.force_offline("107")
        await two_down(app, pilot, sim, clock)
        banner = app.screen.query_one("#mon-alerts", AlertBanner)
        text = str(banner.render())
        assert text.count("has been offline") == 2 and "… and 1 more (a: the alert list)" in text
        assert banner.size.height == 3
