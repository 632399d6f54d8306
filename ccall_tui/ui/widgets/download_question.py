"""Ask before a recording download does something the user did not choose: follow a link to
another host, or write a file larger than the cap. The target address is shown in full."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...api.download import RedirectElsewhere, TooLarge
from ...i18n import _
from .confirm import ConfirmDialog

QUESTIONS = (RedirectElsewhere, TooLarge)


def ask_before_download(screen: Any, error: Exception, url: str, target: Path) -> None:
    """Show ``error`` (a redirect elsewhere or a recording over the cap) as a question; on yes,
    start ``screen.download`` again from the shown address or without the cap."""
    if isinstance(error, RedirectElsewhere):
        dialog = ConfirmDialog(
            _("The recording link leads to another host. Download from this address?"),
            _("Download from there"),
            detail=error.target,
        )

        def answered(yes: bool | None) -> None:
            if yes:
                screen.download(error.target, target)

    elif isinstance(error, TooLarge):
        dialog = ConfirmDialog(
            _("{reason} Download it anyway?").format(reason=error.message), _("Download anyway")
        )

        def answered(yes: bool | None) -> None:
            if yes:
                screen.download(url, target, max_bytes=error.size)

    else:  # pragma: no cover - only the two questions are passed in
        return
    screen.app.push_screen(dialog, answered)
