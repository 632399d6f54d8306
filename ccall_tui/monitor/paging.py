"""Follow the pages of a call-record query only as far as the paging metadata can justify.

A server's paging can lie: ``page_count`` of a billion for a thousand calls, ``next_page``
true on empty pages forever, ``page_current`` stuck at 1 with the same rows every time. A
result can also grow while it is read (newest first, so rows shift into the next page and
repeat). ``iter_pages`` bounds the pages by ``record_count`` / rows per page (+1 slack) under
a hard ceiling, stops on an empty, stuck or repeated page, pins an open-ended range to the
moment it started, drops repeated call ids, and writes why it stopped into a ``PagingReport``
that the command line and the call browser show as one line.
"""

from __future__ import annotations

import collections
import math
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from typing import Any, AsyncIterator, Callable, Sequence, TypeVar

from ..api.client import CcallClient
from ..api.cdrs import CallRecord, CdrPage, CdrQuery, Paging
from ..i18n import _
from .page_window import Arrived, PageFetch, PageWindow

DEFAULT_PAGE_SIZE = 500
DEFAULT_CONCURRENCY = 4
MAX_PAGES = 10_000
"""The hard ceiling: 10,000 pages (5 million calls at 500 a page), whatever the server says."""
SLACK_PAGES = 1
"""Pages read beyond what ``record_count`` fills: one, for a result that grew meanwhile."""
RECENT_PAGES = 16
"""Call ids of this many recent pages are remembered to drop repeats: a row that shifted
into the next page repeats near where it was, so memory stays bounded on huge exports."""

_P = TypeVar("_P", bound=Any)
PageProgress = Callable[[int, int | None, int], Any]
"""Called as ``progress(pages_done, pages_total_or_None, records_so_far)``."""

# Why paging stopped before the server said it was done.
EMPTY = "empty"
STUCK = "stuck"
REPEATED = "repeated"
ABSURD = "absurd"
BOUND = "bound"
CEILING = "ceiling"


@dataclass
class PagingReport:
    """What following the pages did; filled in while ``iter_pages`` runs."""

    pages: int = 0
    records: int = 0
    repeated: int = 0
    expected: int | None = None
    """``record_count`` as the first page announced it (None when the server gave none)."""
    claimed_pages: int | None = None
    pinned_to: datetime | None = None
    """The end of the range when an open-ended one was pinned to the moment reading began."""
    stopped_after: int | None = None
    stop: str | None = None
    stop_reason: str | None = None
    """One translated line: why reading stopped before the server said it was done."""

    @property
    def incomplete(self) -> bool:
        """True when the stop left calls unread (as far as the server's own count tells)."""
        if self.stop is None:
            return False
        if self.expected is not None:
            return self.records < self.expected
        return self.stop not in (EMPTY, ABSURD)

    def notes(self) -> list[str]:
        """Each thing the user should know, one line each (nothing when all went normally)."""
        lines: list[str] = []
        if self.stop_reason:
            lines.append(self.stop_reason)
        if self.stop is not None and self.expected is not None and self.records < self.expected:
            lines.append(
                _("{missing:,} of {expected:,} calls not read").format(
                    missing=self.expected - self.records, expected=self.expected
                )
            )
        if self.repeated:
            lines.append(_("{count:,} repeated calls dropped").format(count=self.repeated))
        return lines

    def message(self) -> str:
        """The notes joined into one line, or an empty string."""
        return "; ".join(self.notes())

    def _stop(self, kind: str, page: int, reason: str) -> None:
        self.stop = kind
        self.stopped_after = page
        self.stop_reason = _("stopped after page {page}: {reason}").format(page=page, reason=reason)


def paging_outcome(report: PagingReport, outcome: str) -> str:
    """``outcome`` ("Exported 275 calls to x.csv.") with the report's notes after it."""
    notes = report.message()
    if not notes:
        return outcome
    return f"{outcome.rstrip().rstrip('.')}; {notes}."


def pin_query(query: CdrQuery, now: datetime) -> CdrQuery:
    """``query`` with an open or future end moved to ``now``, so rows arriving while the
    pages are read cannot shift them. A query without a start keeps its range as it is:
    adding an end alone would turn "the server's default range" into "everything until now"."""
    if query.date_from is None:
        return query
    if query.date_to is not None and query.date_to <= now:
        return query
    return replace(query, date_to=now)


async def iter_pages(
    client: CcallClient,
    query: CdrQuery,
    *,
    page_size: int = DEFAULT_PAGE_SIZE,
    concurrency: int = DEFAULT_CONCURRENCY,
    progress: PageProgress | None = None,
    report: PagingReport | None = None,
    now: datetime | None = None,
    max_pages: int = MAX_PAGES,
) -> AsyncIterator[CdrPage]:
    """Yield every page of ``query`` in page order, each without calls already yielded
    (``walk_pages`` with the client's pages of call records)."""
    async def fetch(page_query: CdrQuery, arrived: Arrived) -> CdrPage:
        return await client.cdrs(page_query)

    async for page in walk_pages(
        fetch, query, tz=client.tz, page_size=page_size, concurrency=concurrency,
        progress=progress, report=report, now=now, max_pages=max_pages,
    ):
        yield page


async def walk_pages(
    fetch: PageFetch[_P],
    query: CdrQuery,
    *,
    tz: tzinfo,
    page_size: int = DEFAULT_PAGE_SIZE,
    concurrency: int = DEFAULT_CONCURRENCY,
    progress: PageProgress | None = None,
    report: PagingReport | None = None,
    now: datetime | None = None,
    max_pages: int = MAX_PAGES,
) -> AsyncIterator[_P]:
    """Yield every page ``fetch`` reads of ``query``, in page order, each without calls
    already yielded (a page is a ``CdrPage`` or anything shaped like one: ``records``, each
    with a ``call_id``, ``paging`` and ``skipped``; ``fetch(query, arrived)`` calls
    ``arrived()`` when the answer's bytes are in, see ``page_window``).

    The first page tells how many pages there should be; pages 2.. are fetched with
    ``concurrency`` requests in flight at all times (``PageWindow``: a page asked for the moment
    one arrives, however far ahead, pages handed out in order), so memory stays bounded.
    Pages past the first page's count (a result that grew) or without any count are
    followed one at a time while ``next_page`` says so and the bound allows. A stop for a
    reason is not an error: the pages read so far were yielded and ``report`` says why.
    """
    report = report if report is not None else PagingReport()
    now = now or datetime.now(tz)
    pinned = pin_query(query, now)
    if pinned is not query:
        report.pinned_to = pinned.date_to
    base = replace(pinned, limit=page_size, page=1)
    walk = _Walk(report, page_size, max(1, max_pages))
    # Pages 1..concurrency are asked for at once: waiting for page 1's count before asking
    # for page 2 would cost a whole answer's latency. What the count then rules out is
    # cancelled (a page past the last one is empty, and an empty page ends the walk anyway).
    window = PageWindow(fetch, base, max(1, concurrency), min(max(1, concurrency), walk.ceiling))
    planned: int | None = 0  # 0: page 1's count not known yet

    def first_arrived(head: Any = None) -> bool:
        # Page 1's count, known before its rows are made: the pages it allows are asked for now.
        nonlocal planned
        if head is not None and planned == 0:
            planned = walk.plan(head)
            if planned is not None and planned > 1:
                return window.plan(planned)
        return False

    try:
        window.fill()
        first = await fetch(base, first_arrived)
        page = walk.accept(1, first)
        if planned == 0:
            planned = walk.plan(first)
        if progress:
            progress(1, planned, report.records)
        if page is None:
            return
        yield page
        if first.paging is None or walk.finished:
            return

        number, last = 1, first
        if planned is not None and planned > 1:
            window.plan(planned)
            for number in range(2, planned + 1):
                last = await window.take(number)
                page = walk.accept(number, last)
                if progress:
                    progress(number, planned, report.records)
                if page is None:
                    return
                yield page
                if walk.finished:
                    return

        # Beyond the announced count (or without one): one page at a time, while bounded.
        while walk.wants_more(number, last):
            number += 1
            last = await window.take(number)
            page = walk.accept(number, last)
            if progress:
                progress(number, None if planned is None else max(planned, number), report.records)
            if page is None:
                return
            yield page
            if walk.finished:
                return
    finally:
        await window.close()


async def fetch_all(
    client: CcallClient,
    query: CdrQuery,
    *,
    page_size: int = DEFAULT_PAGE_SIZE,
    concurrency: int = DEFAULT_CONCURRENCY,
    progress: PageProgress | None = None,
    report: PagingReport | None = None,
    now: datetime | None = None,
) -> list[CallRecord]:
    records: list[CallRecord] = []
    async for page in iter_pages(
        client, query, page_size=page_size, concurrency=concurrency, progress=progress,
        report=report, now=now,
    ):
        records.extend(page.records)
    return records


class _Walk:
    """The checks on each page, in page order, and the bound they imply."""

    def __init__(self, report: PagingReport, page_size: int, ceiling: int) -> None:
        self.report = report
        self.page_size = page_size
        self.ceiling = ceiling
        self.rows_per_page = page_size
        self.bound = ceiling
        self.absurd = False
        self.finished = False
        # The ids of the last RECENT_PAGES pages, page by page (to forget the oldest) and
        # all together (one look-up a record). A page keeps only ids no recent page had, so
        # the pages' sets never overlap and forgetting one page is a set difference.
        self._recent: collections.deque[set[str]] = collections.deque()
        self._recent_ids: set[str] = set()
        self._previous: Sequence[Any] | None = None

    def plan(self, first: Any) -> int | None:
        """How many pages to fetch concurrently: the announced count, within the bound
        (``first``: page 1, or its head: its ``paging`` and its length, rows not made yet)."""
        paging: Paging | None = first.paging
        if paging is None:
            return 1
        if len(first) and paging.has_next:
            self.rows_per_page = len(first)  # what the server really puts on a page
        elif paging.limit and paging.limit > 0:
            self.rows_per_page = paging.limit
        self.report.expected = paging.record_count
        self.report.claimed_pages = paging.page_count
        self.bound = self._bound(paging)
        if paging.page_count is not None and paging.record_count is not None:
            fill = math.ceil(max(0, paging.record_count) / max(1, self.rows_per_page))
            self.absurd = paging.page_count > fill + SLACK_PAGES
        if paging.page_count is None:
            return None
        return max(1, min(paging.page_count, self.bound))

    def _bound(self, paging: Paging) -> int:
        if paging.record_count is None:
            return self.ceiling
        needed = math.ceil(max(0, paging.record_count) / max(1, self.rows_per_page))
        return max(1, min(self.ceiling, needed + SLACK_PAGES))

    def wants_more(self, number: int, last: Any) -> bool:
        """Whether to ask for page ``number + 1``; records why not when it must refuse."""
        if self.finished or last.paging is None or not last.paging.has_next:
            return False
        if number < self.bound:
            return True
        if self.bound >= self.ceiling:
            self._stop(CEILING, number)
        elif self.absurd:
            self._stop(ABSURD, number)
        else:
            self._stop(BOUND, number)
        return False

    def accept(self, number: int, page: _P) -> _P | None:
        """``page`` without repeated calls, or None when it must not be used (and why)."""
        report = self.report
        report.pages = number
        paging: Paging | None = page.paging
        if number > 1 and paging is not None and paging.page_current is not None and paging.page_current != number:
            self._stop(STUCK, number, sent=paging.page_current)
            return None
        if not page.records and not page.skipped:
            if number > 1 and paging is not None and paging.has_next:
                self._stop(ABSURD if self.absurd else EMPTY, number)
            self.finished = True
            return page if number == 1 else None
        if number > 1 and self._previous is not None and page.records == self._previous:
            self._stop(REPEATED, number)
            return None
        self._previous = page.records
        recent = self._recent_ids
        ids = [record.call_id for record in page.records]
        seen: set[str] = set(ids)  # None is taken out below
        kept: Sequence[Any] = page.records
        dropped = 0
        if len(seen) < len(ids) or None in seen or not recent.isdisjoint(seen):
            # A repeat, or calls without an id: record by record (the usual page is not).
            seen = set()
            kept_now: list[Any] = []
            kept = kept_now
            for record in page.records:
                call_id = record.call_id
                if call_id is not None:
                    if call_id in seen or call_id in recent:
                        dropped += 1
                        continue
                    seen.add(call_id)
                kept_now.append(record)
        if len(self._recent) == RECENT_PAGES:
            recent -= self._recent.popleft()
        self._recent.append(seen)
        recent |= seen
        report.repeated += dropped
        report.records += len(kept)
        if dropped:
            page = replace(page, records=tuple(kept))
        return page

    def _stop(self, kind: str, number: int, sent: int | None = None) -> None:
        report = self.report
        if kind == EMPTY:
            reason = _("the server kept saying there is a next page but sent no rows")
        elif kind == STUCK:
            reason = _("asked for page {asked}, the server sent page {sent} again").format(
                asked=number, sent=sent
            )
        elif kind == REPEATED:
            reason = _("page {page} held the same calls as page {previous}").format(
                page=number, previous=number - 1
            )
        elif kind == ABSURD:
            reason = _("the server announced {pages:,} pages for {records:,} calls").format(
                pages=report.claimed_pages or 0, records=report.expected or 0
            )
        elif kind == CEILING:
            reason = _("reached the limit of {pages:,} pages").format(pages=self.ceiling)
        else:
            reason = _("the result grew past the {records:,} calls it held when reading began").format(
                records=report.expected or 0
            )
        report._stop(kind, number, reason)
        self.finished = True
