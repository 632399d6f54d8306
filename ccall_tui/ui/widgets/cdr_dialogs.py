"""Ask where an export or a recording goes; never overwrite without a second, explicit yes."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from ...i18n import N_, _
from ..translate import translate_bindings
from ...monitor.recordings import EXPORT_FORMATS, TargetError, export_format, export_target, target_in

_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{
    width: 80; max-width: 95%; height: auto; border: round $primary; background: $surface;
    padding: 0 1;
}}
{name} .title {{ text-style: bold; height: 1; }}
{name} .message {{ color: $warning; height: auto; }}
{name} .message.-error {{ color: $error; }}
{name} .note {{ color: $text-muted; height: auto; }}
{name} Input {{ margin: 0 0 1 0; }}
{name} Horizontal {{ height: auto; align-horizontal: right; }}
{name} Button {{ margin-left: 1; }}
"""


class _TargetDialog(ModalScreen):
    BINDINGS = [Binding("escape", "cancel", N_("Cancel"))]

    def __init__(self) -> None:
        super().__init__()
        translate_bindings(self)
        self._confirmed: Path | None = None

    def _message(self, text: str, *, error: bool = False) -> None:
        message = self.query_one(".message", Static)
        message.update(Content(text))
        message.set_class(error, "-error")

    def _ask_overwrite(self, target: Path) -> None:
        self._confirmed = target
        self._message(_("{path} exists. Press Overwrite to replace it, or change the name.").format(path=target))
        self.query_one("#dialog-ok", Button).label = Content(_("Overwrite"))
        self.query_one("#dialog-ok", Button).variant = "warning"

    def _reset_confirm(self) -> None:
        if self._confirmed is not None:
            self._confirmed = None
            self._message("")
            button = self.query_one("#dialog-ok", Button)
            button.label = Content(self.OK_LABEL())
            button.variant = "primary"

    @staticmethod
    def OK_LABEL() -> str:
        return _("Save")

    def _buttons(self) -> ComposeResult:
        with Horizontal():
            yield Button(Content(_("Cancel")), id="dialog-cancel", compact=True)
            yield Button(Content(self.OK_LABEL()), id="dialog-ok", variant="primary", compact=True)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#dialog-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#dialog-ok")
    @on(Input.Submitted)
    def _ok(self) -> None:
        self.confirm()

    def confirm(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


class ExportDialog(_TargetDialog):
    """Where to export every page of the current filter, and as CSV or JSON."""

    DEFAULT_CSS = _CSS.format(name="ExportDialog")

    def __init__(self, default_path: Path, pages_note: str = "") -> None:
        super().__init__()
        self._default = default_path
        self._note = pages_note

    @staticmethod
    def OK_LABEL() -> str:
        return _("Export")

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Content(_("Export every page of the current filter")), classes="title")
            if self._note:
                yield Static(Content(self._note), classes="note")
            yield Label(Content(_("File")))
            yield Input(str(self._default), id="export-path")
            yield Select(
                [(Content("CSV"), "csv"), (Content("JSON"), "json")],
                allow_blank=False, value=export_format(self._default), id="export-format", compact=True,
            )
            yield Static("", classes="message", markup=False)
            yield from self._buttons()

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()

    @on(Input.Changed, "#export-path")
    def _path_changed(self) -> None:
        self._reset_confirm()

    @on(Select.Changed, "#export-format")
    def _format_changed(self, event: Select.Changed) -> None:
        event.stop()
        fmt = event.value
        path_input = self.query_one("#export-path", Input)
        path = Path(path_input.value.strip() or str(self._default))
        if isinstance(fmt, str) and path.suffix.lower().lstrip(".") in EXPORT_FORMATS and path.suffix.lower() != "." + fmt:
            path_input.value = str(path.with_suffix("." + fmt))

    def confirm(self) -> None:
        text = self.query_one("#export-path", Input).value
        try:
            target = export_target(text)
        except TargetError as exc:
            self._message(exc.message, error=True)
            return
        fmt = self.query_one("#export-format", Select).value
        fmt = export_format(target, fmt if isinstance(fmt, str) else "csv")
        if target.exists() and self._confirmed != target:
            self._ask_overwrite(target)
            return
        self.dismiss((target, fmt, target.exists()))


class DownloadDialog(_TargetDialog):
    """Which folder a recording goes to; the file name is derived from the call."""

    DEFAULT_CSS = _CSS.format(name="DownloadDialog")

    def __init__(self, folder: Path, filename: str, url: str) -> None:
        super().__init__()
        self._folder = folder
        self._filename = filename
        self._url = url

    @staticmethod
    def OK_LABEL() -> str:
        return _("Download")

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Content(_("Download the recording")), classes="title")
            yield Static(Content(self._url), classes="note")
            yield Label(Content(_("Folder")))
            yield Input(str(self._folder), id="download-folder")
            yield Static(Content(_("File name: {name}").format(name=self._filename)), classes="note")
            yield Static("", classes="message", markup=False)
            yield from self._buttons()

    def on_mount(self) -> None:
        self.query_one("#download-folder", Input).focus()

    @on(Input.Changed, "#download-folder")
    def _folder_changed(self) -> None:
        self._reset_confirm()

    def confirm(self) -> None:
        try:
            target = target_in(self.query_one("#download-folder", Input).value, self._filename)
        except TargetError as exc:
            self._message(exc.message, error=True)
            return
        if target.exists() and self._confirmed != target:
            self._ask_overwrite(target)
            return
        self.dismiss((target, target.exists()))
