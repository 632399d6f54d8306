"""Every use of a private Textual API, in one place, each with its test in
tests/test_textual_compat.py. Textual is pinned (pyproject.toml) to the version those tests pass
on: when an upgrade breaks one, the test names the touch point, and only this module changes.

Each function says why the public API is not enough.
"""

from __future__ import annotations

import contextlib
import queue
from collections.abc import Iterable
from typing import Any

from textual.app import App
from textual.binding import Binding
from textual.dom import DOMNode
from textual.geometry import Size
from textual.screen import Screen
from textual.widgets import DataTable, Footer
from textual.widgets.data_table import RowKey
from textual.widgets._footer import FooterKey  # the footer's key widgets: no public name

__all__ = [
    "FixedSizeRowsTable",
    "FooterKey",
    "bindings_ready",
    "drop_terminal_output",
    "key_to_bindings",
    "mark_bindings_ready",
    "mode_screens",
    "same_styles_as_app",
    "styles_current",
]


def key_to_bindings(node: DOMNode) -> dict[str, list[Binding]]:
    """A node's own bindings by key, to rewrite their descriptions in the language chosen at run
    time (bindings are declared at import, before the language is known). Public API only reads
    the merged active bindings, which cannot be changed."""
    return node._bindings.key_to_bindings


def bindings_ready(footer: Footer) -> bool:
    """Whether the footer has had its first bindings signal (before it, it composes no keys)."""
    return bool(footer._bindings_ready)


def mark_bindings_ready(footer: Footer) -> None:
    footer._bindings_ready = True


def drop_terminal_output(app: App[Any]) -> bool:
    """Drop what the app has left to write, for a terminal that is gone. Textual's driver
    queues each write for its output thread, which dies at its first failed write; the queue
    then fills (30 writes) and the next write, or the driver's stop, waits forever. There is
    no public way to tell the driver its terminal is gone. True when it was done."""
    writer = getattr(getattr(app, "_driver", None), "_writer_thread", None)
    pending = getattr(writer, "_queue", None)
    if writer is None or not isinstance(pending, queue.Queue):
        return False

    def stop() -> None:
        with contextlib.suppress(queue.Full):
            pending.put_nowait(None)  # a live thread ends; a dead one is not waited for

    writer.write = lambda text: None
    writer.stop = stop
    return True


def mode_screens(app: App[Any], mode: str | None = None) -> list[Screen[Any]]:
    """The screens of one mode's stack (or of every mode), bottom first. ``App.screen_stack``
    only shows the current mode's."""
    stacks = app._screen_stacks
    if mode is not None:
        return list(stacks.get(mode, ()))
    return [screen for stack in stacks.values() for screen in stack]


def same_styles_as_app(screen: Screen[Any], app: App[Any]) -> Screen[Any]:
    """Mark a new screen as styled by the app's current stylesheet, so Textual does not reapply
    every style when it first shows (its rules are already parsed: CSS_PATH holds them all)."""
    screen._css_update_count = app._css_update_count
    return screen


def styles_current(screen: Screen[Any], app: App[Any]) -> bool:
    """No stylesheet or theme change since the screen last had its styles applied."""
    return bool(getattr(screen, "_css_update_count", None) == app._css_update_count)


class FixedSizeRowsTable(DataTable[Any]):
    """A DataTable whose columns all have fixed widths and whose rows are one line each: it is
    sized without measuring every new cell. DataTable measures each new cell (in the private
    ``_update_dimensions``) to size auto-width columns; for a 500-row page that is 5,500
    measurements and most of the time a page takes to appear. With an auto-width column it
    measures as DataTable does."""

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        if any(column.auto_width for column in self.columns.values()):
            super()._update_dimensions(new_rows)
            return
        width = sum(column.get_render_width(self) for column in self.columns.values())
        header = self.header_height if self.show_header else 0
        self.virtual_size = Size(width + self._row_label_column_width, self._total_row_height + header)

    def column_width_changed(self) -> None:
        """After a column's ``width`` was set by hand: drop the rendered rows and resize. DataTable
        has no public way to say so (it only re-measures when rows or columns are added)."""
        self._clear_caches()
        self._update_dimensions([])
