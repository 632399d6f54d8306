"""The call browser's searching and paging: the search (checked first, nothing sent when the
form is wrong), loading a page, drawing it (table, paging bar, page summary, status line), the
paging keys and buttons, and the go-to-page box.

The fetching itself is :class:`~ccall_tui.monitor.cdr_browse.CdrBrowse`'s; this draws its
answers. A failure is one line in the status area; the table keeps the last good page.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.widgets import Button, Input, Static

from ...api.cdrs import CdrPage, CdrQuery
from ...api.errors import CcallError
from ...i18n import _
from ...monitor import cdr_filter as cf
from ...monitor.cdr_browse import Loaded
from ..widgets.cdr_detail import CdrDetail
from ..widgets.cdr_form import CdrFilterForm
from ..widgets.cdr_paging import PagingBar
from .cdr_jobs import BrowserJobs


class BrowserPages(BrowserJobs):
    """Search and paging for :class:`~.cdrs.CdrBrowserScreen`."""

    BINDINGS = []  # the keys are the browser screen's (one list, in the help too)

    detail: CdrDetail

    # ------------------------------------------------------------------ status

    def set_status(self, message: str | Text, *, error: bool = False) -> None:
        status = self.query_one("#cdr-status", Static)
        status.update(message if isinstance(message, Text) else Text(message), layout=False)
        status.set_class(error, "-error")

    # ------------------------------------------------------------------ search and paging

    def action_search(self) -> bool:
        """Search with what the form holds; False (and the wrong fields marked) when it is wrong."""
        return self.search(self.form.value)

    def search(self, form: cf.CdrFilter) -> bool:
        result = self.browse.check(form)
        self.form.show_errors(result.errors)
        if not result.ok:
            self.set_status(_("Check the marked fields; nothing was sent."), error=True)
            wrong = [f for f in cf.FIELDS if f in result.errors]
            if wrong and self._in_form():
                self.form.focus_field(wrong[0])
            return False
        self.form.refresh_summary(form)
        self._new_search()
        self.run_search(form)
        return True

    def _new_search(self) -> None:
        """A new search starts clean: no page number typed, no find, no stale error marks."""
        goto = self.query_one("#page-goto", Input)
        goto.value = ""
        goto.remove_class("-invalid")
        self._close_find()

    @on(CdrFilterForm.SearchRequested)
    def _search_requested(self, event: CdrFilterForm.SearchRequested) -> None:
        """Enter anywhere in the form: search, then the table (or the first wrong field)."""
        event.stop()
        if self.search(event.filter):
            self.action_focus_table()

    @on(CdrFilterForm.Left)
    def _form_left(self, event: CdrFilterForm.Left) -> None:
        event.stop()
        self.action_focus_table()

    def _go(self, number: int | None) -> None:
        if number is not None and self.browse.query is not None:
            self.load_page(self.browse.query.with_page(max(1, number)))

    def action_next_page(self) -> None:
        if self.browse.has_next:
            self._go(self.browse.page_number + 1)

    def action_prev_page(self) -> None:
        if self.browse.has_prev:
            self._go(self.browse.page_number - 1)

    def action_first_page(self) -> None:
        if self.browse.has_prev:
            self._go(1)

    def action_last_page(self) -> None:
        if self.browse.last_page and self.browse.has_next:
            self._go(self.browse.last_page)

    def action_quality(self) -> None:
        from .quality import open_quality

        open_quality(self.app)

    def action_reload(self) -> None:
        if self.browse.query is None:
            self.action_search()
            return
        self.load_page(self.browse.query, keep_call_id=self._current_call_id(), keep_row=self.table.cursor_row)

    def action_goto_page(self) -> None:
        goto = self.query_one("#page-goto", Input)
        if goto.disabled:
            return
        goto.focus()

    @on(Input.Submitted, "#page-goto")
    def _goto_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        wrong = self.browse.page_error(event.value)
        if wrong is not None:
            event.input.add_class("-invalid")
            self.set_status(wrong, error=True)
            return
        event.input.remove_class("-invalid")
        event.input.value = ""
        self._go(int(event.value))
        self.table.focus()

    @on(Button.Pressed, "#cdr-paging Button")
    def _page_button(self, event: Button.Pressed) -> None:
        event.stop()
        action = {"page-first": self.action_first_page, "page-prev": self.action_prev_page,
                  "page-next": self.action_next_page, "page-last": self.action_last_page}.get(event.button.id or "")
        if action is not None:
            action()

    @work(exclusive=True, exit_on_error=False, name="cdr-page", group="cdr-page")
    async def run_search(self, form: cf.CdrFilter) -> None:
        self.set_status(_("Loading page {page}…").format(page=1))
        try:
            searched = await self.browse.search(form)
        except CcallError as exc:
            self.set_status(exc.message, error=True)
            return
        if searched.loaded is not None:
            self._draw_page(searched.loaded)

    @work(exclusive=True, exit_on_error=False, name="cdr-page", group="cdr-page")
    async def load_page(
        self, query: CdrQuery, *, keep_call_id: str | None = None, keep_row: int | None = None
    ) -> None:
        self.set_status(_("Loading page {page}…").format(page=query.page or 1))
        try:
            loaded = await self.browse.load(query)
        except CcallError as exc:
            self.set_status(exc.message, error=True)
            return
        self._draw_page(loaded, keep_call_id=keep_call_id, keep_row=keep_row)

    def show_page(
        self, page: CdrPage, query: CdrQuery, *, keep_call_id: str | None = None, keep_row: int | None = None
    ) -> None:
        """Hold ``page`` (the answer to ``query``) and draw it."""
        self._draw_page(self.browse.hold(query, page), keep_call_id=keep_call_id, keep_row=keep_row)

    def _draw_page(self, loaded: Loaded, *, keep_call_id: str | None = None, keep_row: int | None = None) -> None:
        """Put a loaded page on screen: table, paging controls, page summary, status."""
        page, same_page = loaded.page, loaded.same_query
        if same_page and keep_call_id is None:
            keep_call_id = self._current_call_id()
            keep_row = self.table.cursor_row
        self.table.show(page.records, keep_call_id=keep_call_id if same_page or keep_call_id else None,
                        keep_row=keep_row if same_page or keep_row is not None else 0)
        self._update_paging_controls()
        self.set_class(not page.records, "-no-calls")
        if self.table.needle:
            self._show_find_count(len(self.table.matches))
        shown = self.detail.record
        if (not same_page and shown is not None and keep_call_id is None
                and self.browse.listed(shown.call_id) is None):
            self.detail.clear()
        if self.browse.all_summary is None:
            self._summary_stale = True
            self._refresh_page_summary()
        message = (
            _("{count} calls on this page.").format(count=len(page.records)) if page.records
            else _("No calls match: widen the dates or clear a filter")
        )
        if page.skipped:
            message += " " + _("{count} malformed records were left out.").format(count=page.skipped)
        self.set_status(message)

    def _update_paging_controls(self) -> None:
        # The keys stay bound (and do nothing at the ends): dimming them in the footer would
        # rebuild the footer on each change, which doubles the time a page takes to appear.
        self.query_one(PagingBar).show(self.browse.page, self.browse.paging)
