"""What each kind of rule finds right now: the keys (extensions, callers' numbers, ``""`` for the
whole tenant) whose condition holds, each with its one sentence. Pure functions of a
:class:`Context` the engine fills; no I/O, no clock of their own."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ..api.cdrs import CallRecord
from ..i18n import _
from ..monitor.board import ExtensionBoard
from ..monitor.roster import extension_sort_key
from ..monitor.states import ExtensionState, ExtensionTile
from .rules import CALL_CAUSES_NOT_REGISTERED, Rule

ONLINE, OFFLINE, UNKNOWN = ExtensionState.ONLINE, ExtensionState.OFFLINE, ExtensionState.UNKNOWN
UNREACHABLE = ExtensionState.UNREACHABLE
_DIGITS = re.compile(r"\D")


@dataclass(slots=True)
class Finding:
    """A condition that holds for one key. ``message``: the sentence, or a function writing it
    (called only when the alert fires: thousands of offline phones hold every tick)."""

    key: str
    message: str | Callable[[], str]
    extension: str | None = None
    number: str | None = None
    value: float | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def text(self) -> str:
        return self.message if isinstance(self.message, str) else self.message()


@dataclass(slots=True)
class Context:
    """What the rules look at, at one tick."""

    now: datetime
    board: ExtensionBoard
    watched: frozenset[str]
    # None while the board has fresh data; else since when polling fails (or never succeeded)
    failing_since: datetime | None
    failure_reason: str | None
    flap_times: Mapping[str, Sequence[datetime]]
    unreachable_since: Mapping[str, datetime]
    calls: Sequence[CallRecord]
    # the extensions the board holds offline, in number order (kept by the engine from the
    # board's changes: a rule does not walk the whole board to find them)
    offline: Sequence[str] = ()
    # rule name -> (what the members were computed from, the member extensions)
    member_cache: dict[str, tuple[tuple[Any, ...], list[str]]] = field(default_factory=dict)
    _contacts: dict[str, datetime] | None = None

    @property
    def board_fresh(self) -> bool:
        return self.board.updated_at is not None and self.failing_since is None

    def contacts(self) -> dict[str, datetime]:
        """Number -> the latest start of a call that reached it or came from it answered
        (a call back, or the caller got through)."""
        if self._contacts is None:
            found: dict[str, datetime] = {}
            for call in self.calls:
                if call.start is None:
                    continue
                if call.direction == "inbound" and call.answered and call.source:
                    number = short_number(call.source)
                elif call.direction in ("outbound", "local") and call.destination:
                    number = short_number(call.destination)
                else:
                    continue
                if number and (number not in found or found[number] < call.start):
                    found[number] = call.start
            self._contacts = found
        return self._contacts


def short_number(number: str) -> str:
    """The digits that name a number whatever its prefix: ``+84 90 123 4567`` and
    ``0901234567`` are the same caller (the last nine digits)."""
    return _DIGITS.sub("", number)[-9:]


def who(tile: ExtensionTile | None, extension: str) -> str:
    name = tile.name if tile is not None else None
    return f"{extension} ({name})" if name else extension


def members(rule: Rule, ctx: Context) -> Iterator[ExtensionTile]:
    """The tiles of the rule's group. Who belongs to a group changes only when tiles come or
    go or the labels change: the list is kept between ticks (a group of numbers only is
    looked up directly), so a tick costs the group's size, not the board's."""
    target = rule.target
    tiles = ctx.board.tiles
    if target.everyone:
        yield from tiles.values()
        return
    if not target.labels and not target.watched:
        for extension in target.extensions:
            tile = tiles.get(extension)
            if tile is not None:
                yield tile
        return
    basis = (id(tiles), len(tiles), id(ctx.board.labels), ctx.watched)
    cached = ctx.member_cache.get(rule.name)
    if cached is None or cached[0] != basis:
        found = [ext for ext, tile in tiles.items() if target.contains(ext, tile.label, ctx.watched)]
        cached = ctx.member_cache[rule.name] = (basis, found)
    for extension in cached[1]:
        tile = tiles.get(extension)
        if tile is not None:
            yield tile


def _minutes(delta: timedelta) -> int:
    return max(0, int(delta.total_seconds() // 60))


def duration_text(delta: timedelta) -> str:
    """``45 s``, ``5 min``, ``2 h 5 min`` (whole units, rounded down)."""
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 60:
        return _("{n} s").format(n=seconds)
    if seconds < 3600:
        return _("{n} min").format(n=seconds // 60)
    return _("{h} h {m} min").format(h=seconds // 3600, m=seconds // 60 % 60)


def _pct(value: float) -> str:
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}"


# --------------------------------------------------------------------------- registrations


def offline(rule: Rule, ctx: Context, active: set[str]) -> dict[str, Finding] | None:
    if not ctx.board_fresh:
        return None
    limit = timedelta(minutes=rule.minutes)
    found = {}
    target, tiles = rule.target, ctx.board.tiles
    candidates: Iterable[str] = ctx.offline
    if not target.everyone and not target.labels and not target.watched and len(target.extensions) < len(ctx.offline):
        candidates = sorted(target.extensions, key=extension_sort_key)  # a few numbers: look at those
    for extension in candidates:
        tile = tiles.get(extension)
        if tile is None or tile.state is not OFFLINE:
            continue
        if not target.everyone and not target.contains(extension, tile.label, ctx.watched):
            continue
        if ctx.now - tile.since >= limit:
            found[tile.extension] = Finding(
                tile.extension,
                lambda tile=tile: offline_sentence(tile, ctx.now),  # type: ignore[misc]
                extension=tile.extension, value=float(_minutes(ctx.now - tile.since)),
                details={"since": tile.since, "since_known": tile.since_known},
            )
    return found


def offline_sentence(tile: ExtensionTile, now: datetime) -> str:
    """Since when it is offline is a lower bound when it went before the board first looked."""
    if tile.since_known:
        return _("{who} has been offline for {duration}").format(
            who=who(tile, tile.extension), duration=duration_text(now - tile.since))
    return _("{who} has been offline for at least {duration}").format(
        who=who(tile, tile.extension), duration=duration_text(now - tile.since))


def flapping(rule: Rule, ctx: Context, active: set[str]) -> dict[str, Finding] | None:
    if not ctx.board_fresh:
        return None
    start = ctx.now - timedelta(minutes=rule.minutes)
    found = {}
    for extension, times in ctx.flap_times.items():
        count = sum(1 for moment in times if moment > start)
        if count <= rule.flaps:
            continue
        tile = ctx.board.get(extension)
        if tile is None or not rule.target.contains(extension, tile.label, ctx.watched):
            continue
        found[extension] = Finding(
            extension,
            _("{who} dropped off {count} times in {minutes} min").format(
                who=who(tile, extension), count=count, minutes=_pct(rule.minutes)),
            extension=extension, value=float(count), details={"flaps": count, "window_min": rule.minutes},
        )
    return found


def online_below(rule: Rule, ctx: Context, active: set[str]) -> dict[str, Finding] | None:
    if not ctx.board_fresh:
        return None
    online, unreachable, total = online_counts(rule, ctx)
    if not total:
        return {}
    share = 100.0 * online / total
    threshold = rule.percent + (rule.hysteresis if "" in active else 0.0)
    if share >= threshold:
        return {}
    text = _("Only {online} of {total} extensions are online ({share}%, below {threshold}%)").format(
        online=online, total=total, share=_pct(round(share, 1)), threshold=_pct(rule.percent))
    if unreachable:
        text += "; " + _("{count} more registered but not answering pings").format(count=unreachable)
    return {"": Finding(
        "", text, value=round(share, 1),
        details={"online": online, "unreachable": unreachable, "total": total},
    )}


def online_counts(rule: Rule, ctx: Context) -> tuple[int, int, int]:
    """(online, unreachable, known) in the rule's group, as the board's header counts them:
    online is registered *and* answering pings (:attr:`ExtensionTile.shown`); an unreachable
    phone is registered but not online; known is every extension but the not-yet-known."""
    board = ctx.board
    if rule.target.everyone:  # the board keeps these counts
        counts = board.counts
        unreachable = counts[UNREACHABLE]
        return counts[ONLINE] - unreachable, unreachable, len(board.tiles) - counts[UNKNOWN]
    online = unreachable = total = 0
    for tile in members(rule, ctx):
        state = tile.shown
        if state is UNKNOWN:
            continue
        total += 1
        if state is ONLINE:
            online += 1
        elif state is UNREACHABLE:
            unreachable += 1
    return online, unreachable, total


def unreachable(rule: Rule, ctx: Context, active: set[str]) -> dict[str, Finding] | None:
    if not ctx.board_fresh:
        return None
    limit = timedelta(minutes=rule.minutes)
    found = {}
    for extension, since in ctx.unreachable_since.items():
        if ctx.now - since < limit:
            continue
        tile = ctx.board.get(extension)
        if tile is None or not rule.target.contains(extension, tile.label, ctx.watched):
            continue
        found[extension] = Finding(
            extension,
            lambda tile=tile, extension=extension, since=since: _(  # type: ignore[misc]
                "{who} is registered but has not answered pings for {duration}").format(
                who=who(tile, extension), duration=duration_text(ctx.now - since)),
            extension=extension, value=float(_minutes(ctx.now - since)), details={"since": since},
        )
    return found


def polling_failing(rule: Rule, ctx: Context, active: set[str]) -> dict[str, Finding] | None:
    since = ctx.failing_since
    if since is None or ctx.now - since < timedelta(minutes=rule.minutes):
        return {}
    minutes = _minutes(ctx.now - since)
    return {"": Finding(
        "",
        _("Polling has been failing for {duration}: {reason}").format(
            duration=duration_text(ctx.now - since), reason=ctx.failure_reason or "-"),
        value=float(minutes), details={"since": since.isoformat(), "reason": ctx.failure_reason},
    )}


# --------------------------------------------------------------------------- calls


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


EVALUATORS: dict[str, Callable[[Rule, Context, set[str]], dict[str, Finding] | None]] = {
    "offline": offline,
    "flapping": flapping,
    "online_below": online_below,
    "unreachable": unreachable,
    "polling_failing": polling_failing,
    "missed_call": missed_call,
    "asr_below": asr_below,
    "mos_low": mos_low,
    "not_registered": not_registered,
}
