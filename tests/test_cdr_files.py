"""Recording downloads and exports from the call browser: complete files or none at all."""

from __future__ import annotations

import csv
import json

import httpx
import pytest

from textual.widgets import Input, Select

from ccall_tui.api.cdrs import CALL_FIELDS
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


# --------------------------------------------------------------------------- export, engine level


def _old_csv(records) -> str:
    """The CSV as the export wrote it before it was made cheaper (DictWriter over to_json):
    the file must not change by a byte."""
    import io

    from ccall_tui.api.cdrs import CALL_FIELDS

    def cell(value):
        if value is None:
            return ""
        if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
            try:
                float(value)
            except ValueError:
                return "'" + value
        return value

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(CALL_FIELDS), lineterminator="\n")
    writer.writeheader()
    for record in records:
        writer.writerow({k: cell(v) for k, v in record.to_json().items()})
    return out.getvalue()


async def _export(sim, tmp_path, name, fmt="csv", ahead_s=0, **query):
    from datetime import timedelta

    from ccall_tui.api.cdrs import CdrQuery
    from ccall_tui.api.client import CcallClient
    from ccall_tui.credentials import Credentials
    from ccall_tui.monitor.export import PagingReport, export_to_file, fetch_all

    # ahead_s: the client's clock runs ahead of the PBX, so calls that arrive while the pages
    # are read fall inside the pinned range and shift rows into the next page.
    now = sim.tenant.now() + timedelta(seconds=ahead_s)
    query = CdrQuery(date_from=now - timedelta(days=3), **query)
    report = PagingReport()
    async with CcallClient(sim.base_url, Credentials("demo", "demo")) as client:
        count = await export_to_file(
            client, query, tmp_path / name, fmt, page_size=100, report=report, now=now,
            concurrency=1 if ahead_s else 4,
        )
        records = await fetch_all(client, query, page_size=100, now=now)
    return count, records, report


async def test_export_csv_is_the_same_file_as_before_with_hostile_names(sim, tmp_path):
    # Caller names that start like formulas, a terminal escape, markup; numbers as strings.
    hostile = ["=HYPERLINK(\"http://x\")", "-5 Lê \x1b]52;c;ZXZpbA==\x07 [bold]x[/]", "+84 909", "@SUM(1)"]
    for index, number in enumerate(sim.tenant.numbers):
        sim.tenant.set_name(number, hostile[index % len(hostile)])
    sim.faults.quirks = {"string_numbers", "null_strings"}
    count, records, report = await _export(sim, tmp_path, "calls.csv")
    text = (tmp_path / "calls.csv").read_text(encoding="utf-8")
    assert count == len(records) > 300 and report.incomplete is False
    assert text == _old_csv(records)
    assert "\x1b" not in text and "\x07" not in text
    rows = list(csv.DictReader(text.splitlines()))
    names = {row["cid_name"] for row in rows}
    assert {"'=HYPERLINK(\"http://x\")", "'+84 909", "'@SUM(1)", "'-5 Lê ]52;c;ZXZpbA== [bold]x[/]"} <= names
    answered = [row for row in rows if row["duration_s"] and float(row["duration_s"]) > 0]
    assert answered and all(row["recording_url"].startswith("http://127.0.0.1") for row in answered)
    assert all(row["start"].endswith("+07:00") for row in rows)


async def test_export_json_keeps_every_column_and_drops_repeats(sim, tmp_path):
    sim.faults.calls_arriving = 3  # newer calls finish while pages are read: rows shift and repeat
    count, _records, report = await _export(sim, tmp_path, "calls.json", "json", ahead_s=1800)
    data = json.loads((tmp_path / "calls.json").read_text(encoding="utf-8"))
    assert len(data) == count
    ids = [row["call_id"] for row in data]
    assert len(set(ids)) == len(ids)
    assert report.repeated > 0 and "repeated calls dropped" in report.message()
    assert list(data[0]) == ["call_id", "start", "direction", "source", "cid_name", "destination", "status",
                             "tta_s", "duration_s", "pdd_s", "mos", "recording_url"]


def test_raw_fields_are_made_safe_when_read_not_when_parsed():
    from zoneinfo import ZoneInfo

    from ccall_tui.api.cdrs import parse_call

    sent = {"call_id": "c1", "start": "2026-11-27 10:30:00", "x_note": "a\x1b[31mb\u202e", "n": 3}
    record = parse_call({"Cdr": sent}, ZoneInfo("Asia/Ho_Chi_Minh"))
    assert record.raw == {"call_id": "c1", "start": "2026-11-27 10:30:00", "x_note": "a[31mb", "n": 3}
    assert "x_note" not in repr(record) and "31m" not in repr(record)
    # Equal by what it shows: the same call sent with other extras is the same record.
    again = parse_call({"Cdr": {**sent, "x_note": "other"}}, ZoneInfo("Asia/Ho_Chi_Minh"))
    assert again == record and hash(again) == hash(record)


# A page a real server could send: PHP escapes (slashes, Vietnamese as \u), hostile text in
# names, nulls in all their spellings, numbers as numbers, extras the export never writes.
ODD_PAGE = (
    '{"response": ['
    '{"Cdr": {"uuid": "u-1", "direction": "INBOUND", "cid_name": "L\\u00ea \\u001b[31mTh\\u1ecb\\u202e", '
    '"source": 1001, "destination": " 1002 ", "recording_file": "https:\\/\\/r.example\\/a.wav", '
    '"start": "2026-11-27 10:30:05", "tta": 7, "duration": 65, "pdd": 0.5, "mos": 6, '
    '"status": " NORMAL_CLEARING ", "billsec": 65, "x": {"deep": [1, 2]}}},'
    '{"Cdr": {"call_id": "null", "_id": "i-2", "direction": "local", "cid_name": null, "source": "100", '
    '"destination": "n/a", "recording": "", "start": "2026-11-27 23:59:59", "tta": null, '
    '"duration": "00:00:00", "pdd": null, "mos": null, "status": "NONE"}},'
    '{"Cdr": {"call_id": "c-3", "start": "2026-11-27 10:61:00", "duration": "-00:00:05", '
    '"mos": 0, "tta": 1e9, "cid_name": "\\t tab\\nline  ", "source": "x\\u0085y"}}'
    '], "paging": {"page_current": 2, "page_count": 9, "record_count": 900, "limit": 100, '
    '"prev_page": true, "next_page": true, "txtdesc": "Showing 101-103"}}'
).encode()


def _both_ways(content: bytes):
    import json
    from zoneinfo import ZoneInfo

    from ccall_tui.api.cdrs import parse_cdrs
    from ccall_tui.api.cdrs_fast import read_cdrs

    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    return read_cdrs(content, tz), parse_cdrs(json.loads(content), tz)


def _same_page(fast, tolerant) -> None:
    assert fast.records == tolerant.records and fast.paging == tolerant.paging
    assert fast.skipped == tolerant.skipped
    for quick, slow in zip(fast.records, tolerant.records):
        assert [getattr(quick, f) for f in CALL_FIELDS] == [getattr(slow, f) for f in CALL_FIELDS]
        assert quick.raw == slow.raw  # what the details show, read from the page when asked


def test_the_page_read_from_its_bytes_is_the_page_read_the_tolerant_way():
    fast, tolerant = _both_ways(ODD_PAGE)
    assert fast is not None  # this shape is the fast path's to read
    _same_page(fast, tolerant)
    first = fast.records[0]
    assert first.cid_name == "Lê [31mThị" and first.source == "1001" and first.mos is None
    assert first.raw["x"] == {"deep": [1, 2]} and "\x1b" not in str(first.raw)


@pytest.mark.parametrize("quirks", [
    [], ["string_numbers"], ["null_strings"], ["duration_seconds"], ["numeric_extensions"], ["spaces"],
    ["recording_file"], ["call_id_key=uuid"], ["call_id_key=_id"], ["paging_flat"], ["paging_in_response"],
    ["iso_time"], ["dmy_time"], ["string_numbers", "null_strings", "numeric_extensions", "spaces"],
])
def test_every_shape_the_simulator_sends_reads_the_same_either_way(sim, quirks):
    import httpx

    sim.faults.quirks = set(quirks)
    body = {"submission": {"api_key": "demo", "api_secret": "demo", "page": 2, "limit": 50}}
    content = httpx.post(sim.base_url + "/cdrs/json", json=body).content
    fast, tolerant = _both_ways(content)
    assert len(tolerant.records) == 50
    if fast is None:  # a shape the typed decoder refuses is read the tolerant way
        assert quirks and set(quirks) & {"string_numbers", "paging_flat", "paging_in_response"}
    else:
        _same_page(fast, tolerant)
    if not quirks:
        assert fast is not None


@pytest.mark.parametrize("content", [
    b'{"response": [{"Cdr": {"note": "no call fields at all"}}], "paging": {"page_current": 1}}',
    b'{"response": [{"Cdr": {"start": null, "source": null}}], "paging": {"page_current": 1}}',
    b'{"response": [{"start": "2026-11-27 10:30:00"}], "paging": {"page_current": 1}}',
    b'{"response": [{"Cdr": "text"}], "paging": {"page_current": 1}}',
    b'{"response": [{"Cdr": {"start": "2026-11-27 10:30:00", "tta": true}}], "paging": {"page_current": 1}}',
    b'{"response": [{"Cdr": {"start": "2026-11-27 10:30:00"}}], "paging": {"page_current": "1"}}',
    b'{"response": [{"Cdr": {"start": "2026-11-27 10:30:00"}}], "paging": {"limit": 5}}',
    b'{"response": [{"Cdr": {"start": "2026-11-27 10:30:00"}}]}',
    rb'{"response": [{"Cdr": {"start": "2026-11-27 10:30:00", "cid_name": "\ud800"}}], "paging": {"page_current": 1}}',
])
def test_shapes_the_typed_decoder_refuses_are_read_the_tolerant_way(content):
    fast, tolerant = _both_ways(content)
    assert fast is None
    assert tolerant is not None


def test_fast_call_readers_read_like_the_tolerant_ones():
    from zoneinfo import ZoneInfo

    from ccall_tui.api import call_values as fast
    from ccall_tui.api import values as slow

    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    shapes = [
        None, "", " ", "null", "NULL ", "n/a", "-", "undefined", "x", " 1001 ", "Lê Thị Bích",
        "a\x1bb", "\u202eevil", "x" * 600, "\ud800", 7, 7.5, -1, 10**30, float("nan"), float("inf"),
        True, False, [], {}, "7s", "0.85 s", "00:01:05", "01:02:03", "99:59:59", "1:02:03", "00:61:00",
        "-0:00:05", "inf:00:00", "٠٠:٠١:٠٥", "00:01:0x", "2026-11-27 10:30:00", "2026-11-27 10:30",
        "2026-11-27T10:30:00", " 2026-11-27 10:30:00 ", "2026-02-30 10:30:00", "2026-11-27 10:30:00.5",
        "2026-11-27 10:30:59", "2026-11-27 10:30:60", "2026-11-27 10:30:5x", "2026-11-27T10:30:05",
        "2026-11-27 10:30:٠٥", "2026-11-27 10:60:00", "2026-11-27 24:00:00", " 026-11-27 10:30:05",
        "2026-11-27 10:30+0700", "2026-11-27 10:30:-1",
    ]
    for value in shapes:
        assert fast.text(value) == slow.text_or_none(value), value
        for limit in (3600.0, slow.MAX_CALL_SECONDS):
            assert fast.seconds(value, limit) == slow.bounded(slow.seconds_or_none(value), limit), value
            assert fast.clock(value, limit) == slow.bounded(slow.clock_seconds(value), limit), value
        assert fast.moment(value, tz) == slow.pbx_time(value, tz), value


def test_repeats_are_dropped_within_sixteen_pages_and_forgotten_after():
    from ccall_tui.api.cdrs import CallRecord, CdrPage, Paging
    from ccall_tui.monitor.paging import RECENT_PAGES, PagingReport, _Walk

    def page(*ids):
        records = tuple(
            CallRecord(i, None, None, None, None, None, None, None, None, None, None, None) for i in ids
        )
        return CdrPage(records, Paging(page_current=None, next_page=True))

    report = PagingReport()
    walk = _Walk(report, 2, 100)
    assert len(walk.accept(1, page("a", "b"))) == 2
    assert [r.call_id for r in walk.accept(2, page("b", "c")).records] == ["c"]  # b: page 1's
    for number in range(3, 3 + RECENT_PAGES):
        walk.accept(number, page(f"p{number}", f"q{number}"))
    # "a" left the window of recent pages: it counts again; "p3" is still remembered.
    kept = walk.accept(3 + RECENT_PAGES, page("a", f"p{3 + RECENT_PAGES - 1}", None))
    assert [r.call_id for r in kept.records] == ["a", None]
    assert report.repeated == 2


def test_the_start_column_is_the_time_in_iso_form_around_clock_changes():
    """The CSV writes a call's start as ``isoformat()`` does, offsets and repeated hours
    included (the text of each minute is kept and reused)."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from ccall_tui.monitor.csv_cells import _iso_time

    for zone, change in (("Europe/London", datetime(2026, 10, 25, 0, 0)), ("America/New_York", datetime(2026, 3, 8, 0, 0)),
                         ("Australia/Lord_Howe", datetime(2026, 4, 5, 0, 0)), ("Asia/Ho_Chi_Minh", datetime(1975, 6, 13, 0, 0))):
        tz = ZoneInfo(zone)
        for step in range(0, 4 * 3600, 47):
            for fold in (0, 1):
                moment = (change + timedelta(seconds=step)).replace(tzinfo=tz, fold=fold)
                assert _iso_time(moment) == moment.isoformat(), moment
                again = moment.replace(microsecond=5)
                assert _iso_time(again) == again.isoformat()
    assert _iso_time(None) is None


def test_csv_rows_are_what_csv_writer_writes_for_any_cell():
    """Rows joined directly and rows left to csv.writer (commas, quotes, line breaks, formula
    starts) read back as the same cells, guarded the same way, in the same bytes."""
    import io
    import random
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from ccall_tui.api.cdrs import CallRecord
    from ccall_tui.monitor.csv_cells import _csv_text
    from ccall_tui.monitor.export import CsvWriter

    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    odd = ["a,b", '"q"', "x\ny", "x\rb", "=1+2", "-5", "@x", " lead", "trail ", "", None, "Lê Thị", "\u2028",
           '=HYPERLINK("x")', "'", "+84 90", "x,=y", "x,-1", "1001", "NORMAL_CLEARING", "https://r.example/a.wav"]
    pick = random.Random(16).choice
    records = [
        CallRecord(pick(odd), pick([None, datetime(2026, 11, 27, 10, 30, 7, tzinfo=tz)]), pick(odd), pick(odd),
                   pick(odd), pick(odd), pick(odd), pick([None, 0.0, 7.0, 1e-05, 0.1 + 0.2]), pick([None, 65.0]),
                   pick([None, 0.85]), pick([None, 4.29]), pick(odd))
        for _ in range(3000)
    ]
    expected = io.StringIO()
    plain = csv.writer(expected, lineterminator="\n")
    plain.writerow(CALL_FIELDS)
    for record in records:
        cells = [getattr(record, name) for name in CALL_FIELDS]
        cells[1] = record.start.isoformat() if record.start else None
        plain.writerow([_csv_text(cell) if isinstance(cell, str) else cell for cell in cells])
    written = io.StringIO()
    writer = CsvWriter(written)
    writer.write(records[:1000])
    writer.write(records[1000:])
    assert written.getvalue() == expected.getvalue()
    text = written.getvalue()
    assert "'=1+2" in text and "'@x" in text and "'+84 90" in text and ",-5," in text  # numbers stay
    assert ",=1+2" not in text and ",@x" not in text and "\n=" not in text
