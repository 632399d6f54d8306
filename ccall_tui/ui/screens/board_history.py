"""What the live board takes from the flight recorder's history.

- Time in state survives restarts: once the board has its first answer and the history its
  starts, every tile still in the state the history last recorded for it gets that state's
  real start ("offline 2 d", "since Mon 18:02"), where the board alone could only say "≥".
- The recorder's warning (database locked, corrupt, unwritable, full) is said once, on the
  status line, for as long as it holds.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any

from ...i18n import _
from ...monitor import events as fe
from ...monitor.states import ExtensionState
from ..history_view import HistoryReader, ask, history_of, history_problem

log = logging.getLogger("ccall_tui.history")

# The history is opened in a thread as the app starts: looked for this often, this many times.
WAIT_STEP_S = 0.25
WAIT_STEPS = 240
# A problem the recorder got over (it records again) stays on the status line this long.
PASSING_NOTE_S = 300.0


def _starts(history: HistoryReader) -> tuple[dict[str, tuple[ExtensionState, datetime]], set[str]]:
    return history.starts(), history.inexact_starts()


class BoardHistory:
    """Attached to the live board's screen: seeds its tiles' times, carries the warning."""

    def __init__(self, screen: Any) -> None:
        self.screen = screen
        self.starts: dict[str, tuple[ExtensionState, datetime]] | None = None
        # the starts that are only lower bounds (the state held when recording began)
        self.inexact: set[str] = set()
        self.seeded: list[str] | None = None
        self._problem: str | None = None
        self._problem_at = datetime.min
        self.unsubscribe = screen.feed.subscribe(self._on_event)

    @property
    def board(self) -> Any:
        return self.screen.board

    def start(self) -> None:
        self.screen.run_worker(self._load_starts(), name="history-starts", group="history-starts",
                               exit_on_error=False)

    def _on_event(self, event: object) -> None:
        if isinstance(event, fe.SnapshotApplied):
            self._seed()

    async def _load_starts(self) -> None:
        """Once the history is open (the app opens it in a thread as it starts), its starts."""
        services = self.screen.services
        if getattr(services, "state_dir", None) is None and history_of(services) is None:
            return  # an app that keeps no state keeps no history either
        for _attempt in range(WAIT_STEPS):
            if history_of(services) is not None:
                break
            await asyncio.sleep(WAIT_STEP_S)
        else:
            return
        answer = await ask(services, _starts)
        if answer.value is not None:
            self.starts, self.inexact = answer.value
            self._seed()
        elif answer.problem:
            log.info("no time in state from the history: %s", answer.problem)

    def _seed(self) -> None:
        """Once: when both the first answer and the starts are here."""
        if self.seeded is not None or self.starts is None or self.board.updated_at is None:
            return
        self.seeded = self.board.seed_since(self.starts, self.inexact)
        if self.seeded:
            self.screen.grid.refresh_extensions(self.seeded)

    def status_note(self) -> str:
        """`` · history: database is locked`` while the recorder cannot record; a problem it
        got over (a damaged file moved aside, a new one started) for a few minutes only."""
        problem = history_problem(self.screen.services)
        if not problem:
            return ""
        now = self.screen.services.now()
        if problem != self._problem:
            self._problem, self._problem_at = problem, now
        history = history_of(self.screen.services)
        writer = getattr(history, "writer", None)
        # recording again: not stopped by a fault, not waiting for a lock to go
        recording = (
            writer is not None and getattr(writer, "fault", None) is None and not getattr(writer, "_transient", False)
        )
        if recording and (now - self._problem_at).total_seconds() > PASSING_NOTE_S:
            return ""
        return " · " + _("history: {reason}").format(reason=problem)


__all__ = ["BoardHistory"]
