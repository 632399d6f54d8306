"""The flight recorder: registration history in SQLite, written off the loop, read back as
strips, timelines, the board at a past minute and availability reports. No Textual."""

from __future__ import annotations

from .history import History, open_history
from .model import (
    DEVICE_CHANGE_KINDS,
    Availability,
    BoardAt,
    DeviceChange,
    HistoryProblem,
    PollGap,
    RecordedEvent,
    StateChange,
    Strip,
)
from .recorder import FlightRecorder

__all__ = [
    "DEVICE_CHANGE_KINDS",
    "Availability",
    "BoardAt",
    "DeviceChange",
    "FlightRecorder",
    "History",
    "HistoryProblem",
    "PollGap",
    "RecordedEvent",
    "StateChange",
    "Strip",
    "open_history",
]
