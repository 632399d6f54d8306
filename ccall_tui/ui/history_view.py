"""What the screens share about the flight recorder's history: where to find it, how to ask it
(always in a thread: every History method does disk I/O), and the words for what it answers.

No Textual here: plain strings and rich ``Text``, so the details, the rewind and the wall say
the same things in the same words.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, Protocol, TypeVar

from rich.text import Text

from ..api.text import clean_text
from ..i18n import _
from ..monitor.states import ExtensionState
from ..recorder.model import Availability, BoardAt, DeviceChange, PollGap, StateChange, Strip
from .widgets.availability_strip import weekday

log = logging.getLogger("ccall_tui.history")
T = TypeVar("T")


class HistoryReader(Protocol):
    """The part of :class:`ccall_tui.recorder.history.History` the screens read."""

    def starts(self, now: datetime | None = None) -> dict[str, tuple[ExtensionState, datetime]]: ...
    def strip(self, ext: str, since: datetime, until: datetime, cells: int) -> Strip: ...
    def timeline(self, ext: str, since: datetime, until: datetime) -> list[DeviceChange]: ...
    def board_at(self, at: datetime) -> BoardAt: ...
    def changes(self, since: datetime, until: datetime, extension: str | None = None, *,
                reachability: bool = False) -> list[StateChange]: ...
    def availability(self, since: datetime, until: datetime) -> list[Availability]: ...
    def first_record(self) -> datetime | None: ...
    def inexact_starts(self, now: datetime | None = None) -> set[str]: ...
    def poll_gaps(self, since: datetime, until: datetime) -> list[PollGap]: ...
    def flush(self, timeout: float = 10.0) -> bool: ...


def history_of(services: Any) -> HistoryReader | None:
    """The history the app records into (or follows), when there is one."""
    return getattr(services, "history", None)


def history_problem(services: Any) -> str | None:
    """Why there is no history, in one line (None: none known)."""
    history = history_of(services)
    warning = getattr(history, "warning", None) if history is not None else None
    if warning:
        return str(warning)
    return getattr(services, "history_problem", None) or None


@dataclass(frozen=True)
class Answer(Generic[T]):
    """What a question to the history gave: a value, or one line saying why not."""

    value: T | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


# How long a question asked while the history is being opened waits for it.
OPENING_WAIT_S = 10.0


def history_opening(services: Any) -> bool:
    """Whether the history is being opened right now (in a thread, as the board starts)."""
    opening = getattr(services, "history_opening", None)
    return history_of(services) is None and opening is not None and not opening.done()


async def opened_history(services: Any) -> HistoryReader | None:
    """The history; one being opened right now is waited for (:data:`OPENING_WAIT_S` at
    most), so that a screen opened in the app's first seconds does not take "not open yet"
    for "nothing recorded"."""
    if history_opening(services):
        opening = services.history_opening
        if opening.get_loop() is asyncio.get_running_loop():
            try:
                await asyncio.wait_for(asyncio.shield(opening), OPENING_WAIT_S)
            except (TimeoutError, asyncio.TimeoutError):
                log.info("the history took over %.0f s to open", OPENING_WAIT_S)
    return history_of(services)


async def ask(services: Any, question: Callable[[HistoryReader], T]) -> Answer[T]:
    """Ask the history in a thread, never on the UI loop; any failure is one line."""
    history = await opened_history(services)
    if history is None:
        return Answer(problem=unavailable_text(history_problem(services)))
    try:
        return Answer(await asyncio.to_thread(_after_writes, question, history))
    except Exception as exc:  # noqa: BLE001 - a history fault must never stop the app
        log.warning("history read failed: %s", exc)
        reason = clean_text(str(exc), limit=120) or type(exc).__name__
        return Answer(problem=unavailable_text(reason))


# How long a question waits for the answers already handed to the recorder to be written.
WRITES_WAIT_S = 2.0


def _after_writes(question: Callable[[HistoryReader], T], history: HistoryReader) -> T:
    """Answer once what the board already showed is written: the details of an extension
    just seen online count the hour under way as online, not as nothing recorded (a
    recorder that is busy or gone holds the question back :data:`WRITES_WAIT_S` at most)."""
    history.flush(WRITES_WAIT_S)
    return question(history)


def unavailable_text(reason: str | None) -> str:
    if not reason:
        return _("No history yet")
    return _("History unavailable: {reason}").format(reason=reason)


# ---------------------------------------------------------------------------- time


def local(moment: datetime, now: datetime) -> datetime:
    return moment.astimezone(now.tzinfo) if now.tzinfo is not None and moment.tzinfo is not None else moment


def moment_text(moment: datetime, now: datetime, *, seconds: bool = False) -> str:
    """``18:02`` today, ``Mon 18:02`` within the week, ``2026-11-25 18:02`` before (PBX time)."""
    moment = local(moment, now)
    clock = moment.strftime("%H:%M:%S" if seconds else "%H:%M")
    if moment.date() == now.date():
        return clock
    if timedelta(0) <= now - moment < timedelta(days=6):
        return f"{weekday(moment)} {clock}"
    return moment.strftime("%Y-%m-%d ") + clock


def day_window(now: datetime) -> tuple[datetime, datetime, int]:
    """The 24 h strip: one cell per hour, the last one the hour now under way."""
    until = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return until - timedelta(hours=24), until, 24


def week_window(now: datetime) -> tuple[datetime, datetime, int]:
    """The 7 day strip: one cell per 3 hours (midnight starts a cell), the last one under way."""
    hour = now.hour - now.hour % 3
    until = now.replace(hour=hour, minute=0, second=0, microsecond=0) + timedelta(hours=3)
    return until - timedelta(days=7), until, 56


# ---------------------------------------------------------------------------- words


def device_words(change: DeviceChange) -> str:
    """What happened to the device, in words (the device itself is described apart)."""
    detail = clean_text(change.detail or "", limit=80)
    kind = change.kind
    if kind == "appeared":
        return _("device registered")
    if kind == "left":
        return _("device gone")
    if kind == "address":
        return _("new address (was {old})").format(old=detail) if detail else _("new address")
    if kind == "agent":
        return _("phone changed (was {old})").format(old=detail) if detail else _("phone changed")
    if kind == "transport":
        return _("transport changed (was {old})").format(old=detail) if detail else _("transport changed")
    if kind == "reachable":
        return _("reachable again")
    if kind == "unreachable":
        return _("not reachable")
    if kind == "expired":
        return _("re-registered only after expiring")
    return clean_text(kind, limit=40)


def device_text(change: DeviceChange) -> str:
    """``Yealink SIP-T46S · 203.0.113.7:5060 UDP`` (untrusted: plain text only)."""
    parts = []
    if change.agent:
        parts.append(clean_text(change.agent, limit=60))
    address = clean_text(change.ip or "", limit=60)
    if change.port:
        address = f"{address}:{change.port}"
    if change.transport:
        address = f"{address} {clean_text(change.transport, limit=10).upper()}".strip()
    if address:
        parts.append(address)
    return " · ".join(parts)


STATE_STYLES = {
    ExtensionState.ONLINE: "bold green",
    ExtensionState.UNREACHABLE: "bold yellow",
    ExtensionState.OFFLINE: "bold red",
    ExtensionState.NEVER_SEEN: "dim",
    ExtensionState.UNKNOWN: "dim",
}


def change_words(change: StateChange) -> str:
    """``offline``; for a registered extension ``unreachable (no answer to pings)`` or
    ``answers pings again`` (the change log's words)."""
    if change.new is ExtensionState.UNREACHABLE:
        return _("unreachable (no answer to pings)")
    if change.old is ExtensionState.UNREACHABLE:
        return _("answers pings again")
    return change.new.label


def state_change_text(change: StateChange, now: datetime, name: str | None = None) -> Text:
    """``18:02 ○ 1005 offline  Nguyễn Văn An`` (the name as plain text); ``18:02 ◐ 1005
    unreachable (no answer to pings)`` when it stopped answering pings."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(moment_text(change.at, now) + " ", style="dim")
    text.append(change.new.glyph + " ", style=STATE_STYLES.get(change.new, ""))
    text.append(f"{change.extension} {change_words(change)}")
    if name:
        text.append(" " + clean_text(name, limit=60), style="dim")
    return text


__all__ = [
    "Answer", "HistoryReader", "ask", "change_words", "day_window", "device_text", "device_words", "history_of",
    "history_problem", "moment_text", "state_change_text", "unavailable_text", "week_window",
]
