"""Clocks for the simulated PBX: the real one, and one that tests and demos move by hand."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Callable
from zoneinfo import ZoneInfo

PBX_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

Clock = Callable[[], datetime]


def pbx_now() -> datetime:
    """Now, as an aware datetime in the PBX's timezone."""
    return datetime.now(PBX_TZ)


class ManualClock:
    """A clock that only moves when told to. Call it to read the time."""

    def __init__(self, start: datetime | str) -> None:
        if isinstance(start, str):
            start = datetime.fromisoformat(start)
        if start.tzinfo is None:
            start = start.replace(tzinfo=PBX_TZ)
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        """Move forward by ``delta`` or by ``timedelta(**kwargs)``; returns the new time."""
        step = delta if delta is not None else timedelta(**kwargs)
        with self._lock:
            self._now += step
            return self._now

    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=PBX_TZ)
        with self._lock:
            self._now = moment

    def __repr__(self) -> str:
        return f"ManualClock({self():%Y-%m-%d %H:%M:%S%z})"
