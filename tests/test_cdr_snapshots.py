"""Snapshots of the call browser with the detail pane open, frozen clock, three terminal sizes;
and the filter form opened in a small terminal."""

from __future__ import annotations

import pytest

from ccall_tui.factory import build_app


async def _detail_open(pilot) -> None:
    app = pilot.app
    await app.switch_mode("cdrs")
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()
    screen = app.screen
    # an answered call without a recording link: the link would carry the simulator's random port
    index = next(
        i for i, r in enumerate(screen.table.records) if r.mos is not None and not r.recording_url
    ) if any(r.mos is not None and not r.recording_url for r in screen.table.records) else next(
        i for i, r in enumerate(screen.table.records) if not r.recording_url
    )
    screen.table.move_cursor(row=index)
    screen.table.focus()
    await pilot.press("enter")
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (160, 48)], ids=["80x24", "120x40", "160x48"])
def test_browser_with_detail_pane(snap_compare, make_services, size):
    app = build_app(make_services())
    assert snap_compare(app, terminal_size=size, run_before=_detail_open)


async def _form_open(pilot) -> None:
    app = pilot.app
    await app.switch_mode("cdrs")
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.press("f")
    app.screen.focused.cursor_blink = False  # the picture must not depend on the blink's phase
    await pilot.pause()


def test_small_terminal_with_the_form_open(snap_compare, make_services):
    app = build_app(make_services())
    assert snap_compare(app, terminal_size=(80, 24), run_before=_form_open)
