"""``?``: every key of the screen underneath, and the app's own."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ...i18n import N_, _
from ...monitor.states import ExtensionState
from ..translate import translate_bindings


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 72; max-width: 95%; height: auto; max-height: 90%;
        border: round $accent; background: $surface; padding: 1 2;
    }
    """
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", N_("Close"))]

    def __init__(self) -> None:
        super().__init__()
        translate_bindings(self)

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(self._help_text(), markup=False)

    def _help_text(self) -> Text:
        stack = self.app.screen_stack
        under = stack[-2] if len(stack) >= 2 else None
        text = Text()
        text.append(_("Keys") + "\n\n", style="bold")
        seen: set[str] = set()
        sources = []
        if under is not None:
            title = getattr(under, "HELP_TITLE", "")
            sources.append((_(title) if title else type(under).__name__, under))
        sources.append((_("Everywhere"), self.app))
        for title, node in sources:
            rows = []
            for binding in _bindings_of(node):
                if not binding.description or binding.action in seen:
                    continue
                seen.add(binding.action)
                keys = binding.key_display or ", ".join(binding.key.split(","))
                rows.append((keys, _(binding.description)))
            if not rows:
                continue
            text.append(str(title) + "\n", style="bold underline")
            for keys, description in rows:
                text.append(f"  {keys:<16}", style="bold")
                text.append(f"{description}\n")
            text.append("\n")
            note = getattr(node, "HELP_NOTE", "") if node is under else ""
            if note:  # what the screen's keys do together, in a few sentences
                text.append(_(note) + "\n\n")
        if getattr(under, "HELP_STATES", False):
            text.append(_("States") + "\n", style="bold underline")
            for state, meaning in _state_legend():
                text.append(f"  {state.glyph} {state.label:<14}", style="bold")
                text.append(f"{meaning}\n")
            text.append("\n")
        text.append(_("Ctrl+P opens the command palette: every action, found by name."), style="italic")
        return text


def _state_legend() -> list[tuple[ExtensionState, str]]:
    """The five words the board, the details, the wall and `ccall-tui ext` use, explained."""
    return [
        (ExtensionState.ONLINE, _("registered now: at least one phone answered the last poll")),
        (ExtensionState.UNREACHABLE, _("registered, but no phone answers the PBX's pings (or too slowly): calls may not ring")),
        (ExtensionState.OFFLINE, _("was registered before, not in the last answer")),
        (ExtensionState.NEVER_SEEN, _("known from the roster or call records, never seen registered")),
        (ExtensionState.UNKNOWN, _("no good answer from the server yet: nothing is known")),
    ]


def _bindings_of(node) -> list[Binding]:
    found: list[Binding] = []
    for cls in type(node).__mro__:
        if not cls.__module__.startswith("ccall_tui"):
            continue  # Textual's own generic keys (focus, copy) are not this app's to explain
        for binding in getattr(cls, "BINDINGS", []) or []:
            if isinstance(binding, Binding):
                found.append(binding)
            elif isinstance(binding, tuple) and len(binding) >= 3:
                found.append(Binding(*binding))
    return found
