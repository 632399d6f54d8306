"""Scenarios: phones that are registered but in trouble, for the board's reachability state
and the details' hints. Each takes one extension over from a moment on (its other
extensions stay as the seeded tenant has them):

- ``unreachable``: registered, but the phone stops answering the PBX's pings;
- ``slow_ping``: registered and answering, but its pings take 1.8 s;
- ``nat_long_expiry``: UDP behind NAT refreshing only every hour (a keep-alive risk);
- ``short_expiry``: UDP behind NAT refreshing every minute (healthy: no hint);
- ``expires_first``: renews its registration only after it ran out: listed past its expiry
  for half a minute, then gone for another, then back (a 150 s cycle);
- ``address_changes``: its public port changes every five minutes (a router's NAT);
- ``stale_duplicates``: one phone listed twice (same agent and contact, new and old call-id,
  the old one about to expire);
- ``ping_rising``: its ping grows by 40 ms a minute from 20 ms (up to 900 ms).

Installed from a test (:func:`install`), the control endpoint (``POST /_sim/scenario``
``{"scenario": NAME, "extension": "105"}``), ``ccall-tui simulate --scenario NAME`` or the demo
(:func:`for_demo`: one extension of each). Like :mod:`.dropping`, a scenario replaces the
tenant's ``registrations_of`` on the instance, so the answers written ahead step aside.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from .clock import PBX_TZ
from .tenant import Device, LiveRegistration, Tenant, rng_for

MINUTE = 60
# The expires_first cycle: registered for EXPIRY_S, listed this long past its expiry, then
# gone for the rest of the gap, then registered again.
EXPIRY_S = 90
OVERDUE_S = 30
GAP_S = 60


def _device(base: Device, **changes: object) -> Device:
    return replace(base, **changes)  # type: ignore[arg-type]


@dataclass
class Trouble:
    """One scenario on one extension of ``tenant`` from ``start``."""

    tenant: Tenant
    name: str
    extension: str
    start: datetime

    def __post_init__(self) -> None:
        self.t0 = int(self.start.timestamp())
        base = self.tenant.extensions[self.extension].devices[0]
        self.device = _device(base, index=0)
        rng = rng_for(self.tenant.seed, "trouble", self.name, self.extension)
        self.call_id = f"{rng.getrandbits(32)}_{rng.getrandbits(31)}@{base.lan_ip}"
        self.old_call_id = f"{rng.getrandbits(32)}_{rng.getrandbits(31)}@{base.lan_ip}"

    def at(self, seconds: float) -> datetime:
        return datetime.fromtimestamp(self.t0 + seconds, PBX_TZ)

    def _live(self, device: Device, t: int, *, expires_s: int, reachable: bool = True, ping_ms: float = 24.0,
              call_id: str | None = None, registered: int | None = None) -> LiveRegistration:
        """Registered since ``registered`` (seconds from the start), refreshing every ``expires_s``."""
        since = min(registered if registered is not None else -expires_s // 3, t)
        refreshed = since + (t - since) - (t - since) % expires_s
        return LiveRegistration(
            extension=self.extension, device=device, registered_at=self.at(since),
            expires_at=self.at(refreshed + expires_s), call_id=call_id or self.call_id,
            reachable=reachable, ping_ms=ping_ms,
        )

    def registrations(self, moment: datetime) -> list[LiveRegistration]:
        t = int(moment.timestamp()) - self.t0
        return SCENARIOS[self.name](self, t)


def _unreachable(s: Trouble, t: int) -> list[LiveRegistration]:
    return [s._live(s.device, t, expires_s=600, reachable=False, ping_ms=0.0)]


def _slow_ping(s: Trouble, t: int) -> list[LiveRegistration]:
    return [s._live(s.device, t, expires_s=600, ping_ms=1800.0)]


def _nat_long_expiry(s: Trouble, t: int) -> list[LiveRegistration]:
    device = _device(s.device, transport="UDP", nat=True, expires_s=3600)
    return [s._live(device, t, expires_s=3600)]


def _short_expiry(s: Trouble, t: int) -> list[LiveRegistration]:
    device = _device(s.device, transport="UDP", nat=True, expires_s=60)
    return [s._live(device, t, expires_s=60)]


def _expires_first(s: Trouble, t: int) -> list[LiveRegistration]:
    """Registered at the start of each cycle for EXPIRY_S; then listed OVERDUE_S past expiry;
    then gone until the cycle ends (a new registration, a new call-id)."""
    device = _device(s.device, transport="TCP", nat=False, expires_s=EXPIRY_S)
    cycle = EXPIRY_S + GAP_S
    number, into = divmod(t, cycle)
    if into >= EXPIRY_S + OVERDUE_S:
        return []
    start = number * cycle
    rng = rng_for(s.tenant.seed, "trouble-cycle", s.extension, number)
    reg = LiveRegistration(
        extension=s.extension, device=device, registered_at=s.at(start), expires_at=s.at(start + EXPIRY_S),
        call_id=f"{rng.getrandbits(32)}_{rng.getrandbits(31)}@{device.lan_ip}", reachable=True, ping_ms=30.0,
    )
    return [reg]


def _address_changes(s: Trouble, t: int) -> list[LiveRegistration]:
    hop = max(t, 0) // (5 * MINUTE)
    device = _device(s.device, nat=True, port=20000 + (hop * 7919) % 40000)
    return [s._live(device, t, expires_s=120, registered=hop * 5 * MINUTE)]


def _stale_duplicates(s: Trouble, t: int) -> list[LiveRegistration]:
    fresh = s._live(s.device, t, expires_s=3600, registered=0)
    old = LiveRegistration(
        extension=s.extension, device=s.device, registered_at=s.at(-3500), expires_at=s.at(max(t, 0) + 45),
        call_id=s.old_call_id, reachable=False, ping_ms=0.0,
    )
    return [fresh, old]


def _ping_rising(s: Trouble, t: int) -> list[LiveRegistration]:
    ping = min(20.0 + 40.0 * max(t, 0) / MINUTE, 900.0)
    return [s._live(s.device, t, expires_s=600, ping_ms=round(ping, 2))]


SCENARIOS: dict[str, Callable[[Trouble, int], list[LiveRegistration]]] = {
    "unreachable": _unreachable,
    "slow_ping": _slow_ping,
    "nat_long_expiry": _nat_long_expiry,
    "short_expiry": _short_expiry,
    "expires_first": _expires_first,
    "address_changes": _address_changes,
    "stale_duplicates": _stale_duplicates,
    "ping_rising": _ping_rising,
}


class Troubles:
    """The scenarios installed on one tenant: extension -> its :class:`Trouble`."""

    def __init__(self, tenant: Tenant) -> None:
        self.tenant = tenant
        self.by_extension: dict[str, Trouble] = {}
        self._base = tenant.registrations_of

    def registrations_of(self, extension: str, at: datetime | None = None, *,
                         stale: bool = False) -> list[LiveRegistration]:
        trouble = self.by_extension.get(extension)
        if trouble is None:
            return self._base(extension, at, stale=stale)
        return trouble.registrations((at or self.tenant.now()).astimezone(PBX_TZ))

    def _registrations(self, at: datetime | None = None, *, stale: bool = False) -> list[LiveRegistration]:
        return Tenant.registrations(self.tenant, at, stale=stale)


def install(tenant: Tenant, name: str, extension: str | None = None, start: datetime | None = None) -> Trouble:
    """Play scenario ``name`` on ``extension`` (default: the first registering extension not
    taken by another scenario) from ``start`` (default: now); ``"none"`` ends the scenario
    playing on ``extension``. Raises ValueError / KeyError."""
    if name not in SCENARIOS and name != "none":
        raise ValueError(f"no scenario {name!r}; one of: {', '.join(SCENARIOS)}, none")
    troubles = _troubles_of(tenant)
    if name == "none":  # the extension lives as the seeded tenant has it again
        if extension is None or str(extension).strip() not in troubles.by_extension:
            raise KeyError(f"no scenario plays on extension {extension!r}")
        trouble = troubles.by_extension.pop(str(extension).strip())
        tenant.version += 1
        return trouble
    if extension is None:
        extension = _free_extension(tenant, troubles)
    extension = str(extension).strip()
    if extension not in tenant.extensions:
        raise KeyError(f"no extension {extension!r} in this tenant")
    trouble = Trouble(tenant, name, extension, (start or tenant.now()).astimezone(PBX_TZ))
    troubles.by_extension[extension] = trouble
    tenant.version += 1
    return trouble


def _troubles_of(tenant: Tenant) -> Troubles:
    found = getattr(tenant, "_troubles", None)
    if isinstance(found, Troubles):
        return found
    troubles = Troubles(tenant)
    tenant._troubles = troubles  # type: ignore[attr-defined]
    tenant.registrations_of = troubles.registrations_of  # type: ignore[method-assign]
    tenant.registrations = troubles._registrations  # type: ignore[method-assign]
    return troubles


def _free_extension(tenant: Tenant, troubles: Troubles) -> str:
    steered = tenant.steered()
    for number, ext in tenant.extensions.items():
        if not ext.never_registers and number not in troubles.by_extension and number not in steered:
            return number
    raise ValueError("no free extension left for a scenario")


# The demo shows each on an extension of its own, from the top of the tenant down (the story
# extension of the dropping scenario is picked from the busiest ones).
def for_demo(tenant: Tenant) -> list[Trouble]:
    """One extension in each scenario, from now (install after :func:`.dropping.for_demo`)."""
    taken = set(tenant.steered())
    dropping = getattr(tenant.registrations_of, "__self__", None)
    if dropping is not None and hasattr(dropping, "extension"):
        taken.add(dropping.extension)
    free = [n for n, e in reversed(tenant.extensions.items()) if not e.never_registers and n not in taken]
    start = tenant.now()
    return [install(tenant, name, extension, start) for name, extension in zip(SCENARIOS, free)]


__all__ = ["SCENARIOS", "Trouble", "Troubles", "for_demo", "install"]
