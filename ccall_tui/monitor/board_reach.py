"""The board's reachability: which registered extensions answer the PBX's pings (one
definition, :func:`~ccall_tui.monitor.states.extension_reachable`), kept up to date per answer,
and the ping samples the "ping rising" hint reads. Mixed into
:class:`~ccall_tui.monitor.board.ExtensionBoard`."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from ..api.registrations import Registration
from .roster import extension_sort_key
from .states import ExtensionState, ExtensionTile, extension_reachable

if TYPE_CHECKING:
    from .board import BoardChanges

ONLINE = ExtensionState.ONLINE
UNREACHABLE = ExtensionState.UNREACHABLE
# Extensions whose ping times are looked at per answer besides the ones that changed (a ping
# time is not part of a device's signature): a tenant this size is looked at whole every
# poll, a larger one a slice at a time, round the board.
PING_SWEEP = 500
# Ping samples kept per extension (for the "ping rising" hint), and for how many extensions.
PING_SAMPLES = 12
# ... at most one per this many seconds (a dozen cover six minutes, whatever the poll interval)
PING_SAMPLE_EVERY_S = 30.0
PING_SAMPLED = 5000


class Ping(NamedTuple):
    """What reachability is decided on, of one device."""

    ping_status: Any
    ping_ms: float | None


def pings_of(regs: Sequence[Any]) -> Sequence[Any]:
    """Each device's ping status and time: read from the rows alone where the answer allows
    (the full reading of a row costs ten times as much), else the registrations themselves."""
    pings = getattr(regs, "pings", None)
    if pings is not None:
        return [Ping(status, ms) for status, ms in pings()]
    return regs


class BoardReachability:
    """Needs ``tiles``, ``counts``, ``unreachable_ping_ms``, ``_unreachable``, ``_slow``,
    ``_sweep_at`` and ``ping_samples`` (set by the board)."""

    tiles: dict[str, ExtensionTile]
    counts: dict[ExtensionState, int]
    unreachable_ping_ms: float | None
    ping_samples: dict[str, deque[tuple[datetime, float]]]
    _unreachable: set[str]
    # unreachable only because their pings are slow (a ping status change moves a device's
    # signature, so the others are looked at again when they change; these every answer)
    _slow: set[str]
    _sweep_at: int

    def _judge(self, tile: ExtensionTile, regs: Sequence[Any], changes: BoardChanges | None) -> Sequence[Any]:
        """Decide whether a registered tile answers pings; returns its devices' pings."""
        pings = pings_of(regs)
        reachable = extension_reachable(pings, self.unreachable_ping_ms)
        if not reachable and extension_reachable(pings, None):
            self._slow.add(tile.extension)
        else:
            self._slow.discard(tile.extension)
        self._set_reachable(tile, reachable, changes)
        return pings

    def _set_reachable(self, tile: ExtensionTile, reachable: bool, changes: BoardChanges | None) -> None:
        """Mark a registered tile (not) answering pings; ``changes`` hears of a change."""
        if tile.unreachable is (not reachable):
            return
        tile.unreachable = not reachable
        if reachable:
            self._unreachable.discard(tile.extension)
            self._slow.discard(tile.extension)
        else:
            self._unreachable.add(tile.extension)
        self.counts[UNREACHABLE] = len(self._unreachable)
        tile.version += 1
        if changes is not None:
            changes.reachability_changed.append(tile.extension)

    def _sweep_pings(
        self, online: Mapping[str, Sequence[Registration]], moved: Sequence[str], changes: BoardChanges,
        now: datetime,
    ) -> None:
        """Ping times move on every answer without changing a device's signature: look at
        the tiles held unreachable for slow pings and up to :data:`PING_SWEEP` others (round
        the board)."""
        if self.unreachable_ping_ms is None or not online:
            return
        skip = set(moved)
        keys = list(online.keys())
        start = self._sweep_at if self._sweep_at < len(keys) else 0
        looked = keys[start:start + PING_SWEEP]
        self._sweep_at = start + len(looked)
        tiles, samples = self.tiles, self.ping_samples
        for extension in dict.fromkeys([*self._slow, *looked]):
            tile = tiles.get(extension)
            if tile is None or tile.state is not ONLINE:
                samples.pop(extension, None)
                continue
            if extension in skip:  # judged already, with the rest of its change
                pings = pings_of(online[extension])
            else:
                before = tile.unreachable
                pings = self._judge(tile, online[extension], changes)
                if tile.unreachable is not before:
                    changes.registrations_changed.append(extension)
            times = [p.ping_ms for p in pings if p.ping_ms is not None]
            if times and (extension in samples or len(samples) < PING_SAMPLED):
                kept = samples.setdefault(extension, deque(maxlen=PING_SAMPLES))
                if not kept or (now - kept[-1][0]).total_seconds() >= PING_SAMPLE_EVERY_S:
                    kept.append((now, max(times)))

    def unreachable_extensions(self) -> list[str]:
        """The registered extensions no device of which answers pings, in number order."""
        return sorted(self._unreachable, key=extension_sort_key)

