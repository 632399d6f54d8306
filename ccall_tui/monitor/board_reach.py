"""The board's reachability: which registered extensions answer the PBX's pings (one
definition, :func:`~ccall_tui.monitor.states.extension_reachable`), kept up to date per answer,
and the ping samples the "ping rising" hint reads. Mixed into
:class:`~ccall_tui.monitor.board.ExtensionBoard`.

A device's verdict reads its ping status (part of its signature: a change moves the
extension, which is judged again) and whether its ping time is over the threshold. Ping
times move on every answer without moving a signature, so each answer says which rows are
over it (:meth:`~ccall_tui.api.online.OnlineRegistrations.slow_pings`, found while the answer
is read); an extension whose rows crossed it either way is judged again, within that answer.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from ..api.online import OnlineRegistrations
from ..api.registrations import Registration
from .roster import extension_sort_key
from .states import ExtensionState, ExtensionTile, extension_reachable

if TYPE_CHECKING:
    from .board import BoardChanges

ONLINE = ExtensionState.ONLINE
UNREACHABLE = ExtensionState.UNREACHABLE
# Ping samples kept per extension (for the "ping rising" hint), and for how many extensions.
PING_SAMPLES = 12
# ... taken once per this many seconds (a dozen cover six minutes, whatever the poll interval)
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


def slow_pings(online: Mapping[str, Sequence[Any]], slow_ms: float | None) -> dict[str, int]:
    """Extension -> which of its devices answer pings slower than ``slow_ms`` (bit i: the
    i-th), for those that have any (see ``OnlineRegistrations.slow_pings``)."""
    if isinstance(online, OnlineRegistrations):
        return online.slow_pings(slow_ms)
    if slow_ms is None:
        return {}
    found = {}
    for extension, regs in online.items():
        mask = 0
        for index, ping in enumerate(pings_of(regs)):
            ms = getattr(ping, "ping_ms", None)
            if ms is not None and ms > slow_ms:
                mask |= 1 << index
        if mask:
            found[extension] = mask
    return found


class BoardReachability:
    """Needs ``tiles``, ``counts``, ``unreachable_ping_ms``, ``_unreachable``, ``_slow_pings``,
    ``_sampled_at`` and ``ping_samples`` (set by the board)."""

    tiles: dict[str, ExtensionTile]
    counts: dict[ExtensionState, int]
    unreachable_ping_ms: float | None
    ping_samples: dict[str, deque[tuple[datetime, float]]]
    _unreachable: set[str]
    # the latest answer's slow_pings (for unreachable_ping_ms)
    _slow_pings: dict[str, int]
    # when the ping samples were last taken
    _sampled_at: datetime | None

    def _judge(self, tile: ExtensionTile, regs: Sequence[Any], changes: BoardChanges | None) -> None:
        """Decide whether a registered tile answers pings."""
        self._set_reachable(tile, extension_reachable(pings_of(regs), self.unreachable_ping_ms), changes)

    def _set_reachable(self, tile: ExtensionTile, reachable: bool, changes: BoardChanges | None) -> None:
        """Mark a registered tile (not) answering pings; ``changes`` hears of a change."""
        if tile.unreachable is (not reachable):
            return
        tile.unreachable = not reachable
        if reachable:
            self._unreachable.discard(tile.extension)
        else:
            self._unreachable.add(tile.extension)
        self.counts[UNREACHABLE] = len(self._unreachable)
        tile.version += 1
        if changes is not None:
            changes.reachability_changed.append(tile.extension)

    def _slow_crossings(
        self, online: Mapping[str, Sequence[Registration]], moved: Sequence[str], changes: BoardChanges
    ) -> None:
        """Judge again the extensions whose devices' pings crossed the threshold either way
        since the answer before (the ones that moved were judged with the rest of their
        change). Costs what crossed, not how many extensions there are."""
        slow = slow_pings(online, self.unreachable_ping_ms)
        before, self._slow_pings = self._slow_pings, slow
        if slow == before:  # the usual answer: none crossed (most often, none is slow)
            return
        crossed = [ext for ext, mask in slow.items() if before.get(ext) != mask]
        crossed += [ext for ext in before if ext not in slow]
        skip = set(moved)
        tiles = self.tiles
        for extension in sorted(crossed, key=extension_sort_key):
            tile = tiles.get(extension)
            if tile is None or tile.state is not ONLINE or extension in skip or extension not in online:
                continue
            was = tile.unreachable
            self._judge(tile, online[extension], changes)
            if tile.unreachable is not was:
                changes.registrations_changed.append(extension)

    def _sample_pings(self, online: Mapping[str, Sequence[Registration]], now: datetime) -> None:
        """Once per :data:`PING_SAMPLE_EVERY_S`: each online extension's slowest ping, for
        up to :data:`PING_SAMPLED` extensions (the ones sampled before first)."""
        at = self._sampled_at
        if at is not None and (now - at).total_seconds() < PING_SAMPLE_EVERY_S:
            return
        self._sampled_at = now
        samples = self.ping_samples
        wanted: list[str] = list(samples)
        if len(wanted) < PING_SAMPLED:
            room = PING_SAMPLED - len(wanted)
            for extension in online:
                if extension not in samples:
                    wanted.append(extension)
                    room -= 1
                    if not room:
                        break
        tiles = self.tiles
        for extension, ms in _slowest(online, wanted):
            tile = tiles.get(extension)
            if tile is None or tile.state is not ONLINE:
                continue
            kept = samples.get(extension)
            if kept is None:
                kept = samples[extension] = deque(maxlen=PING_SAMPLES)
            kept.append((now, ms))

    def unreachable_extensions(self) -> list[str]:
        """The registered extensions no device of which answers pings, in number order."""
        return sorted(self._unreachable, key=extension_sort_key)


def _slowest(online: Mapping[str, Sequence[Any]], extensions: list[str]) -> Any:
    if isinstance(online, OnlineRegistrations):
        return online.slowest_pings(extensions)
    found = []
    for extension in extensions:
        regs = online.get(extension)
        if regs is None:
            continue
        times = [ms for ping in pings_of(regs) if (ms := getattr(ping, "ping_ms", None)) is not None]
        if times:
            found.append((extension, max(times)))
    return found

