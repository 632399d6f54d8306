"""Settings and profiles, read from one TOML file.

The file is validated completely when it is loaded: the app never starts on half a
configuration. Every problem becomes a :class:`ConfigError` whose text is one line naming the
file, the line, the key and what is allowed there.

Secrets never live here: credentials come from the keyring or the environment
(see :mod:`ccall_tui.credentials`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

from .api.limits import MAX_ANSWER_MB
from .api.text import clean_text
from .errors import AppError, Exit
from .i18n import _

DEFAULT_BASE_URL = "https://api.ccall.vn"
DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
DEFAULT_PROFILE = "default"
LANGUAGES = ("auto", "en", "vi")
MAX_RANGE_WIDTH = 100_000  # numbers in one roster range, and in the whole roster

TOP_LEVEL_KEYS = ("default_profile", "profiles")
PROFILE_KEYS = (
    "base_url",
    "domain_name",
    "timezone",
    "poll_interval",
    "timeout",
    "max_answer_mb",
    "unreachable_ping_ms",
    "roster",
    "watched",
    "labels",
    "theme",
    "language",
    "discover_from_cdrs",
    "forget_after_days",
    "history_days",
    "history_max_mb",
)

_RANGE = re.compile(r"^\s*(\d+)\s*-\s*(\d+)\s*$")
_SINGLE = re.compile(r"^[0-9A-Za-z_.+*#]{1,40}$")
_PROFILE_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class ConfigError(AppError):
    """A configuration problem, described in one line.

    ``detail`` says what is wrong and what is allowed; ``path``, ``line`` and ``key`` locate it
    when known.
    """

    exit_code = Exit.USAGE

    def __init__(
        self,
        detail: str,
        *,
        path: Path | str | None = None,
        line: int | None = None,
        key: str | None = None,
    ) -> None:
        self.detail = clean_text(detail, limit=300)
        self.path = Path(path) if path is not None else None
        self.line = line
        self.key = key
        super().__init__(self._located())
        self.message = self._located()

    def _located(self) -> str:
        where = []
        if self.path is not None:
            where.append(str(self.path))
        if self.line is not None:
            where.append(_("line {line}").format(line=self.line))
        prefix = ", ".join(where)
        if self.key:
            prefix = f"{prefix}: {self.key}" if prefix else self.key
        return f"{prefix}: {self.detail}" if prefix else self.detail

    def __str__(self) -> str:
        return self.message


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Profile:
    """One PBX tenant and how to watch it. Never holds credentials."""

    name: str = DEFAULT_PROFILE
    base_url: str = DEFAULT_BASE_URL
    domain_name: str | None = None
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo(DEFAULT_TIMEZONE))
    poll_interval: float = 5.0
    timeout: float = 10.0
    max_answer_mb: float = float(MAX_ANSWER_MB)  # larger answers fail that request with the reason
    unreachable_ping_ms: float = 1000.0  # a slower ping shows the extension as not reachable
    roster: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    watched: frozenset[str] = frozenset()
    theme: str = "textual-dark"
    language: str = "auto"
    discover_from_cdrs: bool = True
    forget_after_days: float = 30.0
    history_days: float = 30.0  # the flight recorder keeps this many days
    history_max_mb: float = 500.0  # and prunes its oldest days past this size

    @classmethod
    def default(cls, name: str = DEFAULT_PROFILE) -> Profile:
        return cls(name=name)

    def roster_extensions(self) -> list[str]:
        """The roster specs expanded to extension numbers, in order, without duplicates."""
        return expand_roster(self.roster)


@dataclass(frozen=True)
class Settings:
    path: Path
    default_profile: str
    profiles: Mapping[str, Profile]
    from_file: bool = False


def _show(value: Any) -> str:
    if isinstance(value, str):
        return '"' + clean_text(value, limit=40) + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return _("a list")
    if isinstance(value, dict):
        return _("a table")
    return clean_text(type(value).__name__, limit=40)


# --------------------------------------------------------------------------- roster


def expand_roster(specs: Iterable[str | int]) -> list[str]:
    """``["100-103", "200"]`` -> ``["100", "101", "102", "103", "200"]``.

    A range keeps the width of its start when that start has a leading zero
    (``"007-010"`` -> ``"007" ... "010"``). Reversed ranges, ranges wider than 100,000
    numbers and rosters of more than 100,000 are refused with :class:`ConfigError`.
    Duplicates are dropped.
    """
    seen: dict[str, None] = {}
    for spec in specs:
        for extension in _expand_one(spec):
            seen.setdefault(extension, None)
        if len(seen) > MAX_RANGE_WIDTH:
            raise ConfigError(
                _("the roster holds more than {limit} numbers; narrow its ranges").format(
                    limit=f"{MAX_RANGE_WIDTH:,}"
                )
            )
    return list(seen)


def _expand_one(spec: str | int) -> list[str]:
    if isinstance(spec, bool) or not isinstance(spec, (str, int)):
        raise ConfigError(
            _("each entry must be an extension like \"100\" or a range like \"100-160\" (got {value})")
            .format(value=_show(spec))
        )
    text = str(spec).strip()
    match = _RANGE.match(text)
    if match:
        first, last = match.group(1), match.group(2)
        start, end = int(first), int(last)
        if start > end:
            raise ConfigError(
                _("the range \"{spec}\" is reversed; write the smaller number first").format(spec=text)
            )
        if end - start + 1 > MAX_RANGE_WIDTH:
            raise ConfigError(
                _("the range \"{spec}\" spans more than {limit} numbers; split it or narrow it")
                .format(spec=text, limit=f"{MAX_RANGE_WIDTH:,}")
            )
        width = len(first) if len(first) > 1 and first.startswith("0") else 0
        return [str(n).zfill(width) for n in range(start, end + 1)]
    if _SINGLE.match(text):
        return [text]
    raise ConfigError(
        _("\"{spec}\" is not an extension like \"100\" or a range like \"100-160\"").format(
            spec=clean_text(text, limit=40)
        )
    )


# --------------------------------------------------------------------------- choosing


def valid_profile_name(name: str) -> bool:
    """Letters, digits, ``.``, ``_`` and ``-``: what a profile (and its keyring entry) is named."""
    return bool(_PROFILE_NAME.match(name))


def select_profile(settings: Settings, name: str | None, env: Mapping[str, str] | None = None) -> Profile:
    """Precedence: explicit name (``--profile``) > ``$CCALL_PROFILE`` > the file's default."""
    env = os.environ if env is None else env
    chosen, source = name, "--profile"
    if not chosen:
        chosen, source = env.get("CCALL_PROFILE", "").strip() or None, "CCALL_PROFILE"
    if not chosen:
        return settings.profiles[settings.default_profile]
    if chosen in settings.profiles:
        return settings.profiles[chosen]
    if not settings.from_file and _PROFILE_NAME.match(chosen):
        # No file yet: any well-formed name gets the defaults (credentials are kept per name).
        return Profile.default(chosen)
    raise ConfigError(
        _("there is no profile \"{name}\" in {path}; defined profiles: {names}").format(
            name=clean_text(chosen, limit=40), path=settings.path, names=", ".join(settings.profiles)
        ),
        key=source,
    )


def apply_overrides(
    profile: Profile, *, base_url: str | None = None, env: Mapping[str, str] | None = None
) -> Profile:
    """``--base-url`` beats ``$CCALL_BASE_URL``, which beats the file."""
    env = os.environ if env is None else env
    if base_url:
        return replace(profile, base_url=validate_base_url(base_url, key="--base-url"))
    from_env = env.get("CCALL_BASE_URL", "").strip()
    if from_env:
        return replace(profile, base_url=validate_base_url(from_env, key="CCALL_BASE_URL"))
    return profile


# --------------------------------------------------------------------------- elsewhere
# Reading the file (config_load) and the example (config_example) live in their own modules,
# which import the names above; these entry points keep ``ccall_tui.config`` the one address.


def load_settings(path: Path | None = None) -> Settings:
    """Read and validate the whole file; a missing file gives the built-in defaults."""
    from .config_load import load_settings as load

    return load(path)


def validate_base_url(value: str, key: str = "base_url") -> str:
    from .config_load import validate_base_url as validate

    return validate(value, key)


def example_config(profile_name: str = DEFAULT_PROFILE, base_url: str = DEFAULT_BASE_URL,
                   domain_name: str | None = None) -> str:
    from .config_example import example_config as example

    return example(profile_name, base_url, domain_name)


def write_example(path: Path | None = None, *, force: bool = False, profile_name: str = DEFAULT_PROFILE,
                  base_url: str = DEFAULT_BASE_URL, domain_name: str | None = None) -> tuple[Path, Path | None]:
    """Write a commented example config for ``profile_name``; refuse to overwrite unless
    ``force``, and then keep the previous file beside it as ``.bak``. Returns (path, backup)."""
    from .config_example import write_example as write

    return write(path, force=force, profile_name=profile_name, base_url=base_url, domain_name=domain_name)
