"""Make untrusted text safe for a terminal, once, where data is parsed."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

# C0 controls (except none: tabs/newlines are flattened to spaces), DEL, C1 controls,
# and the Unicode bidirectional overrides/isolates that can reorder what the user reads.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_WHITESPACE = re.compile(r"[\t\n\r]+")
# A lone surrogate (JSON allows "\ud800"): no encoder writes it, so a terminal, a file, the
# clipboard or a log line would fail on it later, far from here.
_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(value: object, *, limit: int = 500) -> str:
    """Return ``value`` as a single line with every control/escape character removed.

    ESC is removed, so an ANSI or OSC sequence arrives as harmless printable debris. A lone
    surrogate becomes U+FFFD. Markup such as ``[bold]`` is *kept*: it is neutralised at render
    time by always rendering data as ``Text``/``Content``, never as a markup string.
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    text = _WHITESPACE.sub(" ", text)
    text = _CONTROL.sub("", text)
    text = _SURROGATE.sub("\ufffd", text)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def mask_url(url: str) -> str:
    """``url`` with any ``user:password@`` part masked, for messages, logs and reprs."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url.split("@", 1)[-1] if "@" in url else url
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc="****@" + host))


def url_host(url: str) -> str:
    """The ``host[:port]`` of ``url``, never its userinfo."""
    try:
        netloc = urlsplit(url).netloc
    except ValueError:
        netloc = ""
    return netloc.rsplit("@", 1)[-1] or mask_url(url)
