"""Flight recorder benchmarks, printed as ``name: value unit``.

Run: ``python tests/benchmarks/bench_history.py [--quick]``.

- ``record_poll_ms``: the loop side of recording one poll of a 2,000-extension board with 20
  changes (what the feed's subscriber does before the writer thread takes over), median of
  many polls while the writer thread writes. Limit < 1 ms.
- ``db_mb_1000ext_30d``: the database after 30 days of 1,000 extensions polled every minute
  with churn (each phone off at night, on in the day, and a few reboots a day with a new
  address now and then), written through the real writer. Limit < 100 MB. With ``--quick``:
  7 days, scaled to 30.
- ``strip_7d_ms``: one extension's 7-day strip (168 cells) from that database, median.
  Limit < 20 ms.
- ``rewind_ms``: the whole board at a random past minute for 2,000 extensions (2 days
  recorded), the slowest of 40. Limit < 200 ms.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from ccall_tui.api.registrations import Registration, RegistrationsSnapshot
from ccall_tui.monitor.board import ExtensionBoard
from ccall_tui.monitor.events import SnapshotApplied
from ccall_tui.recorder.history import History
from ccall_tui.recorder.recorder import FlightRecorder
from ccall_tui.recorder.writer import HistoryWriter, PollItem

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
START = datetime(2026, 10, 1, 0, 0, tzinfo=TZ)
AGENTS = ("Yealink SIP-T46S 66.86.0.15", "Grandstream GXP2170 1.0.11.3", "Zoiper rv2.10.20.2")


def registration(ext: str, ip_suffix: int, at: datetime) -> Registration:
    return Registration(
        extension=ext, user=f"{ext}@bench.example", agent=AGENTS[int(ext) % 3],
        contact=f"<sip:{ext}@203.0.113.{ip_suffix}:5060>", ip=f"203.0.113.{ip_suffix}", port=5060,
        transport="UDP", expires_at=at + timedelta(seconds=3600), expires_in_s=3600,
        ping_status="Reachable", call_id=f"{ext}-{ip_suffix}",
    )


class _Feed:
    def __init__(self, board: ExtensionBoard) -> None:
        self.board = board

    def subscribe(self, _subscriber: object) -> object:
        return lambda: None


def bench_record_poll(rounds: int) -> float:
    exts = [str(10000 + i) for i in range(2000)]
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        writer = HistoryWriter(Path(tmp) / "h.sqlite", wall_clock=lambda: START.timestamp())
        writer.start()
        history = History(writer.path, TZ, writer=writer)
        now = START
        board = ExtensionBoard(exts, now=now)
        recorder = FlightRecorder(_Feed(board), history, clock=lambda: now)
        online = {ext: (registration(ext, int(ext) % 250, now),) for ext in exts if rng.random() < 0.8}
        recorder.on_event(SnapshotApplied(board.apply(RegistrationsSnapshot(dict(online)), now), now))
        times = []
        for _ in range(rounds):
            now += timedelta(seconds=5)
            for ext in rng.sample(exts, 20):
                if ext in online:
                    del online[ext]
                else:
                    online[ext] = (registration(ext, rng.randrange(250), now),)
            changes = board.apply(RegistrationsSnapshot(dict(online)), now)
            event = SnapshotApplied(changes, now)
            began = time.perf_counter()
            recorder.on_event(event)
            times.append((time.perf_counter() - began) * 1000)
            time.sleep(0.002)  # the writer thread writes meanwhile, as it would between polls
        writer.close()
    return statistics.median(times)


def simulate(path: Path, extensions: int, days: float, seed: int = 7) -> float:
    """Write ``days`` of ``extensions`` polled each minute with churn; returns seconds taken."""
    rng = random.Random(seed)
    exts = [str(10000 + i) for i in range(extensions)]
    clock = {"now": START.timestamp()}
    writer = HistoryWriter(path, wall_clock=lambda: clock["now"], max_mb=100_000)
    writer.start()
    # each phone: on from about 7-9h to 17-19h, plus reboots (off a few minutes) 2 a day
    plan = {ext: (rng.uniform(7, 9), rng.uniform(17, 19), rng.randrange(250)) for ext in exts}
    state = dict.fromkeys(exts, False)
    rebooting: dict[str, float] = {}
    began = time.perf_counter()
    minutes = int(days * 1440)
    for minute in range(minutes):
        at = START + timedelta(minutes=minute)
        ts = at.timestamp()
        clock["now"] = ts
        hour = at.hour + at.minute / 60
        changed = []
        for ext in exts:
            on_at, off_at, ip = plan[ext]
            up = on_at <= hour < off_at
            if up and ext not in rebooting and rng.random() < 2 / (10 * 60):
                rebooting[ext] = ts + rng.uniform(60, 600)
                if rng.random() < 0.3:  # came back with another address
                    plan[ext] = (on_at, off_at, rng.randrange(250))
            if ext in rebooting:
                if ts >= rebooting[ext]:
                    del rebooting[ext]
                else:
                    up = False
            if up != state[ext] or minute == 0:
                state[ext] = up
                regs = (registration(ext, plan[ext][2], at),) if up else ()
                changed.append((ext, 1 if up else 2, len(regs), regs))
        count = (sum(state.values()), extensions)
        writer.submit(PollItem(ts, changed, count, None))
        if minute % 1440 == 0:
            writer.flush(600)
    writer.close(600)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="7 days scaled to 30, fewer rounds")
    args = parser.parse_args()
    print(f"record_poll_ms: {bench_record_poll(100 if args.quick else 400):.3f} ms", flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        days = 7 if args.quick else 30
        path = Path(tmp) / "h1000.sqlite"
        took = simulate(path, 1000, days)
        size = sum(p.stat().st_size for p in path.parent.glob("h1000.sqlite*")) / 1e6
        print(f"db_mb_1000ext_30d: {size * 30 / days:.1f} MB", flush=True)
        print(f"db_write_30d_s: {took * 30 / days:.1f} s", flush=True)
        history = History(path, TZ)
        end = START + timedelta(days=days)
        rng = random.Random(3)
        strips = []
        for _ in range(20):
            ext = str(10000 + rng.randrange(1000))
            began = time.perf_counter()
            strip = history.strip(ext, end - timedelta(days=7), end, 168)
            strips.append((time.perf_counter() - began) * 1000)
            assert strip.uptime_pct is not None
        print(f"strip_7d_ms: {statistics.median(strips):.2f} ms", flush=True)
        history.close()

        path = Path(tmp) / "h2000.sqlite"
        simulate(path, 2000, 1 if args.quick else 2, seed=11)
        history = History(path, TZ)
        span = (1 if args.quick else 2) * 1440
        rewinds = []
        for _ in range(40):
            at = START + timedelta(minutes=rng.randrange(1, span - 1), seconds=30)
            began = time.perf_counter()
            board = history.board_at(at)
            rewinds.append((time.perf_counter() - began) * 1000)
            assert board.known and len(board.states) == 2000
        print(f"rewind_ms: {max(rewinds):.1f} ms", flush=True)
        print(f"rewind_median_ms: {statistics.median(rewinds):.1f} ms", flush=True)
        history.close()


if __name__ == "__main__":
    main()
