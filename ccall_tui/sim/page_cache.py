"""Call-record pages written once and then served as bytes (``precomputed_pages``).

With ``SimulatedPbx(precomputed_pages=True)`` (``simulate --precompute``) each page of a query
is written the first time it is asked for and kept as bytes; every later request for it is
answered from those bytes, so the simulator is never what an export benchmark measures (run
the export once to fill it). A page is only reused while its answer would be the same: the key
holds the filters, the page size, the exact list of calls they select (by id; for a range
that ended before the longest call could still run, where the history window begins instead)
and the tenant's steering version (a renamed extension changes caller names), and only plain answers are kept
(no quirk, no hostile switch, no paging lie, no calls arriving). A few queries are kept, the
least recently used forgotten first.
"""

from __future__ import annotations

import collections
import json
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

    def page(self, key: Hashable, number: int, write: Callable[[int], Any]) -> bytes:
        """Page ``number`` of the query ``key``: kept bytes, or ``write(number)`` encoded and kept."""
        with self._lock:
            kept = self._queries.get(key)
            if kept is None:
                kept = self._queries[key] = {}
                while len(self._queries) > self.max_queries:
                    self._queries.popitem(last=False)
            else:
                self._queries.move_to_end(key)
            body = kept.get(number)
        if body is None:
            body = json.dumps(write(number), ensure_ascii=False).encode("utf-8")
            with self._lock:
                kept[number] = body
                self.built += 1
        return body


def query_key(request: Any, calls: list[Any], version: int) -> Hashable:
    """What a page's answer depends on: the filters, page size, the calls and the tenant."""
    ids = tuple(call.call_id for call in calls)
    return (replace(request, page=None), len(ids), hash(ids), version)


def settled_key(request: Any, version: int, window_start: int) -> Hashable:
    """The key of a range whose calls have all ended: the filters, page size, the tenant's
    steering version and where the history window begins."""
    return (replace(request, page=None), version, window_start)
