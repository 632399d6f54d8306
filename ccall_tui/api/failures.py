"""What an answer or a failed request means for the user, in one line: the checked JSON of an
answer (or the error it is: an HTTP status with the server's own words, an HTML page, nothing,
not JSON, no ``response``), and what a network failure was. The server's words are scrubbed of
the request's secrets before any cut (see ``answers``)."""

from __future__ import annotations

import json
import socket
import ssl
from typing import Any

import httpx

from ..i18n import _
from .answers import (
    AUTH_WORDS,
    auth_message,
    exception_chain,
    fast_json,
    html_title,
    looks_dns,
    retry_after,
    safe_text,
    scrubbed_cut,
    server_message,
)
from .errors import AuthenticationError, CcallError, ProtocolError, ServerError, TimeoutError_, TransportError
from .text import mask_url


def checked_json(response: httpx.Response, content: bytes) -> Any:
    """The answer's JSON when it is one the API speaks; else the one-line error it is (an
    HTTP error with the server's words, an HTML page, empty, not JSON, no ``response``)."""
    status = response.status_code
    content_type = response.headers.get("Content-Type", "").lower()
    charset = response.charset_encoding
    data: Any = None
    if "html" not in content_type:
        data = fast_json(content, charset)
    if data is not None:  # valid JSON, so neither empty nor a page
        text, looks_html = "", False
    else:
        text = safe_text(content, charset)
        looks_html = "html" in content_type or text[:64].lstrip().lower().startswith(("<!doctype", "<html"))
        if text.strip() and not looks_html:
            try:
                data = json.loads(text)
            except (ValueError, RecursionError):  # nested too deep is not an answer either
                data = None
    server_words = server_message(data) if isinstance(data, dict) else None

    if status in (401, 403):
        raise AuthenticationError(
            auth_message(server_words or _("the server rejected the API key or secret"))
        )
    if status >= 400 or status < 200:
        if looks_html:
            title = html_title(text)
            error = ServerError(
                _("HTTP {status} from the server (an HTML page: {title}).").format(
                    status=status, title=title or _("no title")
                ),
                status,
            )
        else:
            reason = server_words or scrubbed_cut(response.reason_phrase or "", 80)
            error = ServerError(
                _("HTTP {status} from the server: {reason}").format(status=status, reason=reason or "-"),
                status,
            )
        error.retry_after = retry_after(response)
        raise error
    if data is None and not text.strip():
        raise ProtocolError(_("The server sent an empty answer."))
    if looks_html:
        title = html_title(text)
        raise ProtocolError(
            _("The server sent an HTML page instead of JSON ({title}).").format(
                title=title or _("no title")
            )
        )
    if data is None:
        raise ProtocolError(_("The server's answer is not valid JSON."))
    if isinstance(data, dict) and "response" not in data:
        if server_words:
            if AUTH_WORDS.search(server_words):
                raise AuthenticationError(auth_message(server_words))
            raise ServerError(_("The server said: {reason}").format(reason=server_words), status)
        raise ProtocolError(_("The server's answer has no 'response'."))
    if not isinstance(data, dict):
        raise ProtocolError(_("The server's answer is not a JSON object."))
    return data


def transport_error(exc: Exception, host: str, timeout: float, base_url: str) -> CcallError:
    """What a failed request was, in one line: no answer in time, TLS, DNS, refused, ..."""
    if isinstance(exc, (httpx.TimeoutException, TimeoutError)):
        return TimeoutError_(
            _("No answer from {host} within {seconds:g} s.").format(host=host, seconds=timeout)
        )
    chain = exception_chain(exc)
    if any(isinstance(e, ssl.SSLError) for e in chain) or "ssl" in str(exc).lower() or "certificate" in str(exc).lower():
        return TransportError(_("Secure connection (TLS) to {host} failed.").format(host=host))
    if any(isinstance(e, socket.gaierror) for e in chain) or looks_dns(str(exc)):
        return TransportError(_("Cannot find the server {host} (DNS lookup failed).").format(host=host))
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or "refused" in str(exc).lower():
        return TransportError(_("Connection refused by {host}.").format(host=host))
    if isinstance(exc, httpx.ConnectError):
        return TransportError(_("Cannot connect to {host}.").format(host=host))
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError)):
        return TransportError(_("The connection to {host} broke off.").format(host=host))
    if isinstance(exc, httpx.UnsupportedProtocol) or isinstance(exc, httpx.InvalidURL):
        return TransportError(
            _("The base URL {url} is not a valid http(s) address.").format(url=mask_url(base_url))
        )
    return TransportError(_("Network error talking to {host}.").format(host=host))
