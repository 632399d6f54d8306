"""The quality report's charts, drawn with plotext through textual-plotext: calls per hour,
ASR per hour, the MOS distribution and the recorder's online count. Each has a title, labelled
axes and the theme's colours; each is drawn again at its size on every render, so a resize or
a theme change redraws it right."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from textual.app import ComposeResult
from textual.color import Color
from textual.containers import Grid
from textual_plotext import PlotextPlot
from textual_plotext.plot import Plot

from ...i18n import _
from ...monitor.quality import MOS_BINS, HourPoint, mos_histogram

MAX_POINTS = 240
"""The online count is averaged into at most this many points (a week of minutes is 10,080)."""


@dataclass(frozen=True)
class ChartData:
    """What the four charts show, read from a built report."""

    since: datetime
    until: datetime
    hours: Sequence[HourPoint] = ()
    mos: Sequence[float] = ()
    online: Sequence[tuple[datetime, int]] = ()
    recorded: bool = False
    labels: dict[str, str] = field(default_factory=dict)


def tick_count(width: int) -> int:
    """How many labelled ticks fit under a plot ``width`` cells wide: plotext moves a label that
    would touch its neighbour, in an order that changes from one run to the next, so labels
    keep two label widths apart and none has to move."""
    return max(2, min(7, (width - 6) // 11 + 1))


def _ticks(since: datetime, until: datetime, count: int = 5) -> tuple[list[float], list[str]]:
    """Tick positions in hours from ``since`` and their labels (the hour, or the day on a range
    longer than a day)."""
    span_h = max(1.0, (until - since).total_seconds() / 3600)
    long = span_h > 26
    count = max(2, count)
    positions, labels = [], []
    for i in range(count):
        hours = span_h * i / (count - 1)
        moment = since + timedelta(hours=hours)
        positions.append(round(hours, 3))
        labels.append(moment.strftime("%d/%m" if long else "%H:%M"))
    if labels[0] == labels[-1]:
        labels[0] = since.strftime("%d/%m")  # a day apart, the two ends read the same
    return positions, labels


def _hours_from(since: datetime, moment: datetime) -> float:
    return (moment - since).total_seconds() / 3600


def downsample(points: Sequence[tuple[datetime, int]], limit: int = MAX_POINTS) -> list[tuple[datetime, float]]:
    """At most ``limit`` points: neighbours averaged, each at the first one's time."""
    if len(points) <= limit:
        return [(at, float(n)) for at, n in points]
    size = -(-len(points) // limit)
    out = []
    for i in range(0, len(points), size):
        chunk = points[i:i + size]
        out.append((chunk[0][0], sum(n for _at, n in chunk) / len(chunk)))
    return out


class Chart(PlotextPlot):
    """One plot, drawn from its data by ``draw(plt, colours)`` at render time."""

    DEFAULT_CSS = "Chart { height: 1fr; width: 1fr; min-height: 8; }"

    def __init__(self, draw: Callable[[Any, dict[str, tuple[int, int, int]], int], None] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._draw = draw

    def set_draw(self, draw: Callable[[Any, dict[str, tuple[int, int, int]], int], None]) -> None:
        self._draw = draw
        self.refresh()

    def _colours(self) -> dict[str, tuple[int, int, int]]:
        variables = self.app.theme_variables
        out = {}
        for name in ("primary", "secondary", "accent", "success", "warning", "error", "foreground"):
            value = variables.get(name)
            if value:
                out[name] = Color.parse(value).rgb
        return out

    def render(self) -> Any:
        # A new figure every time: plotext keeps layout state between builds (an earlier size
        # moved the tick labels of the next drawing by a cell), so nothing may carry over.
        self._plot = Plot()
        plt = self.plt
        if self._draw is not None:
            self._draw(plt, self._colours(), tick_count(self.size.width))
        return super().render()


class QualityCharts(Grid):
    """Four charts in a grid of two by two."""

    DEFAULT_CSS = """
    QualityCharts { grid-size: 2 2; grid-gutter: 0 1; height: 1fr; }
    """

    def compose(self) -> ComposeResult:
        yield Chart(id="chart-calls")
        yield Chart(id="chart-asr")
        yield Chart(id="chart-mos")
        yield Chart(id="chart-online")

    def show(self, data: ChartData) -> None:
        self.query_one("#chart-calls", Chart).set_draw(lambda plt, c, n: _calls(plt, c, data, n))
        self.query_one("#chart-asr", Chart).set_draw(lambda plt, c, n: _asr(plt, c, data, n))
        self.query_one("#chart-mos", Chart).set_draw(lambda plt, c, n: _mos(plt, c, data, n))
        self.query_one("#chart-online", Chart).set_draw(lambda plt, c, n: _online(plt, c, data, n))


def _frame(plt: Any, title: str, data: ChartData, ylabel: str, ticks: int) -> None:
    plt.title(title)
    plt.xlabel(_("PBX time"))
    plt.ylabel(ylabel)
    positions, labels = _ticks(data.since, data.until, ticks)
    plt.xticks(positions, labels)
    plt.xlim(0, positions[-1])


def _empty(plt: Any, title: str, text: str) -> None:
    plt.title(title)
    plt.xticks([], [])
    plt.yticks([], [])
    plt.text(text, 0.5, 0.5, alignment="center")
    plt.xlim(0, 1)
    plt.ylim(0, 1)


def _count_axis(plt: Any, top: float) -> None:
    """A count's axis from 0 with whole-number ticks: 0, half and the top."""
    top = max(1, int(round(top)))
    plt.ylim(0, top * 1.1)
    plt.yticks(sorted({0, top // 2, top}))


def _calls(plt: Any, colours: dict[str, tuple[int, int, int]], data: ChartData, ticks: int) -> None:
    title = _("Calls per hour")
    if not data.hours:
        _empty(plt, title, _("No calls in this range"))
        return
    _frame(plt, title, data, _("calls"), ticks)
    xs = [_hours_from(data.since, p.hour) + 0.5 for p in data.hours]
    plt.bar(xs, [p.calls for p in data.hours], color=colours.get("primary", "blue"), width=0.8, marker="sd")
    positions, labels = _ticks(data.since, data.until, ticks)
    plt.xticks(positions, labels)  # again: a bar chart puts its own ticks under every bar
    _count_axis(plt, max(p.calls for p in data.hours))


def _asr(plt: Any, colours: dict[str, tuple[int, int, int]], data: ChartData, ticks: int) -> None:
    title = _("ASR per hour (% answered)")
    points = [p for p in data.hours if p.asr_pct is not None]
    if not points:
        _empty(plt, title, _("No calls in this range"))
        return
    _frame(plt, title, data, "%", ticks)
    xs = [_hours_from(data.since, p.hour) + 0.5 for p in points]
    plt.plot(xs, [p.asr_pct for p in points], color=colours.get("success", "green"), marker="braille")
    plt.ylim(0, 100)
    plt.yticks([0, 25, 50, 75, 100])


def _mos(plt: Any, colours: dict[str, tuple[int, int, int]], data: ChartData, ticks: int) -> None:
    title = _("MOS distribution (answered calls)")
    if not data.mos:
        _empty(plt, title, _("No MOS in this range"))
        return
    bins = mos_histogram(data.mos)
    # Only the scores that occur, from the lowest to 5: a real tenant's MOS sits in 3-4.5.
    first = next(i for i, (_edge, n) in enumerate(bins) if n)
    shown = bins[max(0, first - 1):]
    plt.title(title)
    plt.xlabel(_("MOS (1 bad - 5 excellent)"))
    plt.ylabel(_("calls"))
    plt.bar([edge + 0.125 for edge, _n in shown], [n for _edge, n in shown],
            color=colours.get("accent", "magenta"), width=0.2, marker="sd")
    halves = [edge for edge, _n in shown if edge * 2 == int(edge * 2)]
    plt.xticks(halves, [f"{edge:g}" for edge in halves])
    plt.xlim(shown[0][0], 5.25)
    _count_axis(plt, max(n for _edge, n in shown))


def _online(plt: Any, colours: dict[str, tuple[int, int, int]], data: ChartData, ticks: int) -> None:
    title = _("Online extensions (flight recorder)")
    points = downsample(list(data.online))
    if not points:
        _empty(plt, title, _("Nothing recorded in this range"))
        return
    _frame(plt, title, data, _("online"), ticks)
    plt.plot([_hours_from(data.since, at) for at, _n in points], [n for _at, n in points],
             color=colours.get("warning", "yellow"), marker="braille")
    _count_axis(plt, round(max(n for _at, n in points)))


__all__ = ["MOS_BINS", "ChartData", "Chart", "QualityCharts", "downsample"]
