"""Fetch every page of a call-record query, in order, and write it as CSV or JSON.

The command line (``ccall-tui cdrs --all``) and the TUI's export share this code path; the
bounded paging walk itself lives in ``paging.py``.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import threading
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Callable, Iterable

from ..api.client import CcallClient
from ..api.cdrs import CallRecord, CdrPage, CdrQuery
from .csv_cells import _csv_text as _csv_text  # the quality report's CSV guards its cells with it
from .csv_cells import header_line
from .csv_rows import CsvPage, Row, read_typed, record_lines, rows_of
from .page_window import Arrived
from .paging import (
    DEFAULT_CONCURRENCY,
    DEFAULT_PAGE_SIZE,
    MAX_PAGES,
    PageProgress,
    PagingReport,
    fetch_all,
    iter_pages,
    pin_query,
    walk_pages,
)


# The paging walk is part of this module's interface (the command line and the tests use it).
__all__ = [
    "DEFAULT_CONCURRENCY", "DEFAULT_PAGE_SIZE", "MAX_PAGES", "PageProgress", "PagingReport", "fetch_all",
    "iter_pages", "pin_query", "CsvPages", "CsvWriter", "JsonWriter", "make_writer", "export_to_file"
]

# ---------------------------------------------------------------------- writers


class CsvWriter:
    """Streams call records as CSV with the documented column names (``CALL_FIELDS``), each
    row the line ``csv.writer`` writes for it (see ``csv_rows``). A page reaches the file in
    one write."""

    def __init__(self, handle: IO[str]) -> None:
        self._handle = handle
        handle.write(header_line() + "\n")

    def write(self, records: Iterable[CallRecord]) -> None:
        self._write(record_lines(records))

    def write_rows(self, rows: Iterable[Row]) -> None:
        """Rows made straight from a page's bytes (``csv_rows.read_rows``)."""
        self._write([row.line for row in rows])

    def _write(self, lines: list[str]) -> None:
        if lines:
            lines.append("")
            self._handle.write("\n".join(lines))

    def close(self) -> None:
        pass


class JsonWriter:
    """Streams call records as one JSON list, one object per line."""

    def __init__(self, handle: IO[str]) -> None:
        self._handle = handle
        self._first = True
        handle.write("[")

    def write(self, records: Iterable[CallRecord]) -> None:
        for record in records:
            self._handle.write("\n" if self._first else ",\n")
            self._handle.write(json.dumps(record.to_json(), ensure_ascii=False))
            self._first = False

    def close(self) -> None:
        self._handle.write("\n]\n" if not self._first else "]\n")


def make_writer(fmt: str, handle: IO[str]) -> CsvWriter | JsonWriter:
    if fmt == "csv":
        return CsvWriter(handle)
    if fmt == "json":
        return JsonWriter(handle)
    raise ValueError(fmt)


# ---------------------------------------------------------------------- files

ROWS_AT_ONCE = 50
"""Rows made between two turns of the event loop while a page is turned into CSV (~0.15 ms)."""
SEND_TURNS = 5
"""Turns of the event loop that the request taking an answer's place in flight gets before the
answer is decoded: httpx puts a request on the wire in 4-5 turns (headers, then body)."""


class CsvPages:
    """The pages of one export as CSV rows, made straight from their bytes (no record object
    in between).

    Once an answer's bytes are in, the next page is asked for (``arrived``) and its request
    goes out before this answer is decoded; the rows are then made a slice at a time with the
    event loop's turn between slices, one page at a time: the other answers arriving
    meanwhile are read between two slices, not after four pages' worth of them, and the
    screen stays live."""

    def __init__(self, client: CcallClient) -> None:
        self.client = client
        self.making_rows = asyncio.Lock()

    async def __call__(self, query: CdrQuery, arrived: Arrived) -> CsvPage:
        async def received() -> None:
            if arrived():
                await _let_requests_out()

        page = await self.client.cdrs_read(query, read_typed, received)
        if arrived(page):  # page 1: its count, so the pages after it are asked for before its rows
            await _let_requests_out()
        if isinstance(page, CdrPage):
            return rows_of(page)
        rows: list[Row] = []
        async with self.making_rows:
            for start in range(0, len(page), ROWS_AT_ONCE):
                await asyncio.sleep(0)
                rows += page.rows(start, start + ROWS_AT_ONCE)
        return CsvPage(tuple(rows), page.paging)


async def _let_requests_out() -> None:
    for _turn in range(SEND_TURNS):
        await asyncio.sleep(0)


async def _csv_page(client: CcallClient, query: CdrQuery, arrived: Arrived) -> CsvPage:
    """One page as CSV rows, on its own (a walk of many pages: one ``CsvPages`` for all)."""
    return await CsvPages(client)(query, arrived)


class _SyncAhead:
    """A walk's progress that, once the last pages are in flight, sends what the file holds
    so far to disk in a thread: the fsync before the rename then has only those pages left
    to write (an fsync of a whole 4 MB export takes some 3-6 ms, of its last pages ~1 ms)."""

    def __init__(self, handle: IO[str], concurrency: int, progress: PageProgress | None) -> None:
        self.handle = handle
        self.concurrency = max(1, concurrency)
        self.progress = progress
        self.started = False

    def __call__(self, done: int, total: int | None, records: int) -> None:
        if not self.started and total is not None and done > 1 and done >= total - self.concurrency:
            self.started = True
            self.handle.flush()
            descriptor = os.dup(self.handle.fileno())  # the file may be closed meanwhile
            threading.Thread(target=_sync_and_close, args=(descriptor,), name="export-sync", daemon=True).start()
        if self.progress is not None:
            self.progress(done, total, records)


def _sync_and_close(descriptor: int) -> None:
    try:
        getattr(os, "fdatasync", os.fsync)(descriptor)  # macOS has no fdatasync
    except OSError:
        pass  # the fsync before the rename is the one that counts
    finally:
        os.close(descriptor)


async def export_to_file(
    client: CcallClient,
    query: CdrQuery,
    target: Path,
    fmt: str,
    *,
    overwrite: bool = False,
    page_size: int = DEFAULT_PAGE_SIZE,
    concurrency: int = DEFAULT_CONCURRENCY,
    progress: PageProgress | None = None,
    on_records: Callable[[int], Any] | None = None,
    report: PagingReport | None = None,
    now: datetime | None = None,
) -> int:
    """Every page of ``query`` into ``target`` (same path as ``ccall-tui cdrs --all``).

    Writes a temporary file beside the target and renames it at the end, so a failure or a
    cancellation leaves nothing half-written. Returns the number of records written.
    Raises ``FileExistsError`` when the target exists and ``overwrite`` is false. When the
    paging stops early for a reason (see ``PagingReport``), what was read is written and
    ``report`` says why and whether calls are missing.
    """
    if target.exists() and not overwrite:
        raise FileExistsError(str(target))
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    count = 0
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            writer = make_writer(fmt, handle)
            pages_done = _SyncAhead(handle, concurrency, progress)
            if isinstance(writer, CsvWriter):
                async for rows in walk_pages(
                    CsvPages(client), query, tz=client.tz, page_size=page_size, concurrency=concurrency,
                    progress=pages_done, report=report, now=now,
                ):
                    writer.write_rows(rows.records)
                    count += len(rows.records)
                    if on_records is not None:
                        on_records(count)
            else:
                async for page in iter_pages(
                    client, query, page_size=page_size, concurrency=concurrency, progress=pages_done,
                    report=report, now=now,
                ):
                    writer.write(page.records)
                    count += len(page.records)
                    if on_records is not None:
                        on_records(count)
            writer.close()
            handle.flush()
            os.fsync(handle.fileno())
        if overwrite:
            os.replace(tmp_name, target)
        else:
            # link() fails if someone created the target meanwhile: never clobber it.
            try:
                os.link(tmp_name, target)
            except FileExistsError:
                raise
            except OSError:
                if target.exists():
                    raise FileExistsError(str(target)) from None
                os.replace(tmp_name, target)
            else:
                os.unlink(tmp_name)
        tmp_name = ""
    finally:
        if tmp_name:
            try:
                os.unlink(tmp_name)
            except OSError:
                pass
    return count
