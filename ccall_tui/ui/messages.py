"""Messages the app sends to its screens (the screens' own messages live beside them)."""

from __future__ import annotations

from textual.message import Message


class CredentialsChanged(Message, bubble=False):
    """New credentials are in use: a screen that shows server data asks for it again."""
