"""Switches that make the simulated PBX misbehave the way real servers and proxies do."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

# Shapes a real server has been seen to use (API.md); each one is a mode of the wire format.
QUIRKS = frozenset({
    "single_object",     # exactly one registration -> an object instead of a list
    "empty_variant",     # no registrations -> {}, null, "" or no key at all, in rotation
    "xml_nesting",       # {"registrations": {"registration": [...]}}
    "string_numbers",    # numbers as strings: tta "7s", pdd "0.85s", mos "3.9", billsec "65"
    "null_strings",      # the string "null" wherever a value is empty or null
    "recording_file",    # the recording link under "recording_file" instead of "recording"
    "underscore_keys",   # registration keys with "_" instead of "-" (network_ip)
    "upper_exp",         # older builds: EXP(...) / EXPSECS(...)
    "spaces",            # status strings padded with spaces
    "duration_seconds",  # duration as a number of seconds instead of "hh:mm:ss"
    # Deployments that read or answer differently (sim/variants.py):
    "json_refused",         # a JSON body reads as empty (form bodies only), so auth fails
    "ignore_call_id",       # call_id is no filter: a lookup answers with a page of other calls
    "causes_no_semicolon",  # hangup_cause matched whole: "A;B" matches nothing
    "paging_in_response",   # {"response": {"data": [...], "paging": {...}}}
    "paging_flat",          # paging keys loose beside "response"
    "iso_time",             # start as 2026-11-27T10:30:00
    "dmy_time",             # start as 27/11/2026 10:30:00
    "mdy_time",             # start as 11/27/2026 10:30:00
    "stale_duplicates",
    "numeric_extensions",  # source/destination extensions as JSON numbers (105, not "105")  # a phone that re-registered also shows its old row until it expires
})
CALL_ID_KEYS = ("call_id", "uuid", "xml_cdr_uuid", "_id", "id")
CALL_ID_QUIRK = "call_id_key="  # e.g. "call_id_key=uuid"
AUTH_STYLES = ("401", "200")
_HOSTILE_FIELDS = frozenset({
    "trickle_ms", "huge_body_mb", "no_content_length", "padding_rows", "registrations_junk",
    "identical_rows", "rate_limited", "retry_after", "surrogates", "infinite_numbers",
    "echo_request_500",
})


def check_quirk(name: str) -> str:
    from .hostile import HOSTILE_QUIRKS

    name = name.strip()
    if name in QUIRKS or name in HOSTILE_QUIRKS:
        return name
    if name.startswith(CALL_ID_QUIRK) and name[len(CALL_ID_QUIRK):] in CALL_ID_KEYS:
        return name
    known = ", ".join(sorted(QUIRKS)) + ", " + ", ".join(CALL_ID_QUIRK + k for k in CALL_ID_KEYS[1:])
    raise ValueError(f"unknown quirk {name!r}; known: {known}")


@dataclass
class Faults:
    """What to get wrong. Plain attributes: flip them from a test while the server runs."""

    latency_s: float = 0.0
    timeout: bool = False
    timeout_hold_s: float = 60.0
    status_5xx: int | None = None
    html_error: bool = False
    malformed_json: bool = False
    empty_body: bool = False
    auth_failure: bool = False
    auth_style: str = "401"
    no_response_key: bool = False
    recordings_expired: bool = False  # recording links answer 403 "Request has expired"
    download_s: float = 0.0  # spread each recording download over this many seconds
    page_count_lie: bool = False  # paging claims page_count 10^9 (and next_page true)
    endless_empty_pages: bool = False  # next_page true on every page, past the last rows too
    stuck_page: bool = False  # every page answers as page 1 with page 1's rows
    calls_arriving: int = 0  # before each page is served, this many newer calls finish
    recording_redirect: str | None = None  # "same" / "other": recordings answer 302 to that host
    recording_html: bool = False  # recordings answer 200 text/html (a login or "moved" page)
    recording_huge: bool = False  # recordings announce 10 GB and trickle slowly
    recording_trickle_ms: float = 0.0  # recordings announce their size, then one byte every N ms
    recording_echo_secret: bool = False  # recordings answer 500 with the credentials in the message
    # Hostile answers (sim/hostile.py):
    trickle_ms: float = 0.0  # headers at once, then the body one byte every N ms
    huge_body_mb: float = 0.0  # every answer padded with this many MB
    no_content_length: bool = False  # answers end by closing the connection
    padding_rows: int = 0  # extra registration rows
    registrations_junk: str | None = None  # see hostile.JUNK_SHAPES
    identical_rows: int = 0  # every registration row sent this many times
    rate_limited: bool = False  # 429 with Retry-After
    retry_after: str = "30"  # its Retry-After (also on status_5xx 503); "" = no header
    surrogates: bool = False  # lone surrogates in names, agents and keys
    infinite_numbers: bool = False  # inf/NaN/absurd durations, tta, pdd, mos
    echo_request_500: bool = False  # 500 echoing the request body (and upper-cased)
    quirks: set[str] = field(default_factory=set)

    def reset(self) -> None:
        fresh = Faults()
        for item in fields(self):
            setattr(self, item.name, getattr(fresh, item.name))

    def has(self, quirk: str) -> bool:
        return quirk in self.quirks

    @property
    def call_id_key(self) -> str:
        for quirk in self.quirks:
            if quirk.startswith(CALL_ID_QUIRK):
                return quirk[len(CALL_ID_QUIRK):]
        return "call_id"

    def plain_registrations(self) -> bool:
        """True when the registrations answer is the plain one: no quirk, no hostile or body
        switch in force (those that act before the answer, or only on call records and
        recordings, do not change it)."""
        return not self.quirks and all(
            getattr(self, name) == value for name, value in _BODY_DEFAULTS.items()
            if name not in _NOT_IN_REGISTRATIONS
        )

    def plain_cdrs(self) -> bool:
        """True when a call-record answer is the plain one (as above, paging switches too)."""
        return not self.quirks and all(getattr(self, name) == value for name, value in _BODY_DEFAULTS.items())

    def update(self, values: dict[str, Any]) -> None:
        """Set fields from a JSON-like dict, checking every value first (all or nothing)."""
        checked: dict[str, Any] = {}
        names = {item.name for item in fields(self)}
        for key, value in values.items():
            if key == "reset":
                continue
            if key not in names:
                raise ValueError(f"unknown fault {key!r}")
            checked[key] = _check(key, value)
        if values.get("reset"):
            self.reset()
        for key, value in checked.items():
            setattr(self, key, value)

    def to_json(self) -> dict[str, Any]:
        out = {item.name: getattr(self, item.name) for item in fields(self)}
        out["quirks"] = sorted(self.quirks)
        return out


# Switches that act before an answer is written (delay, refuse, fail) or only on recordings:
# whatever they are set to, an answer that is written is the plain one.
_BEFORE_ANSWER = frozenset({
    "latency_s", "timeout", "timeout_hold_s", "status_5xx", "html_error", "auth_failure",
    "auth_style", "recordings_expired", "download_s", "recording_redirect", "recording_html",
    "recording_huge", "recording_trickle_ms", "recording_echo_secret", "rate_limited", "retry_after", "echo_request_500", "quirks",
})
# Switches of the call-record paging, which a registrations answer never shows.
_NOT_IN_REGISTRATIONS = frozenset({"page_count_lie", "endless_empty_pages", "stuck_page", "calls_arriving"})
# Every other switch, at its default value (a switch added later counts as changing the body).
_BODY_DEFAULTS = {
    item.name: getattr(Faults(), item.name) for item in fields(Faults) if item.name not in _BEFORE_ANSWER
}


def _check(key: str, value: Any) -> Any:
    if key in _HOSTILE_FIELDS:
        from .hostile import check

        return check(key, value)
    if key == "recording_trickle_ms":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 60_000:
            raise ValueError(f"{key} must be a number of milliseconds from 0 to 60000")
        return float(value)
    if key in ("latency_s", "timeout_hold_s", "download_s"):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 3600:
            raise ValueError(f"{key} must be a number of seconds between 0 and 3600")
        return float(value)
    if key == "status_5xx":
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 500 <= value <= 599:
            raise ValueError("status_5xx must be null or a status between 500 and 599")
        return value
    if key == "calls_arriving":
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10_000:
            raise ValueError("calls_arriving must be a whole number from 0 to 10000")
        return value
    if key == "recording_redirect":
        if value not in (None, "same", "other"):
            raise ValueError("recording_redirect must be null, 'same' or 'other'")
        return value
    if key == "auth_style":
        if str(value) not in AUTH_STYLES:
            raise ValueError("auth_style must be '401' or '200'")
        return str(value)
    if key == "quirks":
        if isinstance(value, str):
            value = [v for v in value.split(",") if v.strip()]
        if not isinstance(value, (list, tuple, set, frozenset)):
            raise ValueError("quirks must be a list of names")
        return {check_quirk(str(v)) for v in value}
    if not isinstance(value, bool):
        raise ValueError(f"{key} must be true or false")
    return value
