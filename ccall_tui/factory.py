"""One factory builds the app for the command line, the demo and the tests."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from typing import TYPE_CHECKING

from .services import AppServices

if TYPE_CHECKING:  # pragma: no cover
    from .cli import Context
    from .credentials import Credentials, CredentialStore
    from .ui.app import CcallApp


def build_app(services: AppServices) -> CcallApp:
    from .ui.app import CcallApp

    return CcallApp(services)


def read_keyring_early(store: CredentialStore, profile: str) -> Future[tuple[Credentials | None, str]]:
    """Read ``profile``'s credentials from the keyring in a thread, starting now: importing
    keyring and waiting for a Secret Service's answer overlap with Textual's start instead of
    holding the first frame back. The future holds ``(credentials or None, source)``, or the
    :class:`~ccall_tui.credentials.KeyringUnavailable` that says why the keyring cannot be used."""
    from .credentials import resolve_credentials

    future: Future[tuple[Credentials | None, str]] = Future()

    def read() -> None:
        try:
            future.set_result(resolve_credentials(profile, {}, store))
        except BaseException as error:  # noqa: BLE001 - handed to the app, which says it
            future.set_exception(error)

    threading.Thread(target=read, name="ccall-keyring-early", daemon=True).start()
    return future


def build_app_from_context(ctx: Context, call_id: str | None = None) -> CcallApp:
    """From the command line's context: profile, credentials (or none: login screen)."""
    from .credentials import CredentialStore, resolve_credentials
    from .i18n import current_language
    from .paths import state_dir

    store = CredentialStore()
    pending = None
    creds: Credentials | None
    if ctx.demo_server is not None:
        creds, source = ctx.credentials(), "demo"
    else:
        creds, source = resolve_credentials(ctx.profile.name, ctx.env, None)  # the environment
        if creds is None:
            pending = read_keyring_early(store, ctx.profile.name)
    services = AppServices(
        profile=ctx.profile,
        credentials=creds,
        credential_store=store,
        credential_source=source,
        state_dir=state_dir(),
        poll_interval=getattr(ctx.args, "poll_interval", None),
        wall=bool(getattr(ctx.args, "wall", False)),
        start_call_id=call_id,
        sim=ctx.demo_server,
        language=current_language(),
        profiles=tuple((name, p.base_url) for name, p in sorted(ctx.settings.profiles.items())),
        credentials_pending=pending,
        transport=ctx.demo_transport(),
        metrics=getattr(ctx.args, "metrics", None),
    )
    if services.metrics:
        from .alerts.metrics_http import parse_address

        parse_address(services.metrics)  # a bad address stops here, with one line (exit 2)
    return build_app(services)
