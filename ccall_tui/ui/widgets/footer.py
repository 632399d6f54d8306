"""The footer every screen uses: compact in small terminals so more keys fit, and only keys
that fit whole (a key cut in half, or a stray letter beside the command palette key, reads as
noise; every key is still in the help screen and the command palette)."""

from __future__ import annotations

from textual import events
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

COMPACT_BELOW = 120


class AppFooter(Footer):
    def on_resize(self, event: events.Resize) -> None:
        self.compact = event.size.width < COMPACT_BELOW
        self._fit_later()

    async def recompose(self) -> None:
        await super().recompose()
        self._fit_later()

    def _fit_later(self) -> None:
        for key in self.query(FooterKey):
            key.display = True
        self.call_after_refresh(self._fit)

    def _fit(self) -> None:
        """Hide the keys that end past the command palette key (or past the footer)."""
        if not self.is_attached:
            return
        keys = list(self.query(FooterKey))
        palette = [key for key in keys if key.has_class("-command-palette")]
        limit = palette[0].region.x if palette else self.region.right
        # Outside compact mode a key ends with a blank cell, which may sit under the palette's edge.
        limit += 0 if self.compact else 1
        for key in keys:
            if key not in palette and key.region.right > limit:
                key.display = False
