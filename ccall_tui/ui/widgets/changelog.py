"""The board's memory on screen: the recent changes, newest first (a small Line API view over
the event log)."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...api.text import clean_text
from ...monitor.board import ExtensionBoard
from ...monitor.history import BoardEvent, ExtensionState
from .board import StyleCache

_CLASSES = {
    ExtensionState.ONLINE: "changelog--online",
    ExtensionState.OFFLINE: "changelog--offline",
    ExtensionState.NEVER_SEEN: "changelog--never",
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
        self._strips: dict[int, tuple[BoardEvent, int, Strip]] = {}
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

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self._base_style()
        index = int(self.scroll_offset.y) + y
        if index >= len(self._items):
            return Strip.blank(width, base)
        event = self._items[index]
        cached = self._strips.get(id(event))
        if cached is not None and cached[0] is event and cached[1] == width:
            return cached[2]
        segments = [
            Segment(event.at.strftime("%H:%M:%S") + " ", base + self._style("changelog--time")),
            Segment(event.new.glyph + " ", base + self._style(_CLASSES[event.new])),
            Segment(event.describe(), base),
        ]
        tile = self.board.get(event.extension)
        if tile is not None and tile.name:
            segments.append(Segment(" " + clean_text(tile.name, limit=80), base + self._style("changelog--name")))
        strip = Strip(segments).crop_extend(0, width, base)
        self._strips[id(event)] = (event, width, strip)
        return strip


