"""SIGTERM (a service stopping) and SIGHUP (an SSH session dropping) leave the terminal as it
was: out of the alternate screen, mouse reporting off; the app saves what it remembers."""

from __future__ import annotations

import os
import select
import signal
import sys
import time

import pytest

pty = pytest.importorskip("pty")

LEAVE_ALTERNATE_SCREEN = b"\x1b[?1049l"
MOUSE_OFF = (b"\x1b[?1000l", b"\x1b[?1003l", b"\x1b[?1006l")


def _run_demo_then_signal(sig: int, state_dir, config) -> tuple[bytes, int, float]:
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        env = dict(os.environ, TERM="xterm-256color", COLUMNS="100", LINES="30",
                   CCALL_CONFIG=str(config), CCALL_STATE_DIR=str(state_dir))
        env.pop("NO_COLOR", None)
        os.execvpe(sys.executable, [sys.executable, "-m", "ccall_tui.cli", "--demo"], env)
    out = b""
    sent_at = 0.0
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                out += chunk
            if not sent_at and b"online" in out:
                time.sleep(0.5)  # a poll or two drawn
                sent_at = time.time()
                os.kill(pid, sig)
        else:
            os.kill(pid, signal.SIGKILL)
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    return out, os.waitstatus_to_exitcode(status), sent_at


@pytest.mark.timeout(90)
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_signal_restores_the_terminal_and_saves_state(sig, tmp_path):
    out, code, sent_at = _run_demo_then_signal(sig, tmp_path / "state", tmp_path / "config.toml")
    assert sent_at, "the demo never drew its board"
    assert code == 0
    last_enter = out.rfind(b"\x1b[?1049h")
    tail = out[last_enter:]
    assert LEAVE_ALTERNATE_SCREEN in tail
    for sequence in MOUSE_OFF:
        assert tail.rfind(sequence) > tail.rfind(sequence.replace(b"l", b"h")), sequence
    assert b"Traceback" not in out
    seen = tmp_path / "state" / "demo" / "seen.json"
    assert seen.exists() and seen.stat().st_mtime >= sent_at - 1


@pytest.mark.timeout(90)
def test_a_dropped_session_ends_the_app_cleanly(tmp_path):
    """The SSH session drops: the terminal is gone (the pty closes, the kernel sends SIGHUP).
    The app neither hangs nor dies on the writes that fail; it saves and exits 0."""
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        env = dict(os.environ, TERM="xterm-256color", CCALL_CONFIG=str(tmp_path / "config.toml"),
                   CCALL_STATE_DIR=str(tmp_path / "state"))
        os.execvpe(sys.executable, [sys.executable, "-m", "ccall_tui.cli", "--demo",
                                    "--log-file", str(tmp_path / "debug.log")], env)
    out = b""
    deadline = time.monotonic() + 60
    while b"online" not in out and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            out += os.read(fd, 65536)
    assert b"online" in out, "the demo never drew its board"
    time.sleep(0.5)
    dropped = time.time()
    os.close(fd)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.1)
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        pytest.fail("the app kept running without its terminal")
    assert os.waitstatus_to_exitcode(status) == 0
    seen = tmp_path / "state" / "demo" / "seen.json"
    assert seen.exists() and seen.stat().st_mtime >= dropped - 1
    assert "SIGHUP received" in (tmp_path / "debug.log").read_text(encoding="utf-8")
