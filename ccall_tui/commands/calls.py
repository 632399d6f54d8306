"""``ext``, ``cdrs`` and ``cdr``: the registrations and call records, for scripts.

Tables on stdout, counts and reasons on stderr; exit codes as in :class:`ccall_tui.errors.Exit`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import AsyncIterator
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from ..api.cdrs import HANGUP_CAUSES, CallLookup, CdrPage, CdrQuery
from ..api.text import clean_text
from ..cli import Context, run_tui
from ..errors import Exit, UsageError
from ..i18n import _

if TYPE_CHECKING:  # pragma: no cover
    from ..api.client import CcallClient
    from ..api.registrations import RegistrationsSnapshot
    from ..monitor.paging import PagingReport


def run_ext(args: argparse.Namespace, ctx: Context) -> int:
    if getattr(args, "check", False):  # the monitoring plugin: one status line, exit 0-3
        from ..alerts.check import run_check

        return run_check(args, ctx)
    from ..monitor.listing import extension_rows, state_label

    async def go() -> RegistrationsSnapshot:
        async with ctx.client() as client:
            return await client.registrations()

    snapshot = asyncio.run(go())
    if snapshot.skipped:
        print(_("{count} rows not understood: {reason}").format(
            count=snapshot.skipped, reason=snapshot.skip_reason or "-"), file=sys.stderr)
    rows = extension_rows(snapshot, ctx.profile, include_offline=not args.online, demo=ctx.sim is not None)
    if args.json:
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return Exit.OK
    width = max([len(r["extension"]) for r in rows] + [3])
    for row in rows:
        regs = row["registrations"]
        state = state_label(row)
        if not regs:
            print(f"{row['extension']:<{width}}  {state}")
        for reg in regs:
            where = f"{reg['ip'] or '-'}:{reg['port'] or '-'}"
            print(f"{row['extension']:<{width}}  {state:<8} {reg['transport'] or '-':<5} {where:<22} {reg['agent'] or ''}")
    online = sum(1 for r in rows if r["state"] == "online")  # as the header: registered and answering pings
    print(_("{online} online of {total}").format(online=online, total=len(rows)), file=sys.stderr)
    return Exit.OK


def parse_cli_time(text: str | None, tz: tzinfo, flag: str) -> datetime | None:
    """The same dates the call browser's form takes; a date alone ends at 23:59 for --to."""
    from ..monitor.cdr_filter import parse_form_date

    if text is None:
        return None
    try:
        return parse_form_date(text.strip(), tz, end=flag == "--to")
    except ValueError:
        pass
    raise UsageError(
        _("{flag}: '{value}' is not a date and time like 2026-11-27 08:30").format(flag=flag, value=text)
    )


def query_from_args(args: argparse.Namespace, tz: tzinfo) -> CdrQuery:
    date_from = parse_cli_time(args.date_from, tz, "--from")
    date_to = parse_cli_time(args.date_to, tz, "--to")
    if date_from and date_to and date_from > date_to:
        raise UsageError(_("--from is after --to."))
    causes: list[str] = []
    for item in args.cause:
        for cause in item.replace(",", ";").split(";"):
            cause = cause.strip().upper()
            if not cause:
                continue
            if cause not in HANGUP_CAUSES:
                raise UsageError(_("--cause: unknown hangup cause '{cause}'.").format(cause=cause))
            causes.append(cause)
    return CdrQuery(
        date_from=date_from,
        date_to=date_to,
        hangup_causes=tuple(causes),
        source=args.source or None,
        destination=args.destination or None,
        cid_name=args.cid_name or None,
        direction=args.direction,
        page=args.page,
        limit=args.limit,
    )


def run_cdrs(args: argparse.Namespace, ctx: Context) -> int:
    from ..monitor.export import PagingReport, iter_pages, make_writer

    query = query_from_args(args, ctx.profile.timezone)
    fmt = "json" if args.json else "csv" if args.csv else "table"
    report = PagingReport()

    async def go() -> int:
        async with ctx.client() as client:
            if args.all and fmt == "csv":
                return await _write_csv_rows(client, query, args.concurrency, report)
            if args.all:
                pages = iter_pages(client, query, concurrency=args.concurrency, report=report)
            else:
                pages = _single(client, query)
            if fmt == "table":
                return await _print_table(pages, ctx.profile.timezone)
            writer = make_writer(fmt, sys.stdout)
            count = 0
            async for page in pages:
                writer.write(page.records)
                count += len(page.records)
            writer.close()
            return count

    count = asyncio.run(go())
    if fmt != "table":
        print(_("{count} calls").format(count=count), file=sys.stderr)
    if report.message():  # why paging stopped early, repeated calls dropped: one line
        # Calls left unread make it an error line, said the way every error line is.
        prefix = "ccall-tui: " if report.incomplete else ""
        print(prefix + report.message(), file=sys.stderr)
    return Exit.SERVER if report.incomplete else Exit.OK


async def _write_csv_rows(client: CcallClient, query: CdrQuery, concurrency: int, report: PagingReport) -> int:
    """Every page as CSV on stdout, each row made straight from the page's bytes as the call
    browser's Export makes them (no record object per call): the same lines, written sooner."""
    from ..monitor.export import CsvPages, CsvWriter
    from ..monitor.paging import walk_pages

    writer = CsvWriter(sys.stdout)
    count = 0
    async for rows in walk_pages(CsvPages(client), query, tz=client.tz, concurrency=concurrency, report=report):
        writer.write_rows(rows.records)
        count += len(rows.records)
    writer.close()
    return count


async def _single(client: CcallClient, query: CdrQuery) -> AsyncIterator[CdrPage]:
    yield await client.cdrs(query)


async def _print_table(pages: AsyncIterator[CdrPage], tz: tzinfo) -> int:
    from ..monitor.cdr_stats import mos_text
    from ..monitor.format import direction_word, format_duration, format_seconds, format_timestamp

    count = 0
    last_paging = None
    async for page in pages:
        for r in page.records:
            start = format_timestamp(r.start, tz) or "-"
            print(
                f"{start:<19}  {direction_word(r.direction) or '-':<8} {r.source or '-':>12} -> {r.destination or '-':<12} "
                f"{(r.status or '-'):<24} {format_duration(r.duration_s):>8} {format_seconds(r.tta_s):>6} "
                f"{mos_text(r.mos)[0] or '-':<14}  {r.cid_name or ''}"
            )
        count += len(page.records)
        last_paging = page.paging or last_paging
    if last_paging and last_paging.pages:
        print(
            _("page {page} of {pages} · {count} calls").format(
                page=last_paging.page_current or 1, pages=last_paging.pages,
                count=last_paging.record_count if last_paging.record_count is not None else count,
            ),
            file=sys.stderr,
        )
    else:
        print(_("{count} calls").format(count=count), file=sys.stderr)
    return count


def run_cdr(args: argparse.Namespace, ctx: Context) -> int:
    if not args.json:
        return run_tui(args, ctx, call_id=args.call_id)

    async def go() -> CallLookup:
        async with ctx.client() as client:
            return await client.lookup(args.call_id)

    lookup = asyncio.run(go())
    record = lookup.record
    if record is None:
        # A server that ignores call_id sends other calls: say so, never show one of them.
        message = _("No call with id {call_id} (not found; the server sent {count} other calls).") \
            if lookup.others else _("No call with id {call_id} (not found).")
        print("ccall-tui: " + message.format(
            call_id=clean_text(args.call_id, limit=80), count=lookup.others), file=sys.stderr)
        return Exit.NOT_FOUND
    data = record.to_json()
    data["raw"] = dict(record.raw)
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return Exit.OK
