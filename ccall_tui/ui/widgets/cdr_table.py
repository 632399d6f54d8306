"""One page of call records in a DataTable; every cell is ``Text`` (caller names are untrusted)."""

from __future__ import annotations

from datetime import tzinfo
from typing import Sequence

from rich.text import Text
from textual.widgets import DataTable

from ...api.models import CallRecord
from ...i18n import _
from ...monitor.cdr_stats import mos_band, mos_band_label
from ...monitor.format import format_duration

MOS_STYLES = {"good": "green", "fair": "yellow", "poor": "bold red"}
RECORDING_MARK = "♪"


def _columns() -> list[tuple[str, str, int]]:
    # (key, label, width): fixed widths keep a 500-row page fast and the layout steady
    return [
        ("start", _("Start"), 14),
        ("direction", _("Dir"), 5),
        ("source", _("Source"), 9),
        ("cid_name", _("Caller name"), 16),
        ("destination", _("Destination"), 11),
        ("status", _("Hangup cause"), 17),
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


def record_cells(record: CallRecord, tz: tzinfo) -> tuple[Text, ...]:
    start = record.start.astimezone(tz).strftime("%m-%d %H:%M:%S") if record.start else ""
    return (
        Text(start),
        Text(direction_short(record.direction)),
        Text(record.source or ""),
        Text(record.cid_name or ""),
        Text(record.destination or ""),
        Text(record.status or ""),
        Text(_number(record.tta_s), justify="right"),
        Text(format_duration(record.duration_s), justify="right"),
        Text(_number(record.pdd_s, 2), justify="right"),
        mos_text(record.mos),
        Text(RECORDING_MARK if record.recording_url else "", style="bold"),
    )


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

    def show(self, records: Sequence[CallRecord], *, keep_call_id: str | None = None, keep_row: int | None = None) -> None:
        """Replace the rows; the cursor goes to ``keep_call_id`` if present, else ``keep_row``."""
        self.records = tuple(records)
        self.clear(columns=False)
        self.add_rows(record_cells(r, self.tz) for r in self.records)
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

    @property
    def current(self) -> CallRecord | None:
        if not self.records or self.cursor_row < 0 or self.cursor_row >= len(self.records):
            return None
        return self.records[self.cursor_row]
