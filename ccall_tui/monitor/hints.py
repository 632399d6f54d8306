"""Troubleshooting hints for one extension, each saying what is seen, why it matters and what
to do: UDP behind NAT with a long registration expiry, a phone that re-registers only after
its registration expired, an address that keeps changing, stale duplicate rows of one phone,
a ping time that keeps rising. And the badges a person reads at a glance (transport, NAT,
ping, several devices).

No textual: plain data from the latest answer (the board's ``registrations_of``), the flight
recorder's device timeline and the board's ping samples. Texts are translated when made.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..i18n import _, ngettext

# A NAT binding for UDP is often forgotten by a router after 30-120 s of silence: a phone that
# refreshes its registration less often than this may stop receiving calls in between.
NAT_SAFE_EXPIRY_S = 120
# An address changing this many times within ADDRESS_WINDOW is "keeps changing".
ADDRESS_CHANGES = 3
ADDRESS_WINDOW = timedelta(hours=24)
# Registrations that ran out before the phone renewed them, within the same window.
EXPIRED_TIMES = 2
# Ping samples: at least this many, over at least this long, the later half at least twice
# the earlier half and this many ms slower.
PING_SAMPLES = 6
PING_SPAN = timedelta(minutes=2)
PING_RISE_MS = 50.0

NAT_KEEPALIVE = "nat_keepalive"
EXPIRES_FIRST = "expires_first"
ADDRESS_CHANGING = "address_changing"
STALE_DUPLICATE = "stale_duplicate"
PING_RISING = "ping_rising"


@dataclass(frozen=True, slots=True)
class Hint:
    """One hint: ``kind`` (stable, for tests and JSON), what is seen, why it matters, what to do."""

    kind: str
    seen: str
    why: str
    todo: str


def behind_nat(reg: Any) -> bool:
    """The PBX saw the phone behind NAT: ``Registered(UDP-NAT)`` or ``fs_nat=yes`` in the contact."""
    status = (getattr(reg, "status", None) or "").upper()
    contact = (getattr(reg, "contact", None) or "").lower()
    return "-NAT)" in status or "fs_nat=yes" in contact


def transport_badge(reg: Any) -> str:
    """``UDP-NAT``, ``TLS``, ``WS``...: the transport as the API shows it; empty when unknown."""
    transport = (getattr(reg, "transport", None) or "").upper()
    if not transport:
        return ""
    return f"{transport}-NAT" if behind_nat(reg) else transport


def ping_badge(reg: Any) -> str:
    ping = getattr(reg, "ping_ms", None)
    return f"{ping:.0f} ms" if ping is not None else ""


def badges(regs: Sequence[Any]) -> list[str]:
    """What a person reads at a glance, shortest first to drop last: several devices (×2),
    the transports (UDP-NAT / TLS), the slowest ping (120 ms)."""
    found: list[str] = []
    if len(regs) > 1:
        found.append(f"×{len(regs)}")
    transports = list(dict.fromkeys(b for reg in regs if (b := transport_badge(reg))))
    if transports:
        found.append("/".join(transports))
    pings = [reg.ping_ms for reg in regs if getattr(reg, "ping_ms", None) is not None]
    if pings:
        found.append(f"{max(pings):.0f} ms")
    return found


def _seconds_left(reg: Any, now: datetime) -> float | None:
    expires_at = getattr(reg, "expires_at", None)
    if expires_at is not None:
        return float((expires_at - now).total_seconds())
    left = getattr(reg, "expires_in_s", None)
    return float(left) if left is not None else None


def _nat_keepalive(regs: Sequence[Any], now: datetime) -> Hint | None:
    for reg in regs:
        transport = (getattr(reg, "transport", None) or "").upper()
        left = _seconds_left(reg, now)
        if transport == "UDP" and behind_nat(reg) and left is not None and left > NAT_SAFE_EXPIRY_S:
            return Hint(
                NAT_KEEPALIVE,
                _("UDP behind NAT with a registration expiry over {n} s ({s} s left now)").format(
                    n=NAT_SAFE_EXPIRY_S, s=int(left)),
                _("A router forgets a UDP mapping after 30-120 s of silence; calls sent in between may never "
                  "reach the phone."),
                _("Set the phone's registration expiry to {n} s or less, or turn on NAT keep-alive, or use TCP/TLS.")
                .format(n=NAT_SAFE_EXPIRY_S),
            )
    return None


def _expires_first(regs: Sequence[Any], timeline: Sequence[Any], now: datetime) -> Hint | None:
    overdue = any((left := _seconds_left(reg, now)) is not None and left <= 0 for reg in regs)
    since = now - ADDRESS_WINDOW
    expired = sum(1 for change in timeline if change.kind == "expired" and change.at >= since)
    if not overdue and not (regs and expired >= EXPIRED_TIMES):
        return None
    if expired:
        seen = ngettext("Its registration ran out before it was renewed ({n} time in 24 h)",
                        "Its registration ran out before it was renewed ({n} times in 24 h)", expired).format(n=expired)
    else:
        seen = _("Its registration ran out before it was renewed")
    return Hint(
        EXPIRES_FIRST, seen,
        _("Between the expiry and the late renewal the PBX may not reach the phone: calls then fail as "
          "not registered."),
        _("Make the phone renew well before expiry (a shorter expiry, or update its firmware); check "
          "that it is not losing its network."),
    )


def _address_changing(timeline: Sequence[Any], now: datetime) -> Hint | None:
    since = now - ADDRESS_WINDOW
    changes = sum(1 for change in timeline if change.kind == "address" and change.at >= since)
    if changes < ADDRESS_CHANGES:
        return None
    return Hint(
        ADDRESS_CHANGING,
        _("Its address changed {n} times in 24 h").format(n=changes),
        _("A router that keeps giving the phone a new public port or address (or a phone moving between "
          "networks) breaks calls in progress and delays incoming ones."),
        _("Give the phone a fixed address or port on the router, turn off SIP ALG, or use TCP/TLS."),
    )


def _stale_duplicates(regs: Sequence[Any], now: datetime) -> Hint | None:
    groups: dict[tuple[str | None, str | None], set[str]] = {}
    for reg in regs:
        call_id = getattr(reg, "call_id", None)
        if call_id is None:
            continue
        groups.setdefault((getattr(reg, "agent", None), _contact_address(reg)), set()).add(call_id)
    stale = max((len(ids) for ids in groups.values()), default=0)
    if stale < 2:
        return None
    return Hint(
        STALE_DUPLICATE,
        _("One phone is listed {n} times (same phone and contact, different registrations)").format(n=stale),
        _("The phone registered again without removing its old registration (a reboot or a network change); "
          "the PBX may ring the old one, which no longer answers, until it expires."),
        _("Usually harmless and gone at the old registration's expiry; if it keeps happening, shorten the "
          "expiry or have the phone unregister on restart."),
    )


def _contact_address(reg: Any) -> str | None:
    contact = getattr(reg, "contact", None)
    if not contact:
        return None
    return str(contact).split("<", 1)[-1].split(">", 1)[0]


def _ping_rising(samples: Sequence[tuple[datetime, float]]) -> Hint | None:
    if len(samples) < PING_SAMPLES or samples[-1][0] - samples[0][0] < PING_SPAN:
        return None
    half = len(samples) // 2
    earlier = sum(p for _t, p in samples[:half]) / half
    later = sum(p for _t, p in samples[-half:]) / half
    if later < 2 * earlier or later - earlier < PING_RISE_MS:
        return None
    return Hint(
        PING_RISING,
        _("Ping rising: {before:.0f} ms earlier, {after:.0f} ms now").format(before=earlier, after=later),
        _("A slower and slower answer to the PBX's pings means a congested or failing network path: "
          "choppy audio and missed calls come next."),
        _("Check the phone's network (Wi-Fi signal, a busy uplink, the router); restart the phone if only "
          "it is affected."),
    )


def hints_for(
    regs: Sequence[Any],
    now: datetime,
    *,
    timeline: Iterable[Any] = (),
    ping_samples: Sequence[tuple[datetime, float]] = (),
) -> list[Hint]:
    """Every hint that applies to one extension: ``regs`` its registrations in the latest
    answer, ``timeline`` its device changes from the flight recorder (any order),
    ``ping_samples`` (moment, slowest ping in ms) oldest first. A healthy phone gets none."""
    changes = list(timeline)
    found = [
        _nat_keepalive(regs, now),
        _expires_first(regs, changes, now),
        _address_changing(changes, now),
        _stale_duplicates(regs, now),
        _ping_rising(ping_samples),
    ]
    return [hint for hint in found if hint is not None]


__all__ = [
    "ADDRESS_CHANGING", "EXPIRES_FIRST", "Hint", "NAT_KEEPALIVE", "PING_RISING", "STALE_DUPLICATE", "badges",
    "behind_nat", "hints_for", "ping_badge", "transport_badge",
]
