"""One page of call records in a DataTable; every cell is ``Text`` (caller names are untrusted)."""

from __future__ import annotations

from datetime import tzinfo
from typing import Sequence

from rich.text import Text
from textual.geometry import Size
from textual.widgets import DataTable

from ...api.models import CallRecord
from ...i18n import _
from ...monitor.cdr_stats import mos_band, mos_band_label
from ...monitor.format import format_duration

MOS_STYLES = {"good": "green", "fair": "yellow", "poor": "bold red"}
RECORDING_MARK = "♪"
NAME_MIN, NAME_MAX = 10, 32


def _cut(value: str) -> Text:
    """A cell that ends in '…' when its column is too narrow, never silently cut short."""
    return Text(value, no_wrap=True, overflow="ellipsis")


def _columns() -> list[tuple[str, str, int]]:
    # (key, label, width): fixed widths keep a 500-row page fast and the layout steady
    return [
        ("start", _("Start"), 14),
        ("direction", _("Dir"), 5),
        ("source", _("Source"), 11),
        ("cid_name", _("Caller name"), NAME_MIN),
        ("destination", _("Destination"), 11),
        ("status", _("Hangup cause"), 20),
        ("tta", _("TTA"), 3),
        ("talk", _("Talk"), 7),
        ("pdd", _("PDD"), 4),
        ("mos", _("MOS"), 9),
        ("rec", RECORDING_MARK, 1),
    ]


def direction_short(direction: str | None) -> str:
    return {"inbound": _("in"), "outbound": _("out"), "local": _("local")}.get(direction or "", direction or "")


def _number(value: float | None, digits: int = 0) -> str:
    if value is None:
        return ""
    return f"{value:.{digits}f}"


def mos_text(mos: float | None) -> Text:
    """``4.21 good`` in the band's colour (the word carries it for colour-blind readers)."""
    band = mos_band(mos)
    if band is None:
        return Text("")
    return Text(f"{mos:.2f} {mos_band_label(mos)}", style=MOS_STYLES[band])


_EMPTY = Text("")  # shared: DataTable never changes a cell's Text


class CellMaker:
    """Turns records into table cells; translated words looked up once per page, not per cell."""

    def __init__(self, tz: tzinfo) -> None:
        self.tz = tz
        self.directions = {d: Text(direction_short(d)) for d in ("inbound", "outbound", "local")}
        self.bands = {band: (_band_word(band), MOS_STYLES[band]) for band in MOS_STYLES}
        self.mark = Text(RECORDING_MARK, style="bold")

    def cells(self, record: CallRecord) -> tuple[Text, ...]:
        start = record.start.astimezone(self.tz).strftime("%m-%d %H:%M:%S") if record.start else ""
        direction = self.directions.get(record.direction or "")
        if direction is None:
            direction = Text(record.direction or "")
        mos = _EMPTY
        band = mos_band(record.mos)
        if band is not None:
            word, style = self.bands[band]
            mos = Text(f"{record.mos:.2f} {word}", style=style)
        return (
            Text(start),
            direction,
            _cut(record.source) if record.source else _EMPTY,
            _cut(record.cid_name) if record.cid_name else _EMPTY,
            _cut(record.destination) if record.destination else _EMPTY,
            _cut(record.status) if record.status else _EMPTY,
            Text(_number(record.tta_s), justify="right") if record.tta_s is not None else _EMPTY,
            Text(format_duration(record.duration_s), justify="right") if record.duration_s is not None else _EMPTY,
            Text(_number(record.pdd_s, 2), justify="right") if record.pdd_s is not None else _EMPTY,
            mos,
            self.mark if record.recording_url else _EMPTY,
        )


def _band_word(band: str) -> str:
    return {"good": _("good"), "fair": _("fair"), "poor": _("poor")}[band]


def record_cells(record: CallRecord, tz: tzinfo) -> tuple[Text, ...]:
    return CellMaker(tz).cells(record)


class CdrTable(DataTable):
    """The current page. ``show(records)`` replaces the rows and keeps the cursor in place."""

    DEFAULT_CSS = """
    CdrTable { height: 1fr; }
    """

    def __init__(self, tz: tzinfo, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.tz = tz
        self.records: tuple[CallRecord, ...] = ()

    def on_mount(self) -> None:
        for key, label, width in _columns():
            self.add_column(Text(label), width=width, key=key)
        self._fit_name_column()

    def on_resize(self) -> None:
        self._fit_name_column()

    def _fit_name_column(self) -> None:
        """The caller name takes the width the fixed columns leave (numbers are never cut)."""
        column = self.columns.get("cid_name")  # type: ignore[call-overload]
        if column is None or not self.size.width:
            return
        others = sum(c.width + 2 * self.cell_padding for k, c in self.columns.items() if k != "cid_name")
        spare = self.size.width - others - 2 * self.cell_padding - self.styles.scrollbar_size_vertical
        width = max(NAME_MIN, min(NAME_MAX, spare))
        if width != column.width:
            column.width = width
            self._clear_caches()
            self._update_dimensions([])
            self.refresh()

    def show(self, records: Sequence[CallRecord], *, keep_call_id: str | None = None, keep_row: int | None = None) -> None:
        """Replace the rows; the cursor goes to ``keep_call_id`` if present, else ``keep_row``."""
        self.records = tuple(records)
        self.clear(columns=False)
        maker = CellMaker(self.tz)
        self.add_rows(maker.cells(r) for r in self.records)
        if not self.records:
            return
        target = 0
        if keep_call_id is not None:
            for index, record in enumerate(self.records):
                if record.call_id == keep_call_id:
                    target = index
                    break
            else:
                target = keep_row or 0
        elif keep_row is not None:
            target = keep_row
        self.move_cursor(row=max(0, min(target, len(self.records) - 1)), animate=False)

    def _update_dimensions(self, new_rows) -> None:  # noqa: ANN001 - DataTable's signature
        """Every column has a fixed width and every row is one line: nothing to measure.

        DataTable measures every new cell to size auto-width columns; for a 500-row page
        that is 5,500 measurements and most of the time a page takes to appear.
        """
        if any(column.auto_width for column in self.columns.values()):
            super()._update_dimensions(new_rows)
            return
        width = sum(column.get_render_width(self) for column in self.columns.values())
        header = self.header_height if self.show_header else 0
        self.virtual_size = Size(width + self._row_label_column_width, self._total_row_height + header)

    @property
    def current(self) -> CallRecord | None:
        if not self.records or self.cursor_row < 0 or self.cursor_row >= len(self.records):
            return None
        return self.records[self.cursor_row]
