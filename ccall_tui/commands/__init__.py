"""Script-friendly subcommands (login/logout/status, config path/show/init).

Each module exposes ``add_parser(subparsers)``; each command is ``run_xxx(args, ctx=None) -> int``
with the exit codes of :class:`ccall_tui.errors.Exit`. Expected failures print one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ..errors import AppError, Exit
from ..i18n import _

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Profile, Settings

PROG = "ccall-tui"


def error(message: str) -> None:
    """One line on stderr."""
    print(f"{PROG}: {message}", file=sys.stderr)


def add_profile_option(parser: argparse.ArgumentParser) -> None:
    """``--profile`` on the subcommand too; SUPPRESS keeps the main parser's value when absent."""
    parser.add_argument(
        "--profile", default=argparse.SUPPRESS, metavar="NAME",
        help=_("config profile (env CCALL_PROFILE)"),
    )


def environment(ctx: Any = None) -> Mapping[str, str]:
    env = getattr(ctx, "env", None)
    return env if env is not None else os.environ


def resolve(args: argparse.Namespace, ctx: Any = None) -> tuple[Settings, Profile]:
    """``(settings, profile)`` for this invocation: the caller's context, or load them here."""
    from ..config import apply_overrides, load_settings, select_profile
    from ..paths import config_path

    env = environment(ctx)
    settings = getattr(ctx, "settings", None)
    if settings is None:
        settings = load_settings(config_path(env))
    name = getattr(args, "profile", None)
    ctx_profile = getattr(ctx, "profile", None)
    if ctx_profile is not None and (not name or ctx_profile.name == name):
        profile = ctx_profile
    else:
        profile = select_profile(settings, name, env)
    profile = apply_overrides(profile, base_url=getattr(args, "base_url", None), env=env)
    return settings, profile


def expected_failures(func: Callable[..., int]) -> Callable[..., int]:
    """Turn the expected failures into one line on stderr and an exit code."""

    @functools.wraps(func)
    def wrapper(args: argparse.Namespace, ctx: Any = None) -> int:
        try:
            return int(func(args, ctx) or 0)
        except AppError as exc:
            error(exc.message)
            return int(exc.exit_code)
        except KeyboardInterrupt:
            print(file=sys.stderr)
            return Exit.INTERRUPTED

    return wrapper
