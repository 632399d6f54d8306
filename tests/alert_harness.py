"""The alert engine wired as the app wires it (board feed, call follower, engine) against the
simulated PBX, every timer on the manual clock: a test moves the clock and the polls, reads and
ticks that fall due run in order, over loopback HTTP."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timedelta

from ccall_tui.alerts.engine import AlertEngine
from ccall_tui.alerts.follower import CallFollower
from ccall_tui.alerts.model import AlertFired, AlertResolved
from ccall_tui.alerts.rules import parse_rule
from ccall_tui.monitor.feed import BoardFeed
from ccall_tui.services import AppServices
from ccall_tui.sim.calls import Call
from ccall_tui.sim.clock import PBX_TZ
from ccall_tui.sim.life import LiveCallHistory


class _Handle:
    def __init__(self) -> None:
        self.stopped = False

    def stop(self) -> None:
        self.stopped = True


class ManualTimers:
    """Timers on the manual clock: nothing fires until the test moves the clock."""

    def __init__(self, clock, *, settle_first: bool = True) -> None:
        self.clock = clock
        # let work already started (a first read) finish before the clock moves; off for a
        # test that asserts what happens while an answer is still on its way
        self.settle_first = settle_first
        self.pending: list[tuple] = []
        self.idlers: list = []
        self._seq = 0

    def __call__(self, delay, callback, name):
        handle = _Handle()
        self._seq += 1
        self.pending.append((self.clock() + timedelta(seconds=delay), self._seq, name, callback, handle))
        return handle

    def live(self) -> list[tuple]:
        return sorted(t for t in self.pending if not t[4].stopped)

    def due_in(self, name: str) -> float | None:
        """Seconds until the live timer ``name`` fires (None when none is armed)."""
        for due, _seq, timer_name, _cb, _h in self.live():
            if timer_name == name:
                return (due - self.clock()).total_seconds()
        return None

    async def advance(self, seconds: float) -> None:
        """Move the clock, firing every timer that falls due, in order, and letting the
        work it starts (``idlers``) finish before the next one."""
        target = self.clock() + timedelta(seconds=seconds)
        for idle in self.idlers if self.settle_first else ():
            await idle()
        while True:
            self.pending = [t for t in self.pending if not t[4].stopped]
            due = sorted(t for t in self.pending if t[0] <= target)
            if not due:
                break
            moment, _seq, _name, callback, handle = due[0]
            handle.stopped = True
            if moment > self.clock():
                self.clock.set(moment)
            callback()
            for idle in self.idlers:
                await idle()
        self.clock.set(target)


def rules(*tables: dict) -> list:
    return [parse_rule(table) for table in tables]


class Harness:
    """Feed + follower + engine on one set of manual timers; ``events`` collects what the
    engine emitted, ``recorded`` what it handed the flight recorder."""

    def __init__(self, sim, clock, credentials, profile, state_dir, rule_list, *, watched=(), poll_s=10.0,
                 follower_s=30.0, tick_s=5.0) -> None:
        self.sim, self.clock = sim, clock
        profile = replace(profile, watched=frozenset(watched), discover_from_cdrs=False)
        self.services = AppServices(profile=profile, credentials=credentials, credential_source="test",
                                    clock=clock, state_dir=state_dir, poll_interval=poll_s)
        self._client = None
        self.timers = ManualTimers(clock)
        self.feed = BoardFeed.for_profile(profile, state_dir, interval=poll_s, clock=clock, client=self.client,
                                          timer=self.timers)
        self.feed.status.rng = self.feed.status.backoff.rng = random.Random(3)
        self.follower = CallFollower(self.client, clock=clock, interval=follower_s, timer=self.timers)
        self.recorded: list[tuple] = []
        self.engine = AlertEngine(rule_list, self.feed, clock=clock, follower=self.follower,
                                  watched=profile.watched, timer=self.timers, tick_s=tick_s,
                                  record=lambda *args: self.recorded.append(args))
        self.timers.idlers = [self.feed.idle, self.follower.idle]
        self.events: list = []
        self.engine.subscribe(self.events.append)

    def client(self):
        if self._client is None:
            self._client = self.services.make_client()
        return self._client

    async def start(self) -> None:
        self.feed.start()
        self.engine.start()
        await self.feed.idle()
        await self.follower.idle()

    async def run(self, seconds: float) -> None:
        await self.timers.advance(seconds)

    async def close(self) -> None:
        self.engine.stop()
        self.feed.stop()
        if self._client is not None:
            await self._client.aclose()

    def fired(self, rule: str | None = None) -> list:
        return [e.alert for e in self.events if isinstance(e, AlertFired) and rule in (None, e.alert.rule)]

    def resolved(self, rule: str | None = None) -> list:
        return [e.alert for e in self.events if isinstance(e, AlertResolved) and rule in (None, e.alert.rule)]


def live_calls(sim) -> LiveCallHistory:
    """The simulator's call history, open to calls a test makes happen."""
    tenant = sim.tenant
    if not isinstance(tenant.calls, LiveCallHistory):
        old = tenant.calls
        tenant.calls = LiveCallHistory(tenant, calls_per_day=old.weekday_calls, history_days=old.history_days)
    return tenant.calls


_ids = iter(range(1, 10**9))


def add_call(sim, *, ago_s: float = 60, direction: str = "inbound", source: str = "0901234567",
             destination: str = "105", cause: str = "NORMAL_CLEARING", answered: bool = True,
             mos: float | None = 4.3, talk_s: int = 40) -> str:
    """A call that finished just now and started ``ago_s`` seconds ago; returns its id."""
    now: datetime = sim.tenant.now()
    start_ts = int(now.timestamp() - ago_s)
    start = datetime.fromtimestamp(start_ts, PBX_TZ).replace(tzinfo=None)
    call_id = f"a1a1a1a1-0000-4000-8000-{next(_ids):012d}"
    call = Call(
        call_id=call_id, start_ts=start_ts, start=start.strftime("%Y-%m-%d %H:%M:%S"),
        end_ts=int(now.timestamp()), direction=direction, source=source, destination=destination,
        source_extension=source if direction != "inbound" else None,
        external_name="Khách hàng" if direction == "inbound" else "", cause=cause,
        tta=5 if answered else None, talk_s=talk_s if answered else 0, pdd=0.8,
        mos=mos if answered else None,
    )
    live_calls(sim).add_finished(call)
    return call_id


def header_counts(board) -> dict[str, int]:
    """What the board's header line reads (``36/60 online  ◐ 2 unreachable  ○ 4 offline …``), as
    numbers: online, total, and each state it names."""
    import re

    from ccall_tui.ui.widgets.summary import count_text

    text = count_text(board.counts, len(board)).plain
    online, total = re.match(r"\s*(\d+)/(\d+) online", text).groups()
    found = {"online": int(online), "total": int(total)}
    for count, word in re.findall(r"[◐○·?]\s+(\d+) (unreachable|offline|never seen|unknown)", text):
        found[word] = int(count)
    return found
