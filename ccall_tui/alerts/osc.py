"""Desktop notifications through the terminal: OSC 9 and OSC 777 escape sequences.

``OSC 9 ; text BEL`` is understood by iTerm2, Windows Terminal, ConEmu, WezTerm, Ghostty and
kitty; ``OSC 777 ; notify ; title ; body BEL`` by WezTerm, foot, Ghostty, rxvt-unicode (with its
notify extension) and GNOME Terminal builds carrying the VTE notification patch. Terminals that
know neither ignore both. Over SSH they pass as they are. tmux drops them unless they are wrapped
for passthrough and tmux allows it (``set -g allow-passthrough on``, tmux 3.3 or later): inside
tmux (``$TMUX`` set) the sequences are wrapped. The text is untrusted: control characters are
removed (no sequence can end early or start another), and ``;`` inside an OSC 777 title becomes
``,`` (it separates the fields).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from ..api.text import clean_text

ESC = "\x1b"
BEL = "\x07"
ST = ESC + "\\"


def _tmux_wrap(sequence: str) -> str:
    # DCS tmux; <sequence with every ESC doubled> ST
    return f"{ESC}Ptmux;" + sequence.replace(ESC, ESC + ESC) + ST


def osc_notification(title: str, body: str, mode: str = "both", env: Mapping[str, str] | None = None) -> str:
    """The escape sequence(s) that ask the terminal for a desktop notification."""
    title = clean_text(title, limit=100)
    body = clean_text(body, limit=300)
    parts = []
    if mode in ("9", "both"):
        parts.append(f"{ESC}]9;{title}: {body}{BEL}" if body else f"{ESC}]9;{title}{BEL}")
    if mode in ("777", "both"):
        parts.append(f"{ESC}]777;notify;{title.replace(';', ',')};{body}{BEL}")
    environment = os.environ if env is None else env
    if environment.get("TMUX"):
        parts = [_tmux_wrap(part) for part in parts]
    return "".join(parts)
