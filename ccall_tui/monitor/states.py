"""Where one extension stands: online, online but not reachable, offline, never seen, or not
known yet, since when, and with which devices (one tile of the board).

Reachability is decided here, once, for everyone (the board, the alerts, the metrics, the
hints): :func:`device_reachable` and :func:`extension_reachable`."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any, Protocol

from ..api.values import NULL_WORDS
from ..api.registrations import Registration
from ..i18n import _


class ExtensionState(Enum):
    """Where one extension stands right now."""

    ONLINE = "online"
    # Registered, but no device answers the PBX's pings (or only too slowly). A tile *shows*
    # it (ExtensionTile.shown); its registration state stays ONLINE: it is still registered.
    UNREACHABLE = "unreachable"
    OFFLINE = "offline"
    NEVER_SEEN = "never"
    # Before the first good answer nothing is known: never drawn as offline.
    UNKNOWN = "unknown"

    @property
    def glyph(self) -> str:
        return _GLYPHS[self]

    @property
    def label(self) -> str:
        """The word shown next to the glyph (translated when called)."""
        if self is ExtensionState.ONLINE:
            return _("online")
        if self is ExtensionState.UNREACHABLE:
            return _("unreachable")
        if self is ExtensionState.OFFLINE:
            return _("offline")
        if self is ExtensionState.UNKNOWN:
            return _("unknown")
        return _("never seen")


_GLYPHS = {
    ExtensionState.ONLINE: "●",
    ExtensionState.UNREACHABLE: "◐",
    ExtensionState.OFFLINE: "○",
    ExtensionState.NEVER_SEEN: "·",
    ExtensionState.UNKNOWN: "?",
}


# A ping slower than this (ms) counts as not reachable: a phone that slow misses calls.
DEFAULT_UNREACHABLE_PING_MS = 1000.0


# A ping status that says nothing (the row's fields are read the same way in the details).
NO_PING_WORDS = frozenset(NULL_WORDS)


def ping_status_reachable(ping_status: str | None) -> bool | None:
    """True/False from a ping status (``Reachable`` / ``Unreachable``, ``NotReachable``...);
    None when the server said nothing."""
    if not ping_status:
        return None
    word = ping_status.strip().lower()
    if word in NO_PING_WORDS:  # "null", "n/a"...: the server said nothing, as the details read it
        return None
    return word.startswith("reachable")


def device_reachable(reg: Any, slow_ms: float | None = DEFAULT_UNREACHABLE_PING_MS) -> bool | None:
    """Whether one registered device answers the PBX's pings: False when its ping status
    says it does not, or its ping time is over ``slow_ms``; None when the server says
    nothing of pings (such a device is not drawn as unreachable)."""
    said = ping_status_reachable(getattr(reg, "ping_status", None))
    if said is False:
        return False
    ping = getattr(reg, "ping_ms", None)
    if slow_ms is not None and ping is not None and ping > slow_ms:
        return False
    return said


def extension_reachable(regs: Iterable[Any], slow_ms: float | None = DEFAULT_UNREACHABLE_PING_MS) -> bool:
    """A registered extension is reachable unless every one of its devices is known not to
    be (one phone answering pings still rings)."""
    seen = False
    for reg in regs:
        seen = True
        if device_reachable(reg, slow_ms) is not False:
            return True
    return not seen


def fold(text: str) -> str:
    """Lower case without diacritics: ``"Nguyễn Đức"`` -> ``"nguyen duc"`` (for the filter)."""
    text = text.casefold().replace("đ", "d")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@dataclass(slots=True, eq=False)
class ExtensionTile:
    """One extension on the board."""

    extension: str
    state: ExtensionState
    since: datetime
    # False when the state began before the board first looked (the time is a lower bound).
    since_known: bool = False
    flaps: int = 0
    # As of when its devices last changed (the board's registrations_of has the latest figures).
    registrations: Sequence[Registration] = ()
    label: str | None = None
    learned_name: str | None = None
    # When the board last *saw* the state change (None: never, since it started watching).
    changed_at: datetime | None = None
    # Bumped whenever anything shown on the tile changes.
    version: int = 0
    # Registered (ONLINE) but not answering pings (see extension_reachable).
    unreachable: bool = False
    _folded: str = ""

    @property
    def name(self) -> str | None:
        return self.label or self.learned_name

    @property
    def shown(self) -> ExtensionState:
        """The state a person sees: UNREACHABLE for a registered extension no device of
        which answers pings, else :attr:`state`."""
        if self.unreachable and self.state is ExtensionState.ONLINE:
            return ExtensionState.UNREACHABLE
        return self.state

    @property
    def devices(self) -> int:
        return len(self.registrations)

    def time_in_state(self, now: datetime) -> timedelta:
        return max(now - self.since, timedelta(0))

    def matches(self, folded_query: str) -> bool:
        if not folded_query:
            return True
        if folded_query in self.extension:
            return True
        if not self._folded and self.name:
            self._folded = fold(self.name)
        return folded_query in self._folded

    def _set_name(self, label: str | None = None, learned: str | None = None) -> bool:
        before = self.name
        if label is not None:
            self.label = label
        if learned is not None:
            self.learned_name = learned
        if self.name != before:
            self._folded = ""
            self.version += 1
            return True
        return False


class HasLatest(Protocol):
    @property
    def latest(self) -> Mapping[str, Sequence[Registration]]: ...


class LatestRegistrations(Sequence[Registration]):
    """A tile's registrations read from its board's latest answer: the devices the tile got
    when they last changed (the same ones, or the tile would have changed since), with the
    fresh figures. So a tile holds no rows of its own: 50,000 tiles do not keep an old
    answer alive beside the latest."""

    __slots__ = ("_board", "_extension", "_count")

    def __init__(self, board: HasLatest, extension: str, count: int) -> None:
        self._board = board
        self._extension = extension
        self._count = count

    def _latest(self) -> Sequence[Registration]:
        return self._board.latest.get(self._extension, ())

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: Any) -> Any:
        return self._latest()[index]

    def __iter__(self) -> Iterator[Registration]:
        return iter(self._latest())

    def __repr__(self) -> str:
        return f"LatestRegistrations({self._extension!r}, {list(self._latest())!r})"
