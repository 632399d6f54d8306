"""Delivery settings: the ``[profiles.<profile>.actions]`` table of the rules file, checked
completely with the config file's one-line located errors (see :mod:`.actions` for what is
done with them)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..api.text import clean_text
from ..config import ConfigError, _show
from ..config_load import _number_within, _suggest
from ..i18n import _
from .model import AlertAcknowledged, AlertFired, AlertResolved, AlertSnoozed, AlertSnoozeEnded

EVENT_WORDS: dict[type, str] = {
    AlertFired: "fired", AlertResolved: "resolved", AlertAcknowledged: "acknowledged",
    AlertSnoozed: "snoozed", AlertSnoozeEnded: "snooze_ended",
}
DEFAULT_EVENTS = frozenset({"fired", "resolved", "snooze_ended"})
ACTION_KEYS = ("events", "retries", "terminal", "osc", "group_window_s", "exec", "apprise")
# Alerts of one rule that fire (or resolve) within this many seconds of the first are
# delivered as one message (0: each on its own, at once).
DEFAULT_GROUP_WINDOW_S = 30.0
MAX_GROUP_WINDOW_S = 600.0
EXEC_KEYS = ("command", "timeout", "severity", "events")
APPRISE_KEYS = ("urls", "severity", "events")
OSC_MODES = ("9", "777", "both")


@dataclass(frozen=True)
class Target:
    """One place alerts go: ``kind`` "exec" (``command``) or "apprise" (``urls``)."""

    kind: str
    index: int
    command: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()
    timeout: float = 10.0
    severities: frozenset[str] | None = None
    events: frozenset[str] | None = None

    @property
    def name(self) -> str:
        """How logs name it: never the URL (it holds tokens) or the arguments."""
        if self.kind == "exec":
            return f"exec[{self.index}] {Path(self.command[0]).name}"
        schemes = sorted({url.split("://", 1)[0] for url in self.urls if "://" in url})
        return f"apprise[{self.index}] {','.join(schemes)}"

    def wants(self, event: str, severity: str, default_events: frozenset[str]) -> bool:
        if self.severities is not None and severity not in self.severities:
            return False
        return event in (self.events if self.events is not None else default_events)


@dataclass(frozen=True)
class DeliverySettings:
    """How a profile's alerts are delivered. Built by hand, it delivers each event at once
    (``group_window_s`` 0); the rules file's ``actions`` table groups for 30 s unless told."""

    targets: tuple[Target, ...] = ()
    events: frozenset[str] = DEFAULT_EVENTS
    retries: int = 3
    terminal: bool = True
    osc: str = "both"
    group_window_s: float = 0.0


def parse_actions(raw: Any, profile: str, locate: Callable[..., int | None] | None = None,
                  path: Path | None = None) -> DeliverySettings:
    """The ``[profiles.<profile>.actions]`` table -> settings; a located :class:`ConfigError`
    on any problem. ``locate(table, key, index)`` finds a line (``RuleFile.line_of``)."""
    if raw is None:
        return DeliverySettings()
    base = ("profiles", profile, "actions")

    def fail(detail: str, key: str | None, sub: str | None = None, index: int | None = None) -> ConfigError:
        table = base + ((sub,) if sub else ())
        line = locate(table, key, index) if locate is not None else None
        dotted = ".".join(clean_text(p, limit=40) for p in table + ((key,) if key else ()))
        return ConfigError(detail, path=path, line=line, key=dotted)

    if not isinstance(raw, dict):
        raise fail(_("must be a table, like [profiles.{name}.actions]").format(name=profile), None)
    for key in raw:
        if key not in ACTION_KEYS:
            raise fail(_("unknown key; {hint}").format(hint=_suggest(key, ACTION_KEYS)), clean_text(key, limit=40))
    try:
        events = _events("events", raw["events"]) if "events" in raw else DEFAULT_EVENTS
        retries = raw.get("retries", 3)
        if isinstance(retries, bool) or not isinstance(retries, int) or not 0 <= retries <= 10:
            raise ConfigError(_("must be a whole number from 0 to 10 (got {value})").format(value=_show(retries)),
                              key="retries")
        terminal = raw.get("terminal", True)
        if not isinstance(terminal, bool):
            raise ConfigError(_("must be true or false (got {value})").format(value=_show(terminal)), key="terminal")
        osc = raw.get("osc", "both")
        if osc not in OSC_MODES:
            raise ConfigError(_("must be \"9\", \"777\" or \"both\" (got {value})").format(value=_show(osc)), key="osc")
        window = _number_within(
            "group_window_s", raw.get("group_window_s", DEFAULT_GROUP_WINDOW_S), 0, MAX_GROUP_WINDOW_S,
            _("must be a number of seconds from 0 (no grouping) to 600 (got {value})"))
    except ConfigError as exc:
        raise fail(exc.detail, exc.key) from None
    targets: list[Target] = []
    for kind, keys in (("exec", EXEC_KEYS), ("apprise", APPRISE_KEYS)):
        tables = raw.get(kind, [])
        if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
            raise fail(_("must be a list of tables, like [[profiles.{name}.actions.{kind}]]").format(
                name=profile, kind=kind), kind)
        for index, table in enumerate(tables):
            try:
                targets.append(_target(kind, keys, table, len(targets)))
            except ConfigError as exc:
                raise fail(exc.detail, exc.key, kind, index) from None
    return DeliverySettings(tuple(targets), events, retries, terminal, str(osc), float(window))


def _events(key: str, value: Any) -> frozenset[str]:
    allowed = ", ".join(sorted(set(EVENT_WORDS.values())))
    if not isinstance(value, list) or not all(isinstance(v, str) and v in EVENT_WORDS.values() for v in value):
        raise ConfigError(_("must be a list of event names from {allowed} (got {value})").format(
            allowed=allowed, value=_show(value)), key=key)
    return frozenset(value)


def _target(kind: str, keys: tuple[str, ...], table: Mapping[str, Any], index: int) -> Target:
    for key in table:
        if key not in keys:
            raise ConfigError(_("unknown key; {hint}").format(hint=_suggest(key, keys)), key=clean_text(key, limit=40))
    values: dict[str, Any] = {}
    if "severity" in table:
        severity = table["severity"]
        items = [severity] if isinstance(severity, str) else severity
        if not isinstance(items, list) or not items or not all(s in ("warning", "critical") for s in items):
            raise ConfigError(_("must be \"warning\", \"critical\" or a list of them (got {value})").format(
                value=_show(severity)), key="severity")
        values["severities"] = frozenset(items)
    if "events" in table:
        values["events"] = _events("events", table["events"])
    if kind == "exec":
        command = table.get("command")
        if (not isinstance(command, list) or not command or not all(isinstance(a, str) for a in command)
                or not command[0].strip()):
            raise ConfigError(_("must be the program and its arguments as a list of strings, like "
                                "[\"/usr/local/bin/notify\", \"--urgent\"] (no shell)"), key="command")
        values["command"] = tuple(command)
        if "timeout" in table:
            values["timeout"] = _number_within("timeout", table["timeout"], 0, 600,
                                               _("must be a number of seconds above 0, at most 600 (got {value})"),
                                               above=True)
    else:
        urls = table.get("urls")
        urls = [urls] if isinstance(urls, str) else urls
        if not isinstance(urls, list) or not urls or not all(isinstance(u, str) and "://" in u for u in urls):
            # Never show the value: Apprise URLs carry tokens and passwords.
            raise ConfigError(_("must be a list of Apprise URLs, like [\"tgram://TOKEN/CHAT\"]"), key="urls")
        values["urls"] = tuple(u.strip() for u in urls)
    return Target(kind, index, **values)
