"""The summary of a result: ASR, ACD, MOS, PDD, calls per cause and per hour."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Sparkline, Static

from ...i18n import _
from ...monitor.cdr_stats import MOS_STYLES, CdrSummary, human_duration, mos_text
from ...monitor.format import direction_word, format_timestamp

try:
    from ...causes import short as cause_short
except ImportError:  # pragma: no cover
    def cause_short(cause: str | None) -> str:
        return ""

TOP_CAUSES = 8


def summary_text(summary: CdrSummary, title: str) -> Text:
    out = Text()
    out.append(title, style="bold")
    out.append("\n")

    def item(label: str, value: str | Text) -> None:
        out.append(f"{label} ", style="dim")
        if isinstance(value, Text):
            out.append_text(value)
        else:
            out.append(value or "—")
        out.append("   ")

    item(_("Calls"), f"{summary.calls:,}")
    asr = f" ({summary.asr:.1f} %)" if summary.asr is not None else ""
    item(_("Answered (ASR)"), f"{summary.answered:,}{asr}")
    item(_("Average talk (ACD)"), human_duration(summary.acd_s))
    out.append("\n")
    if summary.by_direction:
        out.append_text(Text("  ·  ").join(
            Text.assemble((direction_word(d) or "—", "dim"), f" {n:,}") for d, n in summary.by_direction
        ))
        out.append("\n")
    if summary.mos_avg is not None:
        for label, value in ((_("MOS average"), summary.mos_avg), (_("worst"), summary.mos_worst)):
            words, band = mos_text(value)
            item(label, Text(words, style=MOS_STYLES[band]) if band else "")
    else:
        item(_("MOS"), "")

    def pdd(value: float | None) -> str:
        return "" if value is None else _("{value} s").format(value=f"{value:.2f}")

    item(_("PDD median"), pdd(summary.pdd_median_s))
    item(_("95th percentile"), pdd(summary.pdd_p95_s))
    out.append("\n")
    if summary.by_cause:
        out.append(_("Calls per hangup cause") + "\n", style="dim")
        width = max(len(c) for c, _n in summary.by_cause[:TOP_CAUSES])
        for cause, count in summary.by_cause[:TOP_CAUSES]:
            share = 100.0 * count / summary.calls if summary.calls else 0.0
            out.append(f"  {count:>6,}  {share:5.1f} %  ")
            out.append(cause.ljust(width))
            label = cause_short(cause) if cause != "-" else ""
            if label:
                out.append(f"  {label}", style="dim")
            out.append("\n")
        rest = summary.by_cause[TOP_CAUSES:]
        if rest:
            out.append(
                "  " + _("{count:,} more in {causes} other causes").format(
                    count=sum(n for _c, n in rest), causes=len(rest)
                ) + "\n",
                style="dim",
            )
    out.rstrip()
    return out


def _hour(moment) -> str:
    """The app's one timestamp format, to the hour: ``2026-11-27 10:00``."""
    return format_timestamp(moment)[:-3]


def hours_caption(summary: CdrSummary) -> Text:
    if not summary.per_hour:
        return Text("")
    first, last = summary.per_hour[0][0], summary.per_hour[-1][0]
    peak = max(summary.per_hour, key=lambda item: item[1])
    return Text(
        _("Calls per hour, {first} to {last}; busiest {peak} with {count}").format(
            first=_hour(first),
            last=_hour(last),
            peak=_hour(peak[0]),
            count=peak[1],
        ),
        style="dim",
    )


class CdrSummaryView(VerticalScroll):
    DEFAULT_CSS = """
    CdrSummaryView { height: 1fr; padding: 0 1; }
    CdrSummaryView #summary-spark { height: 2; margin: 0 0; }
    """

    def compose(self) -> ComposeResult:
        yield Static(Text(_("No result yet."), style="dim"), id="summary-body")
        yield Static(Text(""), id="summary-hours-caption")
        yield Sparkline([], id="summary-spark")

    def show(self, summary: CdrSummary, title: str) -> None:
        self.query_one("#summary-body", Static).update(summary_text(summary, title))
        self.query_one("#summary-hours-caption", Static).update(hours_caption(summary))
        spark = self.query_one("#summary-spark", Sparkline)
        spark.data = [float(n) for _h, n in summary.per_hour]
        spark.styles.width = min(max(2 * len(summary.per_hour), 8), 168)  # two cells an hour
        spark.display = bool(summary.per_hour)
