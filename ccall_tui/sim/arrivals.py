"""Calls that finish while a client reads the pages of a result (the ``calls_arriving`` switch).

A long export of a busy tenant sees new calls land at the newest end of its result between
two page requests, so rows shift into the next page. The simulator plays that compressed in
time: before each page request is served, a minute passes and ``calls_arriving`` calls that
started in that minute are added. They stay in the history afterwards (they happened).
"""

from __future__ import annotations

import random
import threading
from datetime import datetime

from .calls import Call, CallFilter, _matches_number, fold
from .clock import PBX_TZ
from .tenant import Tenant

MINUTE = 60


class Arrivals:
    """The calls that arrived while the server ran, newest first."""

    def __init__(self, tenant: Tenant) -> None:
        self.tenant = tenant
        self._calls: list[Call] = []
        self._latest_ts: int | None = None
        self._rng = random.Random(f"{tenant.seed}-arrivals")
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._calls)

    def arrive(self, count: int, now: datetime) -> None:
        """A minute passes: ``count`` calls that started in it finish."""
        if count <= 0:
            return
        history = self.tenant.calls
        with self._lock:
            base = max(int(now.timestamp()), self._latest_ts or 0) + MINUTE
            base -= base % MINUTE
            self._latest_ts = base
            head = self._rng.getrandbits(32)
            batch = []
            for i in range(count):
                start_ts = base + i * MINUTE // count
                start = datetime.fromtimestamp(start_ts, PBX_TZ).replace(tzinfo=None)
                batch.append(history._one_call(self._rng, head, start_ts, start))
            self._calls[:0] = sorted(batch, key=lambda c: c.start_ts, reverse=True)

    def matching(self, where: CallFilter) -> list[Call]:
        """The arrived calls that ``where`` selects, newest first."""
        with self._lock:
            calls = list(self._calls)
        name = fold(where.cid_name) if where.cid_name else None
        found = []
        for call in calls:
            if where.start_ts is not None and call.start_ts < where.start_ts:
                continue
            if where.end_ts is not None and call.start_ts > where.end_ts:
                continue
            if where.direction and call.direction != where.direction:
                continue
            if where.causes is not None and call.cause not in where.causes:
                continue
            if where.source and not _matches_number(where.source, call.source):
                continue
            if where.destination and not _matches_number(where.destination, call.destination):
                continue
            if name is not None and name not in fold(self.tenant.calls.cid_name(call)):
                continue
            found.append(call)
        return found


def with_arrivals(calls: list[Call], arrived: list[Call]) -> list[Call]:
    """The history's answer with the arrived calls in front (they are the newest)."""
    return arrived + calls if arrived else calls

