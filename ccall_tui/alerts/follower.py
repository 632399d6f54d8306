"""The call follower: reads new call records as they appear, each one once.

Every ``interval`` seconds it asks ``/cdrs/json`` for the calls that started from the newest
start it has seen (minus ``overlap_s``: a record is written when the call ends, so a call that
started earlier can appear late) until now, a few bounded pages, newest first. What it has
already delivered (by call id; by its fields when it has none) is skipped, and it forgets what
is older than the range it reads, so memory stays bounded. Failures back off (doubling, capped)
and are logged; the board's polling never waits for it (it runs as its own background task).
No Textual.

One follower serves everyone in a process who needs the calls (the alert engine's call rules,
the metrics' call figures): :func:`shared_follower`. It runs while anyone started it and did not
stop it yet, and one who subscribes late is handed the calls of the last ``lookback`` it
missed, as the first read would have given them.
"""

from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import Callable, Coroutine
from datetime import datetime, timedelta
from typing import Any

from ..api.cdrs import CallRecord, CdrQuery
from ..api.errors import CcallError
from ..i18n import _
from ..monitor.feed import Stoppable, Timer, loop_timer

log = logging.getLogger("ccall_tui.alerts")

INTERVAL_S = 30.0
OVERLAP_S = 600.0
LOOKBACK_S = 3600.0
PAGE_LIMIT = 500
MAX_PAGES = 4
BACKOFF_CAP_S = 600.0
MAX_REMEMBERED = 20_000

CallSubscriber = Callable[[list[CallRecord]], object]
Spawn = Callable[[Callable[[], Coroutine[Any, Any, None]], str], object]


def call_key(record: CallRecord) -> str:
    """What makes a record the same call twice: its id, else its fields."""
    if record.call_id:
        return "id:" + record.call_id
    start = record.start.isoformat() if record.start else ""
    return "|".join(("f", start, record.direction or "", record.source or "", record.destination or "",
                     record.status or "", str(record.duration_s), str(record.tta_s)))


class CallFollower:
    """See the module. ``client()`` returns the API client (a :class:`CcallClient`)."""

    def __init__(
        self,
        client: Callable[[], Any],
        *,
        clock: Callable[[], datetime],
        interval: float = INTERVAL_S,
        overlap_s: float = OVERLAP_S,
        lookback_s: float = LOOKBACK_S,
        page_limit: int = PAGE_LIMIT,
        max_pages: int = MAX_PAGES,
        max_remembered: int = MAX_REMEMBERED,
        timer: Timer | None = None,
        spawn: Spawn | None = None,
    ) -> None:
        self._client = client
        self._clock = clock
        self.interval = max(1.0, float(interval))
        self.overlap = timedelta(seconds=max(0.0, overlap_s))
        self.lookback = timedelta(seconds=max(0.0, lookback_s))
        self.page_limit = page_limit
        self.max_pages = max(1, max_pages)
        self._timer: Timer = timer or loop_timer
        self._spawn: Spawn = spawn or self._spawn_task
        self._tasks: set[asyncio.Task[None]] = set()
        self._subscribers: list[CallSubscriber] = []
        # call key -> its start (for forgetting what falls out of the range read)
        self._seen: collections.OrderedDict[str, datetime | None] = collections.OrderedDict()
        self._max_remembered = max_remembered
        self.newest_start: datetime | None = None
        self.failures = 0
        self.last_error: str | None = None
        self.last_read_at: datetime | None = None
        self.in_flight = False
        self.truncated_reads = 0
        self.delivered = 0
        self.reads = 0
        self._next: Stoppable | None = None
        self.running = False
        self._users = 0
        # what was delivered within the last ``lookback`` (for those who subscribe late)
        self._delivered: collections.deque[CallRecord] = collections.deque(maxlen=max_remembered)

    # ------------------------------------------------------------------ subscribers

    def subscribe(self, subscriber: CallSubscriber, *, replay: bool = True) -> Callable[[], None]:
        """Call ``subscriber(new_records)`` after each read that found new calls. With
        ``replay``, it is first handed what was delivered already within the last
        ``lookback`` (the calls it would have had, had it been there from the start)."""
        self._subscribers.append(subscriber)
        if replay and self._delivered:
            since = self._clock() - self.lookback
            missed = [record for record in self._delivered if record.start is not None and record.start >= since]
            if missed:
                try:
                    subscriber(missed)
                except Exception:  # one broken subscriber must not stop the others
                    log.exception("a call subscriber failed")
        return lambda: self._subscribers.remove(subscriber) if subscriber in self._subscribers else None

    # ------------------------------------------------------------------ life cycle

    def start(self) -> None:
        """Start reading (once: each start counts a user, each :meth:`stop` one less; it
        stops when the last one stopped)."""
        self._users += 1
        if self.running:
            return
        self.running = True
        self._due()  # the first read at once (a zero-delay timer is not every loop's friend)

    def stop(self) -> None:
        self._users = max(0, self._users - 1)
        if self._users:
            return
        self.running = False
        if self._next is not None:
            self._next.stop()
            self._next = None

    async def idle(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def _spawn_task(self, work: Callable[[], Coroutine[Any, Any, None]], name: str) -> None:
        task = asyncio.get_running_loop().create_task(work(), name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def read_soon(self, delay: float) -> None:
        if self._next is not None:
            self._next.stop()
        self._next = self._timer(delay, self._due, "call-follower") if self.running else None

    def _due(self) -> None:
        self._next = None
        if self.in_flight:
            return
        self.in_flight = True
        self._spawn(self._scheduled_read, "call-follower")

    async def _scheduled_read(self) -> None:
        try:
            await self.read_once()
        finally:
            self.in_flight = False
            self.read_soon(self.next_delay())

    def next_delay(self) -> float:
        """The interval, or after failures a doubling backoff capped at ten minutes."""
        if not self.failures:
            return self.interval
        return float(min(BACKOFF_CAP_S, self.interval * 2 ** min(self.failures, 10)))

    # ------------------------------------------------------------------ reading

    def range_start(self, now: datetime) -> datetime:
        if self.newest_start is None:
            return now - self.lookback
        return min(now, self.newest_start - self.overlap)

    async def read_once(self) -> list[CallRecord]:
        """Read the new calls once; returns (and tells subscribers) the ones not seen before.
        Never raises for a server or network failure: it is counted and logged."""
        now = self._clock()
        start = self.range_start(now)
        records: list[CallRecord] = []
        self.reads += 1
        try:
            for page in range(1, self.max_pages + 1):
                query = CdrQuery(date_from=start, date_to=now, page=page, limit=self.page_limit)
                result = await self._client().cdrs(query)
                records.extend(result.records)
                if result.paging is None or not result.paging.has_next or not result.records:
                    break
            else:
                self.truncated_reads += 1
                log.info("call follower: more calls than %d pages since %s; the oldest were not read",
                         self.max_pages, start.isoformat())
        except CcallError as exc:
            return self._failed(exc.message)
        except Exception as exc:  # a bug here must never take the board down
            log.exception("call follower: reading call records failed")
            return self._failed(_("Unexpected error: {kind}").format(kind=type(exc).__name__))
        self.failures = 0
        self.last_error = None
        self.last_read_at = now
        fresh = self._remember(records, start)
        if fresh:
            self.delivered += len(fresh)
            self._delivered.extend(fresh)
            for subscriber in list(self._subscribers):
                try:
                    subscriber(fresh)
                except Exception:  # one broken subscriber must not silence the others
                    log.exception("a call subscriber failed")
        return fresh

    def _failed(self, message: str) -> list[CallRecord]:
        self.failures += 1
        self.last_error = message
        log.info("call follower: %s (retry in %.0f s)", message, self.next_delay())
        return []

    def _remember(self, records: list[CallRecord], range_start: datetime) -> list[CallRecord]:
        fresh: list[CallRecord] = []
        for record in sorted(records, key=lambda r: r.start.timestamp() if r.start else 0.0):
            key = call_key(record)
            if key in self._seen:
                continue
            self._seen[key] = record.start
            fresh.append(record)
            if record.start is not None and (self.newest_start is None or record.start > self.newest_start):
                self.newest_start = record.start
        # What starts before the next range can never come back: forget it.
        horizon = self.range_start(self._clock()) - timedelta(minutes=1)
        for key, start in list(self._seen.items()):
            if start is not None and start < horizon:
                del self._seen[key]
        while len(self._seen) > self._max_remembered:
            self._seen.popitem(last=False)
        since = self._clock() - self.lookback
        while self._delivered and (self._delivered[0].start is None or self._delivered[0].start < since):
            self._delivered.popleft()
        return fresh

    @property
    def remembered(self) -> int:
        return len(self._seen)


def shared_follower(holder: Any, client: Callable[[], Any], *, clock: Callable[[], datetime],
                    timer: Timer | None = None, spawn: Spawn | None = None) -> CallFollower:
    """The one call follower of ``holder`` (the app's services): made by the first who asks
    (the alerts or the metrics, whichever starts first), the same one for the others, so the
    PBX is asked for the calls once, not once per reader."""
    follower = getattr(holder, "call_follower", None)
    if follower is None:
        follower = CallFollower(client, clock=clock, timer=timer, spawn=spawn)
        holder.call_follower = follower
    return follower
