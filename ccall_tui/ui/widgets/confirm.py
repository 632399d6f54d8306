"""A yes/no question before something that cannot be undone from the screen."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from ...i18n import N_, _
from ..translate import translate_bindings


class ConfirmDialog(ModalScreen[bool]):
    """Dismisses with True (the action's button, or ``y``) or False (Cancel, ``n``, Esc)."""

    DEFAULT_CSS = """
    ConfirmDialog { align: center middle; }
    ConfirmDialog > Vertical {
        width: 76; max-width: 95%; height: auto;
        border: round $warning; background: $surface; padding: 1 2;
    }
    ConfirmDialog #confirm-detail { color: $text-warning; margin-top: 1; }
    ConfirmDialog Horizontal { height: auto; margin-top: 1; align-horizontal: right; }
    ConfirmDialog Button { margin-left: 2; }
    """
    BINDINGS = [
        Binding("escape,n", "answer(False)", N_("Cancel")),
        Binding("y", "answer(True)", N_("Yes")),
    ]

    def __init__(self, question: str, action: str, detail: str = "") -> None:
        """``detail`` (e.g. the address a download would come from) is shown under the question;
        all three may hold text from outside and are never read as markup."""
        super().__init__()
        translate_bindings(self)
        self.question = question
        self.action_label = action
        self.detail = detail

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.question), id="confirm-question")
            if self.detail:
                yield Static(Text(self.detail), id="confirm-detail")
            with Horizontal():
                yield Button(Text(_("Cancel")), id="confirm-no")
                yield Button(Text(self.action_label), id="confirm-yes", variant="warning")

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm-yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
