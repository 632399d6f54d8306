"""Why didn't it ring? One failed or unanswered call joined with what the flight recorder
knew about its destination at that moment (registered, devices, reachability), the calls
overlapping it on that extension (busy), the extension's usual time to answer, and one
sentence of verdict. When the history has no record of that moment the verdict says so
instead of guessing. No Textual; :func:`explain_call` reads the history in a thread.
"""

from __future__ import annotations

import asyncio
import statistics
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from ..api.cdrs import CallRecord, CdrPage, CdrQuery
from ..api.errors import CcallError
from ..i18n import _
from .states import ExtensionState
from .why_history import KNOWN, RegistrationAt, read_registration
from .why_text import verdict_of

if TYPE_CHECKING:
    from ..recorder.history import History

# The calls asked for: to the extension over the days before (its usual time to answer, and
# the calls it was on), from it over the last hours (the calls it made). One page each.
ANSWER_WINDOW = timedelta(days=3)
ANSWER_LIMIT = 500
BUSY_WINDOW = timedelta(hours=2)
BUSY_LIMIT = 100
# A destination this short and all digits is an extension; longer ones are numbers (a DID,
# a mobile) that an inbound route maps to some phone the record does not name.
MAX_EXTENSION_DIGITS = 6

# Verdict kinds, one per path (the tests name them).
ANSWERED = "answered"
NO_START = "no_start"
NOT_EXTENSION = "not_extension"
OUTBOUND = "outbound"
OFFLINE = "offline"
BUSY = "busy"
NO_DATA = "no_data"
NEVER_REGISTERED = "never_registered"
UNREACHABLE = "unreachable"
NOBODY_ANSWERED = "nobody_answered"
CALLER_HUNG_UP = "caller_hung_up"
REGISTERED = "registered"

NO_ANSWER_CAUSES = frozenset({"NO_ANSWER", "NO_USER_RESPONSE", "ALLOTTED_TIMEOUT", "RECOVERY_ON_TIMER_EXPIRE"})
CANCEL_CAUSES = frozenset({"ORIGINATOR_CANCEL", "LOSE_RACE"})

Fetch = Callable[[CdrQuery], Awaitable[CdrPage]]


@dataclass(frozen=True, slots=True)
class Overlap:
    """Another answered call on the extension that was going on when this one started."""

    record: CallRecord
    start: datetime
    end: datetime
    incoming: bool  # to the extension (else made by it)

    @property
    def other(self) -> str:
        return (self.record.source if self.incoming else self.record.destination) or "?"


@dataclass(frozen=True, slots=True)
class Why:
    """Everything the card shows about one call, and its verdict (one sentence)."""

    record: CallRecord
    kind: str
    verdict: str
    extension: str | None = None
    registration: RegistrationAt | None = None
    overlaps: tuple[Overlap, ...] = ()
    usual_answer_s: float | None = None
    answered_sample: int = 0
    calls_error: str | None = None  # the calls around it could not be fetched

    @property
    def history_known(self) -> bool:
        return self.registration is not None and self.registration.coverage == KNOWN


def _number(value: str | None) -> str:
    text = (value or "").strip()
    if text.lower().startswith("sip:"):
        text = text[4:]
    return text.split("@", 1)[0].strip()


def destination_extension(record: CallRecord, known: Collection[str] = ()) -> str | None:
    """The extension that should have rung: the destination of an inbound or local call when
    it is an extension (known to the board or history, or a short all-digit number). None for
    an outbound call (it rang outside) and for a number such as an inbound DID."""
    if (record.direction or "").lower() == "outbound":
        return None
    number = _number(record.destination)
    if not number:
        return None
    if number in known:
        return number
    return number if number.isdigit() and len(number) <= MAX_EXTENSION_DIGITS else None


def calls_to_query(ext: str, at: datetime) -> CdrQuery:
    """Calls to ``ext`` over the days before ``at`` (and its minute): newest first, one page."""
    end = at.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return CdrQuery(date_from=end - ANSWER_WINDOW, date_to=end, destination=ext, page=1, limit=ANSWER_LIMIT)


def calls_from_query(ext: str, at: datetime) -> CdrQuery:
    """Calls made by ``ext`` in the hours before ``at``: one page."""
    end = at.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return CdrQuery(date_from=end - BUSY_WINDOW, date_to=end, source=ext, page=1, limit=BUSY_LIMIT)


def call_end(record: CallRecord) -> datetime | None:
    """When an answered call ended (start + time to answer + talk); None when unknown."""
    if record.start is None or not record.answered:
        return None
    return record.start + timedelta(seconds=(record.tta_s or 0.0) + (record.duration_s or 0.0))


def overlapping(record: CallRecord, ext: str, incoming: Sequence[CallRecord],
                outgoing: Sequence[CallRecord]) -> list[Overlap]:
    """The answered calls to or from ``ext`` going on when ``record`` started, oldest first.
    An unanswered call rings for a time the record does not tell: left out. Only calls whose
    number is exactly ``ext`` count (a server may match numbers as substrings)."""
    start = record.start
    if start is None:
        return []
    found: dict[str, Overlap] = {}
    for calls, inbound in ((incoming, True), (outgoing, False)):
        for other in calls:
            if other.start is None or other.start > start:
                continue
            if _number(other.destination if inbound else other.source) != ext:
                continue
            if record.call_id and other.call_id == record.call_id:
                continue
            end = call_end(other)
            if end is None or end <= start:
                continue
            key = other.call_id or f"{other.start.isoformat()}:{other.source}:{other.destination}"
            found.setdefault(key, Overlap(other, other.start, end, inbound))
    return sorted(found.values(), key=lambda o: o.start)


def usual_answer(record: CallRecord, ext: str, incoming: Sequence[CallRecord]) -> tuple[float | None, int]:
    """(median seconds to answer, how many answered calls) over the calls to ``ext``."""
    times = [c.tta_s for c in incoming
             if c.tta_s is not None and _number(c.destination) == ext
             and not (record.call_id and c.call_id == record.call_id)]
    return (float(statistics.median(times)) if times else None), len(times)


def judge(record: CallRecord, ext: str | None, registration: RegistrationAt | None,
          overlaps: Sequence[Overlap], usual: tuple[float | None, int], tz: tzinfo,
          calls_error: str | None = None) -> Why:
    """The card for ``record`` from the facts gathered: the verdict's path is chosen here."""
    kind = _kind(record, ext, registration, overlaps)
    return Why(record, kind, verdict_of(kind, record, ext, registration, overlaps, usual[0], tz), ext,
               registration, tuple(overlaps), usual[0], usual[1], calls_error)


def _kind(record: CallRecord, ext: str | None, reg: RegistrationAt | None, overlaps: Sequence[Overlap]) -> str:
    if record.answered:
        return ANSWERED
    if ext is None:
        return OUTBOUND if (record.direction or "").lower() == "outbound" else NOT_EXTENSION
    if record.start is None:
        return NO_START
    known = reg is not None and reg.coverage == KNOWN
    if known and reg is not None and reg.state is ExtensionState.OFFLINE:
        return OFFLINE
    if overlaps:
        return BUSY
    if not known or reg is None:
        return NO_DATA
    if reg.state is ExtensionState.NEVER_SEEN:
        return NEVER_REGISTERED
    if reg.devices and all(d.reachable is False for d in reg.devices):
        return UNREACHABLE
    cause = (record.status or "").strip().upper()
    if cause in NO_ANSWER_CAUSES:
        return NOBODY_ANSWERED
    if cause in CANCEL_CAUSES:
        return CALLER_HUNG_UP
    return REGISTERED


async def explain_call(
    record: CallRecord, *, history: History | None, fetch: Fetch, tz: tzinfo, now: datetime,
    known: Collection[str] = (),
) -> Why:
    """Gather the facts about ``record`` and judge: the history read in a thread, two pages of
    calls fetched (one to the extension, one from it). A failed fetch leaves the calls out and
    says so; it never hides what the history knows."""
    ext = destination_extension(record, known)
    if record.answered or ext is None or record.start is None:
        return judge(record, ext, None, (), (None, 0), tz)
    start = record.start
    registration = await asyncio.to_thread(read_registration, history, ext, start, now)
    incoming: list[CallRecord] = []
    outgoing: list[CallRecord] = []
    error: str | None = None
    try:
        incoming = list((await fetch(calls_to_query(ext, start))).records)
        outgoing = list((await fetch(calls_from_query(ext, start))).records)
    except CcallError as exc:
        error = _("The calls around it could not be fetched: {reason}").format(reason=exc.message)
    return judge(record, ext, registration, overlapping(record, ext, incoming, outgoing),
                 usual_answer(record, ext, incoming), tz, error)


__all__ = [
    "ANSWERED", "BUSY", "CALLER_HUNG_UP", "NEVER_REGISTERED", "NOBODY_ANSWERED", "NOT_EXTENSION", "NO_DATA",
    "NO_START", "OFFLINE", "OUTBOUND", "Overlap", "REGISTERED", "UNREACHABLE", "Why", "calls_from_query",
    "calls_to_query", "destination_extension", "explain_call", "judge", "overlapping", "usual_answer",
]
