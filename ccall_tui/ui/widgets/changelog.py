"""The board's memory on screen: the recent changes, newest first (a small Line API view over
the event log)."""

from __future__ import annotations

from math import ceil

from rich.segment import Segment
from rich.text import Text
from rich.style import Style
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.strip import Strip
from textual.widget import Widget

from ...api.text import clean_text
from ...i18n import _
from ...monitor.board import ExtensionBoard
from ...monitor.format import format_clock, format_timestamp
from ...monitor.history import BoardEvent
from ...monitor.states import ExtensionState
from .styles import StyleCache

_CLASSES = {
    ExtensionState.ONLINE: "changelog--online",
    ExtensionState.UNREACHABLE: "changelog--unreachable",
    ExtensionState.OFFLINE: "changelog--offline",
    ExtensionState.NEVER_SEEN: "changelog--never",
    ExtensionState.UNKNOWN: "changelog--never",
}


def describe(event: BoardEvent) -> str:
    """What the line says: ``105 offline``, ``105 devices 1 → 2``; for a registered extension
    that stops or starts answering pings ``105 unreachable (no answer to pings)`` / ``105
    answers pings again``."""
    if event.new is ExtensionState.UNREACHABLE:
        return f"{event.extension} " + _("unreachable (no answer to pings)")
    if event.old is ExtensionState.UNREACHABLE:
        return f"{event.extension} " + _("answers pings again")
    return event.describe()


def _thumb(bar: ScrollBar) -> list[Segment]:
    """The cells of a vertical scrollbar, one per line, as :class:`ScrollBar` draws them."""
    virtual = bar.window_virtual_size
    window = bar.window_size if bar.window_size < virtual else 0
    return list(ScrollBarRender.render_bar(
        size=bar.size.height, virtual_size=ceil(virtual), window_size=ceil(window),
        position=bar.position, thickness=bar.thickness, vertical=True,
    ).segments)


class ChangeLogView(ScrollView, can_focus=False):
    """One line per change: time, glyph, what happened, the extension's name."""

    ALLOW_SELECT = False
    DEFAULT_CSS = """
    ChangeLogView { height: 1fr; background: $surface; scrollbar-size-vertical: 1; }
    ChangeLogView > .changelog--time { color: $text-muted; }
    ChangeLogView > .changelog--online { color: $success; text-style: bold; }
    ChangeLogView > .changelog--offline { color: $error; text-style: bold; }
    ChangeLogView > .changelog--unreachable { color: $warning; text-style: bold; }
    ChangeLogView > .changelog--never { color: $text-muted; }
    ChangeLogView > .changelog--name { color: $text-muted; }
    """
    COMPONENT_CLASSES = {
        "changelog--time", "changelog--online", "changelog--offline", "changelog--unreachable", "changelog--never",
        "changelog--name",
    }

    def __init__(self, board: ExtensionBoard, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.board = board
        self._items: list[BoardEvent] = []
        self._strips: dict[int, tuple[BoardEvent, tuple, Strip]] = {}
        self._styles = StyleCache(self)
        self._fill: Style | None = None
        self._empty_wrapped: tuple[tuple[str, int], list[str]] | None = None
        self._hidden_changes = False

    def update_events(self) -> None:
        """Show the log as it is now (call after the board changed).

        Only the lines in view are repainted (not the frame and its title), and a log that
        grows by a line is not laid out again unless that shows or hides the scrollbar: the
        screen's layout would otherwise be computed again for every change."""
        self._items = self.board.events.latest(len(self.board.events))
        live = {id(event) for event in self._items}
        for key in [k for k in self._strips if k not in live]:
            del self._strips[key]
        if not self._shown():  # on the wall: drawn when it is shown again
            self._hidden_changes = True
            return
        self._hidden_changes = False
        self._set_lines(len(self._items))
        width, height = self.scrollable_content_region.size
        if width and height:
            self.refresh(Region(0, 0, width, height))

    def _shown(self) -> bool:
        """Neither the log nor a panel holding it is hidden."""
        node: object = self
        while isinstance(node, Widget):
            if not node.display:
                return False
            node = node.parent
        return True

    def on_show(self) -> None:
        if self._hidden_changes:
            self.update_events()

    def _set_lines(self, lines: int) -> None:
        size = Size(self.scrollable_content_region.width, lines)
        if size == self.virtual_size:
            return
        view = self.container_size.height
        scrollbar = self.show_vertical_scrollbar
        if not self.container_size or (lines > view) != scrollbar or size.width != self.virtual_size.width:
            self.virtual_size = size  # the scrollbar comes or goes: a layout is due
            return
        self.set_reactive(ChangeLogView.virtual_size, size)
        if scrollbar:
            self._resize_thumb(lines)
        self.scroll_y = self.validate_scroll_y(self.scroll_y)

    def _resize_thumb(self, lines: int) -> None:
        """The scrollbar's thumb for a log of ``lines``: only the cells of the bar that change
        are repainted (its end moves by a fraction of a cell a change)."""
        bar = self.vertical_scrollbar
        before = _thumb(bar)
        bar.set_reactive(ScrollBar.window_virtual_size, lines)
        after = _thumb(bar)
        changed = [y for y, (old, new) in enumerate(zip(before, after)) if old != new]
        if len(before) != len(after):
            bar.refresh()
        elif changed:
            bar.refresh(Region(0, changed[0], bar.size.width, changed[-1] - changed[0] + 1))

    def render_lines(self, crop: Region) -> list[Strip]:
        """The lines of ``crop``. Without a frame, padding or effects (the monitor puts the
        frame on a container), a line is the one :meth:`render_line` cached, filtered as
        Textual would: a new change repaints the lines in view and does not run each of them
        through the general styles pipeline again."""
        if not self._plain():
            return super().render_lines(crop)
        width = self.region.width
        inner = self._fill_style()
        background = self.background_colors[1]
        filters = self.get_line_filters()
        strips = []
        for y in crop.line_range:
            strip = self.render_line(y).adjust_cell_length(width, inner)
            for line_filter in filters:
                strip = strip.apply_filter(line_filter, background)
            strips.append(strip)
        x1, x2 = crop.column_span
        if (x1, x2) != (0, width):
            strips = [strip.crop(x1, x2) for strip in strips]
        return strips

    def _plain(self) -> bool:
        styles = self.styles
        return not (
            any(edge for edge, _color in styles.border)
            or any(edge for edge, _color in styles.outline)
            or any(styles.padding)
            or styles.tint.a
            or self.opacity != 1.0
            or styles.text_opacity != 1.0
            or (styles.has_rule("hatch") and styles.hatch != "none")
        )

    def _fill_style(self) -> Style:
        if self._fill is None:
            base_background, background = self.background_colors
            inner, _outer = self._styles_cache.get_inner_outer(base_background, background)
            self._fill = inner.rich_style
        return self._fill

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()
        self._strips.clear()
        self._fill = None

    def _base_style(self) -> Style:
        return self._styles.get()

    def _style(self, name: str) -> Style:
        return self._styles.get(name)

    def _empty_line(self, y: int, width: int, base: Style) -> Strip:
        """The empty log says why it is empty (wrapped to the panel, in any language)."""
        message = _("No changes yet: phones going offline or coming back online show here.")
        wrapped = self._empty_wrapped
        if wrapped is None or wrapped[0] != (message, width):  # wrapped once, not once a line
            lines = Text(message).wrap(self.app.console, max(width, 1))
            wrapped = self._empty_wrapped = ((message, width), [line.plain.rstrip() for line in lines])
        line = wrapped[1][y] if y < len(wrapped[1]) else ""
        return Strip([Segment(line, base + self._style("changelog--time"))]).crop_extend(0, width, base)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self._base_style()
        index = int(self.scroll_offset.y) + y
        if not self._items:
            return self._empty_line(y, width, base)
        if index >= len(self._items):
            return Strip.blank(width, base)
        event = self._items[index]
        newest = self._items[0].at
        today = (self.board.updated_at or newest).astimezone(newest.tzinfo).date() if newest.tzinfo else newest.date()
        cached = self._strips.get(id(event))
        if cached is not None and cached[0] is event and cached[1] == (width, today):
            return cached[2]
        # Today's changes by their time; older ones (a board left running for days) by date too.
        when = format_clock(event.at) if event.at.date() == today else format_timestamp(event.at)
        segments = [
            Segment(when + " ", base + self._style("changelog--time")),
            Segment(event.new.glyph + " ", base + self._style(_CLASSES[event.new])),
            Segment(describe(event), base),
        ]
        tile = self.board.get(event.extension)
        if tile is not None and tile.name:
            segments.append(Segment(" " + clean_text(tile.name, limit=80), base + self._style("changelog--name")))
        strip = Strip(segments).crop_extend(0, width, base)
        self._strips[id(event)] = (event, (width, today), strip)
        return strip


