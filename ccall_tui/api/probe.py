"""Raw requests for ``ccall-tui doctor``: what exactly the server answered, and what shape it has.

Unlike :class:`~ccall_tui.api.client.CcallClient`, a probe never raises for an answer it does
not like: it keeps the status, the time, the content type and the raw bytes, so the doctor can
say what differs. Each request has a total deadline and a size cap all the same, and every
text taken from the answer (its reason phrase, content type, the server's words, a page's
title) is scrubbed of the credentials on its whole length before it is cut, as the client does.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx

from ..i18n import _
from .answers import retry_after
from .errors import scrub
from .forms import request_body
from .limits import MAX_ANSWER_MB
from .text import clean_text, url_host

MAX_ANSWER_BYTES = MAX_ANSWER_MB * 1024 * 1024
USER_AGENT = "ccall-tui doctor"


@dataclass
class Answer:
    """One request and what came back; ``submission`` never holds credentials."""

    name: str
    path: str
    body_format: str
    submission: dict[str, Any]
    status: int | None = None
    reason: str = ""
    elapsed_ms: float = 0.0
    content_type: str = ""
    raw: bytes = b""
    data: Any = None
    error: str | None = None  # one line: why there is no usable answer (None: there is one)
    error_kind: str = ""  # "transport", "auth", "server", "protocol"
    retry_after: float | None = None  # seconds a 429/503 asked to wait
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None


async def send(
    http: httpx.AsyncClient,
    credentials: Any,
    name: str,
    path: str,
    submission: dict[str, Any],
    *,
    body_format: str = "json",
    deadline_s: float = 10.0,
    max_bytes: int = MAX_ANSWER_BYTES,
) -> Answer:
    """POST ``submission`` (plus the credentials, added here at the last moment)."""
    answer = Answer(name, path, body_format, dict(submission))
    secrets = _secrets(credentials) + _url_password(http)
    started = time.monotonic()
    try:
        async with asyncio.timeout(deadline_s):
            body = {"submission": {**credentials.body_fields(), **submission}}
            request = http.build_request("POST", path, **request_body(body, body_format))
            del body
            response = await http.send(request, stream=True)
            try:
                answer.status = response.status_code
                answer.reason = _safe(response.reason_phrase or "", secrets, 60)
                answer.content_type = _safe(response.headers.get("Content-Type", ""), secrets, 120)
                answer.retry_after = retry_after(response)
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_bytes(64 * 1024):
                    size += len(chunk)
                    if size > max_bytes:
                        answer.error_kind = "protocol"
                        answer.error = _("larger than {mb} MB").format(mb=max_bytes // (1024 * 1024))
                        break
                    chunks.append(chunk)
                answer.raw = b"".join(chunks)
            finally:
                await response.aclose()
    except (TimeoutError, httpx.TimeoutException):  # the whole deadline, or one read's
        answer.error_kind = "transport"
        answer.error = _("no answer from {host} within {seconds:g} s").format(
            host=url_host(str(http.base_url)), seconds=deadline_s)
    except httpx.HTTPError as exc:
        host = urlsplit(str(http.base_url)).hostname or "-"
        answer.error_kind = "transport"
        answer.error = _safe(_("cannot talk to {host} ({kind})").format(
            host=host, kind=type(exc).__name__), secrets, 160)
    answer.elapsed_ms = (time.monotonic() - started) * 1000
    if answer.error is None:
        _judge(answer, secrets)
    return answer


def _safe(text: str, secrets: tuple[str, ...], limit: int) -> str:
    """Untrusted text for the report: scrubbed of the credentials first, then cleaned and cut."""
    return clean_text(scrub(text, secrets), limit=limit)


def _url_password(http: httpx.AsyncClient) -> tuple[str, ...]:
    """A password written into the base URL is a credential too."""
    password = http.base_url.password
    return (password, unquote(password)) if password else ()


def _secrets(credentials: Any) -> tuple[str, ...]:
    try:
        return tuple(v for v in credentials.body_fields().values() if isinstance(v, str))
    except Exception:  # noqa: BLE001 - a credential object must never leak through a traceback
        return ()


def decode(raw: bytes) -> Any:
    """The answer's JSON, or None when it is not JSON."""
    if not raw.strip():
        return None
    try:
        return json.loads(raw.decode("utf-8", errors="replace"))
    except (ValueError, RecursionError):
        return None


_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def _judge(answer: Answer, secrets: tuple[str, ...]) -> None:
    """Decide whether the answer is usable, with the server's own words when it is not."""
    answer.data = data = decode(answer.raw)
    words = server_words(data, secrets) if isinstance(data, dict) else None
    status = answer.status or 0
    if status in (401, 403):
        answer.error_kind, answer.error = "auth", f"HTTP {status}" + (f": {words}" if words else "")
    elif not 200 <= status < 300:
        answer.error_kind, answer.error = "server", f"HTTP {status}" + (f": {words}" if words else "")
        if answer.retry_after is not None:
            answer.error += "; " + _("the server asks to wait {seconds:.0f} s before asking again").format(
                seconds=answer.retry_after)
    elif data is None:
        answer.error_kind = "protocol"
        if not answer.raw.strip():
            answer.error = _("empty answer")
        else:
            title = _TITLE.search(answer.raw[:4096])
            page = _safe(title.group(1).decode("utf-8", "replace"), secrets, 60) if title else ""
            html = b"<html" in answer.raw[:512].lower() or "html" in answer.content_type.lower()
            if html:
                answer.error = _("an HTML page ({title})").format(title=page) if page else _("an HTML page")
            else:
                answer.error = _("not JSON")
    elif not isinstance(data, dict) or "response" not in data:
        answer.error_kind = "auth" if words and _looks_auth(words) else "protocol"
        answer.error = words or _("no 'response' in the answer")


def server_words(data: dict[str, Any], secrets: tuple[str, ...] = ()) -> str | None:
    """The server's own words in an answer, scrubbed of ``secrets`` before they are cut."""
    for key in ("error", "message", "msg", "error_description", "detail", "status"):
        value = data.get(key)
        if isinstance(value, dict):
            value = value.get("message") or value.get("error")
        if isinstance(value, str) and value.strip():
            text = _safe(value, secrets, 160).strip()
            if key == "status" and text.lower() in ("ok", "success", "error", "failed", "fail"):
                continue
            return text
    return None


_AUTH = re.compile(r"auth|credential|api[_ ]?key|api[_ ]?secret|unauthori[sz]ed|forbidden|denied", re.I)


def _looks_auth(words: str) -> bool:
    return bool(_AUTH.search(words))
