"""The call browser's jobs: a call's detail, the summary of every page, export, recordings;
their progress line and escape to cancel them."""

from __future__ import annotations

import os
import webbrowser
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.widgets import DataTable, ProgressBar, Static, TabbedContent

from ...api.download import DEFAULT_MAX_RECORDING_BYTES
from ...api.errors import CcallError
from ...api.cdrs import CallRecord, CdrQuery
from ...i18n import _, N_
from ...monitor.cdr_browse import CdrBrowse
from ...monitor.paging import paging_outcome
from ...monitor.recordings import default_folder, export_filename, recording_filename
from ..widgets.cdr_detail import not_found_note
from ..widgets.cdr_dialogs import DownloadDialog, ExportDialog
from ..widgets.cdr_summary import CdrSummaryView
from ..widgets.why_card import WhyCard
from .cdr_layout import BrowserLayout

CLIPBOARD_NOTE = N_(
    "Copied the recording link to the clipboard (OSC 52). Whether it arrives depends on the "
    "terminal; inside tmux it needs `set -g set-clipboard on`."
)


class BrowserJobs(BrowserLayout):
    """Detail, summary, export and recordings for :class:`~.cdrs.CdrBrowserScreen`."""

    BINDINGS = []  # the keys are the browser screen's (one list, in the help too)

    browse: CdrBrowse

    # ------------------------------------------------------------------ detail

    def _current_call_id(self) -> str | None:
        record = self.table.current
        return record.call_id if record is not None else None

    @on(DataTable.RowSelected, "#cdr-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        record = self.table.current
        if record is None:
            return
        tabs = self.query_one(TabbedContent)
        if tabs.active == "tab-why":  # the why card, once open, follows the call selected
            self.query_one("#why-card", WhyCard).explain(record)
        else:
            tabs.active = "tab-call"
        self._open_details()
        if record.call_id:
            self.load_call(record.call_id, record)
        else:
            self.detail.show(record, note=_("This record has no call id; shown as listed."))

    @work(exclusive=True, exit_on_error=False, name="cdr-call", group="cdr-call")
    async def load_call(self, call_id: str, listed: CallRecord | None) -> None:
        """The call as the server gives it by id (cached); the listed row meanwhile."""
        cached = self.browse.cached_detail(call_id)
        if cached is not None:
            self.detail.show(cached)
            return
        shown = listed or self.browse.listed(call_id)
        if shown is not None:
            self.detail.show(shown, note=_("Loading the full record…"))
        else:
            self.detail.show(None, note=_("Looking up call {call_id}…").format(call_id=call_id))
        try:
            found = await self.browse.detail(call_id)
        except CcallError as exc:
            self.set_status(exc.message, error=True)
            self.detail.show(shown, note=None if shown else exc.message)
            return
        if found.record is None:  # never one of the other calls a server that ignores call_id sends
            self.detail.show(shown, note=not_found_note(call_id, found.others, listed=shown is not None))
            return
        self.detail.show(found.record)

    # ------------------------------------------------------------------ summary

    def _refresh_page_summary(self) -> None:
        """The page's summary, computed when its tab is on screen (not on every page load)."""
        if not self._summary_stale or self.browse.page is None:
            return
        if self.query_one(TabbedContent).active != "tab-summary":
            return
        self._summary_stale = False
        self.query_one(CdrSummaryView).show(
            self.browse.summary_page(), _("This page ({count} calls)").format(count=len(self.browse.records))
        )

    @on(TabbedContent.TabActivated, "#cdr-bottom")
    def _tab_activated(self) -> None:
        self._refresh_page_summary()

    def action_summary(self) -> None:
        tabs = self.query_one(TabbedContent)
        if tabs.active == "tab-summary" and self.has_class("-details-open"):
            tabs.active = "tab-call"
        else:
            tabs.active = "tab-summary"
            self._open_details()

    def action_summary_all(self) -> None:
        if self.browse.query is None:
            return
        self.query_one(TabbedContent).active = "tab-summary"
        self._open_details()
        self.summarize_all()

    @work(exclusive=True, exit_on_error=False, name="cdr-summary-all", group="cdr-long")
    async def summarize_all(self) -> None:
        self._progress_start(_("Summarising every page…"))
        try:
            done = await self.browse.summary_all(progress=self._pages_progress)
        except CcallError as exc:
            self.set_status(exc.message, error=True)
            return
        finally:
            self._progress_end()
        if done is None:
            return
        summary, report = done.summary, done.report
        self._summary_stale = False
        self.query_one(CdrSummaryView).show(
            summary, _("All pages ({count:,} calls)").format(count=summary.calls)
        )
        self.set_status(paging_outcome(report, _("Summary of all {count:,} calls.").format(count=summary.calls)),
                        error=report.incomplete)

    # ------------------------------------------------------------------ progress

    def _progress_start(self, label: str) -> None:
        self.query_one("#progress-label", Static).update(Text(label))
        bar = self.query_one("#progress-bar", ProgressBar)
        bar.update(total=None, progress=0)
        self.query_one("#cdr-progress").add_class("-active")

    def _progress_end(self) -> None:
        self.query_one("#cdr-progress").remove_class("-active")

    def _pages_progress(self, done: int, total: int | None, records: int) -> None:
        bar = self.query_one("#progress-bar", ProgressBar)
        bar.update(total=total, progress=done)
        label = (
            _("page {done} of {total} · {records:,} calls").format(done=done, total=total, records=records)
            if total else _("page {done} · {records:,} calls").format(done=done, records=records)
        )
        self.query_one("#progress-label", Static).update(Text(label))

    def action_cancel(self) -> bool:
        """Stop a long fetch (summary of all pages, export, download); False when none runs."""
        running = [
            w for w in self.workers
            if w.group in ("cdr-long", "cdr-download") and w.is_running
        ]
        if not running:
            return False
        for worker in running:
            worker.cancel()
        self._progress_end()
        self.set_status(_("Cancelled."))
        return True

    # ------------------------------------------------------------------ export

    def action_export(self) -> None:
        query = self.browse.export_query()
        if query is None:
            self.set_status(_("Search first; the export uses the current filter."), error=True)
            return
        default = default_folder() / export_filename(self.services.now(), "csv")
        paging = self.browse.paging
        note = ""
        if paging is not None and paging.record_count is not None:
            note = _("{count:,} calls").format(count=paging.record_count)

        def chosen(answer: tuple[Path, str, bool] | None) -> None:
            if answer is not None:
                target, fmt, overwrite = answer
                self.export(query, target, fmt, overwrite)

        self.app.push_screen(ExportDialog(default, note), chosen)

    @work(exclusive=True, exit_on_error=False, name="cdr-export", group="cdr-long")
    async def export(self, query: CdrQuery, target: Path, fmt: str, overwrite: bool) -> None:
        self._progress_start(_("Exporting to {path}…").format(path=target))
        try:
            count, report = await self.browse.export(
                target, fmt, overwrite=overwrite, progress=self._pages_progress, query=query
            )
        except CcallError as exc:
            self.set_status(_("Export failed, nothing written: {reason}").format(reason=exc.message), error=True)
            return
        except FileExistsError:
            self.set_status(_("{path} appeared meanwhile; not overwritten.").format(path=target), error=True)
            return
        except OSError as exc:
            self.set_status(
                _("Export failed, nothing written: {reason}").format(reason=exc.strerror or type(exc).__name__),
                error=True,
            )
            return
        finally:
            self._progress_end()
        done = paging_outcome(report, _("Exported {count:,} calls to {path}.").format(count=count, path=target))
        self.set_status(done, error=report.incomplete)
        self.notify(done, markup=False, severity="warning" if report.message() else "information")

    # ------------------------------------------------------------------ recordings

    def _recording_record(self) -> CallRecord | None:
        record = self.detail.record or self.table.current
        if record is None or not record.recording_url:
            self.set_status(_("This call has no recording."), error=True)
            return None
        return record

    def action_copy_link(self) -> None:
        record = self._recording_record()
        if record is None:
            return
        self.app.copy_to_clipboard(record.recording_url)
        self.notify(_(CLIPBOARD_NOTE), markup=False)

    def action_open_link(self) -> None:
        record = self._recording_record()
        if record is None:
            return
        remote = bool(os.environ.get("SSH_CONNECTION") or os.environ.get("SSH_TTY"))
        try:
            webbrowser.get()
            has_browser = True
        except webbrowser.Error:
            has_browser = False
        if not has_browser:
            self.notify(
                _("No web browser here; copy the link (y) or download it (d)."), markup=False, severity="warning"
            )
            return
        self.app.open_url(record.recording_url)
        if remote:
            self.notify(
                _("Over SSH the browser opens on the remote machine; the link is shown in the detail pane."),
                markup=False,
            )

    def action_download(self) -> None:
        record = self._recording_record()
        if record is None:
            return
        filename = recording_filename(record)
        folder = default_folder()

        def chosen(answer: tuple[Path, bool] | None) -> None:
            if answer is not None:
                self.download(record.recording_url, answer[0])

        self.app.push_screen(DownloadDialog(folder, filename, record.recording_url), chosen)

    @work(exclusive=True, exit_on_error=False, name="cdr-download", group="cdr-download")
    async def download(self, url: str, target: Path, max_bytes: int | None = DEFAULT_MAX_RECORDING_BYTES) -> None:
        from ..widgets.download_question import QUESTIONS, ask_before_download

        self._progress_start(_("Downloading {name}…").format(name=target.name))
        bar = self.query_one("#progress-bar", ProgressBar)

        def progress(received: int, total: int | None) -> None:
            bar.update(total=total, progress=received)

        try:
            await self.browse.download_recording(url, target, progress=progress, max_bytes=max_bytes)
        except QUESTIONS as exc:  # another host, or over the size cap: show it and ask
            self.set_status(exc.message, error=True)
            ask_before_download(self, exc, url, target)
            return
        except CcallError as exc:
            self.set_status(_("Download failed: {reason}").format(reason=exc.message), error=True)
            return
        finally:
            self._progress_end()
        self.set_status(_("Saved the recording to {path}.").format(path=target))
        self.notify(_("Saved the recording to {path}.").format(path=target), markup=False)
