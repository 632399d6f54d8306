"""Command-line front of the simulated PBX: ``add_arguments`` for a parser, ``run`` to serve."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import TextIO

from ..i18n import _
from .faults import check_quirk
from .server import SimulatedPbx


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=0, metavar="N",
                        help=_("port on 127.0.0.1 (default: any free port)"))
    parser.add_argument("--seed", type=int, default=7, metavar="N",
                        help=_("seed of the simulated tenant (default: 7)"))
    parser.add_argument("--extensions", type=int, default=60, metavar="N",
                        help=_("number of extensions, numbered from 100 (default: 60, at most 100,000)"))
    parser.add_argument("--api-key", default="demo", metavar="K",
                        help=_("the simulator's own api key (default: demo)"))
    parser.add_argument("--api-secret", default="demo", metavar="S",
                        help=_("the simulator's own api secret (default: demo)"))
    parser.add_argument("--calls-per-day", type=int, default=None, metavar="N",
                        help=_("calls on a busy weekday (default: about 3200 per 60 extensions)"))
    parser.add_argument("--latency", type=float, default=0.0, metavar="S",
                        help=_("seconds added to every answer (default: 0)"))
    parser.add_argument("--precompute", action="store_true",
                        help=_("write each query's call-record pages once and serve them as bytes "
                               "(for benchmarks: the simulator is never the slow part)"))
    parser.add_argument("--quirk", action="append", default=[], metavar="NAME",
                        help=_("answer in a quirky shape (repeatable), e.g. single_object, "
                             "string_numbers, null_strings, call_id_key=uuid"))
    parser.add_argument("--scenario", action="append", default=[], metavar="NAME",
                        help=_("play a troubled phone on an extension of its own (repeatable): "
                               "unreachable, slow_ping, nat_long_expiry, short_expiry, expires_first, "
                               "address_changes, stale_duplicates, ping_rising"))
    parser.add_argument("--fault", action="append", default=[], metavar="NAME=VALUE",
                        help=_("set a fault switch from the start (repeatable), as POST /_sim/faults "
                             "would, e.g. trickle_ms=1000, rate_limited=true, "
                             "registrations_junk=rows_without_user; VALUE is JSON or plain text"))


def run(args: argparse.Namespace, *, out: TextIO | None = None,
        stop: threading.Event | None = None) -> int:
    """Serve until Ctrl-C (or ``stop`` is set). Returns the exit status."""
    out = out or sys.stdout
    try:
        quirks = {check_quirk(q) for q in args.quirk or ()}
        if args.latency < 0:
            raise ValueError("--latency must not be negative")
        if args.calls_per_day is not None and args.calls_per_day < 0:
            raise ValueError("--calls-per-day must not be negative")
        if not 0 <= args.port <= 65535:
            raise ValueError("--port must be between 0 and 65535")
        pbx = SimulatedPbx(
            seed=args.seed, extensions=args.extensions, api_key=args.api_key,
            api_secret=args.api_secret, port=args.port, calls_per_day=args.calls_per_day,
            precomputed_pages=bool(getattr(args, "precompute", False)),
        )
        pbx.faults.latency_s = args.latency
        pbx.faults.quirks = quirks
        pbx.faults.update(fault_values(getattr(args, "fault", None) or ()))
        if getattr(args, "scenario", None):
            from .troubles import install

            for name in args.scenario:
                install(pbx.tenant, name)
        url = pbx.start()
    except (ValueError, OSError) as exc:
        print("ccall-tui: " + _("cannot start the simulated PBX: {reason}").format(reason=exc), file=sys.stderr)
        return 2
    done = stop or threading.Event()
    restore = _on_signals(done)
    try:
        tenant = pbx.tenant
        env = f"CCALL_BASE_URL={url} CCALL_API_KEY={args.api_key} CCALL_API_SECRET={args.api_secret}"
        print(f"Simulated ccall PBX listening on {url}", file=out)
        print(f"  tenant: {len(tenant.extensions)} extensions "
              f"({tenant.numbers[0]}-{tenant.numbers[-1]}), domain {tenant.domain}, "
              f"seed {args.seed}", file=out)
        print(f"  credentials: api_key={args.api_key} api_secret={args.api_secret}", file=out)
        print("Try:", file=out)
        print(f"  {env} ccall-tui ext", file=out)
        print(f"  {env} ccall-tui cdrs --limit 20", file=out)
        print(f"  {env} ccall-tui", file=out)
        print(f"  curl -s -X POST {url}/ext_reg/json -H 'Content-Type: application/json' "
              f"-d '{{\"submission\": {{\"api_key\": \"{args.api_key}\", "
              f"\"api_secret\": \"{args.api_secret}\"}}}}'", file=out)
        print(f"  curl -s -X POST {url}/_sim/faults -d '{{\"latency_s\": 3}}'   "
              f"(faults: GET {url}/_sim/faults)", file=out)
        print("Press Ctrl-C to stop.", file=out, flush=True)
        while not done.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        restore()
        pbx.stop()
    print("Simulated PBX stopped.", file=out, flush=True)
    return 0


def fault_values(items) -> dict:
    """``["trickle_ms=1000", "registrations_junk=rows_without_user"]`` -> the dict
    ``Faults.update`` takes; a value that is not JSON is taken as text."""
    import json

    values = {}
    for item in items:
        name, sep, text = item.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"--fault {item!r}: expected NAME=VALUE")
        try:
            values[name.strip()] = json.loads(text)
        except ValueError:
            values[name.strip()] = text
    return values


def _on_signals(done: threading.Event):
    """Turn SIGINT/SIGTERM into a clean stop (main thread only); returns an undo function."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            previous[sig] = signal.signal(sig, lambda *_: done.set())
        except (ValueError, OSError):  # pragma: no cover - unusual platforms
            pass

    def restore() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    return restore


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ccall_tui.sim",
                                     description="Run the simulated ccall PBX on 127.0.0.1.")
    add_arguments(parser)
    return run(parser.parse_args(argv))
