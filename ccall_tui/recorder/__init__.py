"""The flight recorder: registration history in SQLite, written off the loop, read back as
strips, timelines, the board at a past minute and availability reports. No Textual."""

from __future__ import annotations

from .model import (
    DEVICE_CHANGE_KINDS,
    Availability,
    BoardAt,
    DeviceChange,
    PollGap,
    RecordedEvent,
    StateChange,
    Strip,
)

__all__ = [
    "DEVICE_CHANGE_KINDS",
    "Availability",
    "BoardAt",
    "DeviceChange",
    "PollGap",
    "RecordedEvent",
    "StateChange",
    "Strip",
]
