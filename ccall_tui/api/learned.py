"""What ``ccall-tui doctor`` learned about one server, remembered per profile and server.

Two facts change what the client does:

- ``body_format``: ``"form"`` when the server ignores JSON bodies but reads form bodies;
- ``split_causes``: True when several hangup causes joined with ``;`` do not work, so a
  query for several causes becomes one request per cause, merged by start time;
- ``date_order``: ``"dmy"`` or ``"mdy"`` when call start times are written with the day or
  the month first: a date such as 01/02/2026 is then read that way instead of not at all.

The file holds no secret: only these facts, when they were checked and what was found.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Awaitable, Callable

from ..state import atomic_write_json, load_json, namespace_dir
from .cdrs import CallRecord, CdrPage, CdrQuery, Paging
from .client import CcallClient
from .forms import BODY_FORMATS
from .limits import MAX_ANSWER_MB
from .values import DATE_ORDERS, date_order

FILE_NAME = "learned.json"
VERSION = 1


@dataclass(frozen=True)
class Learned:
    body_format: str = "json"
    split_causes: bool = False
    date_order: str | None = None  # "dmy" / "mdy": how slashed start times are written
    checked_at: str | None = None  # ISO time of the doctor run that found these
    notes: tuple[str, ...] = field(default_factory=tuple)  # the findings of that run, as shown

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["notes"] = list(self.notes)
        data["version"] = VERSION
        return data

    @classmethod
    def from_json(cls, data: Any) -> "Learned":
        if not isinstance(data, dict):
            return cls()
        body_format = data.get("body_format")
        notes = data.get("notes")
        checked = data.get("checked_at")
        order = data.get("date_order")
        return cls(
            body_format=body_format if body_format in BODY_FORMATS else "json",
            split_causes=data.get("split_causes") is True,
            date_order=order if order in DATE_ORDERS else None,
            checked_at=checked if isinstance(checked, str) else None,
            notes=tuple(n for n in notes if isinstance(n, str)) if isinstance(notes, list) else (),
        )


def learned_path(profile: Any, *, state_root: Path | str | None = None, demo: bool = False) -> Path:
    if state_root is None:
        from ..paths import state_dir

        state_root = state_dir()
    folder = namespace_dir(state_root, profile.name, profile.base_url, profile.domain_name, demo=demo)
    return folder / FILE_NAME


def load_learned(profile: Any, *, state_root: Path | str | None = None, demo: bool = False) -> Learned:
    """What was learned for this profile and server; the defaults when nothing was."""
    return Learned.from_json(load_json(learned_path(profile, state_root=state_root, demo=demo), None))


def save_learned(
    learned: Learned, profile: Any, *, state_root: Path | str | None = None, demo: bool = False
) -> Path:
    """Write atomically; raises StateError with one line when it cannot."""
    path = learned_path(profile, state_root=state_root, demo=demo)
    atomic_write_json(path, learned.to_json())
    return path


def describe(learned: Learned) -> list[str]:
    """What the app does differently because of ``learned``, one short phrase each."""
    from ..i18n import _

    out: list[str] = []
    if learned.body_format == "form":
        out.append(_("sends form bodies (the server ignores JSON)"))
    if learned.split_causes:
        out.append(_("one request per hangup cause (the server does not read ';')"))
    if learned.date_order == "dmy":
        out.append(_("reads call start times day first (31/12/2026)"))
    elif learned.date_order == "mdy":
        out.append(_("reads call start times month first (12/31/2026)"))
    return out


def make_client(
    profile: Any,
    credentials: Any,
    *,
    state_root: Path | str | None = None,
    demo: bool = False,
    learned: Learned | None = None,
    **options: Any,
) -> CcallClient:
    """A client for ``profile`` that applies what the doctor learned about its server."""
    if learned is None:
        learned = load_learned(profile, state_root=state_root, demo=demo)
    return AdaptedClient(
        profile.base_url,
        credentials,
        timeout=profile.timeout,
        max_body_bytes=int(getattr(profile, "max_answer_mb", MAX_ANSWER_MB) * 1024 * 1024),
        domain_name=profile.domain_name,
        tz=profile.timezone,
        body_format=learned.body_format,
        split_causes=learned.split_causes,
        date_order=learned.date_order,
        **options,
    )


# --------------------------------------------------------------------------- causes


async def cdrs_per_cause(fetch: Callable[[CdrQuery], Awaitable[CdrPage]], query: CdrQuery) -> CdrPage:
    """One request per hangup cause (same range, page and limit), merged into one page.

    Rows are ordered by start time, newest first, and a call that comes back twice is kept
    once. The merged paging covers the longest of the per-cause listings, so following
    ``next_page`` still reaches every row of every cause.
    """
    causes = list(dict.fromkeys(query.hangup_causes))
    if len(causes) < 2:
        return await fetch(query)
    pages = await asyncio.gather(*(fetch(replace(query, hangup_causes=(cause,))) for cause in causes))
    return merge_pages(pages, query)


def merge_pages(pages: list[CdrPage], query: CdrQuery) -> CdrPage:
    seen: set[Any] = set()
    records: list[CallRecord] = []
    for page in pages:
        for record in page.records:
            key = record.call_id or (record.start, record.source, record.destination, record.status)
            if key in seen:
                continue
            seen.add(key)
            records.append(record)
    oldest = datetime.min
    records.sort(key=lambda r: r.start.replace(tzinfo=None) if r.start else oldest, reverse=True)
    return CdrPage(
        records=tuple(records),
        paging=_merged_paging([p.paging for p in pages], query),
        skipped=sum(p.skipped for p in pages),
    )


def _merged_paging(pagings: list[Paging | None], query: CdrQuery) -> Paging | None:
    known = [p for p in pagings if p is not None]
    if not known:
        return None
    counts = [p.record_count for p in known]
    page_counts = [p.page_count for p in known if p.page_count is not None]
    current = query.page or known[0].page_current
    return Paging(
        page_current=current,
        page_count=max(page_counts) if page_counts else None,
        record_count=None if None in counts else sum(c or 0 for c in counts),
        limit=query.limit if query.limit is not None else known[0].limit,
        prev_page=any(p.has_prev for p in known),
        next_page=any(p.has_next for p in known),
        txtdesc=None,
    )


class AdaptedClient(CcallClient):
    """A CcallClient that sends one request per cause when ``split_causes`` is set, and reads
    start times with the day or the month first in the ``date_order`` learned."""

    def __init__(self, *args: Any, split_causes: bool = False, date_order: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.split_causes = split_causes
        self.date_order = date_order if date_order in DATE_ORDERS else None

    async def _post(self, *args: Any, **kwargs: Any) -> Any:
        # Every answer is read inside the learned date order (a read in a thread copies it).
        with date_order(self.date_order):
            return await super()._post(*args, **kwargs)

    async def lookup(self, call_id: str) -> Any:
        with date_order(self.date_order):
            return await super().lookup(call_id)

    async def cdrs(self, query: CdrQuery) -> CdrPage:
        if self.split_causes and len(set(query.hangup_causes)) > 1:
            return await cdrs_per_cause(super().cdrs, query)
        return await super().cdrs(query)


def learned_summary(profile: Any, *, state_root: Path | str | None = None, demo: bool = False) -> str:
    """One line for ``status``: what the doctor found and what the app does because of it."""
    from ..i18n import _

    learned = load_learned(profile, state_root=state_root, demo=demo)
    if learned.checked_at is None:
        return _("nothing yet (run 'ccall-tui doctor' to check this server)")
    when = learned.checked_at.replace("T", " ")[:16]
    changes = describe(learned)
    if not changes:
        return _("the defaults work (checked by 'ccall-tui doctor' on {when})").format(when=when)
    return _("{changes} (checked by 'ccall-tui doctor' on {when})").format(changes="; ".join(changes), when=when)
