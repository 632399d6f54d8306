"""Fetch every page of a call-record query, in order, and write it as CSV or JSON.

The command line (``ccall-tui cdrs --all``) and the TUI's export share this code path; the
bounded paging walk itself lives in ``paging.py``.
"""

from __future__ import annotations

import csv
import json
from typing import IO, Any, Iterable

from ..api.models import CALL_FIELDS, CallRecord
from .paging import (  # noqa: F401 - the paging walk is part of this module's interface
    DEFAULT_CONCURRENCY,
    DEFAULT_PAGE_SIZE,
    MAX_PAGES,
    PageProgress,
    PagingReport,
    fetch_all,
    iter_pages,
    pin_query,
)


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
