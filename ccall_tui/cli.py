"""Command line: the TUI by default, script-friendly subcommands for everything else.

Settings precedence, highest first: command-line flags, environment variables
(``CCALL_PROFILE``, ``CCALL_BASE_URL``, ``CCALL_API_KEY``/``CCALL_API_SECRET``, ``CCALL_LANG``),
the config file, built-in defaults.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable, Iterator, NoReturn, Sequence

from .errors import AppError, Exit, NoCredentials, exit_codes_text
from .i18n import _

if TYPE_CHECKING:  # pragma: no cover
    import httpx

    from .api.client import CcallClient
    from .credentials import Credentials
    from .sim.server import SimulatedPbx

log = logging.getLogger("ccall_tui")


# ---------------------------------------------------------------------- parser


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


def build_parser() -> argparse.ArgumentParser:
    from . import argparse_messages

    argparse_messages.install()
    parser = _Parser(
        prog="ccall-tui",
        description=_("Live extension monitor and call-record browser for the ccall cloud PBX."),
        epilog=_(
            "Settings precedence: command-line flags beat environment variables (CCALL_PROFILE, "
            "CCALL_BASE_URL, CCALL_API_KEY/CCALL_API_SECRET, CCALL_LANG), which beat the config "
            "file ('ccall-tui config path'), which beats the defaults."
        ) + " " + exit_codes_text(),
    )
    _add_common(parser, top=True)
    parser.add_argument("--demo", action="store_true", help=_("run against the built-in simulated PBX"))
    parser.add_argument("--wall", action="store_true", help=_("start in wall mode (big, no chrome)"))
    parser.add_argument("--poll-interval", type=_positive_float(1.0), metavar="S",
                        help=_("seconds between polls (>= 1)"))
    parser.add_argument("--metrics", metavar="HOST:PORT",
                        help=_("serve OpenMetrics here, e.g. 127.0.0.1:9464 (the host defaults to 127.0.0.1)"))
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


# ---------------------------------------------------------------------- context


class Context:
    """What every command needs: the profile, credentials and a way to make a client."""

    def __init__(self, args: argparse.Namespace, env: dict[str, str]) -> None:
        from .config import apply_overrides, load_settings, select_profile

        self.args = args
        self.env = env
        self.settings = load_settings()
        profile = select_profile(self.settings, getattr(args, "profile", None), env)
        self.profile = apply_overrides(profile, base_url=getattr(args, "base_url", None), env=env)
        self.sim: SimulatedPbx | None = None
        from .i18n import set_language

        set_language(getattr(args, "lang", None), env, configured=self.profile.language)

    @contextlib.contextmanager
    def demo(self) -> Iterator[None]:
        """With ``--demo``: start the simulated PBX and point everything at it."""
        if not getattr(self.args, "demo", False):
            yield
            return
        from .credentials import Credentials
        from .sim.server import SimulatedPbx

        sim = self.sim = SimulatedPbx()
        sim.start()
        numbers = sim.tenant.numbers
        # The demo tenant's roster is known, as a real profile's would be from its config.
        roster = self.profile.roster or (f"{numbers[0]}-{numbers[-1]}",)
        self.profile = replace(self.profile, base_url=sim.base_url, domain_name=None, roster=roster)
        self._demo_credentials = Credentials("demo", "demo")
        try:
            yield
        finally:
            sim.stop()

    def credentials(self) -> Credentials:
        from .credentials import CredentialStore, resolve_credentials

        if self.sim is not None:
            return self._demo_credentials
        creds, _source = resolve_credentials(self.profile.name, self.env, CredentialStore())
        if creds is None:
            raise NoCredentials()
        return creds

    def client(self) -> CcallClient:
        credentials = self.credentials()  # first: without any, no HTTP client is even imported
        from .api.learned import make_client

        # With what 'ccall-tui doctor' learned about this server (form bodies, causes).
        transport = self.demo_transport()
        if transport is not None:
            return make_client(self.profile, credentials, demo=True, transport=transport)
        return make_client(self.profile, credentials, demo=False)

    def demo_transport(self) -> httpx.AsyncBaseTransport | None:
        """With ``--demo``: the way to the simulated PBX, plain HTTP on 127.0.0.1. Without TLS there
        is no CA bundle to load (some 20 ms of startup), and no proxy from the environment
        stands between the app and its own loopback server. None otherwise."""
        if self.sim is None:
            return None
        import httpx

        return httpx.AsyncHTTPTransport(
            verify=False, trust_env=False, limits=httpx.Limits(max_connections=16, max_keepalive_connections=8))


# ---------------------------------------------------------------------- commands


def run_tui(args: argparse.Namespace, ctx: Context, call_id: str | None = None) -> int:
    life = None
    if ctx.sim is not None:
        # The demo moves from its first seconds: phones drop and return, calls finish.
        from .sim.dropping import for_demo
        from .sim.life import DemoLife

        for_demo(ctx.sim.tenant)  # one extension drops during calls (the browser's w card)
        from .sim.troubles import for_demo as troubles_for_demo  # a phone in each kind of trouble
        troubles_for_demo(ctx.sim.tenant)
        life = DemoLife(ctx.sim.tenant).start()
    try:
        return _run_apps(args, ctx, call_id)
    finally:
        if life is not None:
            life.stop()


def _run_apps(args: argparse.Namespace, ctx: Context, call_id: str | None) -> int:
    from .factory import build_app_from_context

    while True:
        app = build_app_from_context(ctx, call_id=call_id)
        app.run()
        if app.exit_note:
            print(f"ccall-tui: {app.exit_note}", file=sys.stderr)
        if not app.next_profile:
            return int(app.return_code or 0)
        # Another profile was chosen inside the app: start again on it. A --base-url given
        # on the command line belonged to the first profile, so it does not carry over.
        args.profile, args.base_url, call_id = app.next_profile, None, None
        ctx = Context(args, ctx.env)


# ---------------------------------------------------------------------- main


class LogFormatter(logging.Formatter):
    """Log lines carry the app's one date-time format, in PBX time with its offset."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        from zoneinfo import ZoneInfo

        from .config import DEFAULT_TIMEZONE

        self.tz = ZoneInfo(DEFAULT_TIMEZONE)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # logging's name
        from .monitor.format import format_timestamp

        return format_timestamp(datetime.fromtimestamp(record.created, self.tz), offset=True)


def _setup_logging(path: str | None) -> logging.Handler | None:
    if not path:
        return None
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(LogFormatter())
    root = logging.getLogger("ccall_tui")
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    return handler


def main(argv: Sequence[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    if "--check" in arguments and "ext" in arguments:  # a Nagios plugin: exit 3 for all but a verdict
        from .alerts.check import as_plugin

        return as_plugin(_main, arguments)
    return _main(arguments)


def _main(argv: Sequence[str] | None = None) -> int:
    # Importing httpx also imports its own command line (click, pygments, rich's progress bars:
    # some 15 ms) unless that fails; this program never runs it, so it is made to fail the way
    # httpx expects when its CLI extras are not installed (None in sys.modules: ImportError).
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
    env = dict(os.environ)
    try:
        from .i18n import set_language

        set_language(_peek_lang(argv if argv is not None else sys.argv[1:]), env)
    except Exception:  # noqa: BLE001 - a broken locale must not stop the program
        pass
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        handler = _setup_logging(getattr(args, "log_file", None))
    except OSError as exc:
        print("ccall-tui: " + _("cannot open log file: {reason}").format(reason=exc.strerror), file=sys.stderr)
        return Exit.USAGE
    try:
        return _dispatch(args, env, handler)
    finally:
        if handler is not None:
            logging.getLogger("ccall_tui").removeHandler(handler)
            handler.close()


def _dispatch(args: argparse.Namespace, env: dict[str, str], handler: logging.Handler | None = None) -> int:
    func = getattr(args, "func", None)
    try:
        if func is not None and getattr(args, "without_config", False):
            # The simulator, and 'config path/init', which must work when the config file is broken.
            return int(func(args, None) or 0)
        ctx = Context(args, env)
        if handler is not None and isinstance(handler.formatter, LogFormatter):
            handler.formatter.tz = ctx.profile.timezone
        with ctx.demo():
            if func is None:
                return run_tui(args, ctx)
            return int(func(args, ctx) or 0)
    except AppError as exc:
        print(f"ccall-tui: {exc.message}", file=sys.stderr)
        log.debug("failed: %s", exc.message)
        return int(exc.exit_code)
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return Exit.INTERRUPTED
    except BrokenPipeError:
        with contextlib.suppress(Exception):
            sys.stdout = open(os.devnull, "w")
        return Exit.OK
    except Exception as exc:  # the last line of defence: one line, not a traceback (and a log)
        log.exception("unexpected error")
        print(
            "ccall-tui: " + _("unexpected error: {kind}. Run with --log-file to see details.").format(
                kind=type(exc).__name__
            ),
            file=sys.stderr,
        )
        return Exit.FAILURE


def _peek_lang(argv: Sequence[str]) -> str | None:
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
