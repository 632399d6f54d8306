"""The extension details' history panel: its 24 hour and 7 day availability strips, and a
timeline of its states, its reachability and its devices (newest first, PBX time, the phone's own words as plain text).

``fetch(history, extension, now)`` asks everything in one go (run it in a thread);
``ExtensionHistory.show(answer, now)`` draws it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable

from ...i18n import _
from ...recorder.model import DeviceChange, StateChange, Strip
from ..history_view import (
    STATE_STYLES,
    Answer,
    HistoryReader,
    change_words,
    day_window,
    device_text,
    device_words,
    moment_text,
    week_window,
)
from .availability_strip import AvailabilityStrip
from .textline import TextLine

TIMELINE_LIMIT = 300


@dataclass(frozen=True)
class ExtensionHistoryData:
    day: Strip
    week: Strip
    # newest first: state changes and device changes of the week, merged
    timeline: list[StateChange | DeviceChange] = field(default_factory=list)


def fetch(history: HistoryReader, extension: str, now: datetime) -> ExtensionHistoryData | None:
    """The strips and the timeline of ``extension`` as of ``now`` (blocking: run in a thread);
    None while nothing was ever recorded."""
    if history.first_record() is None:
        return None
    since, until, cells = day_window(now)
    day = history.strip(extension, since, until, cells)
    since, until, cells = week_window(now)
    week = history.strip(extension, since, until, cells)
    items: list[StateChange | DeviceChange] = [
        *history.changes(since, now, extension=extension, reachability=True),
        *history.timeline(extension, since, now),
    ]
    # newest first; at the same moment the state change above the device events that made it
    items.sort(key=lambda item: (item.at, isinstance(item, StateChange)), reverse=True)
    return ExtensionHistoryData(day, week, items[:TIMELINE_LIMIT])


def timeline_row(item: StateChange | DeviceChange, now: datetime) -> tuple[Text, Text, Text]:
    """(when, what, device) of one timeline line, all plain text."""
    when = Text(moment_text(item.at, now, seconds=True))
    if isinstance(item, StateChange):
        what = Text(item.new.glyph + " " + change_words(item), style=STATE_STYLES.get(item.new, ""))
        return when, what, Text("")
    return when, Text(device_words(item)), Text(device_text(item))


class ExtensionHistory(Vertical):
    """Strips over the timeline, in one framed panel."""

    DEFAULT_CSS = """
    ExtensionHistory { height: auto; padding: 0 1; }
    ExtensionHistory #ext-timeline { height: auto; max-height: 8; }
    ExtensionHistory #ext-timeline-status { height: 1; color: $text-muted; }
    ExtensionHistory.-short #ext-timeline { max-height: 4; }
    ExtensionHistory.-short AvailabilityStrip { height: 1; }
    """

    def compose(self) -> ComposeResult:
        yield AvailabilityStrip(lambda: _("24 h"), id="ext-strip-day")
        yield AvailabilityStrip(lambda: _("7 d"), id="ext-strip-week")
        yield TextLine(_("Loading history…"), id="ext-timeline-status")
        table: DataTable[Text] = DataTable(id="ext-timeline", cursor_type="row", zebra_stripes=True, show_cursor=False)
        yield table

    def on_mount(self) -> None:
        table = self.query_one("#ext-timeline", DataTable)
        for label in (_("When"), _("What"), _("Device")):
            table.add_column(label)
        table.display = False

    def show(self, answer: Answer[ExtensionHistoryData | None], now: datetime) -> None:
        day = self.query_one("#ext-strip-day", AvailabilityStrip)
        week = self.query_one("#ext-strip-week", AvailabilityStrip)
        status = self.query_one("#ext-timeline-status", TextLine)
        table = self.query_one("#ext-timeline", DataTable)
        data = answer.value
        if data is None:
            message = answer.problem or _("No history yet")
            day.set_message(message)
            week.set_message(message)
            status.update(Text(message))
            status.display = False  # the strips say it already
            table.display = False
            return
        day.set_strip(data.day)
        week.set_strip(data.week)
        table.clear()
        for item in data.timeline:
            table.add_row(*timeline_row(item, now))
        table.display = bool(data.timeline)
        status.display = not data.timeline
        if not data.timeline:
            status.update(Text(_("No changes of its state or devices in the last 7 days")))


__all__ = ["ExtensionHistory", "ExtensionHistoryData", "fetch", "timeline_row"]
