"""An availability strip: one cell per slice of time, ``▇`` online, ``░`` offline, a lower
block for a slice that was partly online, ``◐`` (amber) for a slice in which it was registered
but did not answer pings for part of the time or all of it, ``·`` where nothing was recorded;
with the uptime, the flaps and the time unreachable beside it and a time axis under it. As many cells as the width allows: when the
strip has more slices than room, neighbouring slices are merged (two hours into one cell...).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from ...i18n import N_, _, ngettext
from ...recorder.model import Strip

FULL = "▇"
OFF = "░"
NONE = "·"
UNREACHABLE = "◐"
# a slice online part of the time: the higher the block, the more of it
PARTS = "▁▂▃▄▅▆"
# at least this fraction online counts as a full cell, at most 1 - this as an empty one
# (a poll's worth of an hour is not a partial hour worth a different glyph)
WHOLE = 0.995
GAP = 2  # blank cells between the strip and its summary

WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))


def cell_glyph(value: float | None, unreachable: float | None = None) -> str:
    """The glyph of a cell online ``value`` of its recorded time and not answering pings
    ``unreachable`` of it."""
    if value is None:
        return NONE
    if unreachable is not None and unreachable > 1 - WHOLE:
        return UNREACHABLE
    if value >= WHOLE:
        return FULL
    if value <= 1 - WHOLE:
        return OFF
    return PARTS[min(len(PARTS) - 1, int(value * len(PARTS)))]


def merge_cells(cells: Sequence[float | None], room: int) -> tuple[list[float | None], int]:
    """``cells`` in at most ``room`` cells: groups of ``k`` neighbours averaged (over the ones
    with data; None when none has). Returns the cells and ``k``."""
    if room <= 0 or not cells:
        return [], max(1, len(cells))
    k = max(1, math.ceil(len(cells) / room))
    if k == 1:
        return list(cells), 1
    merged: list[float | None] = []
    for start in range(0, len(cells), k):
        known = [c for c in cells[start:start + k] if c is not None]
        merged.append(sum(known) / len(known) if known else None)
    return merged, k


def uptime_text(strip: Strip) -> str:
    """``"97.9 % online · 2 flaps"``; ``"no record"`` when nothing was observed."""
    if strip.uptime_pct is None:
        return _("no record")
    pct = strip.uptime_pct
    figure = "100" if pct >= 99.95 else f"{pct:.1f}"
    flaps = ngettext("{n} flap", "{n} flaps", strip.flaps).format(n=strip.flaps)
    text = _("{pct} % online").format(pct=figure) + " · " + flaps
    deaf = strip.unreachable_pct
    if deaf is not None and deaf >= 0.05:
        text += f" · {UNREACHABLE} " + _("{pct} % unreachable").format(pct="100" if deaf >= 99.95 else f"{deaf:.1f}")
    return text


def weekday(moment: datetime) -> str:
    return _(WEEKDAYS[moment.weekday()])


def axis_ticks(strip: Strip, k: int, count: int) -> list[tuple[int, str]]:
    """(column, label) under the merged cells: every 6 hours for a strip of a day or less,
    each midnight (the weekday) for a longer one; only where a cell starts exactly there."""
    if not strip.cells:
        return []
    span = strip.until - strip.since
    cell = span / len(strip.cells)
    daily = span > timedelta(hours=30)
    ticks = []
    for column in range(count):
        start = strip.since + cell * (column * k)
        if start.second or start.microsecond:
            continue
        if daily:
            if start.hour == 0 and start.minute == 0:
                ticks.append((column, weekday(start)))
        elif start.minute == 0 and start.hour % 6 == 0:
            ticks.append((column, start.strftime("%H:%M")))
    return ticks


@dataclass(frozen=True)
class StripStyles:
    online: Style = Style(color="green")
    offline: Style = Style(color="red")
    partial: Style = Style(color="yellow")
    unreachable: Style = Style(color="yellow", bold=True)
    none: Style = Style(dim=True)
    label: Style = Style(bold=True)
    muted: Style = Style(dim=True)


def strip_lines(strip: Strip | None, label: str, width: int, styles: StripStyles | None = None,
                message: str | None = None) -> tuple[Text, Text]:
    """The strip's two lines at ``width`` cells: label, cells and summary; the time axis."""
    styles = styles or StripStyles()
    head = label + " "
    pad = cell_len(head)
    top = Text(head, style=styles.label, no_wrap=True, overflow="ellipsis")
    axis = Text(" " * pad, no_wrap=True, overflow="ellipsis")
    if strip is None:
        top.append(message or _("No history yet"), style=styles.muted)
        return top, axis
    summary = uptime_text(strip)
    room = width - pad - GAP - cell_len(summary)
    if room < 8:  # too narrow for the summary beside it: the cells first
        room, summary = width - pad, ""
    cells, k = merge_cells(strip.cells, room)
    deaf, _k = merge_cells(strip.unreachable or [None] * len(strip.cells), room)
    for value, unreachable in zip(cells, deaf):
        glyph = cell_glyph(value, unreachable)
        style = (
            styles.none if value is None else styles.online if glyph == FULL
            else styles.offline if glyph == OFF else styles.unreachable if glyph == UNREACHABLE
            else styles.partial
        )
        top.append(glyph, style=style)
    if summary:
        top.append(" " * GAP + summary)
    line = [" "] * len(cells)
    free_from = 0
    for column, text in axis_ticks(strip, k, len(cells)):
        if column >= free_from and column + len(text) <= len(line):
            line[column:column + len(text)] = list(text)
            free_from = column + len(text) + 1
    axis.append("".join(line).rstrip(), style=styles.muted)
    return top, axis


class AvailabilityStrip(Widget):
    """Two lines: ``24 h ▇▇◐░▇▇  97.9 % online · 2 flaps · ◐ 3.1 % unreachable`` and a time
    axis under the cells.
    ``set_strip(strip)`` shows one; ``set_message(text)`` says why there is none."""

    DEFAULT_CSS = """
    AvailabilityStrip { height: 2; }
    AvailabilityStrip > .strip--online { color: $success; }
    AvailabilityStrip > .strip--offline { color: $error; }
    AvailabilityStrip > .strip--partial { color: $warning; }
    AvailabilityStrip > .strip--unreachable { color: $warning; text-style: bold; }
    AvailabilityStrip > .strip--none { color: $text-disabled; }
    AvailabilityStrip > .strip--label { text-style: bold; }
    AvailabilityStrip > .strip--muted { color: $text-muted; }
    """
    COMPONENT_CLASSES = {
        "strip--online", "strip--offline", "strip--partial", "strip--unreachable", "strip--none", "strip--label",
        "strip--muted",
    }

    def __init__(self, label: str | Callable[[], str], *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._label = label
        self.strip: Strip | None = None
        self.message: str | None = _("Loading history…")

    @property
    def label(self) -> str:
        return self._label() if callable(self._label) else self._label

    def set_strip(self, strip: Strip) -> None:
        self.strip, self.message = strip, None
        self.refresh()

    def set_message(self, message: str) -> None:
        self.strip, self.message = None, message
        self.refresh()

    def _styles(self) -> StripStyles:
        get = self.get_component_rich_style
        return StripStyles(
            online=get("strip--online"), offline=get("strip--offline"), partial=get("strip--partial"),
            unreachable=get("strip--unreachable"), none=get("strip--none"), label=get("strip--label"), muted=get("strip--muted"),
        )

    def lines(self, width: int | None = None) -> tuple[Text, Text]:
        return strip_lines(self.strip, self.label, self.size.width if width is None else width,
                           self._styles() if self.is_attached else None, self.message)

    def render(self) -> Text:
        top, axis = self.lines()
        text = top.copy()
        text.append("\n")
        text.append_text(axis)
        return text


__all__ = ["AvailabilityStrip", "axis_ticks", "cell_glyph", "merge_cells", "strip_lines", "uptime_text"]
