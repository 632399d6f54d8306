"""Figures for one poll of the board's engine, each beside its floor from the same run.

Run: ``python tests/benchmarks/bench_poll.py [--quick] [--only poll|rss]``.

A loopback server in its own process (``poll_server.py``: precomputed bodies, ``K`` = 20
extensions flipped per answer, every row's expiry countdown and ping time moving) serves both
sides, so the app and the floor read the same bytes. Prints ``name: value unit`` lines:

* ``poll_ms_<N>`` / ``floor_ms_<N>``: CPU of this process (``time.process_time``: every thread,
  the server is elsewhere) for one whole poll of the engine (``BoardFeed.poll_now()`` until its
  ``SnapshotApplied``: request, body, decode, parse, compare, ``board.apply``) and for the
  floor (a bare ``httpx.AsyncClient.post`` of the same request + ``msgspec.json.decode`` of the
  body), median of alternating rounds after a warm-up, at N = 1,000, 5,000 and 20,000.
  ``..._wall_ms_<N>``: the same in wall time.
* ``poll_vs_floor_<N>``: ``poll_ms_<N>`` / ``floor_ms_<N>`` (target at 20,000: <= 1.5);
  ``poll_vs_floor_wall_<N>``: the same in wall time.
* ``loop_blocked_ms_<N>``: the longest stretch the event loop could not run a ticker task
  (it sleeps 1 ms at a time) during an app poll, the largest over the rounds, counted in this
  process's CPU time spent during the stretch, i.e. the loop held up by the process's own
  work in any of its threads (target at 20,000: <= 16 ms, one frame at 60 Hz).
  ``loop_blocked_wall_ms_<N>``: the same stretch in wall time, which also counts the time the
  machine gave other processes instead (on a busy machine it says more about the machine).
  ``floor_loop_blocked_...``: the same during the floor's rounds (it decodes on the loop).
* ``rss_kb_per_extension``: in a fresh process, resident memory (after ``gc.collect()`` and
  ``malloc_trim``) once a board holds 50,000 online extensions after 4 polls, minus the same
  process with the client built and before the first poll, per extension (target <= 2 KB).
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import gc
import json
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import msgspec  # noqa: E402

from ccall_tui.api.client import CcallClient  # noqa: E402
from ccall_tui.config import Profile  # noqa: E402
from ccall_tui.credentials import Credentials  # noqa: E402
from ccall_tui.monitor.events import PollFailed, SnapshotApplied  # noqa: E402
from ccall_tui.monitor.feed import BoardFeed  # noqa: E402

from benchkit import free_port  # noqa: E402

VN = ZoneInfo("Asia/Ho_Chi_Minh")
FLIPS = 20
# 50,000 registrations are ~23 MB: such a tenant raises max_answer_mb.
MAX_BODY_BYTES = 64 * 1024 * 1024
SUBMISSION = {"submission": {"api_key": "demo", "api_secret": "demo"}}


class PollServer:
    """``poll_server.py`` in its own process (its CPU is not this process's)."""

    def __init__(self, extensions: int, flips: int = FLIPS) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("poll_server.py")), "--port", str(port),
             "--extensions", str(extensions), "--flips", str(flips)],
            stdout=subprocess.PIPE, text=True,
        )
        assert self.proc.stdout is not None
        if self.proc.stdout.readline().strip() != "ready":
            self.proc.kill()
            raise RuntimeError("the poll server did not start")

    def __enter__(self) -> PollServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class NoTimer:
    """Polls only when the benchmark asks: nothing is scheduled."""

    def __call__(self, delay, callback, name):
        return self

    def stop(self) -> None:
        pass


def make_feed(url: str) -> tuple[BoardFeed, CcallClient]:
    client = CcallClient(
        url + "/app", Credentials("demo", "demo"), timeout=60, tz=VN, max_body_bytes=MAX_BODY_BYTES
    )
    profile = replace(Profile.default("bench"), base_url=url + "/app")
    feed = BoardFeed.for_profile(
        profile, None, clock=lambda: datetime.now(VN), client=lambda: client,
        interval=3600, timer=NoTimer(),
    )
    return feed, client


async def app_poll(feed: BoardFeed) -> None:
    done = asyncio.get_running_loop().create_future()

    def listen(event: object) -> None:
        if isinstance(event, (SnapshotApplied, PollFailed)) and not done.done():
            done.set_result(event)

    unsubscribe = feed.subscribe(listen)
    try:
        feed.poll_now()
        event = await done
    finally:
        unsubscribe()
    await feed.idle()
    if isinstance(event, PollFailed):
        raise RuntimeError(f"the poll failed: {event.message}")


async def floor_poll(http: httpx.AsyncClient) -> None:
    response = await http.post("/ext_reg/json", json=SUBMISSION)
    msgspec.json.decode(response.content)


class Ticker:
    """A task that sleeps 1 ms at a time and keeps the longest it had to wait beyond that:
    ``worst`` in wall time, and ``worst_cpu`` in this process's CPU time spent meanwhile (the
    loop blocked by this process's own work, whichever thread did it; a stretch where the
    machine ran something else instead does not count there)."""

    def __init__(self) -> None:
        self.worst = 0.0
        self.worst_cpu = 0.0
        self._task: asyncio.Task[None] | None = None

    def reset(self) -> None:
        self.worst = self.worst_cpu = 0.0

    async def _run(self) -> None:
        while True:
            started, cpu = time.perf_counter(), time.process_time()
            await asyncio.sleep(0.001)
            late = time.perf_counter() - started - 0.001
            busy = time.process_time() - cpu
            self.worst = max(self.worst, late)
            self.worst_cpu = max(self.worst_cpu, busy)

    async def settle(self) -> None:
        """Let the ticker see the end of the last stretch before it is read."""
        await asyncio.sleep(0.005)

    def __enter__(self) -> Ticker:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()


class NoTicker(Ticker):
    """The rounds that measure CPU run without the ticker: its own wake-ups would be
    counted, more of them on the side whose poll lets the loop run."""

    def __enter__(self) -> Ticker:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


async def measure_poll(url: str, rounds: int) -> dict[str, float]:
    feed, client = make_feed(url)
    times: dict[str, list[float]] = {"app_cpu": [], "app_wall": [], "floor_cpu": [], "floor_wall": []}
    blocked = {"app": 0.0, "app_cpu": 0.0, "floor": 0.0, "floor_cpu": 0.0}
    async with httpx.AsyncClient(base_url=url + "/floor", timeout=60) as http, client:
        for _ in range(3):  # the first poll fills the board; then caches settle
            await app_poll(feed)
            await floor_poll(http)
        for ticker in (NoTicker(), Ticker()):
            with ticker:
                for _ in range(rounds if isinstance(ticker, NoTicker) else max(5, rounds // 3)):
                    for side, poll in (("app", lambda: app_poll(feed)), ("floor", lambda: floor_poll(http))):
                        await asyncio.sleep(0.02)
                        ticker.reset()
                        cpu, wall = time.process_time(), time.perf_counter()
                        await poll()
                        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                        if isinstance(ticker, NoTicker):
                            times[side + "_cpu"].append(cpu)
                            times[side + "_wall"].append(wall)
                        else:
                            await ticker.settle()
                            blocked[side] = max(blocked[side], ticker.worst)
                            blocked[side + "_cpu"] = max(blocked[side + "_cpu"], ticker.worst_cpu)
    feed.stop()
    return {
        **{name: statistics.median(values) * 1000 for name, values in times.items()},
        "app_blocked": blocked["app_cpu"] * 1000,
        "app_blocked_wall": blocked["app"] * 1000,
        "floor_blocked": blocked["floor_cpu"] * 1000,
        "floor_blocked_wall": blocked["floor"] * 1000,
        "online": feed.board.online_count,
    }


def rss_kb() -> float:
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return float(line.split()[1])
    return float("nan")


async def measure_rss(url: str, polls: int) -> dict[str, float]:
    feed, client = make_feed(url)
    async with client:
        # One request first, so the connection and httpx's own first-use memory are in "before".
        async with httpx.AsyncClient(base_url=url + "/floor", timeout=60) as http:
            await http.post("/ext_reg/json", json=SUBMISSION)
        before = rss_kb()
        for _ in range(polls):
            await app_poll(feed)
        after = rss_kb()
        online = feed.board.online_count
    feed.stop()
    return {"kb": (after - before) / online, "online": online, "mb": (after - before) / 1024}


def print_figure(name: str, value: float, unit: str) -> None:
    print(f"{name}: {value:.2f} {unit}".rstrip(), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    parser.add_argument("--only", choices=("poll", "rss"), action="append", help="measure only this")
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 5000, 20000])
    parser.add_argument("--rss-child", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss_child:
        print(json.dumps(asyncio.run(measure_rss(args.rss_child, 4))), flush=True)
        return 0
    only = set(args.only or ("poll", "rss"))
    if "poll" in only:
        for size in args.sizes:
            rounds = (10 if args.quick else 30) if size >= 20000 else (20 if args.quick else 60)
            with PollServer(size) as server:
                got = asyncio.run(measure_poll(server.url, rounds))
            print_figure(f"poll_ms_{size}", got["app_cpu"], "ms")
            print_figure(f"floor_ms_{size}", got["floor_cpu"], "ms")
            print_figure(f"poll_vs_floor_{size}", got["app_cpu"] / got["floor_cpu"], "")
            print_figure(f"poll_wall_ms_{size}", got["app_wall"], "ms")
            print_figure(f"floor_wall_ms_{size}", got["floor_wall"], "ms")
            print_figure(f"poll_vs_floor_wall_{size}", got["app_wall"] / got["floor_wall"], "")
            print_figure(f"loop_blocked_ms_{size}", got["app_blocked"], "ms")
            print_figure(f"floor_loop_blocked_ms_{size}", got["floor_blocked"], "ms")
            print_figure(f"loop_blocked_wall_ms_{size}", got["app_blocked_wall"], "ms")
            print_figure(f"floor_loop_blocked_wall_ms_{size}", got["floor_blocked_wall"], "ms")
    if "rss" in only:
        with PollServer(50_000) as server:
            child = subprocess.run(
                [sys.executable, __file__, "--rss-child", server.url],
                capture_output=True, text=True, check=True,
            )
        got = json.loads(child.stdout.strip().splitlines()[-1])
        if got["online"] < 49_000:
            raise RuntimeError(f"the board holds {got['online']} online extensions, not 50,000")
        print_figure("rss_mb_50000", got["mb"], "MB")
        print_figure("rss_kb_per_extension", got["kb"], "KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
