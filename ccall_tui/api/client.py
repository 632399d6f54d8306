"""The ccall HTTP client: one ``httpx.AsyncClient``, typed results, one-line errors."""

from __future__ import annotations

import json
import logging
import re
import socket
import ssl
import time
from pathlib import Path
from typing import Any, Callable, Protocol
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import httpx
import msgspec

from ..i18n import _
from .errors import (
    AuthenticationError,
    CcallError,
    ProtocolError,
    ServerError,
    TimeoutError_,
    TransportError,
    scrub,
)
from .models import (
    PBX_TIMEZONE,
    CdrPage,
    CdrQuery,
    CallRecord,
    RegistrationsSnapshot,
    parse_cdrs,
    parse_registrations,
)
from .text import clean_text

log = logging.getLogger("ccall_tui.api")

DEFAULT_BASE_URL = "https://api.ccall.vn"
USER_AGENT = "ccall-tui"

_AUTH_WORDS = re.compile(
    r"auth|credential|api[_ ]?key|api[_ ]?secret|unauthori[sz]ed|forbidden|permission|denied|"
    r"invalid key|invalid secret",
    re.IGNORECASE,
)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_H1 = re.compile(r"<h1[^>]*>(.*?)</h1>", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<[^>]+>")


class HasCredentials(Protocol):
    def body_fields(self) -> dict[str, str]: ...


ProgressCallback = Callable[[int, int | None], Any]


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
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials
        self.timeout = float(timeout)
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
        return f"CcallClient(base_url={self.base_url!r})"

    async def __aenter__(self) -> "CcallClient":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # ------------------------------------------------------------------ endpoints

    async def registrations(self) -> RegistrationsSnapshot:
        """Online extensions, grouped per extension."""
        submission: dict[str, Any] = {}
        if self.domain_name:
            submission["domain_name"] = self.domain_name
        payload = await self._post("/ext_reg/json", submission)
        return parse_registrations(payload, self.tz)

    async def cdrs(self, query: CdrQuery) -> CdrPage:
        """One page (or the whole answer, without paging) of call records."""
        submission = query.to_submission(self.tz)
        if self.domain_name:
            submission["domain_name"] = self.domain_name
        payload = await self._post("/cdrs/json", submission)
        return parse_cdrs(payload, self.tz)

    async def cdr(self, call_id: str) -> CallRecord | None:
        """One call by its id; None when the server does not know it."""
        submission: dict[str, Any] = {"call_id": call_id}
        if self.domain_name:
            submission["domain_name"] = self.domain_name
        payload = await self._post("/cdrs/json", submission)
        page = parse_cdrs(payload, self.tz)
        for record in page.records:
            if record.call_id in (None, call_id):
                return record
        return page.records[0] if page.records else None

    async def download(
        self,
        url: str,
        destination: Path,
        *,
        progress: ProgressCallback | None = None,
    ) -> Path:
        """Stream ``url`` to ``destination`` via a temporary ``.part`` file.

        The final name only appears once every byte has arrived; a failure removes the
        partial file.
        """
        destination = Path(destination)
        partial = destination.with_name(destination.name + ".part")
        started = time.monotonic()
        try:
            async with self._http.stream("GET", url) as response:
                if response.status_code >= 400:
                    raise ServerError(
                        _("Download failed: HTTP {status}.").format(status=response.status_code),
                        response.status_code,
                    )
                total_header = response.headers.get("Content-Length")
                total = int(total_header) if total_header and total_header.isdigit() else None
                received = 0
                with open(partial, "wb") as handle:
                    async for chunk in response.aiter_bytes(64 * 1024):
                        handle.write(chunk)
                        received += len(chunk)
                        if progress is not None:
                            progress(received, total)
                if total is not None and received != total:
                    raise TransportError(
                        _("Download interrupted: {got} of {total} bytes.").format(
                            got=received, total=total
                        )
                    )
            partial.replace(destination)
        except httpx.HTTPError as exc:
            partial.unlink(missing_ok=True)
            raise self._transport_error(exc) from None
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise CcallError(
                _("Cannot write {path}: {reason}").format(path=destination, reason=exc.strerror or exc)
            ) from None
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        log.debug("download %s bytes in %.0f ms", received, (time.monotonic() - started) * 1000)
        return destination

    # ------------------------------------------------------------------ plumbing

    async def _post(self, path: str, submission: dict[str, Any]) -> Any:
        started = time.monotonic()
        secrets = self._secrets()
        try:
            body = {"submission": {**self.credentials.body_fields(), **submission}}
            response = await self._http.post(path, json=body)
            del body
        except httpx.HTTPError as exc:
            error = self._transport_error(exc)
            log.warning("POST %s failed after %.0f ms: %s", path, _ms(started), error.message)
            raise error from None
        elapsed = _ms(started)
        log.debug("POST %s -> %s in %.0f ms, %d bytes", path, response.status_code, elapsed, len(response.content))
        try:
            return self._decode(response)
        except CcallError as error:
            error.message = scrub(error.message, secrets)
            error.args = (error.message,)
            log.warning("POST %s: %s", path, error.message)
            raise

    def _secrets(self) -> tuple[str, ...]:
        try:
            fields = self.credentials.body_fields()
        except Exception:  # noqa: BLE001 - never let a credential object leak via traceback
            return ()
        return tuple(v for v in fields.values() if isinstance(v, str))

    def _decode(self, response: httpx.Response) -> Any:
        status = response.status_code
        content_type = response.headers.get("Content-Type", "").lower()
        data: Any = None
        if "html" not in content_type:
            data = _fast_json(response)
        if data is not None:  # valid JSON, so neither empty nor a page
            text, looks_html = "", False
        else:
            text = _safe_text(response)
            looks_html = "html" in content_type or text[:64].lstrip().lower().startswith(("<!doctype", "<html"))
            if text.strip() and not looks_html:
                try:
                    data = json.loads(text)
                except (ValueError, RecursionError):  # nested too deep is not an answer either
                    data = None
        server_words = _server_message(data) if isinstance(data, dict) else None

        if status in (401, 403):
            raise AuthenticationError(
                _auth_message(server_words or _("the server rejected the API key or secret"))
            )
        if status >= 400 or status < 200:
            if looks_html:
                title = _html_title(text)
                raise ServerError(
                    _("HTTP {status} from the server (an HTML page: {title}).").format(
                        status=status, title=title or _("no title")
                    ),
                    status,
                )
            reason = server_words or clean_text(response.reason_phrase or "", limit=80)
            raise ServerError(
                _("HTTP {status} from the server: {reason}").format(status=status, reason=reason or "-"),
                status,
            )
        if data is None and not text.strip():
            raise ProtocolError(_("The server sent an empty answer."))
        if looks_html:
            title = _html_title(text)
            raise ProtocolError(
                _("The server sent an HTML page instead of JSON ({title}).").format(
                    title=title or _("no title")
                )
            )
        if data is None:
            raise ProtocolError(_("The server's answer is not valid JSON."))
        if isinstance(data, dict) and "response" not in data:
            if server_words:
                if _AUTH_WORDS.search(server_words):
                    raise AuthenticationError(_auth_message(server_words))
                raise ServerError(_("The server said: {reason}").format(reason=server_words), status)
            raise ProtocolError(_("The server's answer has no 'response'."))
        if not isinstance(data, dict):
            raise ProtocolError(_("The server's answer is not a JSON object."))
        return data

    def _transport_error(self, exc: Exception) -> CcallError:
        host = urlsplit(self.base_url).netloc or self.base_url
        if isinstance(exc, httpx.TimeoutException):
            return TimeoutError_(
                _("No answer from {host} within {seconds:g} s.").format(host=host, seconds=self.timeout)
            )
        chain = _exception_chain(exc)
        if any(isinstance(e, ssl.SSLError) for e in chain) or "ssl" in str(exc).lower() or "certificate" in str(exc).lower():
            return TransportError(_("Secure connection (TLS) to {host} failed.").format(host=host))
        if any(isinstance(e, socket.gaierror) for e in chain) or _looks_dns(str(exc)):
            return TransportError(_("Cannot find the server {host} (DNS lookup failed).").format(host=host))
        if any(isinstance(e, ConnectionRefusedError) for e in chain) or "refused" in str(exc).lower():
            return TransportError(_("Connection refused by {host}.").format(host=host))
        if isinstance(exc, httpx.ConnectError):
            return TransportError(_("Cannot connect to {host}.").format(host=host))
        if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError)):
            return TransportError(_("The connection to {host} broke off.").format(host=host))
        if isinstance(exc, httpx.UnsupportedProtocol) or isinstance(exc, httpx.InvalidURL):
            return TransportError(_("The base URL {url} is not a valid http(s) address.").format(url=self.base_url))
        return TransportError(_("Network error talking to {host}.").format(host=host))


# ---------------------------------------------------------------------- helpers


def _ms(started: float) -> float:
    return (time.monotonic() - started) * 1000


_JSON = msgspec.json.Decoder()


def _fast_json(response: httpx.Response) -> Any:
    """The body read by msgspec (under half the standard parser's time on a thousand
    registrations a second), or None to take the standard way: a body that is not UTF-8, not
    JSON, or JSON msgspec refuses where the standard parser reads it (NaN, a lone surrogate,
    a byte order mark) reads exactly as before."""
    if (response.charset_encoding or "utf-8").lower() not in ("utf-8", "utf8"):
        return None
    try:
        return _JSON.decode(response.content)
    except (msgspec.DecodeError, ValueError, RecursionError):
        return None


def _safe_text(response: httpx.Response) -> str:
    try:
        return response.text
    except Exception:  # noqa: BLE001 - undecodable bytes are the server's problem, not ours
        return response.content.decode("utf-8", errors="replace")


def _server_message(data: dict[str, Any]) -> str | None:
    for key in ("error", "message", "msg", "error_description", "detail", "status"):
        value = data.get(key)
        if isinstance(value, dict):
            value = value.get("message") or value.get("error")
        if isinstance(value, str) and value.strip():
            text = clean_text(value, limit=160).strip()
            if key == "status" and text.lower() in ("ok", "success", "error", "failed", "fail"):
                continue
            return text
    return None


def _auth_message(reason: str) -> str:
    """'Authentication failed: <the server's words>', without saying it twice."""
    if reason.lower().startswith(("authentication failed", "auth failed")):
        return reason
    return _("Authentication failed: {reason}").format(reason=reason)


def _html_title(text: str) -> str | None:
    for pattern in (_TITLE, _H1):
        match = pattern.search(text)
        if match:
            words = clean_text(_TAGS.sub("", match.group(1)), limit=80).strip()
            if words:
                return words
    return None


def _exception_chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen and len(seen) < 10:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _looks_dns(text: str) -> bool:
    lowered = text.lower()
    return any(
        word in lowered
        for word in ("name or service not known", "nodename nor servname", "getaddrinfo", "name resolution", "no address associated")
    )

