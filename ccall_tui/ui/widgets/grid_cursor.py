"""The grid's cursor, keys and mouse: moving over the tiles drawn (on a full wall, not onto
the ones counted as "+N more"), keeping the cursor in view, opening a tile."""

from __future__ import annotations

from textual import events
from textual.geometry import Region


class GridCursor:
    """Mixed into :class:`ExtensionGrid` (which holds ``order``, ``shown``, ``columns`` and the
    tile geometry, and defines the ``Opened`` message)."""


    def _move_cursor(self, index: int) -> None:
        if not self.order:
            return
        index = max(0, min(index, self.shown - 1))
        if index == self.cursor:
            return
        old_row = self.cursor // self.columns
        self.cursor = index
        self._refresh_row(old_row)
        self._refresh_row(index // self.columns)
        self._scroll_to_cursor()

    def _scroll_to_cursor(self) -> None:
        if not self.order or not self.size.height:
            return
        row = self.cursor // self.columns
        self.scroll_to_region(
            Region(0, row * self.row_height, 1, self.tile_height), animate=False, immediate=True
        )

    def action_cursor(self, dx: int, dy: int) -> None:
        self._move_cursor(self.cursor + dx + dy * self.columns)

    def action_page(self, direction: int) -> None:
        rows = max(1, self.size.height // self.row_height - 1)
        self._move_cursor(self.cursor + direction * rows * self.columns)

    def action_jump(self, where: int) -> None:
        self._move_cursor(0 if where == 0 else self.shown - 1)

    def select_extension(self, extension: str) -> bool:
        index = self._index.get(extension)
        if index is None:
            return False
        self._move_cursor(index)
        return True

    def key_enter(self) -> None:
        extension = self.highlighted_extension
        if extension is not None:
            self.post_message(self.Opened(extension))

    def tile_at(self, x: int, y: int) -> int | None:
        """The position (in ``order``) of the tile under a point of the widget, or None."""
        line = int(self.scroll_offset.y) + y
        row, within = divmod(line, self.row_height)
        if within >= self.tile_height:
            return None
        column, offset = divmod(x, self.tile_width + self.tile_size.gap)
        if column >= self.columns or offset >= self.tile_width:
            return None
        index = row * self.columns + column
        return index if index < self.shown else None

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = self.tile_at(offset.x, offset.y)
        if index is None:
            return
        self.focus()
        self._move_cursor(index)
        if event.chain >= 2:
            self.post_message(self.Opened(self.order[index]))


__all__ = ["GridCursor"]
