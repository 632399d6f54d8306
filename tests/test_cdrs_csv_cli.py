"""``ccall-tui cdrs --all --csv`` writes the very file the call browser's Export writes for the
same calls, with its rows made the same way: straight from each page's bytes."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import datetime

import pytest

from conftest import VN, DemoCredentials, run_cli

FROM, TO = "2026-11-24 00:00", "2026-11-26 23:59"
ODD_NAMES = ['=HYPERLINK("http://x")', "Lê, Thị", 'say "hi"', "+84 909", "@SUM(1)", "-5 x", "a\nb", "  ", "null"]


def _exported(sim, tmp_path) -> str:
    """What the Export (the same function the call browser runs) writes for the range."""
    from ccall_tui.api.cdrs import CdrQuery
    from ccall_tui.api.client import CcallClient
    from ccall_tui.monitor.export import export_to_file

    query = CdrQuery(date_from=datetime(2026, 11, 24, 0, 0, tzinfo=VN), date_to=datetime(2026, 11, 26, 23, 59, tzinfo=VN))
    target = tmp_path / "exported.csv"

    async def export() -> int:
        async with CcallClient(sim.base_url, DemoCredentials(), tz=VN) as client:
            return await export_to_file(client, query, target, "csv", overwrite=True)

    assert asyncio.run(export()) > 0
    return target.read_text(encoding="utf-8")


@pytest.mark.parametrize("quirks", [
    [], ["null_strings", "spaces"], ["string_numbers", "duration_seconds"], ["numeric_extensions"],
    ["recording_file", "call_id_key=uuid"], ["iso_time"], ["dmy_time"],
])
def test_the_command_line_writes_what_the_export_writes(env, capsys, tmp_path, quirks):
    for index, number in enumerate(env.tenant.numbers[:18]):  # names a spreadsheet or a CSV reader trips on
        env.tenant.set_name(number, ODD_NAMES[index % len(ODD_NAMES)])
    env.faults.quirks = set(quirks)
    code, out, err = run_cli(capsys, "cdrs", "--from", FROM, "--to", TO, "--all", "--csv")
    assert code == 0, err
    exported = _exported(env, tmp_path)
    assert out == exported
    rows = list(csv.reader(io.StringIO(out, newline="")))
    assert rows[0][:2] == ["call_id", "start"] and err.splitlines()[-1] == f"{len(rows) - 1} calls"


def test_the_command_line_makes_its_rows_from_the_page_bytes(env, capsys, monkeypatch):
    """Each page is decoded once into the typed shape its rows are made from (not into a
    record per call first): the reader the Export uses is the one asked for every page."""
    from ccall_tui.monitor import csv_rows, export

    pages_read = []
    typed = csv_rows.read_typed

    def reading(content, tz):
        page = typed(content, tz)
        pages_read.append(page)
        return page

    monkeypatch.setattr(export, "read_typed", reading)
    code, out, err = run_cli(capsys, "cdrs", "--from", FROM, "--to", TO, "--all", "--csv")
    assert code == 0, err
    assert len(pages_read) >= 2 and all(page is not None for page in pages_read)
    rows = list(csv.reader(io.StringIO(out, newline="")))
    assert sum(len(page) for page in pages_read) == len(rows) - 1 == int(err.split()[0])
