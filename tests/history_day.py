"""A simulated day recorded into a history on the manual clock, for the history screens' tests:
a board feed polling the simulator every few minutes with the flight recorder attached, and
what the simulator answered at every poll."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from ccall_tui.monitor.feed import BoardFeed
from ccall_tui.monitor.states import ExtensionState
from ccall_tui.recorder.history import History, open_history
from ccall_tui.recorder.recorder import FlightRecorder

VN = ZoneInfo("Asia/Ho_Chi_Minh")
A, B = "100", "101"  # A drops for three hours in the night; B changes phone in the evening
OUTAGE = (datetime(2026, 11, 28, 2, 0, tzinfo=VN), datetime(2026, 11, 28, 5, 0, tzinfo=VN))
NEW_PHONE = datetime(2026, 11, 27, 19, 0, tzinfo=VN)
END = datetime(2026, 11, 28, 10, 30, tzinfo=VN)
STEP_S = 300.0


class _NoTimer:
    def stop(self) -> None:
        pass


@dataclass
class Day:
    feed: BoardFeed
    history: History
    recorder: FlightRecorder
    # (time, extensions online) as the simulator answered each poll
    truth: list[tuple[datetime, frozenset[str]]] = field(default_factory=list)
    clock: object = None
    # the first answer in which B's new phone showed
    new_phone_seen: datetime | None = None

    async def poll(self) -> None:
        """Poll now; note what the simulator answered."""
        self.feed.poll_now()
        await self.feed.idle()
        # Polls come seconds apart in use, and the writer keeps up; back to back here, it is
        # let finish each answer before the next is read (the reader reuses a kept row)
        assert self.history.flush(), "the history writer did not finish"
        board = self.feed.board
        self.truth.append((self.clock(), frozenset(e for e, t in board.tiles.items() if t.state is ExtensionState.ONLINE)))
        agents = [reg.agent or "" for reg in board.registrations_of(B)]
        if self.new_phone_seen is None and any("T54W" in agent for agent in agents):
            self.new_phone_seen = self.clock()

    def online_at(self, moment: datetime) -> frozenset[str]:
        """Who was online at ``moment``: the last answer at or before it."""
        return [up for at, up in self.truth if at <= moment][-1]

    def close(self) -> None:
        self.feed.stop()
        self.recorder.close()
        self.history.close()


def start_recording(sim, clock, profile, credentials, root=None) -> Day:
    """A feed on the simulator with the flight recorder attached, recorded where the app looks
    for ``profile``'s history (unless ``root`` says elsewhere): an app started meanwhile
    follows this recording. Nothing polls until ``Day.poll()``."""
    from ccall_tui.api.client import CcallClient

    profile = replace(profile, roster=(f"{sim.tenant.numbers[0]}-{sim.tenant.numbers[-1]}",))
    # 30 s: the simulator shares the process with the test; a loaded machine is slow, not wrong
    client = CcallClient(profile.base_url, credentials, timeout=30.0, tz=profile.timezone)
    feed = BoardFeed.for_profile(profile, None, interval=STEP_S, clock=clock, client=lambda: client,
                                 timer=lambda delay, callback, name: _NoTimer(), discover=False)
    history = open_history(profile, root=root, record=True, clock=clock)
    return Day(feed, history, FlightRecorder(feed, history, clock=clock), clock=clock)


async def record_day(sim, clock, profile, credentials, root=None) -> Day:
    """From the clock's start (Friday 10:30) to Saturday 10:30, a poll every 5 minutes: A
    forced offline from 02:00 to 05:00, B's phone replaced at 19:00, everyone else as the
    simulated tenant lives."""
    day = start_recording(sim, clock, profile, credentials, root)
    sim.tenant.force_online(A)
    sim.tenant.force_online(B)
    await day.poll()
    while clock() < END:
        at = clock.advance(STEP_S)
        if at == NEW_PHONE:
            sim.tenant.set_agent(B, "Yealink [bold]T54W[/] 96.86")
        if at == OUTAGE[0]:
            sim.tenant.force_offline(A)
        if at == OUTAGE[1]:
            sim.tenant.force_online(A)
        await day.poll()
    assert day.history.flush(), "the history writer did not finish"
    return day


async def record_minutes(sim, clock, profile, credentials, minutes: int, root=None) -> Day:
    """A poll a minute for ``minutes`` minutes, the tenant living as it does."""
    day = start_recording(sim, clock, profile, credentials, root)
    await day.poll()
    for _ in range(minutes):
        clock.advance(60)
        await day.poll()
    assert day.history.flush(), "the history writer did not finish"
    return day


def expected_online_seconds(day: Day, ext: str, since: datetime, until: datetime) -> tuple[float, float]:
    """(online, observed) seconds of ``ext``: each answer holds until the next poll."""
    online = observed = 0.0
    for (at, up), (nxt, _) in zip(day.truth, day.truth[1:]):
        a, b = max(at, since), min(nxt, until)
        if b > a:
            observed += (b - a).total_seconds()
            online += (b - a).total_seconds() if ext in up else 0.0
    return online, observed


__all__ = [
    "A", "B", "END", "NEW_PHONE", "OUTAGE", "Day", "expected_online_seconds", "record_day", "record_minutes",
    "start_recording",
]
