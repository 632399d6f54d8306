"""Alert rules: what each kind of rule watches, and one rule's keys checked one by one.

A rule is a table in the rules file (see :mod:`ccall_tui.alerts.rules_file`)::

    [[profiles.main.rules]]
    name = "reception offline"
    kind = "offline"
    extensions = ["100-109", "Reception", "watched"]
    minutes = 5
    severity = "critical"
    clear_after = 2

Every problem is a :class:`~ccall_tui.config.ConfigError` on the key that is wrong, saying what
is allowed there (the file and line are added by the loader). No Textual, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..api.text import clean_text
from ..config import ConfigError, _show, expand_roster
from ..config_load import _number_within, _string, _suggest, _wrong_type
from ..i18n import _

SEVERITIES = ("warning", "critical")

# kind -> (required keys, optional keys) besides the common ones.
KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "offline": (("minutes",), ("extensions",)),
    "flapping": (("flaps", "minutes"), ("extensions",)),
    "online_below": (("percent",), ("extensions", "hysteresis")),
    "unreachable": (("minutes",), ("extensions",)),
    "polling_failing": (("minutes",), ()),
    "missed_call": ((), ("extensions", "minutes")),
    "asr_below": (("percent", "minutes"), ("min_calls", "direction", "hysteresis")),
    "mos_low": (("mos", "percent", "minutes"), ("min_calls", "direction", "hysteresis")),
    "not_registered": ((), ("extensions", "minutes")),
}
COMMON_KEYS = ("name", "kind", "severity", "clear_after", "enabled", "group_window_s")
REGISTRATION_KINDS = frozenset({"offline", "flapping", "online_below", "unreachable"})
CALL_KINDS = frozenset({"missed_call", "asr_below", "mos_low", "not_registered"})
# Which extensions a rule watches when it names none.
DEFAULT_TARGET = {"not_registered": ("watched",)}
# How long a call counts, in minutes, when the rule does not say.
DEFAULT_MINUTES = {"missed_call": 240.0, "not_registered": 15.0}
DEFAULT_MIN_CALLS = 10
CALL_CAUSES_NOT_REGISTERED = frozenset({"USER_NOT_REGISTERED", "SUBSCRIBER_ABSENT"})

_RANGE = re.compile(r"^\s*\d+\s*-\s*\d+\s*$")
_NUMBER = re.compile(r"^\d{1,20}$")


@dataclass(frozen=True)
class Target:
    """A group of extensions: ``all``, the profile's ``watched`` ones, numbers and ranges, and
    the extensions whose label is one of ``labels`` (compared without case)."""

    everyone: bool = False
    watched: bool = False
    extensions: frozenset[str] = frozenset()
    labels: frozenset[str] = frozenset()
    specs: tuple[str, ...] = ()

    def contains(self, extension: str, label: str | None, watched: frozenset[str]) -> bool:
        if self.everyone or extension in self.extensions:
            return True
        if self.watched and extension in watched:
            return True
        return bool(label) and label.casefold() in self.labels  # type: ignore[union-attr]

    def describe(self) -> str:
        return ", ".join(self.specs)


@dataclass(frozen=True)
class Rule:
    """One alert rule, validated. ``minutes``: the duration or window the kind speaks of;
    ``clear_after``: minutes the condition must stay clear before the alert resolves;
    ``hysteresis``: percentage points past the threshold before it resolves."""

    name: str
    kind: str
    severity: str = "warning"
    target: Target = field(default_factory=lambda: Target(everyone=True, specs=("all",)))
    minutes: float = 0.0
    flaps: int = 0
    percent: float = 0.0
    mos: float = 0.0
    min_calls: int = DEFAULT_MIN_CALLS
    direction: str | None = None
    clear_after: float = 0.0
    hysteresis: float = 0.0
    enabled: bool = True
    # seconds its alerts are held to be delivered together (None: the actions' group_window_s)
    group_window_s: float | None = None
    line: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name, "kind": self.kind, "severity": self.severity,
            "extensions": list(self.target.specs), "minutes": self.minutes,
        }


def parse_target(key: str, value: Any) -> Target:
    """``"all"``, ``"watched"``, ``"100-199"``, ``"105"``, a label, or a list of them."""
    allowed = _("a list of extensions, ranges, labels, \"watched\" or \"all\", like [\"100-199\", \"watched\"]")
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        raise _wrong_type(key, allowed, value)
    everyone = watched = False
    numbers: list[str] = []
    labels: set[str] = set()
    specs: list[str] = []
    for item in items:
        if isinstance(item, int) and not isinstance(item, bool):
            item = str(item)
        if not isinstance(item, str) or not item.strip():
            raise _wrong_type(key, allowed, item)
        text = item.strip()
        specs.append(clean_text(text, limit=40))
        lowered = text.lower()
        if lowered == "all":
            everyone = True
        elif lowered == "watched":
            watched = True
        elif _RANGE.match(text) or _NUMBER.match(text):
            try:
                numbers.extend(expand_roster([text]))
            except ConfigError as exc:
                raise ConfigError(exc.detail, key=key) from None
        else:
            labels.add(clean_text(text, limit=80).casefold())
    return Target(everyone, watched, frozenset(numbers), frozenset(labels), tuple(specs))


def _whole(key: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(
            _("must be a whole number from {low} to {high} (got {value})").format(
                low=low, high=high, value=_show(value)), key=key)
    return value


def _minutes(key: str, value: Any) -> float:
    return _number_within(key, value, 0, 10080, _("must be a number of minutes from 0 to 10080 (got {value})"),
                          kind=_("a number of minutes"))


def parse_rule(raw: Mapping[str, Any], line: int | None = None) -> Rule:
    """One rule table -> :class:`Rule`; a :class:`ConfigError` naming the key on any problem."""
    kind_value = raw.get("kind")
    if kind_value is None:
        raise ConfigError(_("every rule needs a kind: one of {kinds}").format(kinds=", ".join(KINDS)), key="kind")
    kind = _string("kind", kind_value, _("one of {kinds}").format(kinds=", ".join(KINDS)))
    if kind not in KINDS:
        raise ConfigError(_("unknown kind {value}; {hint}").format(
            value=_show(kind_value), hint=_suggest(kind, KINDS)), key="kind")
    required, optional = KINDS[kind]
    allowed_keys = COMMON_KEYS + required + optional
    for key in raw:
        if key not in allowed_keys:
            raise ConfigError(
                _("not a key of \"{kind}\" rules; {hint}").format(kind=kind, hint=_suggest(key, allowed_keys)),
                key=clean_text(key, limit=40))
    if "name" not in raw:
        raise ConfigError(_("every rule needs a name, like name = \"reception offline\""), key="name")
    name = clean_text(_string("name", raw["name"]), limit=80).strip()
    if not name:
        raise _wrong_type("name", _("a name in double quotes"), raw["name"])
    for key in required:
        if key not in raw:
            raise ConfigError(_("rules of kind \"{kind}\" need {key}").format(kind=kind, key=key), key=key)
    values: dict[str, Any] = {"name": name, "kind": kind, "line": line}
    if "severity" in raw:
        severity = _string("severity", raw["severity"], _("\"warning\" or \"critical\""))
        if severity not in SEVERITIES:
            raise _wrong_type("severity", _("\"warning\" or \"critical\""), raw["severity"])
        values["severity"] = severity
    if "extensions" in raw:
        values["target"] = parse_target("extensions", raw["extensions"])
    elif kind in DEFAULT_TARGET:
        values["target"] = parse_target("extensions", list(DEFAULT_TARGET[kind]))
    values["minutes"] = _minutes("minutes", raw["minutes"]) if "minutes" in raw else DEFAULT_MINUTES.get(kind, 0.0)
    if kind in ("asr_below", "mos_low", "flapping") and values["minutes"] <= 0:
        raise ConfigError(_("the window must be longer than 0 minutes"), key="minutes")
    if "flaps" in raw:
        values["flaps"] = _whole("flaps", raw["flaps"], 1, 10000)
    if "percent" in raw:
        values["percent"] = _number_within("percent", raw["percent"], 0, 100,
                                           _("must be a percentage from 0 to 100 (got {value})"),
                                           kind=_("a percentage"))
    if "mos" in raw:
        values["mos"] = _number_within("mos", raw["mos"], 1, 5, _("must be a MOS from 1 to 5 (got {value})"),
                                       kind=_("a MOS from 1 to 5"))
    if "min_calls" in raw:
        values["min_calls"] = _whole("min_calls", raw["min_calls"], 1, 100000)
    if "direction" in raw:
        direction = _string("direction", raw["direction"], _("\"inbound\", \"outbound\" or \"local\""))
        if direction not in ("inbound", "outbound", "local"):
            raise _wrong_type("direction", _("\"inbound\", \"outbound\" or \"local\""), raw["direction"])
        values["direction"] = direction
    if "clear_after" in raw:
        values["clear_after"] = _minutes("clear_after", raw["clear_after"])
    if "hysteresis" in raw:
        values["hysteresis"] = _number_within("hysteresis", raw["hysteresis"], 0, 100,
                                              _("must be a number of percentage points from 0 to 100 (got {value})"),
                                              kind=_("a number of percentage points"))
    if "group_window_s" in raw:
        values["group_window_s"] = _number_within(
            "group_window_s", raw["group_window_s"], 0, 600,
            _("must be a number of seconds from 0 (no grouping) to 600 (got {value})"))
    if "enabled" in raw:
        if not isinstance(raw["enabled"], bool):
            raise _wrong_type("enabled", _("true or false"), raw["enabled"])
        values["enabled"] = raw["enabled"]
    return Rule(**values)


def check_names(rules: Iterable[Rule]) -> None:
    """Two rules of one profile may not share a name (alerts are named after their rule)."""
    seen: set[str] = set()
    for rule in rules:
        if rule.name.casefold() in seen:
            raise ConfigError(_("another rule of this profile is already named \"{name}\"").format(name=rule.name),
                              key="name", line=rule.line)
        seen.add(rule.name.casefold())
