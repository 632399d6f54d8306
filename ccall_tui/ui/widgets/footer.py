"""The footer every screen uses: compact in small terminals so more keys fit, and only keys
that fit whole (a key cut in half, or a stray letter beside the command palette key, reads as
noise; every key is still in the help screen and the command palette). ``? Help`` and
``q Quit`` always stay: other keys make room for them."""

from __future__ import annotations

from textual import events
from textual.widgets import Footer

from ..textual_compat import FooterKey, bindings_ready, mark_bindings_ready

COMPACT_BELOW = 120
# Actions whose keys are never hidden: how to learn every other key, and how to leave.
ALWAYS_SHOWN = frozenset({"help", "quit"})


def _always(key: FooterKey) -> bool:
    return key.action.rsplit(".", 1)[-1].split("(", 1)[0] in ALWAYS_SHOWN


class AppFooter(Footer):
    """Recomposes only when the keys to show really changed: Textual's footer rebuilds all its
    keys on every bindings signal (several per screen switch, one per focus change), and that
    rebuild was most of the time a screen switch took."""

    _composed: tuple | None = None
    _recompose_pending: bool = False

    def on_resize(self, event: events.Resize) -> None:
        self.compact = event.size.width < COMPACT_BELOW
        self._fit_later()

    def _signature(self) -> tuple:
        return tuple(
            (binding.key, binding.action, binding.description, enabled, tooltip, id(binding.group))
            for (_node, binding, enabled, tooltip) in self.screen.active_bindings.values()
            if binding.show or binding.action == "command_palette"
        )

    def compose(self):
        # Textual's footer shows no keys until its screen's first bindings signal, then rebuilds
        # itself: a second layout and paint of the screen right after the first. Its keys are
        # known now (the screen's and the app's; a focused widget rarely adds shown ones, and if
        # it does the signal brings them), so the first frame has them.
        if not bindings_ready(self) and self.app.app_focus:
            mark_bindings_ready(self)
            # Compact or not as on_resize will find it (the footer spans the terminal), so the
            # keys are measured for fitting as they will be drawn.
            self.compact = self.app.size.width < COMPACT_BELOW
        if bindings_ready(self):
            self._composed = self._signature()
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                # A key starts compact (Textual's default) and, but for the command palette's,
                # takes the footer's value once mounted: two restyles of every key and its
                # parts. It starts with the class it ends with instead.
                if not widget.has_class("-command-palette"):
                    widget.set_reactive(FooterKey.compact, self.compact)
                widget.set_class(widget.compact, "-compact", update=False)
            yield widget

    def bindings_changed(self, screen) -> None:
        mark_bindings_ready(self)
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._recompose_pending:
            self._recompose_pending = True  # one rebuild for a burst of signals
            self.call_after_refresh(self._recompose_if_changed)

    async def _recompose_if_changed(self) -> None:
        self._recompose_pending = False
        if not self.is_attached or self._signature() == self._composed:
            return
        await self.recompose()

    async def recompose(self) -> None:
        await super().recompose()
        self._fit_later()

    def _fit_later(self, attempts: int = 5) -> None:
        for key in self.query(FooterKey):
            key.display = True
        self.call_after_refresh(self._fit, attempts)

    def _fit(self, attempts: int = 0) -> None:
        """Hide the keys that would end past the command palette key (or past the footer),
        from the right, keeping room for Help and Quit."""
        if not self.is_attached:
            return
        keys = list(self.query(FooterKey))
        palette = [key for key in keys if key.has_class("-command-palette")]
        keys = [key for key in keys if key not in palette]
        if not keys:
            return
        if any(not key.region.width for key in keys) or not self.region.width:
            # Keys composed a moment ago are not laid out yet: measure after the next refresh.
            if attempts > 0:
                self.call_after_refresh(self._fit, attempts - 1)
            return
        limit = palette[0].region.x if palette else self.region.right
        # Outside compact mode a key ends with a blank cell, which may sit under the palette's edge.
        limit += 0 if self.compact else 1
        if keys[-1].region.right <= limit:
            return
        start = keys[0].region.x
        # Each key's span up to the next key's start, so the gaps between keys count too.
        widths = [after.region.x - key.region.x for key, after in zip(keys, keys[1:])]
        widths.append(keys[-1].region.right - keys[-1].region.x)
        reserved = sum(w for key, w in zip(keys, widths) if _always(key))
        used, full = 0, False
        for key, width in zip(keys, widths):
            if _always(key):
                reserved -= width
                used += width
            elif not full and start + used + width + reserved <= limit:
                used += width
            else:
                full = True  # the keys after one that does not fit go too, keeping the order
                key.display = False
