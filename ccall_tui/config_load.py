"""Reading and validating the config file: every problem becomes one :class:`ConfigError` line
naming the file, the line, the key and what is allowed there (see :mod:`ccall_tui.config`)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .api.text import clean_text
from .config import (
    _PROFILE_NAME,
    DEFAULT_BASE_URL,
    DEFAULT_PROFILE,
    LANGUAGES,
    PROFILE_KEYS,
    TOP_LEVEL_KEYS,
    ConfigError,
    Profile,
    Settings,
    _show,
    expand_roster,
)
from .i18n import _
from .paths import config_path

if TYPE_CHECKING:  # tomllib is imported when there is a file to read
    import tomllib


def load_settings(path: Path | None = None) -> Settings:
    """Read and validate the whole file; a missing file gives the built-in defaults."""
    path = config_path() if path is None else Path(path)
    try:
        raw_bytes = path.read_bytes()
    except FileNotFoundError:
        return Settings(
            path=path,
            default_profile=DEFAULT_PROFILE,
            profiles=MappingProxyType({DEFAULT_PROFILE: Profile.default()}),
            from_file=False,
        )
    except OSError as exc:
        raise ConfigError(
            _("cannot read the file ({reason})").format(reason=exc.strerror or type(exc).__name__),
            path=path,
        ) from None
    try:
        text = raw_bytes.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(_("the file is not valid UTF-8 text"), path=path) from None
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _syntax_error(exc, path) from None
    return _parse_settings(data, text, path)


def _syntax_error(exc: tomllib.TOMLDecodeError, path: Path) -> ConfigError:
    message = str(exc)
    line = getattr(exc, "lineno", None)
    match = re.search(r"\(at line (\d+), column (\d+)\)", message)
    if line is None and match:
        line = int(match.group(1))
    reason = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", message).strip()
    return ConfigError(
        _("this is not valid TOML ({reason}); write key = value, strings in double quotes")
        .format(reason=reason or "syntax error"),
        path=path,
        line=line,
    )


class _Locator:
    """Finds the line of a key by scanning the TOML text (good enough for error messages)."""

    _HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    @staticmethod
    def _norm_table(name: str) -> tuple[str, ...]:
        parts = re.findall(r'"((?:[^"\\]|\\.)*)"|\'([^\']*)\'|([^.\s]+)', name)
        return tuple(a or b or c for a, b, c in parts)

    def _key_pattern(self, key: str) -> re.Pattern[str]:
        quoted = re.escape(key)
        return re.compile(rf'^\s*(?:{quoted}|"{quoted}"|\'{quoted}\')\s*=')

    def find(self, table: tuple[str, ...], key: str | None) -> int | None:
        current: tuple[str, ...] = ()
        header_line = None
        pattern = self._key_pattern(key) if key is not None else None
        fallback = None
        for number, line in enumerate(self.lines, start=1):
            header = self._HEADER.match(line)
            if header:
                current = self._norm_table(header.group(1))
                if current == table:
                    header_line = number
                    if key is None:
                        return number
                continue
            if pattern is not None and pattern.match(line):
                if current == table:
                    return number
                if fallback is None:
                    fallback = number
        # Dotted keys or inline tables: the first mention of the key, else the table header.
        if key is not None:
            dotted = re.compile(rf'(^|[\s.{{,]){re.escape(key)}\s*=')
            if table:
                for number, line in enumerate(self.lines, start=1):
                    if table[-1] in line and dotted.search(line):
                        return number
        return fallback if fallback is not None else header_line




def _suggest(key: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    if close:
        return _("did you mean \"{key}\"?").format(key=close[0])
    return _("allowed keys: {keys}").format(keys=", ".join(known))


def _parse_settings(data: dict[str, Any], text: str, path: Path) -> Settings:
    where = _Locator(text)

    def fail(detail: str, table: tuple[str, ...], key: str | None, dotted: str) -> ConfigError:
        return ConfigError(detail, path=path, line=where.find(table, key), key=dotted)

    for key in data:
        if key not in TOP_LEVEL_KEYS:
            if key in PROFILE_KEYS:
                detail = _("\"{key}\" belongs inside a profile table such as [profiles.main]").format(key=key)
            else:
                detail = _("unknown key; {hint}").format(hint=_suggest(key, TOP_LEVEL_KEYS))
            raise fail(detail, (), key, clean_text(key, limit=40))

    raw_profiles = data.get("profiles", {})
    if not isinstance(raw_profiles, dict):
        raise fail(_("must be a table of profiles, like [profiles.main]"), (), "profiles", "profiles")

    profiles: dict[str, Profile] = {}
    for name, raw in raw_profiles.items():
        table = ("profiles", name)
        dotted = f"profiles.{clean_text(name, limit=40)}"
        if not _PROFILE_NAME.match(name):
            raise fail(
                _("profile names may use letters, digits, \"-\", \"_\" and \".\" only"),
                table, None, dotted,
            )
        if not isinstance(raw, dict):
            raise fail(_("must be a table, like [profiles.{name}]").format(name=name), ("profiles",), name, dotted)
        try:
            profiles[name] = _parse_profile(name, raw)
        except ConfigError as exc:
            key = exc.key or ""
            sub = key.split(".", 1)
            if sub[0] == "labels" and len(sub) == 2:
                line = where.find(table + ("labels",), sub[1]) or where.find(table, "labels")
            else:
                line = where.find(table, sub[0] or None)
            raise ConfigError(exc.detail, path=path, line=line, key=f"{dotted}.{key}" if key else dotted) from None

    if not profiles:
        profiles[DEFAULT_PROFILE] = Profile.default()

    default = data.get("default_profile")
    if default is None:
        default = DEFAULT_PROFILE if DEFAULT_PROFILE in profiles else next(iter(profiles))
    elif not isinstance(default, str):
        raise fail(_("must be a profile name in double quotes (got {value})").format(value=_show(default)),
                   (), "default_profile", "default_profile")
    elif default not in profiles:
        raise fail(
            _("there is no profile \"{name}\"; defined profiles: {names}").format(
                name=clean_text(default, limit=40), names=", ".join(profiles)
            ),
            (), "default_profile", "default_profile",
        )
    return Settings(
        path=path, default_profile=default, profiles=MappingProxyType(profiles), from_file=True
    )


def _wrong_type(key: str, allowed: str, value: Any) -> ConfigError:
    return ConfigError(_("must be {allowed} (got {value})").format(allowed=allowed, value=_show(value)), key=key)


def _number(key: str, value: Any, kind: str | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _wrong_type(key, kind or _("a number of seconds"), value)
    return float(value)


def _number_within(
    key: str, value: Any, low: float, high: float, rule: str, *, kind: str | None = None, above: bool = False
) -> float:
    """``value`` as a number from ``low`` (or above it, with ``above``) to ``high``; otherwise
    a :class:`ConfigError` on ``key`` saying ``rule`` (its ``{value}`` is what was written)."""
    number = _number(key, value, kind)
    if not (low < number if above else low <= number) or number > high:
        raise ConfigError(rule.format(value=_show(value)), key=key)
    return number


def _string(key: str, value: Any, allowed: str | None = None) -> str:
    if not isinstance(value, str):
        raise _wrong_type(key, allowed or _("a string in double quotes"), value)
    return value.strip()


def _string_list(key: str, value: Any) -> list[str | int]:
    allowed = _("a list of extensions and ranges, like [\"100-160\", \"200\"]")
    if not isinstance(value, list):
        raise _wrong_type(key, allowed, value)
    for item in value:
        if isinstance(item, bool) or not isinstance(item, (str, int)):
            raise _wrong_type(key, allowed, item)
    return value


def validate_base_url(value: str, key: str = "base_url") -> str:
    url = value.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in url):
        raise ConfigError(
            _("must be an http:// or https:// address like \"{example}\" (got {value})").format(
                example=DEFAULT_BASE_URL, value=_show(value)
            ),
            key=key,
        )
    return url


def _parse_profile(name: str, raw: dict[str, Any]) -> Profile:
    for key in raw:
        if key not in PROFILE_KEYS:
            raise ConfigError(_("unknown key; {hint}").format(hint=_suggest(key, PROFILE_KEYS)),
                              key=clean_text(key, limit=40))
    values: dict[str, Any] = {"name": name}

    if "base_url" in raw:
        values["base_url"] = validate_base_url(_string("base_url", raw["base_url"]))
    if "domain_name" in raw:
        domain = _string("domain_name", raw["domain_name"], _("a SIP domain like \"tenant.example\""))
        if domain and not re.match(r"^[A-Za-z0-9.-]{1,253}$", domain):
            raise ConfigError(
                _("must be a SIP domain like \"tenant.example\" (got {value})").format(value=_show(domain)),
                key="domain_name",
            )
        values["domain_name"] = domain or None
    if "timezone" in raw:
        zone = _string("timezone", raw["timezone"], _("a time zone name like \"Asia/Ho_Chi_Minh\""))
        try:
            values["timezone"] = ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ConfigError(
                _("unknown time zone {value}; use an IANA name like \"Asia/Ho_Chi_Minh\"").format(
                    value=_show(zone)
                ),
                key="timezone",
            ) from None
    if "poll_interval" in raw:
        values["poll_interval"] = _number_within(
            "poll_interval", raw["poll_interval"], 1, 3600,
            _("must be a number of seconds from 1 to 3600 (got {value})"),
        )
    if "timeout" in raw:
        values["timeout"] = _number_within(
            "timeout", raw["timeout"], 0, 300,
            _("must be a number of seconds above 0 and at most 300 (got {value})"), above=True,
        )
    if "max_answer_mb" in raw:
        values["max_answer_mb"] = _number_within(
            "max_answer_mb", raw["max_answer_mb"], 1, 1024,
            _("must be a number of MB from 1 to 1024 (got {value})"), kind=_("a number of MB"),
        )
    if "unreachable_ping_ms" in raw:
        values["unreachable_ping_ms"] = _number_within(
            "unreachable_ping_ms", raw["unreachable_ping_ms"], 10, 60000,
            _("must be a number of milliseconds from 10 to 60000 (got {value})"),
            kind=_("a number of milliseconds"),
        )
    if "roster" in raw:
        specs = _string_list("roster", raw["roster"])
        try:
            expand_roster(specs)
        except ConfigError as exc:
            raise ConfigError(exc.detail, key="roster") from None
        values["roster"] = tuple(str(s).strip() for s in specs)
    if "watched" in raw:
        specs = _string_list("watched", raw["watched"])
        try:
            values["watched"] = frozenset(expand_roster(specs))
        except ConfigError as exc:
            raise ConfigError(exc.detail, key="watched") from None
    if "labels" in raw:
        labels = raw["labels"]
        if not isinstance(labels, dict):
            raise _wrong_type("labels", _("a table of extension = \"label\""), labels)
        clean: dict[str, str] = {}
        for extension, label in labels.items():
            if not isinstance(label, str):
                raise _wrong_type(f"labels.{clean_text(extension, limit=40)}", _("a string in double quotes"), label)
            clean[clean_text(extension, limit=40).strip()] = clean_text(label, limit=80).strip()
        values["labels"] = MappingProxyType(clean)
    if "theme" in raw:
        theme = _string("theme", raw["theme"], _("a theme name like \"textual-dark\""))
        if not theme:
            raise _wrong_type("theme", _("a theme name like \"textual-dark\""), raw["theme"])
        values["theme"] = clean_text(theme, limit=60)
    if "language" in raw:
        language = _string("language", raw["language"], _("one of \"auto\", \"en\", \"vi\""))
        if language.lower() not in LANGUAGES:
            raise _wrong_type("language", _("one of \"auto\", \"en\", \"vi\""), raw["language"])
        values["language"] = language.lower()
    if "discover_from_cdrs" in raw:
        flag = raw["discover_from_cdrs"]
        if not isinstance(flag, bool):
            raise _wrong_type("discover_from_cdrs", _("true or false"), flag)
        values["discover_from_cdrs"] = flag
    if "forget_after_days" in raw:
        values["forget_after_days"] = _number_within(
            "forget_after_days", raw["forget_after_days"], 1, 3650,
            _("must be a number of days from 1 to 3650 (got {value})"), kind=_("a number of days"),
        )
    if "history_days" in raw:
        values["history_days"] = _number_within(
            "history_days", raw["history_days"], 1, 3650,
            _("must be a number of days from 1 to 3650 (got {value})"), kind=_("a number of days"),
        )
    if "history_max_mb" in raw:
        values["history_max_mb"] = _number_within(
            "history_max_mb", raw["history_max_mb"], 10, 100_000,
            _("must be a number of MB from 10 to 100000 (got {value})"), kind=_("a number of MB"),
        )
    return Profile(**values)
