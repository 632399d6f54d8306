"""The rules on the calls of the last minutes (the call records the follower keeps): missed
calls not called back, the answer rate, audio quality, calls failing because an extension is not
registered. Pure functions of a :class:`~ccall_tui.alerts.findings.Context`, as the
registration rules in :mod:`ccall_tui.alerts.conditions` are."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from ..api.cdrs import CallRecord
from ..i18n import _
from ..monitor.states import ExtensionState
from .findings import Context, Finding, short_number, who
from .findings import pct as _pct
from .rules import CALL_CAUSES_NOT_REGISTERED, Rule

ONLINE = ExtensionState.ONLINE


def _window(rule: Rule, ctx: Context) -> Iterator[CallRecord]:
    start = ctx.now - timedelta(minutes=rule.minutes)
    for call in ctx.calls:
        if call.start is not None and start <= call.start <= ctx.now:
            if rule.direction is None or call.direction == rule.direction:
                yield call


def _in_target(rule: Rule, ctx: Context, extension: str | None) -> bool:
    if not extension:
        return False
    tile = ctx.board.get(extension)
    return rule.target.contains(extension, tile.label if tile else None, ctx.watched)


def missed_call(rule: Rule, ctx: Context, active: set[str]) -> dict[str, Finding] | None:
    """Inbound calls nobody answered, one alert per caller, until someone calls back (or the
    caller gets through), or the call is older than the rule's ``minutes``."""
    contacts = ctx.contacts()
    missed: dict[str, list[CallRecord]] = {}
    for call in _window(rule, ctx):
        if call.direction != "inbound" or call.answered or not call.source:
            continue
        if not _in_target(rule, ctx, call.destination):
            continue
        number = short_number(call.source)
        if not number:
            continue
        answered_at = contacts.get(number)
        if answered_at is not None and call.start is not None and answered_at >= call.start:
            continue
        missed.setdefault(number, []).append(call)
    found = {}
    for number, calls in missed.items():
        calls.sort(key=lambda c: c.start or ctx.now)
        last = calls[-1]
        caller = last.source or number
        name = f" ({last.cid_name})" if last.cid_name and last.cid_name != caller else ""
        destination = last.destination or "?"
        when = last.start.strftime("%H:%M") if last.start else "?"
        found[number] = Finding(
            number,
            _("Missed call from {caller}{name} to {who} at {time}: call back {caller}").format(
                caller=caller, name=name, who=who(ctx.board.get(destination), destination), time=when),
            extension=destination, number=caller, value=float(len(calls)),
            details={"calls": len(calls), "call_ids": [c.call_id for c in calls if c.call_id][-10:],
                     "first": calls[0].start.isoformat() if calls[0].start else None},
        )
    return found


def asr_below(rule: Rule, ctx: Context, active: set[str]) -> dict[str, Finding] | None:
    calls = list(_window(rule, ctx))
    if len(calls) < rule.min_calls:
        return {}
    answered = sum(1 for call in calls if call.answered)
    asr = 100.0 * answered / len(calls)
    threshold = rule.percent + (rule.hysteresis if "" in active else 0.0)
    if asr >= threshold:
        return {}
    return {"": Finding(
        "",
        _("Answer rate {asr}% over the last {minutes} min ({answered} of {total} calls), below {threshold}%").format(
            asr=_pct(round(asr, 1)), minutes=_pct(rule.minutes), answered=answered, total=len(calls),
            threshold=_pct(rule.percent)),
        value=round(asr, 1), details={"answered": answered, "calls": len(calls)},
    )}


def mos_low(rule: Rule, ctx: Context, active: set[str]) -> dict[str, Finding] | None:
    scored = [call.mos for call in _window(rule, ctx) if call.mos is not None]
    if len(scored) < rule.min_calls:
        return {}
    poor = sum(1 for mos in scored if mos < rule.mos)
    share = 100.0 * poor / len(scored)
    threshold = rule.percent - (rule.hysteresis if "" in active else 0.0)
    if share <= threshold:
        return {}
    return {"": Finding(
        "",
        _("{share}% of answered calls over the last {minutes} min had MOS below {mos} ({poor} of {total}), above {threshold}%").format(
            share=_pct(round(share, 1)), minutes=_pct(rule.minutes), mos=rule.mos, poor=poor, total=len(scored),
            threshold=_pct(rule.percent)),
        value=round(share, 1), details={"poor": poor, "calls": len(scored), "mos_below": rule.mos},
    )}


def not_registered(rule: Rule, ctx: Context, active: set[str]) -> dict[str, Finding] | None:
    """Calls to a watched extension failed because it was not registered; resolved when the
    extension registers again (or no such call is left in the window)."""
    latest: dict[str, CallRecord] = {}
    for call in _window(rule, ctx):
        cause = (call.status or "").upper()
        if cause not in CALL_CAUSES_NOT_REGISTERED or not _in_target(rule, ctx, call.destination):
            continue
        destination = call.destination or ""
        previous = latest.get(destination)
        if previous is None or (previous.start or ctx.now) < (call.start or ctx.now):
            latest[destination] = call
    found = {}
    for extension, call in latest.items():
        tile = ctx.board.get(extension)
        if tile is not None and tile.state is ONLINE and call.start is not None and tile.since >= call.start:
            continue
        found[extension] = Finding(
            extension,
            _("Calls to {who} fail with {cause}: it is not registered").format(
                who=who(tile, extension), cause=(call.status or "").upper()),
            extension=extension, details={"cause": (call.status or "").upper(), "call_id": call.call_id,
                                          "at": call.start.isoformat() if call.start else None},
        )
    return found
