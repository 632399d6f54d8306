"""The commented example configuration that ``ccall-tui config init`` writes."""

from __future__ import annotations

import json
import os
import re
from importlib import resources
from pathlib import Path

from .api.text import clean_text
from .config import (
    _PROFILE_NAME,
    DEFAULT_BASE_URL,
    DEFAULT_PROFILE,
    ConfigError,
    _show,
)
from .i18n import _
from .paths import config_path

# The example itself is a data file, valid TOML as shipped (for the default profile); the lines
# that name the profile, its server and its domain are replaced for the profile in use.
EXAMPLE_FILE = "example_config.toml"


def _template() -> str:
    return resources.files("ccall_tui").joinpath(EXAMPLE_FILE).read_text(encoding="utf-8")


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
    key = profile_name if bare else _toml_quote(profile_name)
    lines = {
        "default_profile = ": f"default_profile = {_toml_quote(profile_name)}",
        "[profiles.default]": f"[profiles.{key}]",
        "base_url = ": f"base_url = {_toml_quote(base_url)}",
        '# domain_name = "tenant.example"': domain_line,
        "# [profiles.default.labels]": f"# [profiles.{key}.labels]",
    }
    out = []
    for line in _template().splitlines(keepends=True):
        start = next((s for s in lines if line.startswith(s)), None)
        out.append(line if start is None else lines.pop(start) + "\n")
    return "".join(out)


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
