"""Clocks: the real one, and a manual one for tests, screenshots and benchmarks."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo


class SystemClock:
    def __init__(self, tz: tzinfo | None = None) -> None:
        self.tz = tz or ZoneInfo("Asia/Ho_Chi_Minh")

    def __call__(self) -> datetime:
        return datetime.now(self.tz)


class ManualClock:
    """A clock that only moves when told to. Thread-safe (the simulator reads it too)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float = 0, **kwargs: float) -> datetime:
        with self._lock:
            self._now += timedelta(seconds=seconds, **kwargs)
            return self._now

    def set(self, moment: datetime) -> None:
        with self._lock:
            self._now = moment
