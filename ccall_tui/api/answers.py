"""Reading what a server answered, for messages: the body as JSON or text, the server's own
words (scrubbed of the request's secrets before any cut), an HTML page's title, Retry-After,
and what a network error was."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import msgspec

from ..i18n import _
from .errors import active_secrets, scrub
from .text import clean_text

# A server's Retry-After is honoured up to this long.
RETRY_AFTER_CAP_S = 3600.0

AUTH_WORDS = re.compile(
    r"auth|credential|api[_ ]?key|api[_ ]?secret|unauthori[sz]ed|forbidden|permission|denied|"
    r"invalid key|invalid secret",
    re.IGNORECASE,
)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_H1 = re.compile(r"<h1[^>]*>(.*?)</h1>", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<[^>]+>")


_JSON = msgspec.json.Decoder()


def fast_json(content: bytes, charset: str | None) -> Any:
    """The body read by msgspec (under half the standard parser's time on a thousand
    registrations a second), or None to take the standard way: a body that is not UTF-8, not
    JSON, or JSON msgspec refuses where the standard parser reads it (NaN, a lone surrogate,
    a byte order mark) reads exactly as before."""
    if (charset or "utf-8").lower() not in ("utf-8", "utf8"):
        return None
    try:
        return _JSON.decode(content)
    except (msgspec.DecodeError, ValueError, RecursionError):
        return None


def safe_text(content: bytes, charset: str | None) -> str:
    try:
        return content.decode(charset or "utf-8", errors="replace")
    except LookupError:  # a charset Python does not know is the server's problem, not ours
        return content.decode("utf-8", errors="replace")


def scrubbed_cut(text: str, limit: int) -> str:
    """Server words for a message: scrubbed of the request's secrets first, then cut."""
    return clean_text(scrub(text, active_secrets()), limit=limit)


def retry_after(response: httpx.Response, now: datetime | None = None) -> float | None:
    """Seconds a 429/503 answer asks us to wait (``Retry-After``: seconds or an HTTP date),
    at most :data:`RETRY_AFTER_CAP_S`; None when it says nothing usable."""
    if response.status_code not in (429, 503):
        return None
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = (when - (now or datetime.now(timezone.utc))).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return min(max(seconds, 0.0), RETRY_AFTER_CAP_S)


def server_message(data: dict[str, Any]) -> str | None:
    for key in ("error", "message", "msg", "error_description", "detail", "status"):
        value = data.get(key)
        if isinstance(value, dict):
            value = value.get("message") or value.get("error")
        if isinstance(value, str) and value.strip():
            text = scrubbed_cut(value, 160).strip()
            if key == "status" and text.lower() in ("ok", "success", "error", "failed", "fail"):
                continue
            return text
    return None


def auth_message(reason: str) -> str:
    """'Authentication failed: <the server's words>', without saying it twice."""
    if reason.lower().startswith(("authentication failed", "auth failed")):
        return reason
    return _("Authentication failed: {reason}").format(reason=reason)


def html_title(text: str) -> str | None:
    for pattern in (_TITLE, _H1):
        match = pattern.search(text)
        if match:
            words = scrubbed_cut(_TAGS.sub("", match.group(1)), 80).strip()
            if words:
                return words
    return None


def exception_chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen and len(seen) < 10:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def looks_dns(text: str) -> bool:
    lowered = text.lower()
    return any(
        word in lowered
        for word in ("name or service not known", "nodename nor servname", "getaddrinfo", "name resolution", "no address associated")
    )
