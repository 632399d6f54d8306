"""The flight recorder: registration history in SQLite, written off the loop, read back as
strips, timelines, the board at a past minute and availability reports. No Textual."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

# Where each name lives, imported on first use: a screen that only needs the data types
# (recorder.model) does not pay for sqlite3 and the database code at startup.
_HOMES = {
    "History": "history", "open_history": "history", "FlightRecorder": "recorder",
    "DEVICE_CHANGE_KINDS": "model", "Availability": "model", "BoardAt": "model",
    "DeviceChange": "model", "HistoryProblem": "model", "PollGap": "model",
    "RecordedEvent": "model", "StateChange": "model", "Strip": "model",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


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
