"""Errors of the ccall API, each with one short human line safe for a terminal."""

from __future__ import annotations

from .text import clean_text


class CcallError(Exception):
    """Base of every expected failure talking to the PBX.

    ``message`` is one short line for the user: already cleaned of control characters and
    scrubbed of any credential the client knew about.
    """

    exit_code = 5
    kind = "error"
    # Seconds the server asked us to wait before the next request (429/503 Retry-After).
    retry_after: float | None = None

    def __init__(self, message: str) -> None:
        self.message = clean_text(message, limit=200)
        super().__init__(self.message)

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.message


class AuthenticationError(CcallError):
    """The server rejected the API key / secret."""

    exit_code = 3
    kind = "auth"


class ServerError(CcallError):
    """The server answered but said no (non-2xx status, or an error object)."""

    exit_code = 5
    kind = "server"

    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class TransportError(CcallError):
    """The request did not get an answer: timeout, refused, DNS, TLS."""

    exit_code = 4
    kind = "transport"


class TimeoutError_(TransportError):
    kind = "timeout"


class ProtocolError(CcallError):
    """The answer is not what the API speaks: HTML page, not JSON, no ``response``."""

    exit_code = 5
    kind = "protocol"


def scrub(text: str, secrets: tuple[str, ...]) -> str:
    """Replace every occurrence of a known secret in ``text``."""
    for secret in secrets:
        if secret and len(secret) >= 2:
            text = text.replace(secret, "****")
    return text
