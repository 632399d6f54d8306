"""What changed among one extension's devices between two answers (runs on the writer thread)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import msgspec

REACHABLE_WORDS = ("reachable",)


class Device(msgspec.Struct, frozen=True, gc=False):
    """One device as the history remembers it. Plain values only, so never in a reference
    cycle: the garbage collector does not track it (a tenant's devices live as long as the
    writer, and a full collection would otherwise walk every one of them)."""

    key: str
    agent: str | None
    ip: str | None
    port: int | None
    transport: str | None
    ping: str | None
    expires: float | None


# (kind, device, detail)
Change = tuple[str, Device, str | None]


def device_of(reg: Any) -> Device:
    """A :class:`Device` from a parsed registration."""
    key = reg.call_id or reg.contact or reg.user or ""
    expires = reg.expires_at.timestamp() if reg.expires_at is not None else None
    return Device(str(key), reg.agent, reg.ip, reg.port, reg.transport, reg.ping_status, expires)


def devices_of(regs: Iterable[Any]) -> tuple[Device, ...]:
    """The devices of an extension's registrations (a tuple: of plain values only, the garbage
    collector stops tracking it at its first look, as it does not track a :class:`Device`)."""
    found: dict[str, Device] = {}
    for reg in regs:
        device = device_of(reg)
        found.setdefault(device.key, device)
    return tuple(found.values())


def reachable(ping: str | None) -> bool | None:
    """True/False from a ping status (``Reachable`` / ``Unreachable``...); None when none."""
    if not ping:
        return None
    word = ping.strip().lower()
    return word.startswith("reachable")


def _address(device: Device) -> str | None:
    if device.ip is None:
        return None
    return f"{device.ip}:{device.port}" if device.port is not None else device.ip


def compare(old: Sequence[Device], new: Sequence[Device]) -> list[Change]:
    """Device changes from ``old`` to ``new``: the same key (registration) or, failing that,
    the same agent is one device; what is left appeared or left."""
    changes: list[Change] = []
    new_by_key = {d.key: d for d in new}
    unmatched_old: list[Device] = []
    pairs: list[tuple[Device, Device]] = []
    for device in old:
        match = new_by_key.pop(device.key, None)
        if match is None:
            unmatched_old.append(device)
        else:
            pairs.append((device, match))
    rest = list(new_by_key.values())
    for device in list(unmatched_old):
        match = next((d for d in rest if d.agent == device.agent), None)
        if match is not None:
            rest.remove(match)
            unmatched_old.remove(device)
            pairs.append((device, match))
    for before, after in pairs:
        changes.extend(_changes_of(before, after))
    changes.extend(("left", d, None) for d in unmatched_old)
    changes.extend(("appeared", d, None) for d in rest)
    return changes


def _changes_of(before: Device, after: Device) -> list[Change]:
    found: list[Change] = []
    if _address(before) != _address(after):
        found.append(("address", after, _address(before)))
    if before.agent != after.agent:
        found.append(("agent", after, before.agent))
    if before.transport != after.transport:
        found.append(("transport", after, before.transport))
    was, now = reachable(before.ping), reachable(after.ping)
    if was is not None and now is not None and was != now:
        found.append(("reachable" if now else "unreachable", after, before.ping))
    return found
