"""The board's summary line: the counts on the left, a sparkline of the online count, and the
view (sort, filter) on the right, drawn as one strip.

All three change with the polls. As one Line API widget the line costs one repaint a poll
instead of three widgets and their container, and it is rebuilt only when one of its parts
changed. Text is drawn as given (Rich ``Text``), never parsed as markup.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from ...i18n import _
from ...monitor.history import CountHistory
from ...monitor.states import ExtensionState
from .styles import StyleCache, changed_span

BARS = "▁▂▃▄▅▆▇█"
SPARK_MARGIN = 2
SPARK_MIN, SPARK_MAX = 8, 48
_COUNT_STYLE = {
    ExtensionState.UNREACHABLE: "bold yellow",
    ExtensionState.OFFLINE: "bold red",
    ExtensionState.NEVER_SEEN: "dim",
    ExtensionState.UNKNOWN: "dim",
}


def count_text(counts: dict[ExtensionState, int], total: int) -> Text:
    """``"47/60 online  ○ 4 offline  · 9 never seen"``: every extension counted once, in the
    words the tiles and the filters use; "unknown" (before the first answer) when there are
    any. Online + the rest = the total, and the rest is what "not online" shows."""
    width = len(str(total))
    text = Text()
    unreachable = counts[ExtensionState.UNREACHABLE]
    text.append(f"{counts[ExtensionState.ONLINE] - unreachable:>{width}}/{total} ", style="bold")
    text.append(_("online") + "  ")
    for state in (ExtensionState.UNREACHABLE, ExtensionState.OFFLINE, ExtensionState.NEVER_SEEN, ExtensionState.UNKNOWN):
        if state in (ExtensionState.UNKNOWN, ExtensionState.UNREACHABLE) and not counts[state]:
            continue
        text.append(state.glyph, style=_COUNT_STYLE[state])
        text.append(f" {counts[state]:>{width}} {state.label}  ")
    return text


def spark_range(history: CountHistory, floor: int = 0) -> Text:
    """``"44–45"``: the lowest and highest online count the sparkline shows."""
    values = history.values()
    if not values:
        return Text()
    low, high = min(values), max(values)
    return Text(f"{low}–{high}" if low != high else str(low))


class BoardSummary(Widget):
    """``47/60 online  ○ 4 offline  · 9 never seen  ▃▅▆▇█  sort: number``"""

    DEFAULT_CSS = """
    BoardSummary { height: 1; padding: 0 1; background: $panel; }
    BoardSummary > .summary--view { color: $text-muted; }
    BoardSummary > .summary--spark-max { color: $success; }
    BoardSummary > .summary--spark-min { color: $error 70%; }
    """
    COMPONENT_CLASSES = {"summary--view", "summary--spark-max", "summary--spark-min"}

    def __init__(self, history: CountHistory, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.history = history
        # the bars stand on 0 and reach the total: one phone looks like one phone
        self.scale_top = 0
        self._counts = Text()
        self._view = Text()
        self._levels: tuple[int, ...] | None = None
        self._range = Text()
        self._strip: Strip | None = None
        self._drawn: Strip | None = None  # the line the compositor has
        self._batching = 0
        self._dirty = False
        self._styles = StyleCache(self)
        self._bar_styles: list[Style] = []

    @property
    def counts(self) -> Text:
        return self._counts

    @property
    def view(self) -> Text:
        return self._view

    def set_counts(self, text: Text) -> None:
        if text != self._counts:
            self._counts = text
            self._changed()

    def set_view(self, text: Text) -> None:
        if text != self._view:
            self._view = text
            self._changed()

    def set_scale(self, top: int) -> None:
        """The count the full bar stands for (the number of extensions)."""
        if top != self.scale_top:
            self.scale_top = top
            self._changed()

    def _spark_levels(self, width: int) -> tuple[int, ...]:
        return self.history.levels(width, top=self.scale_top)

    def update_spark(self) -> None:
        """Call after the history grew: repaints only if the bars or their range would change."""
        if (
            self._spark_levels(self._spark_width(self.size.width)) != self._levels
            or spark_range(self.history) != self._range
        ):
            self._changed()

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Several parts set at once are drawn once, at the end."""
        self._batching += 1
        try:
            yield
        finally:
            self._batching -= 1
            if not self._batching and self._dirty:
                self._repaint()

    def _changed(self) -> None:
        self._dirty = True
        if not self._batching:
            self._repaint()

    def _repaint(self) -> None:
        """Draw the line again now and repaint only the cells that changed (the counts, the
        newest bars): the rest of the line is not sent to the terminal again."""
        self._dirty = False
        width = self.size.width
        drawn = self._drawn
        if not width or drawn is None or drawn.cell_length != width or not self.display:
            self._strip = None
            self.refresh()
            return
        self._strip = strip = self._render_strip(width, self._styles.get())
        span = changed_span(drawn, strip)
        if span is not None:
            start, end = span
            self.refresh(Region(start, 0, end - start, 1))

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()
        self._bar_styles = []
        self._strip = None

    def on_resize(self) -> None:
        self._strip = None

    def _spark_width(self, width: int) -> int:
        """Half of what the counts leave (the other half is the view's), within 8..48 cells."""
        free = width - self._counts.cell_len - 2 * SPARK_MARGIN - spark_range(self.history).cell_len - 1
        return max(0, min(SPARK_MAX, max(SPARK_MIN, free // 2), free))

    def _spark_styles(self) -> list[Style]:
        """One style per bar height, red (fewest) to green (most), over the background."""
        if not self._bar_styles:
            background = self.background_colors[1]
            low = background + self.get_component_styles("summary--spark-min").color
            high = background + self.get_component_styles("summary--spark-max").color
            base = self._styles.get()
            top = len(BARS) - 1
            self._bar_styles = [
                base + Style(color=low.blend(high, level / top).rich_color) for level in range(len(BARS))
            ]
        return self._bar_styles

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self._styles.get()
        if y != 0:
            return Strip.blank(width, base)
        if self._strip is None or self._strip.cell_length != width:
            self._strip = self._render_strip(width, base)
        self._drawn = self._strip
        return self._strip

    def _render_strip(self, width: int, base: Style) -> Strip:
        console = self.app.console
        counts = self._counts.copy()
        counts.truncate(width, overflow="ellipsis")
        segments = list(Segment.apply_style(counts.render(console), base))
        used = counts.cell_len
        spark = self._spark_width(width)
        levels = self._levels = self._spark_levels(spark)
        self._range = spark_range(self.history)
        if spark:
            styles = self._spark_styles()
            segments.append(Segment(" " * SPARK_MARGIN, base))
            start = 0
            for index in range(1, len(levels) + 1):  # one segment per run of equal bars
                if index == len(levels) or levels[index] != levels[start]:
                    segments.append(Segment(BARS[levels[start]] * (index - start), styles[levels[start]]))
                    start = index
            segments.append(Segment(" " * (spark - len(levels) + 1), base))
            label = self._range.plain
            segments.append(Segment(label, base + self._styles.get("summary--view")))
            segments.append(Segment(" " * SPARK_MARGIN, base))
            used += spark + 1 + SPARK_MARGIN + len(label) + SPARK_MARGIN
        room = width - used
        if room > 0 and self._view.cell_len:
            view = self._view.copy()
            view.truncate(room, overflow="ellipsis")
            view_style = base + self._styles.get("summary--view")
            if room > view.cell_len:
                segments.append(Segment(" " * (room - view.cell_len), base))
            segments.extend(Segment.apply_style(view.render(console), view_style))
        return Strip(segments).crop_extend(0, width, base)
