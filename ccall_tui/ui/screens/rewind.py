"""The board as it was at a past minute, read from the flight recorder's history.

Pushed over the live board by ``<`` (a minute back) or ``g`` (go to time); ``<`` / ``>`` step a
minute (held down, 5, 15, then 60 minutes at a time), ``[`` / ``]`` an hour, ``{`` / ``}`` a
day; ``Esc`` returns to live (so does stepping forward into the present). It is marked as the
past everywhere: a banner with the time, a different frame colour, dimmed tiles when polling
had failed then. The live board keeps polling underneath.
"""

from __future__ import annotations

import time
from functools import partial
from datetime import datetime, timedelta
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from ...i18n import N_, _
from ...monitor.board import ExtensionBoard
from ..history_view import ask, moment_text
from ..rewind_time import Stepper, minute_of
from ..translate import translate_bindings
from ..widgets.extension_grid import ExtensionGrid
from ..widgets.footer import AppFooter
from ..widgets.rewind_parts import AROUND, RewindData, banner_text, changes_text, fetch_rewind, past_board
from ..widgets.textline import TextLine

NARROW_WIDTH = 110


def _fetch_at(at: datetime, history: Any) -> RewindData:
    return fetch_rewind(history, at)


class RewindScreen(Screen[None]):
    """The whole board at one past minute, clearly not the present."""

    HELP_TITLE = N_("Rewind (the board in the past)")
    HELP_STATES = True
    HELP_NOTE = N_(
        "The board as the history recorded it at one minute (PBX time). < and > step a minute; "
        "held down they step 5, 15, then 60 minutes. [ and ] step an hour, { and } a day. "
        "g goes to a time: 10:42, yesterday 18:00, 2026-11-30 18:00 or -2h. Tiles that changed in "
        "the minute before are highlighted; dimmed tiles mean polling had failed then. The list "
        "beside shows the changes half an hour either side. Esc returns to the live board."
    )

    DEFAULT_CSS = """
    RewindScreen #rw-banner {
        height: 1; padding: 0 1;
        background: $warning; color: $background; text-style: bold;
    }
    RewindScreen #rw-banner.-problem { background: $error; color: $text; }
    RewindScreen #rw-body { height: 1fr; }
    RewindScreen #rw-grid { border: heavy $warning; border-title-color: $warning; overflow-x: hidden; }
    RewindScreen #rw-grid:focus { border: heavy $warning; border-title-color: $warning; }
    RewindScreen #rw-changes {
        width: 46; height: 1fr; padding: 0 1;
        border: round $warning 60%; border-title-color: $warning;
    }
    RewindScreen #rw-changes-text { text-wrap: nowrap; text-overflow: ellipsis; }
    RewindScreen.-narrow #rw-changes { display: none; }
    """

    BINDINGS = [
        Binding("escape", "live", N_("Back to live")),
        Binding("less_than_sign", "step(-1)", N_("Minute back"), key_display="<"),
        Binding("greater_than_sign", "step(1)", N_("Minute on"), key_display=">"),
        Binding("left_square_bracket", "jump(-60)", N_("Hour back"), key_display="["),
        Binding("right_square_bracket", "jump(60)", N_("Hour on"), key_display="]"),
        Binding("left_curly_bracket", "jump(-1440)", N_("Day back"), key_display="{", show=False),
        Binding("right_curly_bracket", "jump(1440)", N_("Day on"), key_display="}", show=False),
        Binding("g", "go_to", N_("Go to time")),
        Binding("enter", "open", N_("Details"), show=False),
    ]

    def __init__(self, services: Any, live: ExtensionBoard, at: datetime) -> None:
        super().__init__()
        translate_bindings(self)
        self.services = services
        self.live = live
        self.at = minute_of(at)
        self.data: RewindData | None = None
        self.problem: str | None = None
        self.board = ExtensionBoard(now=self.at)
        self._shown_at: datetime | None = None
        self._loading = False
        self._stepper = Stepper()

    def compose(self) -> ComposeResult:
        yield TextLine("", id="rw-banner")
        with Horizontal(id="rw-body"):
            grid = ExtensionGrid(self.board, lambda: self._shown_at or self.at, id="rw-grid")
            grid.border_title = _("The board in the past")
            yield grid
            with VerticalScroll(id="rw-changes") as changes:
                changes.border_title = _("Changes around it")
                yield Static("", id="rw-changes-text", markup=False)
        yield AppFooter()

    @property
    def grid(self) -> ExtensionGrid:
        return self.query_one("#rw-grid", ExtensionGrid)

    def on_mount(self) -> None:
        self.grid.focus()
        self._render_banner()
        self.load()

    def on_resize(self) -> None:
        self.set_class(self.size.width < NARROW_WIDTH, "-narrow")

    # ------------------------------------------------------------------ moving in time

    def go_to(self, moment: datetime) -> None:
        """Show the minute of ``moment`` (stepping into the present returns to live)."""
        now = self.services.now()
        target = minute_of(moment)
        if target >= minute_of(now):
            self.action_live()
            return
        self.at = target
        self._render_banner()
        self.load()

    def action_step(self, direction: int) -> None:
        self.go_to(self.at + self._stepper.step(direction, time.monotonic()))

    def action_jump(self, minutes: int) -> None:
        self.go_to(self.at + timedelta(minutes=minutes))

    def action_go_to(self) -> None:
        from .goto_time import GoToTime

        def chosen(moment: datetime | None) -> None:
            if moment is not None:
                self.go_to(moment)

        self.app.push_screen(GoToTime(self.services.now, self.at.strftime("%Y-%m-%d %H:%M")), chosen)

    def action_live(self) -> None:
        if self.app.screen is self:
            self.app.pop_screen()

    def action_open(self) -> None:
        extension = self.grid.highlighted_extension
        if extension is not None:
            from .extension import ExtensionScreen

            self.app.push_screen(ExtensionScreen(self.services, self.live, extension, status=self.live.status))

    def on_extension_grid_opened(self, event: ExtensionGrid.Opened) -> None:
        event.stop()
        self.action_open()

    # ------------------------------------------------------------------ loading

    def load(self) -> None:
        """Read the board at ``self.at`` in a thread. Keys pressed meanwhile only move the
        target: one read at a time, then one more for wherever the keys stopped."""
        if not self._loading:
            self._loading = True
            self._load()

    @work(exit_on_error=False, name="rewind", group="rewind")
    async def _load(self) -> None:
        try:
            while True:
                target = self.at
                answer = await ask(self.services, partial(_fetch_at, target))
                if target == self.at:
                    self._show(target, answer.value, answer.problem)
                    return
        finally:
            self._loading = False

    def _show(self, at: datetime, data: RewindData | None, problem: str | None) -> None:
        self.data, self.problem = data, problem
        self._shown_at = at
        grid = self.grid
        if data is not None and data.board.known:
            self.board = past_board(data.board, self.live, data.first_record)
        else:
            self.board = ExtensionBoard(now=at)
        grid.board = self.board
        grid.stale = data is not None and data.board.known and not data.board.polling_ok
        grid.rebuild()
        self._render_banner()
        changes = self.query_one("#rw-changes-text", Static)
        if data is None:
            changes.update(Text(problem or ""))
        else:
            names = {ext: tile.name for ext, tile in self.live.tiles.items() if tile.name}
            changes.update(changes_text(data, at, self.services.now(), names))
        now = self.services.now()
        self.query_one("#rw-changes").border_title = _("Changes {start}–{end}").format(
            start=moment_text(at - AROUND, now), end=moment_text(at + AROUND, now)
        )

    def _render_banner(self) -> None:
        now = self.services.now()
        loaded = self.data if self._shown_at == self.at else None
        problem = self.problem if self._shown_at == self.at else None
        banner = self.query_one("#rw-banner", TextLine)
        banner.set_class(problem is not None, "-problem")
        banner.update(banner_text(self.at, now, loaded, problem))
        self.grid.border_title = _("The board at {time}").format(time=moment_text(self.at, now))


def open_rewind(screen: Any, at: datetime | None = None) -> None:
    """From the live board: the minute before now, or ``at``."""
    services = screen.services
    moment = at if at is not None else minute_of(services.now()) - timedelta(minutes=1)
    screen.app.push_screen(RewindScreen(services, screen.board, moment))


def ask_and_rewind(screen: Any) -> None:
    """From the live board: ``g`` asks for the time, then shows the board then."""
    from .goto_time import GoToTime

    def chosen(moment: datetime | None) -> None:
        if moment is not None:
            open_rewind(screen, moment)

    screen.app.push_screen(GoToTime(screen.services.now), chosen)


__all__ = ["RewindScreen", "ask_and_rewind", "open_rewind"]
