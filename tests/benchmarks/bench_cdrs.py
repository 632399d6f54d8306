"""Figures for the call browser. Run: ``python tests/benchmarks/bench_cdrs.py [--quick]``.

Prints one line per figure, ``name: value unit``:

* ``render_500_rows_ms``: a 500-row page put into the browser's table until the screen has
  been updated (``show_page`` + ``await pilot.pause()``), headless, median, alternating
  pages 2 and 3. Target < 100 ms. ``pilot_pause_floor_ms`` is what an idle
  ``pilot.pause()`` costs in the same run (part of the figure above, not of the app). ``render_500_rows_first_page_ms`` alternates pages 1 and 2,
  where the footer's keys change too.
* Export, against the simulator in its own process serving precomputed pages
  (``simulate --precompute``: pages written once, then sent as bytes, so the server is never
  the slow part) with ``--latency`` (default 50 ms) added to every answer, about 20,000
  records in pages of 500 (the app's page size), written as CSV:

  - ``export_cpu_us_per_record``: CPU time of this process per record for the app's export
    (``export_to_file``, the path of the TUI's export and ``ccall-tui cdrs --all``) at
    concurrency 4, median of the runs;
  - ``naive_cpu_us_per_record``: the same for ``naive_export.py`` beside this file (one page
    at a time, httpx + ``json.loads`` + ``csv.writer`` of the same columns, nothing checked),
    measured in the same run, its runs interleaved with the app's. Target: the first <= this;
  - ``export_cpu_vs_naive``: the first / the second, from the same runs;
  - ``export_wall_speedup``: the naive script's wall time / the app's at concurrency 4.
    Target >= 4;
  - ``export_20000_speedup``: the app at concurrency 4 against itself one page at a time;
  - ``bare_concurrent_speedup``: the naive script's wall time / bare requests for the same
    pages, four at a time, each body read whole and nothing else done (a fresh
    ``httpx.AsyncClient``, made inside the timing as the app's is): the most that four
    requests at a time can give on this machine, measured in the same run;
  - ``export_wall_vs_bare``: the app's wall time / the bare requests' (1.0: the app adds nothing
    to four requests at a time), from the same runs;
  - ``export_same_rows_same_order``: whether every run wrote the same rows in the same order
    (and as many as the naive script).

Fair to both sides: the same simulator process, range and pages; each side makes its HTTP
client inside its timing; both read every page once before the timed runs (the simulator
writes its pages then), and before each timed run of the app the values it keeps from call
to call (names, minutes, talk times) are forgotten, so every run is a first export.
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

import httpx

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

import naive_export  # noqa: E402
from benchkit import Simulator, app_services  # noqa: E402

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 11, 27, 10, 30, tzinfo=VN)
EXPORT_TARGET = 20_000
EXPORT_PAGE_SIZE = 500  # the app's own page size (DEFAULT_PAGE_SIZE)


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
        # Whole minutes, as the wire format sends them: the naive script asks the same range.
        start = (end - timedelta(hours=middle)).replace(second=0, microsecond=0)
        return start, found

    return search()


def _digest(path: Path) -> tuple[str, int]:
    data = path.read_bytes()
    return hashlib.sha256(data).hexdigest(), data.count(b"\n") - 1


def _forget_kept_values() -> None:
    """Empty what the app keeps from one call record to the next, as in a fresh process."""
    from ccall_tui.api import call_values, cdrs_fast
    from ccall_tui.monitor import csv_rows

    kept = {
        call_values: ("_CLOCKS", "_MINUTES"),
        cdrs_fast: ("_TEXTS", "_DIRECTIONS", "_CAUSES"),
        csv_rows: ("_NUMBERS", "_MINUTES", "_TEXT_CELLS", "_DIRECTION_CELLS", "_CAUSE_CELLS", "_TTA_CELLS",
                   "_TALK_CELLS", "_PDD_CELLS", "_MOS_CELLS", "_ZONE_MINUTES"),
    }
    for module, names in kept.items():
        for name in names:
            getattr(module, name).clear()


async def _app_export(url: str, query: CdrQuery, target: Path, concurrency: int) -> tuple[float, float, int]:
    """(wall s, CPU s, records) of one export by the app, its client made inside the timing."""
    _forget_kept_values()
    started, cpu = time.perf_counter(), time.process_time()
    async with CcallClient(url, Credentials("demo", "demo"), timeout=60.0) as client:
        count = await export_to_file(
            client, query, target, "csv", page_size=EXPORT_PAGE_SIZE, concurrency=concurrency, overwrite=True
        )
    return time.perf_counter() - started, time.process_time() - cpu, count


def _naive_export(url: str, query: CdrQuery, target: Path) -> tuple[float, float, int]:
    started, cpu = time.perf_counter(), time.process_time()
    count = naive_export.export(
        url, str(target), f"{query.date_from:%Y-%m-%d %H:%M}", f"{query.date_to:%Y-%m-%d %H:%M}",
        page_size=EXPORT_PAGE_SIZE,
    )
    return time.perf_counter() - started, time.process_time() - cpu, count


async def _bare_requests(url: str, query: CdrQuery, pages: int, concurrency: int) -> tuple[float, float, int]:
    """(wall s, CPU s, bytes) of asking for pages 1..``pages`` ``concurrency`` at a time and
    reading each body whole, nothing decoded nor written: the ceiling of the export."""
    body = {
        "api_key": "demo", "api_secret": "demo", "limit": EXPORT_PAGE_SIZE,
        "date_range": {"from": f"{query.date_from:%Y-%m-%d %H:%M}", "to": f"{query.date_to:%Y-%m-%d %H:%M}"},
    }
    numbers = iter(range(1, pages + 1))
    received = 0

    async def worker(http: httpx.AsyncClient) -> None:
        nonlocal received
        for number in numbers:
            async with http.stream("POST", "/cdrs/json", json={"submission": {**body, "page": number}}) as answer:
                content = await answer.aread()
                received += len(content)

    started, cpu = time.perf_counter(), time.process_time()
    async with httpx.AsyncClient(base_url=url, timeout=60.0) as http:
        await asyncio.gather(*(worker(http) for _ in range(concurrency)))
    return time.perf_counter() - started, time.process_time() - cpu, received


def export_figures(concurrency: int, latency_s: float, runs: int) -> dict[str, object]:
    end = today_midnight()  # a range in the past: the same calls in every run
    with Simulator("--extensions", "200", "--calls-per-day", "12000", "--precompute") as pbx:

        async def find() -> tuple[datetime, int]:
            async with CcallClient(pbx.url, Credentials("demo", "demo"), timeout=60.0) as client:
                return await _range_with(client, EXPORT_TARGET, end)

        start, found = asyncio.run(find())
        query = CdrQuery(date_from=start, date_to=end)
        folder = Path(mkdtemp(prefix="ccall-bench-export-"))
        # Once unmeasured: the simulator writes every page now, and both sides are warm.
        asyncio.run(_app_export(pbx.url, query, folder / "warm.csv", 8))
        _naive_export(pbx.url, query, folder / "warm-naive.csv")
        pages = -(-found // EXPORT_PAGE_SIZE)
        asyncio.run(_bare_requests(pbx.url, query, pages, concurrency))
        pbx.faults(latency_s=latency_s)
        results: dict[str, list[tuple[float, float, int]]] = {"naive": [], "sequential": [], "concurrent": [], "bare": []}
        digests = set()
        for run in range(runs):  # interleaved, so a busy moment of the machine hits them all
            results["naive"].append(_naive_export(pbx.url, query, folder / "naive.csv"))
            for label, level in (("sequential", 1), ("concurrent", concurrency)):
                target = folder / f"{label}-{run}.csv"
                results[label].append(asyncio.run(_app_export(pbx.url, query, target, level)))
                digests.add(_digest(target))
            results["bare"].append(asyncio.run(_bare_requests(pbx.url, query, pages, concurrency)))
    naive, sequential, concurrent, bare = (
        [statistics.median(r[i] for r in results[k]) for i in range(3)]
        for k in ("naive", "sequential", "concurrent", "bare")
    )
    # Speedups of the runs side by side (each run's naive wall / that run's app wall), as a range.
    wall_speedups = [n[0] / c[0] for n, c in zip(results["naive"], results["concurrent"])]
    bare_speedups = [n[0] / b[0] for n, b in zip(results["naive"], results["bare"])]
    over_bare = [c[0] / b[0] for c, b in zip(results["concurrent"], results["bare"])]
    records = int(concurrent[2])
    return {
        "records": records,
        "pages": -(-records // EXPORT_PAGE_SIZE),
        "latency_ms": latency_s * 1000,
        "naive_s": naive[0],
        "sequential_s": sequential[0],
        "concurrent_s": concurrent[0],
        "export_cpu_us": concurrent[1] / records * 1e6,
        "sequential_cpu_us": sequential[1] / records * 1e6,
        "naive_cpu_us": naive[1] / int(naive[2]) * 1e6,
        "bare_s": bare[0],
        "bare_cpu_us": bare[1] / records * 1e6,
        "wall_speedup": naive[0] / concurrent[0],
        "wall_speedups": wall_speedups,
        "bare_speedup": naive[0] / bare[0],
        "bare_speedups": bare_speedups,
        "over_bare": over_bare,
        "speedup": sequential[0] / concurrent[0],
        "same_rows_same_order": len(digests) == 1 and int(naive[2]) == records,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY)
    parser.add_argument("--latency", type=float, default=50.0, metavar="MS",
                        help="added to every answer of the simulator (default 50 ms)")
    parser.add_argument("--export-only", action="store_true", help="skip the rendering figures")
    args = parser.parse_args()

    repeats = 5 if args.quick else 15
    if args.export_only:
        return export_main(args)
    render, floor = asyncio.run(render_500_rows(repeats))
    print(f"render_500_rows_ms: {render:.1f} ms")
    print(f"pilot_pause_floor_ms: {floor:.1f} ms (included above; an idle pause)")
    # Between page 1 and 2 the footer also changes (previous/first become possible).
    render_edge, _floor = asyncio.run(render_500_rows(repeats, (1, 2)))
    print(f"render_500_rows_first_page_ms: {render_edge:.1f} ms")
    return export_main(args)


def export_main(args: argparse.Namespace) -> int:
    export = export_figures(args.concurrency, args.latency / 1000, 1 if args.quick else 3)
    print(f"export_records: {export['records']} records")
    print(f"export_pages: {export['pages']} pages of {EXPORT_PAGE_SIZE}, {export['latency_ms']:.0f} ms latency each")
    print(f"export_cpu_us_per_record: {export['export_cpu_us']:.1f} us (concurrency {args.concurrency}; "
          f"one page at a time: {export['sequential_cpu_us']:.1f} us)")
    print(f"naive_cpu_us_per_record: {export['naive_cpu_us']:.1f} us (naive_export.py, same run)")
    print(f"export_cpu_vs_naive: {export['export_cpu_us'] / export['naive_cpu_us']:.2f} x (target <= 1)")
    print(f"export_naive_s: {export['naive_s']:.2f} s")
    print(f"export_sequential_s: {export['sequential_s']:.2f} s")
    print(f"export_concurrent_s: {export['concurrent_s']:.2f} s (concurrency {args.concurrency})")
    print(f"export_bare_s: {export['bare_s']:.2f} s (bare requests, concurrency {args.concurrency}; "
          f"CPU {export['bare_cpu_us']:.1f} us a record)")
    print(f"export_wall_speedup: {export['wall_speedup']:.2f} x (naive script / app at concurrency {args.concurrency}; "
          f"runs {_spread(export['wall_speedups'])})")
    print(f"bare_concurrent_speedup: {export['bare_speedup']:.2f} x (naive script / bare requests at concurrency "
          f"{args.concurrency}: the ceiling; runs {_spread(export['bare_speedups'])})")
    print(f"export_wall_vs_bare: {export['concurrent_s'] / export['bare_s']:.3f} x (app / bare requests: what the app "
          f"adds to the ceiling's wall time; runs {_spread(export['over_bare'])})")
    print(f"export_20000_speedup: {export['speedup']:.2f} x (app one page at a time / concurrency {args.concurrency})")
    print(f"export_same_rows_same_order: {'yes' if export['same_rows_same_order'] else 'NO'}")
    return 0 if export["same_rows_same_order"] else 1

def _spread(values: object) -> str:
    numbers = sorted(values)  # type: ignore[call-overload]
    return f"{numbers[0]:.2f}-{numbers[-1]:.2f}" if numbers else "-"


if __name__ == "__main__":
    sys.exit(main())
