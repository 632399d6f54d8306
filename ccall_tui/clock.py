"""The app's one manual clock, for tests, screenshots, benchmarks and the simulated PBX.

The real clock is ``datetime.now(tz)`` where it is needed; everything that takes a clock takes a
``Callable[[], datetime]``, so this one can stand in for it.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

PBX_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


class ManualClock:
    """A clock that only moves when told to. Call it to read the time. Thread-safe (the simulator
    reads it from its server thread). A time without an offset is PBX local time."""

    def __init__(self, start: datetime | str) -> None:
        if isinstance(start, str):
            start = datetime.fromisoformat(start)
        self._now = _aware(start)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float | timedelta = 0, **kwargs: float) -> datetime:
        """Move forward by ``seconds`` (a number or a timedelta) plus ``timedelta(**kwargs)``;
        returns the new time."""
        step = seconds if isinstance(seconds, timedelta) else timedelta(seconds=seconds)
        step += timedelta(**kwargs)
        with self._lock:
            self._now += step
            return self._now

    def set(self, moment: datetime) -> None:
        with self._lock:
            self._now = _aware(moment)

    def __repr__(self) -> str:
        return f"ManualClock({self():%Y-%m-%d %H:%M:%S%z})"


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=PBX_TZ)
