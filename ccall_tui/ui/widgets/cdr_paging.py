"""The paging line of the call browser: first/previous/next/last, a page number to go to,
and where the page sits in the result (or that nothing matched); and the one-line boxes
(page number, find) that escape leaves for the table."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.widgets import Button, Input, Label, Static

from ...api.cdrs import CdrPage, Paging
from ...i18n import N_, _
from ..translate import translate_bindings


def paging_text(page: CdrPage, paging: Paging | None) -> Text:
    """``page 3 of 25 · 1,234 calls · <txtdesc>``; a page without metadata is one page;
    an empty result says so (never "page 1 of 0")."""
    if not page.records and (paging is None or not paging.record_count or (paging.page_current or 1) <= 1):
        return Text(_("No calls match: widen the dates or clear a filter"))
    if paging is None:
        text = Text(_("page 1 of 1 · {count:,} calls").format(count=len(page.records)))
        return text
    current = paging.page_current or 1
    total = paging.pages
    count = paging.record_count
    if total is not None:
        head = _("page {page} of {total}").format(page=current, total=total)
        if paging.page_count_doubtful:
            head += " " + _("(the server says {claimed:,} pages)").format(claimed=paging.page_count)
    else:
        head = _("page {page}").format(page=current)
    if count is not None:
        head += " · " + _("{count:,} calls").format(count=count)
    text = Text(head)
    if paging.txtdesc:
        text.append(" · ")
        text.append(paging.txtdesc, style="dim")  # server text: literal
    return text


class LineInput(Input):
    """A one-line box outside the form (find, page number): escape goes back to the table."""

    BINDINGS = [Binding("escape", "leave", N_("Back to the table"))]

    class Left(Message):
        def __init__(self, line: "LineInput") -> None:
            super().__init__()
            self.input = line

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        translate_bindings(self)

    def action_leave(self) -> None:
        self.post_message(self.Left(self))


class PagingBar(Horizontal):
    """The buttons, the page-number box and the page's place in the result."""

    def compose(self) -> ComposeResult:
        yield Button(Content("«"), id="page-first", compact=True, tooltip=_("First page ({)"))
        yield Button(Content("‹ " + _("Prev")), id="page-prev", compact=True)
        yield Button(Content(_("Next") + " ›"), id="page-next", compact=True)
        yield Button(Content("»"), id="page-last", compact=True, tooltip=_("Last page (})"))
        yield Label(Content(_("Go to")), id="page-goto-label")
        yield LineInput(placeholder="#", id="page-goto", type="integer", compact=True)
        yield Static(Text(""), id="page-info")

    def show(self, page: CdrPage | None, paging: Paging | None) -> None:
        """Buttons enabled only where there is a page to go to; the page's place in the result."""
        has_prev = paging is not None and paging.has_prev
        has_next = paging is not None and paging.has_next
        self.query_one("#page-first", Button).disabled = not has_prev
        self.query_one("#page-prev", Button).disabled = not has_prev
        self.query_one("#page-next", Button).disabled = not has_next
        self.query_one("#page-last", Button).disabled = not (has_next and paging is not None and paging.pages)
        self.query_one("#page-goto").disabled = paging is None or (paging.pages or 1) <= 1
        info = self.query_one("#page-info", Static)
        info.update(paging_text(page, paging) if page is not None else Text(""), layout=False)
