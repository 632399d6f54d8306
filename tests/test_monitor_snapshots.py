"""What the board looks like, frozen in time: the grid and wall mode at 80x24 and 160x48."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ccall_tui.factory import build_app

SIZES = [(80, 24), (160, 48)]


@pytest.fixture
def board_app(make_services, profile, sim):
    def make(*, wall: bool = False):
        shown = replace(
            profile,
            roster=("100-165",),
            labels={"100": "Lễ tân", "101": "Kế toán"},
            discover_from_cdrs=True,
        )
        for ext in ("103", "110"):
            sim.tenant.force_online(ext)
        sim.tenant.force_online("104", devices=3)
        return build_app(make_services(profile=shown, poll_interval=3600, wall=wall))

    return make


async def _settle(pilot) -> None:
    app = pilot.app
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


def _after_changes(sim, clock):
    async def run(pilot):
        await _settle(pilot)
        sim.tenant.force_offline("103")
        sim.tenant.force_offline("110")
        clock.advance(7 * 60)
        pilot.app.screen.start_poll()
        await _settle(pilot)
        clock.advance(3)  # the two drops are 3 s old: still highlighted
        pilot.app.screen._tick()
        await pilot.pause()

    return run


def _after_failure(sim, clock):
    """Three minutes after the PBX started answering 503: the last good data, stale."""

    async def run(pilot):
        await _settle(pilot)
        pilot.app.screen.status.backoff.jitter = 0  # a fixed "retrying in"
        sim.faults.status_5xx = 503
        clock.advance(180)
        pilot.app.screen.start_poll()
        await _settle(pilot)

    return run


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_grid(snap_compare, board_app, sim, clock, size):
    assert snap_compare(board_app(), terminal_size=size, run_before=_after_changes(sim, clock))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_wall(snap_compare, board_app, sim, clock, size):
    changes = _after_changes(sim, clock)

    async def run(pilot):
        await changes(pilot)
        # the panel reads the history again on a timer of real seconds: read it now, after the
        # changes, as it would within the minute
        from ccall_tui.ui.widgets.since_panel import SincePanel

        for panel in pilot.app.screen.query(SincePanel):
            panel.load()
        await _settle(pilot)

    assert snap_compare(board_app(wall=True), terminal_size=size, run_before=run)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_wall_stale(snap_compare, board_app, sim, clock, size):
    assert snap_compare(board_app(wall=True), terminal_size=size, run_before=_after_failure(sim, clock))


def test_grid_stale(snap_compare, board_app, sim, clock):
    """Stale data on the normal board: the banner, and every tile greyed out and dim."""
    assert snap_compare(board_app(), terminal_size=(80, 24), run_before=_after_failure(sim, clock))
