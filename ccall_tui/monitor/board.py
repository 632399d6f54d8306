"""The extension board: every known extension, its state, since when, and what changed.

Pure Python (no textual). ``ExtensionBoard.apply(snapshot, now)`` folds one registrations
snapshot into the board and returns :class:`BoardChanges`: only the extensions whose state or
devices changed, so the screen redraws only those tiles.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from ..api.registrations import (
    OnlineRegistrations,
    Registration,
    RegistrationsSnapshot,
    device_signature,
)
from .board_reach import BoardReachability
from .board_seen import GROWTH_MIN as GROWTH_MIN  # read from here too
from .board_seen import BoardSeen
from .history import BoardEvent, CountHistory, EventLog
from .roster import extension_sort_key
from .states import (
    DEFAULT_UNREACHABLE_PING_MS,
    ExtensionState,
    ExtensionTile,
    LatestRegistrations,
    fold,
)

ONLINE = ExtensionState.ONLINE
OFFLINE = ExtensionState.OFFLINE
NEVER_SEEN = ExtensionState.NEVER_SEEN
UNKNOWN = ExtensionState.UNKNOWN
UNREACHABLE = ExtensionState.UNREACHABLE


class SortOrder(Enum):
    NUMBER = "number"
    STATE = "state"
    CHANGE = "change"

    def next(self) -> SortOrder:
        members = list(SortOrder)
        return members[(members.index(self) + 1) % len(members)]


_STATE_RANK = {OFFLINE: 0, UNREACHABLE: 1, UNKNOWN: 2, NEVER_SEEN: 3, ONLINE: 4}


@dataclass(slots=True)
class BoardChanges:
    """What one ``apply`` changed."""

    state_changed: list[str] = field(default_factory=list)
    registrations_changed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    newly_seen: list[str] = field(default_factory=list)
    went_offline: list[str] = field(default_factory=list)
    # registered extensions that stopped / started answering pings (their tiles are in
    # registrations_changed or state_changed too)
    reachability_changed: list[str] = field(default_factory=list)
    events: list[BoardEvent] = field(default_factory=list)
    first: bool = False
    # extensions seen for the first time that were NOT remembered (the answer grew the set
    # past a sane bound): shown on the board, forgotten when they go
    not_remembered: int = 0

    @property
    def changed(self) -> list[str]:
        """Every extension whose tile must be redrawn."""
        return self.state_changed + self.registrations_changed

    def __bool__(self) -> bool:
        return bool(self.state_changed or self.registrations_changed or self.added)


class ExtensionBoard(BoardReachability, BoardSeen):
    """Every known extension and its state.

    ``roster``: the configured extensions; ``labels``: names for them; ``seen``: extensions seen
    online before, with when they were last seen. Until the first answer every tile is
    *unknown*; then those seen before are *offline*, the others *never seen*.
    ``remember_limit``: how many extensions ``seen`` may hold (see :meth:`apply`).
    """

    def __init__(
        self,
        roster: Iterable[str] = (),
        labels: Mapping[str, str] | None = None,
        now: datetime | None = None,
        *,
        seen: Mapping[str, datetime] | Iterable[str] = (),
        event_limit: int = 200,
        history_limit: int = 240,
        remember_limit: int | None = None,
        unreachable_ping_ms: float | None = DEFAULT_UNREACHABLE_PING_MS,
    ) -> None:
        roster = [str(ext).strip() for ext in roster]
        self.created_at = now or datetime.now().astimezone()
        self.tiles: dict[str, ExtensionTile] = {}
        # extension -> when last seen online (for the ones online now: when they came)
        self.seen: dict[str, datetime] = (
            dict(seen) if isinstance(seen, Mapping) else dict.fromkeys(seen, self.created_at)
        )
        self.roster: frozenset[str] = frozenset(roster)
        self.remember_limit = remember_limit
        # a ping slower than this is "not reachable" (None: only the ping status counts)
        self.unreachable_ping_ms = unreachable_ping_ms
        self._unreachable: set[str] = set()
        self._slow_pings: dict[str, int] = {}
        # extension -> (when, its slowest ping in ms), oldest first, one per 30 s
        self.ping_samples: dict[str, deque[tuple[datetime, float]]] = {}
        self._sampled_at: datetime | None = None
        # the poll status of the feed filling this board (set by whoever polls), so every
        # screen showing the board can say how old and how sure its data is
        self.status: Any = None
        self.labels: dict[str, str] = dict(labels or {})
        self.events = EventLog(event_limit)
        self.online_history = CountHistory(history_limit)
        self.updated_at: datetime | None = None
        # counts[ONLINE]: every registered extension; counts[UNREACHABLE]: those of them no
        # device of which answers pings (shown apart: see ExtensionTile.shown)
        self.counts: dict[ExtensionState, int] = {state: 0 for state in ExtensionState}
        # the latest answer: extension -> its registrations, for the extensions online now
        self.latest: Mapping[str, Sequence[Registration]] = {}
        self._previous: Mapping[str, Sequence[Registration]] | None = None
        self.add_extensions(roster, self.created_at)
        self.add_extensions(sorted(self.seen, key=extension_sort_key), self.created_at)

    # ------------------------------------------------------------------ queries

    def __len__(self) -> int:
        return len(self.tiles)

    def __contains__(self, extension: object) -> bool:
        return extension in self.tiles

    def get(self, extension: str) -> ExtensionTile | None:
        return self.tiles.get(extension)

    @property
    def online_count(self) -> int:
        return self.counts[ONLINE]

    def order(
        self,
        sort: SortOrder = SortOrder.NUMBER,
        query: str = "",
        *,
        offline_only: bool = False,
        offline_first: bool = False,
    ) -> list[str]:
        """The extensions to show, in display order."""
        folded = fold(query.strip())
        tiles = [
            tile
            for tile in self.tiles.values()
            if (not offline_only or tile.shown is not ONLINE) and tile.matches(folded)
        ]
        if sort is SortOrder.STATE:
            tiles.sort(key=lambda t: (_STATE_RANK[t.shown], extension_sort_key(t.extension)))
        elif sort is SortOrder.CHANGE:
            tiles.sort(key=lambda t: extension_sort_key(t.extension))
            tiles.sort(key=lambda t: t.since, reverse=True)
        else:
            tiles.sort(key=lambda t: extension_sort_key(t.extension))
        if offline_first and sort is not SortOrder.STATE:
            tiles.sort(key=lambda t: t.shown is ONLINE)  # stable: offline and never seen first
        return [tile.extension for tile in tiles]

    # ------------------------------------------------------------------ updates

    def add_extensions(
        self, extensions: Iterable[str], now: datetime, names: Mapping[str, str | None] | None = None
    ) -> list[str]:
        """Make ``extensions`` known (not online); returns the ones that were new."""
        added = []
        for extension in extensions:
            extension = str(extension).strip()
            if not extension:
                continue
            tile = self.tiles.get(extension)
            if tile is None:
                state = self._resting_state(extension) if self.updated_at is not None else UNKNOWN
                tile = ExtensionTile(extension, state, now, label=self.labels.get(extension))
                self.tiles[extension] = tile
                self.counts[state] += 1
                added.append(extension)
            if names:
                learned = names.get(extension)
                if learned and not tile.label and tile.learned_name != learned:
                    tile._set_name(learned=learned)
        return added

    def learn_names(self, names: Mapping[str, str | None]) -> list[str]:
        """Names learned elsewhere (caller names of call records); returns tiles that changed."""
        changed = []
        for extension, name in names.items():
            tile = self.tiles.get(extension)
            if tile is not None and name and not tile.label and tile._set_name(learned=name):
                changed.append(extension)
        return changed

    def set_labels(self, labels: Mapping[str, str]) -> list[str]:
        self.labels = dict(labels)
        return [ext for ext, tile in self.tiles.items() if tile._set_name(label=labels.get(ext, ""))]

    def apply(self, snapshot: RegistrationsSnapshot, now: datetime) -> BoardChanges:
        """Fold one snapshot of the online extensions into the board.

        Most polls change a few of thousands of extensions: which ones is found in one pass
        comparing each extension's device signature with the previous answer's (done already,
        off the loop, when :meth:`prepare` ran), and only those are looked at further: the rest
        of ``apply`` costs what changed, not how many extensions there are.
        """
        first = self.updated_at is None
        changes = BoardChanges(first=first)
        online = snapshot.extensions
        counts = self.counts
        tiles = self.tiles
        seen = self.seen
        if first:  # nothing was known: no change, no flap, no event, no alert
            self._settle_unknown(online, changes)

        gone, moved = self._compare(online)
        # In number order: a set's order changes with the process's string hashing, and the
        # change log (and its snapshots) must not.
        dropped = sorted(gone, key=extension_sort_key)
        tile: ExtensionTile | None
        for extension in dropped:
            tile = tiles[extension]
            old_devices = tile.devices
            self._move(tile, OFFLINE, now, exact=True)
            self._set_reachable(tile, True, None)
            self.ping_samples.pop(extension, None)
            tile.registrations = ()
            tile.flaps += 1
            if extension in seen:
                seen[extension] = now
            changes.state_changed.append(extension)
            changes.went_offline.append(extension)
            changes.events.append(BoardEvent(now, extension, ONLINE, OFFLINE, 0, old_devices))

        # The answer before is kept until take_previous(): freeing 50,000 rows is a cost in
        # the number of extensions, which a feed pays in a thread.
        self._previous = self.latest
        self.latest = online

        lazy = isinstance(online, OnlineRegistrations)
        for extension in moved:  # in the answer's order
            regs: Sequence[Registration] = online[extension]
            if lazy:
                regs = LatestRegistrations(self, extension, len(regs))
            tile = tiles.get(extension)
            if tile is not None and tile.state is ONLINE:  # online before, with other devices
                old_devices = len(tile.registrations)
                tile.registrations = regs
                tile.version += 1
                changes.registrations_changed.append(extension)
                self._judge(tile, online[extension], changes)
                if len(regs) != old_devices:
                    changes.events.append(BoardEvent(now, extension, ONLINE, ONLINE, len(regs), old_devices))
                continue
            if tile is None:
                tile = ExtensionTile(extension, NEVER_SEEN, now, label=self.labels.get(extension))
                tiles[extension] = tile
                counts[NEVER_SEEN] += 1
                changes.added.append(extension)
            old = tile.state
            self._move(tile, ONLINE, now, exact=not first)
            if first:
                tile.changed_at = None
            tile.registrations = regs
            self._judge(tile, online[extension], None)
            changes.state_changed.append(extension)
            if not first:
                changes.events.append(BoardEvent(now, extension, old, ONLINE, len(regs), 0))
            if extension not in seen:
                changes.newly_seen.append(extension)

        self._slow_crossings(online, moved, changes)
        self._sample_pings(online, now)
        for extension in changes.reachability_changed:  # the change log says it too
            tile = tiles[extension]
            if tile.state is ONLINE:
                old, new = (ONLINE, UNREACHABLE) if tile.unreachable else (UNREACHABLE, ONLINE)
                count = len(tile.registrations)
                changes.events.append(BoardEvent(now, extension, old, new, count, count))
        if changes.newly_seen:
            self._remember(changes, now)
        for event in changes.events:
            self.events.add(event)
        self.online_history.add(counts[ONLINE] - counts[UNREACHABLE])  # as the header counts: answering
        self.updated_at = now
        return changes

    def prepare(self, snapshot: RegistrationsSnapshot) -> None:
        """Compare ``snapshot`` with the latest answer now, and find its pings over the
        threshold, so that :meth:`apply` only walks what changed. Both read every extension:
        run it in a thread (it only reads the board), right before ``apply`` on the loop."""
        online = snapshot.extensions
        if isinstance(online, OnlineRegistrations):
            online.prepare(self.latest)
            online.slow_pings(self.unreachable_ping_ms)

    def needs_comparing(self, snapshot: RegistrationsSnapshot) -> bool:
        """Whether :meth:`prepare` has work to do for ``snapshot`` (an answer read from the
        bytes by a client given :attr:`latest` and :attr:`unreachable_ping_ms` was compared
        while it was read)."""
        online = snapshot.extensions
        return isinstance(online, OnlineRegistrations) and not (
            online.compared_with(self.latest) and online.knows_slow_pings(self.unreachable_ping_ms)
        )

    def take_previous(self) -> Mapping[str, Sequence[Registration]] | None:
        """The answer that was the latest before the last :meth:`apply`, handed over (the
        board keeps it no longer): whoever polls drops it in a thread. Without this, the next
        ``apply`` drops it."""
        previous, self._previous = self._previous, None
        return previous

    def _compare(self, online: Mapping[str, Sequence[Registration]]) -> tuple[Iterable[str], list[str]]:
        """(extensions gone since the latest answer, extensions new or with other devices)."""
        if isinstance(online, OnlineRegistrations):
            changes = online.changes_since(self.latest)
            if changes is not None:
                return changes
        previous = self.latest.get
        moved = [
            ext for ext, regs in online.items()
            if (before := previous(ext)) is None or device_signature(before) != device_signature(regs)
        ]
        return self.latest.keys() - online.keys(), moved

    def _resting_state(self, extension: str) -> ExtensionState:
        return OFFLINE if extension in self.seen else NEVER_SEEN

    def _settle_unknown(self, online: Mapping[str, Sequence[Registration]], changes: BoardChanges) -> None:
        """The first answer: every unknown tile not in it is offline (seen before) or never
        seen. The state began before the board looked, so its time stays a lower bound."""
        counts = self.counts
        for extension, tile in self.tiles.items():
            if tile.state is UNKNOWN and extension not in online:
                state = self._resting_state(extension)
                counts[UNKNOWN] -= 1
                counts[state] += 1
                tile.state = state
                tile.version += 1
                changes.state_changed.append(extension)

    def registrations_of(self, extension: str) -> Sequence[Registration]:
        """The extension's registrations in the latest answer (fresh expiry and ping figures;
        a tile keeps the ones from when its devices last changed)."""
        return self.latest.get(extension, ())

    def _move(self, tile: ExtensionTile, state: ExtensionState, now: datetime, *, exact: bool) -> None:
        self.counts[tile.state] -= 1
        self.counts[state] += 1
        tile.state = state
        tile.since = now
        tile.since_known = exact
        tile.changed_at = now
        tile.version += 1
