"""What "go to time" understands, and how the rewound board steps through time.

Pure Python (no Textual): ``parse_moment("yesterday 18:00", now)`` gives the minute meant, in
the PBX's time zone (``now``'s), or raises :class:`MomentError` with one line for the user.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from ..i18n import _

_CLOCK = r"(?P<hour>\d{1,2})[:h.](?P<minute>\d{2})"
_AGO = re.compile(r"^-?\s*(?P<parts>(?:\d+\s*[dhm]\s*)+)(?:ago|trước)?$")
_PART = re.compile(r"(\d+)\s*([dhm])")
_CLOCK_ONLY = re.compile(rf"^{_CLOCK}$")
_DAY_WORD = re.compile(rf"^(?P<day>yesterday|today|hôm qua|hom qua|hôm nay|hom nay)\s+{_CLOCK}$")
_DATE = re.compile(rf"^(?P<y>\d{{4}})-(?P<m>\d{{1,2}})-(?P<d>\d{{1,2}})(?:[ T]+{_CLOCK})?$")
_UNITS = {"d": 86400, "h": 3600, "m": 60}
_YESTERDAY = ("yesterday", "hôm qua", "hom qua")
# The oldest moment "go to time" accepts, counted back from now (the recorder keeps less).
MAX_BACK = timedelta(days=400)


class MomentError(ValueError):
    """The text names no moment we can show: ``str()`` is the one line for the user."""


def minute_of(moment: datetime) -> datetime:
    """The minute ``moment`` falls in (seconds dropped)."""
    return moment.replace(second=0, microsecond=0)


def parse_moment(text: str, now: datetime) -> datetime:
    """``10:42`` (the last 10:42 that has passed), ``yesterday 18:00``, ``2026-11-30 18:00``,
    ``2026-11-30``, ``-2h`` / ``-1h30m`` / ``2d`` (back from now): the minute meant, in
    ``now``'s time zone. A moment in the future, or more than a year back, is refused."""
    raw = " ".join(text.strip().lower().split())
    if not raw:
        raise MomentError(_("Type a time: 10:42, yesterday 18:00, 2026-11-30 18:00 or -2h"))
    moment: datetime | None = None
    if match := _AGO.match(raw):
        seconds = sum(int(n) * _UNITS[unit] for n, unit in _PART.findall(match.group("parts")))
        moment = now - timedelta(seconds=seconds)
    elif match := _CLOCK_ONLY.match(raw):
        moment = _at_clock(now, now, match)
        if moment is not None and moment > now:
            moment -= timedelta(days=1)  # "10:42" before 10:42 means yesterday's
    elif match := _DAY_WORD.match(raw):
        day = now - timedelta(days=1) if match.group("day") in _YESTERDAY else now
        moment = _at_clock(day, now, match)
    elif match := _DATE.match(raw):
        try:
            day = now.replace(year=int(match.group("y")), month=int(match.group("m")), day=int(match.group("d")))
        except ValueError:
            raise MomentError(_("No such date: {text}").format(text=text.strip())) from None
        moment = _at_clock(day, now, match) if match.group("hour") else day.replace(hour=0, minute=0)
    if moment is None:
        raise MomentError(
            _("Not a time: {text} (try 10:42, yesterday 18:00, 2026-11-30 18:00 or -2h)").format(text=text.strip())
        )
    moment = minute_of(moment)
    if moment > now:
        raise MomentError(_("{time} is still to come: the past only").format(time=moment.strftime("%Y-%m-%d %H:%M")))
    if now - moment > MAX_BACK:
        raise MomentError(_("{time} is too long ago").format(time=moment.strftime("%Y-%m-%d %H:%M")))
    return moment


def _at_clock(day: datetime, now: datetime, match: re.Match[str]) -> datetime | None:
    hour, minute = int(match.group("hour")), int(match.group("minute"))
    if hour > 23 or minute > 59:
        return None
    return day.replace(hour=hour, minute=minute, second=0, microsecond=0, tzinfo=now.tzinfo)


# ---------------------------------------------------------------------------- stepping

# ``<`` / ``>`` step one minute; held down (auto-repeat), the steps grow: after this many
# presses in a row, each ``REPEAT_WINDOW_S`` apart at most, the next step size applies.
STEPS = ((0, 1), (8, 5), (20, 15), (40, 60))  # (presses in a row, minutes per step)
REPEAT_WINDOW_S = 0.6


class Stepper:
    """How far one press of ``<`` / ``>`` moves: a minute, more while the key is held."""

    def __init__(self) -> None:
        self._last: float | None = None
        self._direction = 0
        self.run = 0

    def step(self, direction: int, at: float) -> timedelta:
        """The move for a press in ``direction`` (-1 back, 1 forward) at monotonic time ``at``."""
        held = (
            self._last is not None and direction == self._direction and at - self._last <= REPEAT_WINDOW_S
        )
        self.run = self.run + 1 if held else 0
        self._last, self._direction = at, direction
        minutes = 1
        for presses, size in STEPS:
            if self.run >= presses:
                minutes = size
        return timedelta(minutes=minutes * direction)


__all__ = ["MAX_BACK", "MomentError", "Stepper", "minute_of", "parse_moment"]
