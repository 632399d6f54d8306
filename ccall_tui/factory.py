"""One factory builds the app for the command line, the demo and the tests."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .services import AppServices

if TYPE_CHECKING:  # pragma: no cover
    from .cli import Context
    from .ui.app import CcallApp


def build_app(services: AppServices) -> CcallApp:
    from .ui.app import CcallApp

    return CcallApp(services)


def build_app_from_context(ctx: Context, call_id: str | None = None) -> CcallApp:
    """From the command line's context: profile, credentials (or none: login screen)."""
    from .credentials import Credentials, CredentialStore, KeyringUnavailable, resolve_credentials
    from .i18n import current_language
    from .paths import state_dir

    store = CredentialStore()
    keyring_error = None
    creds: Credentials | None
    if ctx.sim is not None:
        creds, source = ctx.credentials(), "demo"
    else:
        try:
            creds, source = resolve_credentials(ctx.profile.name, ctx.env, store)
        except KeyringUnavailable as error:
            creds, source = None, "none"
            keyring_error = str(error)
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
        language=current_language(),
        profiles=tuple((name, p.base_url) for name, p in sorted(ctx.settings.profiles.items())),
        keyring_error=keyring_error,
        transport=ctx.demo_transport(),
        metrics=getattr(ctx.args, "metrics", None),
    )
    if services.metrics:
        from .alerts.metrics_http import parse_address

        parse_address(services.metrics)  # a bad address stops here, with one line (exit 2)
    return build_app(services)
