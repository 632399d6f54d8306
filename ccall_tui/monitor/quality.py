"""Call quality by extension, by phone model and by network, over a time range.

Fed with call records (the bounded paging walk, page by page), each extension's devices (its
registrations now, else what the flight recorder last saw) and the recorder's availability,
:class:`QualityBuilder` answers rows of calls, answered, missed, ASR, ACD, average time to
answer, MOS average and 10th percentile and availability, grouped one of three ways. No Textual.

How a call is counted (the same rules for every grouping, so a hand count can follow them):

- A call belongs to the extensions on its sides: the destination of an inbound call, the
  source of an outbound one, both of a local one (a side counts only when it is an extension:
  a number of two to six digits, as the board's roster takes them, or one the caller knows).
- ``calls``: the calls that touch the row (a local call between two phones of one model is
  one call of that model); ``answered``: those answered; ``missed``: those coming *in* to the
  row and not answered. ASR is answered / calls; ACD the mean talk time of answered calls;
  TTA the mean time to answer of answered calls; MOS over the calls that carry one.
- An extension's phone model is its devices' agents without their versions (several distinct
  models are joined with " + "); its network is the transport with ``-NAT`` when the
  registration says it is behind NAT (``UDP-NAT`` in its status, ``fs_nat=yes`` in its contact).
- Availability: online seconds / observed seconds from the recorder, summed over the row's
  extensions; None when the recorder saw none of them in the range.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from ..api.cdrs import CallRecord
from .cdr_stats import hour_of, hourly_series, percentile
from .roster import looks_like_extension as _roster_looks_like_extension

EXTENSION, AGENT, NETWORK = "extension", "agent", "network"
GROUPINGS = (EXTENSION, AGENT, NETWORK)
UNKNOWN = "?"
"""The group of extensions whose devices are not known (never registered while looked at)."""
MOS_BINS = tuple(round(1.0 + 0.25 * i, 2) for i in range(17))
"""Lower edges of the MOS histogram: 1.00, 1.25 ... 5.00 (the last bin holds 5.0 itself)."""

_VERSIONISH = re.compile(r"^(?:rv|v|r)?\d", re.IGNORECASE)
_SLASH_VERSION = re.compile(r"/\s*[vr]?\d")
_VERSION_WORDS = frozenset(("release", "build", "version", "firmware", "stamp", "rev"))


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """What the report needs to know of one device: its user agent, transport and NAT
    (None: not known, e.g. a device only the recorder saw: it keeps the transport alone)."""

    agent: str | None
    transport: str | None
    nat: bool | None = None

    @property
    def model(self) -> str:
        return phone_model(self.agent)

    @property
    def network(self) -> str:
        transport = (self.transport or "").upper() or UNKNOWN
        if self.nat is None:
            return transport if transport == UNKNOWN else f"{transport} (NAT?)"
        return f"{transport}-NAT" if self.nat else transport


def phone_model(agent: str | None) -> str:
    """The user agent without its version: ``Yealink SIP-T46S 66.86.0.15`` -> ``Yealink
    SIP-T46S``, ``MicroSIP/3.21.3`` -> ``MicroSIP``; :data:`UNKNOWN` when there is none."""
    if not agent or not agent.strip():
        return UNKNOWN
    head = re.sub(r"\(.*?\)", " ", _SLASH_VERSION.split(agent, 1)[0])
    words: list[str] = []
    for word in head.split():
        if _VERSIONISH.match(word) or word.lower() in _VERSION_WORDS:
            break
        words.append(word)
    return " ".join(words) or agent.split()[0]


def device_of_registration(reg: Any) -> DeviceInfo:
    """A :class:`DeviceInfo` from a parsed registration (NAT from its status or contact)."""
    status = (getattr(reg, "status", None) or "").upper()
    contact = (getattr(reg, "contact", None) or "").lower()
    nat = "-NAT)" in status or "fs_nat=yes" in contact
    return DeviceInfo(getattr(reg, "agent", None), getattr(reg, "transport", None), nat)


def looks_like_extension(number: str) -> bool:
    return _roster_looks_like_extension(number)


@dataclass(frozen=True, slots=True)
class _Call:
    """What the report keeps of one call (a report over a week holds tens of thousands)."""

    hour: datetime | None
    sides: tuple[tuple[str, bool], ...]  # (extension, the call came in to it)
    answered: bool
    talk_s: float | None
    tta_s: float | None
    mos: float | None


def call_sides(record: CallRecord, is_extension: Callable[[str], bool]) -> tuple[tuple[str, bool], ...]:
    """The extensions a call belongs to, each with whether the call came in to it."""
    source = (record.source or "").strip()
    destination = (record.destination or "").strip()
    direction = (record.direction or "").strip().lower()
    sides: list[tuple[str, bool]] = []
    if direction in ("outbound", "local", "") and source and is_extension(source):
        sides.append((source, False))
    if direction in ("inbound", "local", "") and destination and is_extension(destination) and destination != source:
        sides.append((destination, True))
    return tuple(sides)


@dataclass(frozen=True, slots=True)
class QualityRow:
    """One line of the report (an extension, a phone model or a network)."""

    key: str
    calls: int
    answered: int
    missed: int
    asr_pct: float | None
    acd_s: float | None
    tta_avg_s: float | None
    mos_avg: float | None
    mos_p10: float | None
    mos_count: int
    availability_pct: float | None
    extensions: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        def r(value: float | None, digits: int = 2) -> float | None:
            return round(value, digits) if value is not None else None

        return {
            "key": self.key, "calls": self.calls, "answered": self.answered, "missed": self.missed,
            "asr_pct": r(self.asr_pct, 1), "acd_s": r(self.acd_s, 1), "tta_avg_s": r(self.tta_avg_s, 1),
            "mos_avg": r(self.mos_avg), "mos_p10": r(self.mos_p10), "mos_count": self.mos_count,
            "availability_pct": r(self.availability_pct, 1), "extensions": list(self.extensions),
        }


ROW_FIELDS = ("key", "calls", "answered", "missed", "asr_pct", "acd_s", "tta_avg_s", "mos_avg", "mos_p10",
              "mos_count", "availability_pct", "extensions")


@dataclass(frozen=True, slots=True)
class Uptime:
    """Seconds online and observed by the recorder for one extension."""

    online_s: float
    observed_s: float


@dataclass(frozen=True, slots=True)
class HourPoint:
    """One hour of the range: calls started, answered, ASR (None without calls)."""

    hour: datetime
    calls: int
    answered: int

    @property
    def asr_pct(self) -> float | None:
        return 100.0 * self.answered / self.calls if self.calls else None


@dataclass
class QualityBuilder:
    """Feed call records page by page (:meth:`add`), the devices and the recorder's uptime;
    ask for :meth:`rows` any way grouped, as often as wanted."""

    tz: tzinfo
    known_extensions: frozenset[str] | None = None
    calls: list[_Call] = field(default_factory=list)
    devices: dict[str, tuple[DeviceInfo, ...]] = field(default_factory=dict)
    uptime: dict[str, Uptime] = field(default_factory=dict)
    skipped: int = 0
    """Records with no extension on either side (a DID to a queue, a trunk to a trunk)."""

    def _is_extension(self, number: str) -> bool:
        return looks_like_extension(number) or (self.known_extensions is not None and number in self.known_extensions)

    def add(self, records: Iterable[CallRecord]) -> None:
        for record in records:
            sides = call_sides(record, self._is_extension)
            if not sides:
                self.skipped += 1
                continue
            answered = record.answered
            self.calls.append(_Call(
                hour_of(record.start, self.tz) if record.start is not None else None, sides, answered,
                record.duration_s if answered else None, record.tta_s if answered else None,
                record.mos if record.mos is not None and 0.0 < record.mos <= 5.0 else None,
            ))

    def set_devices(self, extension: str, devices: Sequence[DeviceInfo]) -> None:
        self.devices[extension] = tuple(devices)

    def set_uptime(self, extension: str, online_s: float, observed_s: float) -> None:
        self.uptime[extension] = Uptime(online_s, observed_s)

    # ------------------------------------------------------------------ reading

    def group_of(self, extension: str, grouping: str) -> str:
        if grouping == EXTENSION:
            return extension
        devices = self.devices.get(extension, ())
        if not devices:
            return UNKNOWN
        keys = sorted({d.model if grouping == AGENT else d.network for d in devices})
        return " + ".join(keys)

    def extensions(self) -> list[str]:
        """Every extension the report knows: from its calls, devices and the recorder."""
        found = {ext for call in self.calls for ext, _incoming in call.sides}
        found.update(self.devices)
        found.update(self.uptime)
        return sorted(found, key=_number_key)

    def rows(self, grouping: str = EXTENSION) -> list[QualityRow]:
        """One row per extension, phone model or network (sorted by key, numbers as numbers)."""
        if grouping not in GROUPINGS:
            raise ValueError(grouping)
        members: dict[str, list[str]] = {}
        key_of: dict[str, str] = {}
        for ext in self.extensions():
            key_of[ext] = key = self.group_of(ext, grouping)
            members.setdefault(key, []).append(ext)
        tallies: dict[str, _Tally] = {key: _Tally() for key in members}
        for call in self.calls:
            seen: dict[str, bool] = {}
            for ext, incoming in call.sides:
                key = key_of[ext]
                seen[key] = seen.get(key, False) or incoming
            for key, incoming in seen.items():
                tallies[key].add(call, incoming)
        return [tallies[key].row(key, tuple(exts), self.uptime) for key, exts in
                sorted(members.items(), key=lambda item: _group_key(item[0]))]

    def per_hour(self) -> list[HourPoint]:
        """Every hour from the first call's to the last's (empty hours as zero)."""
        calls: Counter[datetime] = Counter()
        answered: Counter[datetime] = Counter()
        for call in self.calls:
            if call.hour is not None:
                calls[call.hour] += 1
                answered[call.hour] += call.answered
        return [HourPoint(hour, count, answered[hour]) for hour, count in hourly_series(calls)]

    def mos_values(self) -> list[float]:
        return [call.mos for call in self.calls if call.mos is not None]


def mos_histogram(values: Iterable[float]) -> list[tuple[float, int]]:
    """(lower edge, count) for each bin of :data:`MOS_BINS`, 1.0 to 5.0 by 0.25."""
    counts = [0] * len(MOS_BINS)
    for value in values:
        index = min(len(MOS_BINS) - 1, max(0, int((value - 1.0) / 0.25 + 1e-9)))
        counts[index] += 1
    return list(zip(MOS_BINS, counts))


class _Tally:
    __slots__ = ("calls", "answered", "missed", "talk", "tta", "mos")

    def __init__(self) -> None:
        self.calls = self.answered = self.missed = 0
        self.talk: list[float] = []
        self.tta: list[float] = []
        self.mos: list[float] = []

    def add(self, call: _Call, incoming: bool) -> None:
        self.calls += 1
        if call.answered:
            self.answered += 1
            if call.talk_s is not None:
                self.talk.append(call.talk_s)
            if call.tta_s is not None:
                self.tta.append(call.tta_s)
        elif incoming:
            self.missed += 1
        if call.mos is not None:
            self.mos.append(call.mos)

    def row(self, key: str, extensions: tuple[str, ...], uptime: Mapping[str, Uptime]) -> QualityRow:
        online = observed = 0.0
        for ext in extensions:
            seen = uptime.get(ext)
            if seen is not None:
                online += seen.online_s
                observed += seen.observed_s
        return QualityRow(
            key=key, calls=self.calls, answered=self.answered, missed=self.missed,
            asr_pct=100.0 * self.answered / self.calls if self.calls else None,
            acd_s=_mean(self.talk), tta_avg_s=_mean(self.tta), mos_avg=_mean(self.mos),
            mos_p10=percentile(self.mos, 0.10), mos_count=len(self.mos),
            availability_pct=100.0 * online / observed if observed > 0 else None,
            extensions=extensions,
        )


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _number_key(ext: str) -> tuple[int, int | str]:
    return (0, int(ext)) if ext.isdigit() else (1, ext)


def _group_key(key: str) -> tuple[int, int, int | str]:
    return (1 if key == UNKNOWN else 0, *_number_key(key))


__all__ = [
    "AGENT", "EXTENSION", "GROUPINGS", "MOS_BINS", "NETWORK", "ROW_FIELDS", "UNKNOWN", "DeviceInfo", "HourPoint",
    "QualityBuilder", "QualityRow", "Uptime", "call_sides", "device_of_registration", "looks_like_extension",
    "mos_histogram", "phone_model",
]
