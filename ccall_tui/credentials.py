"""API credentials: from the environment or the system keyring, never from a file or argv.

The secret is kept in an object whose ``repr`` is masked, because Textual's crash screen prints
local variables. It leaves that object only through :meth:`Credentials.body_fields`, at the
moment a request body is built.

Every keyring call runs in a daemon thread with a timeout: a locked keyring (an unlock prompt
nobody will answer over SSH) can otherwise block forever, and a daemon thread cannot keep the
process alive at exit.

``keyring`` (and its backends' discovery, some 20 ms) is imported the first time the keyring is
used, not with this module: the demo, the environment's credentials and most commands never
need it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from .errors import AppError, Exit
from .i18n import _

SERVICE = "ccall-tui"
ENV_KEY = "CCALL_API_KEY"
ENV_SECRET = "CCALL_API_SECRET"

T = TypeVar("T")


def mask(key: str | None) -> str:
    """``"0b98c1d2..."`` -> ``"0b98****"``: the first 4 characters (fewer for short keys)."""
    if not key:
        return "****"
    shown = 4 if len(key) >= 8 else max(0, min(4, len(key) // 2))
    return key[:shown] + "****"


class _Hidden:
    """Holds one secret string; prints as ``'****'`` everywhere."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "'****'"

    __str__ = __repr__

    def __reduce__(self) -> Any:
        raise TypeError("secrets are not picklable")


class Credentials:
    """An API key and secret. ``repr``/``str`` show only a masked key."""

    __slots__ = ("_key", "_secret")

    def __init__(self, api_key: str, api_secret: str) -> None:
        api_key = (api_key or "").strip()
        api_secret = (api_secret or "").strip()
        if not api_key or not api_secret:
            raise ValueError(_("The API key and the API secret must both be given."))
        self._key = _Hidden(api_key)
        self._secret = _Hidden(api_secret)

    @property
    def api_key(self) -> str:
        return self._key.reveal()

    @property
    def api_secret(self) -> str:
        return self._secret.reveal()

    @property
    def masked_key(self) -> str:
        return mask(self._key.reveal())

    def body_fields(self) -> dict[str, str]:
        """The two request-body fields. Call this only while building a request."""
        return {"api_key": self._key.reveal(), "api_secret": self._secret.reveal()}

    def secrets(self) -> tuple[str, ...]:
        """What an error message must never contain (for scrubbing)."""
        return (self._secret.reveal(), self._key.reveal())

    def __repr__(self) -> str:
        return f"Credentials(api_key={self.masked_key!r}, api_secret='****')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Credentials):
            return NotImplemented
        return self.body_fields() == other.body_fields()

    def __hash__(self) -> int:
        return hash((self._key.reveal(), self._secret.reveal()))

    def __reduce__(self) -> Any:
        raise TypeError("credentials are not picklable")

    def _to_json(self) -> str:
        return json.dumps(self.body_fields())

    @classmethod
    def _from_json(cls, text: str | None) -> Credentials | None:
        if not text:
            return None
        try:
            data = json.loads(text)
            return cls(str(data["api_key"]), str(data["api_secret"]))
        except (ValueError, KeyError, TypeError):
            return None


class KeyringUnavailable(AppError):
    """The keyring cannot be used. ``message`` is short and names the way forward (the
    environment variables); ``guidance`` holds every way forward, for ``status``."""

    exit_code = Exit.AUTH

    def __init__(self, reason: str) -> None:
        self.reason = reason.rstrip(". ")
        self.message = _("{reason}: set {key} and {secret} in the environment instead.").format(
            reason=self.reason, key=ENV_KEY, secret=ENV_SECRET)
        self.guidance = guidance()
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


def guidance() -> str:
    return _(
        "Ways forward: set {key} and {secret} in the environment (for a service, from a systemd "
        "credential or an EnvironmentFile with mode 600); or run a Secret Service such as "
        "gnome-keyring; or, less safely, install keyrings.alt and opt in to a plain-text file with "
        "PYTHON_KEYRING_BACKEND=keyrings.alt.file.PlaintextKeyring (anyone who can read that file "
        "can read the secret)."
    ).format(key=ENV_KEY, secret=ENV_SECRET)


# What each known backend is, in words a user recognises. None: no storage at all.
_KNOWN_BACKENDS: dict[str, str | None] = {
    "keyring.backends.SecretService.Keyring": "Secret Service (GNOME Keyring, KWallet)",
    "keyring.backends.libsecret.Keyring": "libsecret (GNOME Keyring)",
    "keyring.backends.kwallet.DBusKeyring": "KWallet",
    "keyring.backends.kwallet.DBusKeyringKWallet4": "KWallet 4",
    "keyring.backends.macOS.Keyring": "macOS Keychain",
    "keyring.backends.Windows.WinVaultKeyring": "Windows Credential Manager",
    "keyrings.alt.Windows.RegistryKeyring": "Windows registry (keyrings.alt)",
    "keyrings.alt.Gnome.Keyring": "GNOME Keyring (keyrings.alt)",
    "keyring.backends.fail.Keyring": None,
    "keyring.backends.null.Keyring": None,
}
# Backends that keep the secret readable by anyone who can read their storage.
_PLAINTEXT = {"keyrings.alt.file.PlaintextKeyring"}


def _qualname(obj: Any) -> str:
    cls = type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


def _mro_names(obj: Any) -> set[str]:
    return {f"{c.__module__}.{c.__qualname__}" for c in type(obj).__mro__}


def _subs(backend: Any) -> list[Any] | None:
    sub = getattr(backend, "backends", None)
    if type(backend).__name__ == "ChainerBackend":
        return list(sub or [])
    return None


def backend_label(backend: Any) -> str:
    """What the backend is, by its real name: ``macOS Keychain``, ``plain-text file ~/...``."""
    subs = _subs(backend)
    if subs is not None:
        return " + ".join(backend_label(b) for b in subs) if subs else _("no keyring")
    name = _qualname(backend)
    if name in _KNOWN_BACKENDS:
        return _KNOWN_BACKENDS[name] or _("no keyring")
    path = getattr(backend, "file_path", None)
    if path and _mro_names(backend) & _PLAINTEXT:
        return _("plain-text file {path}").format(path=path)
    if path:
        return _("encrypted file {path}").format(path=path)
    return type(backend).__name__


def backend_encrypted(backend: Any) -> bool:
    """False when the backend keeps secrets in the clear: a plain-text file, or a backend that
    declares ``encrypted = False``."""
    subs = _subs(backend)
    if subs:
        return all(backend_encrypted(b) for b in subs)
    declared = getattr(backend, "encrypted", None)
    if isinstance(declared, bool):
        return declared
    if _mro_names(backend) & _PLAINTEXT:
        return False
    return "no encr" not in str(getattr(backend, "scheme", "")).lower()


def _is_fail_backend(backend: Any) -> bool:
    from keyring.backends import fail, null

    if isinstance(backend, (fail.Keyring, null.Keyring)):
        return True
    subs = _subs(backend)
    return subs is not None and (not subs or all(_is_fail_backend(b) for b in subs))


class CredentialStore:
    """One keyring entry per profile: username = profile name, password = JSON of both fields."""

    def __init__(self, service: str = SERVICE, timeout: float = 5.0) -> None:
        self.service = service
        self.timeout = float(timeout)

    # ------------------------------------------------------------------ plumbing

    def _backend(self) -> Any:
        import keyring

        return keyring.get_keyring()

    def backend_name(self) -> str:
        try:
            return backend_label(self._backend())
        except Exception:  # noqa: BLE001 - a name for display only
            return "unknown"

    def encrypted(self) -> bool:
        """False when what is saved is readable by anyone who can read the backend's file."""
        try:
            return backend_encrypted(self._backend())
        except Exception:  # noqa: BLE001
            return True

    def plaintext_warning(self) -> str | None:
        """One sentence to show wherever credentials are saved or read from the keyring, or None."""
        if self.has_backend() and not self.encrypted():
            return _("{backend} is not encrypted; anyone who can read it can use the API key.").format(
                backend=self.backend_name())
        return None

    def has_backend(self) -> bool:
        """False when keyring found no usable backend at all (no call is made)."""
        try:
            return not _is_fail_backend(self._backend())
        except Exception:  # noqa: BLE001
            return False

    def _call(self, what: Callable[[Any], T]) -> T:
        backend = self._backend()
        name = backend_label(backend)
        if _is_fail_backend(backend):
            raise KeyringUnavailable(_("No keyring is available on this machine, so nothing can be saved"))
        box: dict[str, Any] = {}

        def work() -> None:
            try:
                box["value"] = what(backend)
            except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
                box["error"] = exc

        thread = threading.Thread(target=work, name="ccall-keyring", daemon=True)
        thread.start()
        thread.join(self.timeout)
        if thread.is_alive():
            raise KeyringUnavailable(
                _("The keyring ({backend}) did not answer within {seconds:g} seconds (it may be locked)")
                .format(backend=name, seconds=self.timeout)
            )
        if "error" in box:
            import keyring.errors

            error = box["error"]
            if isinstance(error, keyring.errors.PasswordDeleteError):
                raise error
            if isinstance(error, keyring.errors.NoKeyringError):
                reason = _("No keyring is available on this machine, so nothing can be saved")
            elif isinstance(error, keyring.errors.KeyringLocked):
                reason = _("The keyring ({backend}) is locked").format(backend=name)
            else:
                # Only the type: a backend's message could echo what it was given.
                reason = _("The keyring ({backend}) failed ({kind})").format(
                    backend=name, kind=type(error).__name__
                )
            raise KeyringUnavailable(reason) from None
        return box.get("value")  # type: ignore[return-value]

    # ------------------------------------------------------------------ API

    def get(self, profile: str) -> Credentials | None:
        stored = self._call(lambda kr: kr.get_password(self.service, profile))
        return Credentials._from_json(stored)

    def set(self, profile: str, creds: Credentials) -> None:
        payload = creds._to_json()
        self._call(lambda kr: kr.set_password(self.service, profile, payload))

    def delete(self, profile: str) -> bool:
        """Remove the entry; False when there was none."""
        import keyring.errors

        try:
            self._call(lambda kr: kr.delete_password(self.service, profile))
        except keyring.errors.PasswordDeleteError:
            return False
        return True

    async def aget(self, profile: str) -> Credentials | None:
        import asyncio

        return await asyncio.to_thread(self.get, profile)

    async def aset(self, profile: str, creds: Credentials) -> None:
        import asyncio

        await asyncio.to_thread(self.set, profile, creds)

    async def adelete(self, profile: str) -> bool:
        import asyncio

        return await asyncio.to_thread(self.delete, profile)


def credentials_from_env(env: Mapping[str, str]) -> Credentials | None:
    key = env.get(ENV_KEY, "").strip()
    secret = env.get(ENV_SECRET, "").strip()
    if key and secret:
        return Credentials(key, secret)
    return None


def partial_env(env: Mapping[str, str]) -> str | None:
    """The name of the variable missing when only one of the pair is set, else None."""
    key = bool(env.get(ENV_KEY, "").strip())
    secret = bool(env.get(ENV_SECRET, "").strip())
    if key and not secret:
        return ENV_SECRET
    if secret and not key:
        return ENV_KEY
    return None


def resolve_credentials(
    profile_name: str, env: Mapping[str, str], store: CredentialStore | None
) -> tuple[Credentials | None, str]:
    """Environment first, then the keyring; ``(None, "none")`` when neither has them.

    When the environment has both variables the keyring is not touched. Otherwise a keyring
    that cannot be used raises :class:`KeyringUnavailable` (its message says what to do).
    """
    from_env = credentials_from_env(env)
    if from_env is not None:
        return from_env, "environment"
    if store is None:
        return None, "none"
    creds = store.get(profile_name)
    if creds is not None:
        return creds, f"keyring ({store.backend_name()})"
    return None, "none"
