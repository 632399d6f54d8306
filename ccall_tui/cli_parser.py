"""The command line's parser: every subcommand and flag, each command's arguments defined only
when that command is chosen (so ``--help`` and the other commands import none of what they use)."""

from __future__ import annotations

import argparse
import contextlib
from typing import Any, Callable, NoReturn, Sequence

from .errors import Exit, exit_codes_text
from .i18n import _


class _Parser(argparse.ArgumentParser):
    """One-line errors. A subcommand's parser may be given ``define``, the function that adds its
    arguments: it runs the first time those arguments are needed (the command is chosen, its help
    is printed, or a test reads its ``_actions``), so what they import (the simulator, the API's
    models) is imported only by the command that uses it, never by ``--help`` or another command."""

    def __init__(self, *args: Any, define: Callable[[argparse.ArgumentParser], None] | None = None,
                 **kwargs: Any) -> None:
        self._define: Callable[[argparse.ArgumentParser], None] | None = None
        super().__init__(*args, **kwargs)
        self._define = define

    @property
    def _actions(self) -> list[argparse.Action]:
        define, self._define = self._define, None
        if define is not None:
            define(self)
        return self.__dict__["_actions"]  # type: ignore[no-any-return]

    @_actions.setter
    def _actions(self, value: list[argparse.Action]) -> None:
        self.__dict__["_actions"] = value

    def error(self, message: str) -> NoReturn:  # one line, exit 2, no usage dump
        self.exit(Exit.USAGE, f"ccall-tui: {message}\n" + _("Try 'ccall-tui --help'.") + "\n")


class _NotTopLevel(Exception):
    """The command line needs more than the top-level options: the whole parser reads it."""


class _TopLevelParser(_Parser):
    def error(self, message: str) -> NoReturn:
        raise _NotTopLevel(message)


def parse_command_line(argv: Sequence[str]) -> argparse.Namespace:
    """Parse ``argv``. The TUI's own command line (top-level options, no command: what
    ``ccall-tui`` and ``ccall-tui --demo`` run) is read by the top-level options alone, without
    importing every command's module to build its parser; anything else (a command, help, the
    version, an unknown or wrong option) by the whole parser, which also says what is wrong."""
    try:
        args, rest = build_parser(commands=False).parse_known_args(argv)
    except _NotTopLevel:
        rest = ["?"]
    if not rest:
        args.command = None
        return args
    return build_parser().parse_args(argv)


def build_parser(*, commands: bool = True) -> argparse.ArgumentParser:
    """The whole parser; with ``commands=False`` only the top-level options (no help, version
    or commands: see :func:`parse_command_line`)."""
    from . import argparse_messages

    argparse_messages.install()
    if not commands:
        top = _TopLevelParser(prog="ccall-tui", add_help=False)
        _add_top_level(top)
        return top
    parser = _Parser(
        prog="ccall-tui",
        description=_("Live extension monitor and call-record browser for the ccall cloud PBX."),
        epilog=_(
            "Settings precedence: command-line flags beat environment variables (CCALL_PROFILE, "
            "CCALL_BASE_URL, CCALL_API_KEY/CCALL_API_SECRET, CCALL_LANG), which beat the config "
            "file ('ccall-tui config path'), which beats the defaults."
        ) + " " + exit_codes_text(),
    )
    _add_top_level(parser)
    parser.add_argument("--version", action="version", version=_version(),
                        help=_("print the version and exit"))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    # Each command module registers itself with add_parser(sub) and imports what its handler
    # needs inside the handler (tests/test_import_cost.py checks what a command imports).
    sub.add_parser("ext", help=_("list extensions and their registrations"), define=_define_ext)
    sub.add_parser("cdrs", help=_("list call records"), define=_define_cdrs)
    sub.add_parser("cdr", help=_("show one call by its call id"), define=_define_cdr)
    sub.add_parser("simulate", help=_("run the simulated PBX standalone"), define=_define_simulate)

    from .commands import doctor

    doctor.add_parser(sub)
    from .commands import watch_cmd
    watch_cmd.add_parser(sub)
    from .commands import history_cmd
    history_cmd.add_parser(sub)
    with contextlib.suppress(ImportError):
        from .commands import account, config_cmd, state_cmd

        account.add_parser(sub)
        config_cmd.add_parser(sub)
        state_cmd.add_parser(sub)
    return parser


def _add_top_level(parser: argparse.ArgumentParser) -> None:
    """The TUI's options."""
    _add_common(parser, top=True)
    parser.add_argument("--demo", action="store_true", help=_("run against the built-in simulated PBX"))
    parser.add_argument("--wall", action="store_true", help=_("start in wall mode (big, no chrome)"))
    parser.add_argument("--poll-interval", type=_positive_float(1.0), metavar="S",
                        help=_("seconds between polls (>= 1)"))
    parser.add_argument("--metrics", metavar="HOST:PORT",
                        help=_("serve OpenMetrics here, e.g. 127.0.0.1:9464 (the host defaults to 127.0.0.1)"))


def _define_ext(ext: argparse.ArgumentParser) -> None:
    from .commands import calls

    _add_common(ext)
    ext.add_argument("--json", action="store_true", help=_("print JSON"))
    ext.add_argument("--online", action="store_true", help=_("only online extensions"))
    from .alerts.check import add_check_arguments

    add_check_arguments(ext)
    ext.set_defaults(func=calls.run_ext)


def _define_cdrs(cdrs: argparse.ArgumentParser) -> None:
    from .api.cdrs import DIRECTIONS
    from .commands import calls

    _add_common(cdrs)
    cdrs.add_argument("--from", dest="date_from", metavar="'YYYY-MM-DD HH:mm'", help=_("start of the range, PBX time"))
    cdrs.add_argument("--to", dest="date_to", metavar="'YYYY-MM-DD HH:mm'", help=_("end of the range, PBX time"))
    cdrs.add_argument("--direction", choices=DIRECTIONS,
                      help=_("only inbound, outbound or local calls (default: all three)"))
    cdrs.add_argument("--cause", action="append", default=[], metavar="CAUSE",
                      help=_("hangup cause; repeat for several"))
    cdrs.add_argument("--source", help=_("caller number"))
    cdrs.add_argument("--destination", help=_("called number"))
    cdrs.add_argument("--cid-name", help=_("caller name"))
    cdrs.add_argument("--page", type=_positive_int, help=_("page number, from 1"))
    size = cdrs.add_mutually_exclusive_group()
    size.add_argument("--limit", type=_positive_int, help=_("rows per page"))
    size.add_argument("--all", action="store_true", help=_("follow the paging to the last page"))
    fmt = cdrs.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help=_("print JSON"))
    fmt.add_argument("--csv", action="store_true", help=_("print CSV"))
    cdrs.add_argument("--concurrency", type=_positive_int, default=4, help=_("pages fetched at once with --all"))
    cdrs.set_defaults(func=calls.run_cdrs)


def _define_cdr(cdr: argparse.ArgumentParser) -> None:
    from .commands import calls

    _add_common(cdr)
    cdr.add_argument("call_id")
    cdr.add_argument("--json", action="store_true", help=_("print JSON instead of opening the TUI"))
    cdr.set_defaults(func=calls.run_cdr)


def _define_simulate(simulate: argparse.ArgumentParser) -> None:
    from .sim import cli as sim_cli

    sim_cli.add_arguments(simulate)
    simulate.set_defaults(func=lambda args, _ctx: sim_cli.run(args), without_config=True)


def _add_common(parser: argparse.ArgumentParser, top: bool = False) -> None:
    default = None if top else argparse.SUPPRESS
    parser.add_argument("--profile", default=default, help=_("config profile (env CCALL_PROFILE)"))
    parser.add_argument("--base-url", default=default, help=_("API base URL (env CCALL_BASE_URL)"))
    parser.add_argument("--lang", default=default, choices=("en", "vi"), help=_("language (env CCALL_LANG)"))
    parser.add_argument("--log-file", default=default, metavar="PATH", help=_("write a debug log here"))


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("'{value}' is not a whole number").format(value=text)) from None
    if value < 1:
        raise argparse.ArgumentTypeError(_("must be 1 or more"))
    return value


def _positive_float(minimum: float) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(_("'{value}' is not a number").format(value=text)) from None
        if value < minimum:
            raise argparse.ArgumentTypeError(_("must be at least {minimum:g}").format(minimum=minimum))
        return value

    return parse


def _version() -> str:
    from . import __version__

    return f"ccall-tui {__version__}"
