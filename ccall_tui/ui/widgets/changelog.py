"""The board's memory on screen: the recent changes, newest first (a small Line API view over
the event log)."""

from __future__ import annotations

from rich.segment import Segment
from rich.text import Text
from rich.style import Style
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...api.text import clean_text
from ...i18n import _
from ...monitor.board import ExtensionBoard
from ...monitor.format import format_clock, format_timestamp
from ...monitor.history import BoardEvent
from ...monitor.states import ExtensionState
from .styles import StyleCache

_CLASSES = {
    ExtensionState.ONLINE: "changelog--online",
    ExtensionState.OFFLINE: "changelog--offline",
    ExtensionState.NEVER_SEEN: "changelog--never",
    ExtensionState.UNKNOWN: "changelog--never",
}


class ChangeLogView(ScrollView, can_focus=False):
    """One line per change: time, glyph, what happened, the extension's name."""

    ALLOW_SELECT = False
    DEFAULT_CSS = """
    ChangeLogView > .changelog--time { color: $text-muted; }
    ChangeLogView > .changelog--online { color: $success; text-style: bold; }
    ChangeLogView > .changelog--offline { color: $error; text-style: bold; }
    ChangeLogView > .changelog--never { color: $text-muted; }
    ChangeLogView > .changelog--name { color: $text-muted; }
    """
    COMPONENT_CLASSES = {
        "changelog--time", "changelog--online", "changelog--offline", "changelog--never", "changelog--name",
    }

    def __init__(self, board: ExtensionBoard, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.board = board
        self._items: list[BoardEvent] = []
        self._strips: dict[int, tuple[BoardEvent, tuple, Strip]] = {}
        self._styles = StyleCache(self)

    def update_events(self) -> None:
        """Show the log as it is now (call after the board changed)."""
        self._items = self.board.events.latest(len(self.board.events))
        live = {id(event) for event in self._items}
        for key in [k for k in self._strips if k not in live]:
            del self._strips[key]
        self.virtual_size = Size(self.scrollable_content_region.width, len(self._items))
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()
        self._strips.clear()

    def _base_style(self) -> Style:
        return self._styles.get()

    def _style(self, name: str) -> Style:
        return self._styles.get(name)

    def _empty_line(self, y: int, width: int, base: Style) -> Strip:
        """The empty log says why it is empty (wrapped to the panel, in any language)."""
        text = Text(_("No changes yet: phones going offline or coming back online show here."))
        lines = text.wrap(self.app.console, max(width, 1))
        line = lines[y].plain.rstrip() if y < len(lines) else ""
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
            Segment(event.describe(), base),
        ]
        tile = self.board.get(event.extension)
        if tile is not None and tile.name:
            segments.append(Segment(" " + clean_text(tile.name, limit=80), base + self._style("changelog--name")))
        strip = Strip(segments).crop_extend(0, width, base)
        self._strips[id(event)] = (event, (width, today), strip)
        return strip


