"""Call-record pages written once and then served as bytes (``precomputed_pages``).

With ``SimulatedPbx(precomputed_pages=True)`` (``simulate --precompute``) the first request
for a page of a query writes *every* page of that query at that page size, and later requests
for any of them are answered from the bytes kept, so the simulator is never what an export
benchmark measures. A page is only reused while its answer would be the same: the key holds
the filters, the page size, the exact list of calls they select (by id) and the tenant's
steering version (a renamed extension changes caller names), and only plain answers are kept
(no quirk, no hostile switch, no paging lie, no calls arriving). A few queries are kept, the
least recently used forgotten first.
"""

from __future__ import annotations

import collections
import json
import math
import threading
from dataclasses import replace
from typing import Any, Callable, Hashable

MAX_QUERIES = 4
"""Queries whose pages are kept at once (each one every page of its answer)."""


class PageCache:
    def __init__(self, max_queries: int = MAX_QUERIES) -> None:
        self.max_queries = max_queries
        self._queries: collections.OrderedDict[Hashable, dict[int, bytes]] = collections.OrderedDict()
        self._lock = threading.Lock()
        self.built = 0
        """Pages written so far (the tests read it to see pages reused, not rewritten)."""

    def page(self, key: Hashable, number: int, pages: int, write: Callable[[int], Any]) -> bytes | None:
        """Page ``number`` of the query ``key`` (``pages`` pages in all; ``write(n)`` makes the
        answer of page ``n``), or None for a page outside 1..pages (answered the usual way)."""
        if not 1 <= number <= pages:
            return None
        with self._lock:
            kept = self._queries.get(key)
            if kept is None:
                kept = {n: json.dumps(write(n), ensure_ascii=False).encode("utf-8") for n in range(1, pages + 1)}
                self.built += pages
                self._queries[key] = kept
                while len(self._queries) > self.max_queries:
                    self._queries.popitem(last=False)
            else:
                self._queries.move_to_end(key)
            return kept[number]


def page_count(calls: int, limit: int) -> int:
    """Pages of ``limit`` rows that ``calls`` fill (one, empty, when there are none)."""
    return max(1, math.ceil(calls / limit))


def query_key(request: Any, calls: list[Any], version: int) -> Hashable:
    """What a page's answer depends on: the filters, page size, the calls and the tenant."""
    ids = tuple(call.call_id for call in calls)
    return (replace(request, page=None), len(ids), hash(ids), version)
