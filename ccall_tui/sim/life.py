"""The demo's life: something happens in the first seconds, not only every few minutes.

The seeded tenant follows the clock: phones stay registered for tens of minutes to hours and,
outside business hours, calls come minutes apart, so a fresh ``ccall-tui --demo`` can look
frozen. :class:`DemoLife` adds a short, seeded script on top, in real time: every few seconds
a phone drops and comes back, a phone that was offline appears for a while, or a call finishes.
It runs only in the demo; tests with a frozen clock never start it, so they stay reproducible.

Any event can also be forced by hand, see ``POST /_sim/extension`` (README).
"""

from __future__ import annotations

import collections
import threading
import time
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, Callable

from .calls import _ID_SCRAMBLE, Call, CallFilter, CallHistory, _matches_number, fold
from .clock import PBX_TZ
from .tenant import Tenant, rng_for

# Seconds between two events: the first comes quickly, then every few seconds.
FIRST_EVENT_S = 2.0
EVENT_GAP_S = (3.0, 8.0)
# How long a dropped phone stays away / an appearing phone stays, in seconds.
AWAY_S = (12.0, 45.0)
VISIT_S = (20.0, 90.0)
# At most this many extensions are steered at once; the rest follow the seeded pattern.
MAX_STEERED = 4
# The newest finished calls kept in memory (older ones fall out of the demo's window anyway).
MAX_LIVE_CALLS = 2000


class LiveCallHistory(CallHistory):
    """The seeded history plus the calls that finished while the demo ran."""

    def __init__(self, tenant: Tenant, *, calls_per_day: int | None, history_days: int) -> None:
        super().__init__(tenant, calls_per_day=calls_per_day, history_days=history_days)
        self._live: list[Call] = []  # newest first
        self._live_lock = threading.Lock()

    def add_finished(self, call: Call) -> None:
        with self._live_lock:
            self._live.insert(0, call)
            del self._live[MAX_LIVE_CALLS:]

    def live_calls(self) -> list[Call]:
        with self._live_lock:
            return list(self._live)

    def select(self, where: CallFilter, now: datetime | None = None) -> list[Call]:
        found = super().select(where, now)
        now_ts = int((now or self.tenant.now()).timestamp())
        live = [c for c in self.live_calls() if c.end_ts <= now_ts and self._wanted(c, where)]
        if not live:
            return found
        return sorted(live + found, key=lambda c: c.start_ts, reverse=True)

    def find(self, call_id: str, now: datetime | None = None) -> Call | None:
        wanted = call_id.strip().lower()
        now_ts = int((now or self.tenant.now()).timestamp())
        for call in self.live_calls():
            if call.call_id == wanted and call.end_ts <= now_ts:
                return call
        return super().find(call_id, now)

    def _wanted(self, call: Call, where: CallFilter) -> bool:
        if where.start_ts is not None and call.start_ts < where.start_ts:
            return False
        if where.end_ts is not None and call.start_ts > where.end_ts:
            return False
        if where.direction and call.direction != where.direction:
            return False
        if where.causes is not None and call.cause not in where.causes:
            return False
        if where.source and not _matches_number(where.source, call.source):
            return False
        if where.destination and not _matches_number(where.destination, call.destination):
            return False
        return not where.cid_name or fold(where.cid_name) in fold(self.cid_name(call))

    def finished_call(self, rng: Any, now: datetime) -> Call:
        """A realistic call (the seeded mix of directions and causes) that ends at ``now``."""
        now_ts = int(now.timestamp())
        hour = now_ts // 3600
        head = ((hour * _ID_SCRAMBLE) & 0xFFFFFFFF) ^ self._mask
        local = now.astimezone(PBX_TZ).replace(tzinfo=None)
        call = self._one_call(rng, head, now_ts, local)
        length = call.end_ts - call.start_ts
        start_ts = now_ts - length
        start = local - timedelta(seconds=length)
        return replace(call, start_ts=start_ts, end_ts=now_ts, start=start.strftime("%Y-%m-%d %H:%M:%S"))


class DemoLife:
    """Steers the demo tenant in real time from a seeded script, in a daemon thread."""

    def __init__(self, tenant: Tenant, *, seed: int | None = None,
                 sleep: Callable[[float], bool] | None = None) -> None:
        self.tenant = tenant
        self.rng = rng_for(tenant.seed if seed is None else seed, "demo-life")
        old = tenant.calls
        if not isinstance(old, LiveCallHistory):
            # Same seed, same window: the history is call for call what it was.
            tenant.calls = LiveCallHistory(tenant, calls_per_day=old.weekday_calls,
                                           history_days=old.history_days)
        self.calls: LiveCallHistory = tenant.calls  # type: ignore[assignment]
        self._stop = threading.Event()
        self._sleep = sleep or (lambda seconds: self._stop.wait(seconds))
        self._thread: threading.Thread | None = None
        # extension -> monotonic time its override ends
        self._steered: dict[str, float] = {}
        # The latest events (kind, extension or call id), for tests and logs; a demo left
        # running for days keeps only these.
        self.events: collections.deque[tuple[str, str]] = collections.deque(maxlen=500)

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> "DemoLife":
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="demo-life", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        for number in list(self._steered):
            self.tenant.clear_override(number)
        self._steered.clear()

    def _run(self) -> None:
        delay = FIRST_EVENT_S
        while not self._sleep(delay):
            self.step(time.monotonic())
            delay = self.rng.uniform(*EVENT_GAP_S)

    # ------------------------------------------------------------------ one event

    def step(self, clock: float) -> tuple[str, str] | None:
        """Release overrides whose time is up, then make one thing happen."""
        for number, until in list(self._steered.items()):
            if clock >= until:
                self.tenant.clear_override(number)
                del self._steered[number]
                self.events.append(("back to its pattern", number))
        roll = self.rng.random()
        if roll < 0.35:
            event = self._call()
        elif len(self._steered) >= MAX_STEERED:
            event = self._call()
        elif roll < 0.75:
            event = self._drop(clock)
        else:
            event = self._appear(clock)
        if event is not None:
            self.events.append(event)
        return event

    def _free(self, online: bool) -> list[str]:
        now = self.tenant.now()
        found = []
        for number, ext in self.tenant.extensions.items():
            if number in self._steered or ext.never_registers:
                continue
            if bool(self.tenant.registrations_of(number, now)) == online:
                found.append(number)
        return found

    def _drop(self, clock: float) -> tuple[str, str] | None:
        candidates = self._free(online=True)
        if not candidates:
            return None
        number = self.rng.choice(candidates)
        self.tenant.force_offline(number)
        self._steered[number] = clock + self.rng.uniform(*AWAY_S)
        return ("offline", number)

    def _appear(self, clock: float) -> tuple[str, str] | None:
        candidates = self._free(online=False)
        if not candidates:
            return self._drop(clock)
        number = self.rng.choice(candidates)
        devices = 2 if len(self.tenant.extensions[number].devices) > 1 else 1
        self.tenant.force_online(number, devices)
        self._steered[number] = clock + self.rng.uniform(*VISIT_S)
        return ("online", number)

    def _call(self) -> tuple[str, str]:
        call = self.calls.finished_call(self.rng, self.tenant.now())
        self.calls.add_finished(call)
        return ("call", call.call_id)
