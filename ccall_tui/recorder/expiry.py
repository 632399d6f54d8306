"""Which devices to read again once a minute (runs on the writer thread).

The board reports every change of a device each poll but its expiry. So once a minute the
history reads again only (1) the devices listed with an expiry already past (found in the
answer's rows by comparing the expiry's text, no parsing) and (2) the devices whose known
expiry has passed (a heap: they renewed, and their new expiry is kept, so a device that
leaves later is not taken for one that expired). The look costs the devices that are due,
not a full reading of every device of the tenant.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from .devices import Device

# (when to look, extension, device key, the expiry this entry was made for)
Entry = tuple[float, str, str, float]


class ExpiryIndex:
    """Devices by the time their expiry passes. Entries go stale when a device changes (a new
    entry is pushed); :meth:`due` skips those the caller no longer recognises."""

    def __init__(self) -> None:
        self._heap: list[Entry] = []

    def __len__(self) -> int:
        return len(self._heap)

    def add(self, ext: str, devices: Iterable[Device]) -> None:
        """Index ``devices`` of ``ext`` by their expiry (devices without one never expire)."""
        heap = self._heap
        for device in devices:
            if device.expires is not None:
                heapq.heappush(heap, (device.expires, ext, device.key, device.expires))

    def due(self, at: float) -> Iterator[tuple[str, str, float]]:
        """(extension, key, expiry) of every entry due before ``at``, taken off the heap."""
        heap = self._heap
        while heap and heap[0][0] < at:
            _when, ext, key, expires = heapq.heappop(heap)
            yield ext, key, expires

    def rebuild(self, live: dict[str, list[Device]]) -> None:
        """Start again from what is live (after loading, or when stale entries pile up)."""
        self._heap = [(d.expires, ext, d.key, d.expires) for ext, devices in live.items()
                      for d in devices if d.expires is not None]
        heapq.heapify(self._heap)


def listed_expired(latest: Mapping[str, Any], at: float, at_text: str) -> list[str]:
    """Extensions of the answer ``latest`` with a device listed with an expiry before ``at``
    (``at_text``: ``at`` as ``YYYY-MM-DD HH:MM:SS`` in the PBX's time zone). From the
    answer's rows when it has them (the ``exp(...)`` text compared as text; an expiry written
    another way is read in full by the caller, so it names that extension too), else from
    the registrations' parsed expiry."""
    rows_of = getattr(latest, "rows", None)
    if not isinstance(rows_of, dict):
        return [ext for ext, regs in latest.items()
                if any(reg.expires_at is not None and reg.expires_at.timestamp() < at for reg in regs)]
    found = []
    for ext, rows in rows_of.items():
        for row in rows if type(rows) is tuple else (rows,):
            if _overdue(getattr(row, "status", None), at_text):
                found.append(ext)
                break
    return found


def _overdue(status: Any, at_text: str) -> bool:
    if type(status) is not str:
        return False
    start = status.find("exp(")
    if start < 0:
        start = status.lower().find("exp(")
        if start < 0:
            return False  # no expiry written: none to be past
    text = status[start + 4:start + 23]
    if len(text) == 19 and text[4] == "-" and text[10] == " " and text[13] == ":":
        return text < at_text
    return True  # written another way: read in full
