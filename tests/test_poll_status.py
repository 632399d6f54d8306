"""Backoff and the honesty of the status line: pure Python."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from ccall_tui.monitor.poll_status import Backoff, PollStatus, format_age

T0 = datetime(2026, 11, 27, 10, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_backoff_doubles_and_caps_without_jitter():
    backoff = Backoff(5, 60, jitter=0)
    assert [backoff.next_delay() for _ in range(6)] == [5, 10, 20, 40, 60, 60]
    backoff.reset()
    assert backoff.next_delay() == 5


@given(st.floats(1, 100), st.integers(1, 200), st.integers(0, 2**32))
def test_backoff_never_exceeds_cap_and_stays_positive(base, failures, seed):
    backoff = Backoff(base, 60, rng=random.Random(seed))
    for _ in range(failures):
        delay = backoff.next_delay()
        assert 0 < delay <= max(60, base)


def test_jitter_spreads_retries():
    delays = {round(Backoff(5, rng=random.Random(seed)).next_delay(), 3) for seed in range(20)}
    assert len(delays) > 10 and all(3.75 <= d <= 5 for d in delays)


def test_status_fresh_then_stale_by_age():
    status = PollStatus(4)
    assert not status.is_stale(T0) and status.summary(T0) == "no data yet"
    assert status.succeeded(T0) == 4
    assert not status.is_stale(at(9))
    assert status.is_stale(at(10.5))  # 2.5 × interval
    assert "no answer yet" in status.summary(at(11))


def test_failure_keeps_data_and_says_why():
    status = PollStatus(5, rng=random.Random(1))
    status.succeeded(T0)
    status.started()
    delay = status.failed(at(2), "Connection refused by 127.0.0.1:9.")
    assert status.is_stale(at(2))
    line = status.summary(at(42))
    assert line.startswith("data 42 s old · Connection refused by 127.0.0.1:9 · retrying in")
    assert 3.75 <= delay <= 5
    status.started()
    second = status.failed(at(10), "HTTP 503")
    assert 7.5 <= second <= 10
    status.started()
    assert status.succeeded(at(30)) == 5
    assert not status.is_stale(at(30)) and status.failures == 0


def test_auth_failure_keeps_retrying_slowly_with_age_and_reason():
    status = PollStatus(5, rng=random.Random(3))
    status.succeeded(T0)
    delays = []
    for n in range(20):
        status.started()
        delays.append(status.auth_rejected(at(60 + n * 300), "Authentication failed: bad key"))
    assert all(180 <= d <= 300 for d in delays) and len({round(d) for d in delays}) > 5
    now = at(60 + 19 * 300 + 60)  # the last retry is still ahead
    kind, line = status.status_line(now)
    assert kind == "auth" and status.is_stale(now)
    assert line.startswith("STALE · data 1 h 37 min old · Authentication failed: bad key · retrying in ")
    assert line.endswith("press l to log in again")
    status.resumed()
    status.started()
    assert status.succeeded(now) == 5 and not status.auth_failed
    assert status.status_line(now)[0] == "fresh"


def test_server_retry_after_is_honoured_and_said():
    status = PollStatus(5, rng=random.Random(1))
    status.succeeded(T0)
    status.started()
    delay = status.failed(at(1), "Too many requests", "server", retry_after=120)
    assert delay == 120 and status.next_attempt == at(121)
    assert status.summary(at(1)) == "data 1 s old · Too many requests · server asked to wait 2 min · retrying in 2 min"
    # a short Retry-After never shortens the backoff
    for _ in range(5):
        status.started()
        delay = status.failed(at(2), "Too many requests", "server", retry_after=1)
    assert delay > 20


def test_status_line_before_any_answer():
    status = PollStatus(5)
    assert status.status_line(T0) == ("connecting", "Connecting…")
    status.started()
    status.failed(T0, "Connection refused")
    kind, line = status.status_line(T0)
    assert kind == "stale" and line.startswith("STALE · no data yet · Connection refused · retrying in")


def test_interval_floor_is_one_second():
    assert PollStatus(0.1).interval == 1.0


def test_format_age():
    assert format_age(4) == "4 s"
    assert format_age(89) == "89 s"
    assert format_age(180) == "3 min"
    assert format_age(2 * 3600 + 300) == "2 h 5 min"
    assert format_age(3600) == "1 h"
    assert format_age(3 * 86400) == "3 d"
