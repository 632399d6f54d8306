"""The board screen's feed: its poll schedule, what it remembers, and new credentials noticed.

Mixed into :class:`~ccall_tui.ui.screens.monitor.MonitorScreen` (which composes and draws);
the thinking lives in ``monitor/`` (PollStatus, BoardMemory, CredentialWatch, the board). The
screen provides ``services``, ``board``, ``status``, ``memory``, ``seen_store``,
``credential_watch``, ``grid`` and the ``_render_*`` methods.

Polls never overlap: the next one is scheduled only after the previous one finished, after
the interval, the backoff, the server's Retry-After or, after wrong credentials, a few minutes.
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import partial
from typing import Any

from textual import work
from textual.timer import Timer

from ...api.errors import AuthenticationError, CcallError
from ...i18n import _
from ...monitor.credential_watch import CHECK_EVERY_S
from ...monitor.history import ExtensionState
from ...monitor.roster import DISCOVERY_INTERVAL_S, discovery_query, extensions_from_calls

log = logging.getLogger("ccall_tui.monitor")

DISCOVERY_PAGES = 3


class BoardFeed:
    """Polling, remembering and credential watching for the board screen."""

    _poll_timer: Timer | None
    _cred_timer: Timer | None
    _discover_timer: Timer | None

    # ------------------------------------------------------------------ polling

    def start_poll(self, *, announce: bool = True) -> None:
        """Poll now, unless a poll is already running (polls never overlap).

        ``announce``: say "updating…" at once (a poll the user asked for). The scheduled polls
        do not: most answer within a second, and the tick says it if one is still running.
        """
        if self.status.in_flight:
            return
        if self._poll_timer is not None:
            self._poll_timer.stop()
            self._poll_timer = None
        self.status.started()
        self.polls_started += 1
        if announce:
            self._render_status()
        self.poll()

    def _scheduled_poll(self) -> None:
        self.start_poll(announce=False)

    def _schedule_poll(self, delay: float) -> None:
        if self._poll_timer is not None:
            self._poll_timer.stop()
        self._poll_timer = self.set_timer(delay, self._scheduled_poll, name="next-poll")

    @work(exclusive=True, exit_on_error=False, name="poll", group="poll")
    async def poll(self) -> None:
        try:
            snapshot = await self.app.client.registrations()
        except AuthenticationError as exc:
            self._auth_failed(exc.message)
            return
        except CcallError as exc:
            self._poll_failed(exc.message, exc.kind, getattr(exc, "retry_after", None))
            return
        except Exception as exc:  # noqa: BLE001 - never crash the wall; say what went wrong
            log.exception("poll failed")
            self._poll_failed(_("Unexpected error: {kind}").format(kind=type(exc).__name__), "bug")
            return
        finally:
            self.status.in_flight = False
        now = self.services.now()
        try:
            changes = self.board.apply(snapshot, now)
            self.status.succeeded(now)
            self.status.not_understood = _("{count} rows not understood: {reason}").format(
                count=snapshot.skipped, reason=snapshot.skip_reason or "-") if snapshot.skipped else None
            self.show_changes(changes)
        except Exception as exc:  # noqa: BLE001
            log.exception("applying the snapshot failed")
            self._poll_failed(_("Unexpected error: {kind}").format(kind=type(exc).__name__), "bug")
            return
        self.call_later(self._tick_after_poll)
        self._schedule_poll(self.status.interval)

    def _poll_failed(self, message: str, kind: str, retry_after: float | None = None) -> None:
        delay = self.status.failed(self.services.now(), message, kind, retry_after)
        self.grid.stale = True
        self._render_status()
        self._schedule_poll(delay)

    def _auth_failed(self, message: str) -> None:
        """Wrong credentials: keep the data and its age, retry every few minutes, and at once
        when the credentials in the keyring or environment change."""
        first = not self.status.auth_failed
        delay = self.status.auth_rejected(self.services.now(), message)
        self.grid.stale = True
        self._render_status()
        self._schedule_poll(delay)
        self._arm_credential_check()
        if first:
            self.notify(
                _("{message} Retrying every few minutes; press l to log in again.").format(
                    message=message.rstrip(".") + "."
                ),
                title=_("Wrong credentials"),
                severity="error",
                timeout=10,
                markup=False,
            )

    # ------------------------------------------------------------------ credentials and memory

    def _arm_credential_check(self) -> None:
        if self.credential_watch is None:
            return
        if self._cred_timer is not None:
            self._cred_timer.stop()
        self._cred_timer = self.set_timer(CHECK_EVERY_S, self._check_credentials, name="credential-check")

    def _check_credentials(self) -> None:
        if self.status.auth_failed and self.credential_watch is not None:
            self.run_worker(
                self._read_credentials_in_thread, thread=True,
                name="credential-check", group="credential-check", exit_on_error=False,
            )

    def _read_credentials_in_thread(self) -> None:
        found = self.credential_watch.check() if self.credential_watch is not None else None
        if found is not None:
            self.app.call_from_thread(self._credentials_found, found)
        else:
            self.app.call_from_thread(self._arm_credential_check)

    async def _credentials_found(self, credentials: Any) -> None:
        """Someone ran ``ccall-tui login`` (or set the environment): use them, poll now."""
        await self.app.replace_credentials(credentials)
        self.credentials_changed()

    def _save_seen(self, forget: list[str] | None = None) -> None:
        """Remember the extensions seen online (merged with other instances' under a lock),
        written in a thread: a slow disk (an fsync on a network home directory) must never
        stall the board."""
        now = self.services.now()
        version, seen, forget = self.memory.snapshot(now, forget)
        self.run_worker(
            partial(self._write_seen_in_thread, version, seen, forget, now),
            thread=True, name="save-seen", group="save-seen", exit_on_error=False,
        )

    def _write_seen_in_thread(self, version: int, seen: dict, forget: list[str], now: datetime) -> None:
        error = self.memory.write(version, seen, forget, now)
        if error is not None:
            self.app.call_from_thread(self._seen_failed, error)

    def on_unmount(self) -> None:
        """Quitting right after a new extension appeared: its write may not have run yet."""
        error = self.memory.flush(self.services.now())
        if error is not None:
            log.warning("%s", error)

    def _growth_refused(self, count: int) -> None:
        """One answer listed far more new extensions than the board remembers: shown, not kept."""
        if self._growth_warned:
            return
        self._growth_warned = True
        self.notify(
            _("The server listed {count} extensions not seen before: shown, but not remembered (limit {limit}).").format(
                count=count, limit=self.seen_store.limit
            ),
            severity="warning",
            timeout=15,
            markup=False,
        )

    def _seen_failed(self, message: str) -> None:
        if not self._seen_error_shown:
            self._seen_error_shown = True
            self.notify(message, severity="warning", markup=False)

    def credentials_changed(self) -> None:
        """The app got new credentials: start again."""
        if self.credential_watch is not None:
            self.credential_watch.accept(self.services.credentials)
        self.status.resumed()
        self.start_poll()

    @work(exclusive=True, exit_on_error=False, name="discover", group="discover")
    async def discover(self) -> None:
        """Learn extensions (and caller names) from today's local calls; quietly, rarely."""
        found: dict[str, str | None] = {}
        try:
            now = self.services.now()
            for page in range(1, DISCOVERY_PAGES + 1):
                result = await self.app.client.cdrs(discovery_query(now, page))
                for ext, name in extensions_from_calls(result.records).items():
                    if name or ext not in found:
                        found[ext] = name
                if result.paging is None or not result.paging.has_next:
                    break
        except CcallError as exc:
            log.info("discovery from call records failed: %s", exc.message)
        except Exception:  # noqa: BLE001
            log.exception("discovery from call records failed")
        if found:
            now = self.services.now()
            added = self.board.add_extensions(sorted(found), now)
            renamed = self.board.learn_names(found)
            if added:
                self.grid.rebuild()
            elif renamed:
                self.grid.refresh_extensions(renamed)
            self._render_header()
        self._discover_timer = self.set_timer(DISCOVERY_INTERVAL_S, self.discover, name="next-discovery")

    def action_forget(self) -> None:
        """Forget the highlighted extension (asks first): it is no longer remembered here or
        by any other instance on this profile and server, until it is seen online again."""
        extension = self.grid.highlighted_extension
        tile = self.board.get(extension) if extension is not None else None
        if tile is None:
            return
        if tile.state is ExtensionState.ONLINE:
            self.notify(
                _("{ext} is online now; only extensions that are not online can be forgotten.").format(ext=extension),
                markup=False,
            )
            return
        if extension in self.board.roster and extension not in self.board.seen:
            self.notify(
                _("{ext} is in the configured roster and was never seen online: nothing to forget.").format(
                    ext=extension
                ),
                markup=False,
            )
            return
        from ..widgets.confirm import ConfirmDialog

        if extension in self.board.roster:
            question = _("Forget that {ext} was seen online? It stays on the board: it is in the configured roster.")
        else:
            question = _("Forget {ext}? It leaves the board until it is seen online again.")

        def answered(yes: bool | None) -> None:
            if yes:
                self._forget(extension)

        self.app.push_screen(ConfirmDialog(question.format(ext=extension), _("Forget")), answered)

    def _forget(self, extension: str) -> None:
        outcome = self.board.forget(extension)
        if outcome in ("forgotten", "roster"):
            self._save_seen(forget=[extension])
            if outcome == "forgotten":
                self.grid.rebuild()
            else:
                self.grid.refresh_extensions([extension])
            self._render_header()
            message = (
                _("{ext} forgotten.") if outcome == "forgotten"
                else _("{ext} forgotten; it stays on the board as never seen: it is in the configured roster.")
            )
            self.notify(message.format(ext=extension), markup=False)
