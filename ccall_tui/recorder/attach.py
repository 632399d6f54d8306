"""Attaching the flight recorder to a running board feed, for the TUI and the headless runner:
the database is opened in a thread (never on the first-paint path), the history is handed to
whoever shows it, and a fault becomes one warning."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from .history import History, open_history
from .recorder import FlightRecorder, loop_notifier

log = logging.getLogger("ccall_tui.recorder")


class Recording:
    """A feed's recorder and its history; ``close()`` stops recording and writes what is queued."""

    def __init__(self, history: History, recorder: FlightRecorder) -> None:
        self.history = history
        self.recorder = recorder

    def close(self) -> None:
        self.recorder.close()
        self.history.close()


async def attach_recorder(
    feed: Any, profile: Any, *, demo: bool = False, clock: Callable[[], datetime] | None = None,
    on_problem: Callable[[str], None] | None = None, root: Path | None = None,
) -> Recording:
    """Open ``profile``'s history (as its writer, or following the process that writes it) in
    a thread and record ``feed`` into it. ``on_problem`` is called on this event loop."""
    notify = loop_notifier(on_problem) if on_problem is not None else None
    history = await asyncio.to_thread(
        open_history, profile, demo=demo, root=root, record=True, clock=clock, on_problem=notify,
    )
    recorder = FlightRecorder(feed, history, clock=clock)
    log.info("history %s: %s", history.path, "recording" if history.writer is not None else "following")
    return Recording(history, recorder)


async def attach_to_services(feed: Any, services: Any, on_problem: Callable[[str], None]) -> Recording | None:
    """The app's wiring: record the board feed into the profile's history (the demo's own with
    ``--demo``) and expose it as ``services.history``. Nothing when the app keeps no state.
    Meanwhile ``services.history_opening`` says that the history is coming."""
    if getattr(services, "state_dir", None) is None:
        return None

    def problem(message: str) -> None:
        services.history_problem = message  # the latest problem; the screens tell if it passed
        on_problem(message)

    opening: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    services.history_opening = opening
    try:
        recording = await attach_recorder(
            feed, services.profile, demo=getattr(services, "sim", None) is not None,
            clock=services.now, on_problem=problem,
        )
        services.history = recording.history
        return recording
    finally:
        if not opening.done():
            opening.set_result(None)
