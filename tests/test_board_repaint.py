"""What a change costs the board on screen: the new line of the change log, without laying the
screen out again, and the lines the log draws are the cells Textual itself would draw."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual._compositor import ChopsUpdate, LayoutUpdate
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from ccall_tui.factory import build_app
from ccall_tui.monitor.states import ExtensionState
from ccall_tui.ui.screens.monitor import MonitorScreen
from ccall_tui.ui.widgets.changelog import ChangeLogView
from ccall_tui.ui.widgets.styles import changed_span
from ccall_tui.ui.widgets.summary import BoardSummary


@pytest.fixture
def roster_profile(profile):
    return replace(profile, roster=("100-159",), discover_from_cdrs=False)


async def settle(app, pilot) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def flip(app, pilot, sim, clock, extension: str, state: str) -> MonitorScreen:
    """``extension`` goes ``state`` at the PBX; the board polls and draws it."""
    if state == "offline":
        sim.tenant.force_offline(extension)
    else:
        sim.tenant.force_online(extension)
    clock.advance(1)
    screen = app.screen
    assert isinstance(screen, MonitorScreen)
    await app.workers.wait_for_complete()
    screen.start_poll()
    await settle(app, pilot)
    screen._tick()  # the log is drawn with the tick that follows a poll
    await pilot.pause()
    return screen


def log_lines(log: ChangeLogView) -> list[str]:
    return [log.render_line(y).text.rstrip() for y in range(log.size.height)]


class Terminal:
    """What a terminal shows after the frames the app sent it: each frame applied as a
    terminal driver writes it (a full frame, or only the changed spans)."""

    def __init__(self, app) -> None:
        self.app = app
        self.cells: dict[tuple[int, int], tuple[str, object]] = {}
        original = app._display

        def display(screen, update):  # Textual's signature
            if isinstance(update, LayoutUpdate):
                self.cells.clear()
                for y, strips in enumerate(update.strips):
                    x = 0
                    for strip in strips:
                        self._write(self.cells, x, y, strip)
                        x += strip.cell_length
            elif isinstance(update, ChopsUpdate):
                for y, x1, x2 in update.spans:  # as ChopsUpdate.render_segments writes them
                    for end, (x, strip) in zip(update.chop_ends[y], update.chops[y].items()):
                        if strip is None or x > x2 or end <= x1:
                            continue
                        self._write(self.cells, x, y, strip if x2 > x >= x1 and end <= x2 else strip.crop(0, min(end, x2) - x))
            return original(screen, update)

        app._display = display

    @staticmethod
    def _write(cells, x: int, y: int, strip) -> None:
        for segment in strip.discard_meta():
            for char in segment.text:
                width = cell_len(char)
                if width == 0 and (x - 1, y) in cells:  # a combining mark joins its letter
                    previous, style = cells[x - 1, y]
                    cells[x - 1, y] = (previous + char, style)
                    continue
                cells[x, y] = (char, segment.style)
                x += width

    async def matches_a_fresh_paint(self, pilot) -> bool:
        for _ in range(20):  # until everything asked for has been painted
            await pilot.pause()
            screen = self.app.screen
            if not (screen._dirty_widgets or screen._compositor._dirty_regions or screen._layout_required):
                break
        fresh: dict[tuple[int, int], tuple[str, object]] = {}
        for y, strips in enumerate(self.app.screen._compositor.render_full_update().strips):
            x = 0
            for strip in strips:
                self._write(fresh, x, y, strip)
                x += strip.cell_length
        return fresh == self.cells


async def test_a_change_adds_its_log_line_without_laying_the_screen_out_again(make_services, roster_profile, sim, clock):
    app = build_app(make_services(profile=roster_profile))
    terminal = Terminal(app)
    async with app.run_test(size=(120, 20)) as pilot:  # a short log: it overflows soon
        await settle(app, pilot)
        screen = app.screen
        log = screen.query_one(ChangeLogView)
        numbers = [str(n) for n in range(100, 160)]
        for number in numbers[:40]:  # more changes than the log has lines
            screen = await flip(app, pilot, sim, clock, number, "offline")
        assert log.show_vertical_scrollbar
        layouts = []
        original = screen._refresh_layout

        def counting(*args, **kwargs):
            layouts.append(args)
            return original(*args, **kwargs)

        screen._refresh_layout = counting
        before = len(log._items)
        await flip(app, pilot, sim, clock, "150", "offline")
        assert layouts == []
        assert len(log._items) == before + 1
        assert "150" in log_lines(log)[0]  # newest first
        assert await terminal.matches_a_fresh_paint(pilot)
        assert log.virtual_size.height == before + 1
        bar = log.vertical_scrollbar
        assert bar.window_virtual_size == before + 1  # the thumb follows
        region = Region(0, 0, *bar.size)
        shown = [list(strip) for strip in bar.render_lines(region)]
        bar._styles_cache.clear()
        bar.refresh()
        await pilot.pause()
        assert shown == [list(strip) for strip in bar.render_lines(region)]  # no cell left behind
        # and the whole log can still be scrolled to its oldest line
        log.scroll_end(animate=False, immediate=True)
        await pilot.pause()
        assert log.scroll_y == before + 1 - log.scrollable_content_region.height


async def test_the_log_lines_are_the_cells_textual_would_draw(make_services, roster_profile, sim, clock):
    app = build_app(make_services(profile=roster_profile))
    async with app.run_test(size=(120, 20)) as pilot:
        await settle(app, pilot)
        log = app.screen.query_one(ChangeLogView)
        seen = set()
        for count, number in enumerate(str(n) for n in range(100, 130)):
            await flip(app, pilot, sim, clock, number, "offline" if count % 3 else "online")
            if count % 5:
                continue
            seen.add((bool(log._items), log.show_vertical_scrollbar))
            width, height = log.region.size
            for crop in (Region(0, 0, width, height), Region(3, 2, width - 5, height - 4)):
                drawn = log.render_lines(crop)
                log._styles_cache.clear()
                general = Widget.render_lines(log, crop)  # Textual's own pipeline
                assert [list(strip) for strip in drawn] == [list(strip) for strip in general]
                assert [strip.cell_length for strip in drawn] == [strip.cell_length for strip in general]
        assert seen == {(False, False), (True, False), (True, True)}  # empty, short, scrolling
        # A frame or padding on the log itself takes Textual's way again.
        log.styles.padding = (0, 0, 0, 1)
        await pilot.pause()
        width, height = log.region.size
        assert log.render_lines(Region(0, 0, width, height))[0].text.startswith(" ")


def drawn_and_fresh(widget) -> tuple[list, list]:
    """What the widget's cached lines show, and what drawing it afresh shows."""
    region = Region(0, 0, *widget.size)
    shown = [list(strip) for strip in widget.render_lines(region)]
    widget._styles_cache.clear()
    return shown, [list(strip) for strip in widget.render_lines(region)]


async def test_the_wall_repaints_every_tile_a_change_moves(make_services, roster_profile, sim, clock):
    """The wall puts offline phones first: a phone going offline moves the tiles between its
    old and new place, and every one of them is repainted (no tile is left where it was)."""
    app = build_app(make_services(profile=roster_profile, wall=True))
    terminal = Terminal(app)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        grid = screen.grid
        online = [ext for ext in grid.order if screen.board.tiles[ext].state is ExtensionState.ONLINE]
        late, early, middle = online[-1], online[0], online[len(online) // 2]
        for number, state in ((late, "offline"), (early, "offline"), (late, "online"), (middle, "offline")):
            before = list(grid.order)
            await flip(app, pilot, sim, clock, number, state)
            assert grid.order != before  # the tile moved, and the tiles between with it
            assert (grid.order.index(number) < before.index(number)) == (state == "offline")
            shown, fresh = drawn_and_fresh(grid)
            assert shown == fresh
            assert await terminal.matches_a_fresh_paint(pilot)


async def test_the_summary_repaints_what_changed_and_the_log_catches_up_after_the_wall(
    make_services, roster_profile, sim, clock
):
    app = build_app(make_services(profile=roster_profile))
    terminal = Terminal(app)
    async with app.run_test(size=(160, 30)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        summary = screen.query_one(BoardSummary)
        log = screen.query_one(ChangeLogView)
        online = [ext for ext in screen.grid.order if screen.board.tiles[ext].state is ExtensionState.ONLINE]
        for number in online[:3]:
            await flip(app, pilot, sim, clock, number, "offline")
            counts = screen.board.counts
            counted = f"{counts[ExtensionState.ONLINE] - counts[ExtensionState.UNREACHABLE]}/60 online"
            shown, fresh = drawn_and_fresh(summary)
            assert shown == fresh
            assert counted in "".join(segment.text for segment in shown[0])
            assert await terminal.matches_a_fresh_paint(pilot)
        await pilot.press("w")
        await pilot.pause()
        assert not log._shown()
        await flip(app, pilot, sim, clock, online[3], "offline")  # while the log is hidden
        await pilot.press("w")
        await pilot.pause()
        await pilot.pause()
        assert online[3] in log_lines(log)[0]
        assert log.virtual_size.height == len(log._items)  # it scrolls over all of them
        assert await terminal.matches_a_fresh_paint(pilot)


def cells(strip) -> list[tuple[str, object]]:
    return [(char, segment.style) for segment in strip for char in segment.text]


@given(
    st.lists(st.tuples(st.sampled_from("ab "), st.integers(1, 4), st.sampled_from(["", "bold", "red"])), max_size=8),
    st.lists(st.tuples(st.sampled_from("ab "), st.integers(1, 4), st.sampled_from(["", "bold", "red"])), max_size=8),
)
def test_a_line_repaints_exactly_the_columns_that_differ(first, second):
    """Taking the changed span of the new line over the old one gives the new line."""
    def strip(parts, width=24):
        segments = [Segment(char * count, Style.parse(style)) for char, count, style in parts]
        return Strip(segments).crop_extend(0, width, Style())

    old, new = strip(first), strip(second)
    span = changed_span(old, new)
    if span is None:
        assert cells(old) == cells(new)
        return
    start, end = span
    assert cells(old)[:start] + cells(new)[start:end] + cells(old)[end:] == cells(new)
