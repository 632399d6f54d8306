"""Download a call recording, and only a recording, to a file.

A recording link is third-party storage more often than the PBX itself, so nothing it
answers is trusted: a redirect is not a success (one to the same host is followed, a few hops
at most; one to another host stops with the target, for the user to see and approve), a web
page or JSON is not audio (checked on the Content-Type and on the first bytes), and the size
is capped before the first byte is written and while streaming. The file appears under its
name only once complete; a temporary ``.part`` file beside it never outlives a failure.

Every download has a total deadline, like every other request: a base budget, widened for a
large recording the server announces (at the slowest rate worth waiting for), so a link that
trickles forever ends with one line instead of a download that never finishes.
"""

from __future__ import annotations

import asyncio
import logging
import os
import tempfile
import time
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urljoin, urlsplit

import httpx

from ..i18n import _
from .answers import fast_json, retry_after, server_message
from .errors import CcallError, ProtocolError, ServerError, TimeoutError_, TransportError
from .text import url_host

log = logging.getLogger("ccall_tui.api")

DEFAULT_MAX_RECORDING_BYTES = 200 * 1024 * 1024
"""200 MB: about 3.5 hours of 8 kHz 16-bit mono WAV, far beyond an ordinary call."""
MAX_REDIRECTS = 3
DOWNLOAD_DEADLINE_S = 120.0
"""The whole download (every hop, every byte) ends by this many seconds..."""
SLOWEST_RATE = 64 * 1024
"""...or, for a recording whose announced size needs longer, by its size at this many bytes a
second (a 200 MB recording: about 53 minutes)."""
ERROR_BODY_BYTES = 4096  # what is read of a refusal, for the server's own words
SNIFF_BYTES = 64
CHUNK = 64 * 1024
ACCEPT = "audio/*, application/octet-stream;q=0.9, */*;q=0.1"

ProgressCallback = Callable[[int, int | None], Any]

_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/xhtml", "application/javascript")


class RedirectElsewhere(CcallError):
    """The link redirects to another host. ``target`` is the full address, to show the user
    and, once approved, to download from (``download_recording(target, ...)``)."""

    kind = "redirect"

    def __init__(self, source: str, target: str) -> None:
        self.source = source
        self.target = target
        host = urlsplit(target).hostname or target
        super().__init__(_("The recording link redirects to another host: {host}").format(host=host))


class TooLarge(CcallError):
    """The recording is larger than the cap. ``size`` is what the server announced (None
    when it only showed while streaming); ``cap`` the limit in bytes."""

    kind = "too_large"

    def __init__(self, size: int | None, cap: int) -> None:
        self.size = size
        self.cap = cap
        if size is not None:
            text = _("The recording is {size}, more than the limit of {cap}.").format(
                size=human_size(size), cap=human_size(cap)
            )
        else:
            text = _("The recording grew past the limit of {cap}; stopped.").format(cap=human_size(cap))
        super().__init__(text)


class NotARecording(ProtocolError):
    """The link answered with something that is not audio (a web page, JSON, nothing)."""

    kind = "not_audio"


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"  # pragma: no cover - the loop always returns


def audio_kind(head: bytes) -> str | None:
    """The audio format the first bytes announce, or None when they announce none."""
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[:3] == b"ID3":
        return "mp3"
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        return "mp3"  # an MPEG audio frame sync
    if head[:4] == b"OggS":
        return "ogg"
    if head[:4] == b"fLaC":
        return "flac"
    if head[4:8] == b"ftyp":
        return "m4a"
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return "aiff"
    if head[:5] == b"#!AMR":
        return "amr"
    if head[:4] == b".snd":
        return "au"
    return None


def looks_like_text(head: bytes) -> bool:
    """True for markup, JSON or plain text: what a login page, an error or a 'moved' page is."""
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] in (b"<", b"{", b"["):
        return True
    if not stripped:
        return True
    return all(32 <= b < 127 or b in (9, 10, 13) for b in stripped)


def _what(content_type: str, head: bytes) -> str:
    kind = content_type.split(";", 1)[0].strip().lower()
    sample = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:15].lower()
    if "html" in kind or sample.startswith((b"<!doctype", b"<html")) or b"<html" in head[:SNIFF_BYTES].lower():
        return _("a web page")
    if "json" in kind or sample[:1] in (b"{", b"["):
        return _("JSON")
    if "xml" in kind or sample.startswith(b"<?xml"):
        return _("XML")
    return _("text")


def same_host(source: str, target: str) -> bool:
    """Whether following ``source`` -> ``target`` stays on the same host (and port);
    http to https on the same host counts as the same, https to http does not."""
    a, b = urlsplit(source), urlsplit(target)
    if not b.hostname or (a.hostname or "").lower() != b.hostname.lower():
        return False
    if a.scheme == "https" and b.scheme != "https":
        return False
    if b.scheme not in ("http", "https"):
        return False
    default = {"http": 80, "https": 443}
    a_port = a.port or default.get(a.scheme)
    b_port = b.port or default.get(b.scheme)
    return a_port == b_port or (a.scheme == "http" and b.scheme == "https" and b.port is None)


async def download_recording(
    http: httpx.AsyncClient,
    url: str,
    destination: Path,
    *,
    progress: ProgressCallback | None = None,
    max_bytes: int | None = DEFAULT_MAX_RECORDING_BYTES,
    max_redirects: int = MAX_REDIRECTS,
    transport_error: Callable[[Exception], CcallError] | None = None,
    deadline_s: float | None = None,
) -> Path:
    """Stream the recording at ``url`` to ``destination``; see the module's rules.

    Raises ``RedirectElsewhere`` (with ``target``), ``TooLarge``, ``NotARecording``,
    ``ServerError`` for a refusal (``retry_after`` set for a 429/503 that asks to wait),
    ``TimeoutError_`` past the deadline (``deadline_s``, default :data:`DOWNLOAD_DEADLINE_S`,
    widened for a large announced size) and ``TransportError`` for the network; every one
    with a one-line ``message``. ``max_bytes=None`` lifts the cap (after the user said yes).
    """
    destination = Path(destination)
    started = time.monotonic()
    budget = DOWNLOAD_DEADLINE_S if deadline_s is None else float(deadline_s)
    try:
        async with asyncio.timeout(budget) as deadline:
            return await _follow(http, url, destination, progress, max_bytes, max_redirects,
                                 lambda size: _widen(deadline, budget, size), started)
    except TimeoutError:
        raise TimeoutError_(
            _("No answer from {host} within {seconds:g} s.").format(host=url_host(url), seconds=budget)
        ) from None
    except httpx.HTTPError as exc:
        if transport_error is not None:
            raise transport_error(exc) from None
        raise TransportError(_("The download broke off.")) from None


def _widen(deadline: asyncio.Timeout, budget: float, size: int | None) -> None:
    """Give a recording announced as ``size`` bytes the time it needs at the slowest rate."""
    if size is None or budget <= 0:
        return
    needed = size / SLOWEST_RATE
    if needed > budget:
        when = deadline.when()
        if when is not None:
            deadline.reschedule(when + (needed - budget))


async def _follow(
    http: httpx.AsyncClient,
    url: str,
    destination: Path,
    progress: ProgressCallback | None,
    max_bytes: int | None,
    max_redirects: int,
    widen: Callable[[int | None], None],
    started: float,
) -> Path:
    current = url
    for _hop in range(max_redirects + 1):
        async with http.stream("GET", current, headers={"Accept": ACCEPT}) as response:
            status = response.status_code
            if 300 <= status < 400:
                location = response.headers.get("Location")
                if not location:
                    raise ServerError(
                        _("HTTP {status} from the server, a redirect without a target.").format(status=status),
                        status,
                    )
                target = urljoin(current, location.strip())
                if not same_host(current, target):
                    raise RedirectElsewhere(current, target)
                log.debug("recording redirected within %s", urlsplit(target).hostname)
                current = target
                continue
            if status != 200:
                raise await _refusal(response)
            received = await _save(response, destination, progress, max_bytes, widen)
            log.debug("download %s bytes in %.0f ms", received, (time.monotonic() - started) * 1000)
            return destination
    raise ServerError(
        _("The recording link redirected more than {count} times.").format(count=max_redirects), None
    )


async def _refusal(response: httpx.Response) -> ServerError:
    """The error for a status other than 200: what it usually means, the server's own words
    (scrubbed of the credentials before any cut) and, for 429/503, how long it asks to wait."""
    status = response.status_code
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) >= ERROR_BODY_BYTES:
            break
    data = fast_json(bytes(body[:ERROR_BODY_BYTES]), response.charset_encoding)
    words = server_message(data) if isinstance(data, dict) else None
    wait = retry_after(response)
    if status in (401, 403, 410):
        text = _("HTTP {status} from the server; recording links expire, so search again for a fresh one.").format(
            status=status)
    elif status == 404:
        text = _("HTTP 404 from the server: no recording at that link.")
    elif wait is not None:
        text = _("HTTP {status} from the server: busy; try again in {seconds:.0f} s.").format(
            status=status, seconds=wait)
    else:
        text = _("HTTP {status} from the server.").format(status=status)
    if words:
        text = f"{text} ({words})"
    error = ServerError(text, status)
    error.retry_after = wait
    return error


async def _save(
    response: httpx.Response,
    destination: Path,
    progress: ProgressCallback | None,
    max_bytes: int | None,
    widen: Callable[[int | None], None] = lambda size: None,
) -> int:
    content_type = response.headers.get("Content-Type", "")
    base_type = content_type.split(";", 1)[0].strip().lower()
    total_header = (response.headers.get("Content-Length") or "").strip()
    total = int(total_header) if total_header.isdigit() else None
    if max_bytes is not None and total is not None and total > max_bytes:
        raise TooLarge(total, max_bytes)
    widen(total)
    chunks = response.aiter_bytes(CHUNK)
    head = b""
    async for chunk in chunks:
        head += chunk
        if len(head) >= SNIFF_BYTES:
            break
    if not head:
        raise NotARecording(_("The recording link answered with an empty file."))
    if audio_kind(head) is None and (base_type.startswith(_TEXT_TYPES) or "+json" in base_type
                                     or "+xml" in base_type or looks_like_text(head[:SNIFF_BYTES])):
        raise NotARecording(
            _("The recording link answered with {what}, not a recording.").format(what=_what(content_type, head))
        )
    partial: Path | None = None
    received = 0
    try:
        fd, partial_name = tempfile.mkstemp(prefix=f".{destination.name}.", suffix=".part", dir=destination.parent)
        partial = Path(partial_name)
        with os.fdopen(fd, "wb") as handle:
            pending = head
            while True:
                if pending:
                    received += len(pending)
                    if max_bytes is not None and received > max_bytes:
                        raise TooLarge(total, max_bytes) if total is not None else TooLarge(None, max_bytes)
                    if total is not None and received > total:
                        raise TransportError(
                            _("The server sent more than the {total} bytes it announced.").format(total=total)
                        )
                    handle.write(pending)
                    if progress is not None:
                        progress(received, total)
                try:
                    pending = await chunks.__anext__()
                except StopAsyncIteration:
                    break
        if total is not None and received != total:
            raise TransportError(
                _("Download interrupted: {got} of {total} bytes.").format(got=received, total=total)
            )
        partial.replace(destination)
        partial = None
    except OSError as exc:
        raise CcallError(
            _("Cannot write {path}: {reason}").format(path=destination, reason=exc.strerror or exc)
        ) from None
    finally:
        if partial is not None:
            partial.unlink(missing_ok=True)
    return received
