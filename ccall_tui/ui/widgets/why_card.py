"""The "why didn't it ring?" card in the call browser's detail pane: for one failed or
unanswered call, what the flight recorder knew about its destination then, the calls it was
on, its usual time to answer, and one sentence of verdict. Every value is untrusted text
(agents, numbers, causes, server messages): rendered as ``Text``, never as markup.
"""

from __future__ import annotations

import logging
from datetime import tzinfo
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static, TabbedContent

from ...api.cdrs import CallRecord
from ...i18n import _
from ...monitor.why import Why, destination_extension, explain_call
from ...monitor.why_text import fact_lines, hm

log = logging.getLogger("ccall_tui.ui")


def card_text(why: Why, tz: tzinfo, history_problem: str | None = None) -> Group:
    """The verdict first (what a person wants), then the facts it rests on, as two columns
    (a long value wraps inside its own column); when the history has no record of that
    moment, the history's own problem (if it has one) too."""
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold", no_wrap=True)
    facts.add_column(ratio=1)
    for label, value in fact_lines(why, tz):
        facts.add_row(Text(label), Text(value))
    parts: list[Text | Table] = [Text(why.verdict, style="bold"), Text(""), facts]
    if not why.history_known and why.extension is not None and why.kind != "answered":
        parts.append(Text(""))
        if history_problem and why.registration is not None:
            problem = Text(_("History"), style="bold")
            problem.append(": ")
            problem.append(history_problem, style="not bold")
            parts.append(problem)
        parts.append(Text(_("The card says only what the history recorded; it does not guess."), style="dim"))
    return Group(*parts)


class WhyCard(VerticalScroll):
    """The card of one call; :meth:`explain` fills it in a worker."""

    DEFAULT_CSS = """
    WhyCard { height: 1fr; padding: 0 1; scrollbar-gutter: stable; }
    WhyCard #why-body { width: 1fr; }
    """

    def __init__(self, services: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.services = services
        self.tz: tzinfo = services.profile.timezone
        self.record: CallRecord | None = None
        self.why: Why | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text(_("Select a call and press w: why it did not ring."), style="dim"), id="why-body")

    def on_mount(self) -> None:
        # Its tab appears once a card is asked for (w): until then the pane looks as it did.
        pane = self.parent
        tabs = next((a for a in self.ancestors if isinstance(a, TabbedContent)), None)
        if tabs is not None and pane is not None and pane.id:
            tabs.hide_tab(pane.id)

    def reveal(self) -> None:
        """Show the card's tab and make it the active one."""
        pane = self.parent
        tabs = next((a for a in self.ancestors if isinstance(a, TabbedContent)), None)
        if tabs is not None and pane is not None and pane.id:
            tabs.show_tab(pane.id)
            tabs.active = pane.id

    def _say(self, text: Text | Group) -> None:
        self.query_one("#why-body", Static).update(text)

    def explain(self, record: CallRecord | None, *, again: bool = False) -> None:
        """Show the card of ``record`` (gathered in the background); nothing to do when it is
        the call already shown, unless ``again`` (w: the history may have opened since)."""
        if record is None:
            self.record = self.why = None
            self._say(Text(_("Select a call and press w: why it did not ring."), style="dim"))
            return
        if record is self.record and not again:  # already shown, or on its way
            return
        self.record, self.why = record, None
        ext = destination_extension(record)
        if ext is not None and not record.answered:
            self._say(Text(_("Looking at what the history knew about {ext} at {time}…").format(
                ext=ext, time=hm(record.start, self.tz)), style="dim"))
        self.run_worker(self._gather(record), name="why-card", group="why-card", exclusive=True,
                        exit_on_error=False)

    async def _gather(self, record: CallRecord) -> None:
        services = self.services
        try:
            why = await explain_call(record, history=services.history, fetch=self.app.client.cdrs,  # type: ignore[attr-defined]
                                     tz=self.tz, now=services.now())
        except Exception:  # the card must never take the browser down: one line instead
            log.exception("why card")
            if record is self.record:
                self.record = None  # w tries again
                self._say(Text(_("The card could not be built for this call; the log has the details."), style="bold"))
            return
        if record is not self.record:  # another call was asked for meanwhile
            return
        self.why = why
        history = services.history
        problem = (history.warning if history is not None else None) or getattr(services, "history_problem", None)
        self._say(card_text(why, self.tz, problem))
