"""The rules file: ``alerts.toml`` beside the config file, one table per profile.

::

    [[profiles.main.rules]]
    name = "reception offline"
    kind = "offline"
    extensions = ["100-109"]
    minutes = 5

    [profiles.main.actions]   # how alerts are delivered (read by ccall_tui.alerts.actions)

It is validated completely when loaded, with the same one-line errors as the config file
(file, line, key, what is allowed). ``--demo`` reads the example rules shipped with the
package instead.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ..api.text import clean_text
from ..config import _PROFILE_NAME, ConfigError
from ..config_load import _Locator, _suggest, _syntax_error
from ..i18n import _
from ..paths import alerts_path
from .rules import Rule, check_names, parse_rule

PROFILE_TABLE_KEYS = ("rules", "actions")
DEMO_RULES = "demo_alerts.toml"


@dataclass(frozen=True)
class ProfileRules:
    """The rules of one profile, and its raw ``actions`` table (checked by the delivery)."""

    rules: tuple[Rule, ...] = ()
    actions: Any = None

    @property
    def enabled(self) -> tuple[Rule, ...]:
        return tuple(rule for rule in self.rules if rule.enabled)


@dataclass(frozen=True)
class RuleFile:
    """The whole rules file. ``text`` is kept so later checks can name a line
    (:meth:`line_of`)."""

    path: Path | None
    profiles: Mapping[str, ProfileRules] = field(default_factory=lambda: MappingProxyType({}))
    text: str = ""
    from_file: bool = False

    def for_profile(self, name: str) -> ProfileRules:
        return self.profiles.get(name, ProfileRules())

    def line_of(self, table: tuple[str, ...], key: str | None = None, index: int | None = None) -> int | None:
        """The line of ``key`` in ``table`` (the ``index``-th of an array of tables)."""
        return RuleLocator(self.text).find_in(table, key, index)

    def error(self, detail: str, table: tuple[str, ...], key: str | None = None,
              index: int | None = None) -> ConfigError:
        """A :class:`ConfigError` located in this file, as the loader's own."""
        dotted = ".".join(table + ((key,) if key else ()))
        return ConfigError(detail, path=self.path, line=self.line_of(table, key, index), key=dotted)


class RuleLocator(_Locator):
    """The config file's locator, taught arrays of tables: the ``index``-th
    ``[[profiles.main.rules]]`` and the keys inside it."""

    def find_in(self, table: tuple[str, ...], key: str | None, index: int | None) -> int | None:
        if index is None:
            return self.find(table, key)
        count = -1
        inside = False
        start = None
        pattern = self._key_pattern(key) if key is not None else None
        for number, line in enumerate(self.lines, start=1):
            header = self._HEADER.match(line)
            if header:
                inside = self._norm_table(header.group(1)) == table and line.strip().startswith("[[")
                if inside:
                    count += 1
                    inside = count == index
                    if inside:
                        start = number
                        if pattern is None:
                            return number
                continue
            if inside and pattern is not None and pattern.match(line):
                return number
        return start if start is not None else self.find(table, key)


def load_rules(path: Path | None = None, *, demo: bool = False) -> RuleFile:
    """Read and validate the rules file (the demo's example with ``demo``); a missing file
    has no rules."""
    if demo:
        text = resources.files(__package__ or "ccall_tui.alerts").joinpath(DEMO_RULES).read_text("utf-8")
        return parse_rule_text(text, Path(DEMO_RULES))
    path = alerts_path() if path is None else Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return RuleFile(path=path)
    except OSError as exc:
        raise ConfigError(_("cannot read the file ({reason})").format(reason=exc.strerror or type(exc).__name__),
                          path=path) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(_("the file is not valid UTF-8 text"), path=path) from None
    return parse_rule_text(text, path)


def demo_rules(profile_name: str) -> ProfileRules:
    """The example rules shipped for ``--demo``, whatever the profile is called."""
    rule_file = load_rules(demo=True)
    return next(iter(rule_file.profiles.values()), ProfileRules())


def parse_rule_text(text: str, path: Path) -> RuleFile:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _syntax_error(exc, path) from None
    where = RuleLocator(text)

    def fail(detail: str, table: tuple[str, ...], key: str | None, index: int | None = None) -> ConfigError:
        dotted = ".".join(clean_text(part, limit=40) for part in table)
        if index is not None:
            dotted += f"[{index + 1}]"
        if key:
            dotted += "." + clean_text(key, limit=40)
        return ConfigError(detail, path=path, line=where.find_in(table, key, index), key=dotted)

    for key in data:
        if key != "profiles":
            hint = (_("rules belong inside a profile, like [[profiles.main.rules]]") if key in PROFILE_TABLE_KEYS
                    else _("unknown key; {hint}").format(hint=_suggest(key, ("profiles",))))
            raise fail(hint, (), key)
    raw_profiles = data.get("profiles", {})
    if not isinstance(raw_profiles, dict):
        raise fail(_("must be a table of profiles, like [profiles.main]"), (), "profiles")
    profiles: dict[str, ProfileRules] = {}
    for name, table in raw_profiles.items():
        where_profile = ("profiles", name)
        if not _PROFILE_NAME.match(name):
            raise fail(_("profile names may use letters, digits, \"-\", \"_\" and \".\" only"), where_profile, None)
        if not isinstance(table, dict):
            raise fail(_("must be a table, like [profiles.{name}]").format(name=name), ("profiles",), name)
        for key in table:
            if key not in PROFILE_TABLE_KEYS:
                raise fail(_("unknown key; {hint}").format(hint=_suggest(key, PROFILE_TABLE_KEYS)), where_profile, key)
        raw_rules = table.get("rules", [])
        if not isinstance(raw_rules, list):
            raise fail(_("must be a list of rules, each one a [[profiles.{name}.rules]] table").format(name=name),
                       where_profile, "rules")
        rules: list[Rule] = []
        rules_table = where_profile + ("rules",)
        for index, raw in enumerate(raw_rules):
            if not isinstance(raw, dict):
                raise fail(_("each rule must be a table, like [[profiles.{name}.rules]]").format(name=name),
                           where_profile, "rules")
            line = where.find_in(rules_table, None, index)
            try:
                rules.append(parse_rule(raw, line))
            except ConfigError as exc:
                raise fail(exc.detail, rules_table, exc.key, index) from None
        try:
            check_names(rules)
        except ConfigError as exc:
            raise ConfigError(exc.detail, path=path, line=exc.line,
                              key=".".join(rules_table + ("name",))) from None
        profiles[name] = ProfileRules(tuple(rules), table.get("actions"))
    return RuleFile(path=path, profiles=MappingProxyType(profiles), text=text, from_file=True)
