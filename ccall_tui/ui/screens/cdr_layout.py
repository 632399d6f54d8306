"""The call browser's parts and keys: the filter form, the calls table and the detail pane.

- Enter in the form searches and moves to the table; escape leaves the form for the table.
- Letters are actions only where no text field has focus (a key is text or an action, never
  both), so the footer shows the keys of the focused part.
- Escape elsewhere goes back one step: a running fetch, the find box, the detail pane of a
  small terminal, then the screen itself (back to the extensions).
- The form folds to one line in small terminals (``f`` opens it); in short ones the detail pane
  appears when a call is opened.
- ``/`` finds text on the loaded page (``n``/``N`` step through the matches); ``s``/``S`` and
  header clicks sort the page; the server's order is one more ``s`` away.
"""

from __future__ import annotations

from rich.text import Text
from textual import events, on
from textual.app import UnknownModeError
from textual.screen import Screen
from textual.widgets import Input, Static

from ...i18n import _, ngettext
from ..widgets.cdr_form import CdrFilterForm
from ..widgets.cdr_paging import LineInput
from ..widgets.cdr_table import CdrTable

# Below these sizes the form folds to one line (``f`` opens it), and below SHORT the detail
# pane appears only when a call is opened (enter) and leaves with escape.
NARROW_BELOW = 110
FOLD_BELOW_HEIGHT = 40
SHORT_BELOW = 36
# Keys that are a letter (or a bracket): actions only where no text field has focus.
LETTER_ACTIONS = frozenset({
    "focus_form", "find", "focus_table", "reload", "prev_page", "next_page", "first_page",
    "last_page", "goto_page", "pick_causes", "swap", "summary", "summary_all", "export",
    "download", "copy_link", "open_link", "sort_next", "sort_reverse", "find_next",
    "find_previous", "details", "why",
})
FIND_ACTIONS = frozenset({"find_next", "find_previous"})


class BrowserLayout(Screen):
    """Focus, folding, find and sort for :class:`~.cdrs.CdrBrowserScreen`."""

    BINDINGS = []  # the keys are the browser screen's (one list, in the help too)

    form: CdrFilterForm
    table: CdrTable

    # ------------------------------------------------------------------ sizes

    def on_resize(self, event: events.Resize) -> None:
        self._apply_size(event.size.width, event.size.height)

    def _apply_size(self, width: int, height: int) -> None:
        if not width or not height:
            return
        self.set_class(width < NARROW_BELOW, "-narrow")
        self.set_class(height < SHORT_BELOW, "-short")
        self.set_class(width < NARROW_BELOW or height < FOLD_BELOW_HEIGHT, "-small")
        if not self._in_form():
            self._fold_form()

    def _fold_form(self) -> None:
        """The form as one line in a small terminal; whole in a large one."""
        self.form.set_class(self.has_class("-small"), "-collapsed")

    # ------------------------------------------------------------------ focus

    def _in_form(self) -> bool:
        focused = self.focused
        return focused is not None and self.form in focused.ancestors_with_self

    def _typing(self) -> bool:
        """True when keys are text: a field of the form, the find box, the page number."""
        focused = self.focused
        return isinstance(focused, Input) or self._in_form()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in LETTER_ACTIONS and self._typing():
            return False  # neither run nor shown: the key is text here
        if action in FIND_ACTIONS:
            return bool(self.table.needle)
        return True

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        if not self._in_form():
            self._fold_form()

    def _open_details(self) -> None:
        self.add_class("-details-open")

    def _close_details(self) -> bool:
        if self.has_class("-short") and self.has_class("-details-open"):
            self.remove_class("-details-open")
            self.table.focus()
            return True
        return False

    def action_details(self) -> None:
        """Enter outside the table and the form: the detail of the call under the cursor."""
        if self.table.current is not None:
            self.table.action_select_cursor()

    def action_back(self) -> None:
        """Escape: stop a fetch, close the find box or the detail pane, else leave the screen."""
        if self.action_cancel():
            return
        if self.table.needle:
            self._close_find()
            self.table.focus()
            return
        if self._close_details():
            return
        if not self.table.has_focus:
            self.action_focus_table()
            return
        try:
            self.app.switch_mode("monitor")
        except UnknownModeError:  # an app with the browser alone: nothing to go back to
            pass

    # ------------------------------------------------------------------ find

    def action_find(self) -> None:
        self.add_class("-finding")
        box = self.query_one("#find-input", Input)
        box.focus()
        self._show_find_count(len(self.table.matches))

    @on(Input.Changed, "#find-input")
    def _find_typed(self, event: Input.Changed) -> None:
        event.stop()
        total = self.table.find(event.value)
        self._show_find_count(total)

    @on(Input.Submitted, "#find-input")
    def _find_submitted(self, event: Input.Submitted) -> None:
        """Enter: to the table on the first match; n/N go on from there."""
        event.stop()
        if not event.value.strip():
            self._close_find()
        self.table.focus()
        self.refresh_bindings()

    def _show_find_count(self, total: int) -> None:
        count = self.query_one("#find-count", Static)
        needle = self.table.needle.strip()
        if not needle:
            count.update(Text(_("this page only; f filters what the server sends"), style="dim"))
            return
        if not total:
            count.update(Text(_("no match on this page"), style="bold"))
            return
        position = self.table.match_position()
        text = (
            _("{position} of {total}").format(position=position, total=total) if position
            else ngettext("{total} match", "{total} matches", total).format(total=total)
        )
        count.update(Text(text + "  " + _("n next · N previous · esc ends"), style="dim"))

    @on(CdrTable.FindMoved)
    def _find_moved(self, event: CdrTable.FindMoved) -> None:
        event.stop()
        self._show_find_count(event.total)

    def _close_find(self) -> None:
        self.remove_class("-finding")
        box = self.query_one("#find-input", Input)
        with box.prevent(Input.Changed):
            box.value = ""
        self.table.find("")
        self.query_one("#find-count", Static).update(Text(""))
        self.refresh_bindings()

    @on(LineInput.Left)
    def _line_left(self, event: LineInput.Left) -> None:
        """Escape in the find box or the page number: back to the table (they are not the form)."""
        event.stop()
        if event.input.id == "find-input":
            self._close_find()
        else:
            event.input.value = ""
            event.input.remove_class("-invalid")
        self.action_focus_table()

    def action_find_next(self) -> None:
        self.table.action_find_next()

    def action_find_previous(self) -> None:
        self.table.action_find_previous()

    # ------------------------------------------------------------------ sort

    def action_sort_next(self) -> None:
        self.table.action_sort_next()

    def action_sort_reverse(self) -> None:
        self.table.action_sort_reverse()

    @on(CdrTable.OrderChanged)
    def _order_changed(self, event: CdrTable.OrderChanged) -> None:
        event.stop()
        order = event.order
        if order.column is None:
            self.set_status(_("In the server's order."))
        else:
            label = self.table.label_of(order.column)
            self.set_status(
                (_("Sorted by {column}, descending (S reverses, s next column).") if order.descending
                 else _("Sorted by {column} (S reverses, s next column).")).format(column=label)
            )
        if self.table.needle:
            self._show_find_count(len(self.table.matches))
