"""The board's engine: poll schedule, client, board, what is remembered, discovery. No textual.

:class:`BoardFeed` polls the registrations endpoint and applies each answer to an
:class:`~ccall_tui.monitor.board.ExtensionBoard`, and tells its subscribers what happened with
the typed events of :mod:`ccall_tui.monitor.events`. The TUI subscribes and draws; a headless
watcher or a test subscribes the same way, without Textual.

Polls never overlap: the next one is scheduled only after the previous one finished, after the
interval, the backoff, the server's Retry-After or, after wrong credentials, a few minutes
(with the credential source re-read now and then, and a poll at once when it changed).
Keyring reads and file writes run in threads, never on the event loop.

Three things are injected, so the same feed runs under Textual, under plain asyncio and in
tests on a manual clock: ``clock`` (what time it is), ``timer(delay, callback, name)`` (call
back later; returns something with ``stop()``) and ``spawn(coroutine_function, name)`` (run a
coroutine in the background).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime
from typing import Any, Protocol

from ..api.errors import AuthenticationError, CcallError
from ..i18n import _
from .board import ExtensionBoard
from .credential_watch import CHECK_EVERY_S, CredentialWatch
from .events import (
    AuthRejected,
    CredentialsReplaced,
    DiscoveryFinished,
    ExtensionForgotten,
    FeedEvent,
    GrowthRefused,
    PollFailed,
    PollStarted,
    SeenRefused,
    SeenSaved,
    SnapshotApplied,
)
from .memory import BoardMemory
from .poll_status import PollStatus
from .roster import (
    DISCOVERY_INTERVAL_S,
    discovery_query,
    extensions_from_calls,
    without_forgotten,
    seen_store_for,
)
from .seen import SeenStore

log = logging.getLogger("ccall_tui.monitor")

DISCOVERY_PAGES = 3


class Stoppable(Protocol):
    def stop(self) -> object: ...


Timer = Callable[[float, Callable[[], object], str], Stoppable]
Spawn = Callable[[Callable[[], Coroutine[Any, Any, None]], str], object]
Subscriber = Callable[[FeedEvent], object]


class _LoopTimer:
    def __init__(self, handle: asyncio.TimerHandle) -> None:
        self._handle = handle

    def stop(self) -> None:
        self._handle.cancel()


def loop_timer(delay: float, callback: Callable[[], object], name: str = "") -> Stoppable:
    """The plain asyncio timer (wall-clock seconds on the running loop)."""
    return _LoopTimer(asyncio.get_running_loop().call_later(delay, callback))


class BoardFeed:
    """Polls, applies, remembers, discovers; emits :mod:`~ccall_tui.monitor.events`."""

    def __init__(
        self,
        board: ExtensionBoard,
        seen_store: SeenStore,
        *,
        interval: float,
        clock: Callable[[], datetime],
        client: Callable[[], Any],
        timer: Timer | None = None,
        spawn: Spawn | None = None,
        credential_watch: CredentialWatch | None = None,
        credentials: Callable[[], Any] = lambda: None,
        replace_credentials: Callable[[Any], Awaitable[None]] | None = None,
        discover: bool = False,
    ) -> None:
        self._board = board
        self._seen_store = seen_store
        self._memory = BoardMemory(board, seen_store)
        self._status = PollStatus(interval)
        board.status = self._status
        self._clock = clock
        self._client = client
        self._timer: Timer = timer or loop_timer
        self._spawn: Spawn = spawn or self._spawn_task
        self._tasks: set[asyncio.Task[None]] = set()
        self._watch = credential_watch
        self._credentials = credentials
        self._replace_credentials = replace_credentials
        self._discover_enabled = discover
        self._subscribers: list[Subscriber] = []
        self._readers: list[Callable[[], bool]] = []
        self._timers: dict[str, Stoppable] = {}
        self._growth_warned = False
        self._stopped = False
        self.polls_started = 0

    @classmethod
    def for_profile(
        cls, profile: Any, state_dir: Any, *, demo: bool = False, **kwargs: Any
    ) -> BoardFeed:
        """A feed for one profile: its roster and labels, and what it saw online before
        (per profile and server; the demo has its own, no state dir: nothing)."""
        store = seen_store_for(profile, state_dir, demo=demo)
        if state_dir is None:
            store.directory = None
        try:
            roster = profile.roster_extensions()
        except Exception:  # noqa: BLE001 - a bad roster was refused at load; never crash here
            roster = []
        now = kwargs["clock"]()
        board = ExtensionBoard(
            roster, dict(getattr(profile, "labels", {}) or {}), now,
            seen=store.load(now), remember_limit=store.limit,
            unreachable_ping_ms=getattr(profile, "unreachable_ping_ms", 1000.0),
        )
        kwargs.setdefault("discover", bool(getattr(profile, "discover_from_cdrs", False)))
        return cls(board, store, **kwargs)

    # ------------------------------------------------------------------ public state

    @property
    def board(self) -> ExtensionBoard:
        return self._board

    @property
    def status(self) -> PollStatus:
        return self._status

    @property
    def seen_store(self) -> SeenStore:
        return self._seen_store

    @property
    def stopped(self) -> bool:
        return self._stopped

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Call ``subscriber(event)`` for every event; returns the unsubscribe function."""
        self._subscribers.append(subscriber)
        return lambda: self._subscribers.remove(subscriber) if subscriber in self._subscribers else None

    def read_answers(self, done: Callable[[], bool]) -> Callable[[], None]:
        """Someone reads the answers handed out with the events in another thread (the
        history's writer): ``done()``, asked off the loop before the next answer is read,
        says whether it finished with them (waiting a little). Until it does, the next
        answer leaves their rows untouched. Returns the function that ends this."""
        self._readers.append(done)
        return lambda: self._readers.remove(done) if done in self._readers else None

    def _answers_free(self) -> bool:
        return all([done() for done in list(self._readers)])

    def _emit(self, event: FeedEvent) -> None:
        for subscriber in list(self._subscribers):
            subscriber(event)

    # ------------------------------------------------------------------ life cycle

    def start(self) -> None:
        """Poll now (and discover, when enabled); from then on the feed keeps itself going."""
        self._stopped = False
        self.poll_now()
        if self._discover_enabled:
            self.discover()

    def stop(self) -> None:
        """No more polls; what is not yet remembered is written now (on this thread)."""
        self._stopped = True
        self.cancel_timers()
        error = self._memory.flush(self._clock())
        if error is not None:
            log.warning("%s", error)

    def cancel_timers(self) -> None:
        """Drop every scheduled poll, check and discovery (polls can still be asked for)."""
        for timer in self._timers.values():
            timer.stop()
        self._timers.clear()

    async def idle(self) -> None:
        """Wait until the background work this feed started itself (default spawn) is done."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def _spawn_task(self, work: Callable[[], Coroutine[Any, Any, None]], name: str) -> None:
        task = asyncio.get_running_loop().create_task(work(), name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _later(self, name: str, delay: float, callback: Callable[[], object]) -> None:
        if self._stopped:
            return
        previous = self._timers.pop(name, None)
        if previous is not None:
            previous.stop()
        self._timers[name] = self._timer(delay, callback, name)

    def _drop_timer(self, name: str) -> None:
        timer = self._timers.pop(name, None)
        if timer is not None:
            timer.stop()

    # ------------------------------------------------------------------ polling

    def poll_now(self, *, announce: bool = True) -> bool:
        """Poll now, unless a poll is already running (polls never overlap); True if one
        started. ``announce``: a poll someone asked for (the scheduled ones are quiet)."""
        if self._status.in_flight:
            return False
        self._drop_timer("next-poll")
        self._status.started()
        self.polls_started += 1
        self._emit(PollStarted(announce))
        self._spawn(self._poll, "poll")
        return True

    def retry_now(self) -> bool:
        """The user asked: forget the backoff and poll now."""
        self._status.resumed()
        return self.poll_now()

    def _scheduled_poll(self) -> None:
        self._timers.pop("next-poll", None)
        self.poll_now(announce=False)

    async def _poll(self) -> None:
        status = self._status
        try:
            board = self._board
            snapshot = await self._client().registrations(
                previous=board.latest, slow_ms=board.unreachable_ping_ms,
                reuse=self._answers_free if self._readers else None,
            )
            # Comparing with the latest answer reads every extension: in a thread (unless the
            # client did it while reading), so that applying on the loop costs what changed.
            if self._board.needs_comparing(snapshot):
                await asyncio.to_thread(self._board.prepare, snapshot)
        except AuthenticationError as exc:
            self._auth_failed(exc.message)
            return
        except CcallError as exc:
            self._poll_failed(exc.message, exc.kind, getattr(exc, "retry_after", None))
            return
        except Exception as exc:
            log.exception("poll failed")
            self._poll_failed(_("Unexpected error: {kind}").format(kind=type(exc).__name__), "bug")
            return
        finally:
            status.in_flight = False
        now = self._clock()
        try:
            changes = self._board.apply(snapshot, now)
            status.succeeded(now)
            status.not_understood = _("{count} rows not understood: {reason}").format(
                count=snapshot.skipped, reason=snapshot.skip_reason or "-") if snapshot.skipped else None
            self._emit(SnapshotApplied(changes, now, snapshot.skipped))
        except Exception as exc:
            log.exception("applying the snapshot failed")
            self._poll_failed(_("Unexpected error: {kind}").format(kind=type(exc).__name__), "bug")
            return
        if changes.not_remembered and not self._growth_warned:
            self._growth_warned = True
            self._emit(GrowthRefused(changes.not_remembered, self._seen_store.limit))
        if self._memory.due(now, bool(changes.newly_seen)):
            self.save_seen()
        self._later("next-poll", status.interval, self._scheduled_poll)
        # The answer before this one dies in a thread: freeing every row of a large tenant
        # would otherwise stall the loop for milliseconds.
        previous = [self._board.take_previous()]
        await asyncio.to_thread(previous.clear)

    def _poll_failed(self, message: str, kind: str, retry_after: float | None = None) -> None:
        delay = self._status.failed(self._clock(), message, kind, retry_after)
        self._later("next-poll", delay, self._scheduled_poll)
        self._emit(PollFailed(message, kind, delay, retry_after))

    def _auth_failed(self, message: str) -> None:
        """Wrong credentials: keep the data and its age, retry every few minutes, and at once
        when the credentials in the credential source change."""
        first = not self._status.auth_failed
        delay = self._status.auth_rejected(self._clock(), message)
        self._later("next-poll", delay, self._scheduled_poll)
        self._arm_credential_check()
        self._emit(AuthRejected(message, delay, first))

    # ------------------------------------------------------------------ credentials

    def _arm_credential_check(self) -> None:
        if self._watch is not None:
            self._later("credential-check", CHECK_EVERY_S, self.check_credentials)

    def check_credentials(self) -> None:
        """Re-read the credential source (in a thread) while the credentials are refused."""
        self._timers.pop("credential-check", None)
        if self._status.auth_failed and self._watch is not None:
            self._spawn(self._check_credentials, "credential-check")

    async def _check_credentials(self) -> None:
        watch = self._watch
        if watch is None:
            return
        found = await asyncio.to_thread(watch.check)
        if found is None:
            self._arm_credential_check()
            return
        if self._replace_credentials is not None:
            await self._replace_credentials(found)
        self._emit(CredentialsReplaced())
        self.credentials_changed()

    def credentials_changed(self) -> None:
        """The credentials in use changed: forget the backoff and poll now."""
        if self._watch is not None:
            self._watch.accept(self._credentials())
        self._drop_timer("credential-check")
        self.retry_now()

    # ------------------------------------------------------------------ memory

    def save_seen(self, forget: list[str] | None = None) -> None:
        """Remember the extensions seen online (merged with other instances' under a lock),
        written in a thread: a slow disk must never stall the board."""
        now = self._clock()
        version, seen, forget = self._memory.snapshot(now, forget)

        async def write() -> None:
            error = await asyncio.to_thread(self._memory.write, version, seen, forget, now)
            self._emit(SeenRefused(error) if error is not None else SeenSaved(version))

        self._spawn(write, "save-seen")

    def forget(self, extension: str) -> str:
        """Forget an extension here and in every instance on this profile and server;
        returns :meth:`ExtensionBoard.forget`'s outcome."""
        outcome = self._board.forget(extension)
        if outcome in ("forgotten", "roster"):
            self.save_seen(forget=[extension])
            self._emit(ExtensionForgotten(extension, outcome))
        return outcome

    # ------------------------------------------------------------------ discovery

    def discover(self) -> None:
        """Learn extensions (and caller names) from today's local calls; quietly, rarely."""
        self._timers.pop("next-discovery", None)
        self._spawn(self._discover, "discover")

    async def _discover(self) -> None:
        found: dict[str, str | None] = {}
        try:
            now = self._clock()
            for page in range(1, DISCOVERY_PAGES + 1):
                result = await self._client().cdrs(discovery_query(now, page))
                for ext, name in extensions_from_calls(result.records).items():
                    if name or ext not in found:
                        found[ext] = name
                if result.paging is None or not result.paging.has_next:
                    break
        except CcallError as exc:
            log.info("discovery from call records failed: %s", exc.message)
        except Exception:
            log.exception("discovery from call records failed")
        if found:  # never one the user forgot: only a registration brings it back
            forgotten = await asyncio.to_thread(self._seen_store.forgotten_extensions, self._clock())
            found = without_forgotten(found, forgotten)
        if found:
            added = self._board.add_extensions(sorted(found), self._clock())
            renamed = self._board.learn_names(found)
            self._emit(DiscoveryFinished(list(added), list(renamed)))
        self._later("next-discovery", DISCOVERY_INTERVAL_S, self.discover)
