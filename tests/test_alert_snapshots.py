"""What alerts look like, frozen in time: the banner above the board and on the wall, and the
alert list."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ccall_tui.factory import build_app

RULES = """\
[[profiles.test.rules]]
name = "front desk down"
kind = "offline"
extensions = ["103"]
minutes = 5
severity = "critical"

[[profiles.test.rules]]
name = "sales phone down"
kind = "offline"
extensions = ["Kinh doanh"]
minutes = 5
"""


@pytest.fixture
def alert_app(make_services, profile, sim, isolated):
    path = isolated / "config" / "alerts.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(RULES, encoding="utf-8")

    def make(*, wall: bool = False):
        shown = replace(profile, roster=("100-165",), labels={"100": "Lễ tân", "110": "Kinh doanh"},
                        discover_from_cdrs=False)
        for ext in ("103", "110"):
            sim.tenant.force_online(ext)
        return build_app(make_services(profile=shown, poll_interval=3600, wall=wall))

    return make


async def _settle(pilot) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def _two_down(sim, clock, *, open_list: bool = False):
    async def run(pilot):
        await _settle(pilot)
        sim.tenant.force_offline("103")
        sim.tenant.force_offline("110")
        clock.advance(60)
        pilot.app.screen.start_poll()
        await _settle(pilot)
        clock.advance(6 * 60)
        screen = pilot.app.screen
        screen.alerts_ui.engine.tick()
        clock.advance(75)
        screen.alerts_ui.refresh()
        screen._tick()
        await pilot.pause()
        if open_list:
            await pilot.press("a")
            await _settle(pilot)
            await pilot.press("down", "a")
            await _settle(pilot)

    return run


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_banner_above_the_board(snap_compare, alert_app, sim, clock, size):
    assert snap_compare(alert_app(), terminal_size=size, run_before=_two_down(sim, clock))


def test_banner_on_the_wall(snap_compare, alert_app, sim, clock):
    assert snap_compare(alert_app(wall=True), terminal_size=(160, 48), run_before=_two_down(sim, clock))


def test_alert_list(snap_compare, alert_app, sim, clock):
    assert snap_compare(alert_app(), terminal_size=(120, 30), run_before=_two_down(sim, clock, open_list=True))
