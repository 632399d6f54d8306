"""Fetch every page of a call-record query, in order, and write it as CSV or JSON.

The command line (``ccall-tui cdrs --all``) and the TUI's export share this code path; the
bounded paging walk itself lives in ``paging.py``.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
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
    "iter_pages", "pin_query", "CsvWriter", "JsonWriter", "make_writer", "export_to_file"
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

ROWS_AT_ONCE = 100
"""Rows made between two turns of the event loop while a page is turned into CSV."""


async def _csv_page(client: CcallClient, query: CdrQuery, arrived: Arrived) -> CsvPage:
    """One page as CSV rows, made straight from its bytes (no record object in between).

    Once the bytes are in, the next page is asked for (``arrived``) before this one is read,
    and the rows are made a slice at a time with the event loop's turn between slices: the
    request for the next page is on its way meanwhile, and the screen stays live."""
    page = await client.cdrs_read(query, read_typed)
    arrived()
    if isinstance(page, CdrPage):
        return rows_of(page)
    rows: list[Row] = []
    for start in range(0, len(page), ROWS_AT_ONCE):
        await asyncio.sleep(0)
        rows += page.rows(start, start + ROWS_AT_ONCE)
    return CsvPage(tuple(rows), page.paging)



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
            if isinstance(writer, CsvWriter):
                async def csv_page(page_query: CdrQuery, arrived: Arrived) -> CsvPage:
                    return await _csv_page(client, page_query, arrived)

                async for rows in walk_pages(
                    csv_page, query, tz=client.tz, page_size=page_size, concurrency=concurrency,
                    progress=progress, report=report, now=now,
                ):
                    writer.write_rows(rows.records)
                    count += len(rows.records)
                    if on_records is not None:
                        on_records(count)
            else:
                async for page in iter_pages(
                    client, query, page_size=page_size, concurrency=concurrency, progress=progress,
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
