"""The call quality report: per extension, phone model or network, over the last 24 hours or
7 days, as a sortable, filterable table (exported to CSV or JSON) or as charts.

The figures come from :mod:`ccall_tui.monitor.quality` (the same engine as ``ccall-tui report
quality``); this screen only asks for them (a worker on the app's shared client; the history's
reads run in a thread) and draws them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import ContentSwitcher, DataTable, Input, Label, Select, Static

from ...api.errors import CcallError
from ...i18n import N_, _
from ...monitor.cdr_stats import MOS_STYLES, mos_band
from ...monitor.quality import AGENT, EXTENSION, GROUPINGS, NETWORK, UNKNOWN, QualityRow
from ...monitor.quality_sources import QualityData, collect_quality, save_rows
from ...monitor.recordings import default_folder, export_format
from ..history_view import history_opening, moment_text, opened_history
from ..translate import translate_bindings
from ..widgets.cdr_dialogs import _CSS as _DIALOG_CSS
from ..widgets.cdr_dialogs import ExportDialog
from ..widgets.footer import AppFooter
from ..widgets.quality_charts import ChartData, QualityCharts

RANGES = (timedelta(hours=24), timedelta(days=7))
GROUP_WORDS = {EXTENSION: N_("extension"), AGENT: N_("phone model"), NETWORK: N_("network")}
KEY_TITLES = {EXTENSION: N_("Extension"), AGENT: N_("Phone model"), NETWORK: N_("Network")}
# (field, column title, text of a value); the first column's title depends on the grouping.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("key", ""), ("calls", N_("Calls")), ("answered", N_("Ans.")), ("missed", N_("Missed")),
    ("asr_pct", N_("ASR")), ("acd_s", N_("ACD")), ("tta_avg_s", N_("TTA")), ("mos_avg", N_("MOS")),
    ("mos_p10", N_("p10")), ("availability_pct", N_("Avail.")),
)


def _range_words(span: timedelta) -> str:
    return _("last 24 h") if span <= timedelta(hours=24) else _("last 7 days")


def _cell(field: str, row: QualityRow) -> Text:
    value = getattr(row, field)
    if field == "key":
        return Text(_("unknown") if value == UNKNOWN else str(value), overflow="ellipsis", no_wrap=True)
    if value is None:
        return Text("-", style="dim", justify="right")
    if field in ("asr_pct", "availability_pct"):
        return Text(f"{value:.1f}%", justify="right")
    if field in ("acd_s", "tta_avg_s"):
        return Text(f"{value:.0f}s", justify="right")
    if field in ("mos_avg", "mos_p10"):
        band = mos_band(value)
        return Text(f"{value:.2f}", style=MOS_STYLES.get(band or "", ""), justify="right")
    return Text(f"{value:,}", justify="right")


def sort_rows(rows: list[QualityRow], field: str, reverse: bool) -> list[QualityRow]:
    """Rows by ``field``; an empty value (no calls, nothing recorded) always last."""
    if field == "key":
        ordered = list(rows)  # the engine's order: numbers as numbers, "unknown" last
        return ordered[::-1] if reverse else ordered
    present = [r for r in rows if getattr(r, field) is not None]
    missing = [r for r in rows if getattr(r, field) is None]
    return sorted(present, key=lambda r: getattr(r, field), reverse=reverse) + missing


def matches(row: QualityRow, text: str) -> bool:
    """The filter: the row's name, or one of its extensions, contains the text."""
    needle = text.strip().casefold()
    if not needle:
        return True
    key = _("unknown") if row.key == UNKNOWN else row.key
    return needle in key.casefold() or any(needle in ext for ext in row.extensions)


class QualityExportDialog(ExportDialog):
    """Where the report (the rows as shown: filtered and sorted) goes, as CSV or JSON."""

    DEFAULT_CSS = _DIALOG_CSS.format(name="QualityExportDialog")

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Content(_("Export the report as shown (filter and sort applied)")), classes="title")
            if self._note:
                yield Static(Content(self._note), classes="note")
            yield Label(Content(_("File")))
            yield Input(str(self._default), id="export-path")
            yield Select([(Content("CSV"), "csv"), (Content("JSON"), "json")], allow_blank=False,
                         value=export_format(self._default), id="export-format", compact=True)
            yield Static("", classes="message", markup=False)
            yield from self._buttons()


class QualityScreen(Screen):
    """Call quality by extension, phone model or network, as a table or as charts."""

    HELP_TITLE = N_("Call quality")
    HELP_NOTE = N_(
        "A call belongs to the extensions on its sides: the destination of an inbound call, the "
        "source of an outbound one, both of a local one. Missed: calls coming in and not answered. "
        "ASR: answered / calls. ACD: mean talk time of answered calls. TTA: mean time to answer. "
        "MOS p10: nine calls in ten scored better. Available: time online / time the flight "
        "recorder watched (empty when it has no record). A phone model or network groups the "
        "extensions whose phones are of it now (or, when offline, as the recorder last saw them)."
    )

    DEFAULT_CSS = """
    QualityScreen #q-title { height: 1; padding: 0 1; background: $panel; text-style: bold; }
    QualityScreen #q-filter { height: 1; border: none; padding: 0 1; margin: 0; }
    QualityScreen #q-switcher { height: 1fr; }
    QualityScreen #q-table { height: 1fr; }
    QualityScreen #q-status { height: 1; padding: 0 1; color: $text-muted; }
    QualityScreen #q-status.-error { color: $error; text-style: bold; }
    """

    BINDINGS = [
        Binding("escape", "back", N_("Back")),
        Binding("b", "next_grouping", N_("Group by")),
        Binding("d", "next_range", N_("24 h / 7 days")),
        Binding("v", "toggle_view", N_("Charts")),
        Binding("slash", "filter", N_("Filter"), key_display="/"),
        Binding("s", "sort_next", N_("Sort")),
        Binding("S", "sort_reverse", N_("Reverse sort"), key_display="S", show=False),
        Binding("e", "export", N_("Export")),
        Binding("r", "reload", N_("Reload"), show=False),
    ]

    def __init__(self, services: Any, *, grouping: str = EXTENSION, span: timedelta = RANGES[0],
                 charts: bool = False) -> None:
        super().__init__()
        translate_bindings(self)
        self.services = services
        self.grouping = grouping
        self.span = span
        self.charts = charts
        self.sort_field = "key"
        self.sort_reverse = False
        self.filter_text = ""
        self.data: QualityData | None = None
        self.rows_shown: list[QualityRow] = []

    def compose(self) -> ComposeResult:
        yield Static(id="q-title", markup=False)
        yield Input(placeholder=_("/ filter: extension, phone model or network"), id="q-filter", compact=True)
        with ContentSwitcher(initial="q-charts" if self.charts else "q-table", id="q-switcher"):
            yield DataTable(id="q-table", cursor_type="row", zebra_stripes=True)
            yield QualityCharts(id="q-charts")
        yield Static(_("Reading the calls…"), id="q-status", markup=False)
        yield AppFooter()

    def on_mount(self) -> None:
        self._columns()
        self._title()
        self.query_one("#q-table", DataTable).focus()
        self.load()

    # ------------------------------------------------------------------ loading

    def _range(self) -> tuple[datetime, datetime]:
        until = self.services.now().astimezone(self.services.profile.timezone).replace(second=0, microsecond=0)
        return until - self.span, until

    @work(exclusive=True, exit_on_error=False, name="quality-load", group="quality")
    async def load(self) -> None:
        since, until = self._range()

        def progress(done: int, total: int | None, records: int) -> None:
            self._status(_("Reading the calls… {count:,}").format(count=records))

        if history_opening(self.services):
            self._status(_("Opening the history…"))
        history = await opened_history(self.services)
        self._status(_("Reading the calls…"))
        try:
            data = await collect_quality(self.app.client, since, until, history=history, progress=progress)
        except CcallError as exc:
            self._status(_("Could not read the calls: {reason}").format(reason=exc.message), error=True)
            return
        self.data = data
        self._fill()
        notes = [data.paging.message()] if data.paging.message() else []
        if data.registrations_error:
            notes.append(_("devices from the history only ({reason})").format(reason=data.registrations_error))
        if not data.recorded and data.history_began is not None and data.history_began >= until:
            # a history opened moments ago: not "no data", but not yet in the range
            notes.append(_("the flight recorder began {time}, after this range: availability is empty").format(
                time=moment_text(data.history_began, self.services.now())))
        elif not data.recorded:
            notes.append(_("no flight recorder data for this range: availability is empty"))
        count = len(data.builder.calls)
        summary = _("{count:,} calls read").format(count=count)
        self._status("; ".join([summary, *notes]), error=data.paging.incomplete)

    def _status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#q-status", Static)
        status.update(Text(text))
        status.set_class(error, "-error")

    def _title(self) -> None:
        since, until = self._range()
        text = _("Call quality by {by}, {range} ({since} - {until})").format(
            by=_(GROUP_WORDS[self.grouping]), range=_range_words(self.span),
            since=since.strftime("%d/%m %H:%M"), until=until.strftime("%d/%m %H:%M"))
        self.query_one("#q-title", Static).update(Text(text, no_wrap=True, overflow="ellipsis"))

    # ------------------------------------------------------------------ drawing

    def _columns(self) -> None:
        table = self.query_one("#q-table", DataTable)
        table.clear(columns=True)
        for field, title in COLUMNS:
            label = _(KEY_TITLES[self.grouping]) if field == "key" else _(title)
            if field == self.sort_field:
                label += " ▼" if self.sort_reverse else " ▲"
            table.add_column(Text(label, justify="left" if field == "key" else "right"), key=field)

    def _fill(self) -> None:
        if self.data is None:
            return
        rows = [r for r in self.data.builder.rows(self.grouping) if matches(r, self.filter_text)]
        self.rows_shown = sort_rows(rows, self.sort_field, self.sort_reverse)
        table = self.query_one("#q-table", DataTable)
        table.clear()
        for row in self.rows_shown:
            table.add_row(*(_cell(field, row) for field, _t in COLUMNS), key=row.key)
        self.query_one(QualityCharts).show(ChartData(
            since=self.data.since, until=self.data.until, hours=self.data.builder.per_hour(),
            mos=self.data.builder.mos_values(), online=self.data.online, recorded=self.data.recorded))

    # ------------------------------------------------------------------ actions

    def action_back(self) -> None:
        field = self.query_one("#q-filter", Input)
        if field.has_focus and field.value:
            field.value = ""
            return
        if field.has_focus:
            self.query_one("#q-table", DataTable).focus()
            return
        self.app.pop_screen()

    def action_next_grouping(self) -> None:
        self.grouping = GROUPINGS[(GROUPINGS.index(self.grouping) + 1) % len(GROUPINGS)]
        self.sort_field, self.sort_reverse = "key", False
        self._columns()
        self._title()
        self._fill()

    def action_next_range(self) -> None:
        self.span = RANGES[(RANGES.index(self.span) + 1) % len(RANGES)] if self.span in RANGES else RANGES[0]
        self._title()
        self.load()

    def action_reload(self) -> None:
        self._title()
        self.load()

    def action_toggle_view(self) -> None:
        self.charts = not self.charts
        self.query_one("#q-switcher", ContentSwitcher).current = "q-charts" if self.charts else "q-table"

    def action_filter(self) -> None:
        self.query_one("#q-filter", Input).focus()

    @on(Input.Changed, "#q-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value
        self._fill()

    @on(Input.Submitted, "#q-filter")
    def _filter_done(self) -> None:
        self.query_one("#q-table", DataTable).focus()

    def sort_by(self, field: str, reverse: bool | None = None) -> None:
        if reverse is None:
            reverse = not self.sort_reverse if field == self.sort_field else field != "key"
        self.sort_field, self.sort_reverse = field, reverse
        self._columns()
        self._fill()

    def action_sort_next(self) -> None:
        fields = [f for f, _t in COLUMNS]
        following = fields[(fields.index(self.sort_field) + 1) % len(fields)]
        self.sort_by(following, reverse=following != "key")  # the most calls, the best MOS first

    def action_sort_reverse(self) -> None:
        self.sort_by(self.sort_field, not self.sort_reverse)

    @on(DataTable.HeaderSelected, "#q-table")
    def _header(self, event: DataTable.HeaderSelected) -> None:
        self.sort_by(str(event.column_key.value))

    def action_export(self) -> None:
        if self.data is None:
            self._status(_("Nothing to export yet: the report is still being read."), error=True)
            return
        now = self.services.now()
        default = default_folder() / f"ccall-quality-{self.grouping}-{now.strftime('%Y%m%d-%H%M')}.csv"
        rows = list(self.rows_shown)
        note = _("{count:,} rows").format(count=len(rows))

        def chosen(answer: tuple[Path, str, bool] | None) -> None:
            if answer is not None:
                self.export(rows, *answer)

        self.app.push_screen(QualityExportDialog(default, note), chosen)

    @work(exclusive=True, exit_on_error=False, name="quality-export", group="quality-export")
    async def export(self, rows: list[QualityRow], target: Path, fmt: str, overwrite: bool) -> None:
        assert self.data is not None
        meta = {"since": self.data.since.isoformat(), "until": self.data.until.isoformat(), "by": self.grouping,
                "filter": self.filter_text}
        save: Callable[[], int] = lambda: save_rows(rows, target, fmt, overwrite=overwrite, meta=meta)  # noqa: E731
        try:
            count = await asyncio.to_thread(save)
        except FileExistsError:
            self._status(_("{path} appeared meanwhile; not overwritten.").format(path=target), error=True)
            return
        except OSError as exc:
            self._status(_("Export failed, nothing written: {reason}").format(
                reason=exc.strerror or type(exc).__name__), error=True)
            return
        done = _("Exported {count:,} rows to {path}.").format(count=count, path=target)
        self._status(done)
        self.notify(done, markup=False)


def open_quality(app: Any) -> None:
    """Open the report over the current screen (the board's and the browser's key)."""
    app.push_screen(QualityScreen(app.services))


__all__ = ["QualityExportDialog", "QualityScreen", "matches", "open_quality", "sort_rows"]
