"""The terminal's signals, made safe for a board left running for days over SSH.

Textual's Linux driver resumes its terminal mode on every SIGCONT. The kernel sends one right
after the SIGHUP of a terminal that hangs up (an SSH session dropping). Resuming then starts a
new thread to write to the terminal, which dies at its first write; the app, leaving, waits
forever for room in that dead thread's queue, and the demo's simulator and the history's
lock stay with it. Here:

* SIGCONT resumes only a suspended app (after a SIGTSTP: ``kill -TSTP``, then ``fg`` or
  ``kill -CONT``);
* once the terminal is gone, what is left to draw is dropped instead of queued, so leaving
  gets to what it saves (see :func:`.textual_compat.drop_terminal_output`).
"""

from __future__ import annotations

import errno
import signal
import termios
from typing import Any


def resume_only_after_suspend() -> None:
    """Wrap the SIGTSTP/SIGCONT handlers in place (Textual's driver installs them when it is
    made): SIGCONT reaches the driver only after a SIGTSTP did. Nothing when they are not
    Python handlers (no driver, or not a Unix terminal)."""
    stop_signal, continue_signal = getattr(signal, "SIGTSTP", None), getattr(signal, "SIGCONT", None)
    if stop_signal is None or continue_signal is None:  # pragma: no cover - not Unix
        return
    suspend, resume = signal.getsignal(stop_signal), signal.getsignal(continue_signal)
    if not callable(suspend) or not callable(resume):
        return
    suspended = False

    def on_suspend(signum: int, frame: Any) -> None:
        nonlocal suspended
        suspended = True
        suspend(signum, frame)

    def on_resume(signum: int, frame: Any) -> None:
        nonlocal suspended
        if suspended:
            suspended = False
            resume(signum, frame)

    signal.signal(stop_signal, on_suspend)
    signal.signal(continue_signal, on_resume)


_HUNG_UP = (errno.EIO, errno.ENXIO, errno.ENODEV)


def terminal_gone(fd: int | None) -> bool:
    """Whether ``fd`` is a terminal that hung up: its settings can no longer be read (EIO).
    A file that is no terminal, or was closed, is not known to be gone: False."""
    if fd is None:
        return False
    try:
        termios.tcgetattr(fd)
    except termios.error as exc:
        return bool(exc.args) and exc.args[0] in _HUNG_UP
    except (OSError, ValueError):
        return False
    return False


__all__ = ["resume_only_after_suspend", "terminal_gone"]
