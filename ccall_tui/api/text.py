"""Make untrusted text safe for a terminal, once, where data is parsed."""

from __future__ import annotations

import re

# C0 controls (except none: tabs/newlines are flattened to spaces), DEL, C1 controls,
# and the Unicode bidirectional overrides/isolates that can reorder what the user reads.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_WHITESPACE = re.compile(r"[\t\n\r]+")


def clean_text(value: object, *, limit: int = 500) -> str:
    """Return ``value`` as a single line with every control/escape character removed.

    ESC is removed, so an ANSI or OSC sequence arrives as harmless printable debris.
    Markup such as ``[bold]`` is *kept*: it is neutralised at render time by always
    rendering data as ``Text``/``Content``, never as a markup string.
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    text = _WHITESPACE.sub(" ", text)
    text = _CONTROL.sub("", text)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text
