"""Figures for the extension board.

Run: ``python tests/benchmarks/bench_monitor.py [--quick] [--only apply|step|idle|idle10k|rss|switch]``.

Prints one line per figure, ``name: value unit``:

* ``apply_2000_20changes_ms``: a snapshot of 2,000 extensions with 20 changes (parsed from
  server rows beforehand, as the client does before the screen sees it) handed to the screen,
  until the screen's compositor has produced the updated lines. The span holds
  ``board.apply`` + ``status.succeeded`` + ``screen.show_changes`` (what the poll worker runs),
  then what Textual would do next on its own, done synchronously: each widget that asked for a
  repaint is added to the screen's dirty set (``flush_repaints``, the work of the widgets' idle
  handlers and ``Screen._on_update``), and ``screen._on_timer_update()`` (what the screen's
  update timer calls) renders the dirty regions into a ``CompositorUpdate``. Headless, so the
  update is not encoded for a terminal. Median CPU time of the span (``..._wall_ms``: its wall
  time). Anything left from the previous round is painted before the span starts, and the
  ``pilot.pause()`` between rounds is outside it; ``apply_left_pending`` counts rounds that
  still had a layout, styles or a scroll pending after the span (must be 0, or the figure
  hides work). Target < 5 ms.
* ``rows_redrawn_per_apply``: grid rows rendered again in that span (only changed rows in view).
* ``change_step_ms``: what one change costs the app: CPU of the app for a poll's answer with
  one change minus one with none, 1,000 extensions at 160x48 (median of each, the two kinds
  alternating in one run). The span is the board's update, the screen's drawing, the tick that
  follows a poll, the compositor's update and its encoding for the terminal (headless Textual
  skips that step; here it is done as a terminal driver would, and not written), in a fixed
  0.3 s window after the answer. ``poll_drawn_cpu_ms_*`` are the two medians,
  ``terminal_bytes_*`` what the terminal would be sent for each. Target <= 3 ms.
* ``idle_cpu_percent``: CPU of the app process, headless, polling a loopback server (another
  process, :class:`FlipServer`) that answers 1,000 extensions and flips one of them before
  each answer, every second for 60 s (15 s with ``--quick``); its other rows move as a PBX's
  do (countdowns, renewals, ping times). Target < 1.5 %.
* ``idle_cpu_percent_10000_default``: the same at 10,000 extensions and the default 5 s
  interval. Target < 1 %. Beside it: ``idle_floor_cpu_percent_10000`` (a bare poller: httpx
  post + msgspec decode of the same answers at the same interval, its own process),
  ``idle_cpu_split_10000`` (the app's CPU by thread: the event loop, the answers' reading,
  the history's writer) and ``idle_cpu_percent_10000_unpolled`` (the same board without
  polls: the app's own idle). ``gc_pause_max_ms_10000``: the garbage collector's longest
  pause in that run, from the first answer drawn (when the start resumes it) to the end: the
  longest the screen (or the reading) stood still for it.
* ``rss_growth_mb_10000_polls``: resident memory growth (VmRSS from /proc/self/status, after
  ``gc.collect()`` and glibc's ``malloc_trim``, so freed memory is not counted) over 10,000 varied snapshots (20 flips each, some extensions with two
  devices, parsed from fresh rows each time) applied through the board and the screen, with
  the tick.
  Target < 5 MB. ``rss_probe_mb`` shows the measure can see growth: 10 MB kept alive on purpose.
* ``switch_screen_ms``: F2 (call browser) and F1 (extension board, 1,000 extensions) pressed in
  turn, headless at 160x48, from the key press until the last frame of the burst of frames it
  causes (the compositor's updates handed to the display; the burst ends when no frame follows
  for 150 ms, so the footer's and the widgets' follow-up work is inside). Median of both
  directions once both screens exist; ``switch_screen_first_ms`` is the first F2 (the call browser is built then), and
  ``switch_from_details_ms`` is ``c`` in an extension's details (the browser opens on its
  calls: the switch and the filter, not the request). Target < 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import gc
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from tempfile import mkdtemp
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from ccall_tui import startup_gc  # noqa: E402
from ccall_tui.api.registrations import RegistrationsSnapshot, parse_registrations  # noqa: E402
from ccall_tui.clock import ManualClock  # noqa: E402
from ccall_tui.config import Profile  # noqa: E402
from ccall_tui.factory import build_app  # noqa: E402

from benchkit import Simulator, app_services, free_port  # noqa: E402

VN = ZoneInfo("Asia/Ho_Chi_Minh")
START = datetime(2026, 11, 27, 10, 30, tzinfo=VN)


def registration_row(ext: str, device: int, serial: int) -> dict[str, str]:
    """One row of ``/ext_reg/json`` as the server sends it (the countdown moves every poll)."""
    expires = 3600 - serial % 3600
    return {
        "call-id": f"{ext}-{device}@203.0.113.{device + 7}",
        "user": f"{ext}@bench.example",
        "contact": f'"{ext}" <sip:{ext}@203.0.113.{device + 7}:5060;transport=udp>',
        "agent": "Yealink SIP-T46S 66.86.0.15",
        "status": f"Registered(UDP)(unknown) exp(2026-11-27 18:00:00) expsecs({expires})",
        "ping-status": "Reachable",
        "ping-time": f"{12 + serial % 7}.50",
        "host": "sbc-bench-01",
        "network-ip": f"203.0.113.{device + 7}",
        "network-port": "5060",
    }


def parsed(rows: list[dict[str, str]]) -> RegistrationsSnapshot:
    """What the client hands the board for these rows."""
    return parse_registrations({"response": {"registrations": rows}}, VN)


def snapshots(numbers: list[str], count: int, changes: int, seed: int = 1) -> Iterator[RegistrationsSnapshot]:
    """``count`` snapshots, ``changes`` flips apart, each parsed from fresh rows when asked for
    (as each answer is parsed right before the board gets it)."""
    rng = random.Random(seed)
    online = set(numbers)
    for serial in range(count):
        for ext in rng.sample(numbers, changes):
            online.symmetric_difference_update({ext})
        yield parsed([registration_row(ext, 0, serial) for ext in numbers if ext in online])


def roster(extensions: int) -> tuple[str, ...]:
    """``100-...`` in ranges of at most 5,000 numbers (the config's range limit)."""
    return tuple(
        f"{100 + start}-{100 + min(start + 5000, extensions) - 1}" for start in range(0, extensions, 5000)
    )


def services(base_url: str, *, extensions: int, clock=None, interval: float = 3600, discover: bool = False):
    profile = replace(
        Profile.default("bench"),
        base_url=base_url,
        roster=roster(extensions),
        discover_from_cdrs=discover,
    )
    return app_services(profile, clock=clock, interval=interval)


def _trim() -> None:
    """Hand free heap memory back to the system (glibc), so that VmRSS counts what is alive
    rather than the high-water mark of the memory the parser churns through."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def rss_mb() -> float:
    gc.collect()
    _trim()
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


# --------------------------------------------------------------------------- figures


def flush_repaints(screen, widgets) -> bool:
    """What each widget's idle handler does for a pending repaint (``Widget._check_refresh``
    posts ``messages.Update`` and the screen adds the widget to ``_dirty_widgets``), done at once.

    False when something else is pending (a layout, styles, a scroll): that work would happen
    later, outside the measured span, so the round is counted in ``apply_left_pending``.
    """
    complete = True
    for widget in widgets:
        if widget._layout_required or widget._refresh_styles_required or widget._scroll_required:
            complete = False
        if widget is not screen and widget._repaint_required:  # the screen's own flag: see _on_timer_update
            widget._repaint_required = False
            if widget.display:
                screen._dirty_widgets.add(widget)
    return complete


async def bench_apply(base_url: str, rounds: int) -> dict[str, float]:
    numbers = [str(100 + i) for i in range(2000)]
    snaps = snapshots(numbers, rounds + 21, 20)
    clock = ManualClock(START)
    app = build_app(services(base_url, extensions=2000, clock=clock))
    cpu, wall, rows = [], [], []
    pending = 0
    async with app.run_test(size=(200, 60), headless=True) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        grid = screen.grid
        widgets = list(screen.walk_children(with_self=True))
        for serial in range(rounds + 21):
            now = clock.advance(5)
            # Paint whatever the last pause left (the 1 s tick runs on real time) before timing.
            flush_repaints(screen, widgets)
            screen._on_timer_update()
            snap = next(snaps)  # the poll's answer, parsed just before (outside the span)
            before_rows = grid.rows_rendered
            started_cpu, started = time.process_time(), time.perf_counter()
            changes = screen.board.apply(snap, now)
            screen.status.succeeded(now)
            screen.show_changes(changes)
            left = not flush_repaints(screen, widgets)
            screen._on_timer_update()  # compositor.render_update, as Textual's update timer does
            ended, ended_cpu = time.perf_counter(), time.process_time()
            left = left or bool(screen._dirty_widgets or screen._layout_required or screen._repaint_required)
            rendered = grid.rows_rendered - before_rows
            await pilot.pause()
            if serial >= 21:  # the first ones fill the change log and the seen set
                wall.append((ended - started) * 1000)
                cpu.append((ended_cpu - started_cpu) * 1000)
                rows.append(rendered)
                pending += left
    return {
        "cpu": statistics.median(cpu),
        "wall": statistics.median(wall),
        "rows": statistics.mean(rows),
        "pending": pending,
    }


async def bench_rss(base_url: str, polls: int) -> tuple[float, float]:
    numbers = [str(100 + i) for i in range(1000)]
    clock = ManualClock(START)
    app = build_app(services(base_url, extensions=1000, clock=clock))
    rng = random.Random(3)
    online = set(numbers)

    templates = {(ext, d): registration_row(ext, d, 0) for ext in numbers for d in range(2)}

    def next_snapshot(serial: int) -> RegistrationsSnapshot:
        for ext in rng.sample(numbers, 20):
            online.symmetric_difference_update({ext})
        rows = []
        for ext in numbers:
            if ext in online:
                devices = 2 if (serial + int(ext)) % 97 == 0 else 1
                rows.extend(
                    {**templates[ext, d], "status": f"Registered(UDP) expsecs({3600 - serial % 3600})"}
                    for d in range(devices)
                )
        return parsed(rows)

    async with app.run_test(size=(160, 48), headless=True) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        screen = app.screen
        warmup = 500
        before = 0.0
        for serial in range(warmup + polls):
            if serial == warmup:
                gc.collect()
                before = rss_mb()
            now = clock.advance(5)
            screen.show_changes(screen.board.apply(next_snapshot(serial), now))
            if serial % 10 == 0:
                screen._tick()
            await pilot.pause()
        gc.collect()
        after = rss_mb()
        kept = [bytearray(1024) for _ in range(10 * 1024)]  # 10 MB: the measure must see it
        probe = rss_mb() - after
        del kept
    return after - before, probe


class FlipServer:
    """A loopback server answering ``/ext_reg/json`` with every online extension of ``100..``,
    ``flips`` of them toggled (online <-> offline) before each answer: exactly that many
    changes a poll, whatever the clock says. Its own process, so its CPU is not the app's.
    Other endpoints answer an empty page."""

    def __init__(self, extensions: int, flips: int) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--serve-flips", str(port), str(extensions), str(flips)],
            cwd=ROOT, stdout=subprocess.DEVNULL,
        )
        import socket

        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.1)
        self.proc.kill()
        raise RuntimeError("the flip server did not start")

    def __enter__(self) -> "FlipServer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def serve_flips(port: int, extensions: int, flips: int) -> None:
    """Serve :class:`FlipServer`. Its rows move as a PBX's do between two answers: every
    countdown (``expsecs``) runs down with the clock, a phone re-registers (a new ``exp``) once
    half its hour has passed, and about one ping time in six changes (the PBX pings each
    phone every 30 s): no two answers are the same bytes, as with a real server."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    numbers = [str(100 + i) for i in range(extensions)]
    started = time.time()
    templates = {}
    for ext in numbers:
        row = registration_row(ext, 0, 0)
        row["status"] = "\x00status"
        row["ping-time"] = "\x00ping"
        head, rest = json.dumps(row).split('"\\u0000status"')
        middle, tail = rest.split('"\\u0000ping"')
        templates[ext] = (head, middle, tail)
    rng = random.Random(5)
    # each phone's expiry, spread over the hour so that renewals come a few at a time
    expires = {ext: started + 1800 + rng.uniform(0, 1800) for ext in numbers}
    pings = {ext: f"{rng.uniform(8, 40):.2f}" for ext in numbers}
    online = set(numbers)
    lock = threading.Lock()
    vn = ZoneInfo("Asia/Ho_Chi_Minh")

    def answer() -> bytes:
        now = time.time()
        for ext in rng.sample(numbers, flips):
            online.symmetric_difference_update({ext})
        for ext in rng.sample(numbers, max(1, extensions // 6)):
            pings[ext] = f"{rng.uniform(8, 40):.2f}"
        parts = []
        for ext in numbers:
            if ext not in online:
                continue
            when = expires[ext]
            if when - now < 1800:
                when = expires[ext] = now + 3600
            exp = datetime.fromtimestamp(int(when), vn).strftime("%Y-%m-%d %H:%M:%S")
            head, middle, tail = templates[ext]
            parts.append(f'{head}"Registered(UDP)(unknown) exp({exp}) expsecs({int(when - now)})"{middle}"{pings[ext]}"{tail}')
        return ('{"response": {"registrations": [' + ",".join(parts) + "]}}").encode()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path.startswith("/ext_reg"):
                with lock:
                    body = answer()
            else:
                body = b'{"response": []}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


async def bench_change_step(base_url: str, rounds: int, *, wall: bool = False) -> dict[str, float]:
    """CPU of the app for one poll's answer with one change and with none, at 1,000
    extensions: the board's update, the screen's drawing, the follow-up tick, the
    compositor's update and its encoding for the terminal (what a real driver would write),
    in a fixed 0.3 s window after the answer; the two kinds alternate."""
    from ccall_tui.monitor.events import SnapshotApplied

    numbers = [str(100 + i) for i in range(1000)]
    clock = ManualClock(START)
    app = build_app(services(base_url, extensions=1000, clock=clock))
    rng = random.Random(11)
    online = set(numbers[: 900])
    encoded = [0]
    display = app._display

    def encoding_display(screen, renderable):  # Textual's signature
        if renderable is not None and hasattr(renderable, "render_segments"):
            encoded[0] += len(renderable.render_segments(app.console))  # headless skips this
        return display(screen, renderable)

    app._display = encoding_display
    cpu: dict[int, list[float]] = {0: [], 1: []}
    sizes: dict[int, list[int]] = {0: [], 1: []}
    async with app.run_test(size=(160, 48), headless=True) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause(0.5)
        screen = app.screen
        screen.feed.cancel_timers()  # the answers come from here, one a second of the clock
        if wall:
            await pilot.press("w")
            await pilot.pause(0.5)
        for serial in range(2 * rounds + 20):
            flips = serial % 2
            if flips:
                online.symmetric_difference_update({rng.choice(numbers)})
            snap = parsed([registration_row(ext, 0, serial) for ext in numbers if ext in online])
            now = clock.advance(1)
            encoded[0] = 0
            gc.collect()
            started = time.process_time()
            changes = screen.board.apply(snap, now)
            screen.status.succeeded(now)
            screen.post_message(screen.FeedUpdate(SnapshotApplied(changes, now)))
            await asyncio.sleep(0.3)
            used = (time.process_time() - started) * 1000
            if serial >= 20:
                cpu[flips].append(used)
                sizes[flips].append(encoded[0])
    none, one = statistics.median(cpu[0]), statistics.median(cpu[1])
    return {
        "none": none, "one": one, "step": one - none,
        "bytes_none": statistics.median(sizes[0]), "bytes_one": statistics.median(sizes[1]),
    }


def _thread_cpu() -> dict[str, float]:
    """CPU seconds of each thread of this process, by the thread's name (/proc)."""
    names = {str(t.native_id): t.name for t in threading.enumerate()}
    found: dict[str, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        name = names.get(tid, "other")
        name = "reading" if name.startswith("asyncio_") else name
        found[name] = found.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / tick
    return found


class _CollectorPauses:
    """The collector's pauses while it is being listened to (``gc.callbacks``): how many full
    collections, the longest pause and the time in all of them."""

    def __init__(self) -> None:
        self.started = 0.0
        self.full = 0
        self.longest = 0.0
        self.total = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self.started = time.perf_counter()
            return
        spent = time.perf_counter() - self.started
        self.total += spent
        self.longest = max(self.longest, spent)
        self.full += info["generation"] == 2

    def __enter__(self) -> "_CollectorPauses":
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self)


async def bench_idle_flips(
    base_url: str, extensions: int, interval: float, seconds: float, *, split: dict[str, float] | None = None,
    polled: bool = True, pauses: _CollectorPauses | None = None,
) -> tuple[float, int]:
    """CPU of the app polling ``base_url`` (a :class:`FlipServer`) every ``interval`` s (or,
    not ``polled``, after one answer only: the app's own idle). ``split``: filled with the
    percent of each thread (the event loop, the answer's reading, the history's writer).
    ``pauses``: filled with the collector's pauses from the start on (it is paused while the
    app starts and resumed once the first answer is drawn, as the TUI's command line does:
    ``ccall_tui.startup_gc``)."""
    startup_gc.pause()
    try:
        with pauses if pauses is not None else _CollectorPauses():
            app = build_app(services(base_url, extensions=extensions, interval=interval if polled else 24 * 3600.0))
            async with app.run_test(size=(160, 48), headless=True) as pilot:
                await pilot.pause(max(2.0, interval))  # the first poll drawn
                screen = app.screen
                polls_before = screen.polls_started
                threads = _thread_cpu()
                cpu, wall = time.process_time(), time.monotonic()
                await asyncio.sleep(seconds)
                used = time.process_time() - cpu
                elapsed = time.monotonic() - wall
                if split is not None:
                    for name, spent in _thread_cpu().items():
                        split[name] = 100.0 * (spent - threads.get(name, 0.0)) / elapsed
                polls = screen.polls_started - polls_before
    finally:
        startup_gc.resume()
        gc.unfreeze()  # the next run starts as this one did
    if polled and polls < seconds / interval * 0.5:
        raise RuntimeError(f"only {polls} polls in {seconds:.0f} s: not polling")
    return 100.0 * used / elapsed, polls


def floor_idle(url: str, seconds: float, interval: float) -> float:
    """The floor of an idle poller: a bare ``httpx.AsyncClient`` posting the same request
    every ``interval`` s and decoding each answer with ``msgspec`` (nothing else), in this
    process: its CPU percent over ``seconds``."""
    import httpx
    import msgspec

    async def run() -> float:
        async with httpx.AsyncClient(base_url=url, timeout=60) as http:
            async def poll() -> None:
                answer = await http.post("/ext_reg/json", json={"submission": {"api_key": "k", "api_secret": "s"}})
                msgspec.json.decode(answer.content)

            await poll()
            await asyncio.sleep(2.0)
            cpu, wall = time.process_time(), time.monotonic()
            while time.monotonic() - wall < seconds:
                await poll()
                await asyncio.sleep(interval)
            return 100.0 * (time.process_time() - cpu) / (time.monotonic() - wall)

    return asyncio.run(run())


QUIET_S = 0.15


async def bench_switch(base_url: str, rounds: int) -> dict[str, float]:
    from ccall_tui.ui.screens.cdrs import CdrBrowserScreen
    from ccall_tui.ui.screens.monitor import MonitorScreen

    app = build_app(services(base_url, extensions=1000, clock=ManualClock(START)))
    frames: list[tuple[float, object]] = []
    display = app._display

    def recording_display(screen, renderable):  # Textual's signature
        if renderable is not None:
            frames.append((time.perf_counter(), screen))
        return display(screen, renderable)

    app._display = recording_display

    async def switch(key: str, target: type) -> float:
        """Key press until the last frame of the burst it causes (no frame for QUIET_S after)."""
        frames.clear()
        started = time.perf_counter()
        await pilot.press(key)
        deadline = started + 5
        while time.perf_counter() < deadline:
            await pilot.pause(0.01)
            painted = [t for t, screen in frames if isinstance(screen, target)]
            if painted and time.perf_counter() - frames[-1][0] >= QUIET_S and app.screen is frames[-1][1]:
                return (painted[-1] - started) * 1000
        raise RuntimeError(f"{key}: {target.__name__} did not settle")

    async with app.run_test(size=(160, 48), headless=True) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause(0.5)
        first = await switch("f2", CdrBrowserScreen)
        await app.workers.wait_for_complete()
        await pilot.pause(0.5)
        times = []
        for _ in range(rounds):
            for key, target in (("f1", MonitorScreen), ("f2", CdrBrowserScreen)):
                times.append(await switch(key, target))
                await pilot.pause(0.2)  # let the other screen's idle work finish, outside the span
        await switch("f1", MonitorScreen)
        await pilot.pause(0.2)
        app.screen.open_extension("121")
        await pilot.pause(0.5)
        await app.workers.wait_for_complete()
        details_screen = type(app.screen)
        details = []
        for _ in range(max(3, rounds // 4)):
            details.append(await switch("c", CdrBrowserScreen))
            await pilot.pause(0.2)
            await app.workers.wait_for_complete()
            await switch("f1", details_screen)  # back to the details, on top of the board
            await pilot.pause(0.3)
    return {"median": statistics.median(times), "first": first, "details": statistics.median(details)}


def main() -> int:
    if sys.argv[1:2] == ["--floor-idle"]:
        print(f"{floor_idle(sys.argv[2], float(sys.argv[3]), float(sys.argv[4])):.4f}")
        return 0
    if sys.argv[1:2] == ["--serve-flips"]:
        port, extensions, flips = (int(value) for value in sys.argv[2:5])
        serve_flips(port, extensions, flips)
        return 0
    figures = ("apply", "step", "idle", "idle10k", "rss", "switch")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="15 s of idle CPU instead of 60 s")
    parser.add_argument("--only", choices=figures, action="append", help="measure only this (repeatable)")
    args = parser.parse_args()
    only = set(args.only or figures)
    os.environ.setdefault("CCALL_STATE_DIR", mkdtemp(prefix="ccall-bench-state-"))
    if "apply" in only:
        with Simulator("--extensions", "2000") as pbx:
            apply = asyncio.run(bench_apply(pbx.url, 60 if args.quick else 200))
            print(f"apply_2000_20changes_ms: {apply['cpu']:.2f} ms", flush=True)
            print(f"apply_2000_20changes_wall_ms: {apply['wall']:.2f} ms", flush=True)
            print(f"apply_left_pending: {apply['pending']} rounds", flush=True)
            print(f"rows_redrawn_per_apply: {apply['rows']:.1f} rows", flush=True)
    if "step" in only:
        with FlipServer(1000, 0) as server:
            step = asyncio.run(bench_change_step(server.url, 30 if args.quick else 100))
            print(f"change_step_ms: {step['step']:.2f} ms", flush=True)
            print(f"poll_drawn_cpu_ms_no_change: {step['none']:.2f} ms", flush=True)
            print(f"poll_drawn_cpu_ms_one_change: {step['one']:.2f} ms", flush=True)
            print(f"terminal_bytes_no_change: {step['bytes_none']:.0f} bytes", flush=True)
            print(f"terminal_bytes_one_change: {step['bytes_one']:.0f} bytes", flush=True)
            wall = asyncio.run(bench_change_step(server.url, 30 if args.quick else 100, wall=True))
            print(f"change_step_wall_ms: {wall['step']:.2f} ms", flush=True)
            print(f"poll_drawn_cpu_ms_wall_no_change: {wall['none']:.2f} ms", flush=True)
    if "switch" in only:
        with Simulator("--extensions", "1000") as pbx:
            switch = asyncio.run(bench_switch(pbx.url, 10 if args.quick else 30))
            print(f"switch_screen_ms: {switch['median']:.1f} ms", flush=True)
            print(f"switch_screen_first_ms: {switch['first']:.1f} ms", flush=True)
            print(f"switch_from_details_ms: {switch['details']:.1f} ms", flush=True)
    seconds = 15.0 if args.quick else 60.0
    if "idle" in only:
        with FlipServer(1000, 1) as server:
            cpu, polls = asyncio.run(bench_idle_flips(server.url, 1000, 1.0, seconds))
            print(f"idle_cpu_percent: {cpu:.2f} %", flush=True)
    if "idle10k" in only:
        with FlipServer(10_000, 1) as server:
            floor = subprocess.run(
                [sys.executable, __file__, "--floor-idle", server.url, str(seconds), "5"],
                cwd=ROOT, capture_output=True, text=True, check=True,
            )
            print(f"idle_floor_cpu_percent_10000: {float(floor.stdout):.2f} % (a bare httpx post + msgspec "
                  "decode every 5 s, its own process)", flush=True)
            split: dict[str, float] = {}
            pauses = _CollectorPauses()
            cpu, polls = asyncio.run(bench_idle_flips(server.url, 10_000, 5.0, seconds, split=split, pauses=pauses))
            print(f"idle_cpu_percent_10000_default: {cpu:.2f} %", flush=True)
            print(f"gc_pause_max_ms_10000: {pauses.longest * 1000:.1f} ms (the collector's longest pause from the "
                  f"first answer drawn to the end; {pauses.full} full collections, {pauses.total * 1000:.0f} ms "
                  "in all)", flush=True)
            print("idle_cpu_split_10000: " + ", ".join(
                f"{name} {share:.2f} %" for name, share in sorted(split.items(), key=lambda kv: -kv[1])), flush=True)
            unpolled, _polls = asyncio.run(bench_idle_flips(server.url, 10_000, 5.0, seconds, polled=False))
            print(f"idle_cpu_percent_10000_unpolled: {unpolled:.2f} % (the same board, no poll after the first)",
                  flush=True)
    if "rss" in only:
        with Simulator("--extensions", "1000") as pbx:
            growth, probe = asyncio.run(bench_rss(pbx.url, 10_000))
            print(f"rss_growth_mb_10000_polls: {growth:.2f} MB", flush=True)
            print(f"rss_probe_mb: {probe:.2f} MB", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
