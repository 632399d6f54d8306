"""The words on a tile and in the details' title: compact exact ages, "seen 10:42", and text
fitted by terminal cells (Vietnamese diacritics and wide characters included), never cut.

No textual here: plain strings, so the board, the wall and the details say the same thing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from rich.cells import cell_len, set_cell_size

from ...i18n import _, current_language
from ...monitor.board import ExtensionBoard
from ...monitor.format import format_clock, format_timestamp
from ...monitor.hints import transport_badge
from ...monitor.poll_status import format_age
from ...monitor.states import ExtensionState, ExtensionTile

# A state that began before the board was watching is shown as a lower bound ("≥ 3 min"),
# and only once that bound says something.
LOWER_BOUND_FROM_S = 60


def age_bucket(seconds: float) -> int:
    """Changes exactly when :func:`format_age`'s text can change (whole seconds under 90 s,
    whole minutes under an hour, hours and minutes under a day, then whole days), so a tile
    is redrawn when, and only when, its age text moves."""
    whole = max(int(seconds + 0.5), 0)
    if whole < 90:
        return whole
    if whole < 86400:
        return 100 + whole // 60
    return 10_000 + whole // 86400


def lower_bound_bucket(seconds: float) -> int:
    """:func:`age_bucket` for a lower bound: nothing in the first minute, then whole minutes."""
    if seconds < LOWER_BOUND_FROM_S:
        return -1
    return age_bucket(max(seconds, 90.0))


_AGE_TEXTS: dict[tuple[int, bool, str], str] = {}


def state_age_text(tile: ExtensionTile, now: datetime) -> str:
    """``"12 min"``, ``"3 h 5 min"``, ``"2 d"``; ``"≥3 min"`` when the state began before the
    board was watching (nothing during that first minute). Empty under a second, for a
    state nobody knows yet, and for "never seen" (which has no start)."""
    if tile.state is ExtensionState.UNKNOWN or tile.state is ExtensionState.NEVER_SEEN:
        return ""
    seconds = (now - tile.since).total_seconds()
    if tile.since_known:
        if seconds < 1:
            return ""
        bucket = age_bucket(seconds)
    else:
        bucket = lower_bound_bucket(seconds)
        if bucket < 0:
            return ""
        seconds = max(seconds, 90.0)  # "1 min" from the first minute on, never "60 s"
    # The text depends only on the bucket (and the language): thousands of tiles share a few.
    key = (bucket, tile.since_known, current_language())
    text = _AGE_TEXTS.get(key)
    if text is None:
        if len(_AGE_TEXTS) > 4096:
            _AGE_TEXTS.clear()
        age = format_age(seconds)
        text = _AGE_TEXTS[key] = age if tile.since_known else "≥" + age
    return text


def tile_age_key(tile: ExtensionTile, now: datetime) -> int:
    """What the age text of ``tile`` depends on, cheaply (for the grid's redraw keys)."""
    if tile.state is ExtensionState.UNKNOWN or tile.state is ExtensionState.NEVER_SEEN:
        return -2
    seconds = (now - tile.since).total_seconds()
    if tile.since_known:
        return age_bucket(seconds) if seconds >= 1 else -1
    return lower_bound_bucket(seconds)


def last_seen(tile: ExtensionTile, board: ExtensionBoard | None = None) -> datetime | None:
    """When an offline extension was last seen online, when that is known: the board's
    memory of it (kept across restarts), else the poll that found it gone (its state's
    start, to within one poll interval)."""
    if tile.state is not ExtensionState.OFFLINE:
        return None
    if board is not None:
        moment = board.last_seen(tile.extension)
        if moment is not None:
            return moment
    return tile.since if tile.since_known else None


def short_moment(moment: datetime, now: datetime) -> str:
    """``10:42`` today, ``2026-11-25`` another day (the app's one format, cut to what a tile
    has room for); in ``now``'s timezone (the PBX's)."""
    if now.tzinfo is not None and moment.tzinfo is not None:
        moment = moment.astimezone(now.tzinfo)
    if moment.date() == now.date():
        return moment.strftime("%H:%M")
    return moment.strftime("%Y-%m-%d")


def seen_text(tile: ExtensionTile, now: datetime, board: ExtensionBoard | None = None) -> str:
    """``"seen 10:42"`` for an offline tile whose last sighting is known, else empty."""
    moment = last_seen(tile, board)
    if moment is None:
        return ""
    return _("seen {time}").format(time=short_moment(moment, now))


def _cells(text: str) -> int:
    return len(text) if text.isascii() else cell_len(text)


_WORDS: dict[tuple[ExtensionState, bool, str], str] = {}


def state_word(state: ExtensionState, shout: bool = False) -> str:
    """The state's word in the active language (``OFFLINE`` when shouted), looked up once."""
    key = (state, shout, current_language())
    word = _WORDS.get(key)
    if word is None:
        word = state.label
        word = _WORDS[key] = word.upper() if shout and state is not ExtensionState.ONLINE else word
    return word


def fit(candidates: Iterable[str], width: int) -> str:
    """The first candidate that fits in ``width`` terminal cells, padded to exactly that
    width; the last one cut (with "…") only when none fits. Cells, not characters: a
    Vietnamese letter with two marks is one cell, a CJK character two."""
    last = ""
    for text in candidates:
        last = text
        cells = _cells(text)
        if cells <= width:
            return text + " " * (width - cells) if cells < width else text
    if width <= 0:
        return ""
    if _cells(last) > width:
        return set_cell_size(last, width - 1) + "…" if width > 1 else set_cell_size(last, width)
    return set_cell_size(last, width)


def status_candidates(
    tile: ExtensionTile, now: datetime, *, shout: bool = False, board: ExtensionBoard | None = None
) -> list[str]:
    """The tile's status line from the fullest to the shortest: the state word, its age, the
    device count, the flap count, when it was last seen; parts are dropped (least useful
    first) rather than cut."""
    word = state_word(tile.shown, shout)
    age = state_age_text(tile, now)
    head = f"{word} {age}".rstrip()
    devices = f" ×{tile.devices}" if tile.devices > 1 else ""
    flaps = f" ↓{tile.flaps}" if tile.flaps else ""
    seen = seen_text(tile, now, board)
    seen_part = f" · {seen}" if seen else ""
    candidates = [head + devices + flaps + seen_part, head + devices + seen_part]
    badge = tile_badge(tile)
    if badge:  # where there is room: how it is connected (its devices' transports)
        candidates.insert(0, f"{head}{devices}{flaps} {badge}")
    if seen and not tile.since_known:
        # Offline since before the app watched: "≥10 min" is only a bound, the last sighting
        # (remembered from earlier runs) is the fact: keep it over the age.
        candidates.append(f"{word}{devices}{seen_part}")
    candidates += [head + devices + flaps, head + devices, head]
    if age:  # the glyph and the colour already say the state: the age matters more
        candidates.append(age + devices)
        candidates.append(age)
    candidates.append(word)
    return list(dict.fromkeys(candidates))  # in order, without repeats


def tile_badge(tile: ExtensionTile) -> str:
    """``"UDP-NAT"``, ``"TLS/UDP"``: the transports of a registered tile's devices (they are part
    of what makes a tile change, so a drawn tile never shows an old one)."""
    if tile.state is not ExtensionState.ONLINE or not tile.devices:
        return ""
    return "/".join(dict.fromkeys(b for reg in tile.registrations if (b := transport_badge(reg))))


def since_text(tile: ExtensionTile, now: datetime, board: ExtensionBoard | None = None) -> str:
    """For the details screen: ``"online for 12 min (since 10:18:05)"``; a state that began
    before the board was watching says so: ``"online for ≥3 min (watching since 10:27:00)"``."""
    if tile.state is ExtensionState.UNKNOWN:
        return _("unknown: no answer from the PBX yet")
    moment = tile.since.astimezone(now.tzinfo) if now.tzinfo else tile.since
    time = format_clock(moment) if moment.date() == now.date() else format_timestamp(moment)
    span = state_age_text(tile, now)
    if tile.since_known:
        text = _("{state} for {age} (since {time})").format(
            state=tile.state.label, age=span or _("a moment"), time=time
        )
    elif span:
        text = _("{state} for {age} (watching since {time})").format(state=tile.state.label, age=span, time=time)
    else:
        text = _("{state} (watching since {time})").format(state=tile.state.label, time=time)
    if tile.shown is ExtensionState.UNREACHABLE:
        text += " · " + _("not answering pings")
    seen = last_seen(tile, board)
    if seen is not None and not (tile.since_known and seen == tile.since):
        seen_at = seen.astimezone(now.tzinfo) if now.tzinfo else seen
        text += " · " + _("last seen {time}").format(time=format_timestamp(seen_at))
    return text


__all__ = [
    "age_bucket", "fit", "last_seen", "lower_bound_bucket", "seen_text", "short_moment", "since_text",
    "state_age_text", "status_candidates", "tile_age_key",
]
