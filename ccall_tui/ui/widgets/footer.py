"""The footer every screen uses: compact in small terminals so more keys fit."""

from __future__ import annotations

from textual import events
from textual.widgets import Footer

COMPACT_BELOW = 120


class AppFooter(Footer):
    def on_resize(self, event: events.Resize) -> None:
        self.compact = event.size.width < COMPACT_BELOW
