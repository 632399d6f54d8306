"""``ccall-tui doctor``'s checks: call each endpoint once, compare with what the app assumes.

No printing here: :func:`diagnose` returns a :class:`Report` (every raw answer, the facts read
from it, one finding per difference, what to remember) and the command renders it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

import httpx

from ..errors import Exit
from ..i18n import _
from .learned import Learned
from .probe import MAX_ANSWER_BYTES, USER_AGENT, Answer, send
from .shapes import EXPECTED_TIME, analyse_cdrs, analyse_registrations
from .values import DATE_ORDERS, _slashed_readings, date_order

SAMPLE_LIMIT = 5
# One request of the doctor: (name, path, submission, body format) -> its answer.
Probe = Callable[[str, str, dict[str, Any], str], Awaitable[Answer]]
FALLBACK_CAUSES = ("NORMAL_CLEARING", "NO_ANSWER")
# A fatal answer ends as the matching request error would (3 auth, 4 network, 5 server).
_ERROR_EXIT = {"auth": Exit.AUTH, "transport": Exit.NETWORK, "server": Exit.SERVER, "protocol": Exit.SERVER}


@dataclass
class Finding:
    level: str  # info: read as it is; adapted: the app changes; limit: cannot be helped; problem
    found: str
    action: str

    def to_json(self) -> dict[str, str]:
        return {"level": self.level, "found": self.found, "action": self.action}


@dataclass
class Report:
    answers: list[Answer] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    learned: Learned = field(default_factory=Learned)
    fatal: Answer | None = None  # no usable answer at all: nothing else could be checked
    causes: tuple[str, str] | None = None
    day: date | None = None
    date_order: str | None = None  # how slashed start times read, when this run could tell
    dates_ambiguous: bool = False  # slashed start times that could be day or month first

    @property
    def exit_code(self) -> int:
        if self.fatal is not None:
            return _ERROR_EXIT.get(self.fatal.error_kind, Exit.SERVER)
        levels = {f.level for f in self.findings}
        if "problem" in levels:
            return Exit.NOT_UNDERSTOOD
        if levels & {"adapted", "limit"}:
            return Exit.ADAPTED
        return Exit.OK

    def add(self, level: str, found: str, action: str) -> None:
        self.findings.append(Finding(level, found, action))


async def diagnose(
    profile: Any,
    credentials: Any,
    *,
    day: date,
    now: datetime,
    previous: Learned | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Report:
    """Run every check against ``profile``'s server; never raises for what the server does."""
    previous = previous or Learned()
    report = Report(day=day)
    tz = profile.timezone
    extra = {"domain_name": profile.domain_name} if profile.domain_name else {}
    answer_mb = getattr(profile, "max_answer_mb", None)
    max_bytes = int(answer_mb * 1024 * 1024) if answer_mb else MAX_ANSWER_BYTES
    async with httpx.AsyncClient(
        base_url=profile.base_url.rstrip("/"),
        timeout=httpx.Timeout(profile.timeout, connect=min(profile.timeout, 10.0)),
        headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        transport=transport,
        follow_redirects=False,
    ) as http:

        async def probe(name: str, path: str, submission: dict[str, Any], body_format: str) -> Answer:
            answer = await send(http, credentials, name, path, {**extra, **submission},
                                body_format=body_format, deadline_s=profile.timeout, max_bytes=max_bytes)
            report.answers.append(answer)
            return answer

        as_json = await probe("registrations", "/ext_reg/json", {}, "json")
        as_form = await probe("registrations_form", "/ext_reg/json", {}, "form")
        for answer in (as_json, as_form):
            if answer.ok:
                answer.facts = analyse_registrations(answer.data, tz)
        body_format = _body_format(report, as_json, as_form)
        if body_format is None:
            report.learned = previous
            return report
        _registration_findings(report, as_json if as_json.ok else as_form)

        start = datetime.combine(day, time(0, 0), tz)
        end = min(now.astimezone(tz), datetime.combine(day, time(23, 59), tz))
        window = _window(start, end)
        listing = await probe("cdrs", "/cdrs/json",
                              {"date_range": window, "page": 1, "limit": SAMPLE_LIMIT}, body_format)
        _read_cdrs(listing, tz)
        if listing.ok and listing.facts.get("parsed") == 0 and listing.facts.get("rows") == 0:
            start -= timedelta(days=6)
            window = _window(start, end)
            listing = await probe("cdrs_week", "/cdrs/json",
                                  {"date_range": window, "page": 1, "limit": SAMPLE_LIMIT}, body_format)
            _read_cdrs(listing, tz)
        order = _date_order(report, listing, start.replace(tzinfo=None), end.replace(tzinfo=None), previous)
        with date_order(order):  # the answers read as the app will read them
            split = await _check_calls(report, probe, listing, window, body_format, tz, previous, day)
    report.learned = Learned(
        body_format=body_format,
        split_causes=split,
        date_order=order,
        checked_at=now.isoformat(timespec="seconds"),
        notes=tuple(f"{f.found} → {f.action}" for f in report.findings if f.level == "adapted"),
    )
    if not report.findings:
        report.add("info", _("Everything as the app expects"), _("nothing changes"))
    return report


async def _check_calls(report: Report, probe: Probe, listing: Answer, window: dict[str, str], body_format: str,
                       tz: Any, previous: Learned, day: date) -> bool:
    """The call-record checks on the listing: findings, one call by id, hangup causes."""
    _read_cdrs(listing, tz)
    split = previous.split_causes
    if not listing.ok:
        report.add("problem", _("Call records could not be read: {reason}").format(reason=listing.error),
                   _("the call browser will show this error"))
    else:
        _cdr_findings(report, listing)
        ids = [i for i in listing.facts.get("call_ids", []) if i]
        if ids:
            one = await probe("call_id", "/cdrs/json", {"call_id": ids[0]}, body_format)
            _read_cdrs(one, tz)
            _call_id_findings(report, one, ids[0])
        elif listing.facts.get("parsed"):
            report.add("problem", _("Call records carry no call id"),
                       _("calls cannot be opened by id; the browser still lists them"))
        else:
            report.add("problem", _("No calls in the 7 days to {day}").format(day=day.isoformat()),
                       _("the call id and hangup cause checks need calls: run again after some"))
        if listing.facts.get("parsed"):
            split = await _check_causes(report, probe, listing, window, body_format, tz, previous)
    return split


def _window(start: datetime, end: datetime) -> dict[str, str]:
    return {"from": start.strftime("%Y-%m-%d %H:%M"), "to": end.strftime("%Y-%m-%d %H:%M")}


def _read_cdrs(answer: Answer, tz: Any) -> None:
    if answer.ok:
        limit = answer.submission.get("limit")
        answer.facts = analyse_cdrs(answer.data, tz, limit if isinstance(limit, int) else None)


# --------------------------------------------------------------------------- body format


def _body_format(report: Report, as_json: Answer, as_form: Answer) -> str | None:
    if as_json.ok and as_form.ok:
        return "json"
    if as_json.ok:
        report.add("info", _("Form bodies are refused ({reason}), JSON works").format(reason=as_form.error),
                   _("the app sends JSON, as always"))
        return "json"
    if as_form.ok and as_json.error_kind == "transport":
        # No answer is not a refusal: one lost request must not switch the app to forms.
        report.add("problem", _("A JSON body got no answer ({reason}) while a form body did").format(
            reason=as_json.error), _("the app keeps sending JSON; run the doctor again"))
        return "json"
    if as_form.ok:
        report.add("adapted", _("JSON bodies are refused ({reason}), form bodies work").format(reason=as_json.error),
                   _("the app sends form bodies to this server (remembered)"))
        return "form"
    report.fatal = as_json
    report.add("problem", _("No usable answer to a JSON body ({json}) nor to a form body ({form})").format(
        json=as_json.error, form=as_form.error),
        _("nothing else can be checked; fix this first (credentials, base URL, network)"))
    return None


# --------------------------------------------------------------------------- registrations


def _registration_findings(report: Report, answer: Answer) -> None:
    facts = answer.facts
    if not facts.get("understood", True):
        report.add("problem", _("Registrations answer not understood: {reason}").format(
            reason=facts.get("skip_reason") or facts.get("shape")),
            _("the board goes stale with this reason instead of showing everyone offline"))
        return
    if facts.get("skipped"):
        report.add("problem", _("{n} of {total} registration rows not understood (first: {reason})").format(
            n=facts["skipped"], total=facts["rows"], reason=facts.get("skip_reason") or "-"),
            _("those rows are left off the board and counted in the status line"))
    if facts.get("merged"):
        report.add("info", _("{n} registration rows repeat another row").format(n=facts["merged"]),
                   _("each device is shown once"))
    shape = facts.get("shape", "")
    if shape != "response.registrations: list" and facts.get("rows"):
        report.add("info", _("Registrations come as {shape}").format(shape=shape), _("read as they are"))
    if facts.get("key_style") not in (None, "dashes"):
        report.add("info", _("Registration keys use {style}").format(style=facts["key_style"]),
                   _("read as they are"))


# --------------------------------------------------------------------------- call records


def _cdr_findings(report: Report, answer: Answer) -> None:
    facts = answer.facts
    if facts.get("skipped"):
        report.add("problem", _("{n} of {total} call records not understood (first: {reason})").format(
            n=facts["skipped"], total=facts["rows"], reason=facts.get("skip_reason") or "-"),
            _("those rows are left out and counted under the table"))
    place = facts.get("paging_place")
    if place is None:
        report.add("limit", _("No paging metadata in the answer"),
                   _("each answer is taken as the whole list; no next page is offered"))
    elif place != "paging":
        report.add("info", _("Paging metadata sits in {place}").format(place=place), _("read from there"))
    if facts.get("limit_honoured") is False:
        report.add("limit", _("'limit' is ignored ({n} rows for a limit of {limit})").format(
            n=facts["rows"], limit=SAMPLE_LIMIT), _("pages are as long as the server makes them"))
    field_name = facts.get("call_id_field")
    if field_name not in (None, "call_id"):
        report.add("info", _("The call id is in '{field}'").format(field=field_name), _("read from there"))
    if facts.get("recording_field") == "recording_file":
        report.add("info", _("Recording links are in 'recording_file'"), _("read from there"))
    units = [k for k, v in (facts.get("numbers") or {}).items() if v and "string" in v]
    if units:
        report.add("info", _("Numbers written as text: {fields}").format(fields=", ".join(units)),
                   _("read as numbers"))
    fmt = facts.get("time_format")
    if report.date_order or report.dates_ambiguous:
        pass  # said by _date_order
    elif facts.get("times_unread"):
        report.add("problem", _("Start times like '{example}' are not understood").format(
            example=facts.get("time_example")),
            _("calls show without a start time; sorting and merging by time are unreliable"))
    elif fmt not in (None, EXPECTED_TIME):
        report.add("info", _("Start times written as {format}").format(format=fmt), _("read as they are"))


def _call_id_findings(report: Report, answer: Answer, wanted: str) -> None:
    if not answer.ok:
        report.add("problem", _("A call by its id could not be read: {reason}").format(reason=answer.error),
                   _("opening a call by id will show this error"))
        return
    ids = answer.facts.get("call_ids", [])
    answer.facts["asked"] = wanted
    if ids and all(i == wanted for i in ids):
        answer.facts["call_id_honoured"] = True
        return
    if not ids:
        answer.facts["call_id_honoured"] = None
        report.add("problem", _("The call just listed was not found by its id"),
                   _("opening a call by id says 'not found'"))
        return
    answer.facts["call_id_honoured"] = False
    report.add("limit", _("'call_id' is ignored (the answer held {n} other calls)").format(
        n=sum(1 for i in ids if i != wanted)),
        _("opening a call by id says 'not found' and never shows another call"))


# --------------------------------------------------------------------------- start times


def _raw_starts(data: Any) -> list[str]:
    items = data.get("response") if isinstance(data, dict) else None
    if isinstance(items, dict):
        items = items.get("data")
    starts = []
    for item in items if isinstance(items, list) else ():
        record = item.get("Cdr", item) if isinstance(item, dict) else None
        start = record.get("start") if isinstance(record, dict) else None
        if isinstance(start, str) and start.strip():
            starts.append(start.strip())
    return starts


def _date_order(report: Report, listing: Answer, start: datetime, end: datetime, previous: Learned) -> str | None:
    """How this server writes a date with the day or the month first, from the listing's start
    times: the order under which every one is a date, and (when both are) the one that puts
    them in the range asked for. An undecided order keeps what was learned before."""
    readings = [r for r in (_slashed_readings(text) for text in _raw_starts(listing.data) if listing.ok) if r]
    if not readings:
        return previous.date_order
    valid = [o for o in DATE_ORDERS if all(o in r for r in readings)]
    if len(valid) == 2:
        low, high = start - timedelta(days=1), end + timedelta(days=1)
        fits = [o for o in valid if all(low <= r[o] <= high for r in readings)]
        if len(fits) == 1:
            valid = fits
    example = next((text for text in _raw_starts(listing.data) if _slashed_readings(text)), "")
    if len(valid) == 1:
        report.date_order = order = valid[0]
        if order == "dmy":
            report.add("adapted", _("Start times are written day first ('{example}')").format(example=example),
                       _("read day first, the 1st to the 12th of a month too (remembered)"))
        else:
            report.add("adapted", _("Start times are written month first ('{example}')").format(example=example),
                       _("read month first (remembered)"))
        return order
    if valid and all(r["dmy"] == r["mdy"] for r in readings):
        return previous.date_order  # day and month equal: either order reads them
    if valid:
        report.dates_ambiguous = True
        known = previous.date_order
        report.add("problem", _("Start times like '{example}' could be day or month first").format(example=example),
                   _("read as learned before ({order})").format(order=known) if known else
                   _("a start time whose day is 12 or less shows as unknown; run the doctor again later"))
        return known
    report.dates_ambiguous = True
    report.add("problem", _("Start times like '{example}' are not understood").format(example=example),
               _("calls show without a start time; sorting and merging by time are unreliable"))
    return previous.date_order


# --------------------------------------------------------------------------- causes


def _pick_causes(listing: Answer) -> tuple[str, str]:
    seen = [c for c in listing.facts.get("causes", []) if c and ";" not in c]
    picked = list(dict.fromkeys([*seen, *FALLBACK_CAUSES]))
    return picked[0], picked[1]


def _count(answer: Answer) -> int:
    paging = answer.facts.get("paging") or {}
    total = paging.get("record_count")
    return total if isinstance(total, int) else int(answer.facts.get("parsed") or 0)


async def _check_causes(report: Report, probe: Probe, listing: Answer, window: dict[str, str], body_format: str,
                        tz: tzinfo, previous: Learned) -> bool:
    first, second = report.causes = _pick_causes(listing)
    query = {"date_range": window, "page": 1, "limit": SAMPLE_LIMIT}
    alone_a = await probe("cause_a", "/cdrs/json", {**query, "hangup_cause": first}, body_format)
    alone_b = await probe("cause_b", "/cdrs/json", {**query, "hangup_cause": second}, body_format)
    joined = await probe("causes_joined", "/cdrs/json", {**query, "hangup_cause": f"{first};{second}"}, body_format)
    for answer in (alone_a, alone_b, joined):
        _read_cdrs(answer, tz)
    failed = next((a for a in (alone_a, alone_b, joined) if not a.ok), None)
    if failed is not None:
        report.add("problem", _("A hangup cause filter could not be checked: {reason}").format(reason=failed.error),
                   _("the app keeps what it did before"))
        return previous.split_causes
    causes_a, causes_b = set(alone_a.facts.get("causes", [])), set(alone_b.facts.get("causes", []))
    if causes_a - {first} or causes_b - {second}:
        report.add("problem", _("The 'hangup_cause' filter is ignored"),
                   _("lists filtered by cause show every cause; filter by eye"))
        return previous.split_causes
    count_a, count_b, count_joined = _count(alone_a), _count(alone_b), _count(joined)
    joined.facts["counts"] = {first: count_a, second: count_b, "joined": count_joined}
    if count_a + count_b == 0:
        report.add("problem", _("No calls ended by {a} or {b}, so ';' could not be checked").format(
            a=first, b=second), _("the app keeps what it did before"))
        return previous.split_causes
    other = set(joined.facts.get("causes", [])) - {first, second}
    known_totals = all(isinstance((a.facts.get("paging") or {}).get("record_count"), int)
                       for a in (alone_a, alone_b, joined))
    if count_joined == 0 or other or (known_totals and count_joined != count_a + count_b):
        joined.facts["semicolon_works"] = False
        report.add("adapted", _("Causes joined with ';' do not work ({a};{b}: {n} calls, alone: {na} + {nb})").format(
            a=first, b=second, n=count_joined, na=count_a, nb=count_b),
            _("the app sends one request per cause and merges them by start time (remembered)"))
        return True
    joined.facts["semicolon_works"] = True
    return False
