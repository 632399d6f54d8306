"""The extension grid: one Line API widget drawing every tile, whatever their number.

Each row of tiles is rendered once into cached strips; a poll that changes 20 of 2,000
extensions refreshes only the rows holding those 20 tiles. Names and other text from the
server are drawn as plain segments: never parsed as markup.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import humanize
from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...api.text import clean_text
from ...i18n import _, current_language
from ...monitor.board import BoardChanges, ExtensionBoard, ExtensionTile, SortOrder
from ...monitor.history import ExtensionState

HIGHLIGHT_S = 10.0
_BOLD = Style(bold=True)
GAP = 1

_STATE_CLASS = {
    ExtensionState.ONLINE: "grid--online",
    ExtensionState.OFFLINE: "grid--offline",
    ExtensionState.NEVER_SEEN: "grid--never",
}


def component_style(widget, name: str) -> Style:
    """A component's style with translucent colours blended over the widget's background
    (a Rich style cannot carry alpha: ``$success 12%`` would otherwise come out solid)."""
    styles = widget.get_component_styles(name)
    base = widget.styles.background
    background = base + styles.background if styles.has_rule("background") else None
    color = (background or base) + styles.color if styles.has_rule("color") else None
    return Style(
        color=color.rich_color if color is not None else None,
        bgcolor=background.rich_color if background is not None else None,
    ) + styles.text_style


class StyleCache:
    """Rich styles of a widget and its components, computed once per style update."""

    def __init__(self, widget) -> None:  # noqa: ANN001 - any Widget
        self.widget = widget
        self._styles: dict[str, Style] = {}

    def clear(self) -> None:
        self._styles.clear()

    def get(self, name: str = "") -> Style:
        style = self._styles.get(name)
        if style is None:
            style = self.widget.rich_style if not name else component_style(self.widget, name)
            self._styles[name] = style
        return style


def age_bucket(seconds: float) -> int:
    """Changes whenever the humanized age text can change (humanize rounds minutes and hours
    to the nearest one, and counts whole days), so a tile is redrawn exactly when it must."""
    whole = int(seconds)
    if whole < 60:
        return whole
    if whole < 3600:
        return 100 + round(whole / 60)
    if whole < 86400:
        return 1000 + round(whole / 3600)
    return 100000 + whole // 86400


_AGE_TEXTS: dict[tuple[int, bool, str], str] = {}


def state_age_text(tile: ExtensionTile, now: datetime) -> str:
    """``"3 hours"``; ``"≥3 hours"`` when the state began before the board was watching
    (and nothing at all until that lower bound says something)."""
    span = tile.time_in_state(now)
    seconds = span.total_seconds()
    if seconds < 1 or (not tile.since_known and seconds < 60):
        return ""
    # The text depends only on the bucket (and the language): thousands of tiles share a few.
    key = (age_bucket(seconds), tile.since_known, current_language())
    text = _AGE_TEXTS.get(key)
    if text is None:
        if len(_AGE_TEXTS) > 4096:
            _AGE_TEXTS.clear()
        age = humanize.naturaldelta(span)
        text = _AGE_TEXTS[key] = age if tile.since_known else "≥" + age
    return text


class ExtensionGrid(ScrollView, can_focus=True):
    """A grid of extension tiles over an :class:`ExtensionBoard`."""

    DEFAULT_CSS = """
    ExtensionGrid {
        height: 1fr;
        scrollbar-size-vertical: 1;
        background: $surface;
    }
    ExtensionGrid > .grid--online { color: $text; background: $success 12%; }
    ExtensionGrid > .grid--offline { color: $text; background: $error 25%; }
    ExtensionGrid > .grid--never { color: $text-muted; background: $panel; }
    ExtensionGrid > .grid--glyph-online { color: $success; text-style: bold; }
    ExtensionGrid > .grid--glyph-offline { color: $error; text-style: bold; }
    ExtensionGrid > .grid--glyph-never { color: $text-muted; }
    ExtensionGrid > .grid--cursor { background: $accent 45%; }
    ExtensionGrid > .grid--changed { text-style: bold reverse; }
    ExtensionGrid > .grid--stale { text-style: dim; background: $panel-darken-1; }
    """

    ALLOW_SELECT = False

    COMPONENT_CLASSES = {
        "grid--online", "grid--offline", "grid--never", "grid--glyph-online",
        "grid--glyph-offline", "grid--glyph-never", "grid--cursor", "grid--changed", "grid--stale",
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

    class Highlighted(Message):
        def __init__(self, extension: str | None) -> None:
            super().__init__()
            self.extension = extension

    stale: reactive[bool] = reactive(False)
    large: reactive[bool] = reactive(False)

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
        self._rows: dict[int, tuple[tuple, list[Strip]]] = {}
        # extension -> (what it was drawn from, its lines): a changed row redraws only its
        # changed tiles
        self._tiles: dict[str, tuple[tuple, list[list[Segment]]]] = {}
        self._styles = StyleCache(self)
        self.rows_rendered = 0  # for benchmarks and tests: row renders since start

    # ------------------------------------------------------------------ geometry

    @property
    def tile_height(self) -> int:
        return 3 if self.large else 2

    @property
    def row_height(self) -> int:
        return self.tile_height + 1 if self.large else self.tile_height

    @property
    def min_tile_width(self) -> int:
        return 30 if self.large else 24

    @property
    def row_count(self) -> int:
        return -(-len(self.order) // self.columns) if self.order else 0

    @property
    def highlighted_extension(self) -> str | None:
        if 0 <= self.cursor < len(self.order):
            return self.order[self.cursor]
        return None

    def _layout(self) -> None:
        width = max(self.scrollable_content_region.width, 1)
        self.columns = max(1, (width + GAP) // (self.min_tile_width + GAP))
        self.tile_width = max(8, (width - GAP * (self.columns - 1)) // self.columns)
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

    def watch_large(self) -> None:
        self._layout()
        self._scroll_to_cursor()
        self.refresh()

    # ------------------------------------------------------------------ data

    def rebuild(self) -> None:
        """Recompute the order (sort, filter, offline-only) and redraw everything."""
        keep = self.highlighted_extension
        self.order = self.board.order(
            self.sort, self.filter_text, offline_only=self.offline_only, offline_first=self.offline_first
        )
        self._index = {ext: i for i, ext in enumerate(self.order)}
        if keep is not None and keep in self._index:
            self.cursor = self._index[keep]
        else:
            self.cursor = min(self.cursor, max(len(self.order) - 1, 0))
        self._layout()
        self._scroll_to_cursor()
        self.refresh()
        self.post_message(self.Highlighted(self.highlighted_extension))

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

    def _order_depends_on_state(self) -> bool:
        return self.sort is not SortOrder.NUMBER or self.offline_only or self.offline_first

    def apply_changes(self, changes: BoardChanges) -> None:
        """Redraw what ``changes`` touched: only its rows, unless the order moved."""
        if changes.added or (changes.state_changed and self._order_depends_on_state()):
            before = self.order
            order = self.board.order(
                self.sort, self.filter_text, offline_only=self.offline_only, offline_first=self.offline_first
            )
            if order != before:
                self.order = order
                keep = before[self.cursor] if 0 <= self.cursor < len(before) else None
                self._index = {ext: i for i, ext in enumerate(order)}
                if keep is not None and keep in self._index:
                    self.cursor = self._index[keep]
                else:
                    self.cursor = min(self.cursor, max(len(order) - 1, 0))
                self._layout()
                self.refresh()
                return
        self.refresh_extensions(changes.changed)

    def refresh_extensions(self, extensions: list[str]) -> None:
        index, columns = self._index, self.columns
        rows = {index[ext] // columns for ext in extensions if ext in index}
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
        key: list = [self.tile_width, self.columns, self.stale, self.large]
        tiles = self.board.tiles
        for pos in range(start, min(start + self.columns, len(self.order))):
            tile = tiles[self.order[pos]]
            age = (now - tile.since).total_seconds()
            # Unknown start: no age is shown during the first minute (see state_age_text).
            bucket = age_bucket(age) if tile.since_known or age >= 60 else -1
            changed_at = tile.changed_at
            fresh = changed_at is not None and (now - changed_at).total_seconds() < HIGHLIGHT_S
            key.append((tile.extension, tile.version, bucket, fresh, pos == self.cursor))
        return tuple(key)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self._base_style()
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

    def _render_row(self, row: int, now: datetime, base: Style, width: int, key: tuple) -> list[Strip]:
        """The row's lines; ``key`` is its :meth:`_row_key` (the row's look, then one entry per
        tile), so a tile whose entry did not change is taken from the tile cache."""
        start = row * self.columns
        lines: list[list[Segment]] = [[] for _ in range(self.tile_height)]
        gap = Segment(" " * GAP, base)
        look, tile_keys = key[:4], key[4:]
        drawn = self._tiles
        positions = range(start, min(start + self.columns, len(self.order)))
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
                if column:
                    lines[index].append(gap)
                lines[index].extend(segments)
        # Every tile line is tile_width cells (set_cell_size), so the row's length is known.
        drawn_width = tiles_drawn * self.tile_width + max(tiles_drawn - 1, 0) * GAP
        if drawn_width > width:
            return [Strip(segments).crop(0, width) for segments in lines]
        if drawn_width < width:
            fill = Segment(" " * (width - drawn_width), base)
            for segments in lines:
                segments.append(fill)
        return [Strip(segments, width) for segments in lines]

    def _render_tile(self, tile: ExtensionTile, now: datetime, base: Style, is_cursor: bool) -> list[list[Segment]]:
        width = self.tile_width
        state = tile.state
        style = base + self._style(_STATE_CLASS[state])
        glyph_style = style + self._style("grid--glyph-" + _STATE_CLASS[state].split("--")[1])
        changed = tile.changed_at is not None and (now - tile.changed_at).total_seconds() < HIGHLIGHT_S
        if self.stale:  # greyed out and dim, all of it; the cursor stays visible on top
            style += self._style("grid--stale")
            glyph_style += self._style("grid--stale")
        if is_cursor:
            style += self._style("grid--cursor")
            glyph_style += self._style("grid--cursor")
        if changed:
            style += self._style("grid--changed")
            glyph_style += self._style("grid--changed")
        bold = style + _BOLD
        marker = "▶" if is_cursor else " "
        name = clean_text(tile.name or "", limit=80)
        age = state_age_text(tile, now)
        word = state.label.upper() if self.large and state is not ExtensionState.ONLINE else state.label
        devices = f" ×{tile.devices}" if tile.devices > 1 else ""
        flaps = f" ↓{tile.flaps}" if tile.flaps else ""
        status = f"{word} {age}".rstrip() + devices
        if cell_len(status) + cell_len(flaps) + 3 <= width:
            status += flaps
        if self.large:
            first = [
                Segment(marker, bold),
                Segment(state.glyph, glyph_style),
                Segment(" ", style),
                Segment(set_cell_size(tile.extension, width - 3), bold),
            ]
            second = [Segment(set_cell_size("   " + name, width), style)]
            third = [Segment(set_cell_size("   " + status, width), bold if state is not ExtensionState.ONLINE else style)]
            return [first, second, third]
        head = f"{tile.extension} "
        first = [
            Segment(marker, bold),
            Segment(state.glyph, glyph_style),
            Segment(" ", style),
            Segment(head, bold),
        ]
        rest = width - 3 - cell_len(head)
        first.append(Segment(set_cell_size(name, rest) if rest > 0 else "", style))
        if rest < 0:
            first = [Segment(set_cell_size(marker + state.glyph + " " + tile.extension, width), bold)]
        second = [Segment(set_cell_size("   " + status, width), style)]
        return [first, second]

    # ------------------------------------------------------------------ cursor and mouse

    def _move_cursor(self, index: int) -> None:
        if not self.order:
            return
        index = max(0, min(index, len(self.order) - 1))
        if index == self.cursor:
            return
        old_row = self.cursor // self.columns
        self.cursor = index
        self._refresh_row(old_row)
        self._refresh_row(index // self.columns)
        self._scroll_to_cursor()
        self.post_message(self.Highlighted(self.highlighted_extension))

    def _scroll_to_cursor(self) -> None:
        if not self.order or not self.size.height:
            return
        row = self.cursor // self.columns
        self.scroll_to_region(
            Region(0, row * self.row_height, 1, self.tile_height), animate=False, immediate=True
        )

    def action_cursor(self, dx: int, dy: int) -> None:
        self._move_cursor(self.cursor + dx + dy * self.columns)

    def action_page(self, direction: int) -> None:
        rows = max(1, self.size.height // self.row_height - 1)
        self._move_cursor(self.cursor + direction * rows * self.columns)

    def action_jump(self, where: int) -> None:
        self._move_cursor(0 if where == 0 else len(self.order) - 1)

    def select_extension(self, extension: str) -> bool:
        index = self._index.get(extension)
        if index is None:
            return False
        self._move_cursor(index)
        return True

    def key_enter(self) -> None:
        extension = self.highlighted_extension
        if extension is not None:
            self.post_message(self.Opened(extension))

    def tile_at(self, x: int, y: int) -> int | None:
        """The position (in ``order``) of the tile under a point of the widget, or None."""
        line = int(self.scroll_offset.y) + y
        row, within = divmod(line, self.row_height)
        if within >= self.tile_height:
            return None
        column, offset = divmod(x, self.tile_width + GAP)
        if column >= self.columns or offset >= self.tile_width:
            return None
        index = row * self.columns + column
        return index if index < len(self.order) else None

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = self.tile_at(offset.x, offset.y)
        if index is None:
            return
        self.focus()
        self._move_cursor(index)
        if event.chain >= 2:
            self.post_message(self.Opened(self.order[index]))


def since_text(tile: ExtensionTile, now: datetime) -> str:
    """For the details screen: ``"online for 3 hours (since 07:12:04)"``."""
    moment = tile.since.astimezone(now.tzinfo) if now.tzinfo else tile.since
    span = state_age_text(tile, now)
    time = moment.strftime("%H:%M:%S")
    if tile.since_known:
        return _("{state} for {age} (since {time})").format(
            state=tile.state.label, age=span or _("a moment"), time=time
        )
    if span:
        return _("{state} for {age} (watching since {time})").format(
            state=tile.state.label, age=span, time=time
        )
    return _("{state} (watching since {time})").format(state=tile.state.label, time=time)


__all__ = ["ExtensionGrid", "HIGHLIGHT_S", "age_bucket", "since_text", "state_age_text", "timedelta"]
