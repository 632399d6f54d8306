"""Rich styles for widgets that draw their own lines (the Line API grid, the change log, the
status lines): computed once per style update, translucent colours blended."""

from __future__ import annotations

from rich.style import Style
from textual.strip import Strip


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

    def __init__(self, widget) -> None:
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


def changed_span(old: Strip, new: Strip) -> tuple[int, int] | None:
    """The columns ``[start, end)`` where two lines differ, found by whole segments from
    both ends (None when they draw the same): a line whose count moved repaints the count,
    not the line."""
    if old.cell_length != new.cell_length:
        return 0, max(old.cell_length, new.cell_length)
    before, after = list(old), list(new)
    start = index = 0
    shortest = min(len(before), len(after))
    while index < shortest and before[index] == after[index]:
        start += after[index].cell_length
        index += 1
    if index == len(before) == len(after):
        return None
    end = new.cell_length
    back = 0
    while back < shortest - index and before[-1 - back] == after[-1 - back]:
        end -= after[-1 - back].cell_length
        back += 1
    return (start, end) if end > start else None


__all__ = ["StyleCache", "changed_span", "component_style"]
