"""Where the quality report's facts come from: every call of the range through the bounded
paging walk, each extension's devices (its registrations now, else the last device the flight
recorder saw in the range) and the recorder's availability. The command line and the report
screen share it. No Textual.
"""

from __future__ import annotations

import asyncio
import csv
import json
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from ..api.cdrs import CdrQuery
from .paging import DEFAULT_CONCURRENCY, PageProgress, PagingReport, iter_pages
from .export import _csv_text
from .quality import ROW_FIELDS, DeviceInfo, QualityBuilder, QualityRow, device_of_registration

if TYPE_CHECKING:  # pragma: no cover
    from ..api.client import CcallClient
    from ..recorder.history import History

MAX_RANGE = timedelta(days=31)
"""The longest range a report reads (a month of calls, as the call charts hold)."""
DEVICE_KINDS = ("appeared", "agent", "address", "transport", "reachable", "unreachable")


@dataclass
class QualityData:
    """A built report: the builder (rows any way grouped), its range and what to tell the user."""

    builder: QualityBuilder
    since: datetime
    until: datetime
    paging: PagingReport = field(default_factory=PagingReport)
    online: list[tuple[datetime, int]] = field(default_factory=list)
    recorded: bool = False
    """True when a recorder history was read (availability and the online chart have data)."""
    history_began: datetime | None = None
    """When the history has nothing for the range: its first record (None: none at all)."""
    registrations_error: str | None = None


def devices_from_registrations(extensions: Mapping[str, Sequence[Any]]) -> dict[str, list[DeviceInfo]]:
    """Each extension's devices as the registrations answer (or the board) lists them."""
    return {ext: [device_of_registration(reg) for reg in regs] for ext, regs in extensions.items() if regs}


def devices_from_history(history: History, extensions: Iterable[str], since: datetime,
                         until: datetime) -> dict[str, list[DeviceInfo]]:
    """The last device with an agent the recorder saw for each extension in the range (the
    recorder keeps the transport, not the NAT: that stays unknown)."""
    found: dict[str, list[DeviceInfo]] = {}
    for ext in extensions:
        last = None
        for change in history.timeline(ext, since, until):
            if change.kind in DEVICE_KINDS and change.agent:
                last = change
        if last is not None:
            found[ext] = [DeviceInfo(last.agent, last.transport, None)]
    return found


def apply_history(builder: QualityBuilder, history: History | None, since: datetime, until: datetime) -> bool:
    """The recorder's uptime into ``builder`` and devices for extensions without any; True
    when the history had something to say about the range."""
    if history is None:
        return False
    availability = history.availability(since, until)
    for item in availability:
        if item.observed_s > 0:
            builder.set_uptime(item.extension, item.online_s, item.observed_s)
    missing = [ext for ext in builder.extensions() if ext not in builder.devices]
    for ext, devices in devices_from_history(history, missing, since, until).items():
        builder.set_devices(ext, devices)
    return any(item.observed_s > 0 for item in availability)


async def collect_quality(
    client: CcallClient,
    since: datetime,
    until: datetime,
    *,
    history: History | None = None,
    registrations: Mapping[str, Sequence[Any]] | None = None,
    known_extensions: Iterable[str] | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    progress: PageProgress | None = None,
    fetch_registrations: bool = True,
) -> QualityData:
    """Read every call of ``since``..``until`` and join the devices and the recorder.

    ``registrations``: the devices as the caller knows them (the board's); without them and
    with ``fetch_registrations`` one registrations request is made (its failure is noted, the
    report goes on with what the recorder knows). The history's synchronous reads run in a
    thread, so the screen can await this on the UI loop with the app's shared client.
    """
    if until - since > MAX_RANGE:
        since = until - MAX_RANGE
    builder = QualityBuilder(client.tz, frozenset(known_extensions) if known_extensions is not None else None)
    data = QualityData(builder, since, until)
    query = CdrQuery(date_from=since, date_to=until)
    async for page in iter_pages(client, query, concurrency=concurrency, progress=progress,
                                 report=data.paging, now=until):
        builder.add(page.records)
    if registrations is None and fetch_registrations:
        from ..api.errors import CcallError

        try:
            snapshot = await client.registrations()
        except CcallError as exc:
            data.registrations_error = exc.message
        else:
            registrations = snapshot.extensions
    for ext, devices in devices_from_registrations(registrations or {}).items():
        builder.set_devices(ext, devices)
    if history is not None:  # synchronous SQLite reads: off the caller's event loop
        data.recorded = await asyncio.to_thread(apply_history, builder, history, since, until)
        data.online = await asyncio.to_thread(history.online_counts, since, until)
        if not data.recorded:
            data.history_began = await asyncio.to_thread(history.first_record)
    return data


def write_rows_csv(rows: Sequence[QualityRow], handle: IO[str]) -> None:
    """The rows as CSV: one column per figure, members space-separated, formulas defused."""
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(ROW_FIELDS)
    for row in rows:
        data = row.to_json()
        data["key"] = _csv_text(row.key)
        data["extensions"] = " ".join(row.extensions)
        writer.writerow(["" if data[name] is None else data[name] for name in ROW_FIELDS])


def write_rows_json(rows: Sequence[QualityRow], handle: IO[str], meta: Mapping[str, Any]) -> None:
    json.dump({**meta, "rows": [row.to_json() for row in rows]}, handle, ensure_ascii=False, indent=2)
    handle.write("\n")


def save_rows(rows: Sequence[QualityRow], target: Path, fmt: str, *, overwrite: bool = False,
              meta: Mapping[str, Any] | None = None) -> int:
    """Write the rows to ``target`` (``csv`` or ``json``) through a temporary file renamed at
    the end, so a failure leaves nothing half-written; never replaces a file unless
    ``overwrite``. Returns the rows written; raises ``FileExistsError`` / ``OSError``."""
    if fmt not in ("csv", "json"):
        raise ValueError(fmt)
    if target.exists() and not overwrite:
        raise FileExistsError(str(target))
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            if fmt == "csv":
                write_rows_csv(rows, handle)
            else:
                write_rows_json(rows, handle, meta or {})
        if overwrite:
            os.replace(tmp_name, target)
        else:
            os.link(tmp_name, target)  # fails if the target appeared meanwhile: never clobber it
            os.unlink(tmp_name)
        tmp_name = ""
    finally:
        if tmp_name:
            try:
                os.unlink(tmp_name)
            except OSError:
                pass
    return len(rows)


__all__ = [
    "DEVICE_KINDS", "save_rows", "write_rows_csv", "write_rows_json", "MAX_RANGE", "QualityData", "apply_history", "collect_quality", "devices_from_history",
    "devices_from_registrations",
]
