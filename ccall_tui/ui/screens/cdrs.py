"""The call-record browser: filter form, one page of records, summary, detail pane.

The screen draws; :class:`~ccall_tui.monitor.cdr_browse.CdrBrowse` holds the query, the page,
the caches and the remembered filter, and does the fetching. Network work runs in exclusive
async workers; a failure becomes one line in the status area and the table keeps the last good
page. Other screens ask things of it with the messages of ``cdr_messages``.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import (
    Header,
    Label,
    ProgressBar,
    Static,
    TabbedContent,
    TabPane,
)

from ...i18n import N_, _
from ...monitor import cdr_filter as cf
from ...monitor.cdr_browse import CdrBrowse
from ...monitor.cdr_memory import filter_path
from ..messages import CredentialsChanged
from ..translate import translate_bindings
from ..widgets.cdr_detail import CdrDetail
from ..widgets.cdr_form import CdrFilterForm
from ..widgets.cdr_paging import LineInput, PagingBar
from ..widgets.cdr_summary import CdrSummaryView
from ..widgets.cdr_table import CdrTable
from ..widgets.footer import AppFooter
from ..widgets.why_card import WhyCard
from .cdr_pages import BrowserPages
from .cdr_messages import FilterExtension, ShowCall, ShowFilter


class CdrBrowserScreen(BrowserPages):
    # Message ids, translated where shown (translate_bindings, the help screen): a class body
    # runs at import, before the language may be chosen.
    HELP_TITLE = N_("Calls")
    CSS_PATH = "../cdrs.tcss"

    BINDINGS = [
        Binding("enter", "details", N_("Details"), show=False),
        Binding("f", "focus_form", N_("Filter")),
        Binding("slash", "find", N_("Find in page"), key_display="/"),
        Binding("n", "find_next", N_("Next match"), show=False),
        Binding("N", "find_previous", N_("Previous match"), key_display="N", show=False),
        Binding("s", "sort_next", N_("Sort"), show=False),
        Binding("S", "sort_reverse", N_("Reverse sort"), key_display="S", show=False),
        Binding("t", "focus_table", N_("Table"), show=False),
        Binding("r", "reload", N_("Reload")),
        Binding("left_square_bracket", "prev_page", N_("Previous"), key_display="["),
        Binding("right_square_bracket", "next_page", N_("Next"), key_display="]"),
        Binding("left_curly_bracket", "first_page", N_("First page"), key_display="{", show=False),
        Binding("right_curly_bracket", "last_page", N_("Last page"), key_display="}", show=False),
        Binding("g", "goto_page", N_("Go to page")),
        Binding("h", "pick_causes", N_("Hangup causes"), show=False),
        Binding("x", "swap", N_("Swap source/destination"), show=False),
        Binding("a", "summary", N_("Summary")),
        Binding("A", "summary_all", N_("Summary of all pages"), key_display="A", show=False),
        Binding("f3", "quality", N_("Call quality"), show=False),
        Binding("w", "why", N_("Why didn't it ring?"), show=False),
        Binding("e", "export", N_("Export")),
        Binding("d", "download", N_("Download recording"), show=False),
        Binding("y", "copy_link", N_("Copy recording link"), show=False),
        Binding("o", "open_link", N_("Open recording link"), show=False),
        Binding("escape", "back", N_("Back"), show=False),
    ]

    def __init__(self, services: Any) -> None:
        super().__init__()
        translate_bindings(self)
        self.services = services
        self.tz = services.profile.timezone
        self.browse = CdrBrowse(lambda: self.app.client, self.tz, services.now, filter_path(services))
        self._pending_call: str | None = None
        self._pending_extension: tuple[str, bool] | None = None
        self._pending_form: cf.CdrFilter | None = None
        self._summary_stale = False
        self._ready = False

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Header()
        form = CdrFilterForm(self.browse.filter, self.services.now, id="cdr-form", classes="panel")
        form.border_title = _("Filter")
        yield form
        yield Static("", id="cdr-status", classes="status-line", markup=False)
        calls = Vertical(id="cdr-calls", classes="panel")
        calls.border_title = _("Calls")
        with calls:
            yield PagingBar(id="cdr-paging")
            with Horizontal(id="cdr-find"):
                yield Label(Content(_("Find")), id="find-label")
                yield LineInput(placeholder=_("text on this page"), id="find-input", compact=True)
                yield Static(Text(""), id="find-count")
            with Horizontal(id="cdr-progress"):
                yield Static("", id="progress-label", markup=False)
                yield ProgressBar(id="progress-bar", show_eta=False)
                yield Static(Content(_("esc cancels")), id="progress-hint")
            yield CdrTable(self.tz, id="cdr-table")
            yield Static(Text(_("No calls match: widen the dates or clear a filter")), id="cdr-empty")
        details = Vertical(id="cdr-details", classes="panel")
        details.border_title = _("Details")
        with details:
            with TabbedContent(id="cdr-bottom"):
                with TabPane(Content(_("Call")), id="tab-call"):
                    yield CdrDetail(self.services.now, self.tz, id="cdr-detail")
                with TabPane(Content(_("Summary")), id="tab-summary"):
                    yield CdrSummaryView(id="cdr-summary")
                with TabPane(Content(_("Why? (w)")), id="tab-why"):
                    yield WhyCard(self.services, id="why-card")
        yield AppFooter()

    @property
    def form(self) -> CdrFilterForm:
        return self.query_one(CdrFilterForm)

    @property
    def table(self) -> CdrTable:
        return self.query_one(CdrTable)

    @property
    def detail(self) -> CdrDetail:
        return self.query_one(CdrDetail)

    def on_mount(self) -> None:
        self._ready = True
        self._update_paging_controls()
        self._apply_size(self.size.width, self.size.height)
        self.table.focus()
        if self._pending_form is not None:
            form, self._pending_form = self._pending_form, None
            self.show_filter(form)
        elif self._pending_extension is not None:
            extension, as_destination = self._pending_extension
            self._pending_extension = None
            self.filter_extension(extension, as_destination=as_destination)
        else:
            self.action_search()
        if self._pending_call is not None:
            call_id, self._pending_call = self._pending_call, None
            self.show_call(call_id)

    # ------------------------------------------------------------------ what others ask

    @on(ShowCall)
    def _show_call_asked(self, message: ShowCall) -> None:
        message.stop()
        self.show_call(message.call_id)

    @on(FilterExtension)
    def _filter_extension_asked(self, message: FilterExtension) -> None:
        message.stop()
        self.filter_extension(message.extension, as_destination=message.as_destination)

    @on(ShowFilter)
    def _show_filter_asked(self, message: ShowFilter) -> None:
        message.stop()
        self.show_filter(message.form)

    def show_call(self, call_id: str) -> None:
        """Open the detail pane on one call, looked up by its id."""
        call_id = (call_id or "").strip()
        if not call_id:
            return
        if not self._ready:
            self._pending_call = call_id
            return
        self.query_one(TabbedContent).active = "tab-call"
        self._open_details()
        self.load_call(call_id, None)

    def filter_extension(self, ext: str, *, as_destination: bool = False) -> None:
        """Calls where ``ext`` is the source (``x`` flips to destination), searched at once."""
        if not self._ready:
            self._pending_extension = (ext, as_destination)
            return
        self.show_filter(self.form.value.for_extension(ext, as_destination=as_destination))

    def show_filter(self, form: cf.CdrFilter) -> None:
        """Search exactly ``form`` at once."""
        if not self._ready:
            self._pending_form = form
            return
        self.form.load(form)
        self.search(form)

    def credentials_changed(self) -> None:
        if self.browse.query is not None:
            self.load_page(self.browse.query, keep_call_id=self._current_call_id())

    def on_credentials_changed(self, _message: CredentialsChanged) -> None:
        self.credentials_changed()

    # ------------------------------------------------------------------ form shortcuts

    def action_focus_form(self) -> None:
        self.form.remove_class("-collapsed")
        self.form.focus_first()

    def action_focus_table(self) -> None:
        self._fold_form()
        self.table.focus()

    def action_pick_causes(self) -> None:
        self.form.pick_causes(then=self.action_search)

    def action_why(self) -> None:
        """The "why didn't it ring?" card of the call under the cursor, in the detail pane."""
        card = self.query_one(WhyCard)
        card.reveal()
        self._open_details()
        card.explain(self.table.current or self.detail.record, again=True)

    @on(TabbedContent.TabActivated, "#cdr-bottom")
    def _why_tab(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id == "tab-why":  # a click on the tab: the card of the call under the cursor
            self.query_one(WhyCard).explain(self.table.current or self.detail.record)

    def action_swap(self) -> None:
        self.show_filter(self.form.value.swapped())
