"""The alert list: active alerts first (critical, newest), then the recently resolved ones;
acknowledge or snooze the highlighted one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Static

from ...alerts.conditions import duration_text
from ...alerts.model import Alert
from ...i18n import N_, _
from ..translate import translate_bindings
from ..widgets.footer import AppFooter

MAX_ROWS = 1000

_STATE_WORDS: dict[str, Callable[[], str]] = {
    "firing": lambda: _("firing"),
    "acknowledged": lambda: _("acknowledged"),
    "snoozed": lambda: _("snoozed"),
    "resolved": lambda: _("resolved"),
}
_STATE_STYLES = {"firing": "bold", "acknowledged": "", "snoozed": "dim", "resolved": "dim"}


class AlertListScreen(Screen[None]):
    """Every active and recent alert of the engine."""

    HELP_TITLE = N_("Alerts")
    BINDINGS = [
        Binding("a", "ack", N_("Acknowledge")),
        Binding("z", "snooze(30)", N_("Snooze 30 min")),
        Binding("Z", "snooze(120)", N_("Snooze 2 h"), key_display="Z"),
        Binding("escape", "close", N_("Back")),
    ]
    DEFAULT_CSS = """
    AlertListScreen #alerts-title { height: 1; padding: 0 1; text-style: bold; }
    AlertListScreen #alerts-table { height: 1fr; }
    AlertListScreen #alerts-detail { height: auto; max-height: 6; padding: 0 1; }
    """

    def __init__(self, engine: Any, clock: Callable[[], datetime]) -> None:
        super().__init__()
        translate_bindings(self)
        self.engine = engine
        self.clock = clock
        self._rows: list[str] = []
        self._unsubscribe: Callable[[], None] | None = None
        self._pending = False

    def compose(self) -> ComposeResult:
        yield Static(id="alerts-title", markup=False)
        table: DataTable[Text] = DataTable(id="alerts-table", cursor_type="row", zebra_stripes=True)
        yield table
        yield Static(id="alerts-detail", markup=False)
        yield AppFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(_("State"), _("Severity"), _("Fired"), _("For"), _("Rule"), _("Alert"))
        self._unsubscribe = self.engine.subscribe(self._changed)
        self.refresh_rows()
        self.set_interval(5, self.refresh_rows, name="alert-list-ages")
        table.focus()

    def on_unmount(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()

    def _changed(self, _event: object) -> None:
        if not self._pending:  # a tick's thousand events: one redraw
            self._pending = True
            self.call_later(self.refresh_rows)

    def _alerts(self) -> list[Alert]:
        return (list(self.engine.active) + list(self.engine.recent))[:MAX_ROWS]

    def refresh_rows(self) -> None:
        self._pending = False
        table = self.query_one(DataTable)
        now = self.clock()
        alerts = self._alerts()
        highlighted = self.highlighted()
        table.clear()
        self._rows = []
        for alert in alerts:
            state = alert.state(now)
            style = _STATE_STYLES[state]
            severity_style = "bold red" if alert.severity == "critical" else "yellow"
            until = alert.resolved_at or now
            table.add_row(
                Text(_STATE_WORDS[state](), style=style),
                Text(_("critical") if alert.severity == "critical" else _("warning"), style=severity_style),
                Text(alert.fired_at.strftime("%H:%M:%S"), style=style),
                Text(duration_text(until - alert.fired_at), style=style),
                Text(alert.rule, style=style),
                Text(alert.message, style=style),
                key=alert.id,
            )
            self._rows.append(alert.id)
        if highlighted in self._rows:
            table.move_cursor(row=self._rows.index(highlighted))
        active = len(self.engine.active)
        title = _("Alerts: {active} active, {recent} resolved recently").format(
            active=active, recent=len(self.engine.recent))
        self.query_one("#alerts-title", Static).update(Text(title))
        self._show_detail()

    def highlighted(self) -> str | None:
        table = self.query_one(DataTable)
        if not self._rows or table.cursor_row < 0 or table.cursor_row >= len(self._rows):
            return None
        return self._rows[table.cursor_row]

    def on_data_table_row_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        alert_id = self.highlighted()
        alert = self.engine.get(alert_id) if alert_id is not None else None
        detail = Text()
        if alert is None:
            detail.append(_("No alerts yet."), style="dim")
        else:
            detail.append(alert.message + "\n", style="bold")
            if alert.number:
                detail.append(_("Call back: {number}").format(number=alert.number) + "\n")
            if alert.acknowledged_at is not None:
                detail.append(_("Acknowledged at {time}").format(time=alert.acknowledged_at.strftime("%H:%M:%S")) + "  ")
            if alert.snoozed_until is not None and alert.active:
                detail.append(_("Snoozed until {time}").format(time=alert.snoozed_until.strftime("%H:%M")) + "  ")
            if alert.resolved_at is not None:
                detail.append(_("Resolved at {time}").format(time=alert.resolved_at.strftime("%H:%M:%S")))
        self.query_one("#alerts-detail", Static).update(detail)

    def action_ack(self) -> None:
        alert_id = self.highlighted()
        if alert_id is None:
            return
        if self.engine.ack(alert_id):
            self.notify(_("Acknowledged."), markup=False)
        else:
            self.notify(_("Only an active alert that is not acknowledged yet can be acknowledged."), markup=False)
        self.refresh_rows()

    def action_snooze(self, minutes: int) -> None:
        alert_id = self.highlighted()
        if alert_id is None:
            return
        if self.engine.snooze(alert_id, minutes):
            self.notify(_("Snoozed for {duration}.").format(duration=duration_text_minutes(minutes)), markup=False)
        else:
            self.notify(_("Only an active alert can be snoozed."), markup=False)
        self.refresh_rows()

    def action_close(self) -> None:
        self.dismiss(None)


def duration_text_minutes(minutes: int) -> str:
    from datetime import timedelta

    return duration_text(timedelta(minutes=minutes))
