"""Errors of the ccall API, each with one short human line safe for a terminal."""

from __future__ import annotations

import json
import re
from contextvars import ContextVar, Token
from typing import Any
from urllib.parse import quote, quote_plus, unquote, urlsplit

from ..errors import AppError, Exit
from .text import clean_text

MESSAGE_LIMIT = 200


class Secrets(tuple[str, ...]):
    """The credentials a message must never show. A tuple whose repr hides its items, so a
    crash screen that prints the locals of a frame holding one shows nothing useful."""

    def __repr__(self) -> str:
        return f"Secrets(<{len(self)} hidden>)"

    __str__ = __repr__


# The secrets of the request in progress: every error made while it runs is scrubbed of them
# on its full text, before the message is cut to one line.
# A default of Secrets() is safe: it is an immutable (empty) tuple.
_ACTIVE: ContextVar[Secrets] = ContextVar("ccall_active_secrets", default=Secrets())  # noqa: B039


def secrets_of(credentials: Any, base_url: str) -> Secrets:
    """What must never be shown of a server's access: the credentials' request fields and a
    password in the base URL (as written and decoded)."""
    values: list[str] = []
    try:
        fields = credentials.body_fields()
        values += [v for v in fields.values() if isinstance(v, str)]
    except Exception:  # noqa: BLE001 - never let a credential object leak via traceback
        pass
    try:
        password = urlsplit(base_url).password
    except ValueError:
        password = None
    if password:
        values += [password, unquote(password)]
    return Secrets(values)


def active_secrets() -> Secrets:
    return _ACTIVE.get()


def use_secrets(secrets: Secrets) -> Token[Secrets]:
    """Make ``secrets`` the ones scrubbed from errors until the returned token is reset."""
    return _ACTIVE.set(secrets)


def forget_secrets(token: Token[Secrets]) -> None:
    _ACTIVE.reset(token)


class CcallError(AppError):
    """Base of every expected failure talking to the PBX.

    ``message`` is one short line for the user: scrubbed of every credential the client knew
    about (on the whole text, case-insensitively), then cleaned of control characters and cut.
    """

    exit_code = Exit.SERVER
    kind = "error"
    # Seconds the server asked us to wait before the next request (429/503 Retry-After).
    retry_after: float | None = None

    def __init__(self, message: str) -> None:
        self.message = clean_text(scrub(str(message), active_secrets()), limit=MESSAGE_LIMIT)
        super().__init__(self.message)

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.message


class AuthenticationError(CcallError):
    """The server rejected the API key / secret."""

    exit_code = Exit.AUTH
    kind = "auth"


class ServerError(CcallError):
    """The server answered but said no (non-2xx status, or an error object)."""

    exit_code = Exit.SERVER
    kind = "server"

    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class TransportError(CcallError):
    """The request did not get an answer: timeout, refused, DNS, TLS."""

    exit_code = Exit.NETWORK
    kind = "transport"


class TimeoutError_(TransportError):
    kind = "timeout"


class ProtocolError(CcallError):
    """The answer is not what the API speaks: HTML page, not JSON, no ``response``,
    too large, or nothing usable in it."""

    exit_code = Exit.SERVER
    kind = "protocol"


def _forms(secret: str) -> set[str]:
    """How a secret can come back inside an answer: as sent, URL-encoded (form bodies, query
    strings), JSON-escaped (a body echoed inside a JSON string)."""
    forms = {secret, quote(secret, safe=""), quote_plus(secret), quote(secret)}
    for ascii_only in (True, False):
        escaped = json.dumps(secret, ensure_ascii=ascii_only)[1:-1]
        forms.add(escaped)
        forms.add(escaped.replace("\\", "\\\\"))  # escaped twice: a JSON body inside a JSON string
    return {form for form in forms if len(form) >= 2}


def scrub(text: str, secrets: tuple[str, ...]) -> str:
    """Replace every occurrence of a known secret in ``text``, in any letter case and in its
    URL-encoded and JSON-escaped forms. Call it on the whole text, before any cut."""
    forms: set[str] = set()
    for secret in secrets:
        if secret and len(secret) >= 2:
            forms |= _forms(secret)
    if not forms or not text:
        return text
    pattern = "|".join(re.escape(form) for form in sorted(forms, key=len, reverse=True))
    return re.sub(pattern, "****", text, flags=re.IGNORECASE)
