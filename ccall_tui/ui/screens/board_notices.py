"""What the board screen says in notices: wrong credentials, a refused growth of what is
remembered, and watched extensions going offline (with the terminal's bell)."""

from __future__ import annotations

from typing import Any

from ...i18n import _


def credentials_refused(screen: Any, message: str) -> None:
    screen.notify(
        _("{message} Retrying every few minutes; press l to log in again.").format(message=message.rstrip(".") + "."),
        title=_("Wrong credentials"), severity="error", timeout=10, markup=False,
    )


def growth_refused(screen: Any, count: int, limit: int) -> None:
    screen.notify(
        _("The server listed {count} extensions not seen before: shown, but not remembered (limit {limit}).").format(
            count=count, limit=limit
        ),
        severity="warning", timeout=15, markup=False,
    )


def watched_offline(screen: Any, extensions: list[str]) -> None:
    if not extensions:
        return
    screen.app.bell()
    for ext in extensions:
        tile = screen.feed.board.get(ext)
        name = tile.name if tile and tile.name else ""
        screen.notify(
            _("Watched extension {ext} {name} went offline.").format(ext=ext, name=name).replace("  ", " "),
            title=_("Offline"), severity="warning", timeout=15, markup=False,
        )
