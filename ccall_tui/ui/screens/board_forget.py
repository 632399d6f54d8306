"""Forgetting an extension from the board: the question, and what the board says after.

The feed does the forgetting (the board, the seen store of every instance on this profile and
server); this asks first and draws the outcome.
"""

from __future__ import annotations

from typing import Any

from ...i18n import _
from ...monitor.states import ExtensionState


def ask_to_forget(screen: Any) -> None:
    """Ask about the highlighted extension of a board screen, and forget it on yes."""
    extension = screen.grid.highlighted_extension
    board = screen.feed.board
    tile = board.get(extension) if extension is not None else None
    if tile is None:
        return
    if tile.state is ExtensionState.ONLINE:
        screen.notify(
            _("{ext} is online now; only extensions that are not online can be forgotten.").format(ext=extension),
            markup=False,
        )
        return
    if extension in board.roster and extension not in board.seen:
        screen.notify(
            _("{ext} is in the configured roster and was never seen online: nothing to forget.").format(
                ext=extension
            ),
            markup=False,
        )
        return
    from ..widgets.confirm import ConfirmDialog

    if extension in board.roster:
        question = _("Forget that {ext} was seen online? It stays on the board: it is in the configured roster.")
    else:
        question = _("Forget {ext}? It leaves the board until it registers again; call records do not "
                     "bring it back.")

    def answered(yes: bool | None) -> None:
        if yes:
            forget(screen, extension)

    screen.app.push_screen(ConfirmDialog(question.format(ext=extension), _("Forget")), answered)


def forget(screen: Any, extension: str) -> None:
    outcome = screen.feed.forget(extension)
    if outcome not in ("forgotten", "roster"):
        return
    if outcome == "forgotten":
        screen.grid.rebuild()
    else:
        screen.grid.refresh_extensions([extension])
    screen._render_header()
    message = (
        _("{ext} forgotten.") if outcome == "forgotten"
        else _("{ext} forgotten; it stays on the board as never seen: it is in the configured roster.")
    )
    screen.notify(message.format(ext=extension), markup=False)
