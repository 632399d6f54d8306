"""The wall's "since you last looked": the last 12 hours' changes (reachability too) and who
was offline longest, read from the flight recorder's history. A side panel shown in wall mode
only, and only when the terminal has room to spare for it (the board's tiles come first).
A history younger than 12 hours is summarised as soon as it has something to say, under a
title saying since when ("Since 10:42, when the history began"), never as if it covered more."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.widgets import Static

from ...api.text import clean_text
from ...i18n import _, ngettext
from ...monitor.poll_status import format_age
from ...monitor.states import ExtensionState

if TYPE_CHECKING:  # the history's code is imported when the panel first reads it, not at startup
    from ...recorder.model import Availability, StateChange
    from ..history_view import HistoryReader

WINDOW = timedelta(hours=12)
REFRESH_S = 60.0
LONGEST = 5  # extensions listed under "offline longest"
LATEST = 12  # changes listed under "latest"
CHECK_S = 1.0  # how often the panel looks whether it is wanted (and due)
RETRY_S = 2.0  # how soon it reads again while it has nothing to show
MIN_SPAN = timedelta(hours=1)  # shown with nothing to say once the history reaches back this far
# Below this size the wall keeps all its room for the tiles.
MIN_WIDTH = 140
MIN_HEIGHT = 30


def since_hidden(size: Any) -> bool:
    """True when a terminal of ``size`` is too small to spare room for the panel."""
    return bool(size.width < MIN_WIDTH or size.height < MIN_HEIGHT)


def names_of(board: Any) -> dict[str, str]:
    return {ext: tile.name for ext, tile in board.tiles.items() if tile.name}


@dataclass(frozen=True)
class SinceData:
    changes: list[StateChange] = field(default_factory=list)
    outages: list[Availability] = field(default_factory=list)
    # when the history began, when that is within the 12 hours (it covers no more than that)
    began: datetime | None = None


def fetch_since(history: HistoryReader, now: datetime) -> SinceData | None:
    """The last 12 hours, or since the history began when that is later: every state and
    reachability change (newest first) and the longest outages. None when there is no
    history, or it is younger than :data:`MIN_SPAN` and saw no change yet."""
    first = history.first_record()
    if first is None:
        return None
    since = now - WINDOW
    changes = sorted(history.changes(since, now, reachability=True), key=lambda c: c.at, reverse=True)
    outages = [a for a in history.availability(since, now) if a.longest_outage_s > 0]
    if not changes and now - first < MIN_SPAN:
        return None  # (who is offline since it began, its tiles say)
    outages.sort(key=lambda a: (-a.longest_outage_s, a.extension))
    return SinceData(changes, outages[:LONGEST], first if first > since else None)


def since_title(data: SinceData | None, now: datetime) -> str:
    """``Since you last looked (12 h)``, or ``Since 10:42, when the history began``."""
    if data is None or data.began is None:
        return _("Since you last looked (12 h)")
    from ..history_view import moment_text

    return _("Since {time}, when the history began").format(time=moment_text(data.began, now))


def since_lines(data: SinceData, now: datetime, names: dict[str, str], limit: int = LATEST) -> Text:
    """The panel's text: a count, who was offline longest, the latest changes."""
    from ..history_view import moment_text, state_change_text

    text = Text(no_wrap=True, overflow="ellipsis")
    deaf = ExtensionState.UNREACHABLE
    offline = sum(1 for c in data.changes if c.new is ExtensionState.OFFLINE)
    online = sum(1 for c in data.changes if c.new is ExtensionState.ONLINE and c.old is not deaf)
    unreachable = sum(1 for c in data.changes if c.new is deaf)
    if not data.changes:
        if data.began is not None:
            text.append(_("No changes since {time}").format(time=moment_text(data.began, now)), style="dim")
        else:
            text.append(_("No changes in the last 12 hours"), style="dim")
    else:
        text.append(ngettext("{n} change", "{n} changes", len(data.changes)).format(n=len(data.changes)), style="bold")
        text.append(": " + _("{off} went offline, {on} came online").format(off=offline, on=online))
        if unreachable:
            text.append(", " + _("{n} stopped answering pings").format(n=unreachable))
    if data.outages:
        text.append("\n\n" + _("Offline longest") + "\n", style="bold underline")
        for outage in data.outages:
            text.append(ExtensionState.OFFLINE.glyph + " ", style="bold red")
            text.append(f"{outage.extension} ", style="bold")
            text.append(format_age(outage.longest_outage_s))
            if outage.longest_outage_from is not None:
                text.append(" " + _("from {time}").format(time=moment_text(outage.longest_outage_from, now)), style="dim")
            name = names.get(outage.extension)
            if name:
                text.append(" " + clean_text(name, limit=40), style="dim")
            text.append("\n")
        text.rstrip()
    if data.changes:
        text.append("\n\n" + _("Latest") + "\n", style="bold underline")
        for index, change in enumerate(data.changes[:limit]):
            if index:
                text.append("\n")
            text.append_text(state_change_text(change, now, names.get(change.extension)))
        if len(data.changes) > limit:
            text.append("\n" + _("… and {n} earlier").format(n=len(data.changes) - limit), style="dim")
    return text


class SincePanel(Static):
    """"Since you last looked", read again every minute while the board is on the wall.

    It shows once the history has a change to tell, or reaches back an hour
    (titled with since when it tells, when that is less than 12 hours), and says so in one
    line if the history then fails. Below :data:`MIN_WIDTH` x :data:`MIN_HEIGHT` it gives its room to the tiles."""

    SCOPED_CSS = False  # its rules depend on the board screen's wall and size classes
    DEFAULT_CSS = """
    SincePanel {
        display: none; width: 44; height: 1fr; padding: 0 1;
        border: round $primary-darken-2; border-title-color: $text-muted; border-title-style: bold;
        background: $surface; text-wrap: nowrap; text-overflow: ellipsis;
    }
    MonitorScreen.-wall SincePanel.-ready { display: block; }
    MonitorScreen.-wall.-no-since SincePanel { display: none; }
    """

    def __init__(self, services: Any, board: Callable[[], Any], *,
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__("", id=id, classes=classes, markup=False)
        self.services = services
        self.board = board
        self.border_title = since_title(None, services.now())
        self.shown_text: Text = Text()
        self.loaded_at: float | None = None  # monotonic time of the last read

    def on_mount(self) -> None:
        self.set_interval(CHECK_S, self._check, name="since-panel")

    def _wanted(self) -> bool:
        screen = self.screen
        return screen.is_current and screen.has_class("-wall") and not screen.has_class("-no-since")

    def _check(self) -> None:
        """Every few seconds: read again when on the wall and the last read is a minute old
        (or there was none: the history is opened in a thread as the app starts)."""
        if not self._wanted():
            return
        due = REFRESH_S if self.has_class("-ready") else RETRY_S
        if self.loaded_at is None or time.monotonic() - self.loaded_at >= due:
            self.load()

    @work(exclusive=True, exit_on_error=False, name="since-panel", group="since-panel")
    async def load(self) -> None:
        from ..history_view import ask, history_of

        self.loaded_at = time.monotonic()
        now = self.services.now()
        if history_of(self.services) is None:
            return
        answer = await ask(self.services, lambda history: fetch_since(history, now))
        data = answer.value
        if data is None and answer.problem is None:
            self.set_class(False, "-ready")  # nothing recorded yet, or nothing to say yet
            return
        if data is None:
            self.shown_text = Text(answer.problem or "", style="dim")
        else:
            self.shown_text = since_lines(data, now, names_of(self.board()))
        self.border_title = since_title(data, now)
        self.update(self.shown_text)
        self.set_class(True, "-ready")


__all__ = ["SincePanel", "SinceData", "fetch_since", "names_of", "since_hidden", "since_lines", "since_title"]
