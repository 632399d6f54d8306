"""Figures for the call browser. Run: ``python tests/benchmarks/bench_cdrs.py [--quick]``.

Prints one line per figure, ``name: value unit``:

* ``render_500_rows_ms``: a 500-row page put into the browser's table until the screen has
  been updated (``show_page`` + ``await pilot.pause()``), headless, median, alternating
  pages 2 and 3. Target < 100 ms. ``pilot_pause_floor_ms`` is what an idle
  ``pilot.pause()`` costs in the same run (part of the figure above, not of the app). ``render_500_rows_first_page_ms`` alternates pages 1 and 2,
  where the footer's keys change too.
* ``export_20000_speedup``: exporting about 20,000 records (pages of 100) from the simulator
  with 50 ms added latency per request, through the same code path as the TUI's export and
  ``ccall-tui cdrs --all`` (``iter_pages`` + ``make_writer``): concurrent against one page at
  a time, as a ratio. Target >= 3. Also prints both times and whether the two files hold the
  same rows in the same order.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import statistics
import sys
import time
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from tempfile import mkdtemp
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from ccall_tui.api.client import CcallClient  # noqa: E402
from ccall_tui.api.cdrs import CdrQuery  # noqa: E402
from ccall_tui.clock import ManualClock  # noqa: E402
from ccall_tui.config import Profile  # noqa: E402
from ccall_tui.credentials import Credentials  # noqa: E402
from ccall_tui.factory import AppServices, build_app  # noqa: E402
from ccall_tui.monitor.export import DEFAULT_CONCURRENCY  # noqa: E402
from ccall_tui.monitor.export import export_to_file  # noqa: E402

from benchkit import Simulator, app_services  # noqa: E402

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 11, 27, 10, 30, tzinfo=VN)
EXPORT_TARGET = 20_000
EXPORT_PAGE_SIZE = 100


def today_midnight() -> datetime:
    return datetime.now(VN).replace(hour=0, minute=0, second=0, microsecond=0)


def services(base_url: str, clock: ManualClock) -> AppServices:
    profile = replace(Profile.default("bench"), base_url=base_url, timeout=60.0, poll_interval=60.0)
    return app_services(profile, clock=clock, interval=60.0)


# --------------------------------------------------------------------------- rendering


async def render_500_rows(repeats: int, pages_to_load: tuple[int, int] = (2, 3)) -> tuple[float, float]:
    clock = ManualClock(NOW)
    end = today_midnight()
    with Simulator("--calls-per-day", "3000") as pbx:
        app = build_app(services(pbx.url, clock))
        async with app.run_test(size=(160, 48)) as pilot:
            await app.switch_mode("cdrs")
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            screen = app.screen
            pages = []
            for number in pages_to_load:
                query = CdrQuery(
                    date_from=end - timedelta(days=2), date_to=end, page=number, limit=500
                )
                pages.append((query, await app.client.cdrs(query)))
            assert all(len(page) == 500 for _, page in pages), "the simulator gave short pages"
            times = []
            for index in range(repeats):
                query, page = pages[index % 2]  # alternate, so every load is a new page
                started = time.perf_counter()
                screen.show_page(page, query)
                await pilot.pause()
                times.append((time.perf_counter() - started) * 1000)
                assert screen.table.row_count == 500
            # What a pause costs with nothing to update: the harness's own idle wait.
            floor = []
            for _ in range(repeats):
                started = time.perf_counter()
                await pilot.pause()
                floor.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), statistics.median(floor)


# --------------------------------------------------------------------------- export


def _range_with(pbx_client: CcallClient, target: int, end: datetime):
    """A date range ending at ``end`` that holds about ``target`` calls (found by bisection)."""

    async def count(hours: float) -> int:
        page = await pbx_client.cdrs(CdrQuery(date_from=end - timedelta(hours=hours), date_to=end, page=1, limit=1))
        return page.paging.record_count or 0

    async def search() -> tuple[datetime, int]:
        low, high = 1.0, 24.0 * 6
        found = await count(high)
        for _ in range(20):
            middle = (low + high) / 2
            found = await count(middle)
            if abs(found - target) <= target * 0.002:
                break
            if found < target:
                low = middle
            else:
                high = middle
        return end - timedelta(hours=middle), found

    return search()


def _digest(path: Path) -> tuple[str, int]:
    data = path.read_bytes()
    return hashlib.sha256(data).hexdigest(), data.count(b"\n") - 1


async def export_speedup(concurrency: int) -> dict[str, object]:
    end = today_midnight()  # a range in the past: the same calls in both runs
    with Simulator("--extensions", "200", "--calls-per-day", "12000") as pbx:
        creds = Credentials("demo", "demo")
        async with CcallClient(pbx.url, creds, timeout=60.0) as client:
            start, found = await _range_with(client, EXPORT_TARGET, end)
            query = CdrQuery(date_from=start, date_to=end)
            folder = Path(mkdtemp(prefix="ccall-bench-export-"))
            await export_to_file(client, query, folder / "warm.csv", "csv", page_size=EXPORT_PAGE_SIZE, concurrency=8)
            pbx.faults(latency_s=0.05)
            results = {}
            for label, level in (("sequential", 1), ("concurrent", concurrency)):
                target = folder / f"{label}.csv"
                started = time.perf_counter()
                count = await export_to_file(
                    client, query, target, "csv", page_size=EXPORT_PAGE_SIZE, concurrency=level
                )
                results[label] = (time.perf_counter() - started, count, _digest(target))
    sequential, concurrent = results["sequential"], results["concurrent"]
    return {
        "records": concurrent[1],
        "pages": -(-concurrent[1] // EXPORT_PAGE_SIZE),
        "sequential_s": sequential[0],
        "concurrent_s": concurrent[0],
        "speedup": sequential[0] / concurrent[0],
        "same_rows_same_order": sequential[2] == concurrent[2] and sequential[1] == concurrent[1],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY)
    args = parser.parse_args()

    repeats = 5 if args.quick else 15
    render, floor = asyncio.run(render_500_rows(repeats))
    print(f"render_500_rows_ms: {render:.1f} ms")
    print(f"pilot_pause_floor_ms: {floor:.1f} ms (included above; an idle pause)")
    # Between page 1 and 2 the footer also changes (previous/first become possible).
    render_edge, _floor = asyncio.run(render_500_rows(repeats, (1, 2)))
    print(f"render_500_rows_first_page_ms: {render_edge:.1f} ms")
    export = asyncio.run(export_speedup(args.concurrency))
    print(f"export_records: {export['records']} records")
    print(f"export_pages: {export['pages']} pages of {EXPORT_PAGE_SIZE}")
    print(f"export_sequential_s: {export['sequential_s']:.2f} s")
    print(f"export_concurrent_s: {export['concurrent_s']:.2f} s (concurrency {args.concurrency})")
    print(f"export_20000_speedup: {export['speedup']:.2f} x")
    print(f"export_same_rows_same_order: {'yes' if export['same_rows_same_order'] else 'NO'}")
    return 0 if export["same_rows_same_order"] else 1


if __name__ == "__main__":
    sys.exit(main())
