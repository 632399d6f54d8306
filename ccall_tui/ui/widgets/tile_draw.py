"""How one tile is drawn, at each size the board and the wall use.

A tile is a list of lines, each a list of segments exactly ``width`` cells wide. Text from the
server (names) is drawn as plain segments, never parsed as markup, and fitted by terminal
cells: parts are dropped rather than cut (see :func:`tile_text.fit`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style

from ...api.text import clean_text
from ...monitor.board import ExtensionBoard
from ...monitor.states import ExtensionState, ExtensionTile
from .tile_text import fit, state_age_text, status_candidates

_BOLD = Style(bold=True)


@dataclass(frozen=True, slots=True)
class TileSize:
    """One size of tile: its name, its lines, the blank lines between rows, its narrowest
    width (``None``: as wide as the longest extension number needs), the blank columns
    between tiles."""

    name: str
    lines: int
    row_gap: int
    min_width: int | None
    gap: int = 1

    def width_for(self, longest_extension: int) -> int:
        if self.min_width is not None:
            return self.min_width
        return longest_extension + 2  # glyph, number, one cell of air


BOARD = TileSize("board", 2, 0, 24)
LARGE = TileSize("large", 3, 1, 28)
# The same tiles without the blank line between rows (their colours keep them apart).
LARGE_TIGHT = TileSize("large-tight", 3, 0, 28)
MEDIUM = TileSize("medium", 2, 0, 22)
LINE = TileSize("line", 1, 0, 16)
# Its own last cell is the air between two tiles.
TINY = TileSize("tiny", 1, 0, None, gap=0)
# The wall takes the first size that shows every extension.
WALL_SIZES = (LARGE, LARGE_TIGHT, MEDIUM, LINE, TINY)


@dataclass(slots=True)
class TileLook:
    """The styles of one tile, already combined (state, stale, cursor, fresh change)."""

    style: Style
    glyph: Style

    @property
    def bold(self) -> Style:
        return self.style + _BOLD


def draw_tile(
    size: TileSize,
    tile: ExtensionTile,
    now: datetime,
    look: TileLook,
    width: int,
    is_cursor: bool,
    board: ExtensionBoard | None = None,
) -> list[list[Segment]]:
    """``board``: where the last sighting of an offline extension is remembered."""
    if size is LARGE or size is LARGE_TIGHT:
        return _large(tile, now, look, width, is_cursor, board)
    if size is LINE:
        return _line(tile, now, look, width, is_cursor)
    if size is TINY:
        return _tiny(tile, look, width)
    return _two_lines(tile, now, look, width, is_cursor, board)


def _head(tile: ExtensionTile, look: TileLook, is_cursor: bool) -> list[Segment]:
    return [
        Segment("▶" if is_cursor else " ", look.bold),
        Segment(tile.shown.glyph, look.glyph),
        Segment(" ", look.style),
    ]


def _name(tile: ExtensionTile) -> str:
    return clean_text(tile.name or "", limit=80)


def _two_lines(
    tile: ExtensionTile, now: datetime, look: TileLook, width: int, is_cursor: bool, board: ExtensionBoard | None
) -> list[list[Segment]]:
    head = f"{tile.extension} "
    rest = width - 3 - cell_len(head)
    if rest < 0:
        text = ("▶" if is_cursor else " ") + tile.shown.glyph + " " + tile.extension
        first = [Segment(fit([text], width), look.bold)]
    else:
        first = _head(tile, look, is_cursor)
        first.append(Segment(head, look.bold))
        first.append(Segment(set_cell_size(_name(tile), rest), look.style))
    status = fit(status_candidates(tile, now, board=board), max(width - 3, 0))
    second = [Segment(set_cell_size("   " + status, width), look.style)]
    return [first, second]


def _large(
    tile: ExtensionTile, now: datetime, look: TileLook, width: int, is_cursor: bool, board: ExtensionBoard | None
) -> list[list[Segment]]:
    first = _head(tile, look, is_cursor)
    first.append(Segment(set_cell_size(tile.extension, max(width - 3, 0)), look.bold))
    second = [Segment(set_cell_size("   " + _name(tile), width), look.style)]
    status = fit(status_candidates(tile, now, shout=True, board=board), max(width - 3, 0))
    status_style = look.style if tile.shown is ExtensionState.ONLINE else look.bold
    third = [Segment(set_cell_size("   " + status, width), status_style)]
    return [first, second, third]


def _line(tile: ExtensionTile, now: datetime, look: TileLook, width: int, is_cursor: bool) -> list[list[Segment]]:
    """``▶○ 105 12 min``: offline, its age says more than its name; otherwise its name."""
    segments = _head(tile, look, is_cursor)
    head = tile.extension + " "
    rest = width - 3 - cell_len(head)
    segments.append(Segment(set_cell_size(head, min(max(width - 3, 0), cell_len(head))), look.bold))
    if rest > 0:
        age = state_age_text(tile, now) if tile.state is not ExtensionState.ONLINE else ""
        if age:
            segments.append(Segment(fit([age, ""], rest), look.bold))
        else:
            segments.append(Segment(set_cell_size(_name(tile), rest), look.style))
    return [segments]


def _tiny(tile: ExtensionTile, look: TileLook, width: int) -> list[list[Segment]]:
    """``●105``: the glyph and the number, nothing else."""
    number = set_cell_size(tile.extension, max(width - 1, 0))
    return [[Segment(tile.shown.glyph, look.glyph), Segment(number, look.bold)]]


__all__ = ["BOARD", "LARGE", "LARGE_TIGHT", "LINE", "MEDIUM", "TINY", "WALL_SIZES", "TileLook", "TileSize", "draw_tile"]
