"""Summaries of call records: ASR, ACD, MOS, PDD percentiles, causes, calls per hour.

Pure functions over :class:`CallRecord`; the same code summarises one page or every page
(fed incrementally through :class:`SummaryBuilder`).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Iterable, Sequence

from ..api.cdrs import CallRecord
from ..i18n import N_, _

# One MOS scale everywhere (table, detail, summary, board, command line): FusionPBX's five
# words for the 1-5 score, cut at the ITU-T G.107 user-satisfaction points (4.34 "very
# satisfied", 4.03 "satisfied", 3.60 "some users dissatisfied", 3.10 "many dissatisfied"),
# rounded to the steps the app used before (4.0 good, 3.6 fair).
MOS_BANDS: tuple[tuple[float, str, str], ...] = (
    (4.3, "excellent", N_("Excellent")),
    (4.0, "good", N_("Good")),
    (3.6, "fair", N_("Fair")),
    (3.1, "poor", N_("Poor")),
    (float("-inf"), "bad", N_("Bad")),
)
# Rich styles per band (plain strings: no textual here); the word carries the meaning too.
MOS_STYLES = {"excellent": "bold green", "good": "green", "fair": "yellow", "poor": "red", "bad": "bold red"}
MAX_HOURS = 24 * 31  # the chart never has more bars than a month of hours

_DIRECTION_ORDER = {"inbound": 0, "outbound": 1, "local": 2}
_BLOCKS = "▁▂▃▄▅▆▇█"
_UTC = timezone.utc


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default); None when empty."""
    if not values:
        return None
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(fraction)
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = math.floor(position)
    high = math.ceil(position)
    if low == high:
        return ordered[low]
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def mos_band(mos: float | None) -> str | None:
    """``"excellent"``, ``"good"``, ``"fair"``, ``"poor"`` or ``"bad"``; None when unknown."""
    if mos is None or mos != mos:
        return None
    for floor, band, _label in MOS_BANDS:
        if mos >= floor:
            return band
    return None  # pragma: no cover - the last floor is -inf


def mos_label(mos: float | None) -> str:
    """The band's word, translated (``Good``); blank when unknown."""
    band = mos_band(mos)
    if band is None:
        return ""
    return _(next(label for _floor, key, label in MOS_BANDS if key == band))


def mos_text(mos: float | None) -> tuple[str, str | None]:
    """``("3.63 Fair", "fair")``: the score and its one word, and the band for colour.

    ``("", None)`` when there is no score (unanswered call, no media).
    """
    band = mos_band(mos)
    if band is None:
        return "", None
    return f"{mos:.2f} {mos_label(mos)}", band


def hour_of(moment: datetime, tz: tzinfo) -> datetime:
    return moment.astimezone(tz).replace(minute=0, second=0, microsecond=0)


@dataclass(frozen=True, slots=True)
class CdrSummary:
    calls: int = 0
    answered: int = 0
    acd_s: float | None = None
    mos_avg: float | None = None
    mos_worst: float | None = None
    mos_count: int = 0
    pdd_median_s: float | None = None
    pdd_p95_s: float | None = None
    by_cause: tuple[tuple[str, int], ...] = ()
    by_direction: tuple[tuple[str, int], ...] = ()  # inbound, outbound, local, then others
    per_hour: tuple[tuple[datetime, int], ...] = ()

    @property
    def asr(self) -> float | None:
        """Answer-seizure ratio, percent of calls answered."""
        return None if not self.calls else 100.0 * self.answered / self.calls


@dataclass
class SummaryBuilder:
    """Feed records page by page; ``result()`` at any time."""

    tz: tzinfo
    calls: int = 0
    answered: int = 0
    talk: list[float] = field(default_factory=list)
    mos: list[float] = field(default_factory=list)
    pdd: list[float] = field(default_factory=list)
    causes: Counter[str] = field(default_factory=Counter)
    directions: Counter[str] = field(default_factory=Counter)
    hours: Counter[datetime] = field(default_factory=Counter)

    def add(self, records: Iterable[CallRecord]) -> None:
        for record in records:
            self.calls += 1
            if record.answered:
                self.answered += 1
                if record.duration_s is not None:
                    self.talk.append(record.duration_s)
            if record.mos is not None:
                self.mos.append(record.mos)
            if record.pdd_s is not None and record.pdd_s >= 0:
                self.pdd.append(record.pdd_s)
            self.causes[(record.status or "").strip().upper() or "-"] += 1
            self.directions[record.direction or ""] += 1
            if record.start is not None:
                self.hours[hour_of(record.start, self.tz)] += 1

    def result(self) -> CdrSummary:
        return CdrSummary(
            calls=self.calls,
            answered=self.answered,
            acd_s=sum(self.talk) / len(self.talk) if self.talk else None,
            mos_avg=sum(self.mos) / len(self.mos) if self.mos else None,
            mos_worst=min(self.mos) if self.mos else None,
            mos_count=len(self.mos),
            pdd_median_s=percentile(self.pdd, 0.5),
            pdd_p95_s=percentile(self.pdd, 0.95),
            by_cause=tuple(sorted(self.causes.items(), key=lambda item: (-item[1], item[0]))),
            by_direction=tuple(
                sorted(self.directions.items(), key=lambda item: (_DIRECTION_ORDER.get(item[0], 3), item[0]))
            ),
            per_hour=hourly_series(self.hours),
        )


def summarize(records: Iterable[CallRecord], tz: tzinfo) -> CdrSummary:
    builder = SummaryBuilder(tz)
    builder.add(records)
    return builder.result()


def hourly_series(counts: Counter[datetime] | dict[datetime, int]) -> tuple[tuple[datetime, int], ...]:
    """Contiguous hours from the first to the last with calls (empty hours as 0).

    Walks in real elapsed hours, so a daylight-saving change neither repeats nor skips an
    hour; at most :data:`MAX_HOURS` bars, the most recent ones.
    """
    if not counts:
        return ()
    first, last = min(counts), max(counts)
    step = timedelta(hours=1)
    tz = first.tzinfo
    start_utc = first.astimezone(_UTC)
    hours = int((last.astimezone(_UTC) - start_utc) / step)
    if hours >= MAX_HOURS:
        start_utc += step * (hours - MAX_HOURS + 1)
        hours = MAX_HOURS - 1
    series = []
    for index in range(hours + 1):
        moment = (start_utc + step * index).astimezone(tz)
        series.append((moment, counts.get(moment, 0)))
    return tuple(series)


def spark(values: Sequence[int], width: int | None = None) -> str:
    """A one-line bar chart (``▁▂▇``); with ``width``, neighbouring values are summed."""
    values = list(values)
    if width is not None and width > 0 and len(values) > width:
        size = math.ceil(len(values) / width)
        values = [sum(values[i:i + size]) for i in range(0, len(values), size)]
    if not values:
        return ""
    top = max(values)
    if top <= 0:
        return _BLOCKS[0] * len(values)
    return "".join(
        " " if v <= 0 else _BLOCKS[min(len(_BLOCKS) - 1, int((v / top) * (len(_BLOCKS) - 1) + 0.5))]
        for v in values
    )



def human_duration(seconds: float | None) -> str:
    """``7 s``, ``1 min 05 s``, ``2 h 03 min 05 s``; blank when unknown."""
    if seconds is None or seconds != seconds or seconds < 0:
        return ""
    total = int(round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return _("{h} h {m:02d} min {s:02d} s").format(h=hours, m=minutes, s=secs)
    if minutes:
        return _("{m} min {s:02d} s").format(m=minutes, s=secs)
    return _("{s} s").format(s=secs)
