"""Alerts that come together are told together. A site losing its switch fires one offline
alert per phone: forty notifications and forty banner lines say less than one line saying
``40 extensions offline: 101, 102, 103 … and 37 more``. Each alert still exists on its own
(the list, acknowledging, snoozing, resolving, the flight recorder); only the telling is
grouped:

- delivery (:class:`EventGroups`): the events of one rule and one kind (fired, resolved …)
  that come within ``group_window_s`` of the first (the rule's own, else the actions') are
  delivered as one message, when the window closes; a window of 0 delivers each at once;
- the banner (:func:`banner_lines`): one line per rule.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from ..i18n import _
from ..monitor.feed import Stoppable, Timer, loop_timer
from ..monitor.roster import extension_sort_key
from .model import Alert

# Keys named in a delivered message, and on a banner line, before "… and N more".
SHOWN_DELIVERED = 10
SHOWN_BANNER = 3


def alert_keys(alerts: Sequence[Alert]) -> list[str]:
    """What each alert is about (the caller's number, else its extension, else its key), in number
    order."""
    return sorted((a.number or a.extension or a.key for a in alerts), key=extension_sort_key)


def keys_text(alerts: Sequence[Alert], shown: int) -> str:
    """``101, 102, 103 … and 9 more``."""
    keys = alert_keys(alerts)
    text = ", ".join(keys[:shown])
    if len(keys) > shown:
        text += " … " + _("and {n} more").format(n=len(keys) - shown)
    return text


def group_message(event: str, alerts: Sequence[Alert], shown: int = SHOWN_DELIVERED) -> str:
    """One sentence for several alerts of one rule (the alert's own sentence for one), in the
    current language. ``event``: "fired", "resolved", "acknowledged", "snoozed",
    "snooze_ended"."""
    if len(alerts) == 1:
        return alerts[0].message
    n, kind, keys = len(alerts), alerts[0].kind, keys_text(alerts, shown)
    if event == "resolved":
        if kind == "offline":
            return _("{n} back online: {keys}").format(n=n, keys=keys)
        if kind == "unreachable":
            return _("{n} answering pings again: {keys}").format(n=n, keys=keys)
        return _("{n} resolved: {keys}").format(n=n, keys=keys)
    if event in ("fired", "snooze_ended"):
        if kind == "offline":
            return _("{n} extensions offline: {keys}").format(n=n, keys=keys)
        if kind == "unreachable":
            return _("{n} extensions registered but not answering pings: {keys}").format(n=n, keys=keys)
        if kind == "flapping":
            return _("{n} extensions dropping off again and again: {keys}").format(n=n, keys=keys)
        if kind == "missed_call":
            return _("{n} missed calls, call back: {keys}").format(n=n, keys=keys)
        if kind == "not_registered":
            return _("Calls to {n} extensions fail, not registered: {keys}").format(n=n, keys=keys)
    return _("{n} alerts: {keys}").format(n=n, keys=keys)


class EventGroups:
    """Holds the events of one rule and one kind for ``window_s`` after the first of them,
    then hands them to ``send(event, alerts)`` together (in the order they came). ``windows``:
    a rule's own window, by rule name, where it has one. ``timer`` is the loop's (or a test's
    manual one)."""

    def __init__(self, send: Callable[[str, list[Alert]], object], *, window_s: float,
                 windows: Mapping[str, float] | None = None, timer: Timer | None = None) -> None:
        self._send = send
        self.window_s = max(0.0, float(window_s))
        self.windows = {name: max(0.0, float(value)) for name, value in (windows or {}).items()}
        self._timer: Timer = timer or loop_timer
        self._open: dict[tuple[str, str], list[Alert]] = {}
        self._timers: dict[tuple[str, str], Stoppable] = {}

    def add(self, event: str, alert: Alert) -> None:
        window = self.windows.get(alert.rule, self.window_s)
        if window <= 0:
            self._send(event, [alert])
            return
        slot = (alert.rule, event)
        group = self._open.get(slot)
        if group is not None:
            group.append(alert)
            return
        self._open[slot] = [alert]
        self._timers[slot] = self._timer(window, lambda: self._flush(slot), "alert-group")

    @property
    def held(self) -> int:
        """Events held, waiting for their window to close."""
        return sum(len(group) for group in self._open.values())

    def _flush(self, slot: tuple[str, str]) -> None:
        self._timers.pop(slot, None)
        alerts = self._open.pop(slot, None)
        if alerts:
            self._send(slot[1], alerts)

    def flush_all(self) -> None:
        """Send what is held now (the program stops)."""
        for slot in list(self._open):
            timer = self._timers.pop(slot, None)
            if timer is not None:
                timer.stop()
            self._flush(slot)


@dataclass(frozen=True, slots=True)
class BannerLine:
    severity: str
    text: str
    fired_at: datetime  # the newest of its alerts
    count: int  # how many alerts it says


def banner_lines(alerts: Sequence[Alert], shown: int = SHOWN_BANNER) -> list[BannerLine]:
    """One line per rule, in the order its first alert comes in ``alerts`` (the engine lists
    critical first, newest first)."""
    by_rule: dict[str, list[Alert]] = {}
    for alert in alerts:
        by_rule.setdefault(alert.rule, []).append(alert)
    lines = []
    for group in by_rule.values():
        lines.append(BannerLine(group[0].severity, group_message("fired", group, shown),
                                max(a.fired_at for a in group), len(group)))
    return lines
