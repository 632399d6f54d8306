"""The call-record filter form, as plain data: parsing, validation, presets, persistence.

The form holds what the user typed (strings), so it survives errors unchanged; only a form
that validates becomes a :class:`CdrQuery`. No textual here.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta, tzinfo
from typing import Any, Mapping

from ..api.cdrs import DIRECTIONS, HANGUP_CAUSES, CdrQuery
from ..api.text import clean_text
from ..i18n import N_, _

DATE_FORMAT = "%Y-%m-%d %H:%M"
DATE_HINT = "YYYY-MM-DD HH:mm"
PAGE_SIZES = (25, 50, 100, 200, 500)
DEFAULT_PAGE_SIZE = 50
MAX_TEXT = 64

# preset key -> label (translated when shown)
PRESETS: dict[str, str] = {
    "last_hour": N_("Last hour"),
    "today": N_("Today"),
    "yesterday": N_("Yesterday"),
    "last_7_days": N_("Last 7 days"),
}
DEFAULT_PRESET = "today"

FIELDS = ("date_from", "date_to", "direction", "causes", "source", "destination", "cid_name", "limit")

_DATE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]+(\d{1,2}):(\d{2}))?\s*$")
# Numbers and SIP user parts; * and ? are wildcards the PBX understands.
_NUMBER = re.compile(r"^[0-9A-Za-z+*#?._@-]+$")


@dataclass(frozen=True, slots=True)
class CdrFilter:
    """What the filter form holds, exactly as typed."""

    date_from: str = ""
    date_to: str = ""
    direction: str = ""  # "" = all three
    causes: tuple[str, ...] = ()
    source: str = ""
    destination: str = ""
    cid_name: str = ""
    limit: int = DEFAULT_PAGE_SIZE
    preset: str | None = None  # the dates came from this preset (recomputed on restore)

    # ------------------------------------------------------------------ persistence

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["causes"] = list(self.causes)
        return data

    @classmethod
    def from_json(cls, data: Any) -> "CdrFilter":
        """Tolerant: anything odd in a saved file falls back to the default for that field."""
        if not isinstance(data, Mapping):
            return cls()
        values: dict[str, Any] = {}
        for key in ("date_from", "date_to", "source", "destination", "cid_name"):
            value = data.get(key)
            if isinstance(value, str):
                values[key] = clean_text(value, limit=MAX_TEXT * 2)
        direction = data.get("direction")
        if direction in DIRECTIONS:
            values["direction"] = direction
        causes = data.get("causes")
        if isinstance(causes, list):
            values["causes"] = tuple(c for c in HANGUP_CAUSES if c in causes)
        limit = data.get("limit")
        if isinstance(limit, int) and not isinstance(limit, bool) and limit in PAGE_SIZES:
            values["limit"] = limit
        preset = data.get("preset")
        if preset in PRESETS:
            values["preset"] = preset
        return cls(**values)

    def refreshed(self, now: datetime) -> "CdrFilter":
        """The same filter with preset dates recomputed for ``now`` (yesterday's "today")."""
        if self.preset is None:
            return self
        return apply_preset(self, self.preset, now)

    # ------------------------------------------------------------------ shortcuts

    def for_extension(self, extension: str, *, as_destination: bool = False) -> "CdrFilter":
        """Calls of one extension, as source (default) or destination; other filters kept."""
        extension = extension.strip()
        if as_destination:
            return replace(self, source="", destination=extension)
        return replace(self, source=extension, destination="")

    def swapped(self) -> "CdrFilter":
        """Source and destination exchanged (the API has no "either")."""
        return replace(self, source=self.destination, destination=self.source)


@dataclass(frozen=True, slots=True)
class Validation:
    """The outcome of checking a form: a query, or one message per wrong field."""

    query: CdrQuery | None
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.query is not None and not self.errors


# --------------------------------------------------------------------------- dates


def parse_form_date(text: str, tz: tzinfo, *, end: bool = False) -> datetime | None:
    """``"YYYY-MM-DD HH:mm"`` (or just the date) -> aware datetime; ValueError if malformed.

    Empty text is no bound (None). A date alone means its first minute, or with ``end`` its
    last minute.
    """
    if not text or not text.strip():
        return None
    match = _DATE.match(text)
    if match is None:
        raise ValueError(text)
    year, month, day, hour, minute = match.groups()
    if hour is None:
        hour, minute = ("23", "59") if end else ("0", "0")
    return datetime(int(year), int(month), int(day), int(hour), int(minute), tzinfo=tz)


def format_form_date(moment: datetime, tz: tzinfo) -> str:
    return moment.astimezone(tz).strftime(DATE_FORMAT)


def preset_range(preset: str, now: datetime) -> tuple[datetime, datetime]:
    """The (from, to) of a preset, in ``now``'s timezone, to the minute."""
    now = now.replace(second=0, microsecond=0)
    midnight = now.replace(hour=0, minute=0)
    if preset == "last_hour":
        return now - timedelta(hours=1), now
    if preset == "today":
        return midnight, midnight.replace(hour=23, minute=59)
    if preset == "yesterday":
        day = midnight - timedelta(days=1)
        return day, day.replace(hour=23, minute=59)
    if preset == "last_7_days":
        return midnight - timedelta(days=6), midnight.replace(hour=23, minute=59)
    raise KeyError(preset)


def apply_preset(form: CdrFilter, preset: str, now: datetime) -> CdrFilter:
    start, end = preset_range(preset, now)
    tz = now.tzinfo
    assert tz is not None, "presets need an aware 'now'"
    return replace(
        form, date_from=format_form_date(start, tz), date_to=format_form_date(end, tz), preset=preset
    )


def default_filter(now: datetime) -> CdrFilter:
    return apply_preset(CdrFilter(), DEFAULT_PRESET, now)


# --------------------------------------------------------------------------- checks


def check_date(text: str, tz: tzinfo, *, end: bool = False) -> str | None:
    """The message for a malformed date field, or None when it is fine (or empty)."""
    try:
        parse_form_date(text, tz, end=end)
    except ValueError:
        return _("Use {hint}, for example 2026-11-27 09:00.").format(hint=DATE_HINT)
    return None


def check_number(text: str) -> str | None:
    text = text.strip()
    if not text:
        return None
    if len(text) > MAX_TEXT:
        return _("At most {count} characters.").format(count=MAX_TEXT)
    if not _NUMBER.match(text):
        return _("A number or extension: digits, letters, + # . _ - @ and the wildcards * ?")
    return None


def check_name(text: str) -> str | None:
    if len(text.strip()) > MAX_TEXT:
        return _("At most {count} characters.").format(count=MAX_TEXT)
    if clean_text(text, limit=MAX_TEXT * 2) != text:
        return _("Control characters are not allowed.")
    return None


def validate(form: CdrFilter, tz: tzinfo, *, page: int | None = 1) -> Validation:
    """Check every field; a query only when all of them are right."""
    errors: dict[str, str] = {}
    start = end = None
    try:
        start = parse_form_date(form.date_from, tz)
    except ValueError:
        errors["date_from"] = check_date(form.date_from, tz) or ""
    try:
        end = parse_form_date(form.date_to, tz, end=True)
    except ValueError:
        errors["date_to"] = check_date(form.date_to, tz, end=True) or ""
    if start is not None and end is not None and start > end:
        errors["date_from"] = _("The start is after the end.")
    if form.direction and form.direction not in DIRECTIONS:
        errors["direction"] = _("Choose all, inbound, outbound or local.")
    unknown = [c for c in form.causes if c not in HANGUP_CAUSES]
    if unknown:
        errors["causes"] = _("Unknown hangup cause: {cause}").format(cause=clean_text(unknown[0], limit=40))
    for key in ("source", "destination"):
        message = check_number(getattr(form, key))
        if message:
            errors[key] = message
    message = check_name(form.cid_name)
    if message:
        errors["cid_name"] = message
    if form.limit not in PAGE_SIZES:
        errors["limit"] = _("Rows per page: one of {sizes}.").format(
            sizes=", ".join(str(s) for s in PAGE_SIZES)
        )
    if errors:
        return Validation(None, errors)
    causes = tuple(c for c in HANGUP_CAUSES if c in form.causes)  # the list's order, no repeats
    query = CdrQuery(
        date_from=start,
        date_to=end,
        hangup_causes=causes,
        source=form.source.strip() or None,
        destination=form.destination.strip() or None,
        cid_name=form.cid_name.strip() or None,
        direction=form.direction or None,
        page=page,
        limit=form.limit,
    )
    return Validation(query)
