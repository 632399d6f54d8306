"""Scenario: an extension dropping during calls (for the "why didn't it ring?" card).

One extension's desk phone lives a scripted morning from ``start`` (T):

- registered since T-25 min, refreshing every 10 minutes; after its refresh at T+5 it stops
  refreshing, so its registration runs out at T+15 and it is offline until it registers
  again at T+31 (a new registration);
- from T+50 to T+60 it stays registered but stops answering the PBX's pings (Unreachable);
- calls to it, each ending the way that state makes a real PBX end it: T-20 nobody answered
  (before a recording started at T sees anything), T+3 nobody answered (online, free),
  T+22 USER_NOT_REGISTERED (offline), T+40 an answered call from another extension that
  lasts until T+44 and T+42 USER_BUSY during it, T+47 the caller hung up, T+55
  NO_USER_RESPONSE (unreachable), T+67 nobody answered, T+73 CALL_REJECTED (the phone
  declined), T+75 answered.

The tenant's own seeded calls on that extension from T-30 min to T+90 min are hidden, so
nothing contradicts the script; the other extensions live as the seed says. ``expected``
maps each scripted call id to what happened to it.

``scale`` plays it faster (every moment and length of the script times ``scale``; times to
answer stay as they are): the demo (:func:`for_demo`) plays it ten times faster from its start,
so within a few minutes the browser's ``w`` card has an offline, a busy and an unreachable
call to explain.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .calls import _ID_SCRAMBLE, Call, CallFilter
from .clock import PBX_TZ
from .life import LiveCallHistory
from .tenant import LiveRegistration, Tenant, rng_for

MINUTE = 60
EXPIRES_S = 600
REGISTERED_AT = -25 * MINUTE
REFRESHES = 3  # the refreshes after registering: the last at T+5 min
BACK_AT = 31 * MINUTE
UNREACHABLE = (50 * MINUTE, 60 * MINUTE)
HIDDEN = (-30 * MINUTE, 90 * MINUTE)
CALLER = "0903123456"
DEMO_SCALE = 0.1  # the demo plays the morning ten times faster: offline from 1.5 to 3.1 minutes in

# (minutes after start, what happened, direction, cause, seconds to answer, seconds of talk, ring seconds)
SCRIPT: tuple[tuple[int, str, str, str, int | None, int, int], ...] = (
    (-20, "before", "inbound", "NO_ANSWER", None, 0, 30),
    (3, "no_answer", "inbound", "NO_ANSWER", None, 0, 30),
    (22, "offline", "inbound", "USER_NOT_REGISTERED", None, 0, 0),
    (40, "busy_with", "local", "NORMAL_CLEARING", 5, 235, 0),
    (42, "busy", "inbound", "USER_BUSY", None, 0, 1),
    (47, "hung_up", "inbound", "ORIGINATOR_CANCEL", None, 0, 8),
    (55, "unreachable", "inbound", "NO_USER_RESPONSE", None, 0, 20),
    (67, "gap", "inbound", "NO_ANSWER", None, 0, 30),
    (73, "rejected", "inbound", "CALL_REJECTED", None, 0, 2),
    (75, "answered", "inbound", "NORMAL_CLEARING", 6, 120, 0),
)


@dataclass(frozen=True, slots=True)
class ScriptedCall:
    call: Call
    story: str


def pick_extension(tenant: Tenant) -> str:
    """The busiest extension with one desk phone (so its usual time to answer has calls)."""
    fits = [e for e in tenant.extensions.values()
            if not e.never_registers and len(e.devices) == 1 and e.devices[0].desk]
    if not fits:
        raise ValueError("no extension with one desk phone in this tenant")
    return max(fits, key=lambda e: (e.activity, -int(e.number))).number


class StoryCalls(LiveCallHistory):
    """The seeded history without the story extension's calls around the story, plus the
    story's calls."""

    def __init__(self, tenant: Tenant, extension: str, hidden: tuple[int, int], *, calls_per_day: int | None,
                 history_days: int) -> None:
        super().__init__(tenant, calls_per_day=calls_per_day, history_days=history_days)
        self.extension = extension
        self.hidden = hidden
        self.scripted: set[str] = set()

    def _hides(self, call: Call) -> bool:
        return (call.call_id not in self.scripted and self.extension in (call.source, call.destination)
                and call.start_ts <= self.hidden[1] and call.end_ts >= self.hidden[0])

    def select(self, where: CallFilter, now: datetime | None = None) -> list[Call]:
        return [c for c in super().select(where, now) if not self._hides(c)]

    def find(self, call_id: str, now: datetime | None = None) -> Call | None:
        found = super().find(call_id, now)
        return None if found is None or self._hides(found) else found


class DroppingExtension:
    """Installs the scenario on ``tenant`` (its registrations and calls) from ``start``."""

    def __init__(self, tenant: Tenant, start: datetime, extension: str | None = None, *, scale: float = 1.0) -> None:
        self.tenant = tenant
        self.start = start.astimezone(PBX_TZ)
        self.t0 = int(self.start.timestamp())
        self.scale = scale
        # Every moment and length of the script, in seconds from the start, at this scale.
        self.expires_s = self._s(EXPIRES_S)
        self.registered_at = self._s(REGISTERED_AT)
        self.last_refresh = self.registered_at + REFRESHES * self.expires_s
        self.back_at = self._s(BACK_AT)
        self.unreachable_s = (self._s(UNREACHABLE[0]), self._s(UNREACHABLE[1]))
        self.hidden_s = (self._s(HIDDEN[0]), self._s(HIDDEN[1]))
        self.extension = extension or pick_extension(tenant)
        self.device = tenant.extensions[self.extension].devices[0]
        others = [n for n, e in tenant.extensions.items() if n != self.extension and not e.never_registers]
        self.colleague = others[0]
        self.calls: list[ScriptedCall] = []
        self._base_registrations_of = tenant.registrations_of

    # ------------------------------------------------------------------ moments

    def _s(self, seconds: int) -> int:
        """``seconds`` of the script at this scale (a length never shrinks to nothing)."""
        if not seconds:
            return 0
        scaled = round(seconds * self.scale)
        return scaled if scaled else (1 if seconds > 0 else -1)

    def at(self, offset_s: int) -> datetime:
        return datetime.fromtimestamp(self.t0 + offset_s, PBX_TZ)

    @property
    def offline(self) -> tuple[datetime, datetime]:
        """When the extension was offline: its registration ran out, until it came back."""
        return self.at(self.last_refresh + self.expires_s), self.at(self.back_at)

    @property
    def unreachable(self) -> tuple[datetime, datetime]:
        return self.at(self.unreachable_s[0]), self.at(self.unreachable_s[1])

    @property
    def expected(self) -> dict[str, str]:
        """Scripted call id -> what happened (``offline``, ``busy``, ``no_answer``...)."""
        return {s.call.call_id: s.story for s in self.calls}

    def call(self, story: str) -> Call:
        return next(s.call for s in self.calls if s.story == story)

    # ------------------------------------------------------------------ install

    def install(self) -> DroppingExtension:
        tenant = self.tenant
        old = tenant.calls
        history = StoryCalls(tenant, self.extension, (self.t0 + self.hidden_s[0], self.t0 + self.hidden_s[1]),
                             calls_per_day=old.weekday_calls, history_days=old.history_days)
        rng = rng_for(tenant.seed, "dropping", self.extension, self.t0)
        for minutes, story, direction, cause, tta, talk, ring in SCRIPT:
            call = self._call(history, rng, self.t0 + self._s(minutes * MINUTE), story, direction, cause, tta,
                              self._s(talk), self._s(ring))
            self.calls.append(ScriptedCall(call, story))
            history.scripted.add(call.call_id)
            history.add_finished(call)
        tenant.calls = history
        # Set on the instance: the plain answer (tenant.registrations) then goes through it,
        # and the registrations written ahead step aside (they would not know the script).
        tenant.registrations_of = self.registrations_of  # type: ignore[method-assign]
        tenant.registrations = self._registrations  # type: ignore[method-assign]
        tenant.version += 1
        return self

    def _registrations(self, at: datetime | None = None, *, stale: bool = False) -> list[LiveRegistration]:
        return Tenant.registrations(self.tenant, at, stale=stale)

    def _call(self, history: StoryCalls, rng: Any, start_ts: int, story: str, direction: str, cause: str,
              tta: int | None, talk: int, ring: int) -> Call:
        hour = start_ts // 3600
        head = ((hour * _ID_SCRAMBLE) & 0xFFFFFFFF) ^ history._mask
        local = datetime.fromtimestamp(start_ts, PBX_TZ)
        answered = tta is not None
        source = self.colleague if direction == "local" else CALLER
        return Call(
            call_id=history._call_id(rng, head), start_ts=start_ts, start=local.strftime("%Y-%m-%d %H:%M:%S"),
            end_ts=start_ts + (tta or 0) + talk + ring, direction=direction, source=source,
            destination=self.extension, source_extension=self.colleague if direction == "local" else None,
            external_name="" if direction == "local" else "Công ty Hải Âu", cause=cause, tta=tta, talk_s=talk,
            pdd=0.9 if cause != "USER_NOT_REGISTERED" else None, mos=4.2 if answered else None,
        )

    # ------------------------------------------------------------------ registrations

    def registrations_of(self, extension: str, at: datetime | None = None, *,
                         stale: bool = False) -> list[LiveRegistration]:
        if extension != self.extension:
            return self._base_registrations_of(extension, at, stale=stale)
        moment = (at or self.tenant.now()).astimezone(PBX_TZ)
        t = int(moment.timestamp()) - self.t0
        if t < self.registered_at:
            return self._base_registrations_of(extension, at, stale=stale)
        if t < self.back_at:
            since, last, key = self.registered_at, self.last_refresh, "first"
        else:
            since, last, key = self.back_at, None, "again"
        elapsed = t - since
        refreshed = since + elapsed - elapsed % self.expires_s
        if last is not None:
            refreshed = min(refreshed, last)
        expires = refreshed + self.expires_s
        if t >= expires:
            return []  # stopped refreshing: the PBX dropped the registration at its expiry
        reachable = not self.unreachable_s[0] <= t < self.unreachable_s[1]
        rng = rng_for(self.tenant.seed, "dropping-call-id", self.extension, key)
        return [LiveRegistration(
            extension=extension, device=self.device, registered_at=self.at(since), expires_at=self.at(expires),
            call_id=f"{rng.getrandbits(32)}_{rng.getrandbits(31)}@{self.device.lan_ip}",
            reachable=reachable, ping_ms=21.5 if reachable else 0.0,
        )]


def for_demo(tenant: Tenant) -> DroppingExtension:
    """The scenario in the demo, from now, ten times faster (install it before the demo's
    life, which then keeps its calls)."""
    return DroppingExtension(tenant, tenant.now(), scale=DEMO_SCALE).install()


__all__ = ["DEMO_SCALE", "DroppingExtension", "for_demo", "SCRIPT", "ScriptedCall", "StoryCalls", "pick_extension"]
