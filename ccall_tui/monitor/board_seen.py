"""What the board remembers of the extensions it saw online: when each was last seen, which
ones to keep (a runaway answer is shown, not remembered), forgetting one, and the starts a
recorded history gives the tiles. Mixed into :class:`~ccall_tui.monitor.board.ExtensionBoard`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from .states import ExtensionState, ExtensionTile

if TYPE_CHECKING:
    from .board import BoardChanges

ONLINE = ExtensionState.ONLINE
OFFLINE = ExtensionState.OFFLINE
NEVER_SEEN = ExtensionState.NEVER_SEEN
UNKNOWN = ExtensionState.UNKNOWN
# One answer may add this many extensions never seen before (outside the roster) to what is
# remembered, or double it, whichever is more; a bigger jump is shown but not remembered.
GROWTH_MIN = 1000


class BoardSeen:
    """Needs ``tiles``, ``seen``, ``roster``, ``remember_limit``, ``counts``, ``latest`` and
    ``updated_at`` (set by the board)."""

    tiles: dict[str, ExtensionTile]
    seen: dict[str, datetime]
    roster: frozenset[str]
    remember_limit: int | None
    counts: dict[ExtensionState, int]
    latest: Mapping[str, object]
    updated_at: datetime | None

    def _remember(self, changes: BoardChanges, now: datetime) -> None:
        """Remember the extensions seen for the first time, unless one answer grows the set
        past a sane bound: over the limit, or by more than ``GROWTH_MIN`` and more than it
        held (configured extensions do not count)."""
        fresh = changes.newly_seen
        outside = sum(1 for ext in fresh if ext not in self.roster)
        held = len(self.seen)
        too_many = self.remember_limit is not None and held + outside > self.remember_limit
        if too_many or (held and outside > max(GROWTH_MIN, held)):
            kept = [ext for ext in fresh if ext in self.roster]
            changes.not_remembered = len(fresh) - len(kept)
            fresh[:] = kept
        for ext in fresh:
            self.seen[ext] = now

    def last_seen(self, extension: str) -> datetime | None:
        """When the extension was last seen online (the latest answer's time while it is
        online; None when never, as far as the board remembers)."""
        tile = self.tiles.get(extension)
        if tile is not None and tile.state is ONLINE:
            return self.updated_at
        return self.seen.get(extension)

    def seen_times(self) -> dict[str, datetime]:
        """What to remember: every remembered extension -> when last seen."""
        latest, updated = self.latest, self.updated_at
        return {ext: (updated if updated is not None and ext in latest else at) for ext, at in self.seen.items()}

    def forget(self, extension: str) -> str:
        """Stop remembering ``extension``. Returns ``"forgotten"`` (its tile is gone),
        ``"roster"`` (no longer remembered, but configured: the tile stays, never seen),
        ``"online"`` (refused: it is online right now) or ``"unknown"``."""
        tile = self.tiles.get(extension)
        if tile is None:
            return "unknown"
        if tile.state is ONLINE:
            return "online"
        self.seen.pop(extension, None)
        if extension in self.roster:
            if tile.state is OFFLINE:
                self.counts[OFFLINE] -= 1
                self.counts[NEVER_SEEN] += 1
                tile.state = NEVER_SEEN
                tile.version += 1
            return "roster"
        del self.tiles[extension]
        self.counts[tile.state] -= 1
        return "forgotten"

    def seed_since(
        self, starts: Mapping[str, tuple[ExtensionState, datetime]], inexact: Iterable[str] = ()
    ) -> list[str]:
        """A recorded history's starts: each tile still in the state the history last saw,
        whose start the board only bounds, gets the earlier start (exact, unless ``inexact``
        names it). Returns the tiles that changed."""
        bounds, changed = frozenset(inexact), []
        for extension, (state, since) in starts.items():
            tile = self.tiles.get(extension)
            if tile is None or tile.since_known or tile.state is not state or since >= tile.since:
                continue
            if state is UNKNOWN or state is NEVER_SEEN:
                continue
            tile.since, tile.since_known = since, extension not in bounds
            tile.version += 1
            changed.append(extension)
        return changed
