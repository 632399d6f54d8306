"""The rewound board's parts without Textual: what to ask the history for one minute, the
board as it was then (for the same grid widget the live board uses), the banner saying it is
the past, and the changes around that minute."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from rich.text import Text

from ...api.registrations import Registration
from ...i18n import _
from ...monitor.board import ExtensionBoard
from ...monitor.poll_status import format_age
from ...monitor.roster import extension_sort_key
from ...monitor.states import ExtensionState, ExtensionTile
from ...recorder.model import BoardAt, PollGap, StateChange
from ..history_view import HistoryReader, local, moment_text, state_change_text

# the changes listed around the minute shown: this far before and after it
AROUND = timedelta(minutes=30)
# a tile that changed within the minute before the moment shown is highlighted
FRESH = timedelta(minutes=1)
# the changes listed on either side of the moment, at most
NEAREST = 100


@dataclass(frozen=True)
class RewindData:
    board: BoardAt
    changes: list[StateChange] = field(default_factory=list)
    gaps: list[PollGap] = field(default_factory=list)
    first_record: datetime | None = None


def fetch_rewind(history: HistoryReader, at: datetime) -> RewindData:
    """Everything the rewound board shows for the minute ``at`` (blocking: run in a thread)."""
    board = history.board_at(at)
    changes = history.changes(at - AROUND, at + AROUND, reachability=True)
    gaps = history.poll_gaps(at - AROUND, at + AROUND)
    return RewindData(board, changes, gaps, history.first_record())


def past_board(data: BoardAt, live: ExtensionBoard, first_record: datetime | None = None) -> ExtensionBoard:
    """The board as ``data`` says it was, named as the live board names its extensions now. A
    state that held when the history began only has a lower bound for its start ("≥")."""
    at = data.at
    board = ExtensionBoard(now=at)
    board.labels = dict(live.labels)
    for extension in sorted(data.states, key=extension_sort_key):
        state = data.states[extension]
        since = data.since.get(extension)
        known = live.get(extension)
        tile = ExtensionTile(
            extension, state, since or at,
            since_known=since is not None and (first_record is None or since > first_record),
            label=known.label if known is not None else live.labels.get(extension),
            learned_name=known.learned_name if known is not None else None,
        )
        devices = data.devices.get(extension, 0) if state is ExtensionState.ONLINE else 0
        # the tile shows how many devices (the history keeps their count for the board)
        tile.registrations = tuple(Registration(extension, f"{extension}@") for _ in range(devices))
        if since is not None and timedelta(0) <= at - since < FRESH:
            tile.changed_at = at  # highlighted: it changed in the minute before
        board.tiles[extension] = tile
        board.counts[state] += 1
        if state is ExtensionState.ONLINE and extension in data.unreachable:
            tile.unreachable = True  # ◐: registered, not answering pings then
            board.counts[ExtensionState.UNREACHABLE] += 1
    board.updated_at = at
    return board


def banner_text(at: datetime, now: datetime, data: RewindData | None, problem: str | None) -> Text:
    """``PAST · 2026-11-28 10:42 (PBX time) · 45 of 60 online · ◐ 2 unreachable · 3 h 12 min
    ago · Esc: back to live``: what matters first, so a narrow terminal cuts only the end."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append("◀◀ " + _("PAST") + " · ", style="bold")
    shown = local(at, now)
    text.append(shown.strftime("%Y-%m-%d %H:%M") + " " + _("(PBX time)"), style="bold")
    if problem is not None:
        text.append(" · " + problem, style="bold")
    elif data is None:
        text.append(" · " + _("loading…"))
    elif not data.board.known:
        if data.first_record is None:
            text.append(" · " + _("No history yet"), style="bold")
        elif at < data.first_record:
            text.append(" · " + _("history begins {time}").format(time=moment_text(data.first_record, now)), style="bold")
        else:
            text.append(" · " + _("nothing was recording then"), style="bold")
    else:
        board = data.board
        total = len(board.states)
        # counted as the live header counts: online is registered and answering pings
        registered = sum(1 for state in board.states.values() if state is ExtensionState.ONLINE)
        unreachable = len(board.unreachable)
        if not board.polling_ok:
            text.append(" · " + _("polling had failed then"), style="bold")
        text.append(" · " + _("{online} of {total} online").format(online=registered - unreachable, total=total))
        if unreachable:
            deaf = ExtensionState.UNREACHABLE
            text.append(f" · {deaf.glyph} {unreachable} {deaf.label}")
    text.append(" · " + _("{age} ago").format(age=format_age((now - at).total_seconds())))
    text.append(" · " + _("Esc: back to live"))
    return text


def changes_text(data: RewindData, at: datetime, now: datetime, names: dict[str, str]) -> Text:
    """The changes around ``at``, newest first, with a marker where ``at`` falls and the
    stretches when polling failed."""
    items: list[tuple[datetime, int, Text]] = []
    for change in data.changes:
        items.append((change.at, 0, state_change_text(change, now, names.get(change.extension))))
    for gap in data.gaps:
        line = Text(no_wrap=True, overflow="ellipsis")
        end = moment_text(gap.end, now) if gap.end is not None else _("still")
        line.append(f"{moment_text(gap.start, now)}–{end} ", style="dim")
        line.append(_("no data: {reason}").format(reason=gap.reason), style="bold yellow")
        items.append((gap.start, 0, line))
    marker = Text(no_wrap=True, overflow="ellipsis")
    marker.append("── " + _("shown: {time}").format(time=moment_text(at, now)) + " ──", style="bold reverse")
    items.append((at, 1, marker))
    items.sort(key=lambda item: (item[0], item[1]), reverse=True)
    # a busy tenant's hour holds thousands: the ones nearest the moment, either side
    middle = next(i for i, item in enumerate(items) if item[1] == 1)
    later, earlier = max(0, middle - NEAREST), max(0, len(items) - middle - 1 - NEAREST)
    items = items[later:middle + 1 + NEAREST]
    text = Text(no_wrap=True, overflow="ellipsis")
    if later:
        text.append(_("… {n} later").format(n=later) + "\n", style="dim")
    for index, (_at, _order, line) in enumerate(items):
        if index:
            text.append("\n")
        text.append_text(line)
    if earlier:
        text.append("\n" + _("… {n} earlier").format(n=earlier), style="dim")
    if not data.changes and not data.gaps:
        text.append("\n" + _("No changes in the hour around it"), style="dim")
    return text


__all__ = ["AROUND", "RewindData", "banner_text", "changes_text", "fetch_rewind", "past_board"]
