"""Wall mode fits every extension it can: the largest tiles that show them all, no scrolling,
offline first, "+N more" only when even the glyph and the number of each cannot fit; Esc
leaves it."""

from __future__ import annotations

from dataclasses import replace

import pytest
from textual.widgets import Digits

from ccall_tui.factory import build_app
from ccall_tui.monitor.states import ExtensionState
from ccall_tui.ui.screens.monitor import MonitorScreen
from ccall_tui.ui.widgets.tile_draw import LINE, TINY

ONLINE = ExtensionState.ONLINE


async def settle(app, pilot) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


@pytest.fixture
def big_sim(clock):
    """A tenant of 300 extensions (100-399)."""
    from ccall_tui.sim.server import SimulatedPbx

    pbx = SimulatedPbx(seed=7, extensions=300, clock=clock)
    pbx.start()
    yield pbx
    pbx.stop()


def wall_app(make_services, profile, base_url: str, last: int):
    shown = replace(profile, base_url=base_url, roster=(f"100-{last}",), discover_from_cdrs=False)
    return build_app(make_services(profile=shown, poll_interval=3600, wall=True))


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("count", [60, 300])
async def test_the_wall_shows_every_extension_without_scrolling(make_services, profile, sim, big_sim, size, count):
    pbx = sim if count == 60 else big_sim
    pbx.tenant.force_online("105")
    app = wall_app(make_services, profile, pbx.base_url, 99 + count)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, MonitorScreen)
        pbx.tenant.force_offline("105")  # seen, then gone: offline
        screen.start_poll()
        await settle(app, pilot)
        grid = screen.grid
        assert len(grid.order) == count
        assert grid.shown == count and grid.hidden == 0
        assert grid.virtual_size.height <= grid.size.height  # nothing to scroll to
        assert grid.max_scroll_y == 0
        text = "\n".join(grid.render_line(y).text for y in range(grid.size.height))
        assert "more" not in text
        missing = [ext for ext in grid.order if ext not in text]
        assert not missing, missing[:10]
        # what needs someone first: offline, unknown, never seen, then online
        rank = {ExtensionState.OFFLINE: 0, ExtensionState.UNREACHABLE: 1, ExtensionState.UNKNOWN: 1,
                ExtensionState.NEVER_SEEN: 2, ONLINE: 3}
        ranks = [rank[screen.board.tiles[ext].shown] for ext in grid.order]
        assert ranks == sorted(ranks) and ranks[0] == 0
        assert screen.board.tiles["105"].state is ExtensionState.OFFLINE and grid.order[0] == "105"
        assert text.index("105") < text.index(next(e for e in grid.order if screen.board.tiles[e].shown is ONLINE))
        # the count in big digits at the top (registered and answering pings)
        online = screen.board.online_count - screen.board.counts[ExtensionState.UNREACHABLE]
        assert screen.query_one("#mon-wall-online", Digits).value == str(online)
        assert screen.query_one("#mon-wall-total", Digits).value == str(count)


async def test_the_largest_tiles_that_fit_are_chosen(make_services, profile, sim, big_sim):
    app = wall_app(make_services, profile, sim.base_url, 159)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        grid = app.screen.grid
        assert grid.tile_size.lines == 3  # 60 extensions: names and states, three lines each
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert grid.tile_size is LINE and grid.hidden == 0  # one line each, name or age
    app = wall_app(make_services, profile, big_sim.base_url, 399)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        grid = app.screen.grid
        assert grid.tile_size is TINY and grid.hidden == 0  # 300: the glyph and the number


async def test_when_even_the_smallest_tiles_cannot_fit_the_rest_is_counted(make_services, profile, big_sim):
    app = wall_app(make_services, profile, big_sim.base_url, 399)
    async with app.run_test(size=(40, 16)) as pilot:
        await settle(app, pilot)
        grid = app.screen.grid
        assert grid.tile_size is TINY
        assert 0 < grid.shown < 300 and grid.hidden == 300 - grid.shown
        hidden = grid.order[grid.shown:]
        online = sum(1 for ext in hidden if app.screen.board.tiles[ext].shown is ONLINE)
        last = grid.render_line(grid.size.height - 1).text.strip()
        assert last.startswith(f"+{grid.hidden} more")
        assert last == f"+{grid.hidden} more: {grid.hidden - online} not online, {online} online"[: len(last)]
        # offline first: whatever is left out is online, when there is room for the others
        not_online = sum(1 for t in app.screen.board.tiles.values() if t.shown is not ONLINE)
        if not_online <= grid.shown:
            assert online == grid.hidden
        # the cursor stays on drawn tiles
        await pilot.press("end")
        assert grid.cursor == grid.shown - 1


async def test_escape_leaves_the_wall(make_services, profile, sim):
    app = wall_app(make_services, profile, sim.base_url, 159)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert screen.wall and screen.grid.wall
        await pilot.press("escape")
        await pilot.pause()
        assert not screen.wall and not screen.grid.wall and not screen.has_class("-wall")
        assert screen.grid.tile_size.name == "board"
        await pilot.press("escape")  # Esc on the board leaves nothing else
        await pilot.pause()
        assert app.screen is screen and not screen.wall
