"""The engine without a terminal: the board feed polling, the flight recorder writing, and
whatever plugins ride along (alert rules, a metrics endpoint), until SIGTERM, SIGINT or SIGHUP.

``ccall-tui record`` is :func:`run_headless` with no plugins; ``ccall-tui watch`` passes its
own. A plugin is a callable taking ``(feed, history)`` (the running
:class:`~ccall_tui.monitor.feed.BoardFeed` and the :class:`~ccall_tui.recorder.history.History`,
or None when it could not be opened) and returning something with ``close()``; it is called
on the event loop once the feed is built, before the first poll, and closed when the runner
stops (the last first). Logs go to the ``ccall_tui`` logger (stderr or ``--log-file``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from .errors import Exit
from .i18n import _

if TYPE_CHECKING:  # pragma: no cover
    from .monitor.events import FeedEvent
    from .monitor.feed import BoardFeed
    from .recorder.history import History


# What stops the engine cleanly (what is queued written first): a service manager, Ctrl-C, and
# the terminal it was started from closing (SIGHUP would otherwise end it mid-write).
_STOP_SIGNALS = tuple(
    sig for sig in (getattr(signal, name, None) for name in ("SIGTERM", "SIGINT", "SIGHUP")) if sig is not None
)

log = logging.getLogger("ccall_tui.headless")


class Closable(Protocol):
    def close(self) -> object: ...


Plugin = Callable[["BoardFeed", "History | None"], Closable]


class _PbxTimeFormatter(logging.Formatter):
    """The command line's log format (PBX time with its offset), without importing the command
    line (which knows the screens and the simulator)."""

    def __init__(self, tz: Any) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self.tz = tz

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # logging's name
        from .monitor.format import format_timestamp

        return format_timestamp(datetime.fromtimestamp(record.created, self.tz), offset=True)


def log_to_stderr(ctx: Any) -> logging.Handler | None:
    """Info lines on stderr in PBX time, unless a ``--log-file`` already takes them."""
    if getattr(ctx.args, "log_file", None):
        return None
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_PbxTimeFormatter(ctx.profile.timezone))
    root = logging.getLogger("ccall_tui")
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > logging.INFO:
        root.setLevel(logging.INFO)
    return handler


def run_headless(
    ctx: Any, *, plugins: Sequence[Plugin] = (), stop: asyncio.Event | None = None,
    clock: Callable[[], datetime] | None = None, interval: float | None = None,
) -> int:
    """Run the engine for ``ctx``'s profile until SIGTERM/SIGINT (or ``stop`` is set);
    returns the exit code. Credentials are read first: none is exit 3, as everywhere."""
    ctx.credentials()  # NoCredentials (exit 3) before anything starts
    handler = log_to_stderr(ctx)
    try:
        return asyncio.run(_run(ctx, plugins, stop, clock, interval))
    finally:
        if handler is not None:
            logging.getLogger("ccall_tui").removeHandler(handler)


async def _run(
    ctx: Any, plugins: Iterable[Plugin], stop: asyncio.Event | None,
    clock: Callable[[], datetime] | None, interval: float | None,
) -> int:
    from .monitor.feed import BoardFeed
    from .paths import state_dir
    from .recorder.attach import attach_recorder

    profile = ctx.profile
    demo = getattr(ctx, "sim", None) is not None
    now = clock or (lambda: datetime.now(profile.timezone))
    client = ctx.client()
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in _STOP_SIGNALS:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)
    feed = BoardFeed.for_profile(
        profile, state_dir(getattr(ctx, "env", None)), demo=demo,
        interval=float(interval or getattr(ctx.args, "poll_interval", None) or profile.poll_interval),
        clock=now, client=lambda: client,
    )
    feed.subscribe(_log_event)
    recording = None
    try:
        recording = await attach_recorder(
            feed, profile, demo=demo, clock=now, on_problem=lambda message: log.warning("%s", message))
        if recording.history.writer is None:
            log.warning("%s", _("Another program is already recording this profile: following it, not writing"))
        history = recording.history if recording is not None else None
        started: list[Closable] = []
        try:
            for plugin in plugins:
                started.append(plugin(feed, history))
            log.info("%s", _("Recording {profile} ({url}); stop with Ctrl-C or SIGTERM").format(
                profile=profile.name, url=profile.base_url if not demo else "demo"))
            feed.start()
            await stop.wait()
        finally:
            log.info("%s", _("Stopping"))
            feed.stop()
            for item in reversed(started):
                try:
                    item.close()
                except Exception:  # a plugin failing to close must not keep the history open
                    log.exception("closing a plugin failed")
    finally:
        for sig in _STOP_SIGNALS:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(sig)
        await feed.idle()
        if recording is not None:
            await asyncio.to_thread(recording.close)
        with contextlib.suppress(Exception):
            await client.aclose()
    return int(Exit.OK)


def _log_event(event: FeedEvent) -> None:
    from .monitor.events import AuthRejected, PollFailed, SnapshotApplied

    if isinstance(event, SnapshotApplied):
        changes = event.changes
        if changes.first:
            log.info("first answer: %d extensions", len(changes.state_changed))
        for change in changes.events:
            log.info("%s: %s -> %s (%d devices)", change.extension, change.old.value, change.new.value, change.devices)
    elif isinstance(event, AuthRejected):
        if event.first:
            log.warning("%s", event.message)
    elif isinstance(event, PollFailed):
        log.warning("%s (next try in %.0f s)", event.message, event.delay)
