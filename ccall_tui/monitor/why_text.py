"""The words of the "why didn't it ring?" card: the verdict sentence of each path and the
lines of facts, plain strings in the current language (the card renders them as text, never
as markup: agents, numbers and causes come from outside). No Textual.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from ..api.cdrs import CallRecord
from ..causes import explain as explain_cause
from ..i18n import _, ngettext
from .format import direction_word
from .states import ExtensionState
from .why_history import KNOWN, NO_HISTORY, NOT_RECORDING, POLLS_FAILING, DeviceAt, RegistrationAt

if TYPE_CHECKING:
    from .why import Overlap, Why

CAUSE_LIMIT = 40


def hm(moment: datetime | None, tz: tzinfo, ref: datetime | None = None) -> str:
    """``10:42`` (with the date when it is another day than ``ref``)."""
    if moment is None:
        return "?"
    local = moment.astimezone(tz)
    if ref is not None and local.date() != ref.astimezone(tz).date():
        return local.strftime("%Y-%m-%d %H:%M")
    return local.strftime("%H:%M")


def cause_of(record: CallRecord) -> str:
    cause = (record.status or "").strip()
    return cause[:CAUSE_LIMIT] if cause else _("no hangup cause")


def device_name(device: DeviceAt) -> str:
    """``Yealink SIP-T46S at 203.0.113.7``: the model (the agent's first two words) and where."""
    model = " ".join((device.agent or "").split()[:2]) or _("a phone")
    return _("{model} at {ip}").format(model=model, ip=device.ip) if device.ip else model


def devices_word(count: int) -> str:
    return ngettext("{n} phone", "{n} phones", count).format(n=count)


def usual_words(usual: float | None) -> str:
    if usual is None:
        return _("no answered call to compare with")
    return _("it usually answers in {seconds} s").format(seconds=f"{usual:.0f}")


def _offline_span(ext: str, reg: RegistrationAt, tz: tzinfo, ref: datetime) -> str:
    start, end = hm(reg.since, tz, ref), hm(reg.until, tz, ref)
    if reg.since_exact:
        if reg.until is not None:
            return _("{ext} was offline {start}-{end}").format(ext=ext, start=start, end=end)
        return _("{ext} was offline from {start} on").format(ext=ext, start=start)
    if reg.until is not None:
        return _("{ext} was offline from at least {start} until {end}").format(ext=ext, start=start, end=end)
    return _("{ext} was offline from at least {start} on").format(ext=ext, start=start)


def departure_words(reg: RegistrationAt) -> str:
    """``Yealink SIP-T46S at 203.0.113.7 stopped refreshing`` (every device that left)."""
    parts = [
        (_("{device} stopped refreshing") if d.expired else _("{device} unregistered before its expiry"))
        .format(device=device_name(d.device))
        for d in reg.departures
    ]
    return "; ".join(parts)


def _no_data(ext: str, reg: RegistrationAt | None, tz: tzinfo, time: str, cause: str, ref: datetime) -> str:
    if reg is None or reg.coverage == NO_HISTORY:
        return _("No history is kept here, so the card cannot tell whether {ext} was registered at {time}; "
                 "this call ended {cause}").format(ext=ext, time=time, cause=cause)
    if reg.coverage == NOT_RECORDING:
        if reg.gap_start is not None and reg.gap_end is not None:
            return _("Nothing was recording {start}-{end}, so the card cannot tell whether {ext} was registered "
                     "at {time}; this call ended {cause}").format(
                start=hm(reg.gap_start, tz, ref), end=hm(reg.gap_end, tz, ref), ext=ext, time=time, cause=cause)
        if reg.first_record is not None and reg.first_record > reg.at:
            return _("The history begins at {first}, after this call, so the card cannot tell whether {ext} was "
                     "registered at {time}; this call ended {cause}").format(
                first=hm(reg.first_record, tz, ref), ext=ext, time=time, cause=cause)
        return _("The history has no record of {time}, so the card cannot tell whether {ext} was registered; "
                 "this call ended {cause}").format(ext=ext, time=time, cause=cause)
    if reg.coverage == POLLS_FAILING:
        return _("The board's polls were failing at {time} ({reason}), so the card cannot tell whether {ext} "
                 "was registered; this call ended {cause}").format(
            time=time, reason=(reason_text(reg.reason)), ext=ext, cause=cause)
    return _("The history has no record of {ext} at {time} (it was not on the board), so the card cannot tell "
             "whether it was registered; this call ended {cause}").format(ext=ext, time=time, cause=cause)


def reason_text(reason: str | None) -> str:
    return (reason or _("no reason given"))[:80]


def verdict_of(kind: str, record: CallRecord, ext: str | None, reg: RegistrationAt | None,
               overlaps: Sequence[Overlap], usual: float | None, tz: tzinfo) -> str:
    """The one sentence of ``kind`` (a path chosen by :func:`~.why.judge`)."""
    cause = cause_of(record)
    ref = record.start
    time = hm(record.start, tz)
    name = ext or ""
    if kind == "answered":
        if record.tta_s is not None:
            return _("This call was answered after {seconds} s: nothing kept it from ringing").format(
                seconds=f"{record.tta_s:.0f}")
        return _("This call was answered: nothing kept it from ringing")
    if kind == "outbound":
        return _("This call went out to {number}: {cause} came from the far end or the carrier, not from a "
                 "phone here").format(number=record.destination or "?", cause=cause)
    if kind == "not_extension":
        if not (record.destination or "").strip():
            return _("This record names no destination; this call ended {cause}").format(cause=cause)
        return _("{number} is a number, not an extension: an inbound route chose which phone rang and the "
                 "record does not say which; this call ended {cause}").format(number=record.destination, cause=cause)
    if kind == "no_start":
        return _("This record has no start time, so the card cannot place it in the history; it ended {cause}"
                 ).format(cause=cause)
    if kind == "offline" and reg is not None:
        span = _offline_span(name, reg, tz, ref or reg.at)
        away = departure_words(reg)
        detail = f" ({away})" if away else ""
        return _("{span}{detail}; this call at {time} ended {cause}").format(
            span=span, detail=detail, time=time, cause=cause)
    if kind == "busy" and overlaps:
        first = overlaps[0]
        call = (_("a call from {number}") if first.incoming else _("a call to {number}")).format(number=first.other)
        if len(overlaps) > 1:
            return _("{ext} was on {count} other calls (the first {call}, {start}-{end}) when this one came at "
                     "{time}; it ended {cause}").format(
                ext=name, count=len(overlaps), call=call, start=hm(first.start, tz, ref), end=hm(first.end, tz, ref),
                time=time, cause=cause)
        return _("{ext} was on another call ({call}, {start}-{end}) when this one came at {time}; it ended {cause}"
                 ).format(ext=name, call=call, start=hm(first.start, tz, ref), end=hm(first.end, tz, ref),
                          time=time, cause=cause)
    if kind == "no_data" or reg is None or reg.coverage != KNOWN:
        return _no_data(name, reg, tz, time, cause, ref or datetime.now(tz))
    if kind == "never_registered":
        return _("{ext} had not registered a phone since the history began ({first}); this call at {time} "
                 "ended {cause}").format(ext=name, first=hm(reg.first_record, tz, ref), time=time, cause=cause)
    if kind == "unreachable":
        device = reg.devices[0]
        if device.reachable_since is None:
            return _("{ext} was registered but {device} did not answer the PBX's pings; this call at {time} ended "
                     "{cause}").format(ext=name, device=device_name(device), time=time, cause=cause)
        return _("{ext} was registered but {device} did not answer the PBX's pings (since {since}); this call "
                 "at {time} ended {cause}").format(
            ext=name, device=device_name(device), since=hm(device.reachable_since, tz, ref), time=time, cause=cause)
    phones = devices_word(reg.device_count)
    if kind == "nobody_answered":
        return _("{ext} was registered ({phones}) and on no other call: it rang and nobody answered ({usual}); "
                 "this call at {time} ended {cause}").format(
            ext=name, phones=phones, usual=usual_words(usual), time=time, cause=cause)
    if kind == "caller_hung_up":
        return _("{ext} was registered ({phones}) and on no other call; the caller hung up at {time} before "
                 "anyone answered ({usual})").format(ext=name, phones=phones, time=time, usual=usual_words(usual))
    return _("{ext} was registered ({phones}) and on no other call at {time}; the PBX ended the call {cause}: "
             "{meaning}").format(ext=name, phones=phones, time=time, cause=cause, meaning=explain_cause(record.status))


def _state_line(reg: RegistrationAt, tz: tzinfo, ref: datetime) -> str:
    if reg.state is ExtensionState.ONLINE:
        word = _("registered ({phones}) since {since}").format(phones=devices_word(reg.device_count),
                                                               since=hm(reg.since, tz, ref))
    elif reg.state is ExtensionState.OFFLINE:
        word = _("offline since {since}").format(since=hm(reg.since, tz, ref))
    else:
        word = _("never registered")
    if not reg.since_exact and reg.state is not ExtensionState.NEVER_SEEN:
        word += " " + _("(at least: the history began then)")
    if reg.until is not None:
        word += ", " + _("until {until}").format(until=hm(reg.until, tz, ref))
    return word


def _device_line(device: DeviceAt, tz: tzinfo, ref: datetime) -> str:
    parts = [device.agent or _("unknown phone")]
    where = " ".join(p for p in (device.address, device.transport) if p)
    if where:
        parts.append(where)
    if device.reachable is None:
        parts.append(_("reachability not recorded"))
    elif device.reachable_since is None:  # read from a change noted later
        parts.append(_("reachable then (a later ping change says so)") if device.reachable
                     else _("unreachable then (a later ping change says so)"))
    elif device.reachable:
        parts.append(_("reachable since {since}").format(since=hm(device.reachable_since, tz, ref)))
    else:
        parts.append(_("unreachable since {since}").format(since=hm(device.reachable_since, tz, ref)))
    return " · ".join(parts)


def fact_lines(why: Why, tz: tzinfo) -> list[tuple[str, str]]:
    """(label, value) lines of the card, in order; values are plain text."""
    record = why.record
    ref = record.start or datetime.now(tz)
    lines = [(_("Call"), " ".join(p for p in (
        hm(record.start, tz), direction_word(record.direction), record.source or "?", "→",
        record.destination or "?", "·", cause_of(record)) if p))]
    if why.extension is None:
        return lines
    lines.append((_("Extension"), why.extension))
    reg = why.registration
    if reg is not None:
        if reg.coverage == KNOWN:
            lines.append((_("At the call"), _state_line(reg, tz, ref)))
            for device in reg.devices:
                lines.append((_("Phone"), _device_line(device, tz, ref)))
            if reg.departures:
                lines.append((_("Went away"), departure_words(reg)))
        else:
            lines.append((_("At the call"), _("no record in the history")))
    if reg is None:  # answered, or no start time: nothing else was looked at
        return lines
    if why.calls_error:
        lines.append((_("Other calls"), why.calls_error))
    else:
        busy = [
            "{start}-{end} {call}".format(
                start=hm(o.start, tz, ref), end=hm(o.end, tz, ref),
                call=(_("a call from {number}") if o.incoming else _("a call to {number}")).format(number=o.other))
            for o in why.overlaps
        ]
        lines.append((_("Other calls"), "; ".join(busy) if busy else _("none going on")))
        usual = (
            ngettext("{seconds} s (median of {n} answered call in the 3 days before)",
                     "{seconds} s (median of {n} answered calls in the 3 days before)", why.answered_sample)
            .format(seconds=f"{why.usual_answer_s:.0f}", n=why.answered_sample)
            if why.usual_answer_s is not None else _("no answered call in the 3 days before")
        )
        lines.append((_("Usually answers"), usual))
    return lines


__all__ = ["cause_of", "departure_words", "device_name", "fact_lines", "hm", "verdict_of"]
