"""Everything about one call: humanized fields, the cause explained, and the raw JSON sent."""

from __future__ import annotations

import json
from datetime import datetime, tzinfo
from typing import Any, Callable

import humanize
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Static

from ...api.cdrs import CallRecord
from ...i18n import _, ngettext
from ...monitor.cdr_stats import MOS_STYLES, human_duration, mos_text
from ...monitor.format import direction_word, format_timestamp

try:  # written alongside; fall back to the bare code when it is missing
    from ...causes import explain as cause_explain
    from ...causes import short as cause_short
except ImportError:  # pragma: no cover
    def cause_explain(cause: str | None) -> str:
        return cause or ""

    def cause_short(cause: str | None) -> str:
        return ""


def _seconds(value: float | None, digits: int = 0) -> str:
    if value is None:
        return ""
    return _("{value} s").format(value=f"{value:.{digits}f}")


def detail_text(record: CallRecord, now: datetime, tz: tzinfo) -> Text:
    """The fields of one call as ``Text`` (nothing in it is read as markup)."""
    out = Text()
    labels = (
        _("Call id"), _("Start"), _("Direction"), _("Source"), _("Caller name"), _("Destination"),
        _("Hangup cause"), _("Time to answer"), _("Talk time"), _("Post-dial delay"), _("MOS"),
        _("Recording"),
    )
    width = max(len(label) for label in labels) + 2
    pad = " " * width

    def line(label: str, value: str | Text, style: str = "") -> None:
        out.append(label.ljust(width), style="bold")
        if isinstance(value, Text):
            out.append_text(value)
        else:
            out.append(value or "—", style=style if value else "dim")
        out.append("\n")

    line(_("Call id"), record.call_id or "")
    if record.start is not None:
        start = record.start.astimezone(tz)
        when = Text(format_timestamp(start, tz))
        when.append(f"  ({humanize.naturaltime(start, when=now.astimezone(tz))})", style="dim")
        line(_("Start"), when)
    else:
        line(_("Start"), "")
    line(_("Direction"), direction_word(record.direction))
    line(_("Source"), record.source or "")
    line(_("Caller name"), record.cid_name or "")
    line(_("Destination"), record.destination or "")
    cause = Text(record.status or "—", style="bold" if record.status else "dim")
    label = cause_short(record.status)
    if label:
        cause.append(f"  {label}", style="italic")
    line(_("Hangup cause"), cause)
    out.append(pad)
    out.append(cause_explain(record.status), style="dim")
    out.append("\n")
    if not record.answered:
        out.append(pad)
        out.append(_("w: why didn't it ring?"), style="dim")
        out.append("\n")
    line(_("Time to answer"), _seconds(record.tta_s))
    line(_("Talk time"), human_duration(record.duration_s))
    line(_("Post-dial delay"), _seconds(record.pdd_s, 2))
    mos_words, band = mos_text(record.mos)
    if band is not None:
        mos = Text(mos_words, style=MOS_STYLES[band])
        mos.append("  " + _("(1-5 scale)"), style="dim")
        line(_("MOS"), mos)
    else:
        line(_("MOS"), _("no media measured") if record.answered else "")
    if record.recording_url:
        url = Text(record.recording_url, style="underline")
        line(_("Recording"), url)
        out.append(pad)
        out.append(_("d download · y copy link · o open in browser"), style="dim")
    else:
        line(_("Recording"), _("none"))
    out.rstrip()
    return out


def not_found_note(call_id: str, others: int, *, listed: bool) -> str:
    """Why the detail pane has no record from the server for ``call_id``, in one line."""
    if listed:
        if others:
            return ngettext(
                "Shown as listed: asked for this call by id, the server sent {count} other call instead.",
                "Shown as listed: asked for this call by id, the server sent {count} other calls instead.",
                others,
            ).format(count=others)
        return _("Shown as listed: asked for this call by id, the server found nothing.")
    if others:
        return ngettext(
            "Call {call_id} not found: the server sent {count} other call instead, so it may not look "
            "calls up by id. Search by date, number or name.",
            "Call {call_id} not found: the server sent {count} other calls instead, so it may not look "
            "calls up by id. Search by date, number or name.",
            others,
        ).format(call_id=call_id, count=others)
    return _("The server knows no call with id {call_id}.").format(call_id=call_id)


def raw_text(raw: Any) -> Text:
    """The server's record, pretty-printed, as literal text."""
    try:
        body = json.dumps(raw, indent=2, ensure_ascii=False, sort_keys=True, default=str)
    except (TypeError, ValueError):
        body = repr(raw)
    return Text(body, no_wrap=False)


class CdrDetail(Horizontal):
    """The detail pane: fields on the left, the raw JSON beside them."""

    DEFAULT_CSS = """
    CdrDetail { height: 1fr; }
    /* A stable gutter: a line that only fits without the scrollbar would otherwise make the
       layout flip between two answers (wrap, scrollbar, narrower, wrap) from one run to the next. */
    CdrDetail #detail-fields { width: 3fr; min-width: 40; padding: 0 1; scrollbar-gutter: stable; }
    CdrDetail #detail-raw { width: 2fr; border-left: vkey $foreground 20%; padding: 0 1; scrollbar-gutter: stable; }
    CdrDetail #detail-raw-title { color: $text-muted; }
    """

    def __init__(self, now: Callable[[], datetime], tz: tzinfo, **kwargs) -> None:
        super().__init__(**kwargs)
        self._now = now
        self._tz = tz
        self.record: CallRecord | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="detail-fields"):
            yield Static(Text(_("Select a call (enter or click) to see every detail."), style="dim"), id="detail-body")
        with VerticalScroll(id="detail-raw"):
            yield Static(Text(_("What the server sent"), style="bold"), id="detail-raw-title")
            yield Static(Text(""), id="detail-raw-body")

    def show(self, record: CallRecord | None, note: str | None = None) -> None:
        self.record = record
        body = self.query_one("#detail-body", Static)
        raw = self.query_one("#detail-raw-body", Static)
        if record is None:
            body.update(Text(note or "", style="dim"))
            raw.update(Text(""))
            return
        text = detail_text(record, self._now(), self._tz)
        if note:
            text = Text(note + "\n", style="dim") + text
        body.update(text)
        raw.update(raw_text(dict(record.raw)))

    def clear(self) -> None:
        """No call: the hint how to open one (a new search whose list lacks the old call)."""
        self.record = None
        self.query_one("#detail-body", Static).update(
            Text(_("Select a call (enter or click) to see every detail."), style="dim")
        )
        self.query_one("#detail-raw-body", Static).update(Text(""))

    def show_message(self, message: str) -> None:
        self.query_one("#detail-body", Static).update(Text(message, style="dim"))
