"""What the live board takes from the flight recorder's history.

- Time in state survives restarts: once the board has its first answer and the history its
  starts, every tile still in the state the history last recorded for it gets that state's
  real start ("offline 2 d", "since Mon 18:02"), where the board alone could only say "≥".
- The recorder's warning (database locked, corrupt, unwritable, full) is said once, on the
  status line, for as long as it holds.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ...i18n import _
from ...monitor import events as fe
from ...monitor.states import ExtensionState

if TYPE_CHECKING:  # the history's code is imported once it is opened, not at startup
    from ..history_view import HistoryReader


def history_of(services: Any) -> Any:
    """The history the app records into (or follows), when there is one (as history_view
    says it; kept here so that the board's startup does not import the history's code)."""
    return getattr(services, "history", None)

log = logging.getLogger("ccall_tui.history")

# A problem the recorder got over (it records again) stays on the status line this long.
PASSING_NOTE_S = 300.0


def _starts(history: HistoryReader, now: datetime | None) -> tuple[dict[str, tuple[ExtensionState, datetime]], set[str]]:
    """Since when each tile is in its state, as far as a recording that reaches ``now`` knows."""
    return history.starts(now), history.inexact_starts(now)


class BoardHistory:
    """Attached to the live board's screen: records the board into the profile's history,
    seeds its tiles' times, carries the warning.

    The history is opened (in a thread) once the first answer is on screen, not before: the
    first frame does not wait for sqlite. The tiles then get their real starts and repaint;
    the answer the board showed before the history was open is recorded at its own time."""

    def __init__(self, screen: Any) -> None:
        self.screen = screen
        self.starts: dict[str, tuple[ExtensionState, datetime]] | None = None
        # the starts that are only lower bounds (the state held when recording began)
        self.inexact: set[str] = set()
        self.seeded: list[str] | None = None
        self.recording: Any = None  # ccall_tui.recorder.attach.Recording, once open
        self._unrecorded: fe.SnapshotApplied | None = None  # the latest answer before that
        self._closed = False
        self._problem: str | None = None
        self._problem_at = datetime.min
        self.unsubscribe = screen.feed.subscribe(self._on_event)

    @property
    def board(self) -> Any:
        return self.screen.board

    def start(self) -> None:
        """Open the history and read its starts (call once the first answer is painted)."""
        if self._closed:
            return
        self.screen.run_worker(self._open(), name="history", group="history", exit_on_error=False)

    def close(self) -> None:
        """Stop recording and write what is queued (the screen goes away)."""
        self._closed = True
        recording, self.recording = self.recording, None
        if recording is not None:
            recording.close()

    def _on_event(self, event: object) -> None:
        if isinstance(event, fe.SnapshotApplied):
            if self.recording is None:
                self._unrecorded = event
            self._seed()

    async def _open(self) -> None:
        services = self.screen.services
        if history_of(services) is None:
            await self._record(services)
        if history_of(services) is None:
            return  # an app that keeps no state keeps no history either
        from ..history_view import ask

        now = self.board.updated_at
        answer = await ask(services, lambda history: _starts(history, now))
        if answer.value is not None:
            self.starts, self.inexact = answer.value
            self._seed()
        elif answer.problem:
            log.info("no time in state from the history: %s", answer.problem)

    async def _record(self, services: Any) -> None:
        from ...recorder.attach import attach_to_services

        def problem(message: str) -> None:
            self.screen.notify(message, severity="warning", markup=False)

        recording = await attach_to_services(self.screen.feed, services, problem)
        if recording is not None and (self._closed or self.screen.feed.stopped):
            recording.close()  # the screen went away meanwhile
        else:
            self.recording = recording
            self._record_unrecorded()

    def _record_unrecorded(self) -> None:
        """The answer on screen when the history opened, recorded as of when it came (the
        next poll's would otherwise be the first the history has of this run)."""
        event, self._unrecorded = self._unrecorded, None
        if event is not None and self.recording is not None:
            self.recording.recorder.on_event(event)

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
        services = self.screen.services
        if history_of(services) is None and not getattr(services, "history_problem", None):
            return ""  # (no need to import the history's code to know that)
        from ..history_view import history_problem

        problem = history_problem(services)
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
