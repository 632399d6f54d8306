"""``ccall-tui ext --check``: a Nagios / Icinga plugin.

One poll of the registrations, one status line with perfdata, and the plugin exit codes:
0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (anything that is not a verdict on the extensions: a
failure to get or read the answer, bad arguments, a broken config or rules file, no
credentials; see :func:`as_plugin`). Thresholds follow the plugin convention: ``--warning-offline 5`` warns
when *more than* 5 extensions are not online; ``10%`` is a share of the known extensions (the
roster, the extensions seen before, the ones online now). ``--rules`` evaluates the rules file's
registration rules once: an offline extension counts from when it was last seen online.

    CCALL CRITICAL - 12 of 60 not online (20%) · reception offline: 105 has been offline for 14 min
    | online=48;;;0;60 offline=12;5;10;0;60 never_seen=2;;;0;60 alerts=1;;;0; poll=0.084s;;;0;

This module is imported when the ``ext`` parser is built: only argparse and translations at the
top, the engine inside :func:`run_check`.
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..i18n import _

if TYPE_CHECKING:  # pragma: no cover
    from ..cli import Context

log = logging.getLogger("ccall_tui.check")

OK, WARNING, CRITICAL, UNKNOWN = 0, 1, 2, 3
STATUS_WORDS = {OK: "OK", WARNING: "WARNING", CRITICAL: "CRITICAL", UNKNOWN: "UNKNOWN"}
SHOWN_KEYS = 5
# Kinds one poll can judge. Flaps need a span of polls, call rules the calls, and a poll that
# fails is UNKNOWN already; a device unreachable counts from this poll (rules with minutes = 0).
CHECK_KINDS = frozenset({"offline", "online_below", "unreachable"})


def add_check_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(_("monitoring plugin (Nagios, Icinga)"))
    group.add_argument("--check", action="store_true",
                       help=_("one status line with perfdata; exit 0 ok, 1 warning, 2 critical, 3 unknown"))
    group.add_argument("--rules", action="store_true",
                       help=_("with --check: also evaluate the rules file's registration rules once"))
    group.add_argument("--warning-offline", metavar="N|N%",
                       help=_("with --check: warning when more than N (or N%%) extensions are not online"))
    group.add_argument("--critical-offline", metavar="N|N%",
                       help=_("with --check: critical when more than N (or N%%) extensions are not online"))


class CheckProblem(Exception):
    """Why the check could not judge: the UNKNOWN line."""


@dataclass(frozen=True)
class Threshold:
    value: float
    percent: bool

    @classmethod
    def parse(cls, flag: str, text: str | None) -> Threshold | None:
        if text is None:
            return None
        raw = text.strip()
        percent = raw.endswith("%")
        try:
            value = float(raw[:-1] if percent else raw)
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or value < 0 or (percent and value > 100):
            raise CheckProblem(_("{flag}: '{value}' is not a count or a percentage like 10%").format(
                flag=flag, value=raw[:40]))
        return cls(value, percent)

    def limit(self, total: int) -> float:
        """The count above which the threshold is crossed."""
        return total * self.value / 100.0 if self.percent else self.value

    def crossed(self, count: int, total: int) -> bool:
        return count > self.limit(total)


def _perf_limit(threshold: Threshold | None, total: int) -> str:
    if threshold is None:
        return ""
    limit = threshold.limit(total)
    return f"{limit:g}" if limit != int(limit) else str(int(limit))


def _one_line(text: str) -> str:
    """Plugin text may not hold ``|`` (perfdata follows it) or line breaks."""
    return "".join(ch for ch in text if ch.isprintable() and ch != "|")


def _summaries(alerts: list[Any]) -> list[str]:
    """One part per rule: its message when it found one thing, else how many and which."""
    from ..monitor.roster import extension_sort_key

    by_rule: dict[str, list[Any]] = {}
    for alert in alerts:
        by_rule.setdefault(alert.rule, []).append(alert)
    parts = []
    for rule, found in by_rule.items():
        if len(found) == 1:
            parts.append(f"{rule}: {found[0].message}")
            continue
        keys = sorted((a.extension or a.number or a.key for a in found), key=extension_sort_key)
        shown = ", ".join(keys[:SHOWN_KEYS]) + (", …" if len(keys) > SHOWN_KEYS else "")
        parts.append(f"{rule}: {len(found)} ({shown})")
    return parts


def is_plugin_call(argv: Sequence[str]) -> bool:
    """Whether a command line asks for the plugin (``ext … --check``), as argparse would read
    it: ``--check`` also written ``--check=…`` (an error, still the plugin's) or shortened to
    an unambiguous prefix (``--ch``, ``--che``, ``--chec``; ``--c`` could be
    ``--critical-offline`` as well)."""
    if "ext" not in argv:
        return False
    for arg in argv:
        name = arg.split("=", 1)[0]
        if len(name) >= len("--ch") and "--check".startswith(name):
            return True
    return False


def as_plugin(run: Callable[[list[str]], int], argv: Sequence[str]) -> int:
    """Run the command line ``argv`` with ``run`` as a monitoring plugin: whatever stops it
    before the check could judge (bad arguments, a broken config file, a log file that cannot
    be opened, the shared dispatcher's own exit codes, which are not Nagios's) is the UNKNOWN
    line with the reason, and exit 3. What the command wrote to stderr is passed on."""
    import contextlib
    import io

    global _answered
    _answered = None
    said = io.StringIO()
    code: int | str | None
    try:
        with contextlib.redirect_stderr(said):
            code = run(list(argv))
    except SystemExit as exc:  # argparse: bad arguments (2), or --help (0)
        code = exc.code
    except Exception as exc:  # never a traceback for a plugin (logged)
        log.exception("the check failed")
        said.write(_("unexpected error: {kind}").format(kind=type(exc).__name__) + "\n")
        code = UNKNOWN
    text = said.getvalue()
    if text:
        sys.stderr.write(text)
    if _answered is not None:  # the status line is out: its code, whatever failed after it
        return _answered
    if code in (0, None):  # --help: printed, nothing to judge
        return 0
    reason = next((line.strip() for line in text.splitlines() if line.strip()), "")
    reason = reason.removeprefix("ccall-tui:").strip() or _("exit status {code}").format(code=code)
    print(f"CCALL UNKNOWN - {_one_line(reason)}")
    sys.stdout.flush()
    return UNKNOWN


_answered: int | None = None
"""The code of the status line :func:`run_check` printed, if it printed one."""


def run_check(args: argparse.Namespace, ctx: Context) -> int:
    """Print the one status line; return the plugin exit code. Never a traceback, never
    another code than 0-3."""
    import asyncio

    from ..errors import AppError

    global _answered
    try:
        warning = Threshold.parse("--warning-offline", args.warning_offline)
        critical = Threshold.parse("--critical-offline", args.critical_offline)
        rules = _rules(ctx) if args.rules else ()
        code, line = asyncio.run(_check(ctx, warning, critical, rules))
    except CheckProblem as exc:
        code, line = UNKNOWN, _one_line(str(exc))
    except AppError as exc:
        code, line = UNKNOWN, _one_line(exc.message)
    except Exception as exc:  # the plugin answers UNKNOWN whatever happened (and logs it)
        log.exception("the check failed")
        code, line = UNKNOWN, _("unexpected error: {kind}").format(kind=type(exc).__name__)
    print(f"CCALL {STATUS_WORDS[code]} - {line}")
    sys.stdout.flush()
    _answered = code
    return code


def _rules(ctx: Context) -> tuple[Any, ...]:
    from .rules_file import demo_rules, load_rules

    if ctx.sim is not None:
        profile_rules = demo_rules(ctx.profile.name)
    else:
        profile_rules = load_rules().for_profile(ctx.profile.name)
    return tuple(rule for rule in profile_rules.enabled if rule.kind in CHECK_KINDS)


async def _check(ctx: Context, warning: Threshold | None, critical: Threshold | None,
                 rules: tuple[Any, ...]) -> tuple[int, str]:
    import time
    from datetime import datetime

    from ..monitor.feed import BoardFeed
    from ..monitor.states import ExtensionState
    from ..paths import state_dir

    profile = ctx.profile

    def clock() -> datetime:
        return datetime.now(profile.timezone)

    async with ctx.client() as client:
        feed = BoardFeed.for_profile(profile, state_dir(ctx.env), demo=ctx.sim is not None, interval=60.0,
                                     clock=clock, client=lambda: client, timer=_no_timer, discover=False)
        engine = None
        if rules:  # listening before the poll, as it does on the board (it sees the pings)
            from .engine import AlertEngine

            engine = AlertEngine(rules, feed, clock=clock, timer=_no_timer, watched=profile.watched)
            engine.start()
        started = time.monotonic()
        feed.poll_now()
        await feed.idle()
        took = time.monotonic() - started
        # What was seen online is remembered (merged under the store's lock, as the board's
        # own memory is): the next check knows an extension gone since as offline.
        feed.stop()
    status = feed.status
    if status.last_success is None:
        error = status.last_error
        raise CheckProblem(error.message if error is not None else _("no answer"))
    board = feed.board
    counts = board.counts
    # online as the board's header counts it: registered and answering pings (an unreachable
    # phone is registered but misses its calls: it is one of the "not online")
    unreachable = counts[ExtensionState.UNREACHABLE]
    online = counts[ExtensionState.ONLINE] - unreachable
    never = counts[ExtensionState.NEVER_SEEN]
    total = len(board) - counts[ExtensionState.UNKNOWN]
    down = total - online
    share = f"{100.0 * down / total:.0f}%" if total else "0%"

    code = OK
    if critical is not None and critical.crossed(down, total):
        code = CRITICAL
    elif warning is not None and warning.crossed(down, total):
        code = WARNING
    parts = [_("{down} of {total} not online ({share})").format(down=down, total=total, share=share)]
    if unreachable:
        parts[0] += ", " + _("{count} of them registered but not answering pings").format(count=unreachable)
    alerts = _evaluate_rules(engine, feed) if engine is not None else []
    for alert in alerts:
        code = max(code, CRITICAL if alert.severity == "critical" else WARNING)
    parts.extend(_summaries(alerts))
    if status.not_understood:
        parts.append(status.not_understood)
    perf = [
        f"online={online};;;0;{total}",
        f"offline={down};{_perf_limit(warning, total)};{_perf_limit(critical, total)};0;{total}",
        f"never_seen={never};;;0;{total}",
        f"unreachable={unreachable};;;0;{total}",
        f"poll={took:.3f}s;;;0;",
    ]
    if rules:
        perf.insert(4, f"alerts={len(alerts)};;;0;")
    text = " · ".join(_one_line(part) for part in parts)
    return code, f"{text} | {' '.join(perf)}"


def _evaluate_rules(engine: Any, feed: Any) -> list[Any]:
    """The rules once, on this one answer. An offline extension counts from when it was last
    seen online (what the board remembers), not from now."""
    from ..monitor.states import ExtensionState

    board = feed.board
    for extension, tile in board.tiles.items():
        last = board.seen.get(extension)
        if tile.state is ExtensionState.OFFLINE and last is not None and last < tile.since:
            tile.since = last
    engine.tick()
    engine.stop()
    return list(engine.active)


class _Held:
    def stop(self) -> None:
        pass


def _no_timer(delay: float, callback: Any, name: str) -> _Held:
    return _Held()  # one poll, nothing scheduled
