"""The call-record filter form: every filter of ``/cdrs/json``, checked before anything is sent."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Callable

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from rich.text import Text
from textual.containers import Container, Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, Select, SelectionList, Static
from textual.widgets.selection_list import Selection

from ...api.cdrs import DIRECTIONS, HANGUP_CAUSES
from ...i18n import N_, _, ngettext
from ..translate import translate_bindings
from ...monitor import cdr_filter as cf
from ...monitor.format import direction_word

try:  # written alongside; fall back to the bare code when it is missing
    from ...causes import short as cause_short
except ImportError:  # pragma: no cover
    def cause_short(cause: str | None) -> str:
        return ""


def direction_options() -> list[tuple[Content, str]]:
    return [(Content(_("All directions")), "")] + [(Content(direction_word(d)), d) for d in DIRECTIONS]


class FormInput(Input):
    """A text field of the filter form: Enter searches (and says so in the footer)."""

    BINDINGS = [Binding("enter", "submit", N_("Search"))]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        translate_bindings(self)


class FormSelect(Select):
    """A list of the filter form: Enter searches like everywhere in the form; space or the
    arrow keys open the list."""

    BINDINGS = [
        Binding("enter", "search", N_("Search")),
        Binding("down,space,up", "show_overlay", N_("Open list"), show=False),
    ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        translate_bindings(self)

    def action_search(self) -> None:
        form = next((a for a in self.ancestors if isinstance(a, CdrFilterForm)), None)
        if form is not None:
            form.post_message(CdrFilterForm.SearchRequested(form.value))


class CausePicker(ModalScreen[tuple[str, ...] | None]):
    """Pick one or several hangup causes, each with a short plain-language label."""

    DEFAULT_CSS = """
    CausePicker { align: center middle; }
    CausePicker > Vertical {
        width: 64; max-width: 95%; height: 80%; border: round $primary; background: $surface;
        padding: 0 1;
    }
    CausePicker SelectionList { height: 1fr; border: none; }
    CausePicker .hint { color: $text-muted; height: auto; }
    CausePicker Horizontal { height: auto; align-horizontal: right; }
    CausePicker Button { margin-left: 1; }
    """
    BINDINGS = [
        Binding("escape", "cancel", N_("Cancel")),
        Binding("ctrl+s", "done", N_("Use these causes")),
        Binding("a", "none", N_("Clear")),
    ]

    def __init__(self, selected: tuple[str, ...]) -> None:
        super().__init__()
        translate_bindings(self)
        self._selected = set(selected)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(
                Content(_("Hangup causes — space toggles, enter or ctrl+s confirms, a clears")),
                classes="hint",
            )
            yield SelectionList[str](
                *(
                    Selection(
                        Content.assemble((cause, "bold"), "  ", (cause_short(cause), "dim")),
                        cause,
                        cause in self._selected,
                    )
                    for cause in HANGUP_CAUSES
                ),
                id="cause-list",
            )
            with Horizontal():
                yield Button(Content(_("Clear")), id="cause-clear", compact=True)
                yield Button(Content(_("Cancel")), id="cause-cancel", compact=True)
                yield Button(Content(_("Use these causes")), id="cause-ok", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.query_one(SelectionList).focus()

    def on_key(self, event) -> None:
        if event.key == "enter":
            event.stop()
            self.action_done()

    def action_done(self) -> None:
        chosen = set(self.query_one(SelectionList).selected)
        self.dismiss(tuple(c for c in HANGUP_CAUSES if c in chosen))

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_none(self) -> None:
        self.query_one(SelectionList).deselect_all()

    @on(Button.Pressed, "#cause-ok")
    def _ok(self) -> None:
        self.action_done()

    @on(Button.Pressed, "#cause-cancel")
    def _cancel(self) -> None:
        self.action_cancel()

    @on(Button.Pressed, "#cause-clear")
    def _clear(self) -> None:
        self.action_none()


class Field(Vertical):
    """One input in a frame titled with its name, and a message line inside the frame shown
    only when the value is wrong (the frame turns red)."""

    def __init__(self, label: str, control: Widget, name: str) -> None:
        super().__init__(classes=f"field field-{name}")
        self.border_title = label  # our own words: safe as a title
        self.control = control
        self.field_name = name

    def compose(self) -> ComposeResult:
        yield self.control  # the message line is added the first time there is one (cheaper screen)

    def show_error(self, message: str | None) -> None:
        self.control.set_class(bool(message), "-invalid")
        self.set_class(bool(message), "-invalid")
        found = self.query(".field-error")
        if not found:
            if message:
                self.mount(Static(Content(message), classes="field-error", markup=False))
            return
        error = found.first(Static)
        error.update(Content(message or ""))
        error.display = bool(message)


class CdrFilterForm(Vertical):
    """The filter form. ``value`` reads it, ``load()`` writes it, ``SearchRequested`` asks to
    search and carries what it holds."""

    class SearchRequested(Message):
        """The user asked to search with ``filter``, what the form holds."""

        def __init__(self, filter: cf.CdrFilter) -> None:
            super().__init__()
            self.filter = filter

    class Left(Message):
        """The user left the form (escape): back to the table."""

    BINDINGS = [
        Binding("escape", "leave", N_("Back to the table")),
    ]

    def __init__(self, form: cf.CdrFilter, now: Callable[[], datetime], **kwargs) -> None:
        super().__init__(**kwargs)
        translate_bindings(self)
        self._initial = form
        self._now = now
        self._causes: tuple[str, ...] = form.causes
        self._preset: str | None = form.preset
        self._preset_dates: tuple[str, str] | None = (
            (form.date_from, form.date_to) if form.preset else None
        )

    def compose(self) -> ComposeResult:
        form = self._initial
        hint = cf.DATE_HINT
        preset_options = [(Content(_(label)), key) for key, label in cf.PRESETS.items()]
        yield Static(self.summary_line(form), id="form-line")
        with Container(id="form-grid"):
            yield Field(_("From"), FormInput(form.date_from, placeholder=hint, id="f-date_from", compact=True), "date_from")
            yield Field(_("To"), FormInput(form.date_to, placeholder=hint, id="f-date_to", compact=True), "date_to")
            yield Field(
                _("Preset"),
                FormSelect(preset_options, prompt=_("Custom"), value=form.preset or Select.NULL, id="f-preset", compact=True),
                "preset",
            )
            yield Field(
                _("Direction"),
                FormSelect(direction_options(), allow_blank=False, value=form.direction, id="f-direction", compact=True),
                "direction",
            )
            yield Field(
                _("Rows"),
                FormSelect([(Content(str(n)), n) for n in cf.PAGE_SIZES], allow_blank=False, value=form.limit, id="f-limit", compact=True),
                "limit",
            )
            yield Field(_("Source"), FormInput(form.source, id="f-source", compact=True), "source")
            yield Field(_("Destination"), FormInput(form.destination, id="f-destination", compact=True), "destination")
            yield Field(_("Caller name"), FormInput(form.cid_name, id="f-cid_name", compact=True), "cid_name")
            yield Field(_("Hangup causes"), Button(self._causes_label(), id="f-causes", compact=True), "causes")
            with Vertical(classes="field-search"):
                yield Button(Content(_("Search")), id="f-search", variant="primary", compact=True)

    def summary_line(self, form: cf.CdrFilter) -> Text:
        """The whole filter on one line, for the folded form (``f`` opens it)."""
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append("f", style="bold")
        line.append(" " + _("Filter") + "  ", style="dim")
        parts: list[str] = []
        if form.preset in cf.PRESETS:
            parts.append(_(cf.PRESETS[form.preset]))
        start, end = form.date_from.strip(), form.date_to.strip()
        if start[:10] and start[:10] == end[:10] and len(end) > 10:
            end = end[10:].strip()  # same day: the date once
        parts.append(f"{start or '…'} → {end or '…'}")
        parts.append(direction_word(form.direction) if form.direction else _("All directions"))
        for label, value in ((_("Source"), form.source), (_("Destination"), form.destination),
                             (_("Caller name"), form.cid_name)):
            if value.strip():
                parts.append(f"{label} {value.strip()}")
        if form.causes:
            parts.append(form.causes[0] if len(form.causes) == 1 else ngettext(
                "{count} cause", "{count} causes", len(form.causes)).format(count=len(form.causes)))
        parts.append(_("{count} rows").format(count=form.limit))
        line.append(" · ".join(parts))  # what the user typed: literal text
        return line

    def refresh_summary(self, form: cf.CdrFilter | None = None) -> None:
        self.query_one("#form-line", Static).update(self.summary_line(form or self.value))

    # ------------------------------------------------------------------ value

    @property
    def value(self) -> cf.CdrFilter:
        def text(name: str) -> str:
            return self.query_one(f"#f-{name}", Input).value

        direction = self.query_one("#f-direction", Select).value
        limit = self.query_one("#f-limit", Select).value
        date_from, date_to = text("date_from"), text("date_to")
        preset = self._preset if self._preset_dates == (date_from, date_to) else None
        return cf.CdrFilter(
            date_from=date_from,
            date_to=date_to,
            direction=direction if isinstance(direction, str) else "",
            causes=self._causes,
            source=text("source"),
            destination=text("destination"),
            cid_name=text("cid_name"),
            limit=limit if isinstance(limit, int) else cf.DEFAULT_PAGE_SIZE,
            preset=preset,
        )

    def load(self, form: cf.CdrFilter) -> None:
        """Put ``form`` into the widgets (errors cleared)."""
        for name in ("date_from", "date_to", "source", "destination", "cid_name"):
            self.query_one(f"#f-{name}", Input).value = getattr(form, name)
        self.query_one("#f-direction", Select).value = form.direction
        self.query_one("#f-limit", Select).value = form.limit if form.limit in cf.PAGE_SIZES else cf.DEFAULT_PAGE_SIZE
        self._preset = form.preset
        self._preset_dates = (form.date_from, form.date_to) if form.preset else None
        self.query_one("#f-preset", Select).value = form.preset or Select.NULL
        self.set_causes(form.causes)
        self.show_errors({})

    def set_causes(self, causes: tuple[str, ...]) -> None:
        self._causes = tuple(c for c in HANGUP_CAUSES if c in causes)
        self.query_one("#f-causes", Button).label = self._causes_label()

    def _causes_label(self) -> Content:
        if not self._causes:
            return Content(_("All causes"))
        if len(self._causes) == 1:
            return Content(self._causes[0])
        return Content(
            ngettext("{count} cause", "{count} causes", len(self._causes)).format(count=len(self._causes))
        )

    def show_errors(self, errors: dict[str, str]) -> None:
        for item in self.query(Field):
            item.show_error(errors.get(item.field_name))

    def focus_first(self) -> None:
        self.query_one("#f-date_from", Input).focus()

    def focus_field(self, name: str) -> None:
        self.query_one(f"#f-{name}").focus()

    def action_leave(self) -> None:
        self.post_message(self.Left())

    def on_click(self, event: events.Click) -> None:
        """A click on the folded one-line form opens it, as ``f`` does."""
        if self.has_class("-collapsed"):
            event.stop()
            self.remove_class("-collapsed")
            self.focus_first()


    # ------------------------------------------------------------------ events

    @on(Input.Changed)
    def _check_field(self, event: Input.Changed) -> None:
        name = (event.input.id or "").removeprefix("f-")
        tz = self._now().tzinfo
        if name in ("date_from", "date_to") and tz is not None:
            message = cf.check_date(event.value, tz, end=name == "date_to")
            if self._preset_dates is not None and self._current_dates() != self._preset_dates:
                self._preset = None
                self._preset_dates = None
                self.query_one("#f-preset", Select).value = Select.NULL
        elif name in ("source", "destination"):
            message = cf.check_number(event.value)
        elif name == "cid_name":
            message = cf.check_name(event.value)
        else:
            return
        for item in self.query(Field):
            if item.field_name == name:
                item.show_error(message)

    def _current_dates(self) -> tuple[str, str]:
        return (self.query_one("#f-date_from", Input).value, self.query_one("#f-date_to", Input).value)

    @on(Select.Changed, "#f-preset")
    def _preset_chosen(self, event: Select.Changed) -> None:
        event.stop()
        key = event.value
        if not isinstance(key, str) or key not in cf.PRESETS:
            return
        form = cf.apply_preset(self.value, key, self._now())
        self._preset = key
        self._preset_dates = (form.date_from, form.date_to)
        self.query_one("#f-date_from", Input).value = form.date_from
        self.query_one("#f-date_to", Input).value = form.date_to

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.SearchRequested(self.value))

    @on(Button.Pressed, "#f-search")
    def _search(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.SearchRequested(self.value))

    @on(Button.Pressed, "#f-causes")
    def _pick_causes(self, event: Button.Pressed) -> None:
        event.stop()
        self.pick_causes()

    def pick_causes(self, then: Callable[[], None] | None = None) -> None:
        """Open the cause picker; ``then`` runs after causes were chosen (not on cancel)."""

        def chosen(causes: tuple[str, ...] | None) -> None:
            if causes is not None:
                self.set_causes(causes)
                if then is not None:
                    then()

        self.app.push_screen(CausePicker(self._causes), chosen)

    def replace_value(self, **changes) -> cf.CdrFilter:
        """Change some fields (e.g. source/destination) and return the whole new form."""
        form = replace(self.value, **changes)
        self.load(form)
        return form
