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
- ``minute_scan_ms_50000``: the writer thread's once-a-minute look at the whole answer of
  50,000 extensions (one device each, expiries spread over the hour, phones renewing when
  due, one in a thousand listed past its expiry), median of a few minutes; beside it
  ``minute_scan_old_ms_50000``, the look as it was before (every device read and compared),
  on the same answers in the same run, and their ratio. The answers are read from JSON the
  way the client reads them (rows, parsed only when asked for).
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

import msgspec

from ccall_tui.api.registrations import Registration, RegistrationsSnapshot, read_registrations
from ccall_tui.recorder.devices import compare, devices_of
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


def answer_body(n: int, at: float, start: float) -> bytes:
    """The registrations answer at ``at`` of ``n`` one-phone extensions registered at
    ``start``: each renews when its expiry comes (an hour), the expiries spread over the hour;
    one in a thousand is listed 30 s past its expiry."""
    rows = []
    for i in range(n):
        ext = str(100000 + i)
        expires = start + i * 3600 / n
        while expires <= at:
            expires += 3600
        if i % 1000 == 0:
            expires = at - 30
        stamp = datetime.fromtimestamp(expires, TZ).strftime("%Y-%m-%d %H:%M:%S")
        rows.append({
            "call-id": f"{ext}-c@198.51.100.{i % 250}", "user": f"{ext}@bench.example",
            "contact": f'"{ext}" <sip:{ext}@203.0.113.{i % 250}:5060;transport=udp>',
            "agent": AGENTS[i % 3], "status": f"Registered(UDP)(unknown) exp({stamp}) expsecs({int(expires - at)})",
            "ping-status": "Reachable", "ping-time": "12.34", "network-ip": f"203.0.113.{i % 250}",
            "network-port": "5060", "host": "pbx.bench",
        })
    return msgspec.json.encode({"response": {"registrations": rows}})


def old_scan(writer: HistoryWriter, conn: object, at: float, latest: object) -> None:
    """The minute's look as it was before: every device of the answer read and compared."""
    for ext, regs in latest.items():  # type: ignore[attr-defined]
        known = writer.live.get(ext)
        if not known:
            continue
        fresh = devices_of(regs)
        changes = compare(known, fresh)
        for kind, device, detail in changes:
            writer._device_row(conn, at, ext, kind, device, detail)
        for device in fresh:
            if device.expires is not None and device.expires < at and device.key not in writer._expired.get(ext, ()):
                writer._expired.setdefault(ext, set()).add(device.key)
                writer._device_row(conn, at, ext, "expired", device, writer._stamp(device.expires))
        if changes or fresh != known:
            writer._store_live(conn, ext, fresh)


def bench_minute_scan(n: int, minutes: int) -> tuple[float, float, int, int]:
    """(new ms, old ms, expired rows new, expired rows old): medians over ``minutes``."""
    start = START.timestamp()
    with tempfile.TemporaryDirectory() as tmp:
        writers = []
        for name in ("new", "old"):
            writer = HistoryWriter(Path(tmp) / f"{name}.sqlite", wall_clock=lambda: start)
            writer.start()
            first = read_registrations(answer_body(n, start, start), TZ)
            assert first is not None
            changed = [(ext, 1, len(regs), regs, False) for ext, regs in first.extensions.items()]
            writer.submit(PollItem(start, changed, (n, n), None))
            assert writer.flush(600)
            writers.append(writer)
        took: dict[str, list[float]] = {"new": [], "old": []}
        for minute in range(1, minutes + 1):
            at = start + 60 * minute
            body = answer_body(n, at, start)
            for name, writer in zip(("new", "old"), writers):
                latest = read_registrations(body, TZ)  # each its own: a parsed row stays parsed
                assert latest is not None
                conn = writer._conn  # the writer thread waits on its queue meanwhile
                assert conn is not None
                conn.execute("BEGIN")
                began = time.process_time()
                if name == "new":
                    writer._scan(conn, at, latest.extensions)
                else:
                    old_scan(writer, conn, at, latest.extensions)
                took[name].append((time.process_time() - began) * 1000)
                conn.execute("COMMIT")
        expired = []
        for writer in writers:
            assert writer._conn is not None
            expired.append(writer._conn.execute("SELECT count(*) FROM devices WHERE kind = 'expired'").fetchone()[0])
            writer.close(600)
    return statistics.median(took["new"]), statistics.median(took["old"]), expired[0], expired[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="7 days scaled to 30, fewer rounds")
    parser.add_argument("--scan-only", action="store_true", help="only the minute's look at 50,000 extensions")
    args = parser.parse_args()
    new, old, expired_new, expired_old = bench_minute_scan(50_000, 3 if args.quick else 5)
    assert expired_new == expired_old, (expired_new, expired_old)  # the same facts recorded
    print(f"minute_scan_ms_50000: {new:.1f} ms", flush=True)
    print(f"minute_scan_old_ms_50000: {old:.1f} ms", flush=True)
    print(f"minute_scan_vs_old: {new / old:.3f}", flush=True)
    if args.scan_only:
        return
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
