"""The registrations answer of a large tenant, built from precomputed row bytes.

At 50,000 extensions, building every row afresh (a seeded generator per device, a dict per
row, one big ``json.dumps``) takes over a second a poll. Almost nothing in a row changes
between polls: a device keeps its call-id, contact, agent and ping for a whole online period,
only ``expsecs(...)`` counts down (and ``exp(...)`` moves on at each refresh). So each
device's row is kept as two pieces of JSON text around its status, per period, and a poll
only writes the status between them.

The bytes are exactly those of the plain path (``wire.registration_row`` + ``json.dumps``),
which the tests check. The plain path is used instead whenever the answer is not the plain
one: a quirk or hostile switch that reshapes it, an extension steered by hand (forced,
renamed, given another agent), or ``tenant.registrations`` / ``registrations_of`` replaced on
the tenant (tests and scenarios such as sim/dropping.py do that).
"""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from . import wire
from .clock import PBX_TZ

if TYPE_CHECKING:  # pragma: no cover
    from .faults import Faults
    from .tenant import Device, Tenant

_OPEN = b'{"response": {"registrations": ['
_CLOSE = b"]}}"
_STATUS_KEY = "status"


class _Slot:
    """One device in one online/offline period: whether it is online and, if so, its row."""

    __slots__ = ("period", "online", "head", "tail", "since_ts", "expires_s", "transport", "refresh", "exp_text")

    def __init__(self, period: int, online: bool) -> None:
        self.period = period
        self.online = online
        self.head = b""  # the row's JSON up to the status's opening quote, as UTF-8
        self.tail = b""  # from the status's closing quote to the end of the row
        self.since_ts = 0  # the period's start, seconds since the epoch
        self.expires_s = 0
        self.transport = ""
        self.refresh = -1
        self.exp_text = ""


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICRO = timedelta(microseconds=1)


class RegistrationBodies:
    """Answers ``/ext_reg/json`` for ``tenant`` from kept row pieces (one slot per device)."""

    def __init__(self, tenant: Tenant) -> None:
        self.tenant = tenant
        self._slots: dict[tuple[str, int], _Slot] = {}
        # One answer written at a time: a poll that arrives while the slots are first filled
        # (seconds at 50,000) waits for them instead of filling them a second time.
        self._lock = threading.Lock()
        # Every device that may register, in answer order (the tenant's extensions are fixed).
        self._devices = [
            (number, device, (number, device.index))
            for number, extension in tenant.extensions.items() if not extension.never_registers
            for device in extension.devices
        ]

    def applies(self, faults: Faults) -> bool:
        """Whether the answer is the plain one this class writes."""
        replaced = vars(self.tenant)  # a scenario or a test that replaced how phones register
        return faults.plain_registrations() and "registrations" not in replaced and "registrations_of" not in replaced

    def body(self, now: datetime, faults: Faults) -> bytes:
        """The whole answer at ``now``, as the plain path would write it."""
        with self._lock:
            return self._body(now, faults)

    def _body(self, now: datetime, faults: Faults) -> bytes:
        tenant = self.tenant
        moment = now.astimezone(PBX_TZ)
        now_us = (moment - _EPOCH) // _MICRO
        seconds = now_us // 1_000_000  # int(moment.timestamp()), as Tenant._period reads it
        steered = tenant.steered()
        slots = self._slots
        rows: list[bytes] = []
        done_steered: set[str] = set()
        for number, device, key in self._devices:
            if steered and number in steered:
                if number not in done_steered:
                    done_steered.add(number)
                    rows.extend(self._steered_rows(number, moment, faults))
                continue
            slot = slots.get(key)
            if slot is None or slot.period != (seconds - device.phase_s) // device.online_s:
                slot = self._slot(number, device, moment, faults)
            if slot.online:
                rows.append(self._row(slot, now_us))
        # A steered extension that never registers by itself (forced online) has no device
        # in the list above: its rows go where its number falls, as the plain path puts them.
        missing = steered - done_steered
        if missing:
            return self._with_steered_rest(moment, faults)
        return _OPEN + b", ".join(rows) + _CLOSE

    # ------------------------------------------------------------------ slots

    def _steered_rows(self, number: str, moment: datetime, faults: Faults) -> list[bytes]:
        tenant = self.tenant
        return [
            json.dumps(wire.registration_row(tenant, reg, moment, faults), ensure_ascii=False).encode("utf-8")
            for reg in tenant.registrations_of(number, moment)
        ]

    def _with_steered_rest(self, moment: datetime, faults: Faults) -> bytes:
        """The answer in extension order when a steered extension is outside the device list."""
        tenant = self.tenant
        steered = tenant.steered()
        now_us = (moment - _EPOCH) // _MICRO
        rows: list[bytes] = []
        for number, extension in tenant.extensions.items():
            if number in steered:
                rows.extend(self._steered_rows(number, moment, faults))
            elif not extension.never_registers:
                for device in extension.devices:
                    slot = self._slot(number, device, moment, faults)
                    if slot.online:
                        rows.append(self._row(slot, now_us))
        return _OPEN + b", ".join(rows) + _CLOSE

    def _slot(self, number: str, device: Device, moment: datetime, faults: Faults) -> _Slot:
        period, start = self.tenant._period(device, moment)
        key = (number, device.index)
        slot = self._slots.get(key)
        if slot is not None and slot.period == period:
            return slot
        tenant = self.tenant
        slot = _Slot(period, tenant._device_online(number, device, moment))
        if slot.online:
            reg = tenant._live(number, device, moment)
            row = wire.registration_row(tenant, reg, moment, faults)
            keys = list(row)
            cut = keys.index(_STATUS_KEY)
            head = json.dumps({k: row[k] for k in keys[:cut]}, ensure_ascii=False)
            tail = json.dumps({k: row[k] for k in keys[cut + 1:]}, ensure_ascii=False)
            slot.head = (head[:-1] + ', "status": "').encode("utf-8")
            slot.tail = ('", ' + tail[1:]).encode("utf-8")
            slot.since_ts = start
            slot.expires_s = device.expires_s
            slot.transport = device.transport + ("-NAT" if device.nat else "")
        self._slots[key] = slot
        return slot

    @staticmethod
    def _row(slot: _Slot, now_us: int) -> bytes:
        # As Tenant._live and wire.registration_row compute it, in whole microseconds: the last
        # refresh is the latest multiple of expires_s since the period began; the status
        # counts down to the expiry after it.
        elapsed = (now_us - slot.since_ts * 1_000_000) // 1_000_000
        refresh = elapsed - elapsed % slot.expires_s
        expires_ts = slot.since_ts + refresh + slot.expires_s
        if refresh != slot.refresh:
            slot.exp_text = f"{datetime.fromtimestamp(expires_ts, PBX_TZ):%Y-%m-%d %H:%M:%S}"
            slot.refresh = refresh
        secs = max(0, (expires_ts * 1_000_000 - now_us) // 1_000_000)
        status = f"Registered({slot.transport})(unknown) exp({slot.exp_text}) expsecs({secs})"
        return slot.head + status.encode("ascii") + slot.tail
