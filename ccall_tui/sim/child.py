"""The demo's simulated PBX in a process of its own, as a real PBX is remote.

``ccall-tui --demo`` starts it first thing: :class:`DemoProcess` binds a listening socket on
127.0.0.1 (any free port, so it knows its address at once and no port can be taken meanwhile) and
hands it to ``python -m ccall_tui.sim.child FD``, which builds the seeded tenant, brings it to
life (phones dropping and coming back, calls finishing, a phone in each kind of trouble) and
serves on that socket. Importing and building the simulator so happens on another core while the
app starts, and its answers cost the app's process nothing. Until the child accepts, the kernel
holds the app's first request in the socket's queue.

The child lives exactly as long as the app: its standard input is a pipe from the app, and it
stops when that pipe closes, which happens however the app ends (quit, SIGTERM, SIGHUP, the
terminal closing, even SIGKILL). It has a session of its own, so keys and signals from the
terminal reach only the app, and it prints nothing.

This module imports no part of the simulator in the app's process (tests/test_import_cost.py).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

# The demo's tenant: the simulator's defaults (seed 7, 60 extensions numbered from 100). The app
# knows its roster without asking, as a real profile's comes from its config.
DEMO_FIRST_EXTENSION = 100
DEMO_EXTENSIONS = 60
DEMO_ROSTER = (f"{DEMO_FIRST_EXTENSION}-{DEMO_FIRST_EXTENSION + DEMO_EXTENSIONS - 1}",)
STOP_WAIT_S = 0.5


class DemoProcess:
    """The running simulated PBX of ``--demo``, in a child process. ``base_url`` is known at once."""

    roster = DEMO_ROSTER

    def __init__(self) -> None:
        listening = socket.create_server(("127.0.0.1", 0), backlog=64)
        try:
            self.base_url = f"http://127.0.0.1:{listening.getsockname()[1]}"
            lifeline_in, self._lifeline = os.pipe()
            try:
                self._process: subprocess.Popen[bytes] | None = subprocess.Popen(
                    [sys.executable, "-m", "ccall_tui.sim.child", str(listening.fileno())],
                    stdin=lifeline_in, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                    pass_fds=(listening.fileno(),), start_new_session=True, env=_child_environment(),
                )
            except BaseException:
                os.close(self._lifeline)
                raise
            finally:
                os.close(lifeline_in)
        finally:
            # Only the child serves on it now; if it ever dies, requests are refused (one clear
            # line on the board), never held unanswered.
            listening.close()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def cpu_seconds(self) -> float | None:
        """CPU time the child has used so far (Linux, from /proc), for the startup benchmark."""
        if self._process is None:
            return None
        try:
            fields = Path(f"/proc/{self._process.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            return None

    def stop(self) -> None:
        """Close the lifeline: the child stops by itself. It is given a moment to, then told to
        (SIGTERM); the app's exit never waits longer than that on it (by then the app has put
        its signal handlers away, and a late SIGHUP from a closing terminal would end it with
        that signal's status instead of its own)."""
        process, self._process = self._process, None
        if process is None:
            return
        try:
            os.close(self._lifeline)
        except OSError:
            pass
        try:
            process.wait(STOP_WAIT_S)
        except subprocess.TimeoutExpired:
            process.terminate()

    def __enter__(self) -> DemoProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _child_environment() -> dict[str, str]:
    """This environment; from a source tree (not an installed package), with that tree first on
    the child's path, so it imports the same ccall_tui as this process wherever it was started.
    An installed package is found where it is (a site-packages folder put first on the path
    could hide parts of the standard library)."""
    env = dict(os.environ)
    root = Path(__file__).resolve().parents[2]
    if root.name not in ("site-packages", "dist-packages"):
        env["PYTHONPATH"] = os.pathsep.join(
            [str(root)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    return env


def serve(fd: int) -> int:
    """The child: the demo's tenant, alive, on the inherited socket ``fd``, until its standard
    input closes (the app ended) or it is told to stop."""
    import signal
    import threading

    done = threading.Event()
    for number in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(number, lambda *_: done.set())

    def lifeline() -> None:
        try:
            while sys.stdin.buffer.read(4096):
                pass
        finally:
            done.set()

    threading.Thread(target=lifeline, name="lifeline", daemon=True).start()
    listening = socket.socket(fileno=fd)
    from .dropping import for_demo
    from .life import DemoLife
    from .server import SimulatedPbx
    from .troubles import for_demo as troubles_for_demo

    pbx = SimulatedPbx(extensions=DEMO_EXTENSIONS)
    for_demo(pbx.tenant)  # one extension drops during calls (the browser's w card)
    troubles_for_demo(pbx.tenant)  # a phone in each kind of trouble
    pbx.start(listening)
    life = DemoLife(pbx.tenant).start()  # the demo moves from its first seconds
    try:
        while not done.wait(1.0):
            pass
    finally:
        life.stop()
        pbx.stop()
    return 0


if __name__ == "__main__":
    sys.exit(serve(int(sys.argv[1])))
