"""What a tile says: compact exact ages, lower bounds for states that began unwatched, when
an offline phone was last seen; and text fitted by terminal cells, so Vietnamese never cuts
a tile's words, at 80x24 and 160x48."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import FROZEN_NOW
from rich.cells import cell_len
from test_monitor_snapshots import _after_changes, board_app  # noqa: F401

# Imported here, in English: the app's and the screens' key lists are built when their
# modules are imported, and a first import inside a Vietnamese test would keep them Vietnamese
# for every later test.
import ccall_tui.ui.app
import ccall_tui.ui.screens.cdrs
import ccall_tui.ui.screens.extension
import ccall_tui.ui.screens.help
import ccall_tui.ui.screens.monitor  # noqa: F401
from ccall_tui import i18n
from ccall_tui.monitor.states import ExtensionState, ExtensionTile
from ccall_tui.ui.widgets.tile_text import (
    fit,
    since_text,
    state_age_text,
    status_candidates,
)

NOW = FROZEN_NOW
ONLINE, OFFLINE = ExtensionState.ONLINE, ExtensionState.OFFLINE


@pytest.fixture
def vietnamese():
    i18n.set_language("vi", {})
    try:
        yield
    finally:
        i18n.set_language("en", {})


def tile(state=ONLINE, *, ago: float, known: bool = True, **extra) -> ExtensionTile:
    return ExtensionTile("105", state, NOW - timedelta(seconds=ago), since_known=known, **extra)


@pytest.mark.parametrize(
    ("ago", "text"),
    [
        (0.4, ""), (5, "5 s"), (12 * 60, "12 min"), (3 * 3600 + 5 * 60, "3 h 5 min"), (3 * 3600, "3 h"),
        (2 * 86400 + 7, "2 d"),
    ],
)
def test_ages_are_compact_and_exact(ago, text):
    assert state_age_text(tile(ago=ago), NOW) == text


def test_a_state_that_began_unwatched_is_a_lower_bound_with_real_numbers():
    assert state_age_text(tile(ago=30, known=False), NOW) == ""  # nothing true to say yet
    assert state_age_text(tile(ago=61, known=False), NOW) == "≥1 min"
    assert state_age_text(tile(ago=3 * 60 + 20, known=False), NOW) == "≥3 min"
    for ago in (61, 3 * 60, 5000):
        assert "minute" not in state_age_text(tile(ago=ago, known=False), NOW)
    assert status_candidates(tile(ago=3 * 60, known=False), NOW)[0] == "online ≥3 min"


def test_offline_tiles_say_when_the_phone_was_last_seen():
    dropped = tile(OFFLINE, ago=12 * 60, flaps=1)  # the board saw it go at 10:18
    assert status_candidates(dropped, NOW)[0] == "offline 12 min ↓1 · seen 10:18"
    assert fit(status_candidates(dropped, NOW), 21) == "offline 12 min ↓1    "[:21]
    assert fit(status_candidates(dropped, NOW), 30).rstrip() == "offline 12 min ↓1 · seen 10:18"

    class Memory:  # the board remembers sightings across restarts
        def last_seen(self, extension):
            return NOW - timedelta(days=2, hours=3)

    remembered = tile(OFFLINE, ago=600, known=False)
    assert status_candidates(remembered, NOW, board=Memory())[0] == "offline ≥10 min · seen 2026-11-25"
    assert "last seen 2026-11-25 07:30:00" in since_text(remembered, NOW, Memory())
    assert fit(status_candidates(remembered, NOW, board=Memory()), 26).rstrip() == "offline · seen 2026-11-25"
    assert status_candidates(remembered, NOW)[0] == "offline ≥10 min"  # unknown: not made up


def test_never_seen_and_unknown_tiles_have_no_age():
    assert status_candidates(tile(ExtensionState.NEVER_SEEN, ago=600, known=False), NOW)[0] == "never seen"
    unknown = tile(ExtensionState.UNKNOWN, ago=600, known=False)
    assert status_candidates(unknown, NOW)[0] == "unknown"
    assert "no answer" in since_text(unknown, NOW)


def test_details_say_since_when_in_the_apps_one_format():
    assert since_text(tile(ago=12 * 60), NOW) == "online for 12 min (since 10:18:00)"
    assert since_text(tile(ago=2 * 86400), NOW) == "online for 2 d (since 2026-11-25 10:30:00)"
    assert since_text(tile(ago=3 * 60, known=False), NOW) == "online for ≥3 min (watching since 10:27:00)"


def test_fitting_counts_cells_and_drops_parts_rather_than_cutting(vietnamese):
    dropped = tile(OFFLINE, ago=12 * 60, flaps=2, registrations=())
    candidates = status_candidates(dropped, NOW)
    assert candidates[0] == "ngoại tuyến 12 phút ↓2 · thấy lúc 10:18"
    # Vietnamese letters with two marks are one cell each: 22 cells, though more code points
    assert cell_len("ngoại tuyến 12 phút ↓2") == 22 < len("ngoại tuyến 12 phút ↓2".encode())
    for width in range(6, 45):
        shown = fit(candidates, width)
        assert cell_len(shown) == width
        if cell_len(candidates[-1]) <= width:
            assert shown.rstrip() in candidates, (width, shown)  # whole words, never cut
    assert fit(candidates, 22).rstrip() == "ngoại tuyến 12 phút ↓2"
    assert fit(candidates, 19).rstrip() == "ngoại tuyến 12 phút"
    assert fit(candidates, 8).rstrip() == "12 phút"
    # wide characters take two cells
    assert fit(["日本語", "x"], 5).rstrip() == "x" and fit(["日本語", "x"], 6) == "日本語"


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_vietnamese_tiles_show_whole_words(vietnamese, board_app, sim, clock, size):
    app = board_app()
    async with app.run_test(size=size) as pilot:
        await _after_changes(sim, clock)(pilot)
        screen = app.screen
        grid = screen.grid
        now = clock()
        checked = 0
        rows_in_view = grid.size.height // grid.row_height
        for row in range(rows_in_view):
            status_line = grid.render_line(row * grid.row_height + 1)
            for column in range(grid.columns):
                pos = row * grid.columns + column
                if pos >= len(grid.order):
                    break
                tile_ = screen.board.tiles[grid.order[pos]]
                left = column * (grid.tile_width + grid.tile_size.gap)
                shown = status_line.crop(left + 3, left + grid.tile_width).text.rstrip()
                assert shown in status_candidates(tile_, now, board=screen.board), (tile_.extension, shown)
                assert "…" not in shown
                checked += 1
        assert checked >= 20
        dropped = screen.board.tiles["103"]
        assert dropped.state is OFFLINE
        text = "\n".join(grid.render_line(y).text for y in range(grid.size.height))
        assert "ngoại tuyến 3 giây" in text
        assert "trực tuyến ≥7 phút" in text
