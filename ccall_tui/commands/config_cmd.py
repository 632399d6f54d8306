"""``config path | show | init``: where the settings live and what is in effect (never secrets)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..api.text import clean_text, mask_url
from ..config import DEFAULT_BASE_URL, DEFAULT_PROFILE, Profile, write_example
from ..errors import Exit
from ..i18n import _, ngettext
from ..paths import config_path
from . import add_profile_option, environment, expected_failures, resolve


def add_parser(subparsers: Any) -> None:
    config = subparsers.add_parser("config", help=_("show or create the configuration file"))
    actions = config.add_subparsers(dest="config_action", metavar="{path,show,init}")
    actions.required = True
    # They read the file themselves, so that they work (or say why not) when it is broken.
    config.set_defaults(without_config=True)

    path = actions.add_parser("path", help=_("print the path of the configuration file"))
    path.set_defaults(func=run_config_path)

    show = actions.add_parser("show", help=_("print the settings in effect for a profile"))
    add_profile_option(show)
    show.set_defaults(func=run_config_show)

    init = actions.add_parser(
        "init", help=_("write a commented example configuration file for the profile in use"))
    add_profile_option(init)
    init.add_argument("--force", action="store_true",
                      help=_("replace an existing file (the old one is kept with .bak added to its name)"))
    init.set_defaults(func=run_config_init)


@expected_failures
def run_config_path(args: argparse.Namespace, ctx: Any = None) -> int:
    path = config_path(environment(ctx))
    print(path)
    if not path.exists():
        print(_("(not created yet: run 'ccall-tui config init')"), file=sys.stderr)
    return Exit.OK


def _toml_string(value: str) -> str:
    return json.dumps(clean_text(value, limit=1000), ensure_ascii=False)


def render_profile(profile: Profile) -> list[str]:
    """The effective settings of ``profile`` as TOML lines (it holds no secrets)."""
    lines = [f"[profiles.{profile.name}]"]
    lines.append(f"base_url = {_toml_string(mask_url(profile.base_url))}")
    if profile.domain_name:
        lines.append(f"domain_name = {_toml_string(profile.domain_name)}")
    lines.append(f"timezone = {_toml_string(profile.timezone.key)}")
    lines.append(f"poll_interval = {profile.poll_interval:g}")
    lines.append(f"timeout = {profile.timeout:g}")
    lines.append(f"max_answer_mb = {profile.max_answer_mb:g}")
    lines.append(f"forget_after_days = {profile.forget_after_days:g}")
    lines.append(f"history_days = {profile.history_days:g}")
    lines.append(f"history_max_mb = {profile.history_max_mb:g}")
    lines.append(f"unreachable_ping_ms = {profile.unreachable_ping_ms:g}")
    lines.append("roster = [" + ", ".join(_toml_string(s) for s in profile.roster) + "]")
    lines.append("watched = [" + ", ".join(_toml_string(s) for s in sorted(profile.watched, key=_num_key)) + "]")
    lines.append(f"theme = {_toml_string(profile.theme)}")
    lines.append(f"language = {_toml_string(profile.language)}")
    lines.append(f"discover_from_cdrs = {'true' if profile.discover_from_cdrs else 'false'}")
    if profile.labels:
        lines.append("")
        lines.append(f"[profiles.{profile.name}.labels]")
        for extension in sorted(profile.labels, key=_num_key):
            lines.append(f"{_toml_string(extension)} = {_toml_string(profile.labels[extension])}")
    return lines


def _num_key(text: str) -> tuple[int, str]:
    return (int(text), text) if text.isdigit() else (1 << 62, text)


@expected_failures
def run_config_show(args: argparse.Namespace, ctx: Any = None) -> int:
    settings, profile = resolve(args, ctx)
    if settings.from_file:
        print("# " + _("Settings in effect, from {path}").format(path=settings.path))
    else:
        print("# " + _("Built-in defaults ({path} does not exist)").format(path=settings.path))
    count = len(profile.roster_extensions())
    if count:
        print("# " + ngettext("The roster expands to {count} extension.",
                               "The roster expands to {count} extensions.", count).format(count=count))
    print("# " + _("Credentials are never shown here: see 'ccall-tui status'."))
    for line in render_profile(profile):
        print(line)
    return Exit.OK


@expected_failures
def run_config_init(args: argparse.Namespace, ctx: Any = None) -> int:
    """Write the example for the profile in use, so credentials saved for it stay in use."""
    from ..config import ConfigError, load_settings

    env = environment(ctx)
    path = config_path(env)
    name = getattr(args, "profile", None) or env.get("CCALL_PROFILE", "").strip() or None
    current = None
    try:
        settings = load_settings(path)
    except ConfigError:
        settings = None  # a broken file is what --force is for; its profile name is unknown
    if settings is not None:
        name = name or settings.default_profile
        current = settings.profiles.get(name)
    name = name or DEFAULT_PROFILE
    written, backup = write_example(
        path,
        force=bool(getattr(args, "force", False)),
        profile_name=name,
        base_url=current.base_url if current is not None else DEFAULT_BASE_URL,
        domain_name=current.domain_name if current is not None else None,
    )
    print(_("Wrote an example configuration for profile {profile} to {path}").format(
        profile=name, path=written))
    if backup is not None:
        print(_("The previous file is kept as {path}").format(path=backup))
    return Exit.OK
