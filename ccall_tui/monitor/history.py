"""Bounded memories of the board: the last state changes, and the online count over time."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from ..i18n import _
from .states import ExtensionState


@dataclass(frozen=True, slots=True)
class BoardEvent:
    """One change of one extension: its state, or the number of its devices."""

    at: datetime
    extension: str
    old: ExtensionState
    new: ExtensionState
    devices: int = 0
    old_devices: int = 0

    @property
    def is_state_change(self) -> bool:
        return self.old is not self.new

    def describe(self) -> str:
        """Plain text, e.g. ``"101 online (×2)"`` / ``"101 offline"`` / ``"101 devices 1 → 2"``."""
        if self.is_state_change:
            if self.new is ExtensionState.ONLINE and self.devices > 1:
                return f"{self.extension} {self.new.label} (×{self.devices})"
            return f"{self.extension} {self.new.label}"
        return _("{extension} devices {old} → {new}").format(
            extension=self.extension, old=self.old_devices, new=self.devices
        )


class EventLog:
    """The last ``limit`` events, oldest first."""

    def __init__(self, limit: int = 200) -> None:
        self._events: deque[BoardEvent] = deque(maxlen=limit)

    def add(self, event: BoardEvent) -> None:
        self._events.append(event)

    def __len__(self) -> int:
        return len(self._events)

    def __iter__(self) -> Iterator[BoardEvent]:
        return iter(self._events)

    def latest(self, count: int) -> list[BoardEvent]:
        """Newest first."""
        result: list[BoardEvent] = []
        for event in reversed(self._events):
            if len(result) >= count:
                break
            result.append(event)
        return result


class CountHistory:
    """The online count after each poll, bounded (for the sparkline)."""

    def __init__(self, limit: int = 240) -> None:
        self._values: deque[int] = deque(maxlen=limit)

    def add(self, value: int) -> None:
        self._values.append(value)

    def values(self) -> list[int]:
        return list(self._values)

    def levels(self, width: int, steps: int = 8, *, top: int = 0) -> tuple[int, ...]:
        """The history drawn in at most ``width`` bars of ``0 .. steps - 1``, newest on the
        right: one bar per value while they fit, else the highest value of each equal slice.
        The scale stands on 0 and reaches ``top`` (the number of extensions; the highest value
        when that is more or ``top`` is 0), so 45 -> 44 of 60 is a sliver, not an outage."""
        values = list(self._values)
        if width <= 0 or not values:
            return ()
        if len(values) > width:
            step = len(values) / width
            values = [max(values[int(i * step) : int((i + 1) * step)]) for i in range(width)]
        high = max(top, max(values))
        if high <= 0:
            return (0,) * len(values)
        last = steps - 1
        return tuple(round(max(value, 0) * last / high) for value in values)

    def __len__(self) -> int:
        return len(self._values)
