"""The grid's rows: one row of tiles drawn into strips, each tile from its own cache when
its look did not change (a poll that changes 20 of 2,000 extensions redraws 20 tiles)."""

from __future__ import annotations

from datetime import datetime

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from ...monitor.states import ExtensionState, ExtensionTile
from .tile_draw import TileLook, draw_tile

HIGHLIGHT_S = 10.0

_STATE_CLASS = {
    ExtensionState.ONLINE: "grid--online",
    ExtensionState.UNREACHABLE: "grid--unreachable",
    ExtensionState.OFFLINE: "grid--offline",
    ExtensionState.NEVER_SEEN: "grid--never",
    ExtensionState.UNKNOWN: "grid--unknown",
}
_GLYPH_CLASS = {state: "grid--glyph-" + name.split("--")[1] for state, name in _STATE_CLASS.items()}


class GridRows:
    """Mixed into :class:`~ccall_tui.ui.widgets.extension_grid.ExtensionGrid` (which holds
    ``board``, ``order``, ``shown``, ``columns``, the tile geometry and the caches)."""

    def _render_row(self, row: int, now: datetime, base: Style, width: int, key: tuple) -> list[Strip]:
        """The row's lines; ``key`` is its :meth:`_row_key` (the row's look, then one entry per
        tile), so a tile whose entry did not change is taken from the tile cache."""
        start = row * self.columns
        lines: list[list[Segment]] = [[] for _ in range(self.tile_height)]
        between = self.tile_size.gap
        gap = Segment(" " * between, base)
        look, tile_keys = key[:4], key[4:]
        drawn = self._tiles
        positions = range(start, min(start + self.columns, self.shown))
        tiles_drawn = len(positions)
        for column, pos in enumerate(positions):
            tile = self.board.tiles[self.order[pos]]
            tile_key = (look, tile_keys[column])
            cached = drawn.get(tile.extension)
            if cached is not None and cached[0] == tile_key:
                tile_lines = cached[1]
            else:
                tile_lines = self._render_tile(tile, now, base, pos == self.cursor)
                drawn[tile.extension] = (tile_key, tile_lines)
            for index, segments in enumerate(tile_lines):
                if column and between:
                    lines[index].append(gap)
                lines[index].extend(segments)
        # Every tile line is tile_width cells (set_cell_size), so the row's length is known.
        drawn_width = tiles_drawn * self.tile_width + max(tiles_drawn - 1, 0) * between
        if drawn_width > width:
            return [Strip(segments).crop(0, width) for segments in lines]
        if drawn_width < width:
            fill = Segment(" " * (width - drawn_width), base)
            for segments in lines:
                segments.append(fill)
        return [Strip(segments, width) for segments in lines]

    def _render_tile(self, tile: ExtensionTile, now: datetime, base: Style, is_cursor: bool) -> list[list[Segment]]:
        state = tile.shown
        style = base + self._style(_STATE_CLASS[state])
        glyph_style = style + self._style(_GLYPH_CLASS[state])
        changed = tile.changed_at is not None and (now - tile.changed_at).total_seconds() < HIGHLIGHT_S
        for active, name in ((self.stale, "grid--stale"), (is_cursor, "grid--cursor"), (changed, "grid--changed")):
            # stale: greyed out and dim, all of it; the cursor stays visible on top
            if active:
                style += self._style(name)
                glyph_style += self._style(name)
        look = TileLook(style, glyph_style)
        return draw_tile(self.tile_size, tile, now, look, self.tile_width, is_cursor, self.board)
