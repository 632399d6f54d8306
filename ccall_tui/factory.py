"""One factory builds the app for the command line, the demo and the tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:  # pragma: no cover
    from .api.client import CcallClient
    from .ui.app import CcallApp


@dataclass
class AppServices:
    """Everything the app needs from outside, injectable in tests."""

    profile: Any
    credentials: Any | None = None
    credential_store: Any | None = None
    credential_source: str = "none"
    clock: Callable[[], datetime] | None = None
    state_dir: Path | None = None
    poll_interval: float | None = None
    wall: bool = False
    start_call_id: str | None = None
    sim: Any | None = None
    language: str = "en"
    extra: dict[str, Any] = field(default_factory=dict)
    # An httpx transport for the API client (tests and the screenshot script route with it).
    transport: Any | None = None

    def now(self) -> datetime:
        if self.clock is not None:
            return self.clock()
        return datetime.now(self.profile.timezone)

    def make_client(self) -> "CcallClient":
        from .api.learned import make_client

        # With what 'ccall-tui doctor' learned about this server (form bodies, causes).
        options = {"transport": self.transport} if self.transport is not None else {}
        return make_client(self.profile, self.credentials, state_root=self.state_dir, demo=self.sim is not None,
                           **options)

    @property
    def interval(self) -> float:
        return float(self.poll_interval or self.profile.poll_interval)


def build_app(services: AppServices) -> "CcallApp":
    from .ui.app import CcallApp

    return CcallApp(services)


def build_app_from_context(ctx: Any, call_id: str | None = None) -> "CcallApp":
    """From the command line's context: profile, credentials (or none: login screen)."""
    from .config import state_dir
    from .credentials import CredentialStore, KeyringUnavailable, resolve_credentials

    store = CredentialStore()
    extra: dict[str, Any] = {
        "profiles": [(name, p.base_url) for name, p in sorted(ctx.settings.profiles.items())],
    }
    if ctx.sim is not None:
        creds, source = ctx.credentials(), "demo"
    else:
        try:
            creds, source = resolve_credentials(ctx.profile.name, ctx.env, store)
        except KeyringUnavailable as error:
            creds, source = None, "none"
            extra["keyring_error"] = str(error)
    try:
        from .i18n import current_language

        language = current_language()
    except ImportError:  # pragma: no cover
        language = "en"
    services = AppServices(
        profile=ctx.profile,
        credentials=creds,
        credential_store=store,
        credential_source=source,
        state_dir=state_dir(),
        poll_interval=getattr(ctx.args, "poll_interval", None),
        wall=bool(getattr(ctx.args, "wall", False)),
        start_call_id=call_id,
        sim=ctx.sim,
        language=language,
        extra=extra,
    )
    return build_app(services)
