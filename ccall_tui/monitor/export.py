"""Fetch every page of a call-record query, in order, and write it as CSV or JSON.

The command line (``ccall-tui cdrs --all``) and the TUI's export share this code path; the
bounded paging walk itself lives in ``paging.py``.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Callable, Iterable

from msgspec.structs import astuple

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
    """Streams call records as CSV with the documented column names (``CALL_FIELDS``).

    A row none of whose cells holds a comma, a quote or a line break is its cells joined
    by commas: exactly what ``csv.writer`` writes for it, without its per-character work.
    Any other row is written by ``csv.writer`` itself. A page reaches the file in one write."""

    def __init__(self, handle: IO[str]) -> None:
        self._handle = handle
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="\n")
        self._writer.writerow(CALL_FIELDS)
        handle.write(self._quoted_text())

    def write(self, records: Iterable[CallRecord]) -> None:
        t = _iso_time
        fields = astuple
        formula = _FORMULA_STARTS
        number, text = _NUMBERS.get, _number_text
        minutes, seconds = _MINUTES, _SECONDS
        lines: list[str] = []
        for record in records:
            call_id, start, direction, source, cid_name, destination, status, tta, talk, pdd, mos, url, _sent = (
                fields(record)
            )
            if start is None:
                when = ""
            else:  # _iso_time, inline: the minute's text, kept, and the seconds
                parts = minutes.get(
                    (start.tzinfo, start.fold, start.year, start.month, start.day, start.hour, start.minute)
                )
                when = parts[0] + seconds[start.second] + parts[1] if parts and not start.microsecond else t(start) or ""
            cells = (
                call_id or "", when, direction or "", source or "", cid_name or "",
                destination or "", status or "",
                number(tta) or text(tta), number(talk) or text(talk),
                number(pdd) or text(pdd), number(mos) or text(mos),
                url or "",
            )
            line = ",".join(cells)
            # Times and numbers never start with = + - @ nor hold a comma, a quote or a line
            # break: one look at the joined line tells whether any text cell needs more.
            if (
                line.count(",") != 11 or line[:1] in formula or ",=" in line or ",+" in line or ",-" in line
                or ",@" in line or '"' in line or "\n" in line or "\r" in line
            ):
                line = self._careful_line(cells)
            lines.append(line)
        if lines:
            lines.append("")
            self._handle.write("\n".join(lines))

    def _careful_line(self, cells: tuple[str, ...]) -> str:
        """A row as ``csv.writer`` writes it, a text that starts like a formula guarded."""
        self._writer.writerow([_csv_text(cell) for cell in cells])
        return self._quoted_text()[:-1]

    def _quoted_text(self) -> str:
        """What ``csv.writer`` wrote into the buffer, taken out of it."""
        buffer = self._buffer
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    def close(self) -> None:
        pass


def _number_text(value: float | None) -> str:
    """A number cell as csv writes it (``repr``), kept: talk times, delays and scores repeat."""
    if value is None:
        return ""
    text = repr(value)
    if len(_NUMBERS) >= 20_000:
        _NUMBERS.clear()
    _NUMBERS[value] = text
    return text


_NUMBERS: dict[float, str] = {}


def _iso_time(moment: datetime | None) -> str | None:
    """``moment.isoformat()``, its minute's text made once (an aware time's isoformat costs
    more than the rest of a CSV row): the seconds are the only part that differs within a
    minute of one timezone, offset and fold included. Times before 1980 (offsets of odd
    seconds in some zones' history) and with microseconds take isoformat itself."""
    if moment is None:
        return None
    if moment.microsecond or moment.year < 1980:
        return moment.isoformat()
    key = (moment.tzinfo, moment.fold, moment.year, moment.month, moment.day, moment.hour, moment.minute)
    parts = _MINUTES.get(key)
    if parts is None:
        text = moment.replace(second=0).isoformat()
        parts = (text[:17], text[19:])
        if len(_MINUTES) >= 20_000:
            _MINUTES.clear()
        _MINUTES[key] = parts
    return parts[0] + _SECONDS[moment.second] + parts[1]


_MINUTES: dict[tuple[Any, ...], tuple[str, str]] = {}
_SECONDS = tuple(f"{second:02d}" for second in range(60))


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
