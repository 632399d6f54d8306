"""The ccall HTTP client: one ``httpx.AsyncClient``, typed results, one-line errors."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from collections.abc import Awaitable, Mapping
from typing import Any, Callable, Protocol, TypeVar
from zoneinfo import ZoneInfo

import httpx

from ..i18n import _
from .cdrs import CallLookup, CallRecord, CdrPage, CdrQuery, find_call, parse_cdrs
from .cdrs_fast import read_cdrs
from .download import DEFAULT_MAX_RECORDING_BYTES, DOWNLOAD_DEADLINE_S, download_recording
from .errors import CcallError, ProtocolError, Secrets, forget_secrets, secrets_of, use_secrets
from .failures import checked_json, transport_error
from .forms import check_body_format, request_body
from .limits import MAX_ANSWER_MB
from .registrations import RegistrationsSnapshot, parse_registrations, read_registrations
from .text import mask_url, url_host
from .values import PBX_TIMEZONE

log = logging.getLogger("ccall_tui.api")

DEFAULT_BASE_URL = "https://api.ccall.vn"
USER_AGENT = "ccall-tui"
# The largest answer read (the profile's max_answer_mb): a poll past it fails with a reason
# instead of taking seconds and hundreds of MB.
DEFAULT_MAX_BODY_BYTES = MAX_ANSWER_MB * 1024 * 1024

class HasCredentials(Protocol):
    def body_fields(self) -> dict[str, str]: ...


ProgressCallback = Callable[[int, int | None], Any]
_Page = TypeVar("_Page")


class CcallClient:
    """Talks to one PBX with one set of credentials.

    The secret lives in ``credentials`` (whose repr is masked) and only enters the request
    body at the moment a request is built.
    """

    def __init__(
        self,
        base_url: str,
        credentials: HasCredentials,
        *,
        timeout: float = 10.0,
        domain_name: str | None = None,
        tz: ZoneInfo | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        body_format: str = "json",
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials
        # The whole request (connect, send, every byte of the answer) ends by this many seconds.
        self.timeout = float(timeout)
        self.max_body_bytes = int(max_body_bytes)
        # A recording's download ends by this many seconds (widened for a large one).
        self.download_deadline_s = DOWNLOAD_DEADLINE_S
        # "json", or "form" for a server that only reads form bodies (learned by 'doctor').
        self.body_format = check_body_format(body_format)
        self.domain_name = domain_name or None
        self.tz = tz or ZoneInfo(PBX_TIMEZONE)
        # The previous answer's rows: the next poll parses only the rows that changed.
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 10.0)),
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            transport=transport,
            follow_redirects=False,
            limits=httpx.Limits(max_connections=16, max_keepalive_connections=8),
        )

    def __repr__(self) -> str:
        return f"CcallClient(base_url={mask_url(self.base_url)!r})"

    @property
    def host(self) -> str:
        """``host[:port]`` of the server, for messages: never a password in the base URL."""
        return url_host(self.base_url)

    async def __aenter__(self) -> "CcallClient":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # ------------------------------------------------------------------ endpoints

    async def registrations(
        self, previous: Mapping[str, Any] | None = None, slow_ms: float | None = None,
        reuse: Callable[[], bool] | None = None,
    ) -> RegistrationsSnapshot:
        """Online extensions, grouped per extension. ``previous``: the last answer's
        ``extensions`` (a poller's), whose strings the same devices keep instead of new
        copies: a large tenant's memory stays one answer's worth. ``slow_ms``: the poller's
        threshold for a slow ping (which rows are over it is found while reading). ``reuse``:
        asked in the reading thread, right before reading, whether the rows of ``previous``
        may be rewritten (False: someone may still read them; see ``read_registrations``)."""
        submission: dict[str, Any] = {}
        if self.domain_name:
            submission["domain_name"] = self.domain_name

        def read(response: httpx.Response, content: bytes) -> RegistrationsSnapshot:
            return self._read_registrations(response, content, previous, slow_ms, reuse is None or reuse())

        snapshot: RegistrationsSnapshot = await self._post("/ext_reg/json", submission, read=read, in_thread=True)
        return snapshot

    def _read_registrations(
        self, response: httpx.Response, content: bytes, previous: Mapping[str, Any] | None = None,
        slow_ms: float | None = None, reuse_rows: bool = True,
    ) -> RegistrationsSnapshot:
        """The answer's body -> RegistrationsSnapshot: the usual shape straight from the bytes
        (see ``registrations_fast``), anything else after the general checks of an answer."""
        if 200 <= response.status_code < 300 and "html" not in response.headers.get("Content-Type", "").lower():
            if (response.charset_encoding or "utf-8").lower() in ("utf-8", "utf8"):
                snapshot = read_registrations(content, self.tz, previous=previous, slow_ms=slow_ms,
                                              reuse_rows=reuse_rows)
                if snapshot is not None:
                    return snapshot
        return parse_registrations(self._decode(response, content), self.tz)

    async def cdrs(self, query: CdrQuery) -> CdrPage:
        """One page (or the whole answer, without paging) of call records."""
        page: CdrPage = await self.cdrs_read(query, read_cdrs)
        return page

    async def cdrs_read(
        self, query: CdrQuery, fast: Callable[[bytes, ZoneInfo], _Page | None],
        received: Callable[[], Awaitable[object]] | None = None,
    ) -> _Page | CdrPage:
        """One page of call records, the usual shape read by ``fast(body, tz)`` straight from
        its bytes (an export's CSV rows); an answer ``fast`` does not take (None) is read the
        tolerant way, as ``cdrs`` reads it. ``received()`` is awaited the moment a 2xx answer's
        bytes are in, before they are read (an export asks for its next page then)."""
        submission = query.to_submission(self.tz)
        if self.domain_name:
            submission["domain_name"] = self.domain_name

        def read(response: httpx.Response, content: bytes) -> _Page | CdrPage:
            return self._read_cdrs(response, content, fast)

        page: _Page | CdrPage = await self._post("/cdrs/json", submission, read=read, received=received)
        return page

    def _read_cdrs(
        self, response: httpx.Response, content: bytes, fast: Callable[[bytes, ZoneInfo], _Page | None]
    ) -> _Page | CdrPage:
        """The answer's body -> a page: the usual page straight from its bytes (see
        ``cdrs_fast``), anything else after the general checks of an answer."""
        if 200 <= response.status_code < 300 and "html" not in response.headers.get("Content-Type", "").lower():
            if (response.charset_encoding or "utf-8").lower() in ("utf-8", "utf8"):
                page = fast(content, self.tz)
                if page is not None:
                    return page
        return parse_cdrs(self._decode(response, content), self.tz)

    async def cdr(self, call_id: str) -> CallRecord | None:
        """One call by its id; None when no record in the answer carries that id."""
        return (await self.lookup(call_id)).record

    async def lookup(self, call_id: str) -> CallLookup:
        """One call by its id, and how many other records the server sent instead.

        Only a record whose id is the one asked for is the answer: a server that ignores
        ``call_id`` answers with a page of other calls, and a record without an id could be
        any call.
        """
        submission: dict[str, Any] = {"call_id": call_id}
        if self.domain_name:
            submission["domain_name"] = self.domain_name
        payload = await self._post("/cdrs/json", submission)
        page = parse_cdrs(payload, self.tz)
        return find_call(page, call_id)

    async def download(
        self,
        url: str,
        destination: Path,
        *,
        progress: ProgressCallback | None = None,
        max_bytes: int | None = DEFAULT_MAX_RECORDING_BYTES,
        deadline_s: float | None = None,
    ) -> Path:
        """Stream the recording at ``url`` to ``destination`` (see ``api/download.py``).

        A redirect to another host raises ``RedirectElsewhere`` with its ``target``; a body
        over ``max_bytes`` raises ``TooLarge``; a web page or JSON raises ``NotARecording``;
        past ``deadline_s`` (default: ``download_deadline_s``, widened for a large announced
        size) ``TimeoutError_``. The final name only appears once every byte has arrived; a
        failure leaves no file. Every error is scrubbed of the credentials, as in ``_post``.
        """
        started = time.monotonic()
        token = use_secrets(self._secrets())
        try:
            return await download_recording(
                self._http, url, Path(destination), progress=progress, max_bytes=max_bytes,
                transport_error=self._transport_error,
                deadline_s=self.download_deadline_s if deadline_s is None else deadline_s,
            )
        except CcallError as exc:
            log.warning("download from %s failed after %.0f ms: %s", url_host(url), _ms(started), exc.message)
            raise exc.with_traceback(None) from None
        finally:
            forget_secrets(token)

    # ------------------------------------------------------------------ plumbing

    async def _post(
        self,
        path: str,
        submission: dict[str, Any],
        *,
        read: Callable[[httpx.Response, bytes], Any] | None = None,
        in_thread: bool = False,
        received: Callable[[], Awaitable[object]] | None = None,
    ) -> Any:
        """One request with a total deadline (``timeout``) and a size cap (``max_body_bytes``).

        ``read(response, body)`` makes the answer of the body (default: the checked JSON); with
        ``in_thread`` it runs in a thread, so a large answer never stalls the event loop.
        Every error made meanwhile is scrubbed of the credentials on its whole text first. The
        error raised carries no traceback of the frames that held the body or the answer.
        """
        read = read or self._decode
        started = time.monotonic()
        token = use_secrets(self._secrets())
        try:
            try:
                async with asyncio.timeout(self.timeout):
                    response, content = await self._exchange(path, submission)
            except (TimeoutError, httpx.HTTPError) as exc:
                error = self._transport_error(exc)
                log.warning("POST %s failed after %.0f ms: %s", path, _ms(started), error.message)
                raise error.with_traceback(None) from None
            except CcallError as exc:
                log.warning("POST %s failed after %.0f ms: %s", path, _ms(started), exc.message)
                raise exc.with_traceback(None) from None
            log.debug("POST %s -> %s in %.0f ms, %d bytes", path, response.status_code, _ms(started), len(content))
            if received is not None and 200 <= response.status_code < 300:
                await received()
            try:
                if in_thread:
                    return await asyncio.to_thread(read, response, content)
                return read(response, content)
            except CcallError as exc:
                content = b""
                log.warning("POST %s: %s", path, exc.message)
                raise exc.with_traceback(None) from None
        finally:
            forget_secrets(token)

    async def _exchange(self, path: str, submission: dict[str, Any]) -> tuple[httpx.Response, bytes]:
        """Send the request (its body built right here, never kept) and read the answer, no
        more than ``max_body_bytes`` of it: Content-Length first, then as the bytes arrive.

        The bytes gather in one growing buffer as they come (no join of hundreds of chunks at
        the end: ~10 MB copied at once would stall the loop)."""
        limit = self.max_body_bytes
        async with self._http.stream(
            "POST", path, **request_body({"submission": {**self.credentials.body_fields(), **submission}}, self.body_format)
        ) as response:
            length = response.headers.get("Content-Length", "").strip()
            if length.isdigit() and int(length) > limit:
                raise self._too_large()
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > limit:
                    raise self._too_large()
        return response, body  # type: ignore[return-value]  # bytes-like: read, never kept

    def _too_large(self) -> ProtocolError:
        return ProtocolError(
            _("The answer is larger than {size} MB (limit: max_answer_mb).").format(
                size=f"{self.max_body_bytes / (1024 * 1024):g}"
            )
        )

    def _secrets(self) -> Secrets:
        return secrets_of(self.credentials, self.base_url)

    def _decode(self, response: httpx.Response, content: bytes) -> Any:
        return checked_json(response, content)

    def _transport_error(self, exc: Exception) -> CcallError:
        return transport_error(exc, self.host, self.timeout, self.base_url)


# ---------------------------------------------------------------------- helpers


def _ms(started: float) -> float:
    return (time.monotonic() - started) * 1000
