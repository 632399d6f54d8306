"""What the flight recorder's history answers: plain frozen dataclasses, no I/O.

Every datetime is timezone-aware (the profile's PBX time zone when read back from the
database). The read API (:class:`~ccall_tui.recorder.history.History`) returns these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..monitor.states import ExtensionState

DEVICE_CHANGE_KINDS = (
    "appeared", "left", "address", "agent", "transport", "reachable", "unreachable", "expired",
)
"""The kinds of :class:`DeviceChange`."""


@dataclass(frozen=True, slots=True)
class Strip:
    """An availability strip: ``cells`` equal slices of ``since``..``until``, each the fraction
    of its time the extension was online (None: no record covers that slice). Online counts
    every registered moment; ``unreachable`` (per cell, like ``cells``) and
    ``unreachable_pct`` say how much of the recorded time it was registered but not
    answering pings."""

    cells: list[float | None]
    uptime_pct: float | None
    flaps: int
    since: datetime
    until: datetime
    unreachable: list[float | None] = field(default_factory=list)
    unreachable_pct: float | None = None


@dataclass(frozen=True, slots=True)
class DeviceChange:
    """One change of one device of one extension (``kind`` is one of
    :data:`DEVICE_CHANGE_KINDS`). ``detail``: what it was before (address, agent, transport),
    or the expiry for ``expired``."""

    at: datetime
    extension: str
    kind: str
    agent: str | None
    ip: str | None
    port: int | None
    transport: str | None
    detail: str | None


@dataclass(frozen=True, slots=True)
class StateChange:
    """An extension moved from ``old`` to ``new`` at ``at``."""

    at: datetime
    extension: str
    old: ExtensionState
    new: ExtensionState


@dataclass(frozen=True, slots=True)
class BoardAt:
    """The whole board as the history knows it at ``at``.

    ``states``/``since``/``devices``: per extension; ``polling_ok``: the polls around ``at``
    succeeded; ``known``: False when no record covers ``at`` (before the first record, or in a
    stretch when nothing was recording) - then the rest says nothing. ``unreachable``: the
    registered extensions that did not answer pings then (their state is ONLINE).
    """

    at: datetime
    states: dict[str, ExtensionState]
    since: dict[str, datetime]
    devices: dict[str, int]
    polling_ok: bool
    known: bool
    online: int = 0
    unreachable: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Availability:
    """One extension over a period: uptime (None when nothing was observed), flaps (times it
    went offline), its longest outage and when that began, seconds online and observed, and
    of the seconds online those it did not answer pings."""

    extension: str
    uptime_pct: float | None
    flaps: int
    longest_outage_s: float
    longest_outage_from: datetime | None
    online_s: float
    observed_s: float
    unreachable_s: float = 0.0

    @property
    def unreachable_pct(self) -> float | None:
        """Of the observed time, the part registered but not answering pings."""
        return 100.0 * self.unreachable_s / self.observed_s if self.observed_s > 0 else None


@dataclass(frozen=True, slots=True)
class PollGap:
    """A stretch with no good answer: polls failing (``reason`` says why) or nothing
    recording (``reason`` ``"not recording"``). ``end`` None: still going on."""

    start: datetime
    end: datetime | None
    reason: str


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    """A row of the generic event table (alerts fired, resolved, acknowledged...)."""

    at: datetime
    kind: str
    extension: str | None
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class HistoryProblem:
    """The history cannot be written (locked, unwritable, corrupt, disk full): one line for
    the status line; monitoring goes on."""

    message: str
