"""The call-record browser driven by Pilot against the simulated PBX over loopback."""

from __future__ import annotations

import pytest

from ccall_tui.factory import build_app
from ccall_tui.ui.screens.cdrs import CdrBrowserScreen

SIZE = (160, 48)


def cdr_bodies(sim):
    return [r.body["submission"] for r in sim.requests if r.path == "/cdrs/json"]


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
