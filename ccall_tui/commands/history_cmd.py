"""``history EXT``, ``report availability`` and ``record``: the flight recorder on the command line.

``history`` and ``report`` read the profile's history (the demo's with ``--demo``) without
writing to it; ``record`` runs the engine without a terminal (see :mod:`ccall_tui.headless`).
Times are PBX time. A bad ``--since`` is one line and exit 2.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ..errors import AppError, Exit, UsageError
from ..i18n import _
from . import add_profile_option, expected_failures, resolve

if TYPE_CHECKING:  # pragma: no cover
    from ..recorder.history import History

_DURATION = re.compile(r"^\s*(?:(\d+)\s*w)?\s*(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*$", re.IGNORECASE)
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


class NoHistory(AppError):
    exit_code = Exit.FAILURE


def parse_duration(text: str) -> timedelta:
    """``2d``, ``12h``, ``30m``, ``1w`` or combinations (``1d12h``); UsageError otherwise."""
    match = _DURATION.match(text or "")
    if not text or not text.strip() or match is None or not any(match.groups()):
        raise UsageError(_("--since: '{value}' is not a duration like 2d, 12h or 30m").format(value=text))
    weeks, days, hours, minutes = (int(g or 0) for g in match.groups())
    span = timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes)
    if span <= timedelta(0) or span > timedelta(days=3650):
        raise UsageError(_("--since: '{value}' is not a duration like 2d, 12h or 30m").format(value=text))
    return span


def add_parser(subparsers: Any) -> None:
    def output(parser: argparse.ArgumentParser, default: str) -> None:
        add_profile_option(parser)
        parser.add_argument("--since", default=default, metavar="DURATION",
                            help=_("how far back, e.g. 2d, 12h, 30m (default {default})").format(default=default))
        fmt = parser.add_mutually_exclusive_group()
        fmt.add_argument("--json", action="store_true", help=_("print JSON"))
        fmt.add_argument("--csv", action="store_true", help=_("print CSV"))

    history = subparsers.add_parser("history", help=_("state and device changes of one extension, from the recorded history"))
    history.add_argument("extension", metavar="EXT")
    output(history, "2d")
    history.set_defaults(func=run_history)

    report = subparsers.add_parser("report", help=_("reports from the recorded history"))
    kinds = report.add_subparsers(dest="report_kind", metavar="REPORT", required=True)
    availability = kinds.add_parser("availability", help=_("uptime percentage, flaps and longest outage per extension"))
    output(availability, "7d")
    availability.set_defaults(func=run_availability)
    from . import quality_cmd
    quality_cmd.add_parser(kinds)

    record = subparsers.add_parser(
        "record", help=_("poll and record the history without a terminal (stop with SIGTERM or Ctrl-C)"))
    add_profile_option(record)
    record.add_argument("--log-file", default=argparse.SUPPRESS, metavar="PATH", help=_("write a debug log here"))
    record.set_defaults(func=run_record)


def _open(args: argparse.Namespace, ctx: Any) -> tuple[Any, History]:
    from ..recorder.history import open_history

    _settings, profile = resolve(args, ctx)
    demo = getattr(ctx, "sim", None) is not None
    history = open_history(profile, demo=demo)
    if not history.path.exists():
        raise NoHistory(_("No history recorded for profile {profile} on this server yet (the app or 'ccall-tui record' records it)")
                        .format(profile=profile.name))
    return profile, history


def _range(args: argparse.Namespace, profile: Any) -> tuple[datetime, datetime]:
    span = parse_duration(args.since)
    until = datetime.now(profile.timezone).replace(microsecond=0)
    return until - span, until


def _stamp(moment: datetime | None, tz: Any) -> str:
    return moment.astimezone(tz).strftime(TIME_FORMAT) if moment is not None else ""


@expected_failures
def run_history(args: argparse.Namespace, ctx: Any = None) -> int:
    ext = str(args.extension).strip()
    if not ext or len(ext) > 40:
        raise UsageError(_("'{value}' is not an extension").format(value=args.extension[:40]))
    since_span = parse_duration(args.since)
    profile, history = _open(args, ctx)
    try:
        until = datetime.now(profile.timezone).replace(microsecond=0)
        since = until - since_span
        tz = profile.timezone
        rows: list[dict[str, Any]] = []
        from ..monitor.states import ExtensionState

        deaf = ExtensionState.UNREACHABLE
        for change in history.changes(since, until, ext, reachability=True):
            if deaf in (change.old, change.new):  # a registered extension (not) answering pings
                answers = change.old is deaf
                rows.append({"at": _stamp(change.at, tz), "event": "reachability",
                             "old": "unreachable" if answers else "reachable",
                             "new": "reachable" if answers else "unreachable"})
            else:
                rows.append({"at": _stamp(change.at, tz), "event": "state", "old": change.old.value,
                             "new": change.new.value})
        for device in history.timeline(ext, since, until):
            rows.append({"at": _stamp(device.at, tz), "event": device.kind, "agent": device.agent, "ip": device.ip,
                         "port": device.port, "transport": device.transport, "detail": device.detail})
        rows.sort(key=lambda row: row["at"])
        now = history.state_since(ext)
        deaf_since = history.unreachable_since(ext) if now else None
        strip = history.strip(ext, since, until, 1)
    finally:
        history.close()
    current = {"state": now[0].value, "since": _stamp(now[1], tz),
               "unreachable_since": _stamp(deaf_since, tz) or None} if now else None
    if args.json:
        json.dump({"extension": ext, "since": _stamp(since, tz), "until": _stamp(until, tz), "timezone": tz.key,
                   "now": current, "uptime_pct": _round(strip.uptime_pct), "flaps": strip.flaps, "changes": rows,
                   "unreachable_pct": _round(strip.unreachable_pct)},
                  sys.stdout, ensure_ascii=False, indent=2)
        print()
        return Exit.OK
    fields = ["at", "event", "old", "new", "agent", "ip", "port", "transport", "detail"]
    if args.csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=["extension", *fields], lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({"extension": ext, **row})
        return Exit.OK
    print(_("{ext}: {since} to {until} (PBX time)").format(ext=ext, since=_stamp(since, tz), until=_stamp(until, tz)))
    if current is not None:
        print(_("now {state} since {since}").format(state=now[0].label if now else "", since=current["since"]))
        if deaf_since is not None:
            print(reach_words(True) + " " + _("since {time}").format(time=current["unreachable_since"]))
    if strip.uptime_pct is not None:
        line = _("uptime {pct:.1f}%, {flaps} flaps").format(pct=strip.uptime_pct, flaps=strip.flaps)
        if strip.unreachable_pct:
            line += ", " + _("unreachable {pct:.1f}% (registered, no answer to pings)").format(pct=strip.unreachable_pct)
        print(line)
    if not rows:
        print(_("no changes recorded"))
    for row in rows:
        print(f"{row['at']}  {_describe(row)}")
    return Exit.OK


def _describe(row: dict[str, Any]) -> str:
    from ..api.text import clean_text

    if row["event"] == "state":
        return f"{row['old']} -> {row['new']}"
    if row["event"] == "reachability":
        return reach_words(row["new"] == "unreachable")
    address = row.get("ip") or ""
    if address and row.get("port") is not None:
        address += f":{row['port']}"
    parts = [row["event"], clean_text(row.get("agent") or "", limit=80), address, row.get("transport") or ""]
    if row.get("detail"):
        parts.append(_("(was {detail})").format(detail=clean_text(str(row["detail"]), limit=80))
                     if row["event"] in ("address", "agent", "transport") else f"({clean_text(str(row['detail']), limit=80)})")
    return "  ".join(p for p in parts if p)


def reach_words(unreachable: bool) -> str:
    """``◐ unreachable (no answer to pings)`` / ``● answers pings again``."""
    if unreachable:
        return "◐ " + _("unreachable (no answer to pings)")
    return "● " + _("answers pings again")


def _round(value: float | None) -> float | None:
    return round(value, 2) if value is not None else None


@expected_failures
def run_availability(args: argparse.Namespace, ctx: Any = None) -> int:
    since_span = parse_duration(args.since)
    profile, history = _open(args, ctx)
    tz = profile.timezone
    try:
        until = datetime.now(tz).replace(microsecond=0)
        since = until - since_span
        report = history.availability(since, until)
    finally:
        history.close()
    rows: list[dict[str, Any]] = [{
        "extension": a.extension, "uptime_pct": _round(a.uptime_pct), "flaps": a.flaps,
        "longest_outage_s": round(a.longest_outage_s), "longest_outage_from": _stamp(a.longest_outage_from, tz),
        "online_s": round(a.online_s), "observed_s": round(a.observed_s),
        # (added after the columns above: a reader of the older ones keeps working)
        "unreachable_s": round(a.unreachable_s), "unreachable_pct": _round(a.unreachable_pct),
    } for a in report]
    if args.json:
        json.dump({"since": _stamp(since, tz), "until": _stamp(until, tz), "timezone": tz.key, "extensions": rows},
                  sys.stdout, ensure_ascii=False, indent=2)
        print()
        return Exit.OK
    if args.csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]) if rows else ["extension"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return Exit.OK
    print(_("Availability {since} to {until} (PBX time)").format(since=_stamp(since, tz), until=_stamp(until, tz)))
    if not rows:
        print(_("nothing recorded in this period"))
        return Exit.OK
    print(f"{_('EXT'):<8} {_('UPTIME'):>8} {_('UNREACHABLE'):>12} {_('FLAPS'):>6}  {_('LONGEST OUTAGE'):<16} "
          f"{_('FROM')}")
    for row in rows:
        pct = "-" if row["uptime_pct"] is None else f"{row['uptime_pct']:.1f}%"
        deaf = "-" if not row["unreachable_s"] else f"{row['unreachable_pct']:.1f}%"
        print(f"{row['extension']:<8} {pct:>8} {deaf:>12} {row['flaps']:>6}  {_duration(row['longest_outage_s']):<16} "
              f"{row['longest_outage_from']}")
    return Exit.OK


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds <= 0:
        return "-"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h {minutes}m"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m {secs}s"


@expected_failures
def run_record(args: argparse.Namespace, ctx: Any = None) -> int:
    from ..headless import run_headless

    return run_headless(ctx)  # the command line's context: profile, credentials, the demo
