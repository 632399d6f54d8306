"""Shared by the recorder tests: a board feed polling the simulator on the manual clock with a
flight recorder attached, and what the simulator really did at every poll."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from ccall_tui.monitor.feed import BoardFeed
from ccall_tui.monitor.states import ExtensionState
from ccall_tui.recorder.history import History, open_history
from ccall_tui.recorder.recorder import FlightRecorder


class _NoTimer:
    def stop(self) -> None:
        pass


def no_timer(delay, callback, name):
    """Scheduled polls never fire: the test polls when it moves the clock."""
    return _NoTimer()


@dataclass
class Recording:
    feed: BoardFeed
    history: History
    recorder: FlightRecorder
    clock: object
    sim: object
    # (time, set of online extensions) as the simulator answered each poll
    truth: list[tuple[datetime, frozenset[str]]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    # online as the board's header counted it at every poll (registered and answering pings)
    answering: list[int] = field(default_factory=list)

    async def poll(self) -> None:
        self.feed.poll_now()
        await self.feed.idle()
        board = self.feed.board
        self.truth.append((self.clock(), frozenset(e for e, t in board.tiles.items() if t.state.value == "online")))
        self.answering.append(board.counts[ExtensionState.ONLINE] - board.counts[ExtensionState.UNREACHABLE])

    async def run(self, minutes: float, every_s: float = 60.0) -> None:
        steps = int(minutes * 60 / every_s)
        for _ in range(steps):
            self.clock.advance(every_s)
            await self.poll()

    def flush(self) -> None:
        assert self.history.flush(), "the writer did not finish"

    def close(self) -> None:
        self.feed.stop()
        self.recorder.close()
        self.history.close()


def start_recording(profile, clock, sim, credentials, root=None, **profile_changes) -> Recording:
    from ccall_tui.api.client import CcallClient

    # "default": the profile the command line uses when no config file names one
    profile = replace(profile, name="default", roster=(f"{sim.tenant.numbers[0]}-{sim.tenant.numbers[-1]}",),
                      **profile_changes)
    # 30 s: the simulator shares the process with the test; a loaded machine is slow, not wrong
    client = CcallClient(profile.base_url, credentials, timeout=30.0, tz=profile.timezone)
    feed = BoardFeed.for_profile(
        profile, None, interval=60.0, clock=clock, client=lambda: client, timer=no_timer, discover=False,
    )
    problems: list[str] = []
    history = open_history(profile, root=root, record=True, clock=clock, on_problem=problems.append)
    recorder = FlightRecorder(feed, history, clock=clock)
    return Recording(feed, history, recorder, clock, sim, problems=problems)


def expected_online_seconds(truth, ext: str, since: datetime, until: datetime) -> tuple[float, float]:
    """(online, observed) seconds of ``ext`` from the poll answers: each answer holds until
    the next poll."""
    online = observed = 0.0
    for (at, up), (nxt, _) in zip(truth, truth[1:]):
        a, b = max(at, since), min(nxt, until)
        if b <= a:
            continue
        span = (b - a).total_seconds()
        observed += span
        if ext in up:
            online += span
    return online, observed


def minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0) + timedelta(0)
