"""An alert and what the engine tells its subscribers about it (delivery, metrics, the TUI,
the flight recorder). Plain dataclasses; events carry a copy of the alert as it was."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(slots=True)
class Alert:
    """One alert: fired once when its rule's condition held, resolved when it cleared.

    ``key`` tells alerts of one rule apart (an extension, a caller's number, ``""`` for a rule
    about the whole tenant). ``message`` is one sentence in the profile's language.
    ``number``: the number to call back, for a missed call.
    """

    id: str
    rule: str
    kind: str
    severity: str
    key: str
    message: str
    fired_at: datetime
    extension: str | None = None
    number: str | None = None
    value: float | None = None
    details: dict[str, Any] = field(default_factory=dict)
    resolved_at: datetime | None = None
    acknowledged_at: datetime | None = None
    snoozed_until: datetime | None = None

    @property
    def active(self) -> bool:
        return self.resolved_at is None

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_at is not None

    def snoozed(self, now: datetime) -> bool:
        return self.snoozed_until is not None and now < self.snoozed_until

    def needs_attention(self, now: datetime) -> bool:
        """Active, not acknowledged, not snoozed: what the wall shows in large text."""
        return self.active and not self.acknowledged and not self.snoozed(now)

    def state(self, now: datetime) -> str:
        """``resolved``, ``acknowledged``, ``snoozed`` or ``firing``."""
        if not self.active:
            return "resolved"
        if self.acknowledged:
            return "acknowledged"
        return "snoozed" if self.snoozed(now) else "firing"

    def copy(self) -> Alert:
        return Alert(
            self.id, self.rule, self.kind, self.severity, self.key, self.message, self.fired_at,
            self.extension, self.number, self.value, dict(self.details), self.resolved_at,
            self.acknowledged_at, self.snoozed_until,
        )

    def to_json(self) -> dict[str, Any]:
        def iso(moment: datetime | None) -> str | None:
            return moment.isoformat() if moment is not None else None

        return {
            "id": self.id,
            "rule": self.rule,
            "kind": self.kind,
            "severity": self.severity,
            "key": self.key,
            "message": self.message,
            "extension": self.extension,
            "number": self.number,
            "value": self.value,
            "details": {key: iso(value) if isinstance(value, datetime) else value
                        for key, value in self.details.items()},
            "fired_at": iso(self.fired_at),
            "resolved_at": iso(self.resolved_at),
            "acknowledged_at": iso(self.acknowledged_at),
            "snoozed_until": iso(self.snoozed_until),
        }


@dataclass(frozen=True, slots=True)
class AlertFired:
    """A rule's condition held: a new alert. ``alert.snoozed(at)`` when its key was snoozed
    (record it, do not ring)."""

    alert: Alert
    at: datetime


@dataclass(frozen=True, slots=True)
class AlertResolved:
    """The condition cleared (and stayed clear for the rule's ``clear_after``)."""

    alert: Alert
    at: datetime


@dataclass(frozen=True, slots=True)
class AlertAcknowledged:
    """Someone acknowledged the alert: it stays until it resolves, but asks for nobody."""

    alert: Alert
    at: datetime


@dataclass(frozen=True, slots=True)
class AlertSnoozed:
    """Someone snoozed the alert until ``alert.snoozed_until``."""

    alert: Alert
    at: datetime


@dataclass(frozen=True, slots=True)
class AlertSnoozeEnded:
    """The snooze ran out and the alert is still active and unacknowledged: it asks again."""

    alert: Alert
    at: datetime


AlertEvent = AlertFired | AlertResolved | AlertAcknowledged | AlertSnoozed | AlertSnoozeEnded

EVENT_KINDS: dict[type, str] = {
    AlertFired: "alert_fired",
    AlertResolved: "alert_resolved",
    AlertAcknowledged: "alert_acknowledged",
    AlertSnoozed: "alert_snoozed",
    AlertSnoozeEnded: "alert_snooze_ended",
}
"""The ``kind`` each event is recorded under in the flight recorder."""
