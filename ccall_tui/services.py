"""What the app needs from outside, as typed fields: injectable by the command line, the demo,
the screenshot script and the tests. Nothing here imports the app (see :mod:`ccall_tui.factory`)."""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Protocol

from .config import Profile
from .credentials import Credentials, CredentialStore

if TYPE_CHECKING:  # pragma: no cover
    import asyncio

    import httpx

    from .api.client import CcallClient
    from .recorder.history import History


class DemoServer(Protocol):
    """The running simulated PBX of ``--demo`` (in this process or another): the app only needs
    to know it is there."""

    base_url: str

    def stop(self) -> None: ...


@dataclass
class AppServices:
    """Everything the app needs from outside, injectable in tests."""

    profile: Profile
    credentials: Credentials | None = None
    credential_store: CredentialStore | None = None
    # Where the credentials came from: "keyring", "environment", "demo", "none" (shown by status).
    credential_source: str = "none"
    clock: Callable[[], datetime] | None = None
    state_dir: Path | None = None
    poll_interval: float | None = None
    wall: bool = False
    start_call_id: str | None = None
    sim: DemoServer | None = None
    language: str = "en"
    # (name, base URL) of every configured profile, for the profile picker.
    profiles: tuple[tuple[str, str], ...] = ()
    # Why the keyring could not be used when the app started, or None.
    keyring_error: str | None = None
    # The keyring, read in a thread since the command line started (ccall_tui.factory): the app
    # takes its (credentials, source) once it is on screen. None: nothing is being read.
    credentials_pending: Future[tuple[Credentials | None, str]] | None = None
    # An httpx transport for the API client (tests and the screenshot script route with it).
    transport: httpx.AsyncBaseTransport | None = None
    # The flight recorder's history (set once opened, in a thread, after the board is up) and
    # why there is none, in one line.
    history: History | None = None
    history_problem: str | None = None
    # While the history is being opened: done once it is (or could not be). A question asked
    # meanwhile waits for it (ui/history_view.opened_history) instead of finding no history.
    history_opening: asyncio.Future[None] | None = None
    # --metrics HOST:PORT: serve OpenMetrics while the board runs (ccall_tui.alerts.metrics).
    metrics: str | None = None

    def now(self) -> datetime:
        if self.clock is not None:
            return self.clock()
        return datetime.now(self.profile.timezone)

    def make_client(self) -> CcallClient:
        from .api.learned import make_client

        # With what 'ccall-tui doctor' learned about this server (form bodies, causes).
        demo = self.sim is not None
        if self.transport is not None:
            return make_client(self.profile, self.credentials, state_root=self.state_dir, demo=demo,
                               transport=self.transport)
        return make_client(self.profile, self.credentials, state_root=self.state_dir, demo=demo)

    @property
    def interval(self) -> float:
        return float(self.poll_interval or self.profile.poll_interval)
