"""Call history of the simulated tenant, generated lazily one hour at a time.

Each hour of history is generated from ``(seed, hour index)`` alone, so any window is
reproducible and two simulators with the same seed agree call for call. The hour is also
written (masked) into the first group of every call id, so a lookup by id regenerates
just that one hour. Only hours inside the history window are kept in memory.
"""

from __future__ import annotations

import fnmatch
import itertools
import math
import threading
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Iterable, Iterator

from . import data
from .clock import PBX_TZ
from .tenant import rng_for

if TYPE_CHECKING:
    from .tenant import Tenant

DEFAULT_WEEKDAY_CALLS_PER_60 = 3200
MAX_WEEKDAY_CALLS = 12000
LONGEST_CALL_S = 25 + 5400  # the longest ring (answered) plus the longest talk below
DIRECTIONS = ("inbound", "outbound", "local")

_CAUSES = [cause for cause, _ in data.CAUSE_WEIGHTS]
_CAUSE_CUM = list(itertools.accumulate(weight for _, weight in data.CAUSE_WEIGHTS))
_HOURLY_SUM = sum(data.HOURLY_WEIGHTS)
# Call ids carry their hour, scrambled so that ids of one hour share nothing visible.
_ID_SCRAMBLE = 0x9E3779B1
_ID_UNSCRAMBLE = pow(_ID_SCRAMBLE, -1, 1 << 32)


@dataclass(frozen=True, slots=True)
class Call:
    """One call detail record, before it is written in the wire format."""

    call_id: str
    start_ts: int
    start: str  # "YYYY-MM-DD HH:MM:SS", PBX local time
    end_ts: int
    direction: str
    source: str
    destination: str
    source_extension: str | None  # caller name comes from this extension's current name
    external_name: str
    cause: str
    tta: int | None
    talk_s: int
    pdd: float | None
    mos: float | None

    @property
    def answered(self) -> bool:
        return self.tta is not None

    @property
    def recorded(self) -> bool:
        return self.answered

    @property
    def extensions(self) -> tuple[str, ...]:
        return tuple(n for n in (self.source, self.destination) if n.isdigit() and len(n) <= 5)


@dataclass(frozen=True, slots=True)
class CallFilter:
    """The filters of ``/cdrs/json``; None means no filter."""

    start_ts: int | None = None  # inclusive
    end_ts: int | None = None  # inclusive
    causes: frozenset[str] | None = None
    source: str | None = None
    destination: str | None = None
    cid_name: str | None = None
    direction: str | None = None


def fold(text: str) -> str:
    """Case-insensitive comparison form; diacritics are kept as given."""
    return unicodedata.normalize("NFC", text).casefold()


def _matches_number(pattern: str, value: str) -> bool:
    if "*" in pattern or "?" in pattern:
        return fnmatch.fnmatchcase(value, pattern)
    return value == pattern


class CallHistory:
    """Every call of the tenant from ``history_days`` before today's midnight until now."""

    def __init__(self, tenant: "Tenant", *, calls_per_day: int | None, history_days: int) -> None:
        if history_days < 0:
            raise ValueError("history_days must not be negative")
        self.tenant = tenant
        self.history_days = history_days
        count = len(tenant.extensions)
        if calls_per_day is None:
            calls_per_day = min(round(DEFAULT_WEEKDAY_CALLS_PER_60 * count / 60), MAX_WEEKDAY_CALLS)
        if calls_per_day < 0:
            raise ValueError("calls_per_day must not be negative")
        self.weekday_calls = calls_per_day
        self._mask = rng_for(tenant.seed, "id-mask").getrandbits(32)
        self._buckets: dict[int, tuple[Call, ...]] = {}
        self._index: dict[int, dict[str, Call]] = {}
        self._lock = threading.Lock()
        numbers = list(tenant.extensions)
        self._all = numbers
        self._all_cum = list(itertools.accumulate(tenant.extensions[n].activity for n in numbers))
        callers = [n for n in numbers if not tenant.extensions[n].never_registers] or numbers
        self._callers = callers
        self._callers_cum = list(
            itertools.accumulate(tenant.extensions[n].activity for n in callers)
        )

    # ------------------------------------------------------------------ window

    def window_start(self, now: datetime | None = None) -> datetime:
        now = (now or self.tenant.now()).astimezone(PBX_TZ)
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        return midnight - timedelta(days=self.history_days)

    def expected_calls(self, hour: int) -> float:
        """Average number of calls starting in this hour (index since the Unix epoch)."""
        local = datetime.fromtimestamp(hour * 3600, PBX_TZ)
        share = data.HOURLY_WEIGHTS[local.hour] / _HOURLY_SUM
        return self.weekday_calls * data.WEEKDAY_FACTORS[local.weekday()] * share

    # ------------------------------------------------------------------ queries

    def select(self, where: CallFilter, now: datetime | None = None) -> list[Call]:
        """Finished calls matching ``where``, newest first."""
        now_ts = int((now or self.tenant.now()).timestamp())
        first = int(self.window_start(now).timestamp())
        low = max(first, where.start_ts if where.start_ts is not None else first)
        high = min(now_ts, where.end_ts if where.end_ts is not None else now_ts)
        if low > high:
            return []
        causes = where.causes
        name = fold(where.cid_name) if where.cid_name else None
        found: list[Call] = []
        for hour in range(high // 3600, low // 3600 - 1, -1):
            for call in reversed(self._bucket(hour, first)):
                if not low <= call.start_ts <= high or call.end_ts > now_ts:
                    continue
                if where.direction and call.direction != where.direction:
                    continue
                if causes is not None and call.cause not in causes:
                    continue
                if where.source and not _matches_number(where.source, call.source):
                    continue
                if where.destination and not _matches_number(where.destination, call.destination):
                    continue
                if name is not None and name not in fold(self.cid_name(call)):
                    continue
                found.append(call)
        return found

    def find(self, call_id: str, now: datetime | None = None) -> Call | None:
        """The finished call with this id inside the window, or None."""
        hour = self.hour_of(call_id)
        if hour is None:
            return None
        now_ts = int((now or self.tenant.now()).timestamp())
        first = int(self.window_start(now).timestamp())
        if not first // 3600 <= hour <= now_ts // 3600:
            return None
        self._bucket(hour, first)
        with self._lock:
            call = self._index.get(hour, {}).get(call_id.lower())
        if call is None or call.end_ts > now_ts or call.start_ts < first:
            return None
        return call

    def hour_of(self, call_id: str) -> int | None:
        """The hour a call id was generated for (see ``_call_id``), or None if not ours."""
        parts = call_id.strip().lower().split("-")
        if len(parts) != 5 or len(parts[0]) != 8 or len(parts[4]) != 12:
            return None
        try:
            head, low = int(parts[0], 16), int(parts[4][-8:], 16)
        except ValueError:
            return None
        return ((head ^ low ^ self._mask) * _ID_UNSCRAMBLE) & 0xFFFFFFFF

    def cid_name(self, call: Call) -> str:
        if call.source_extension is not None:
            return self.tenant.name(call.source_extension)
        return call.external_name

    def __iter__(self) -> Iterator[Call]:
        return iter(self.select(CallFilter()))

    def cached_hours(self) -> int:
        with self._lock:
            return len(self._buckets)

    # ------------------------------------------------------------------ generation

    def _bucket(self, hour: int, first_ts: int) -> tuple[Call, ...]:
        with self._lock:
            cached = self._buckets.get(hour)
        if cached is not None:
            return cached
        calls = tuple(self._generate(hour))
        with self._lock:
            self._buckets[hour] = calls
            self._index[hour] = {c.call_id: c for c in calls}
            for old in [h for h in self._buckets if h < first_ts // 3600]:
                del self._buckets[old]
                del self._index[old]
        return calls

    def _generate(self, hour: int) -> Iterable[Call]:
        rng = rng_for(self.tenant.seed, "calls", hour)
        expected = self.expected_calls(hour)
        count = int(expected * rng.uniform(0.88, 1.12) + rng.random())
        offsets = sorted(rng.randrange(3600) for _ in range(count))
        base_ts = hour * 3600
        base = datetime.fromtimestamp(base_ts, PBX_TZ).replace(tzinfo=None)
        head = ((hour * _ID_SCRAMBLE) & 0xFFFFFFFF) ^ self._mask
        for offset in offsets:
            yield self._one_call(rng, head, base_ts + offset, base + timedelta(seconds=offset))

    def _call_id(self, rng, head: int) -> str:
        """A version-4-shaped uuid whose first group, xor its last 32 bits, encodes the hour."""
        text = f"{rng.getrandbits(88):022x}"
        variant = "89ab"[rng.getrandbits(2)]
        first = head ^ int(text[14:22], 16)
        return f"{first:08x}-{text[0:4]}-4{text[4:7]}-{variant}{text[7:10]}-{text[10:22]}"

    def _external_number(self, rng) -> str:
        if rng.random() < 0.7:
            return rng.choice(data.MOBILE_PREFIXES) + f"{rng.randrange(10**7):07d}"
        prefix = rng.choice(data.LANDLINE_PREFIXES)
        return prefix + f"{rng.randrange(10 ** (11 - len(prefix))):0{11 - len(prefix)}d}"

    def _external_name(self, rng, number: str) -> str:
        roll = rng.random()
        if roll < 0.35:
            return ""
        if roll < 0.6:
            return number
        if roll < 0.9:
            family = rng.choices(data.FAMILY_NAMES, data.FAMILY_WEIGHTS)[0]
            female = rng.random() < 0.5
            middle = rng.choice(data.FEMALE_MIDDLE if female else data.MALE_MIDDLE)
            given = rng.choice(data.FEMALE_GIVEN if female else data.MALE_GIVEN)
            return f"{family} {middle} {given}"
        return rng.choice(data.COMPANY_NAMES)

    def _one_call(self, rng, head: int, start_ts: int, start: datetime) -> Call:
        call_id = self._call_id(rng, head)
        roll = rng.random()
        external_name = ""
        source_extension: str | None = None
        if roll < 0.42:
            direction = "inbound"
            source = self._external_number(rng)
            destination = rng.choices(self._all, cum_weights=self._all_cum)[0]
            external_name = self._external_name(rng, source)
        else:
            source = rng.choices(self._callers, cum_weights=self._callers_cum)[0]
            source_extension = source
            if roll < 0.75 or len(self._all) == 1:
                direction = "outbound"
                destination = self._external_number(rng)
            else:
                direction = "local"
                destination = source
                while destination == source:
                    destination = rng.choices(self._all, cum_weights=self._all_cum)[0]
        cause = rng.choices(_CAUSES, cum_weights=_CAUSE_CUM)[0]
        if cause in data.CARRIER_CAUSES and direction != "outbound":
            cause = rng.choices(_CAUSES, cum_weights=_CAUSE_CUM)[0]
            if cause in data.CARRIER_CAUSES:
                cause = "NORMAL_CLEARING"
        if direction != "outbound" and self.tenant.extensions[destination].never_registers:
            cause = "USER_NOT_REGISTERED"
        pdd = None
        if cause not in data.NO_PROGRESS_CAUSES:
            pdd = round(min(3.5, 0.2 + rng.gammavariate(2.0, 0.35)), 2)
        tta = mos = None
        talk = 0
        if cause in data.ANSWERED_CAUSES:
            tta = max(1, min(25, int(rng.gammavariate(2.2, 3.0)) + 1))
            median = 45 if direction == "local" else 80
            talk = max(3, min(5400, int(rng.lognormvariate(math.log(median), 1.0))))
            quality = rng.random()
            if quality < 0.85:
                mos = round(rng.uniform(3.9, 4.5), 2)
            elif quality < 0.95:
                mos = round(rng.uniform(3.4, 3.9), 2)
            else:
                mos = round(rng.uniform(3.0, 3.4), 2)
            end_ts = start_ts + tta + talk
        elif cause == "ORIGINATOR_CANCEL":
            end_ts = start_ts + rng.randint(2, 30)
        elif cause in ("NO_ANSWER", "NO_USER_RESPONSE"):
            end_ts = start_ts + rng.randint(20, 60)
        else:
            end_ts = start_ts + rng.randint(0, 4)
        return Call(
            call_id=call_id, start_ts=start_ts, start=start.strftime("%Y-%m-%d %H:%M:%S"),
            end_ts=end_ts, direction=direction, source=source, destination=destination,
            source_extension=source_extension, external_name=external_name, cause=cause,
            tta=tta, talk_s=talk, pdd=pdd, mos=mos,
        )
