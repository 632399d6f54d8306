"""Ask before a recording download does something the user did not choose: follow a link to
another host, or write a file larger than the cap. The target address is shown in full."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from ...api.download import RedirectElsewhere, TooLarge
from ...i18n import N_, _
from ..translate import translate_bindings

QUESTIONS = (RedirectElsewhere, TooLarge)


class DownloadQuestion(ModalScreen[bool]):
    """Dismisses with True (the action's button, or ``y``) or False (Cancel, ``n``, Esc)."""

    DEFAULT_CSS = """
    DownloadQuestion { align: center middle; }
    DownloadQuestion > Vertical {
        width: 76; max-width: 95%; height: auto;
        border: round $warning; background: $surface; padding: 1 2;
    }
    DownloadQuestion #question-target { color: $text-warning; margin-top: 1; }
    DownloadQuestion Horizontal { height: auto; margin-top: 1; align-horizontal: right; }
    DownloadQuestion Button { margin-left: 2; }
    """
    BINDINGS = [
        Binding("escape,n", "answer(False)", N_("Cancel")),
        Binding("y", "answer(True)", N_("Yes")),
    ]

    def __init__(self, question: str, target: str, action: str) -> None:
        super().__init__()
        translate_bindings(self)
        self.question = question
        self.target = target
        self.action_label = action

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.question), id="question-text")
            if self.target:
                yield Static(Text(self.target), id="question-target")
            with Horizontal():
                yield Button(Text(_("Cancel")), id="question-no", compact=True)
                yield Button(Text(self.action_label), id="question-yes", variant="warning", compact=True)

    def on_mount(self) -> None:
        self.query_one("#question-no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "question-yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


def ask_before_download(screen: Any, error: Exception, url: str, target: Path) -> None:
    """Show ``error`` (a redirect elsewhere or a recording over the cap) as a question; on yes,
    start ``screen.download`` again from the shown address or without the cap."""
    if isinstance(error, RedirectElsewhere):
        dialog = DownloadQuestion(
            _("The recording link leads to another host. Download from this address?"),
            error.target,
            _("Download from there"),
        )

        def answered(yes: bool | None) -> None:
            if yes:
                screen.download(error.target, target)

    elif isinstance(error, TooLarge):
        dialog = DownloadQuestion(
            _("{reason} Download it anyway?").format(reason=error.message), "", _("Download anyway")
        )

        def answered(yes: bool | None) -> None:
            if yes:
                screen.download(url, target, max_bytes=error.size)

    else:  # pragma: no cover - only the two questions are passed in
        return
    screen.app.push_screen(dialog, answered)
