"""The board's memory on screen: the recent changes, newest first (a small Line API view over
the event log), and the online count over time (one line of bars)."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget

from ...api.text import clean_text
from ...monitor.board import ExtensionBoard
from ...monitor.history import BoardEvent, CountHistory, ExtensionState
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


_BARS = "▁▂▃▄▅▆▇█"


class CountSparkline(Widget):
    """The online count after each poll as one line of bars, red (fewest) to green (most).

    Cheaper than textual's ``Sparkline`` for a value that changes every second: ``update()``
    repaints only when the bars at the current width differ from the ones on screen, and the
    bars are drawn straight into one strip (a run of equal bars is one segment).
    """

    DEFAULT_CSS = """
    CountSparkline { height: 1; }
    CountSparkline > .spark--max { color: $success; }
    CountSparkline > .spark--min { color: $error 70%; }
    """
    COMPONENT_CLASSES = {"spark--max", "spark--min"}

    def __init__(self, history: CountHistory, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.history = history
        self._shown: tuple[int, ...] | None = None
        self._styles: list[Style] = []

    def update(self) -> None:
        """Call after the history grew: repaints only if the bars changed."""
        if self.history.levels(self.size.width) != self._shown:
            self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = []

    def on_resize(self) -> None:
        self.refresh()

    def _level_styles(self) -> list[Style]:
        """One style per bar height over the background, then the background alone."""
        if not self._styles:
            background = self.background_colors[1]
            low = background + self.get_component_styles("spark--min").color
            high = background + self.get_component_styles("spark--max").color
            top = len(_BARS) - 1
            base = Style(bgcolor=self.rich_style.bgcolor)
            self._styles = [base + Style(color=low.blend(high, level / top).rich_color) for level in range(len(_BARS))]
            self._styles.append(base)
        return self._styles

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        levels = self.history.levels(width)
        self._shown = levels
        styles = self._level_styles()
        segments = []
        start = 0
        for index in range(1, len(levels) + 1):  # one segment per run of equal bars
            if index == len(levels) or levels[index] != levels[start]:
                segments.append(Segment(_BARS[levels[start]] * (index - start), styles[levels[start]]))
                start = index
        return Strip(segments).extend_cell_length(width, styles[-1])
