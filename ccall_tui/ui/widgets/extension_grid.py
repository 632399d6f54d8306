"""The extension grid: one Line API widget drawing every tile, whatever their number.

Each row of tiles is rendered once into cached strips; a poll that changes 20 of 2,000
extensions refreshes only the rows holding those 20 tiles. Names and other text from the
server are drawn as plain segments: never parsed as markup.

On the wall the grid does not scroll: it takes the largest tile size that shows every
extension (down to the glyph and the number), and says "+N more" only when even that cannot.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...i18n import _
from ...monitor.board import BoardChanges, ExtensionBoard, SortOrder
from ...monitor.states import ExtensionState
from .grid_cursor import GridCursor
from .grid_rows import HIGHLIGHT_S, GridRows
from .styles import StyleCache
from .tile_draw import BOARD, TINY, WALL_SIZES, TileSize
from .tile_text import fit, tile_age_key


class ExtensionGrid(GridCursor, GridRows, ScrollView, can_focus=True):
    """A grid of extension tiles over an :class:`ExtensionBoard`."""

    DEFAULT_CSS = """
    ExtensionGrid {
        height: 1fr;
        scrollbar-size-vertical: 1;
        background: $surface;
    }
    ExtensionGrid > .grid--online { color: $text; background: $success 12%; }
    ExtensionGrid > .grid--offline { color: $text; background: $error 25%; }
    ExtensionGrid > .grid--unreachable { color: $text; background: $warning 25%; }
    ExtensionGrid > .grid--never { color: $text-muted; background: $panel; }
    ExtensionGrid > .grid--unknown { color: $text-disabled; background: $panel-darken-1; }
    ExtensionGrid > .grid--glyph-online { color: $success; text-style: bold; }
    ExtensionGrid > .grid--glyph-offline { color: $error; text-style: bold; }
    ExtensionGrid > .grid--glyph-unreachable { color: $warning; text-style: bold; }
    ExtensionGrid > .grid--glyph-never { color: $text-muted; }
    ExtensionGrid > .grid--glyph-unknown { color: $text-disabled; }
    ExtensionGrid > .grid--cursor { background: $accent 45%; }
    ExtensionGrid > .grid--changed { text-style: bold reverse; }
    ExtensionGrid > .grid--stale { text-style: dim; background: $panel-darken-1; }
    ExtensionGrid > .grid--more { color: $warning; text-style: bold; }
    """

    ALLOW_SELECT = False

    COMPONENT_CLASSES = {
        "grid--online", "grid--offline", "grid--never", "grid--unknown", "grid--glyph-online",
        "grid--glyph-offline", "grid--glyph-never", "grid--glyph-unknown", "grid--cursor", "grid--changed",
        "grid--stale", "grid--more", "grid--unreachable", "grid--glyph-unreachable",
    }

    BINDINGS = [
        Binding("up", "cursor(0, -1)", show=False),
        Binding("down", "cursor(0, 1)", show=False),
        Binding("left", "cursor(-1, 0)", show=False),
        Binding("right", "cursor(1, 0)", show=False),
        Binding("pageup", "page(-1)", show=False),
        Binding("pagedown", "page(1)", show=False),
        Binding("home", "jump(0)", show=False),
        Binding("end", "jump(-1)", show=False),
    ]

    class Opened(Message):
        """Enter or double-click on a tile."""

        def __init__(self, extension: str) -> None:
            super().__init__()
            self.extension = extension

    stale: reactive[bool] = reactive(False)
    # Wall mode: no scrolling; the largest tiles that show every extension.
    wall: reactive[bool] = reactive(False)

    def __init__(
        self,
        board: ExtensionBoard,
        now: Callable[[], datetime],
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.board = board
        self.now = now
        self.sort = SortOrder.NUMBER
        self.filter_text = ""
        self.offline_only = False
        self.offline_first = False
        self.order: list[str] = []
        self._index: dict[str, int] = {}
        self.cursor = 0
        self.columns = 1
        self.tile_width = 20
        self.tile_size: TileSize = BOARD
        # On the wall, when not even the smallest tiles fit: how many are drawn (the rest are
        # counted on the last line).
        self.shown = 0
        self._rows: dict[int, tuple[tuple, list[Strip]]] = {}
        # extension -> (what it was drawn from, its lines): a changed row redraws only its
        # changed tiles
        self._tiles: dict[str, tuple[tuple, list[list[Segment]]]] = {}
        self._styles = StyleCache(self)
        self.rows_rendered = 0  # for benchmarks and tests: row renders since start

    # ------------------------------------------------------------------ geometry

    @property
    def tile_height(self) -> int:
        return self.tile_size.lines

    @property
    def row_height(self) -> int:
        return self.tile_size.lines + self.tile_size.row_gap

    @property
    def hidden(self) -> int:
        """Extensions the wall has no room for (always 0 on the scrolling board)."""
        return len(self.order) - self.shown

    @property
    def row_count(self) -> int:
        return -(-self.shown // self.columns) if self.shown else 0

    @property
    def highlighted_extension(self) -> str | None:
        if 0 <= self.cursor < len(self.order):
            return self.order[self.cursor]
        return None

    def _longest_extension(self) -> int:
        return max((cell_len(ext) for ext in self.order), default=3)

    def _fit(self, size: TileSize, width: int, height: int) -> tuple[int, int, int]:
        """(columns, rows, tiles) ``size`` can show in ``width`` x ``height`` cells."""
        tile_width = size.width_for(self._longest_extension())
        gap = size.gap
        columns = max(1, (width + gap) // (tile_width + gap))
        rows = max(0, (height + size.row_gap) // (size.lines + size.row_gap))
        return columns, rows, columns * rows

    def _layout(self) -> None:
        count = len(self.order)
        if self.wall:
            width, height = max(self.size.width, 1), max(self.size.height, 1)
            for size in WALL_SIZES:
                columns, rows, room = self._fit(size, width, height)
                if room >= count:
                    self.shown = count
                    break
            else:  # not even the glyph and the number of each: the last line counts the rest
                size = TINY
                columns, _rows, room = self._fit(size, width, height - 1)
                self.shown = min(count, room)
            self.tile_size = size
        else:
            width = max(self.scrollable_content_region.width, 1)
            self.tile_size = BOARD
            columns = max(1, (width + BOARD.gap) // (BOARD.width_for(0) + BOARD.gap))
            self.shown = count
        self.columns = columns
        self.tile_width = max(1, (width - self.tile_size.gap * (columns - 1)) // columns)
        self.virtual_size = Size(width, self.row_count * self.row_height)
        self._rows.clear()
        self._tiles.clear()

    def on_resize(self, event: events.Resize) -> None:
        self._layout()
        self._scroll_to_cursor()
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()
        self._rows.clear()
        self._tiles.clear()
        self.refresh()

    def watch_stale(self) -> None:
        self._rows.clear()
        self._tiles.clear()
        self.refresh()

    def watch_wall(self, wall: bool) -> None:
        self.set_class(wall, "-wall")
        self._layout()
        self._scroll_to_cursor()
        self.refresh()

    # ------------------------------------------------------------------ data

    def rebuild(self) -> None:
        """Recompute the order (sort, filter, offline-only) and redraw everything."""
        keep = self.highlighted_extension
        self.order = self._board_order()
        self._index = {ext: i for i, ext in enumerate(self.order)}
        if keep is not None and keep in self._index:
            self.cursor = self._index[keep]
        else:
            self.cursor = min(self.cursor, max(len(self.order) - 1, 0))
        self._layout()
        self._scroll_to_cursor()
        self.refresh()

    def set_view(
        self,
        *,
        sort: SortOrder | None = None,
        query: str | None = None,
        offline_only: bool | None = None,
        offline_first: bool | None = None,
    ) -> None:
        if sort is not None:
            self.sort = sort
        if query is not None:
            self.filter_text = query
        if offline_only is not None:
            self.offline_only = offline_only
        if offline_first is not None:
            self.offline_first = offline_first
        self.rebuild()

    def _board_order(self) -> list[str]:
        # The wall puts what needs someone first: offline, unknown, never seen, then online.
        sort = SortOrder.STATE if self.wall else self.sort
        return self.board.order(
            sort, self.filter_text, offline_only=self.offline_only, offline_first=self.offline_first
        )

    def _order_depends_on_state(self) -> bool:
        return self.wall or self.sort is not SortOrder.NUMBER or self.offline_only or self.offline_first

    def apply_changes(self, changes: BoardChanges) -> None:
        """Redraw what ``changes`` touched: only its rows, unless the order moved."""
        if changes.added or (changes.state_changed and self._order_depends_on_state()):
            before = self.order
            order = self._board_order()
            if order != before:
                self.order = order
                keep = before[self.cursor] if 0 <= self.cursor < len(before) else None
                self._index = {ext: i for i, ext in enumerate(order)}
                if keep is not None and keep in self._index:
                    self.cursor = self._index[keep]
                else:
                    self.cursor = min(self.cursor, max(len(order) - 1, 0))
                if len(order) != len(before):
                    self._layout()
                    self.refresh()
                    return
                # The same tiles in another order (a state sort): the tiles keep their
                # drawings, and only the rows between the first and the last moved tile
                # are drawn again.
                first = next(i for i, (a, b) in enumerate(zip(before, order)) if a != b)
                last = next(i for i in range(len(order) - 1, -1, -1) if before[i] != order[i])
                rows = range(first // self.columns, last // self.columns + 1)
                self._refresh_rows(row for row in rows if row * self.columns < self.shown)
                if self.hidden:
                    self._refresh_more()
                self.refresh_extensions(changes.changed)
                return
        if self.hidden:  # the count of the rest may have moved
            self._refresh_more()
        self.refresh_extensions(changes.changed)

    def refresh_extensions(self, extensions: list[str]) -> None:
        index, columns, shown = self._index, self.columns, self.shown
        rows = {index[ext] // columns for ext in extensions if ext in index and index[ext] < shown}
        if rows:
            self._refresh_rows(rows)

    def _refresh_row(self, row: int) -> None:
        self._refresh_rows((row,))

    def _refresh_rows(self, rows) -> None:
        """Forget the rows' cached strips; repaint the ones in view (as one region per row)."""
        scroll_y = int(self.scroll_offset.y)
        width, height = self.size
        row_height = self.row_height
        regions = []
        for row in rows:
            self._rows.pop(row, None)
            top = row * row_height - scroll_y
            if top + row_height > 0 and top < height:
                regions.append(Region(0, top, width, row_height))
        if regions:
            self.refresh(*regions)

    def _refresh_more(self) -> None:
        width, height = self.size
        if height:
            self.refresh(Region(0, height - 1, width, 1))

    def tick(self) -> None:
        """Once a second: redraw the visible rows whose age text or highlight changed."""
        if not self.order:
            return
        now = self.now()
        first = int(self.scroll_offset.y) // self.row_height
        last = min(self.row_count - 1, first + self.size.height // self.row_height + 1)
        changed = []
        for row in range(first, last + 1):
            cached = self._rows.get(row)
            if cached is not None and cached[0] != self._row_key(row, now):
                changed.append(row)
        if changed:
            self._refresh_rows(changed)

    # ------------------------------------------------------------------ drawing

    def _base_style(self) -> Style:
        return self._styles.get()

    def _style(self, name: str) -> Style:
        return self._styles.get(name)

    def _row_key(self, row: int, now: datetime) -> tuple:
        start = row * self.columns
        key: list = [self.tile_width, self.columns, self.stale, self.tile_size.name]
        tiles = self.board.tiles
        for pos in range(start, min(start + self.columns, self.shown)):
            tile = tiles[self.order[pos]]
            changed_at = tile.changed_at
            fresh = changed_at is not None and (now - changed_at).total_seconds() < HIGHLIGHT_S
            key.append((tile.extension, tile.version, tile_age_key(tile, now), fresh, pos == self.cursor))
        return tuple(key)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self._base_style()
        if self.wall and self.shown < len(self.order) and y == self.size.height - 1:
            return self._more_line(width, base)
        line = int(self.scroll_offset.y) + y
        row, within = divmod(line, self.row_height)
        if row >= self.row_count or within >= self.tile_height:
            return Strip.blank(width, base)
        now = self.now()
        key = self._row_key(row, now)
        cached = self._rows.get(row)
        if cached is None or cached[0] != key:
            cached = (key, self._render_row(row, now, base, width, key))
            self._rows[row] = cached
            self.rows_rendered += 1
        return cached[1][within]

    def more_text(self) -> str:
        """``"+240 more: 3 offline, 237 online"`` (the wall's last line when it is full)."""
        hidden = self.order[self.shown:]
        online = sum(1 for ext in hidden if self.board.tiles[ext].shown is ExtensionState.ONLINE)
        return _("+{n} more: {other} not online, {online} online").format(
            n=len(hidden), other=len(hidden) - online, online=online
        )

    def _more_line(self, width: int, base: Style) -> Strip:
        text = fit([" " + self.more_text(), _("+{n} more").format(n=self.hidden)], width)
        return Strip([Segment(text, base + self._style("grid--more"))], width)


__all__ = ["HIGHLIGHT_S", "ExtensionGrid"]
