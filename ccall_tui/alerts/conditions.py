"""What each kind of rule finds right now: the keys (extensions, callers' numbers, ``""`` for the
whole tenant) whose condition holds, each with its one sentence. Pure functions of a
:class:`Context` the engine fills; no I/O, no clock of their own. The rules on the board are
here, the rules on calls in :mod:`.call_conditions`, what both look at and find in
:mod:`.findings`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta

from ..i18n import _
from ..monitor.roster import extension_sort_key
from ..monitor.states import ExtensionState, ExtensionTile
from .call_conditions import asr_below, missed_call, mos_low, not_registered
from .findings import Context, Finding, duration_text, short_number, who
from .findings import pct as _pct
from .findings import whole_minutes as _minutes
from .rules import Rule

__all__ = ["EVALUATORS", "Context", "Finding", "duration_text", "members", "online_counts", "short_number", "who"]

ONLINE, OFFLINE, UNKNOWN = ExtensionState.ONLINE, ExtensionState.OFFLINE, ExtensionState.UNKNOWN
UNREACHABLE = ExtensionState.UNREACHABLE


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
