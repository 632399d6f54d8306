"""A board left running over SSH ends when its terminal hangs up: the SIGCONT the kernel sends
with the SIGHUP does not restart the terminal mode (Textual's driver would), and a terminal
that is gone is told apart from one that is only being signalled."""

from __future__ import annotations

import os
import pty
import signal

import pytest

from ccall_tui.ui.terminal_signals import resume_only_after_suspend, terminal_gone


@pytest.fixture
def handlers():
    """Recording SIGTSTP/SIGCONT handlers in place (as Textual's driver installs its own),
    the previous ones put back afterwards."""
    calls: list[str] = []
    before = signal.getsignal(signal.SIGTSTP), signal.getsignal(signal.SIGCONT)
    signal.signal(signal.SIGTSTP, lambda signum, frame: calls.append("suspend"))
    signal.signal(signal.SIGCONT, lambda signum, frame: calls.append("resume"))
    yield calls
    signal.signal(signal.SIGTSTP, before[0])
    signal.signal(signal.SIGCONT, before[1])


def test_a_sigcont_without_a_suspend_does_not_resume_the_terminal(handlers):
    resume_only_after_suspend()
    os.kill(os.getpid(), signal.SIGCONT)  # as the kernel sends with a hangup's SIGHUP
    assert handlers == []
    os.kill(os.getpid(), signal.SIGTSTP)  # kill -TSTP (the recording handler does not stop us)
    os.kill(os.getpid(), signal.SIGCONT)  # fg, or kill -CONT
    os.kill(os.getpid(), signal.SIGCONT)  # a second one resumes nothing more
    assert handlers == ["suspend", "resume"]


def test_without_python_handlers_nothing_is_wrapped():
    before = signal.getsignal(signal.SIGCONT)
    signal.signal(signal.SIGCONT, signal.SIG_DFL)
    try:
        resume_only_after_suspend()
        assert signal.getsignal(signal.SIGCONT) is signal.SIG_DFL
    finally:
        signal.signal(signal.SIGCONT, before)


def test_a_terminal_that_hung_up_is_gone_and_others_are_not(tmp_path):
    master, slave = pty.openpty()
    try:
        assert not terminal_gone(slave)
        os.close(master)
        master = -1
        assert terminal_gone(slave)
    finally:
        os.close(slave)
        if master >= 0:
            os.close(master)
    with open(tmp_path / "file", "w") as handle:  # not a terminal: not known to be gone
        assert not terminal_gone(handle.fileno())
    assert not terminal_gone(None)
