"""``login``, ``logout`` and ``status``: credentials per profile, checked before they are saved."""

from __future__ import annotations

import argparse
import getpass
import sys
import time
from typing import Any

from ..api.text import clean_text, mask_url
from ..credentials import (
    Credentials,
    CredentialStore,
    KeyringUnavailable,
    credentials_from_env,
    partial_env,
    resolve_credentials,
)
from ..errors import Exit
from ..i18n import _, ngettext
from . import (
    add_profile_option,
    environment,
    error,
    expected_failures,
    resolve,
)


def add_parser(subparsers: Any) -> None:
    login = subparsers.add_parser(
        "login",
        help=_("check an API key and secret, then save them in the keyring"),
        description=_(
            "Asks for the API key and secret (never on the command line). When standard input "
            "is not a terminal, reads them as two lines, e.g. printf 'KEY\\nSECRET\\n' | ccall-tui login"
        ),
    )
    add_profile_option(login)
    login.set_defaults(func=run_login)

    logout = subparsers.add_parser("logout", help=_("remove the saved credentials of a profile"))
    add_profile_option(logout)
    logout.set_defaults(func=run_logout)

    status = subparsers.add_parser(
        "status", help=_("show the profile, where its credentials come from, and test them")
    )
    add_profile_option(status)
    status.set_defaults(func=run_status)


# --------------------------------------------------------------------------- helpers


def make_store() -> CredentialStore:
    return CredentialStore()


def read_credentials(stdin: Any = None) -> Credentials | None:
    """From the terminal with getpass, or two lines of a pipe. None when empty."""
    stdin = sys.stdin if stdin is None else stdin
    interactive = False
    try:
        interactive = bool(stdin.isatty())
    except (AttributeError, ValueError):
        interactive = False
    if interactive:
        key = getpass.getpass(_("API key: "))
        secret = getpass.getpass(_("API secret: "))
    else:
        key = stdin.readline()
        secret = stdin.readline()
    key, secret = key.strip(), secret.strip()
    if not key or not secret:
        return None
    return Credentials(key, secret)


async def check_credentials(profile: Any, creds: Credentials, demo: bool = False) -> tuple[int, float]:
    """One real request; returns (online extensions, seconds). Raises CcallError subclasses."""
    from ..api.learned import make_client

    started = time.monotonic()
    # With what 'ccall-tui doctor' learned about this server (e.g. form bodies).
    async with make_client(profile, creds, demo=demo) as client:
        snapshot = await client.registrations()
    return len(snapshot), time.monotonic() - started


def _env_note(env: Any) -> None:
    if credentials_from_env(env) is not None:
        print(
            _("Note: CCALL_API_KEY and CCALL_API_SECRET are set in the environment; they take "
              "precedence over the keyring.")
        )


# --------------------------------------------------------------------------- commands


@expected_failures
def run_login(args: argparse.Namespace, ctx: Any = None) -> int:
    from ..api.errors import AuthenticationError, CcallError

    _settings, profile = resolve(args, ctx)
    env = environment(ctx)
    store = make_store()
    # The keyring first: when nothing can be saved, say so before asking for anything.
    store.get(profile.name)
    try:
        creds = read_credentials()
    except EOFError:
        creds = None
    except KeyboardInterrupt:  # Ctrl+C at the prompt: the line after it says what happened
        print(file=sys.stderr)
        error(_("Cancelled: nothing was saved."))
        return 130
    if creds is None:
        error(_("An API key and an API secret are both needed; nothing was saved."))
        return Exit.USAGE
    import asyncio  # here, not at the top: every command registers this module

    try:
        count, _seconds = asyncio.run(check_credentials(profile, creds))
    except AuthenticationError as exc:
        error(_("{url} rejected these credentials ({reason}); nothing was saved.").format(
            url=profile.base_url, reason=_clause(exc.message)))
        return Exit.AUTH
    except CcallError as exc:
        error(_("Could not check the credentials with {url}: {reason}. Nothing was saved.").format(
            url=profile.base_url, reason=_clause(exc.message)))
        return exc.exit_code
    store.set(profile.name, creds)
    print(_("Credentials accepted by {url} ({online}).").format(
        url=profile.base_url,
        online=ngettext("{n} extension online", "{n} extensions online", count).format(n=count),
    ))
    print(_("Saved to {backend} for profile {profile}.").format(
        backend=store.backend_name(), profile=profile.name))
    warning = store.plaintext_warning()
    if warning:
        error(_("Warning: {message}").format(message=warning))
    _env_note(env)
    return Exit.OK


def _saved_for_default(store: CredentialStore, name: str) -> str | None:
    """Credentials saved for the built-in profile name while another profile is in use (an
    older 'config init' renamed it to "main"): say where they are."""
    from ..config import DEFAULT_PROFILE

    if name == DEFAULT_PROFILE or not store.has_backend():
        return None
    try:
        found = store.get(DEFAULT_PROFILE)
    except KeyringUnavailable:
        return None
    if found is None:
        return None
    return _("credentials are saved for profile {other} ({key}): use --profile {other}, or run "
             "'ccall-tui login --profile {name}'").format(other=DEFAULT_PROFILE, key=found.masked_key, name=name)


def _clause(text: str) -> str:
    """A message set inside a sentence: without its own final full stop."""
    return text.rstrip().rstrip(".")


def _logout_name(args: argparse.Namespace, ctx: Any) -> str:
    """The profile to forget: a name given (--profile, CCALL_PROFILE) need not be in the config
    any more (a renamed or removed profile still has its keyring entry); else the default."""
    from ..config import ConfigError, valid_profile_name

    name = getattr(args, "profile", None) or environment(ctx).get("CCALL_PROFILE", "").strip()
    if not name:
        return str(resolve(args, ctx)[1].name)
    if not valid_profile_name(name):
        raise ConfigError(
            _("a profile name uses letters, digits, '.', '_' and '-' only (got {value})").format(
                value=clean_text(name, limit=40)),
            key="--profile")
    return name


@expected_failures
def run_logout(args: argparse.Namespace, ctx: Any = None) -> int:
    name = _logout_name(args, ctx)
    store = make_store()
    if store.delete(name):
        print(_("Removed the credentials of profile {profile} from {backend}.").format(
            profile=name, backend=store.backend_name()))
    else:
        print(_("No credentials were saved for profile {profile}.").format(profile=name))
    _env_note(environment(ctx))
    return Exit.OK


@expected_failures
def run_status(args: argparse.Namespace, ctx: Any = None) -> int:
    from ..api.errors import CcallError

    settings, profile = resolve(args, ctx)
    env = environment(ctx)
    store = make_store()
    rows: list[tuple[str, str]] = [
        (_("Profile"), profile.name),
        (_("Config file"), str(settings.path) if settings.from_file
         else _("{path} (not created yet; built-in defaults)").format(path=settings.path)),
        (_("Base URL"), mask_url(profile.base_url)),
    ]
    if profile.domain_name:
        rows.append((_("Domain"), profile.domain_name))

    keyring_state = store.backend_name()
    keyring_help: str | None = None
    if not store.has_backend():
        keyring_state = _("none on this machine")
    elif not store.encrypted():
        keyring_state = _("{backend} (not encrypted)").format(backend=keyring_state)
    creds: Credentials | None = None
    source = "none"
    try:
        creds, source = resolve_credentials(profile.name, env, store)
    except KeyringUnavailable as exc:
        if store.has_backend():
            keyring_state = _("unavailable: {reason}").format(reason=exc.reason)
        keyring_help = exc.guidance
    if source == "environment":
        source_text = _("environment (CCALL_API_KEY, CCALL_API_SECRET)")
    elif source.startswith("keyring"):
        source_text = _("keyring ({backend})").format(backend=store.backend_name())
    else:
        source_text = _("none")
    rows.append((_("Credentials"), source_text))
    if creds is not None:
        rows.append((_("API key"), creds.masked_key))
    rows.append((_("Keyring"), keyring_state))
    if keyring_help and creds is None:
        rows.append((_("Help"), keyring_help))
    warning = store.plaintext_warning()
    if warning and source.startswith("keyring"):
        rows.append((_("Warning"), warning))
    missing = partial_env(env)
    if missing:
        rows.append((_("Warning"), _("{name} is not set, so the environment is ignored").format(name=missing)))

    code = Exit.OK
    if creds is None:
        result = _("not tried: no credentials (run 'ccall-tui login' or set CCALL_API_KEY and CCALL_API_SECRET)")
        code = Exit.AUTH
        elsewhere = _saved_for_default(store, profile.name)
        if elsewhere:
            rows.append((_("Hint"), elsewhere))
    else:
        import asyncio

        try:
            count, seconds = asyncio.run(check_credentials(profile, creds, getattr(ctx, "sim", None) is not None))
            result = _("OK, {online} ({seconds:.2f} s)").format(
                online=ngettext("{n} extension online", "{n} extensions online", count).format(n=count),
                seconds=seconds,
            )
        except CcallError as exc:
            result = _("failed: {reason}").format(reason=exc.message)
            code = exc.exit_code
    rows.append((_("Test request"), result))
    from ..api.learned import learned_summary

    rows.append((_("Learned"), learned_summary(profile, demo=getattr(ctx, "sim", None) is not None)))

    width = max(len(label) for label, _value in rows)
    for label, value in rows:
        print(f"{label + ':':<{width + 1}} {clean_text(value, limit=1000)}")
    return code
