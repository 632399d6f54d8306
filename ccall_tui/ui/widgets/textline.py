"""One line of text drawn from a ready-made strip.

The board's status line and counts change with every poll. A ``Static`` turns its content into
a new visual on each update and lays it out again; this widget renders the Rich ``Text`` to
segments once per change and hands the compositor the same strip until the next one. The text
is never parsed as markup.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.text import Text
from textual.strip import Strip
from textual.widget import Widget

from .styles import StyleCache


class TextLine(Widget):
    """A line of Rich ``Text``, aligned by the CSS ``content-align`` rules, cut with an
    ellipsis when it does not fit. Taller than one line, it wraps onto the rows it has."""

    DEFAULT_CSS = "TextLine { height: 1; }"

    def __init__(self, text: Text | str = "", *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._text = text if isinstance(text, Text) else Text(text)
        self._strips: list[Strip] | None = None
        self._drawn_size = (0, 0)
        self._styles = StyleCache(self)

    @property
    def text(self) -> Text:
        return self._text

    def update(self, text: Text | str) -> None:
        self._text = text if isinstance(text, Text) else Text(text)
        self._strips = None
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()
        self._strips = None

    def get_content_width(self, container, viewport) -> int:
        return self._text.cell_len

    def get_content_height(self, container, viewport, width: int) -> int:
        return 1

    def render_line(self, y: int) -> Strip:
        width, height = self.size
        strips = self._strips
        if strips is None or self._drawn_size != (width, height):
            strips = self._strips = self._render_strips(width, max(height, 1))
            self._drawn_size = (width, height)
        if 0 <= y < len(strips):
            return strips[y]
        return Strip.blank(width, self._styles.get())

    def _render_strips(self, width: int, height: int) -> list[Strip]:
        """The text on ``height`` rows: wrapped when there is more than one (the last row that
        fits ends with an ellipsis), cut with an ellipsis on one, aligned by the CSS."""
        base = self._styles.get()
        text = self._text
        if height == 1 or text.cell_len <= width:
            text = text.copy()
            text.truncate(width, overflow="ellipsis")
            lines = [text]
        else:
            lines = list(text.wrap(self.app.console, width, overflow="ellipsis"))
            if len(lines) > height:
                last = lines[height - 1].copy()
                last.rstrip()
                last.append("…")
                last.truncate(width, overflow="ellipsis")
                lines = [*lines[: height - 1], last]
        lines = lines or [Text()]
        for line in lines:
            line.rstrip()
        # As a Static lays text out: the block of lines is placed by content-align, each line
        # inside the block by text-align.
        block = max(line.cell_len for line in lines)
        styles = self.styles
        free = max(width - block, 0)
        horizontal = styles.content_align_horizontal
        block_left = free // 2 if horizontal == "center" else free if horizontal == "right" else 0
        text_align = "right" if self._text.justify == "right" else styles.text_align
        strips = []
        for line in lines:
            room = block - line.cell_len
            inner = room // 2 if text_align == "center" else room if text_align in ("right", "end") else 0
            strips.append(self._line_strip(line, width, base, block_left + inner))
        blank = Strip.blank(width, base)
        vertical = styles.content_align_vertical
        rows = height - len(strips)
        top = rows // 2 if vertical == "middle" else rows if vertical == "bottom" else 0
        return [blank] * top + strips + [blank] * (rows - top)

    def _line_strip(self, text: Text, width: int, base, left: int) -> Strip:
        segments = list(Segment.apply_style(text.render(self.app.console), base))
        if left > 0:
            segments.insert(0, Segment(" " * left, base))
        return Strip(segments).crop_extend(0, width, base)
