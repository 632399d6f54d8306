"""The alert engine: rules evaluated on a clock tick against the board feed and the call
follower; each alert fires once, resolves when its condition clears (after ``clear_after``),
can be acknowledged and snoozed, and every step is told to subscribers (delivery, metrics, the
TUI) and to the flight recorder. No Textual.

    engine = AlertEngine(rules, feed, clock=clock, follower=follower, watched=profile.watched)
    engine.subscribe(print)
    engine.start()
"""

from __future__ import annotations

import collections
import itertools
import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from ..api.cdrs import CallRecord
from ..monitor.events import AuthRejected, FeedEvent, PollFailed, SnapshotApplied
from ..monitor.feed import Stoppable, Timer, loop_timer
from ..monitor.roster import extension_sort_key
from ..monitor.states import ExtensionState
from .conditions import EVALUATORS, Context, Finding
from .model import (
    EVENT_KINDS,
    Alert,
    AlertAcknowledged,
    AlertEvent,
    AlertFired,
    AlertResolved,
    AlertSnoozed,
    AlertSnoozeEnded,
)
from .rules import CALL_KINDS, Rule

log = logging.getLogger("ccall_tui.alerts")

TICK_S = 5.0
RECENT_LIMIT = 200
# Call records kept for the call rules: the longest window, and never more than this many.
MAX_CALLS = 50_000
# Drops remembered per extension for the flapping rules.
MAX_FLAPS = 256
SEVERITY_RANK = {"critical": 0, "warning": 1}
# Ticks between two whole readings of the board's offline tiles (kept from its changes meanwhile).
RESYNC_TICKS = 60

AlertSubscriber = Callable[[AlertEvent], object]
# The flight recorder's ``History.record_event(kind, at, extension, payload)``.
RecordSink = Callable[[str, datetime, str | None, dict[str, Any]], object]


class FeedLike(Protocol):
    @property
    def board(self) -> Any: ...

    def subscribe(self, subscriber: Callable[[FeedEvent], object]) -> Callable[[], None]: ...


class FollowerLike(Protocol):
    def subscribe(self, subscriber: Callable[[list[CallRecord]], object]) -> Callable[[], None]: ...

    def start(self) -> None: ...

    def stop(self) -> None: ...


class AlertEngine:
    """Evaluates ``rules`` every ``tick_s`` seconds of the injected ``timer``; see the module."""

    def __init__(
        self,
        rules: Sequence[Rule],
        feed: FeedLike,
        *,
        clock: Callable[[], datetime],
        follower: FollowerLike | None = None,
        watched: frozenset[str] = frozenset(),
        timer: Timer | None = None,
        record: RecordSink | None = None,
        tick_s: float = TICK_S,
        recent_limit: int = RECENT_LIMIT,
    ) -> None:
        self.rules = tuple(rule for rule in rules if rule.enabled)
        self._feed = feed
        self._clock = clock
        self._follower = follower
        self.watched = frozenset(watched)
        self._timer: Timer = timer or loop_timer
        self._record = record
        self.tick_s = max(0.5, float(tick_s))
        self._subscribers: list[AlertSubscriber] = []
        self._unsubscribe: list[Callable[[], None]] = []
        self._tick_timer: Stoppable | None = None
        self._ids = itertools.count(1)
        self._active: dict[tuple[str, str], Alert] = {}
        self._clear_since: dict[tuple[str, str], datetime] = {}
        self._snoozed_keys: dict[tuple[str, str], datetime] = {}
        self._recent: collections.deque[Alert] = collections.deque(maxlen=recent_limit)
        self._failing_since: datetime | None = None
        self._failure_reason: str | None = None
        self._flaps: dict[str, collections.deque[datetime]] = {}
        self._unreachable: dict[str, datetime] = {}
        # What the registration rules look at, kept from the board's changes so that a poll
        # and a tick cost what changed (and the alerts), not the size of the board: the
        # extensions offline (checked against the board's count, and read again whole when
        # they disagree: a tile forgotten, an engine started after the first answer).
        self._offline: set[str] = set()
        self._offline_sorted: list[str] | None = []
        self._ticks_since_read = 0
        self._member_cache: dict[str, tuple[tuple[Any, ...], list[str]]] = {}
        # rule name -> the keys of its active alerts
        self._keys: dict[str, set[str]] = {}
        self._calls: collections.deque[CallRecord] = collections.deque(maxlen=MAX_CALLS)
        kinds = {rule.kind for rule in self.rules}
        self._watch_offline = "offline" in kinds
        self._watch_flaps = "flapping" in kinds
        self._watch_pings = "unreachable" in kinds
        self.needs_calls = bool(kinds & CALL_KINDS)
        windows = [rule.minutes for rule in self.rules if rule.kind in CALL_KINDS]
        self.call_window = timedelta(minutes=max(windows, default=0.0))
        flap_windows = [rule.minutes for rule in self.rules if rule.kind == "flapping"]
        self._flap_window = timedelta(minutes=max(flap_windows, default=0.0))
        self.running = False

    # ------------------------------------------------------------------ subscribers

    def subscribe(self, subscriber: AlertSubscriber) -> Callable[[], None]:
        """Call ``subscriber(event)`` for every alert event; returns the unsubscribe function."""
        self._subscribers.append(subscriber)
        return lambda: self._subscribers.remove(subscriber) if subscriber in self._subscribers else None

    def _emit(self, event: AlertEvent) -> None:
        if self._record is not None:
            alert = event.alert
            try:
                self._record(EVENT_KINDS[type(event)], event.at, alert.extension, alert.to_json())
            except Exception:  # the recorder's trouble must never stop the alerts
                log.exception("recording an alert event failed")
        for subscriber in list(self._subscribers):
            try:
                subscriber(event)
            except Exception:  # one broken subscriber must not silence the others
                log.exception("an alert subscriber failed")

    # ------------------------------------------------------------------ life cycle

    def start(self) -> None:
        """Listen to the feed (and the follower, which it starts when a rule needs calls)
        and evaluate every ``tick_s`` seconds."""
        if self.running:
            return
        self.running = True
        self._unsubscribe.append(self._feed.subscribe(self.on_feed_event))
        if self._follower is not None and self.needs_calls:
            self._unsubscribe.append(self._follower.subscribe(self.on_calls))
            self._follower.start()
        self._arm()

    def stop(self) -> None:
        self.running = False
        if self._tick_timer is not None:
            self._tick_timer.stop()
            self._tick_timer = None
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
        if self._follower is not None and self.needs_calls:
            self._follower.stop()

    def _arm(self) -> None:
        if self.running:
            self._tick_timer = self._timer(self.tick_s, self._scheduled_tick, "alert-tick")

    def _scheduled_tick(self) -> None:
        self._tick_timer = None
        try:
            self.tick()
        except Exception:  # a bug in one evaluation must not stop the next ones
            log.exception("evaluating the alert rules failed")
        self._arm()

    # ------------------------------------------------------------------ input

    def on_feed_event(self, event: FeedEvent) -> None:
        if isinstance(event, SnapshotApplied):
            self._failing_since = None
            self._failure_reason = None
            changes = event.changes
            if self._watch_flaps and not changes.first:
                for extension in changes.went_offline:
                    self._flaps.setdefault(extension, collections.deque(maxlen=MAX_FLAPS)).append(event.at)
            if self._watch_offline:
                self._note_states(changes.state_changed)
            if self._watch_pings:
                self._observe_pings(event.at, changes)
        elif isinstance(event, (PollFailed, AuthRejected)):
            if self._failing_since is None:
                self._failing_since = self._clock()
            self._failure_reason = event.message

    def _observe_pings(self, now: datetime, changes: Any) -> None:
        """Registered extensions no device of which answers pings, as the board draws them
        (one definition: monitor.states.extension_reachable), and since when. Read again
        only when the answer changed a state or a reachability (or the count disagrees)."""
        board = self._feed.board
        if (not changes.reachability_changed and not changes.state_changed
                and len(self._unreachable) == board.counts[ExtensionState.UNREACHABLE]):
            return
        previous = self._unreachable
        self._unreachable = {ext: previous.get(ext, now) for ext in board.unreachable_extensions()}

    def _note_states(self, extensions: Sequence[str]) -> None:
        """The offline set, told which tiles changed state."""
        if not extensions:
            return
        tiles, offline = self._feed.board.tiles, self._offline
        for extension in extensions:
            tile = tiles.get(extension)
            if tile is not None and tile.state is ExtensionState.OFFLINE:
                if extension not in offline:
                    offline.add(extension)
                    self._offline_sorted = None
            elif extension in offline:
                offline.discard(extension)
                self._offline_sorted = None

    def _offline_now(self) -> list[str]:
        """The extensions offline on the board, in number order. Read again whole when the
        count disagrees, and once in a while whatever it says (a tile set offline by anything
        but an answer, in the same tick as another came back, would keep the count)."""
        board = self._feed.board
        self._ticks_since_read += 1
        if len(self._offline) != board.counts[ExtensionState.OFFLINE] or self._ticks_since_read >= RESYNC_TICKS:
            self._ticks_since_read = 0
            self._offline = {ext for ext, tile in board.tiles.items() if tile.state is ExtensionState.OFFLINE}
            self._offline_sorted = None
        if self._offline_sorted is None:
            self._offline_sorted = sorted(self._offline, key=extension_sort_key)
        return self._offline_sorted

    def on_calls(self, records: list[CallRecord]) -> None:
        """New call records from the follower (each one once)."""
        self._calls.extend(record for record in records if record.start is not None)

    def _prune(self, now: datetime) -> None:
        if self._calls:
            oldest = now - self.call_window
            if any(call.start is not None and call.start < oldest for call in self._calls):
                kept = [call for call in self._calls if call.start is not None and call.start >= oldest]
                self._calls = collections.deque(kept, maxlen=MAX_CALLS)
        if self._flaps:
            start = now - self._flap_window
            for extension in list(self._flaps):
                times = self._flaps[extension]
                while times and times[0] <= start:
                    times.popleft()
                if not times:
                    del self._flaps[extension]

    # ------------------------------------------------------------------ evaluation

    def tick(self) -> list[AlertEvent]:
        """Evaluate every rule now; returns the events it emitted (in order)."""
        now = self._clock()
        self._prune(now)
        emitted: list[AlertEvent] = []
        ctx = Context(
            now=now, board=self._feed.board, watched=self.watched, failing_since=self._failing_since,
            failure_reason=self._failure_reason, flap_times=self._flaps,
            unreachable_since=self._unreachable, calls=self._calls,
            offline=self._offline_now() if self._watch_offline else (), member_cache=self._member_cache,
        )
        for rule in self.rules:
            active = set(self._keys.get(rule.name, ()))
            findings = EVALUATORS[rule.kind](rule, ctx, active)
            if findings is None:  # the rule cannot judge now (stale board): nothing changes
                continue
            for key, finding in findings.items():
                self._clear_since.pop((rule.name, key), None)
                alert = self._active.get((rule.name, key))
                if alert is None:
                    emitted.append(self._fire(rule, finding, now))
                else:
                    alert.value = finding.value
                    alert.details.update(finding.details)
            for key in active - findings.keys():
                emitted.extend(self._maybe_resolve(rule, key, now))
        for alert in self._active.values():
            if alert.snoozed_until is not None and alert.snoozed_until <= now:
                alert.snoozed_until = None
                if not alert.acknowledged:
                    emitted.append(AlertSnoozeEnded(alert.copy(), now))
        for slot, until in list(self._snoozed_keys.items()):
            if until <= now:
                del self._snoozed_keys[slot]
        for event in emitted:
            self._emit(event)
        return emitted

    def _fire(self, rule: Rule, finding: Finding, now: datetime) -> AlertFired:
        alert = Alert(
            id=str(next(self._ids)), rule=rule.name, kind=rule.kind, severity=rule.severity,
            key=finding.key, message=finding.text(), fired_at=now, extension=finding.extension,
            number=finding.number, value=finding.value, details=dict(finding.details),
            snoozed_until=self._snoozed_keys.get((rule.name, finding.key)),
        )
        self._active[(rule.name, finding.key)] = alert
        self._keys.setdefault(rule.name, set()).add(finding.key)
        return AlertFired(alert.copy(), now)

    def _maybe_resolve(self, rule: Rule, key: str, now: datetime) -> list[AlertEvent]:
        slot = (rule.name, key)
        since = self._clear_since.setdefault(slot, now)
        if now - since < timedelta(minutes=rule.clear_after):
            return []
        del self._clear_since[slot]
        alert = self._active.pop(slot)
        self._keys[rule.name].discard(key)
        alert.resolved_at = now
        self._recent.appendleft(alert)
        return [AlertResolved(alert.copy(), now)]

    # ------------------------------------------------------------------ people

    def get(self, alert_id: str) -> Alert | None:
        for alert in self._active.values():
            if alert.id == alert_id:
                return alert
        return next((alert for alert in self._recent if alert.id == alert_id), None)

    def ack(self, alert_id: str) -> bool:
        """Acknowledge an active alert: it stays until it resolves but asks for nobody.
        False when there is no such active alert (or it was acknowledged already)."""
        alert = self.get(alert_id)
        if alert is None or not alert.active or alert.acknowledged:
            return False
        now = self._clock()
        alert.acknowledged_at = now
        self._emit(AlertAcknowledged(alert.copy(), now))
        return True

    def snooze(self, alert_id: str, minutes: float) -> bool:
        """Silence an active alert for ``minutes``; if its condition comes back within them,
        the new alert starts snoozed too. False when there is no such active alert."""
        alert = self.get(alert_id)
        if alert is None or not alert.active or minutes <= 0:
            return False
        now = self._clock()
        until = now + timedelta(minutes=minutes)
        alert.snoozed_until = until
        self._snoozed_keys[(alert.rule, alert.key)] = until
        self._emit(AlertSnoozed(alert.copy(), now))
        return True

    # ------------------------------------------------------------------ reading

    @property
    def active(self) -> list[Alert]:
        """Active alerts, critical first, newest first."""
        return sorted(self._active.values(),
                      key=lambda a: (SEVERITY_RANK.get(a.severity, 2), -a.fired_at.timestamp(), -int(a.id)))

    @property
    def recent(self) -> list[Alert]:
        """Resolved alerts, newest first (the last ``recent_limit``)."""
        return list(self._recent)

    def needing_attention(self, now: datetime | None = None) -> list[Alert]:
        """Active, unacknowledged, not snoozed: what the wall shows."""
        moment = now or self._clock()
        return [alert for alert in self.active if alert.needs_attention(moment)]

    def snapshot(self) -> dict[str, Any]:
        """Every active and recent alert as JSON."""
        return {"active": [a.to_json() for a in self.active], "recent": [a.to_json() for a in self.recent]}

