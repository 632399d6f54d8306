"""The recorder's command line: ``record`` as a real process (stopped with SIGTERM, killed with
-9, restarted) keeps one history; ``history`` and ``report`` fail in one line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace

import pytest

from conftest import run_cli
from ccall_tui.config import Profile
from ccall_tui.recorder.history import open_history


def _start(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "ccall_tui.cli", "--poll-interval", "1", "record"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _wait(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError("timed out")


def _wait_for_stderr(process: subprocess.Popen[str], words: str, timeout: float = 30.0) -> str:
    """What ``process`` wrote to stderr up to and including ``words`` (read as it comes)."""
    import select

    said = b""
    deadline = time.monotonic() + timeout
    while words.encode() not in said:
        if time.monotonic() > deadline or process.poll() is not None:
            raise AssertionError(f"no {words!r} on stderr: {said.decode(errors='replace')!r}")
        ready, _, _ = select.select([process.stderr], [], [], 0.1)
        if ready:
            said += os.read(process.stderr.fileno(), 65536)
    return said.decode()


def _sessions(history) -> int:
    import sqlite3

    if not history.path.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{history.path}?mode=ro", uri=True) as conn:
            return conn.execute("SELECT count(*) FROM sessions").fetchone()[0]
    except sqlite3.Error:
        return 0


@pytest.fixture
def process_env(env, isolated):
    values = dict(os.environ)
    values.update(CCALL_BASE_URL=env.base_url, CCALL_API_KEY="demo", CCALL_API_SECRET="demo")
    return values


def test_record_stops_on_sigterm_and_a_restart_continues_the_same_history(process_env, sim):
    history = open_history(replace(Profile.default("default"), base_url=sim.base_url))
    first = _start(process_env)
    try:
        _wait(lambda: _sessions(history) == 1 and history.board_at(history.first_record()).known if history.first_record() else False)
        first.send_signal(signal.SIGTERM)
        out, err = first.communicate(timeout=30)
    finally:
        first.kill()
    assert first.returncode == 0, err
    assert "Recording default" in err and "Stopping" in err and "Traceback" not in err
    began = history.first_record()
    states = history.starts()
    assert states

    second = _start(process_env)
    try:
        _wait(lambda: _sessions(history) == 2)
        time.sleep(1.5)
        second.send_signal(signal.SIGTERM)
        _out, err = second.communicate(timeout=30)
    finally:
        second.kill()
    assert second.returncode == 0, err
    # one history: the same beginning, the states since then, one stretch not recorded between
    assert history.first_record() == began
    assert {ext: state for ext, (state, _since) in history.starts().items()} == {
        ext: state for ext, (state, _since) in states.items()}
    assert all(history.starts()[ext][1] == since for ext, (_state, since) in states.items())
    from datetime import datetime

    gaps = history.poll_gaps(began, datetime.now(began.tzinfo))
    assert [g.reason for g in gaps] == ["not recording"]
    history.close()


def test_record_stops_cleanly_when_its_terminal_closes(process_env, sim):
    """``record`` started from an SSH session that drops gets SIGHUP: it stops as on SIGTERM
    (what is queued written, the session closed), not killed mid-write."""
    history = open_history(replace(Profile.default("default"), base_url=sim.base_url))
    recorder = _start(process_env)
    try:
        _wait(lambda: _sessions(history) == 1 and bool(history.first_record()))
        recorder.send_signal(signal.SIGHUP)
        _out, err = recorder.communicate(timeout=30)
    finally:
        recorder.kill()
    assert recorder.returncode == 0, err
    assert "Stopping" in err and "Traceback" not in err
    history.close()


def test_kill_9_loses_at_most_the_last_poll(process_env, sim):
    history = open_history(replace(Profile.default("default"), base_url=sim.base_url))
    first = _start(process_env)
    try:
        _wait(lambda: _sessions(history) == 1 and bool(history.starts()))
        time.sleep(2.5)
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=30)
    finally:
        first.kill()
    began = history.first_record()
    assert began is not None and history.starts()
    second = _start(process_env)  # the lock of the killed process is gone with it
    try:
        _wait(lambda: _sessions(history) == 2)
        second.send_signal(signal.SIGTERM)
        _out, err = second.communicate(timeout=30)
    finally:
        second.kill()
    assert second.returncode == 0, err
    assert "Another program" not in err
    assert history.first_record() == began and history.warning is None
    history.close()


def test_a_second_recorder_follows_instead_of_writing(process_env, sim):
    history = open_history(replace(Profile.default("default"), base_url=sim.base_url))
    first = _start(process_env)
    second = None
    try:
        _wait(lambda: _sessions(history) == 1)
        second = _start(process_env)
        # its signal handlers are in place before it says so (a fixed wait ran out on a loaded
        # machine, and SIGTERM met a process still starting); then a poll or so as a follower
        said = _wait_for_stderr(second, "Another program is already recording")
        time.sleep(1.5)
        second.send_signal(signal.SIGTERM)
        _out, err2 = second.communicate(timeout=30)
        err2 = said + err2
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=30)
    finally:
        first.kill()
        if second is not None:
            second.kill()
    assert second.returncode == 0 and "Another program is already recording" in err2
    assert _sessions(history) == 1
    history.close()


@pytest.mark.parametrize("since", ["2x", "", "0d", "3 days", "12"])
def test_a_bad_duration_is_one_line_and_exit_2(capsys, env, since):
    code, out, err = run_cli(capsys, "history", "100", "--since", since)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "--since" in err and "2d, 12h or 30m" in err


def test_no_history_yet_is_one_line(capsys, env):
    for argv in (("history", "100"), ("report", "availability")):
        code, out, err = run_cli(capsys, *argv)
        assert code == 1 and out == ""
        assert err.count("\n") == 1 and "No history recorded for profile default" in err


def test_record_without_credentials_is_exit_3(capsys, env, monkeypatch):
    monkeypatch.delenv("CCALL_API_KEY")
    monkeypatch.delenv("CCALL_API_SECRET")
    code, _out, err = run_cli(capsys, "record")
    assert code == 3 and err.count("\n") == 1 and "No credentials" in err
