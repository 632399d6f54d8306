"""Pick another profile (another tenant or server) without leaving the app."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ...api.text import mask_url
from ...i18n import N_, _
from ..translate import translate_bindings


class ProfilePicker(ModalScreen[str | None]):
    """Dismisses with the chosen profile's name, or None."""

    DEFAULT_CSS = """
    ProfilePicker { align: center middle; }
    ProfilePicker > Vertical {
        width: 60; max-width: 95%; height: auto; max-height: 80%;
        border: round $accent; background: $surface; padding: 1 2;
    }
    ProfilePicker OptionList { height: auto; max-height: 20; margin-top: 1; }
    """
    BINDINGS = [Binding("escape", "cancel", N_("Cancel"))]

    def __init__(self, profiles: list[tuple[str, str]], current: str) -> None:
        super().__init__()
        translate_bindings(self)
        self.profiles = profiles
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(_("Switch profile"), style="bold"))
            options = []
            for name, base_url in self.profiles:
                label = Text()
                label.append(("● " if name == self.current else "  ") + name, style="bold")
                label.append("  " + mask_url(base_url), style="dim")
                options.append(Option(label, id=name))
            yield OptionList(*options, id="profiles")

    def on_mount(self) -> None:
        picker = self.query_one(OptionList)
        names = [name for name, _url in self.profiles]
        if self.current in names:
            picker.highlighted = names.index(self.current)
        picker.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
