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
from datetime import datetime
from typing import Sequence

from . import startup_gc
from .cli_parser import build_parser, parse_command_line
from .context import Context
from .errors import AppError, Exit
from .i18n import _

__all__ = ["Context", "build_parser", "main", "run_tui"]

log = logging.getLogger("ccall_tui")


# ---------------------------------------------------------------------- commands


def run_tui(args: argparse.Namespace, ctx: Context, call_id: str | None = None) -> int:
    life = None
    if ctx.sim is not None:
        # The demo in this process moves from its first seconds: phones drop and return, calls
        # finish. (The TUI's own demo runs in a child process that does this itself.)
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


class LogFile(logging.FileHandler):
    """The debug log. One that stops taking lines (a full disk) is given up quietly: never
    logging's traceback on the terminal (or under the TUI), never the command's own failure;
    :attr:`failure` says why, for one line at the end."""

    failure: str | None = None

    def handleError(self, record: logging.LogRecord) -> None:  # logging's name
        error = sys.exc_info()[1]
        if self.failure is None:
            self.failure = (getattr(error, "strerror", None) or type(error).__name__) if error else "?"

    def close(self) -> None:
        try:
            super().close()
        except OSError as exc:  # the last lines could not be written either
            if self.failure is None:
                self.failure = exc.strerror or type(exc).__name__


def _setup_logging(path: str | None) -> logging.Handler | None:
    if not path:
        return None
    handler = LogFile(path, encoding="utf-8")
    handler.setFormatter(LogFormatter())
    root = logging.getLogger("ccall_tui")
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    return handler


def main(argv: Sequence[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    if "ext" in arguments:
        from .alerts.check import as_plugin, is_plugin_call

        if is_plugin_call(arguments):  # a Nagios plugin: exit 3 for all but a verdict
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
    args = parse_command_line(sys.argv[1:] if argv is None else list(argv))
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
            if isinstance(handler, LogFile) and handler.failure:
                print("ccall-tui: " + _("the log file could not be written: {reason}").format(
                    reason=handler.failure), file=sys.stderr)


def _dispatch(args: argparse.Namespace, env: dict[str, str], handler: logging.Handler | None = None) -> int:
    func = getattr(args, "func", None)
    if func is None:  # the TUI: no collector runs until its first frame has data (the app resumes it)
        startup_gc.pause()
    try:
        if func is not None and getattr(args, "without_config", False):
            # The simulator, and 'config path/init', which must work when the config file is broken.
            return int(func(args, None) or 0)
        ctx = Context(args, env)
        if handler is not None and isinstance(handler.formatter, LogFormatter):
            handler.formatter.tz = ctx.profile.timezone
        # The TUI's demo simulator runs in a process of its own, started before Textual loads.
        with ctx.demo(own_process=func is None):
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
    finally:
        startup_gc.resume()


def _peek_lang(argv: Sequence[str]) -> str | None:
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
