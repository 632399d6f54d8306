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

    def add(self, ext: str, devices: Iterable[Device], *, after: float = 0.0) -> None:
        """Index ``devices`` of ``ext`` by their expiry (devices without one never expire).
        An expiry already past at ``after`` is not indexed: such a device is listed expired,
        which the minute's look finds in the answer itself."""
        heap = self._heap
        for device in devices:
            if device.expires is not None and device.expires > after:
                heapq.heappush(heap, (device.expires, ext, device.key, device.expires))

    def due(self, at: float) -> Iterator[tuple[str, str, float]]:
        """(extension, key, expiry) of every entry due before ``at``, taken off the heap."""
        heap = self._heap
        while heap and heap[0][0] < at:
            _when, ext, key, expires = heapq.heappop(heap)
            yield ext, key, expires

    def rebuild(self, live: dict[str, tuple[Device, ...]]) -> None:
        """Start again from what is live (after loading, or when stale entries pile up)."""
        self._heap = [(d.expires, ext, d.key, d.expires) for ext, devices in live.items()
                      for d in devices if d.expires is not None]
        heapq.heapify(self._heap)


def listed_expired(latest: Mapping[str, Any], at: float, at_text: str) -> dict[str, tuple[object, ...]]:
    """Extensions of the answer ``latest`` with a device listed with an expiry before ``at``
    (``at_text``: ``at`` as ``YYYY-MM-DD HH:MM:SS`` in the PBX's time zone), each with what
    its rows say of their expiries: the same again at the next look means no device of it
    renewed meanwhile. From the answer's rows when it has them (the ``exp(...)`` text compared
    as text; an expiry written another way is read in full by the caller, so it names that
    extension too), else from the registrations' parsed expiry."""
    rows_of = getattr(latest, "rows", None)
    if not isinstance(rows_of, dict):
        found: dict[str, tuple[object, ...]] = {}
        for ext, regs in latest.items():
            expiries = tuple(reg.expires_at for reg in regs)
            if any(when is not None and when.timestamp() < at for when in expiries):
                found[ext] = expiries
        return found
    found = {}
    for ext, rows in rows_of.items():
        if type(rows) is tuple:
            read = [_expiry(getattr(row, "status", None), at_text) for row in rows]
            if any(past for _text, past in read):
                found[ext] = tuple(text for text, _past in read)
        else:
            text, past = _expiry(getattr(rows, "status", None), at_text)
            if past:
                found[ext] = (text,)
    return found


def _expiry(status: Any, at_text: str) -> tuple[str | None, bool]:
    """(what is written in ``exp(...)``, whether that is before ``at_text``). None and False
    when no expiry is written. Written another way than usual, the whole status is returned,
    countdown and all, and counts as past: it is read in full at every look."""
    if type(status) is not str:
        return None, False
    start = status.find("exp(")
    if start < 0:
        start = status.lower().find("exp(")
        if start < 0:
            return None, False  # no expiry written: none to be past
    text = status[start + 4:start + 23]
    if len(text) == 19 and text[4] == "-" and text[10] == " " and text[13] == ":":
        return text, text < at_text
    return status, True
