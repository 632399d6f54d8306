"""OpenMetrics for Prometheus and Grafana: ``--metrics HOST:PORT`` on the TUI and ``watch``.

:class:`BoardMetrics` is a custom collector: the board is read when Prometheus scrapes, so a poll
costs nothing more than a few counter bumps (poll durations, errors by kind, calls by direction
and cause). ``prometheus_client`` is imported only by :meth:`BoardMetrics.collect` and the
endpoint (:mod:`.metrics_http`), so commands without ``--metrics`` never load it.

Label values come from outside (names, causes): they are cleaned of control characters and cut
short; causes and directions outside the known words are counted as ``other``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ..api.cdrs import HANGUP_CAUSES, CallRecord
from ..api.text import clean_text
from ..monitor.events import AuthRejected, FeedEvent, PollFailed, PollStarted, SnapshotApplied
from ..monitor.states import ExtensionState, device_reachable

if TYPE_CHECKING:  # pragma: no cover
    from ..monitor.feed import BoardFeed

log = logging.getLogger("ccall_tui.metrics")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 9464
# Upper bounds of the poll duration histogram, seconds.
POLL_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
DIRECTIONS = ("inbound", "outbound", "local")
LABEL_LIMIT = 80
# A call whose MOS is below this counts as poor audio (FusionPBX: below "Fair").
LOW_MOS = 3.5
WINDOW_S = 3600.0
# Calls remembered for the ASR and MOS gauges: the window, but never more than this many.
WINDOW_LIMIT = 20_000


def label(value: object) -> str:
    """An untrusted text as a label value: one line, no control characters, short."""
    return clean_text(value, limit=LABEL_LIMIT)


def _cause(status: str | None) -> str:
    cause = (status or "").strip().upper()
    if not cause:
        return "none"
    return cause if cause in HANGUP_CAUSES else "other"


def _direction(direction: str | None) -> str:
    word = (direction or "").strip().lower()
    return word if word in DIRECTIONS else "other"


@dataclass(frozen=True, slots=True)
class AlertState:
    """One alert as the metrics show it (whatever engine holds it)."""

    rule: str
    severity: str
    state: str  # "firing", "acknowledged", "snoozed"
    extension: str | None = None


class BoardMetrics:
    """What a scrape reads: the board of ``feed`` and what was counted since the start.

    ``alerts``: returns the alerts to show (called at scrape time, from the server's thread).
    Counting happens on the feed's loop; the scrape copies what it reads, under a lock.
    """

    def __init__(
        self,
        feed: BoardFeed,
        *,
        clock: Callable[[], datetime],
        window_s: float = WINDOW_S,
        low_mos: float = LOW_MOS,
        alerts: Callable[[], Iterable[AlertState]] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.feed = feed
        self.clock = clock
        self.window = timedelta(seconds=window_s)
        self.low_mos = low_mos
        self.alerts = alerts
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._poll_began: float | None = None
        self._buckets = [0] * (len(POLL_BUCKETS) + 1)
        self._poll_sum = 0.0
        self._poll_count = 0
        self._errors: Counter[str] = Counter()
        self._calls: Counter[tuple[str, str]] = Counter()
        # (start, answered, mos) of the calls in the window, oldest first
        self._recent: deque[tuple[datetime, bool, float | None]] = deque(maxlen=WINDOW_LIMIT)
        self._unsubscribe = feed.subscribe(self.on_event)

    def close(self) -> None:
        self._unsubscribe()

    # ------------------------------------------------------------------ counting (the loop)

    def on_event(self, event: FeedEvent) -> None:
        if isinstance(event, PollStarted):
            self._poll_began = self._monotonic()
        elif isinstance(event, SnapshotApplied | PollFailed | AuthRejected):
            began, self._poll_began = self._poll_began, None
            with self._lock:
                if began is not None:
                    self._observe_poll(self._monotonic() - began)
                if isinstance(event, PollFailed):
                    self._errors[label(event.kind) or "error"] += 1
                elif isinstance(event, AuthRejected):
                    self._errors["auth"] += 1

    def _observe_poll(self, seconds: float) -> None:
        seconds = max(seconds, 0.0)
        self._poll_sum += seconds
        self._poll_count += 1
        for i, bound in enumerate(POLL_BUCKETS):
            if seconds <= bound:
                self._buckets[i] += 1
                return
        self._buckets[-1] += 1

    def add_calls(self, records: Iterable[CallRecord]) -> None:
        """Count new call records (each once: the caller deduplicates, as the follower does)."""
        with self._lock:
            for record in records:
                self._calls[(_direction(record.direction), _cause(record.status))] += 1
                if record.start is not None:
                    self._recent.append((record.start, record.answered, record.mos))

    # ------------------------------------------------------------------ reading (a scrape)

    def window_figures(self, now: datetime) -> tuple[int, float | None, float | None, float | None]:
        """Calls in the window, ASR (0-1), average MOS and the share of scored calls below
        ``low_mos`` (None when there is nothing to divide by)."""
        since = now - self.window
        with self._lock:
            while self._recent and self._recent[0][0] < since - self.window:
                self._recent.popleft()  # far out of the window (records arrive roughly in order)
            recent = [item for item in self._recent if since <= item[0] <= now]
        calls = len(recent)
        answered = sum(1 for _start, ok, _mos in recent if ok)
        scores = [mos for _start, _ok, mos in recent if mos is not None]
        asr = answered / calls if calls else None
        mos = sum(scores) / len(scores) if scores else None
        low = sum(1 for s in scores if s < self.low_mos) / len(scores) if scores else None
        return calls, asr, mos, low

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import (
            CounterMetricFamily,
            GaugeMetricFamily,
            HistogramMetricFamily,
        )

        board = self.feed.board
        status = self.feed.status
        now = self.clock()
        tiles = _copy_tiles(board)
        latest = dict(board.latest)

        up = GaugeMetricFamily("ccall_extension_up", "1 when the extension is registered (answering pings "
                               "or not), 0 when not", labels=["extension", "name"])
        devices = GaugeMetricFamily("ccall_extension_devices", "devices registered on the extension",
                                    labels=["extension"])
        ping = GaugeMetricFamily("ccall_extension_ping_ms", "slowest ping of the extension's devices, ms",
                                 labels=["extension"])
        unreachable = GaugeMetricFamily("ccall_extension_unreachable_devices",
                                        "devices registered but not answering pings", labels=["extension"])
        flaps = CounterMetricFamily("ccall_extension_flaps", "times the extension went offline since the start",
                                    labels=["extension"])
        counts = GaugeMetricFamily(
            "ccall_extensions", "extensions by state, as the board's header counts them: online is registered "
            "and answering pings, unreachable is registered but not; the states add up to the total",
            labels=["state"])
        for tile in tiles:
            if tile.state is ExtensionState.UNKNOWN:
                continue  # before the first answer nothing is known: no 0 that looks like "down"
            ext = label(tile.extension)
            regs = latest.get(tile.extension, ())
            up.add_metric([ext, label(tile.name or "")], 1.0 if tile.state is ExtensionState.ONLINE else 0.0)
            # The others only where they say something (a registered extension, a drop, a
            # silent device): a scrape of 50,000 extensions costs half as much.
            if regs:
                devices.add_metric([ext], float(len(regs)))
                pings = [r.ping_ms for r in regs if r.ping_ms is not None]
                if pings:
                    ping.add_metric([ext], max(pings))
                slow = getattr(board, "unreachable_ping_ms", None)
                down = sum(1 for r in regs if device_reachable(r, slow) is False)
                if down:
                    unreachable.add_metric([ext], float(down))
            if tile.flaps:
                flaps.add_metric([ext], float(tile.flaps))
        by_state = dict(board.counts)
        registered = by_state[ExtensionState.ONLINE]
        # the board counts every registered extension as ONLINE and the unreachable ones
        # among them apart: "online" here is what the header calls online
        by_state[ExtensionState.ONLINE] = registered - by_state[ExtensionState.UNREACHABLE]
        for state, count in by_state.items():
            counts.add_metric([state.value], float(count))
        registered_family = GaugeMetricFamily(
            "ccall_extensions_registered", "extensions registered, whether or not they answer pings",
            value=float(registered))
        yield from (up, devices, ping, unreachable, flaps, counts, registered_family)

        with self._lock:
            buckets, poll_sum = list(self._buckets), self._poll_sum
            errors, calls = dict(self._errors), dict(self._calls)
        cumulative, running = [], 0
        for bound, count in zip((*map(str, POLL_BUCKETS), "+Inf"), buckets):
            running += count
            cumulative.append((bound, float(running)))
        yield HistogramMetricFamily("ccall_poll_duration_seconds", "time one poll of the registrations took",
                                    buckets=cumulative, sum_value=poll_sum)
        errs = CounterMetricFamily("ccall_poll_errors", "failed polls by reason", labels=["reason"])
        for reason, count in sorted(errors.items()):
            errs.add_metric([reason], float(count))
        yield errs
        last = status.last_success
        yield GaugeMetricFamily("ccall_poll_last_success_timestamp_seconds", "when the last poll succeeded",
                                value=last.timestamp() if last is not None else 0.0)
        yield GaugeMetricFamily("ccall_poll_stale", "1 when the data may no longer be true",
                                value=1.0 if status.is_stale(now) else 0.0)

        total = CounterMetricFamily("ccall_calls", "call records read, by direction and hangup cause",
                                    labels=["direction", "cause"])
        for (direction, cause), count in sorted(calls.items()):
            total.add_metric([direction, cause], float(count))
        yield total
        in_window, asr, mos, low = self.window_figures(now)
        yield GaugeMetricFamily("ccall_window_calls", "calls that started in the window", value=float(in_window))
        for name, doc, value in (
            ("ccall_asr_ratio", "share of the window's calls that were answered", asr),
            ("ccall_mos_average", "average MOS of the window's scored calls", mos),
            ("ccall_mos_low_ratio", "share of the window's scored calls below the MOS threshold", low),
        ):
            if value is not None:  # nothing to divide by: no figure, rather than a false 0
                yield GaugeMetricFamily(name, doc, value=value)
        yield GaugeMetricFamily("ccall_window_seconds", "length of the window of the call gauges",
                                value=self.window.total_seconds())
        yield from self._alert_families()

    def _alert_families(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        if self.alerts is None:
            return
        active = GaugeMetricFamily("ccall_alert_active", "1 for each alert that has not resolved",
                                   labels=["rule", "severity", "state", "extension"])
        by_state: Counter[tuple[str, str]] = Counter()
        try:
            alerts = list(self.alerts())
        except Exception:  # a scrape must answer even when the alerts cannot be read (logged)
            log.exception("reading the alerts for the metrics failed")
            alerts = []
        for alert in alerts:
            severity, state = label(alert.severity), label(alert.state)
            active.add_metric([label(alert.rule), severity, state, label(alert.extension or "")], 1.0)
            by_state[(severity, state)] += 1
        yield active
        counts = GaugeMetricFamily("ccall_alerts", "alerts not resolved, by severity and state",
                                   labels=["severity", "state"])
        for (severity, state), count in sorted(by_state.items()):
            counts.add_metric([severity, state], float(count))
        yield counts


def _copy_tiles(board: Any) -> list[Any]:
    """The tiles, copied (the loop may add one while a scrape reads them on its thread)."""
    for _attempt in range(5):
        try:
            return list(board.tiles.values())
        except RuntimeError:  # changed size during the copy: try again
            continue
    return []


def alert_states(engine: Any, now: datetime) -> list[AlertState]:
    """The engine's unresolved alerts as the metrics show them (read from the server's thread:
    the loop may change them meanwhile, so the copy is tried again)."""
    if engine is None:
        return []
    for _attempt in range(5):
        try:
            return [AlertState(a.rule, a.severity, a.state(now), a.extension) for a in list(engine.active)]
        except RuntimeError:  # changed size while being read
            continue
    return []
