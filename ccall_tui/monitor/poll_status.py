"""When to poll next, and how honest the data on screen still is. Pure, testable, no I/O.

The screen asks :class:`PollStatus` after every attempt how long to wait before the next one
(the next poll only starts after the previous one finished). Failures back off
exponentially with jitter, capped at a minute, or longer when the server asks for it
(``Retry-After``); the first success goes back to the interval. Wrong credentials do not stop
the feed: it retries every few minutes (a wall recovers unattended once the key works again),
and at once when the credentials change.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..i18n import _

BACKOFF_CAP_S = 60.0
STALE_FACTOR = 2.5
# After wrong credentials: retry every 3 to 5 minutes.
AUTH_RETRY_S = 240.0
AUTH_RETRY_JITTER_S = 60.0


class Backoff:
    """Exponential backoff: ``base, 2·base, 4·base …`` capped at ``cap``, minus up to
    ``jitter`` of it at random (so many screens never retry in step, and the cap holds)."""

    def __init__(
        self,
        base: float,
        cap: float = BACKOFF_CAP_S,
        *,
        jitter: float = 0.25,
        rng: random.Random | None = None,
    ) -> None:
        if base <= 0:
            raise ValueError("base must be positive")
        self.base = float(base)
        self.cap = max(float(cap), self.base)
        self.jitter = min(max(jitter, 0.0), 1.0)
        self.rng = rng or random.Random()
        self.failures = 0

    def next_delay(self) -> float:
        """Count one more failure and return how long to wait."""
        self.failures += 1
        raw: float = min(self.cap, self.base * 2.0 ** min(self.failures - 1, 30))
        return raw * (1.0 - self.jitter * self.rng.random())

    def reset(self) -> None:
        self.failures = 0


@dataclass(frozen=True, slots=True)
class PollFailure:
    message: str
    kind: str = "error"
    at: datetime | None = None
    # how long the server asked us to wait (Retry-After), in seconds
    retry_after: float | None = None


class PollStatus:
    """Last success, last error, next attempt: everything the status line says."""

    def __init__(self, interval: float, *, cap: float = BACKOFF_CAP_S, rng: random.Random | None = None) -> None:
        self.interval = max(float(interval), 1.0)
        self.rng = rng or random.Random()
        self.backoff = Backoff(self.interval, cap, rng=self.rng)
        self.last_success: datetime | None = None
        self.last_error: PollFailure | None = None
        self.next_attempt: datetime | None = None
        self.auth_failed = False
        self.in_flight = False
        self.attempts = 0
        # "N rows not understood: <reason>" when the last answer had rows that could not be read.
        self.not_understood: str | None = None

    @property
    def stale_after(self) -> float:
        return STALE_FACTOR * self.interval

    @property
    def failures(self) -> int:
        return self.backoff.failures

    # ------------------------------------------------------------------ recording

    def started(self) -> None:
        self.in_flight = True
        self.attempts += 1
        self.next_attempt = None

    def succeeded(self, now: datetime) -> float:
        """Record a success; returns the delay before the next poll."""
        self.in_flight = False
        self.last_success = now
        self.last_error = None
        self.auth_failed = False
        self.backoff.reset()
        return self._schedule(now, self.interval)

    def failed(
        self, now: datetime, message: str, kind: str = "error", retry_after: float | None = None
    ) -> float:
        """Record a failure; returns the delay before the next attempt: the backoff, or what
        the server asked for (``retry_after`` seconds) when that is longer."""
        self.in_flight = False
        if retry_after is not None and retry_after <= 0:
            retry_after = None
        self.last_error = PollFailure(message, kind, now, retry_after)
        self.auth_failed = False
        return self._schedule(now, max(self.backoff.next_delay(), retry_after or 0.0))

    def auth_rejected(self, now: datetime, message: str) -> float:
        """Wrong credentials: keep the data and its age, retry slowly (every 3-5 min,
        jittered); returns the delay before the next attempt."""
        self.in_flight = False
        self.auth_failed = True
        self.last_error = PollFailure(message, "auth", now)
        delay = AUTH_RETRY_S + AUTH_RETRY_JITTER_S * (2 * self.rng.random() - 1)
        return self._schedule(now, delay)

    def resumed(self) -> None:
        """New credentials (or a retry the user asked for): try again without waiting."""
        self.backoff.reset()

    def _schedule(self, now: datetime, delay: float) -> float:
        self.next_attempt = now + timedelta(seconds=delay)
        return delay

    # ------------------------------------------------------------------ reading

    def age(self, now: datetime) -> float | None:
        """Seconds since the last good data, None before the first."""
        if self.last_success is None:
            return None
        return max((now - self.last_success).total_seconds(), 0.0)

    def is_stale(self, now: datetime) -> bool:
        """True when the data on screen may no longer be true: a failure since the last
        success, or no success for ``2.5 × interval``."""
        if self.last_success is None:
            return self.last_error is not None
        if self.last_error is not None:
            return True
        age = self.age(now)
        return age is not None and age > self.stale_after

    def retry_in(self, now: datetime) -> float | None:
        if self.next_attempt is None:
            return None
        return max((self.next_attempt - now).total_seconds(), 0.0)

    def summary(self, now: datetime) -> str:
        """One line, e.g. ``"data 42 s old · Connection refused · retrying in 8 s"``."""
        parts: list[str] = []
        age = self.age(now)
        if age is None:
            parts.append(_("no data yet"))
        else:
            parts.append(_("data {age} old").format(age=format_age(age)))
        error = self.last_error
        if error is not None:
            parts.append(error.message.rstrip("."))
            if error.retry_after:
                parts.append(_("server asked to wait {wait}").format(wait=format_age(error.retry_after)))
        elif age is not None and age > self.stale_after:
            parts.append(_("no answer yet"))
        elif self.not_understood:
            parts.append(self.not_understood)
        if self.in_flight:
            parts.append(_("updating…"))
        else:
            wait = self.retry_in(now)
            if wait is not None and error is not None:
                parts.append(_("retrying in {wait}").format(wait=format_age(wait)))
        return " · ".join(parts)

    def status_line(self, now: datetime) -> tuple[str, str]:
        """``(kind, line)`` for any screen showing the data: kind is ``"auth"`` (wrong
        credentials), ``"stale"``, ``"connecting"`` (no answer yet) or ``"fresh"``; the line
        e.g. ``"STALE · data 12 min old · Authentication failed · retrying in 4 min · …"``."""
        if self.auth_failed:
            line = self.summary(now) + " · " + _("press l to log in again")
            if self.last_success is not None:
                line = _("STALE") + " · " + line
            return "auth", line
        if self.is_stale(now):
            return "stale", _("STALE") + " · " + self.summary(now)
        if self.last_success is None:
            return "connecting", _("Connecting…")
        return "fresh", _("updated {time} · {summary}").format(
            time=self.last_success.strftime("%H:%M:%S"), summary=self.summary(now)
        )


def format_age(seconds: float) -> str:
    """Compact age: ``"4 s"``, ``"42 s"``, ``"3 min"``, ``"2 h 5 min"``, ``"3 d"``."""
    seconds = max(int(seconds + 0.5), 0)
    if seconds < 90:
        return _("{n} s").format(n=seconds)
    minutes = seconds // 60
    if minutes < 60:
        return _("{n} min").format(n=minutes)
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        if minutes:
            return _("{h} h {m} min").format(h=hours, m=minutes)
        return _("{n} h").format(n=hours)
    return _("{n} d").format(n=hours // 24)
