"""The pages of a walk asked for ahead of the one being read (``paging.walk_pages``)."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Any, Awaitable, Callable, Generic, TypeVar

from ..api.cdrs import CdrQuery

_P = TypeVar("_P", bound=Any)
Arrived = Callable[..., bool]
"""Called by a fetch the moment its answer's bytes are in, before it reads them:
``arrived()``, or ``arrived(head)`` once the page's paging is decoded and its rows are not
made yet (``head``: anything with the page's ``paging`` and its length). Returns whether it
asked for another page (whose request then wants a few turns of the event loop)."""
PageFetch = Callable[[CdrQuery, Arrived], Awaitable[_P]]
"""``fetch(query, arrived)``: one page of ``query``; calls ``arrived`` once its bytes are in
(or never: the page's place then goes to the next one when the fetch ends). Page 1's head
tells the walk how many pages there are before page 1's rows are made."""


def nothing(head: Any = None) -> bool:
    return False


class PageWindow(Generic[_P]):
    """Pages 2..``last`` fetched with up to ``concurrency`` requests in flight, and no page
    started more than ``AHEAD`` x ``concurrency`` pages past the one handed out last (pages
    that came early wait in order, so memory stays bounded). An answer that arrives gives
    its place to the next page at once, whichever page it was, while the pages before it
    are still being written and before it is read itself (``arrived``)."""

    AHEAD = 2

    def __init__(self, fetch: PageFetch[_P], base: CdrQuery, concurrency: int, last: int) -> None:
        self.fetch = fetch
        self.base = base
        self.concurrency = concurrency
        self.last = last
        self.next = 2
        self.taken = 1
        self.flying: set[int] = set()
        """Pages asked for whose answer has not arrived yet."""
        self.stopped = False
        self.tasks: dict[int, asyncio.Future[_P]] = {}

    def plan(self, last: int) -> bool:
        """The first page's count is known: pages past it are dropped, the rest asked for
        (True when any was)."""
        self.last = last
        for extra in [number for number in self.tasks if number > last]:
            self.tasks.pop(extra).cancel()
        return self.fill()

    def fill(self) -> bool:
        """Ask for pages while there is room; True when it asked for any."""
        asked = False
        while (
            not self.stopped and len(self.flying) < self.concurrency and self.next <= self.last
            and self.next <= self.taken + self.AHEAD * self.concurrency
        ):
            number = self.next
            task = asyncio.ensure_future(self.fetch(self.base.with_page(number), partial(self._arrived, number)))
            task.add_done_callback(partial(self._finished, number))
            self.tasks[number] = task
            self.flying.add(number)
            self.next += 1
            asked = True
        return asked

    def _arrived(self, number: int, head: Any = None) -> bool:
        if number in self.flying:
            self.flying.discard(number)
            return self.fill()
        return False

    def _finished(self, number: int, task: asyncio.Future[_P]) -> None:
        if not task.cancelled() and task.exception() is not None:
            self.stopped = True  # the walk stops at that page: no point asking for more
        self._arrived(number)

    async def take(self, number: int) -> _P:
        """Page ``number``: from the window when it was asked for, else asked for now."""
        self.taken = number
        task = self.tasks.pop(number, None)
        if task is None:
            return await self.fetch(self.base.with_page(number), nothing)
        self.fill()
        if task.done():
            # Awaiting a finished page does not pause: this does, so an export cancelled
            # (escape) while a page was written stops here, not pages later.
            await asyncio.sleep(0)
        return await task

    async def close(self) -> None:
        self.stopped = True
        tasks = list(self.tasks.values())
        self.tasks.clear()
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
