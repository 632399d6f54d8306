"""What the alert rules look at (:class:`Context`, filled by the engine at each tick) and what
they find (:class:`Finding`), with the words their sentences share: who an extension is, how
long, what share. No I/O, no clock of their own."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ..api.cdrs import CallRecord
from ..i18n import _
from ..monitor.board import ExtensionBoard
from ..monitor.states import ExtensionTile

_DIGITS = re.compile(r"\D")


@dataclass(slots=True)
class Finding:
    """A condition that holds for one key. ``message``: the sentence, or a function writing it
    (called only when the alert fires: thousands of offline phones hold every tick)."""

    key: str
    message: str | Callable[[], str]
    extension: str | None = None
    number: str | None = None
    value: float | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def text(self) -> str:
        return self.message if isinstance(self.message, str) else self.message()


@dataclass(slots=True)
class Context:
    """What the rules look at, at one tick."""

    now: datetime
    board: ExtensionBoard
    watched: frozenset[str]
    # None while the board has fresh data; else since when polling fails (or never succeeded)
    failing_since: datetime | None
    failure_reason: str | None
    flap_times: Mapping[str, Sequence[datetime]]
    unreachable_since: Mapping[str, datetime]
    calls: Sequence[CallRecord]
    # the extensions the board holds offline, in number order (kept by the engine from the
    # board's changes: a rule does not walk the whole board to find them)
    offline: Sequence[str] = ()
    # rule name -> (what the members were computed from, the member extensions)
    member_cache: dict[str, tuple[tuple[Any, ...], list[str]]] = field(default_factory=dict)
    _contacts: dict[str, datetime] | None = None

    @property
    def board_fresh(self) -> bool:
        return self.board.updated_at is not None and self.failing_since is None

    def contacts(self) -> dict[str, datetime]:
        """Number -> the latest start of a call that reached it or came from it answered
        (a call back, or the caller got through)."""
        if self._contacts is None:
            found: dict[str, datetime] = {}
            for call in self.calls:
                if call.start is None:
                    continue
                if call.direction == "inbound" and call.answered and call.source:
                    number = short_number(call.source)
                elif call.direction in ("outbound", "local") and call.destination:
                    number = short_number(call.destination)
                else:
                    continue
                if number and (number not in found or found[number] < call.start):
                    found[number] = call.start
            self._contacts = found
        return self._contacts


def short_number(number: str) -> str:
    """The digits that name a number whatever its prefix: ``+84 90 123 4567`` and
    ``0901234567`` are the same caller (the last nine digits)."""
    return _DIGITS.sub("", number)[-9:]


def who(tile: ExtensionTile | None, extension: str) -> str:
    name = tile.name if tile is not None else None
    return f"{extension} ({name})" if name else extension


def whole_minutes(delta: timedelta) -> int:
    return max(0, int(delta.total_seconds() // 60))


def duration_text(delta: timedelta) -> str:
    """``45 s``, ``5 min``, ``2 h 5 min`` (whole units, rounded down)."""
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 60:
        return _("{n} s").format(n=seconds)
    if seconds < 3600:
        return _("{n} min").format(n=seconds // 60)
    return _("{h} h {m} min").format(h=seconds // 3600, m=seconds // 60 % 60)


def pct(value: float) -> str:
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}"
