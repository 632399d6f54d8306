"""Regenerate every picture in ``screenshots/`` from the demo tenant.

    python -m ccall_tui.ui.screenshots            # writes screenshots/*.svg
    python -m ccall_tui.ui.screenshots --check    # exit 1 if a committed picture is out of date

A fixed seed and a frozen clock make the pictures identical from one run to the next.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Awaitable, Callable
from zoneinfo import ZoneInfo

import httpx

from ..clock import ManualClock

VN = ZoneInfo("Asia/Ho_Chi_Minh")
# A Friday morning at the PBX: busy, with a few phones still coming online.
FROZEN_NOW = datetime(2026, 11, 27, 10, 30, 0, tzinfo=VN)
SEED = 7
# The address the pictures show (the profile's server, recording links). The simulator listens
# on any free port; a transport carries the app's requests there, so the pictures never depend
# on the port the system handed out, and nothing else using 18765 can get in the way.
SHOWN_URL = "http://127.0.0.1:18765"
EXTENSIONS = 60
DEFAULT_DIR = Path(__file__).resolve().parents[2] / "screenshots"

Step = Callable[["Stage"], Awaitable[None]]


@dataclass
class Stage:
    """What a shot works with: the app, the simulator and the clock they share."""

    app: Any
    pilot: Any
    sim: Any
    clock: ManualClock


@dataclass(frozen=True)
class Shot:
    name: str
    size: tuple[int, int]
    steps: Step
    language: str = "en"
    credentials: bool = True
    title: str = "ccall-tui"


async def settle(stage: Stage) -> None:
    """Wait until every request has been answered and every tile shows the frozen 'now'."""
    for _ in range(3):
        await stage.pilot.pause()
        await stage.app.workers.wait_for_complete()
    monitor = _monitor(stage)
    if monitor is not None and monitor.is_mounted:
        # The clock is frozen and the script decides when to poll: no poll of its own.
        monitor.feed.cancel_timers()
        monitor._tick()  # ages and highlights are redrawn once a second; do it now
    await stage.pilot.pause()


async def board_history(stage: Stage) -> None:
    """Half an hour of polls, with a few phones dropping and coming back."""
    tenant = stage.sim.tenant
    monitor = _monitor(stage)
    monitor.status.backoff.rng = random.Random(SEED)
    await settle(stage)
    script = {
        2: lambda: tenant.force_offline("104"),
        4: lambda: tenant.force_offline("117"),
        5: lambda: tenant.force_offline("131"),
        7: lambda: tenant.clear_override("104"),
        9: lambda: tenant.force_offline("148"),
    }
    for step in range(1, 11):
        stage.clock.advance(180)
        if step in script:
            script[step]()
        monitor.start_poll()
        await settle(stage)


def _monitor(stage: Stage) -> Any:
    from .screens.monitor import MonitorScreen
    from .textual_compat import mode_screens

    return next((s for s in mode_screens(stage.app) if isinstance(s, MonitorScreen)), None)


async def board(stage: Stage) -> None:
    await board_history(stage)


async def wall(stage: Stage) -> None:
    from .widgets.since_panel import SincePanel

    await board_history(stage)
    await stage.pilot.press("w")
    await settle(stage)
    for panel in stage.app.screen.query(SincePanel):  # read on a timer of real seconds: now
        panel.load()
    await settle(stage)


async def stale(stage: Stage) -> None:
    """A proxy in front of the PBX starts failing: two failed polls, then a few seconds."""
    await board_history(stage)
    stage.sim.faults.html_error = True
    for seconds in (5, 8):
        stage.clock.advance(seconds)
        _monitor(stage).start_poll()
        await settle(stage)
    stage.clock.advance(4)
    _monitor(stage)._render_status()
    await settle(stage)


async def extension(stage: Stage) -> None:
    await board_history(stage)
    monitor = _monitor(stage)
    monitor.open_extension("121")
    await settle(stage)


async def login(stage: Stage) -> None:
    await settle(stage)


async def calls(stage: Stage) -> None:
    """This morning's inbound calls to the 11x extensions; one answered call opened."""
    from ..monitor.cdr_filter import CdrFilter

    await settle(stage)
    await stage.app.switch_mode("cdrs")
    await settle(stage)
    screen = stage.app.screen
    screen.form.load(
        CdrFilter(date_from="2026-11-27 08:00", date_to="2026-11-27 10:30", direction="inbound",
                  destination="11?", limit=25)
    )
    screen.action_search()
    await settle(stage)
    rows = list(screen.table.records)
    index = next((i for i, r in enumerate(rows) if r.recording_url and r.mos and r.mos < 4), 0)
    screen.table.move_cursor(row=index)
    screen.table.focus()
    await stage.pilot.press("enter")
    await settle(stage)


async def quality(stage: Stage, keys: tuple[str, ...] = ("b",)) -> None:
    """The call quality report (f3) after the board's half hour; by phone model."""
    await board_history(stage)
    await stage.pilot.press("f3")
    for _ in range(400):  # the report reads a day of calls, then the history in a thread
        await settle(stage)
        if getattr(stage.app.screen, "data", None) is not None:
            break
    await stage.pilot.press(*keys)
    await settle(stage)


async def quality_charts(stage: Stage) -> None:
    await quality(stage, ("v",))


SHOTS: tuple[Shot, ...] = (
    Shot("board", (160, 48), board),
    Shot("board-small", (80, 24), board),
    Shot("wall", (160, 48), wall),
    Shot("stale", (160, 48), stale),
    Shot("extension", (160, 48), extension),
    Shot("calls", (160, 48), calls),
    Shot("login", (100, 30), login, credentials=False),
    Shot("board-vi", (160, 48), board, language="vi"),
    Shot("quality", (120, 30), quality),
    Shot("quality-charts", (80, 24), quality_charts),
)


async def take(shot: Shot, out_dir: Path, state_root: Path) -> Path:
    from ..config import Profile
    from ..credentials import Credentials
    from ..factory import build_app
    from ..services import AppServices
    from ..i18n import set_language
    from ..sim.server import SimulatedPbx

    set_language(shot.language, {})
    clock = ManualClock(FROZEN_NOW)
    sim = SimulatedPbx(seed=SEED, extensions=EXTENSIONS, clock=clock)
    real_url = sim.start()
    # The simulator writes its recording links with this address.
    sim.base_url = SHOWN_URL
    try:
        profile = replace(
            Profile.default("demo"),
            base_url=SHOWN_URL,
            roster=(f"100-{100 + EXTENSIONS - 1}",),
            labels={"100": "Lễ tân"},
            watched=frozenset(),
        )
        state_dir = state_root / shot.name
        state_dir.mkdir(parents=True, exist_ok=True)
        services = AppServices(
            profile=profile,
            credentials=Credentials("demo", "demo") if shot.credentials else None,
            credential_source="demo",
            clock=clock,
            state_dir=state_dir,
            poll_interval=5.0,
            language=shot.language,
            transport=_ToPort(int(real_url.rsplit(":", 1)[1])),
        )
        app = build_app(services)
        async with app.run_test(size=shot.size, notifications=False) as pilot:
            stage = Stage(app, pilot, sim, clock)
            await shot.steps(stage)
            app.clear_notifications()
            await pilot.pause()
            svg = app.export_screenshot(title=shot.title)
    finally:
        sim.stop()
        set_language("en", {})
    path = out_dir / f"{shot.name}.svg"
    path.write_text(svg, encoding="utf-8")
    return path


class _ToPort(httpx.AsyncBaseTransport):
    """Carries the app's requests for :data:`SHOWN_URL` to the port the simulator listens on."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(port=self.port)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


async def take_all(out_dir: Path, only: set[str] | None = None) -> list[Path]:
    import tempfile

    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    saved = os.environ.get("CCALL_DATA_DIR")
    with tempfile.TemporaryDirectory(prefix="ccall-shots-") as state_root:
        try:
            for shot in SHOTS:
                if only and shot.name not in only:
                    continue
                # Each picture records its own half hour: a history kept from earlier runs
                # (the user's, under the same profile and address) or from the picture before
                # would show in the strips and the wall's panel.
                os.environ["CCALL_DATA_DIR"] = str(Path(state_root) / shot.name / "history")
                paths.append(await take(shot, out_dir, Path(state_root)))
        finally:
            if saved is None:
                os.environ.pop("CCALL_DATA_DIR", None)
            else:
                os.environ["CCALL_DATA_DIR"] = saved
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ccall_tui.ui.screenshots", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=DEFAULT_DIR, help="folder for the SVG files")
    parser.add_argument("--only", action="append", help="take only this shot (repeatable)")
    parser.add_argument("--check", action="store_true", help="compare with the committed pictures")
    args = parser.parse_args(argv)
    if args.check:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            fresh = asyncio.run(take_all(Path(tmp), set(args.only or ())))
            stale = [p.name for p in fresh if not (args.out / p.name).exists()
                     or (args.out / p.name).read_bytes() != p.read_bytes()]
        if stale:
            print("out of date: " + ", ".join(stale), file=sys.stderr)
            return 1
        print(f"{len(fresh)} screenshots up to date")
        return 0
    for path in asyncio.run(take_all(args.out, set(args.only or ()))):
        print(path)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
