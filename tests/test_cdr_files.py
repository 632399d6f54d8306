"""Recording downloads and exports from the call browser: complete files or none at all."""

from __future__ import annotations

import csv
import json

import httpx

from textual.widgets import Input, Select

from ccall_tui.factory import build_app
from ccall_tui.ui.widgets.cdr_dialogs import DownloadDialog, ExportDialog

from test_cdr_browser import SIZE, open_browser, settle, status_of


async def _open_recorded_call(app, pilot, screen):
    index = next(i for i, r in enumerate(screen.table.records) if r.recording_url)
    screen.table.move_cursor(row=index)
    screen.table.focus()
    await pilot.press("enter")
    await settle(app, pilot)
    return screen.table.records[index]


async def test_recording_downloads_completely_and_a_failure_leaves_no_file(make_services, sim, tmp_path):
    app = build_app(make_services())
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_browser(app, pilot)
        record = await _open_recorded_call(app, pilot, screen)
        expected = httpx.get(record.recording_url).content
        assert len(expected) > 1000

        await pilot.press("d")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, DownloadDialog)
        dialog.query_one("#download-folder", Input).value = str(tmp_path)
        await pilot.press("enter")
        await settle(app, pilot)
        files = list(tmp_path.iterdir())
        assert len(files) == 1 and files[0].suffix == ".wav" and record.call_id in files[0].name
        assert files[0].read_bytes() == expected
        assert "Saved" in status_of(screen)

        # the same file again: asks before overwriting, and cancel keeps it
        await pilot.press("d")
        await pilot.pause()
        app.screen.query_one("#download-folder", Input).value = str(tmp_path)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DownloadDialog) and "exists" in str(app.screen.query_one(".message").render())
        await pilot.press("escape")
        await pilot.pause()

        # a failing server leaves nothing behind
        failing = tmp_path / "failing"
        failing.mkdir()
        sim.faults.status_5xx = 503
        await pilot.press("d")
        await pilot.pause()
        app.screen.query_one("#download-folder", Input).value = str(failing)
        await pilot.press("enter")
        await settle(app, pilot)
        assert list(failing.iterdir()) == []
        assert "Download failed" in status_of(screen) and "503" in status_of(screen)


async def test_export_writes_every_page_and_never_half_a_file(make_services, sim, tmp_path):
    app = build_app(make_services())
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_browser(app, pilot)
        total = screen.browse.page.paging.record_count
        target = tmp_path / "calls.csv"

        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, ExportDialog)
        app.screen.query_one("#export-path", Input).value = str(target)
        await pilot.press("enter")
        await settle(app, pilot)
        with open(target, newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        assert len(rows) == total
        assert rows[0]["call_id"] == screen.table.records[0].call_id
        assert sorted(p.name for p in tmp_path.iterdir()) == ["calls.csv"]
        # the export used the browser's filter, all pages, through the shared pager
        assert "Exported" in status_of(screen)

        # JSON, chosen in the dialog
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one("#export-path", Input).value = str(tmp_path / "calls.csv")
        app.screen.query_one("#export-format", Select).value = "json"
        await pilot.pause()
        assert app.screen.query_one("#export-path", Input).value.endswith("calls.json")
        await pilot.press("enter")
        await settle(app, pilot)
        data = json.loads((tmp_path / "calls.json").read_text(encoding="utf-8"))
        assert len(data) == total

        # an existing file is not overwritten without a second yes
        before = target.read_bytes()
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one("#export-path", Input).value = str(target)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ExportDialog)
        await pilot.press("escape")
        await pilot.pause()
        assert target.read_bytes() == before

        # a failure half way leaves nothing
        sim.faults.status_5xx = 500
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one("#export-path", Input).value = str(tmp_path / "broken.csv")
        await pilot.press("enter")
        await settle(app, pilot)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["calls.csv", "calls.json"]
        assert "Export failed" in status_of(screen)
