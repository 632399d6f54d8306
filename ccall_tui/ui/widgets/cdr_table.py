"""One page of call records in a DataTable; every cell is ``Text`` (caller names are untrusted).

The columns that fit the width are shown, the most useful first (start, source, destination,
cause, talk); the rest is in the detail pane. The page can be sorted by any column and searched
without asking the server; the server's order is always one key away.
"""

from __future__ import annotations

from datetime import tzinfo
from typing import Sequence

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

from ...api.cdrs import CallRecord
from ...i18n import N_, _
from ...monitor import cdr_view
from ...monitor.cdr_stats import MOS_BANDS, MOS_STYLES, mos_band, mos_text
from ...monitor.format import DIRECTION_WORDS, direction_word, format_duration, format_timestamp
from ...monitor.cdr_view import SortOrder
from ..textual_compat import FixedSizeRowsTable
from ..translate import translate_bindings

RECORDING_MARK = "♪"
NAME_MIN, NAME_MAX = 16, 32
CAUSE_MIN, CAUSE_MAX = 14, 24
# Always shown, in this order of importance; then the others while they fit.
CORE_COLUMNS = ("start", "source", "destination", "status", "talk")
OPTIONAL_COLUMNS = ("cid_name", "mos", "direction", "tta", "pdd", "rec")
ALL_COLUMNS = cdr_view.SORT_COLUMNS


def _cut(value: str) -> Text:
    """A cell that ends in '…' when its column is too narrow, never silently cut short."""
    return Text(value, no_wrap=True, overflow="ellipsis")


def column_labels() -> dict[str, str]:
    return {
        "start": _("Start"), "direction": _("Direction"), "source": _("Source"),
        "cid_name": _("Caller name"), "destination": _("Destination"), "status": _("Hangup cause"),
        "tta": _("TTA"), "talk": _("Talk"), "pdd": _("PDD"), "mos": _("MOS"), "rec": RECORDING_MARK,
    }


def column_widths() -> dict[str, int]:
    """Fixed widths keep a 500-row page fast and the layout steady (words measured translated)."""
    words = [direction_word(d) for d in DIRECTION_WORDS]
    mos_words = [mos_text(floor if floor > 0 else 1.0)[0] for floor, _k, _l in MOS_BANDS]
    return {
        "start": len("2026-11-27 10:42:05"),  # format_timestamp's width
        "direction": max(len(_("Direction")), *(len(w) for w in words)),
        "source": 11, "cid_name": NAME_MIN, "destination": 11, "status": 20,
        "tta": 3, "talk": 7, "pdd": 4, "mos": max(len(w) for w in mos_words), "rec": 1,
    }


def fit_columns(available: int, widths: dict[str, int], padding: int) -> tuple[str, ...]:
    """The columns shown in ``available`` cells: the core ones, then the optional ones in order."""
    chosen = list(CORE_COLUMNS)
    used = sum(widths[k] + 2 * padding for k in chosen)
    for key in OPTIONAL_COLUMNS:
        cost = widths[key] + 2 * padding
        if used + cost <= available:
            chosen.append(key)
            used += cost
    return tuple(k for k in ALL_COLUMNS if k in chosen)


_EMPTY = Text("")  # shared: DataTable never changes a cell's Text


class CellMaker:
    """Turns records into table cells; translated words looked up once per page, not per cell."""

    def __init__(self, tz: tzinfo, columns: Sequence[str] = ALL_COLUMNS) -> None:
        self.tz = tz
        self.directions = {d: Text(direction_word(d)) for d in DIRECTION_WORDS}
        self.mark = Text(RECORDING_MARK, style="bold")
        self.pick = tuple(ALL_COLUMNS.index(k) for k in columns)
        self.every = self.pick == tuple(range(len(ALL_COLUMNS)))
        # mos_text's words, looked up once per page
        self.mos_words = {band: mos_text(floor if floor > 0 else 1.0)[0].split(" ", 1)[1]
                          for floor, band, _label in MOS_BANDS}

    def all_cells(self, record: CallRecord) -> tuple[Text, ...]:
        direction = self.directions.get(record.direction or "")
        if direction is None:
            direction = _cut(record.direction) if record.direction else _EMPTY
        mos = _EMPTY
        if record.mos is not None:
            band = mos_band(record.mos)
            if band is not None:
                mos = Text(f"{record.mos:.2f} {self.mos_words[band]}", style=MOS_STYLES[band])
        return (
            Text(format_timestamp(record.start, self.tz)) if record.start else _EMPTY,
            direction,
            _cut(record.source) if record.source else _EMPTY,
            _cut(record.cid_name) if record.cid_name else _EMPTY,
            _cut(record.destination) if record.destination else _EMPTY,
            _cut(record.status) if record.status else _EMPTY,
            Text(f"{record.tta_s:.0f}", justify="right") if record.tta_s is not None else _EMPTY,
            Text(format_duration(record.duration_s), justify="right") if record.duration_s is not None else _EMPTY,
            Text(f"{record.pdd_s:.2f}", justify="right") if record.pdd_s is not None else _EMPTY,
            mos,
            self.mark if record.recording_url else _EMPTY,
        )

    def cells(self, record: CallRecord) -> tuple[Text, ...]:
        every = self.all_cells(record)
        return every if self.every else tuple(every[i] for i in self.pick)


class CdrTable(FixedSizeRowsTable):
    """The current page. ``show(records)`` replaces the rows and keeps the cursor in place."""

    DEFAULT_CSS = """
    CdrTable { height: 1fr; scrollbar-size-vertical: 1; }
    """
    BINDINGS = [
        Binding("enter", "select_cursor", N_("Details"), show=True),
        # The browser's key, shown while a call row has focus: where a missed call is looked at.
        Binding("w", "screen.why", N_("Why no ring?")),
        Binding("s", "sort_next", N_("Sort")),
        Binding("S", "sort_reverse", N_("Reverse sort"), key_display="S", show=False),
        Binding("n", "find_next", N_("Next match")),
        Binding("N", "find_previous", N_("Previous match"), key_display="N"),
    ]

    class OrderChanged(Message):
        """The table's order changed (``s``, ``S`` or a header click)."""

        def __init__(self, order: SortOrder) -> None:
            super().__init__()
            self.order = order

    class FindMoved(Message):
        """``n``/``N`` moved to a match (or found none)."""

        def __init__(self, position: int | None, total: int) -> None:
            super().__init__()
            self.position = position
            self.total = total

    def __init__(self, tz: tzinfo, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        translate_bindings(self)
        self.tz = tz
        self.page_records: tuple[CallRecord, ...] = ()  # as the server sent them
        self.records: tuple[CallRecord, ...] = ()  # as shown
        self.order = SortOrder()
        self.shown_columns: tuple[str, ...] = ()
        self.needle = ""
        self.matches: list[int] = []
        self._labels = column_labels()
        self._widths = column_widths()

    # ------------------------------------------------------------------ columns

    def on_mount(self) -> None:
        self._layout_columns(force=True)

    def on_resize(self) -> None:
        self._layout_columns()

    def _available(self) -> int:
        return self.size.width - self.styles.scrollbar_size_vertical

    def _layout_columns(self, force: bool = False) -> None:
        if not self.size.width and not force:
            return
        available = self._available() if self.size.width else 10_000
        shown = fit_columns(available, self._widths, self.cell_padding)
        if shown != self.shown_columns or force:
            self.shown_columns = shown
            self.clear(columns=True)
            for key in shown:
                self.add_column(self._header(key), width=self._widths[key], key=key)
            self._fill(keep_call_id=self._current_id(), keep_row=None)
        self._fit_flex_column()

    def _flex_key(self) -> str:
        return "cid_name" if "cid_name" in self.shown_columns else "status"

    def _fit_flex_column(self) -> None:
        """The caller name (or, when it is hidden, the cause) takes the width the others leave."""
        key = self._flex_key()
        column = self.columns.get(ColumnKey(key))
        if column is None or not self.size.width:
            return
        low, high = (NAME_MIN, NAME_MAX) if key == "cid_name" else (CAUSE_MIN, CAUSE_MAX)
        others = sum(c.width + 2 * self.cell_padding for k, c in self.columns.items() if k != key)
        spare = self._available() - others - 2 * self.cell_padding
        width = max(low, min(high, spare))
        if width != column.width:
            column.width = width
            self.column_width_changed()
            self.refresh()

    def label_of(self, key: str) -> str:
        return self._labels.get(key, key)

    def _header(self, key: str) -> Text:
        label = self._labels[key]
        if self.order.column == key:
            label = f"{label}{'▼' if self.order.descending else '▲'}"
        return Text(label, no_wrap=True, overflow="ellipsis")

    # ------------------------------------------------------------------ rows

    def show(self, records: Sequence[CallRecord], *, keep_call_id: str | None = None, keep_row: int | None = None) -> None:
        """Replace the rows; the cursor goes to ``keep_call_id`` if present, else ``keep_row``."""
        self.page_records = tuple(records)
        self._fill(keep_call_id=keep_call_id, keep_row=keep_row)
        # an open find goes on in the new page (the cursor stays where the page put it)
        self.matches = cdr_view.find_rows(self.records, self.needle, self.tz) if self.needle else []

    def _fill(self, *, keep_call_id: str | None, keep_row: int | None) -> None:
        self.records = cdr_view.sorted_records(self.page_records, self.order)
        self.clear(columns=False)
        maker = CellMaker(self.tz, self.shown_columns)
        self.add_rows(maker.cells(r) for r in self.records)
        self.set_class(not self.records, "-empty")
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

    def _current_id(self) -> str | None:
        record = self.current
        return record.call_id if record is not None else None


    @property
    def current(self) -> CallRecord | None:
        if not self.records or self.cursor_row < 0 or self.cursor_row >= len(self.records):
            return None
        return self.records[self.cursor_row]

    # ------------------------------------------------------------------ sorting

    def set_order(self, order: SortOrder) -> None:
        """Show the page in ``order``, the cursor staying on the same call."""
        if order == self.order:
            return
        keep = self._current_id()
        self.order = order
        for key, column in self.columns.items():
            column.label = self._header(str(key.value))
        self._fill(keep_call_id=keep, keep_row=self.cursor_row)
        if self.needle:
            self.matches = cdr_view.find_rows(self.records, self.needle, self.tz)
        self.refresh()
        self.post_message(self.OrderChanged(order))

    def action_sort_next(self) -> None:
        self.set_order(self.order.next_column(self.shown_columns))

    def action_sort_reverse(self) -> None:
        self.set_order(self.order.reversed())

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        self.set_order(self.order.clicked(str(event.column_key.value)))

    # ------------------------------------------------------------------ finding

    def find(self, needle: str) -> int:
        """Mark the rows holding ``needle`` and move to the first at or after the cursor."""
        self.needle = needle
        self.matches = cdr_view.find_rows(self.records, needle, self.tz)
        if self.matches:
            at = [m for m in self.matches if m >= self.cursor_row]
            self.move_cursor(row=at[0] if at else self.matches[0], animate=False)
        return len(self.matches)

    def match_position(self) -> int | None:
        return self.matches.index(self.cursor_row) + 1 if self.cursor_row in self.matches else None

    def _step(self, backwards: bool) -> None:
        target = cdr_view.next_match(self.matches, self.cursor_row, backwards=backwards)
        if target is not None:
            self.move_cursor(row=target, animate=False)
        self.post_message(self.FindMoved(self.match_position(), len(self.matches)))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("find_next", "find_previous"):
            return bool(self.needle)  # shown in the footer only while a find is on
        return True

    def action_find_next(self) -> None:
        self._step(False)

    def action_find_previous(self) -> None:
        self._step(True)
