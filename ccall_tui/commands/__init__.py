"""Script-friendly subcommands (login/logout/status, config path/show/init).

Each module exposes ``add_parser(subparsers)``; each command is ``run_xxx(args, ctx=None) -> int``
with the exit codes below. Expected failures print one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
from collections.abc import Callable, Mapping
from typing import Any

from ..i18n import _

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_AUTH = 3
EXIT_NETWORK = 4
EXIT_SERVER = 5

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


def resolve(args: argparse.Namespace, ctx: Any = None):
    """``(settings, profile)`` for this invocation: the caller's context, or load them here."""
    from ..config import apply_overrides, load_settings, select_profile
    from ..config import config_path

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
        from ..api.errors import CcallError
        from ..config import ConfigError
        from ..credentials import KeyringUnavailable
        from ..state import StateError

        try:
            return int(func(args, ctx) or 0)
        except ConfigError as exc:
            error(str(exc))
            return EXIT_USAGE
        except KeyringUnavailable as exc:
            error(str(exc))
            return EXIT_AUTH
        except CcallError as exc:
            error(exc.message)
            return exc.exit_code
        except StateError as exc:
            error(str(exc))
            return 1
        except KeyboardInterrupt:
            print(file=sys.stderr)
            return 130

    return wrapper
