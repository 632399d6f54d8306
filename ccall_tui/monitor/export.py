"""Fetch every page of a call-record query, in order, and write it as CSV or JSON.

The command line (``ccall-tui cdrs --all``) and the TUI's export share this code path.
"""

from __future__ import annotations

import asyncio
import csv
import json
from dataclasses import replace
from typing import IO, Any, AsyncIterator, Callable, Iterable

from ..api.client import CcallClient
from ..api.models import CALL_FIELDS, CallRecord, CdrPage, CdrQuery

DEFAULT_PAGE_SIZE = 500
DEFAULT_CONCURRENCY = 4
MAX_PAGES = 100_000

PageProgress = Callable[[int, int | None, int], Any]
"""Called as ``progress(pages_done, pages_total_or_None, records_so_far)``."""


async def iter_pages(
    client: CcallClient,
    query: CdrQuery,
    *,
    page_size: int = DEFAULT_PAGE_SIZE,
    concurrency: int = DEFAULT_CONCURRENCY,
    progress: PageProgress | None = None,
) -> AsyncIterator[CdrPage]:
    """Yield every page of ``query`` in page order.

    The first page tells how many there are (``page_count``); the rest are fetched with at
    most ``concurrency`` requests in flight, through a sliding window so memory stays
    bounded however many pages there are. Without ``page_count`` it follows ``next_page``
    one page at a time. Cancelling the consumer cancels the outstanding requests.
    """
    base = replace(query, limit=page_size, page=1)
    first = await client.cdrs(base)
    records = len(first.records)
    paging = first.paging
    total = paging.page_count if paging and paging.page_count is not None else None
    if progress:
        progress(1, total, records)
    yield first
    if paging is None:
        return
    if total is None:
        page, current = 1, first
        while current.paging is not None and current.paging.has_next and current.records and page < MAX_PAGES:
            page += 1
            current = await client.cdrs(base.with_page(page))
            records += len(current.records)
            if progress:
                progress(page, None, records)
            yield current
        return

    concurrency = max(1, concurrency)
    pending: dict[int, asyncio.Task[CdrPage]] = {}
    next_to_start = 2
    try:
        for page in range(2, total + 1):
            while next_to_start <= total and next_to_start < page + concurrency:
                pending[next_to_start] = asyncio.ensure_future(client.cdrs(base.with_page(next_to_start)))
                next_to_start += 1
            result = await pending.pop(page)
            records += len(result.records)
            if progress:
                progress(page, total, records)
            yield result
    finally:
        for task in pending.values():
            task.cancel()
        if pending:
            await asyncio.gather(*pending.values(), return_exceptions=True)


async def fetch_all(
    client: CcallClient,
    query: CdrQuery,
    *,
    page_size: int = DEFAULT_PAGE_SIZE,
    concurrency: int = DEFAULT_CONCURRENCY,
    progress: PageProgress | None = None,
) -> list[CallRecord]:
    records: list[CallRecord] = []
    async for page in iter_pages(client, query, page_size=page_size, concurrency=concurrency, progress=progress):
        records.extend(page.records)
    return records


# ---------------------------------------------------------------------- writers


class CsvWriter:
    """Streams call records as CSV with the documented column names."""

    def __init__(self, handle: IO[str]) -> None:
        self._writer = csv.DictWriter(handle, fieldnames=list(CALL_FIELDS), lineterminator="\n")
        self._writer.writeheader()

    def write(self, records: Iterable[CallRecord]) -> None:
        for record in records:
            row = record.to_json()
            self._writer.writerow({k: _csv_cell(v) for k, v in row.items()})

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


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") and not _numeric(value):
        # A caller name that starts like a formula must not run in a spreadsheet.
        return "'" + value
    return value


def _numeric(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def make_writer(fmt: str, handle: IO[str]) -> CsvWriter | JsonWriter:
    if fmt == "csv":
        return CsvWriter(handle)
    if fmt == "json":
        return JsonWriter(handle)
    raise ValueError(fmt)
