"""What one registrations answer is once read: :class:`RegistrationsSnapshot`, its
extensions (:class:`OnlineRegistrations`, over compact rows) and each extension's
:class:`Registrations`, made into :class:`Registration` objects only when used."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, KeysView, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from .registration import MAX_PING_MS, Registration, parse_registration
from .registrations_fast import PING_TEXT_MAX, Row, group_signature, moved_since, row_mapping
from .values import bounded, float_or_none


@dataclass(frozen=True, slots=True)
class RegistrationsSnapshot:
    """Online extensions at one moment: extension -> its registrations (one per device)."""

    extensions: Mapping[str, Sequence[Registration]]
    # Rows that could not be read, and why the first of them could not.
    skipped: int = 0
    skip_reason: str | None = None

    def __len__(self) -> int:
        return len(self.extensions)

    def device_count(self, extension: str) -> int:
        return len(self.extensions.get(extension, ()))


class Registrations(Sequence[Registration]):
    """The registrations of one extension in one answer, read from their rows when first used.

    A poll needs only which extensions are online, how many devices each has and whether they
    are the same devices as before; the full reading of a row (its expiry, ping, network
    address, the cleaned copy of every field) is only wanted for the few extensions someone
    looks at. ``rows`` is one row or a tuple of rows (see :mod:`.registrations_fast`), each
    one a ``user`` was already read from (so it always gives a :class:`Registration`);
    reading is what :func:`parse_registration` does, once.
    """

    __slots__ = ("_rows", "_tz", "_parsed")

    def __init__(self, rows: Any, tz: ZoneInfo) -> None:
        if type(rows) is list:
            rows = rows[0] if len(rows) == 1 else tuple(rows)
        self._rows = rows
        self._tz = tz
        self._parsed: tuple[Registration, ...] | None = None

    @property
    def signature(self) -> object:
        """Which devices these are (see :func:`device_signature`)."""
        return group_signature(self._rows)

    def _all(self) -> tuple[Registration, ...]:
        parsed = self._parsed
        if parsed is None:
            tz = self._tz
            rows = self._rows if type(self._rows) is tuple else (self._rows,)
            parsed = self._parsed = tuple(
                [parse_registration(row_mapping(row), tz) for row in rows]  # type: ignore[misc]
            )
        return parsed

    def __len__(self) -> int:
        rows = self._rows
        return len(rows) if type(rows) is tuple else 1

    def pings(self) -> list[tuple[Any, float | None]]:
        """(ping status, ping ms) of each row, read without the rest of it: the board judges
        reachability on these when an extension changes, and most are never shown."""
        if self._parsed is not None:
            return [(reg.ping_status, reg.ping_ms) for reg in self._parsed]
        rows = self._rows if type(self._rows) is tuple else (self._rows,)
        found: list[tuple[Any, float | None]] = []
        for row in rows:
            if type(row) is Row:
                status = row.ping_status
            else:
                status = _row_value(row, "ping-status")
            found.append((status if type(status) is str else None, row_ping_ms(row)))
        return found

    def __getitem__(self, index: Any) -> Any:
        return self._all()[index]

    def __iter__(self) -> Iterator[Registration]:
        return iter(self._all())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (Registrations, tuple)):
            return self._all() == tuple(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Registrations({list(self._all())!r})"


class OnlineRegistrations(Mapping[str, Registrations]):
    """Extension -> :class:`Registrations`, over the compact rows of one answer (extension ->
    its row, or a tuple of rows for several devices), in the answer's order. Registrations
    are made when asked for: an answer of 50,000 extensions holds 50,000 rows, no more."""

    __slots__ = ("rows", "tz", "signatures", "_prepared", "_slow", "_slow_ms")

    def __init__(
        self, rows: dict[str, Any], tz: ZoneInfo, signatures: dict[str, object] | None = None,
        *, slow: dict[str, int] | None = None, slow_ms: float | None = None,
    ) -> None:
        self.rows = rows
        self.tz = tz
        # Rows read the general way (dicts): their group signatures, made while parsing.
        self.signatures = signatures
        self._prepared: tuple[object, tuple[list[str], list[str]]] | None = None
        # What slow_pings(slow_ms) is, when the reader found it while reading.
        self._slow = slow
        self._slow_ms = slow_ms if slow is not None else None

    def slow_pings(self, slow_ms: float | None) -> dict[str, int]:
        """Extension -> which of its rows (bit i: the i-th) answer pings slower than
        ``slow_ms``, for the extensions that have any: a ping time moves on every answer
        without changing a device's signature, but whether it is over the threshold is what
        reachability reads. Found while reading the answer (for the reader's threshold), or
        here in one pass over the rows (run it off the event loop: see ``ExtensionBoard.prepare``)."""
        if slow_ms is None:
            return {}
        found = self._slow
        if found is None or self._slow_ms != slow_ms:
            found = {}
            for extension, rows in self.rows.items():
                mask = slow_mask(rows, slow_ms)
                if mask:
                    found[extension] = mask
            self._slow, self._slow_ms = found, slow_ms
        return found

    def knows_slow_pings(self, slow_ms: float | None) -> bool:
        """Whether :meth:`slow_pings` ``slow_ms`` is found already (costs nothing)."""
        return slow_ms is None or (self._slow is not None and self._slow_ms == slow_ms)

    def slowest_pings(self, extensions: Iterable[str]) -> Iterator[tuple[str, float]]:
        """(extension, its slowest ping in ms) of those of ``extensions`` that are in this
        answer with a ping time (read from the rows alone)."""
        rows_of = self.rows.get
        for extension in extensions:
            rows = rows_of(extension)
            if rows is None:
                continue
            if type(rows) is tuple:
                times = [ms for row in rows if (ms := row_ping_ms(row)) is not None]
                if times:
                    yield extension, max(times)
            else:
                ms = row_ping_ms(rows)
                if ms is not None:
                    yield extension, ms

    def __getitem__(self, extension: str) -> Registrations:
        return Registrations(self.rows[extension], self.tz)

    def get(self, extension: str, default: Any = None) -> Any:
        rows = self.rows.get(extension)
        return default if rows is None else Registrations(rows, self.tz)

    def __contains__(self, extension: object) -> bool:
        return extension in self.rows

    def __iter__(self) -> Iterator[str]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def keys(self) -> KeysView[str]:
        return self.rows.keys()

    def changes_since(self, before: Mapping[str, Sequence[Registration]]) -> tuple[list[str], list[str]] | None:
        """(extensions gone, extensions new or with other devices) since the answer
        ``before``; None when ``before`` was not read from an answer (compare them one by one).
        Computed once per ``before`` when :meth:`prepare` ran (in a thread, off the loop)."""
        prepared = self._prepared
        self._prepared = None  # used once: never an old answer kept alive by a newer one
        if prepared is not None and prepared[0] is before:
            return prepared[1]
        if not isinstance(before, OnlineRegistrations):
            return None
        gone = list(before.rows.keys() - self.rows.keys())
        mine, theirs = self.signatures, before.signatures
        if mine is not None and theirs is not None:
            earlier = theirs.get
            return gone, [ext for ext, signature in mine.items() if earlier(ext) != signature]
        return gone, moved_since(before.rows, self.rows)

    def prepare(self, before: Mapping[str, Sequence[Registration]]) -> None:
        """Compare with the answer ``before`` now (the O(extensions) part of applying this
        answer: worth running off the event loop), unless that was done while reading."""
        if self.compared_with(before):
            return
        changes = self.changes_since(before)
        if changes is not None:
            self.prepared_against(before, *changes)

    def compared_with(self, before: object) -> bool:
        """Whether the comparison with the answer ``before`` is made already."""
        prepared = self._prepared
        return prepared is not None and prepared[0] is before

    def prepared_against(self, before: object, gone: list[str], moved: list[str]) -> None:
        """What :meth:`changes_since` ``before`` is, found while reading the answer. (What
        ``before`` knew of the answer before it is dropped: no chain of old answers.)"""
        if isinstance(before, OnlineRegistrations):
            before._prepared = None
        self._prepared = (before, (gone, moved))


def row_ping_ms(row: Any) -> float | None:
    """A row's ping time in ms, as :func:`~.registration.parse_registration` reads it
    (None when there is none, or not a sane one)."""
    ping = row.ping_time if type(row) is Row else _row_value(row, "ping-time")
    if type(ping) is str and len(ping) <= PING_TEXT_MAX:
        try:
            number = float(ping)  # the usual "12.34": the number the general reading finds
        except ValueError:
            pass
        else:
            return number if 0.0 <= number <= MAX_PING_MS else None  # NaN fails both
    return bounded(float_or_none(ping), MAX_PING_MS)


def slow_mask(rows: Any, slow_ms: float) -> int:
    """Which of one extension's rows (one row, or a tuple of them) answer pings slower than
    ``slow_ms``: bit i for the i-th row (see :func:`~ccall_tui.monitor.states.device_reachable`)."""
    if type(rows) is not tuple:
        ping = row_ping_ms(rows)
        return 1 if ping is not None and ping > slow_ms else 0
    mask = 0
    for index, row in enumerate(rows):
        ping = row_ping_ms(row)
        if ping is not None and ping > slow_ms:
            mask |= 1 << index
    return mask


def _row_value(row: Any, key: str) -> Any:
    if not isinstance(row, Mapping):
        return None
    return row[key] if key in row else row.get(key.replace("-", "_"))


def _parsed_signature(regs: Sequence[Registration]) -> object:
    return tuple([
        (r.call_id or r.contact or r.user, r.agent, r.ping_status, r.ip, r.port, r.transport) for r in regs
    ])


def device_signature(regs: Sequence[Registration]) -> object:
    """Which devices these are and how they are reached (not their expiry countdown or ping
    time): equal from one answer to the next while the same devices stay registered the same
    way. Compare only signatures made the same way (a :class:`Registrations` uses its rows'
    raw values)."""
    if type(regs) is Registrations:
        return regs.signature
    return _parsed_signature(regs)
