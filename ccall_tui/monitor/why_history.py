"""What the flight recorder knew about one extension at one moment, for the "why didn't it
ring?" card: its state and since when, its devices and their reachability, and which device
went away when it went offline. Synchronous (the history reads SQLite): call it off the UI
loop. No Textual.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from .states import ExtensionState

if TYPE_CHECKING:  # the history is handed in; this module only reads it
    from ..recorder.history import History
    from ..recorder.model import DeviceChange

# Why the history cannot say what the extension was doing at that moment (KNOWN: it can).
KNOWN = "known"
NO_HISTORY = "no_history"
NOT_RECORDING = "not_recording"
POLLS_FAILING = "polls_failing"
UNKNOWN_EXTENSION = "unknown_extension"

_NEAR = timedelta(seconds=1)  # a row written at the same poll as a state change


@dataclass(frozen=True, slots=True)
class DeviceAt:
    """One device of the extension as the history knew it. ``reachable`` None: no ping
    change was ever recorded for it (the history only notes changes)."""

    agent: str | None
    ip: str | None
    port: int | None
    transport: str | None
    reachable: bool | None = None
    reachable_since: datetime | None = None

    @property
    def address(self) -> str | None:
        if self.ip is None:
            return None
        return f"{self.ip}:{self.port}" if self.port is not None else self.ip


@dataclass(frozen=True, slots=True)
class Departure:
    """A device that left when the extension went offline: ``expired`` when its registration
    ran out (the phone stopped refreshing), else it was removed before its expiry."""

    device: DeviceAt
    expired: bool


@dataclass(frozen=True, slots=True)
class RegistrationAt:
    """The extension at ``at`` as the history knew it (``coverage`` KNOWN), or why it cannot
    say (the other coverage values; then only ``first_record``/``gap_*``/``reason`` mean
    something)."""

    coverage: str
    at: datetime
    state: ExtensionState | None = None
    since: datetime | None = None
    since_exact: bool = True
    until: datetime | None = None  # the state ended then (None: not before the history's now)
    device_count: int = 0
    devices: tuple[DeviceAt, ...] = ()
    departures: tuple[Departure, ...] = ()
    first_record: datetime | None = None
    gap_start: datetime | None = None
    gap_end: datetime | None = None
    reason: str | None = None


def read_registration(history: History | None, ext: str, at: datetime, now: datetime) -> RegistrationAt:
    """What ``history`` knew about ``ext`` at ``at`` (``now`` bounds the search for when that
    state ended). Never raises: a database fault reads as no record."""
    if history is None:
        return RegistrationAt(NO_HISTORY, at)
    board = history.board_at(at)
    first = history.first_record()
    if not board.known:
        gap = next((g for g in history.poll_gaps(at - timedelta(days=1), max(now, at) + _NEAR)
                    if g.start <= at and (g.end is None or g.end > at)), None)
        return RegistrationAt(NOT_RECORDING, at, first_record=first,
                              gap_start=gap.start if gap else None, gap_end=gap.end if gap else None)
    if not board.polling_ok:
        gap = next((g for g in reversed(history.poll_gaps(at - timedelta(days=1), at + _NEAR))
                    if g.start <= at and g.reason != "not recording"), None)
        return RegistrationAt(POLLS_FAILING, at, first_record=first, reason=gap.reason if gap else None,
                              gap_start=gap.start if gap else None, gap_end=gap.end if gap else None)
    state = board.states.get(ext)
    if state is None:
        return RegistrationAt(UNKNOWN_EXTENSION, at, first_record=first)
    since = board.since[ext]
    exact = bool(history.changes(since - _NEAR, since + _NEAR, ext))
    until = next((c.at for c in history.changes(at + timedelta(microseconds=1), now, ext) if c.old is state), None)
    devices: tuple[DeviceAt, ...] = ()
    departures: tuple[Departure, ...] = ()
    if state is ExtensionState.ONLINE:
        found = replay(history.timeline(ext, first or since, at))
        if any(d.reachable is None for d in found):
            found = settle_reachability(found, history.timeline(ext, at + timedelta(microseconds=1), now))
        devices = tuple(found)
    elif state is ExtensionState.OFFLINE:
        departures = departures_of(history.timeline(ext, since - _NEAR, since + _NEAR))
    return RegistrationAt(KNOWN, at, state, since, exact, until, board.devices.get(ext, 0), devices,
                          departures, first_record=first)


def settle_reachability(devices: list[DeviceAt], later: list[DeviceChange]) -> list[DeviceAt]:
    """Phones whose reachability the history never noted up to the moment may have a ping
    change noted after it: the status it changed *from* held at the moment (nothing noted in
    between). Their ``reachable_since`` stays unknown."""
    out = list(devices)
    pending = {i for i, d in enumerate(out) if d.reachable is None}
    for change in later:
        if not pending:
            break
        if change.kind not in ("reachable", "unreachable", "left"):
            continue
        i = _find(out, change.agent, _address(change.ip, change.port))
        if i is None or i not in pending:
            continue
        pending.discard(i)  # a phone that left: what comes after is another registration
        if change.kind == "left":
            continue
        before = (change.detail or "").strip().lower()
        if before:
            out[i] = replace(out[i], reachable=before.startswith("reachable"))
    return out


def departures_of(changes: list[DeviceChange]) -> tuple[Departure, ...]:
    """The devices that left in ``changes`` (one poll's rows), each marked expired or not."""
    expired = {(c.agent, c.ip, c.port) for c in changes if c.kind == "expired"}
    return tuple(
        Departure(DeviceAt(c.agent, c.ip, c.port, c.transport), (c.agent, c.ip, c.port) in expired)
        for c in changes if c.kind == "left"
    )


def _address(ip: str | None, port: int | None) -> str | None:
    if ip is None:
        return None
    return f"{ip}:{port}" if port is not None else ip


def _find(devices: list[DeviceAt], agent: str | None, address: str | None) -> int | None:
    """The device with this agent and address; else the only one with this agent; else the
    only one at this address."""
    for i, device in enumerate(devices):
        if device.agent == agent and device.address == address:
            return i
    same_agent = [i for i, d in enumerate(devices) if d.agent == agent]
    if len(same_agent) == 1:
        return same_agent[0]
    same_address = [i for i, d in enumerate(devices) if d.address == address]
    return same_address[0] if len(same_address) == 1 else None


def replay(changes: list[DeviceChange]) -> list[DeviceAt]:
    """The devices present after ``changes`` (oldest first, from an empty extension): the
    history keeps device changes, not device lists, so the list is rebuilt from them."""
    devices: list[DeviceAt] = []
    for change in changes:
        kind = change.kind
        address = _address(change.ip, change.port)
        if kind == "appeared":
            devices.append(DeviceAt(change.agent, change.ip, change.port, change.transport))
            continue
        if kind == "address":
            i = _find(devices, change.agent, change.detail)
            if i is not None:
                devices[i] = replace(devices[i], ip=change.ip, port=change.port)
            continue
        if kind == "agent":
            i = _find(devices, change.detail, address)
            if i is not None:
                devices[i] = replace(devices[i], agent=change.agent)
            continue
        i = _find(devices, change.agent, address)
        if i is None:
            continue
        if kind == "left":
            del devices[i]
        elif kind == "transport":
            devices[i] = replace(devices[i], transport=change.transport)
        elif kind in ("reachable", "unreachable"):
            devices[i] = replace(devices[i], reachable=kind == "reachable", reachable_since=change.at)
    return devices


__all__ = [
    "KNOWN", "NOT_RECORDING", "NO_HISTORY", "POLLS_FAILING", "UNKNOWN_EXTENSION", "Departure", "DeviceAt",
    "RegistrationAt", "departures_of", "read_registration", "replay", "settle_reachability",
]
