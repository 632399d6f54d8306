"""What the alert engine costs per poll at 10,000 extensions: the feed event it hears and the
tick that follows (the tick runs every 5 s, as often as the default poll), with the usual
registration rules on the whole tenant (offline, online_below, unreachable, flapping), 2 %
offline, 1 % unreachable and one extension changing per poll.

    python tests/benchmarks/bench_alert_engine.py [--extensions 10000] [--polls 200]

Prints ``alert_engine_poll_us_10000: value us`` (CPU per poll: event + tick) and the parts.
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from ccall_tui.alerts.engine import AlertEngine
from ccall_tui.alerts.rules import parse_rule
from ccall_tui.api.registrations import Registration, RegistrationsSnapshot
from ccall_tui.monitor.board import ExtensionBoard
from ccall_tui.monitor.events import SnapshotApplied

VN = ZoneInfo("Asia/Ho_Chi_Minh")
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=VN)

RULES = [
    {"name": "down", "kind": "offline", "minutes": 5},
    {"name": "few online", "kind": "online_below", "percent": 50},
    {"name": "no ping", "kind": "unreachable", "minutes": 5},
    {"name": "flaps", "kind": "flapping", "flaps": 3, "minutes": 10},
    {"name": "reception", "kind": "offline", "extensions": ["100-109"], "minutes": 1},
]


class Feed:
    def __init__(self, board: ExtensionBoard) -> None:
        self.board = board
        self.subscribers: list = []

    def subscribe(self, subscriber):
        self.subscribers.append(subscriber)
        return lambda: None


def registrations(numbers: list[str], unreachable: set[str]) -> dict[str, tuple[Registration, ...]]:
    return {n: (Registration(extension=n, user=f"{n}@t.example", call_id=f"{n}-0",
                             ping_status="Unreachable" if n in unreachable else "Reachable", ping_ms=12.0),)
            for n in numbers}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--extensions", type=int, default=10_000)
    parser.add_argument("--polls", type=int, default=200)
    parser.add_argument("--offline-every", type=int, default=50, help="one extension in this many offline")
    args = parser.parse_args()
    n = args.extensions
    numbers = [str(1000 + i) for i in range(n)]
    offline = set(numbers[::args.offline_every])  # 2 % by default
    unreachable = set(numbers[1::args.offline_every * 2])  # 1 % by default
    board = ExtensionBoard(numbers, {}, T0, seen=set(numbers))
    feed = Feed(board)
    now = [T0]
    engine = AlertEngine([parse_rule(r) for r in RULES], feed, clock=lambda: now[0],
                         timer=lambda delay, callback, name: None)
    engine.start()
    online = [x for x in numbers if x not in offline]
    base = registrations(online, unreachable)
    changes = board.apply(RegistrationsSnapshot(extensions=dict(base)), now[0])
    engine.on_feed_event(SnapshotApplied(changes, now[0]))
    engine.tick()
    # Warm: everything offline or unreachable has fired.
    now[0] += timedelta(minutes=10)
    engine.tick()
    event_s = tick_s = 0.0
    flip = online[len(online) // 2]
    for poll in range(args.polls):
        now[0] += timedelta(seconds=5)
        answer = dict(base)
        if poll % 2 == 0:
            del answer[flip]
        changes = board.apply(RegistrationsSnapshot(extensions=answer), now[0])
        event = SnapshotApplied(changes, now[0])
        started = time.process_time()
        engine.on_feed_event(event)
        middle = time.process_time()
        engine.tick()
        event_s += middle - started
        tick_s += time.process_time() - middle
    per = 1e6 / args.polls
    print(f"alert_engine_event_us_{n}: {event_s * per:.0f} us")
    print(f"alert_engine_tick_us_{n}: {tick_s * per:.0f} us")
    print(f"alert_engine_poll_us_{n}: {(event_s + tick_s) * per:.0f} us")
    print(f"active alerts: {len(engine.active)}")


if __name__ == "__main__":
    main()
