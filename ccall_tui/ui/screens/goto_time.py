"""``g``: "go to time", a small question for the moment to rewind the board to."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from ...i18n import N_, _
from ..rewind_time import MomentError, parse_moment
from ..translate import translate_bindings


class GoToTime(ModalScreen[datetime | None]):
    """Asks for a moment (``10:42``, ``yesterday 18:00``, ``2026-11-30 18:00``, ``-2h``);
    dismissed with the minute meant, or None (Esc). A wrong entry is explained on the spot."""

    DEFAULT_CSS = """
    GoToTime { align: center middle; }
    GoToTime > Vertical {
        width: 64; max-width: 95%; height: auto;
        border: round $accent; background: $surface; padding: 0 1;
    }
    GoToTime #goto-hint { color: $text-muted; }
    GoToTime #goto-error { color: $error; text-style: bold; height: auto; }
    """
    BINDINGS = [Binding("escape", "dismiss_none", N_("Cancel"))]

    def __init__(self, now: Callable[[], datetime], value: str = "") -> None:
        super().__init__()
        translate_bindings(self)
        self.now = now
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = _("Go to time (PBX time)")
            yield Static(
                Text(_("10:42 · yesterday 18:00 · 2026-11-30 18:00 · -2h · Enter shows the board then")),
                id="goto-hint",
            )
            yield Input(value=self.value, placeholder=_("When?"), id="goto-input")
            yield Static("", id="goto-error", markup=False)

    def on_mount(self) -> None:
        self.query_one("#goto-input", Input).focus()

    @on(Input.Submitted, "#goto-input")
    def _submitted(self, event: Input.Submitted) -> None:
        try:
            moment = parse_moment(event.value, self.now())
        except MomentError as exc:
            self.query_one("#goto-error", Static).update(Text(str(exc)))
            return
        self.dismiss(moment)

    @on(Input.Changed, "#goto-input")
    def _changed(self, _event: Input.Changed) -> None:
        self.query_one("#goto-error", Static).update("")

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


__all__ = ["GoToTime"]
