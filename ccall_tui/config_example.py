"""The commented example configuration that ``ccall-tui config init`` writes."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from .api.text import clean_text
from .config import (
    _PROFILE_NAME,
    DEFAULT_BASE_URL,
    DEFAULT_PROFILE,
    ConfigError,
    _show,
    config_path,
)
from .i18n import _

EXAMPLE_CONFIG = '''\
# ccall-tui configuration.
# Credentials are NOT stored here: run `ccall-tui login` (system keyring), or set
# CCALL_API_KEY and CCALL_API_SECRET in the environment.

# Profile used when neither --profile nor CCALL_PROFILE says otherwise. Credentials saved
# with `ccall-tui login` belong to a profile name: renaming a profile means logging in again.
default_profile = {name}

[profiles.{key}]
# Address of the ccall API (CCALL_BASE_URL or --base-url override it).
base_url = {base_url}

# The tenant's SIP domain, sent with each request when set.
{domain_line}

# Time zone the PBX speaks (IANA name).
timezone = "Asia/Ho_Chi_Minh"

# Seconds between two polls of the registrations (at least 1).
poll_interval = 5

# Seconds to wait for one request before giving up.
timeout = 10

# Extensions to show even when they are not registered: ranges and single numbers.
# roster = ["100-160", "200"]

# Extensions that raise an alert when they go offline.
# watched = ["100", "105"]

# Colour theme, e.g. "textual-dark", "textual-light", "nord", "gruvbox".
theme = "textual-dark"

# Interface language: "auto" (from the environment), "en" or "vi".
language = "auto"

# Also learn extensions from recent call records, not only from registrations.
discover_from_cdrs = true

# Extensions not seen online for this many days are no longer remembered (1-3650).
forget_after_days = 30

# Names shown next to extension numbers.
# [profiles.{key}.labels]
# "100" = "Reception"
# "101" = "Sales"

# A second tenant, chosen with --profile other:
# [profiles.other]
# base_url = "https://api.ccall.vn"
# domain_name = "other.example"
'''


def example_config(
    profile_name: str = DEFAULT_PROFILE, base_url: str = DEFAULT_BASE_URL, domain_name: str | None = None
) -> str:
    """The commented example, for the profile in use (its saved credentials keep working)."""
    if not _PROFILE_NAME.match(profile_name):
        raise ConfigError(
            _("a profile name uses letters, digits, '.', '_' and '-' only (got {value})").format(
                value=_show(profile_name)),
            key="--profile",
        )
    domain_line = (
        f"domain_name = {_toml_quote(domain_name)}" if domain_name else '# domain_name = "tenant.example"'
    )
    bare = re.fullmatch(r"[A-Za-z0-9_-]+", profile_name) is not None
    return EXAMPLE_CONFIG.format(
        name=_toml_quote(profile_name),
        key=profile_name if bare else _toml_quote(profile_name),
        base_url=_toml_quote(base_url),
        domain_line=domain_line,
    )


def _toml_quote(value: str) -> str:
    return json.dumps(clean_text(value, limit=1000), ensure_ascii=False)


def write_example(
    path: Path | None = None,
    *,
    force: bool = False,
    profile_name: str = DEFAULT_PROFILE,
    base_url: str = DEFAULT_BASE_URL,
    domain_name: str | None = None,
) -> tuple[Path, Path | None]:
    """Write a commented example config for ``profile_name``; refuse to overwrite unless
    ``force``, and then keep the previous file beside it as ``.bak``. Returns (path, backup)."""
    path = config_path() if path is None else Path(path)
    text = example_config(profile_name, base_url, domain_name)
    if path.exists() and not force:
        raise ConfigError(_("the file already exists; use --force to replace it"), path=path)
    backup = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            backup = path.with_name(path.name + ".bak")
            backup.write_bytes(path.read_bytes())
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        raise ConfigError(
            _("cannot write the file ({reason})").format(reason=exc.strerror or type(exc).__name__),
            path=path,
        ) from None
    return path, backup
