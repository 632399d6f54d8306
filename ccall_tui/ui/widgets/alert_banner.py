"""The alerts nobody has acknowledged, in bold above the board (larger on the wall)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from ...i18n import _

if TYPE_CHECKING:  # the rules' code is imported once there is an alert to show, not at startup
    from ...alerts.model import Alert

MAX_LINES = 4
WALL_LINES = 3
SHORT_SCREEN = 30


class AlertBanner(Static):
    """Shown only while an alert is active, unacknowledged and not snoozed."""

    SCOPED_CSS = False  # the wall's rule names the screen
    DEFAULT_CSS = """
    AlertBanner { display: none; height: auto; padding: 0 1; text-style: bold; }
    AlertBanner.-shown { display: block; }
    AlertBanner.-warning { background: $warning 40%; color: $text; }
    AlertBanner.-critical { background: $error 60%; color: $text; }
    MonitorScreen.-wall AlertBanner { padding: 1 2; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(markup=False, **kwargs)  # type: ignore[arg-type]
        self.wall = False
        self.shown: list[str] = []
        self._drawn: Text | None = None

    def show_alerts(self, alerts: Sequence[Alert], now: datetime, *, wall: bool = False) -> None:
        """Draw ``alerts`` (critical first, as the engine lists them); hidden when none."""
        from ...alerts.conditions import duration_text
        from ...alerts.grouping import banner_lines

        self.wall = wall
        self.set_class(bool(alerts), "-shown")
        self.set_class(any(a.severity == "critical" for a in alerts), "-critical")
        self.set_class(bool(alerts) and all(a.severity != "critical" for a in alerts), "-warning")
        self.shown = [a.id for a in alerts]
        if not alerts:
            self._draw(Text())
            return
        limit = WALL_LINES if wall else MAX_LINES
        if self.app.size.height < SHORT_SCREEN:
            limit = min(limit, 2)  # a 24-line terminal keeps its board
        text = Text()
        lines = banner_lines(alerts)  # one line per rule: a site down is one line, not forty
        for index, line in enumerate(lines[:limit]):
            if index:
                text.append("\n\n" if wall else "\n")
            mark = "‼ " if line.severity == "critical" else "! "
            text.append(mark + line.text)  # the message holds names from the server: plain text
            text.append("  " + _("{duration} ago").format(duration=duration_text(now - line.fired_at)),
                        style="not bold")
        more = sum(line.count for line in lines[limit:])  # alerts not shown
        if more > 0:
            text.append("\n" + _("… and {n} more (a: the alert list)").format(n=more), style="not bold")
        elif not wall:
            text.append("\n" + _("a: the alert list, acknowledge or snooze"), style="not bold dim")
        self._draw(text)

    def _draw(self, text: Text) -> None:
        """Repaint only when the text changed (the ages move once a minute)."""
        if self._drawn is not None and self._drawn == text:
            return
        self._drawn = text
        self.update(text)
