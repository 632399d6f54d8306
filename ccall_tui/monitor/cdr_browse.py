"""The call browser's engine: the query, the page on screen, the caches, summaries and export.

No textual here. The call browser screen draws what a :class:`CdrBrowse` holds; a headless
tool or a test drives the same object against the server (or the simulator). The records of
the page on screen are held here and only here; the detail cache keeps calls looked up by id.

Every network method is a coroutine: cancelling the task that awaits it (escape in the
browser) stops it, and nothing it would have changed is changed (an export leaves no file).
State changes only after an answer arrived, so a failed or cancelled load keeps the last good
page.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Callable

from ..api.client import CcallClient
from ..api.download import DEFAULT_MAX_RECORDING_BYTES
from ..i18n import _
from ..api.cdrs import CallRecord, CdrPage, CdrQuery, Paging
from . import cdr_filter as cf
from .cdr_memory import load_filter, save_filter
from .cdr_stats import CdrSummary, SummaryBuilder, summarize
from .export import export_to_file
from .paging import PageProgress, PagingReport, iter_pages

ALL_PAGES_SIZE = 500
ALL_PAGES_CONCURRENCY = 4


@dataclass(frozen=True)
class Loaded:
    """A page that arrived: what it holds, the query behind it, and whether that query is the
    one whose page was held before (a reload or credentials change, not a new search)."""

    page: CdrPage
    query: CdrQuery
    same_query: bool


@dataclass(frozen=True)
class Searched:
    """The outcome of :meth:`CdrBrowse.search`: the wrong fields (nothing sent), or a page."""

    errors: dict[str, str]
    loaded: Loaded | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class Detail:
    """One call looked up by id: the record (None when not found), how many other records the
    server sent instead, and whether it came from the cache (no request made)."""

    call_id: str
    record: CallRecord | None
    others: int = 0
    cached: bool = False


@dataclass(frozen=True)
class AllSummary:
    summary: CdrSummary
    query: CdrQuery
    report: PagingReport


class CdrBrowse:
    """Query, paging position, page and detail caches, remembered filter, summaries, export."""

    def __init__(
        self,
        client: Callable[[], CcallClient],
        tz: tzinfo,
        now: Callable[[], datetime],
        filter_path: Path | None = None,
    ) -> None:
        self._client = client
        self.tz = tz
        self.now = now
        self.filter_path = filter_path
        self.filter: cf.CdrFilter = load_filter(filter_path, now())
        """The last filter searched (or remembered from an earlier run)."""
        self.query: CdrQuery | None = None
        """The query behind :attr:`page`."""
        self.page: CdrPage | None = None
        self.all_summary: AllSummary | None = None
        """The summary of every page, while it belongs to the query on screen."""
        self._details: dict[str, CallRecord] = {}

    @property
    def client(self) -> CcallClient:
        return self._client()

    # ------------------------------------------------------------------ the page held

    @property
    def records(self) -> tuple[CallRecord, ...]:
        return self.page.records if self.page is not None else ()

    @property
    def paging(self) -> Paging | None:
        return self.page.paging if self.page is not None else None

    @property
    def page_number(self) -> int:
        paging = self.paging
        if paging is not None and paging.page_current:
            return paging.page_current
        return (self.query.page if self.query is not None else None) or 1

    @property
    def last_page(self) -> int | None:
        paging = self.paging
        return paging.pages if paging is not None and paging.pages else None

    @property
    def has_next(self) -> bool:
        return self.paging is not None and self.paging.has_next

    @property
    def has_prev(self) -> bool:
        return self.paging is not None and self.paging.has_prev

    def listed(self, call_id: str | None) -> CallRecord | None:
        """The record with ``call_id`` as listed on the page held, if it is there."""
        if not call_id:
            return None
        return next((r for r in self.records if r.call_id == call_id), None)

    def hold(self, query: CdrQuery, page: CdrPage) -> Loaded:
        """Make ``page`` (the answer to ``query``) the page held."""
        same = self.query is not None and self.query == query
        self.query = query
        self.page = page
        if self.all_summary is not None and self.all_summary.query != replace(query, page=None):
            self.all_summary = None
        return Loaded(page, query, same)

    # ------------------------------------------------------------------ search and paging

    def check(self, form: cf.CdrFilter) -> cf.Validation:
        """Validate the whole form (nothing sent)."""
        return cf.validate(form, self.tz, page=1)

    async def search(self, form: cf.CdrFilter) -> Searched:
        """Page 1 of ``form``; the wrong fields instead (and no request) when it is wrong.
        A valid filter is remembered at once, even if the server then fails."""
        result = self.check(form)
        if not result.ok or result.query is None:
            return Searched(result.errors)
        self.filter = form
        save_filter(self.filter_path, form)
        return Searched({}, await self.load(result.query))

    async def load(self, query: CdrQuery) -> Loaded:
        """Fetch ``query``'s page and hold it; raises ``CcallError`` (the old page stays)."""
        page = await self.client.cdrs(query)
        return self.hold(query, page)

    async def go_to(self, number: int) -> Loaded | None:
        """Page ``number`` of the query held (None without one)."""
        if self.query is None:
            return None
        return await self.load(self.query.with_page(max(1, number)))

    async def next(self) -> Loaded | None:
        return await self.go_to(self.page_number + 1) if self.has_next else None

    async def prev(self) -> Loaded | None:
        return await self.go_to(self.page_number - 1) if self.has_prev else None

    async def first(self) -> Loaded | None:
        return await self.go_to(1) if self.has_prev else None

    async def last(self) -> Loaded | None:
        last = self.last_page
        return await self.go_to(last) if last and self.has_next else None

    async def reload(self) -> Loaded | None:
        return await self.load(self.query) if self.query is not None else None

    def page_error(self, text: str) -> str | None:
        """Why ``text`` is not a page number of the query held (None when it is one)."""
        last = self.last_page
        try:
            number = int(text)
        except ValueError:
            number = 0
        if number < 1 or (last is not None and number > last):
            return _("Pages go from 1 to {last}.").format(last=last or 1)
        return None

    # ------------------------------------------------------------------ detail

    def cached_detail(self, call_id: str) -> CallRecord | None:
        return self._details.get(call_id)

    async def detail(self, call_id: str) -> Detail:
        """The call as the server gives it by id; a second ask is answered from the cache.
        Raises ``CcallError``."""
        cached = self._details.get(call_id)
        if cached is not None:
            return Detail(call_id, cached, cached=True)
        lookup = await self.client.lookup(call_id)
        if lookup.record is not None:
            self._details[call_id] = lookup.record
        return Detail(call_id, lookup.record, lookup.others)

    # ------------------------------------------------------------------ summaries

    def summary_page(self) -> CdrSummary:
        return summarize(self.records, self.tz)

    async def summary_all(self, progress: PageProgress | None = None) -> AllSummary | None:
        """The summary of every page of the query held (None without one); raises ``CcallError``."""
        if self.query is None:
            return None
        query = replace(self.query, page=None)
        builder = SummaryBuilder(self.tz)
        report = PagingReport()
        async for page in iter_pages(
            self.client, query, page_size=ALL_PAGES_SIZE, concurrency=ALL_PAGES_CONCURRENCY,
            progress=progress, report=report,
        ):
            builder.add(page.records)
        result = AllSummary(builder.result(), query, report)
        if self.query is not None and replace(self.query, page=None) == query:
            self.all_summary = result
        return result

    # ------------------------------------------------------------------ files

    def export_query(self) -> CdrQuery | None:
        """What an export writes: every page of the query held."""
        return replace(self.query, page=None) if self.query is not None else None

    async def export(
        self,
        target: Path,
        fmt: str,
        *,
        overwrite: bool = False,
        progress: PageProgress | None = None,
        query: CdrQuery | None = None,
    ) -> tuple[int, PagingReport]:
        """Every page of ``query`` (default: the one held) into ``target``; the count written
        and why paging stopped early, if it did. Raises ``CcallError``, ``FileExistsError``,
        ``OSError`` or ``LookupError`` (nothing searched yet); nothing is written then."""
        query = query if query is not None else self.export_query()
        if query is None:
            raise LookupError("nothing searched yet")
        report = PagingReport()
        count = await export_to_file(
            self.client, query, target, fmt, overwrite=overwrite,
            page_size=ALL_PAGES_SIZE, concurrency=ALL_PAGES_CONCURRENCY, progress=progress, report=report,
        )
        return count, report

    async def download_recording(
        self,
        url: str,
        target: Path,
        *,
        progress: Callable[[int, int | None], object] | None = None,
        max_bytes: int | None = DEFAULT_MAX_RECORDING_BYTES,
    ) -> Path:
        """Stream a call's recording to ``target``; raises ``CcallError`` (``RedirectElsewhere``
        and ``TooLarge`` are questions for the user)."""
        return await self.client.download(url, target, progress=progress, max_bytes=max_bytes)
