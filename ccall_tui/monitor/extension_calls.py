"""One extension's calls: the single query both the extension details and the call browser
(its ``c`` key) run, so both show the same calls and the same count.

The API filters one field per request (``source`` or ``destination``, no "either"), so an
extension's calls are listed one side at a time: "calls from 105" or "calls to 105". No textual.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from ..api.cdrs import CdrPage, CdrQuery
from ..i18n import _, ngettext
from .cdr_filter import CdrFilter, format_form_date

CALL_WINDOW = timedelta(hours=24)
# One page of the browser's sizes; when there are more, the list says so ("100 of 143 shown").
CALL_LIMIT = 100
FROM, TO = "source", "destination"
SIDES = (FROM, TO)


def extension_calls_query(extension: str, now: datetime, side: str = FROM, *, limit: int = CALL_LIMIT) -> CdrQuery:
    """The last 24 hours of calls ``from`` (source) or ``to`` (destination) ``extension``,
    first page. The API takes minutes, so the window ends at ``now``'s minute (what the call
    browser's form can hold too)."""
    if side not in SIDES:
        raise ValueError(side)
    end = now.replace(second=0, microsecond=0)
    return CdrQuery(
        date_from=end - CALL_WINDOW,
        date_to=end,
        source=extension if side == FROM else None,
        destination=extension if side == TO else None,
        page=1,
        limit=limit,
    )


def query_as_filter(query: CdrQuery, tz: tzinfo) -> CdrFilter:
    """The call browser's form holding exactly ``query`` (its validation gives ``query`` back)."""
    return CdrFilter(
        date_from=format_form_date(query.date_from, tz) if query.date_from else "",
        date_to=format_form_date(query.date_to, tz) if query.date_to else "",
        source=query.source or "",
        destination=query.destination or "",
        limit=query.limit or CALL_LIMIT,
    )


@dataclass(frozen=True, slots=True)
class CallCount:
    """How many calls the query matched, and how many are listed."""

    shown: int
    # all matching calls, from the server's paging metadata (None: it sent none, and the
    # page is the whole answer unless it is full)
    total: int | None
    limit: int

    @classmethod
    def of(cls, page: CdrPage, limit: int = CALL_LIMIT) -> "CallCount":
        total = page.paging.record_count if page.paging is not None else None
        return cls(len(page.records), total, limit)

    @property
    def capped(self) -> bool:
        """More calls than listed (or, without a count, a full page: maybe more)."""
        if self.total is not None:
            return self.total > self.shown
        return self.shown >= self.limit


def count_text(count: CallCount, extension: str, side: str) -> str:
    """``"67 calls from 105 in the last 24 hours"``; ``"100 of 143 calls from 105 in the last
    24 hours shown, c for all"`` when capped; ``"at least 100 …"`` when the server gave no
    count. Never a silent cap."""
    if count.capped and count.total is not None:
        text = ngettext(
            "{shown} of {total} call from {ext} in the last 24 hours shown, c for all",
            "{shown} of {total} calls from {ext} in the last 24 hours shown, c for all",
            count.total,
        ) if side == FROM else ngettext(
            "{shown} of {total} call to {ext} in the last 24 hours shown, c for all",
            "{shown} of {total} calls to {ext} in the last 24 hours shown, c for all",
            count.total,
        )
        return text.format(shown=count.shown, total=count.total, ext=extension)
    if count.capped:
        text = (
            _("the first {shown} calls from {ext} in the last 24 hours (the server did not say how many), c for all")
            if side == FROM
            else _("the first {shown} calls to {ext} in the last 24 hours (the server did not say how many), c for all")
        )
        return text.format(shown=count.shown, ext=extension)
    text = ngettext(
        "{n} call from {ext} in the last 24 hours; c opens them in the call browser",
        "{n} calls from {ext} in the last 24 hours; c opens them in the call browser",
        count.shown,
    ) if side == FROM else ngettext(
        "{n} call to {ext} in the last 24 hours; c opens them in the call browser",
        "{n} calls to {ext} in the last 24 hours; c opens them in the call browser",
        count.shown,
    )
    return text.format(n=count.shown, ext=extension)


__all__ = [
    "CALL_LIMIT", "CALL_WINDOW", "CallCount", "FROM", "SIDES", "TO", "count_text", "extension_calls_query",
    "query_as_filter",
]
