"""``report quality``: calls, answered, missed, ASR, ACD, TTA, MOS and availability per
extension, phone model or network, for scripts (table, ``--json`` or ``--csv`` on stdout).

Reads every call of the range (the bounded paging walk), the registrations once (for the
devices) and the profile's recorded history when there is one (availability; without it the
column is empty, never zero). A walk that stopped early exits 5 with the reason on stderr.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..errors import Exit, UsageError
from ..i18n import _
from . import add_profile_option

if TYPE_CHECKING:  # pragma: no cover
    from ..monitor.quality import QualityRow
    from ..recorder.history import History

BY_CHOICES = ("extension", "agent", "network")


def add_parser(kinds: Any) -> None:
    """``report quality`` under the ``report`` group's subparsers."""
    quality = kinds.add_parser(
        "quality", help=_("calls, answer ratio, talk time, MOS and availability per extension, phone model or network"))
    add_profile_option(quality)
    quality.add_argument("--since", default="7d", metavar="DURATION",
                         help=_("how far back, e.g. 2d, 12h, 30m (default {default})").format(default="7d"))
    quality.add_argument("--until", metavar="'YYYY-MM-DD HH:mm'",
                         help=_("end of the range, PBX time (default: now)"))
    quality.add_argument("--by", choices=BY_CHOICES, default="extension",
                         help=_("one row per extension, phone model (agent) or network (default extension)"))
    quality.add_argument("--concurrency", type=int, default=4, metavar="N", help=_("pages fetched at once"))
    fmt = quality.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help=_("print JSON"))
    fmt.add_argument("--csv", action="store_true", help=_("print CSV"))
    quality.set_defaults(func=run_quality)


def _history(ctx: Any) -> History | None:
    from ..recorder.history import open_history

    history = open_history(ctx.profile, demo=getattr(ctx, "sim", None) is not None)
    return history if history.path.exists() else None


def _range(args: argparse.Namespace, tz: Any) -> tuple[datetime, datetime]:
    from .calls import parse_cli_time
    from .history_cmd import parse_duration

    span = parse_duration(args.since)
    until = parse_cli_time(args.until, tz, "--until") if args.until else None
    if until is None:
        until = datetime.now(tz)
    until = until.replace(second=0, microsecond=0)
    return until - span, until


def run_quality(args: argparse.Namespace, ctx: Any) -> int:
    from ..monitor.quality_sources import MAX_RANGE, collect_quality

    if not 1 <= int(args.concurrency) <= 16:
        raise UsageError(_("--concurrency: must be between 1 and 16"))
    tz = ctx.profile.timezone
    since, until = _range(args, tz)
    if until - since > MAX_RANGE:
        raise UsageError(_("--since: at most {days} days").format(days=MAX_RANGE.days))
    history = _history(ctx)

    async def go() -> Any:
        async with ctx.client() as client:
            return await collect_quality(client, since, until, history=history,
                                         concurrency=int(args.concurrency))

    import asyncio  # here, not at the top: every command registers this module

    try:
        data = asyncio.run(go())
    finally:
        if history is not None:
            history.close()
    rows = data.builder.rows(args.by)
    stamp = "%Y-%m-%d %H:%M"
    if args.json:
        from ..monitor.quality_sources import write_rows_json

        write_rows_json(rows, sys.stdout, {"since": since.strftime(stamp), "until": until.strftime(stamp),
                                           "timezone": tz.key, "by": args.by, "recorded": data.recorded})
    elif args.csv:
        from ..monitor.quality_sources import write_rows_csv

        write_rows_csv(rows, sys.stdout)
    else:
        print(_("Call quality by {by}, {since} to {until} (PBX time)").format(
            by=_by_word(args.by), since=since.strftime(stamp), until=until.strftime(stamp)))
        print_table(rows)
        if not data.recorded:
            print(_("no recorded history for this range: availability is empty"), file=sys.stderr)
    if data.registrations_error:
        print(_("registrations not read ({reason}): devices from the history only").format(
            reason=data.registrations_error), file=sys.stderr)
    if data.paging.message():
        prefix = "ccall-tui: " if data.paging.incomplete else ""
        print(prefix + data.paging.message(), file=sys.stderr)
    return Exit.SERVER if data.paging.incomplete else Exit.OK


def _by_word(by: str) -> str:
    return {"extension": _("extension"), "agent": _("phone model"), "network": _("network")}[by]


def print_table(rows: list[QualityRow]) -> None:
    from ..api.text import clean_text
    from ..monitor.quality import UNKNOWN

    if not rows:
        print(_("no calls in this period"))
        return
    width = min(32, max([len(_("KEY"))] + [len(r.key) for r in rows]))
    print(f"{_('KEY'):<{width}} {_('CALLS'):>6} {_('ANS'):>6} {_('MISSED'):>6} {_('ASR'):>6} {_('ACD'):>6} "
          f"{_('TTA'):>5} {_('MOS'):>5} {_('P10'):>5} {_('AVAIL'):>8}")
    for row in rows:
        key = clean_text(_("unknown") if row.key == UNKNOWN else row.key, limit=width)
        print(f"{key:<{width}} {row.calls:>6} {row.answered:>6} {row.missed:>6} {_pct(row.asr_pct):>6} "
              f"{_secs(row.acd_s):>6} {_secs(row.tta_avg_s):>5} {_num(row.mos_avg):>5} {_num(row.mos_p10):>5} "
              f"{_pct(row.availability_pct):>8}")


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}%"


def _secs(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}s"


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"
