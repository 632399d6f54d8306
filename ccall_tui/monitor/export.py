"""Fetch every page of a call-record query, in order, and write it as CSV or JSON.

The command line (``ccall-tui cdrs --all``) and the TUI's export share this code path; the
bounded paging walk itself lives in ``paging.py``.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Callable, Iterable

from ..api.client import CcallClient
from ..api.cdrs import CALL_FIELDS, CallRecord, CdrQuery
from .paging import (
    DEFAULT_CONCURRENCY,
    DEFAULT_PAGE_SIZE,
    MAX_PAGES,
    PageProgress,
    PagingReport,
    fetch_all,
    iter_pages,
    pin_query,
)


# The paging walk is part of this module's interface (the command line and the tests use it).
__all__ = [
    "DEFAULT_CONCURRENCY", "DEFAULT_PAGE_SIZE", "MAX_PAGES", "PageProgress", "PagingReport", "fetch_all",
    "iter_pages", "pin_query", "CsvWriter", "JsonWriter", "make_writer", "export_to_file",
]

# ---------------------------------------------------------------------- writers


class CsvWriter:
    """Streams call records as CSV with the documented column names (``CALL_FIELDS``)."""

    def __init__(self, handle: IO[str]) -> None:
        self._writer = csv.writer(handle, lineterminator="\n")
        self._writer.writerow(CALL_FIELDS)

    def write(self, records: Iterable[CallRecord]) -> None:
        # One tuple per record, straight from its fields, in CALL_FIELDS order: no dict of it.
        # None is written as an empty cell by csv itself; a text that starts like a formula
        # goes through _csv_text (the test inline spares a call for every other cell).
        f = _FORMULA_STARTS
        q = _csv_text
        self._writer.writerows([
            (
                q(r.call_id) if r.call_id and r.call_id[0] in f else r.call_id,
                r.start.isoformat() if r.start else None,
                q(r.direction) if r.direction and r.direction[0] in f else r.direction,
                q(r.source) if r.source and r.source[0] in f else r.source,
                q(r.cid_name) if r.cid_name and r.cid_name[0] in f else r.cid_name,
                q(r.destination) if r.destination and r.destination[0] in f else r.destination,
                q(r.status) if r.status and r.status[0] in f else r.status,
                r.tta_s,
                r.duration_s,
                r.pdd_s,
                r.mos,
                q(r.recording_url) if r.recording_url and r.recording_url[0] in f else r.recording_url,
            )
            for r in records
        ])

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


def _csv_text(value: str | None) -> str:
    """A text cell: empty for None; one that starts like a formula is quoted so that it
    cannot run in a spreadsheet (a caller name of ``=HYPERLINK(...)``), numbers excepted."""
    if value is None:
        return ""
    if value[:1] in _FORMULA_STARTS and not _numeric(value):
        return "'" + value
    return value


_FORMULA_STARTS = frozenset("=+-@")


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


# ---------------------------------------------------------------------- files


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
