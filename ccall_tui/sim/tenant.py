"""A seeded, reproducible PBX tenant: extensions, their phones, and whether they are registered.

Nothing here touches the network. Every answer is a pure function of the seed, the
extension and the time read from ``clock``, so a frozen clock gives a stable answer and a
moving clock shows phones registering, dropping and coming back. Call history lives in
:mod:`ccall_tui.sim.calls`; the tenant owns it and exposes it as ``tenant.calls``.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from . import data
from .clock import PBX_TZ, Clock, pbx_now

FIRST_EXTENSION = 100
MAX_EXTENSIONS = 100_000
"""The largest tenant: 100,000 extensions (100 to 100099), as many as a roster may hold."""


def rng_for(*parts: object) -> random.Random:
    """A generator seeded by ``parts`` (string seeding is stable across processes)."""
    return random.Random(":".join(str(p) for p in parts))


@dataclass(frozen=True, slots=True)
class Device:
    """One phone of one extension and the pattern it follows when registering."""

    index: int
    agent: str
    desk: bool
    transport: str
    nat: bool
    ip: str
    port: int
    lan_ip: str
    expires_s: int
    sends_name: bool
    online_s: int  # typical length of one online/offline period
    phase_s: int


@dataclass(frozen=True, slots=True)
class Extension:
    number: str
    name: str
    devices: tuple[Device, ...]
    never_registers: bool
    activity: float  # relative share of this extension in calls


@dataclass(frozen=True, slots=True)
class LiveRegistration:
    """A device that is registered at the moment asked about."""

    extension: str
    device: Device
    registered_at: datetime
    expires_at: datetime
    call_id: str
    reachable: bool
    ping_ms: float


class Tenant:
    """The tenant's extensions and their registration state over time."""

    def __init__(
        self,
        seed: int = 7,
        extensions: int = 60,
        domain: str = "demo.ccall.example",
        calls_per_day: int | None = None,
        clock: Clock | None = None,
        history_days: int = 7,
    ) -> None:
        if not 1 <= extensions <= MAX_EXTENSIONS:
            raise ValueError(f"extensions must be between 1 and {MAX_EXTENSIONS:,}")
        self.seed = seed
        self.domain = domain
        self.clock: Clock = clock or pbx_now
        self._lock = threading.RLock()
        self._names: dict[str, str] = {}
        self._agents: dict[str, str] = {}
        self._overrides: dict[str, int] = {}  # extension -> devices forced online (0 = offline)
        self.version = 0  # counts the steering calls: answers kept as bytes depend on it
        office = rng_for(seed, "office")
        self.office_ips = tuple(
            f"{net}{office.randint(2, 254)}" for net in (data.PUBLIC_NETS[0], data.PUBLIC_NETS[1])
        )
        never = self._never_registering(extensions)
        self.extensions: dict[str, Extension] = {}
        for i in range(extensions):
            number = str(FIRST_EXTENSION + i)
            self.extensions[number] = self._make_extension(number, number in never)
        from .calls import CallHistory  # the history needs a finished tenant

        self.calls = CallHistory(self, calls_per_day=calls_per_day, history_days=history_days)

    # ------------------------------------------------------------------ building

    def _never_registering(self, count: int) -> set[str]:
        """About 5% of extensions (at least one from ten up) never register a phone."""
        if count < 10:
            return set()
        numbers = [str(FIRST_EXTENSION + i) for i in range(count)]
        return set(rng_for(self.seed, "never").sample(numbers, max(1, round(count * 0.05))))

    def _make_extension(self, number: str, never: bool) -> Extension:
        rng = rng_for(self.seed, "ext", number)
        female = rng.random() < 0.5
        family = rng.choices(data.FAMILY_NAMES, data.FAMILY_WEIGHTS)[0]
        middle = rng.choice(data.FEMALE_MIDDLE if female else data.MALE_MIDDLE)
        given = rng.choice(data.FEMALE_GIVEN if female else data.MALE_GIVEN)
        name = f"{family} {middle} {given}"
        count = 2 if rng.random() < 0.15 else 1
        first_desk = rng.random() < 0.75
        devices = tuple(
            self._make_device(rng, i, desk=first_desk if i == 0 else not first_desk)
            for i in range(count)
        )
        activity = min(rng.lognormvariate(0.0, 0.7), 6.0)
        if never:
            activity *= 0.05  # a line nobody uses still gets the odd misdialled call
        return Extension(number, name, devices, never, activity)

    def _make_device(self, rng: random.Random, index: int, *, desk: bool) -> Device:
        agent, transports, expires, sends_name = rng.choice(
            data.DESK_PHONES if desk else data.SOFTPHONES
        )
        transport = rng.choice(transports)
        if desk and rng.random() < 0.8:
            ip = rng.choice(self.office_ips)  # desk phones sit behind the office NAT
        else:
            ip = f"{rng.choice(data.PUBLIC_NETS)}{rng.randint(2, 254)}"
        nat = rng.random() < 0.9
        if nat:
            port = rng.randint(1024, 65000)
        else:
            port = 5061 if transport == "TLS" else 5060
        lan_ip = f"192.168.{rng.randint(0, 20)}.{rng.randint(10, 250)}"
        online_s = rng.randint(40 * 60, 6 * 3600) if desk else rng.randint(20 * 60, 3 * 3600)
        return Device(
            index=index, agent=agent, desk=desk, transport=transport, nat=nat, ip=ip,
            port=port, lan_ip=lan_ip, expires_s=expires, sends_name=sends_name,
            online_s=online_s, phase_s=rng.randrange(online_s),
        )

    # ------------------------------------------------------------------ lookups

    def now(self) -> datetime:
        moment = self.clock()
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=PBX_TZ)
        return moment.astimezone(PBX_TZ)

    @property
    def numbers(self) -> list[str]:
        return list(self.extensions)

    def name(self, extension: str) -> str:
        with self._lock:
            override = self._names.get(extension)
        if override is not None:
            return override
        ext = self.extensions.get(extension)
        return ext.name if ext else ""

    def agent(self, extension: str, device: Device) -> str:
        with self._lock:
            return self._agents.get(extension, device.agent)

    def steered(self) -> frozenset[str]:
        """Extensions steered by hand (forced, renamed or given another agent)."""
        with self._lock:
            return frozenset(self._overrides).union(self._names, self._agents)

    def never_registers(self, extension: str) -> bool:
        return self.extensions[str(extension)].never_registers

    # ------------------------------------------------------------------ test controls

    def _known(self, extension: object) -> str:
        number = str(extension)
        if number not in self.extensions:
            raise KeyError(f"no extension {number} in this tenant")
        return number

    def force_offline(self, extension: object) -> None:
        with self._lock:
            self._overrides[self._known(extension)] = 0
            self.version += 1

    def force_online(self, extension: object, devices: int = 1) -> None:
        if devices < 1:
            raise ValueError("devices must be at least 1")
        with self._lock:
            self._overrides[self._known(extension)] = devices
            self.version += 1

    def clear_override(self, extension: object) -> None:
        with self._lock:
            self._overrides.pop(self._known(extension), None)
            self.version += 1

    def set_name(self, extension: object, text: str) -> None:
        with self._lock:
            self._names[self._known(extension)] = text
            self.version += 1

    def set_agent(self, extension: object, text: str) -> None:
        with self._lock:
            self._agents[self._known(extension)] = text
            self.version += 1

    # ------------------------------------------------------------------ registrations

    def registrations(self, at: datetime | None = None, *, stale: bool = False) -> list[LiveRegistration]:
        """Every registered device at ``at`` (default: the clock), by extension number.

        With ``stale``, a phone that re-registered recently (new call-id after a reboot or a
        network change) also shows its old registration until that one expires, as
        FreeSWITCH does.
        """
        moment = (at or self.now()).astimezone(PBX_TZ)
        rows: list[LiveRegistration] = []
        for number in self.extensions:
            rows.extend(self.registrations_of(number, moment, stale=stale))
        return rows

    def online_extensions(self, at: datetime | None = None) -> set[str]:
        return {reg.extension for reg in self.registrations(at)}

    def registrations_of(
        self, extension: str, at: datetime | None = None, *, stale: bool = False
    ) -> list[LiveRegistration]:
        moment = (at or self.now()).astimezone(PBX_TZ)
        ext = self.extensions[extension]
        with self._lock:
            forced = self._overrides.get(extension)
        if forced is not None:
            devices = list(ext.devices[:forced])
            rng = rng_for(self.seed, "extra-device", extension)
            while len(devices) < forced:
                devices.append(self._make_device(rng, len(devices), desk=False))
            return [self._live(extension, d, moment, forced=True) for d in devices]
        if ext.never_registers:
            return []
        rows = []
        for device in ext.devices:
            if self._device_online(extension, device, moment):
                rows.append(self._live(extension, device, moment))
                if stale:
                    rows.extend(self._stale(extension, device, moment))
        return rows

    def _stale(self, extension: str, device: Device, moment: datetime) -> list[LiveRegistration]:
        index, start = self._period(device, moment)
        before = datetime.fromtimestamp(start - 1, PBX_TZ)
        if moment.timestamp() - start >= device.expires_s:
            return []
        if not self._device_online(extension, device, before):
            return []
        if rng_for(self.seed, "stale", extension, device.index, index).random() >= 0.35:
            return []
        old = self._live(extension, device, before)
        return [old] if old.expires_at > moment else []

    def _period(self, device: Device, moment: datetime) -> tuple[int, int]:
        """(period index, period start as seconds since the epoch) for this device."""
        seconds = int(moment.timestamp())
        index = (seconds - device.phase_s) // device.online_s
        return index, index * device.online_s + device.phase_s

    def _device_online(self, extension: str, device: Device, moment: datetime) -> bool:
        index, start = self._period(device, moment)
        middle = datetime.fromtimestamp(start + device.online_s // 2, PBX_TZ)
        hour = middle.hour
        weekend = middle.weekday() >= 5
        business = 7 <= hour < 19 and not weekend
        if device.desk:
            chance = 0.95 if business else 0.88
        elif business:
            chance = 0.85
        else:
            chance = 0.3 if 6 <= hour < 23 else 0.12
        return rng_for(self.seed, "reg", extension, device.index, index).random() < chance

    def _live(
        self, extension: str, device: Device, moment: datetime, *, forced: bool = False
    ) -> LiveRegistration:
        index, start = self._period(device, moment)
        since = datetime.fromtimestamp(start, PBX_TZ)
        if forced:
            since = moment - timedelta(seconds=device.expires_s // 3)
        # A phone refreshes its registration every ``expires_s``; the last refresh is the
        # latest multiple of that after it came online.
        elapsed = int((moment - since).total_seconds())
        refreshed = since + timedelta(seconds=elapsed - elapsed % device.expires_s)
        expires_at = refreshed + timedelta(seconds=device.expires_s)
        rng = rng_for(self.seed, "live", extension, device.index, index)
        if device.agent.startswith(("Yealink", "Grandstream", "Fanvil", "snom")):
            call_id = f"{rng.getrandbits(32)}_{rng.getrandbits(31)}@{device.lan_ip}"
        else:
            call_id = "".join(rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
                              for _ in range(22))
        reachable = forced or rng.random() < 0.97
        ping_ms = round(rng.uniform(4.0, 85.0), 2) if reachable else 0.0
        return LiveRegistration(
            extension=extension, device=device, registered_at=since, expires_at=expires_at,
            call_id=call_id, reachable=reachable, ping_ms=ping_ms,
        )
