"""The TUI's demo runs its simulated PBX in a child process (ccall_tui/sim/child.py): the same
seeded, living tenant as before, and a child that never outlives the app, however the app ends."""

from __future__ import annotations

import errno
import os
import select
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from ccall_tui.sim.child import DEMO_ROSTER, DemoProcess

pty = pytest.importorskip("pty")

AUTH = {"api_key": "demo", "api_secret": "demo"}


def _gone(pid: int) -> bool:
    """No such process, or only its zombie (a container's init may not reap it at once)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")


def _wait_gone(pid: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _gone(pid):
            return True
        time.sleep(0.05)
    return False


def _demo_children(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == parent and b"ccall_tui.sim.child" in cmdline:
            found.append(int(entry.name))
    return found


@pytest.mark.timeout(60)
def test_the_demo_tenant_answers_from_a_process_of_its_own():
    with DemoProcess() as demo:
        assert demo.pid is not None and demo.pid != os.getpid()
        # Its address is known before it has even started: the first request waits for it.
        answer = httpx.post(demo.base_url + "/ext_reg/json", json={"submission": AUTH}, timeout=30)
        assert answer.status_code == 200
        rows = answer.json()["response"]["registrations"]
        first, last = (int(n) for n in DEMO_ROSTER[0].split("-"))
        extensions = {int(row["user"].split("@")[0]) for row in rows}
        assert extensions and all(first <= ext <= last for ext in extensions)
        # The demo's troubles are played there too: a phone that does not answer its pings.
        assert any(row.get("ping-status", "Reachable") != "Reachable" for row in rows)
        wrong = httpx.post(demo.base_url + "/ext_reg/json",
                           json={"submission": {"api_key": "demo", "api_secret": "nope"}}, timeout=30)
        assert wrong.status_code != 200 or "response" not in wrong.json()
        assert (demo.cpu_seconds() or 0) > 0
        pid = demo.pid
    assert _wait_gone(pid)
    with pytest.raises(httpx.ConnectError):  # refused at once, never held unanswered
        httpx.post(demo.base_url + "/ext_reg/json", json={"submission": AUTH}, timeout=5)


@pytest.mark.timeout(60)
def test_the_child_ends_when_its_app_is_killed_outright(tmp_path):
    """SIGKILL leaves the app no time to stop anything: the child sees its lifeline close."""
    code = ("import time; from ccall_tui.sim.child import DemoProcess; d = DemoProcess(); "
            "print(d.pid, flush=True); time.sleep(60)")
    app = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        child = int(app.stdout.readline())
        assert not _gone(child)
        app.kill()
        app.wait()
        assert _wait_gone(child), "the demo's simulator outlived its app"
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()


def test_no_loopback_socket_is_one_line_and_exit_1(monkeypatch, capsys, tmp_path):
    from ccall_tui.cli import main

    def refused(*_args, **_kwargs):
        raise OSError(errno.EADDRINUSE, os.strerror(errno.EADDRINUSE))

    monkeypatch.setattr(socket, "create_server", refused)
    assert main(["--demo"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"ccall-tui: cannot start the simulated PBX: {os.strerror(errno.EADDRINUSE)}"]


def _demo_in_a_pty(tmp_path) -> tuple[int, int, bytes]:
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        env = dict(os.environ, TERM="xterm-256color", COLUMNS="100", LINES="30",
                   CCALL_CONFIG=str(tmp_path / "config.toml"), CCALL_STATE_DIR=str(tmp_path / "state"))
        os.execvpe(sys.executable, [sys.executable, "-m", "ccall_tui.cli", "--demo"], env)
    out = b""
    deadline = time.monotonic() + 60
    while b"online" not in out and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                out += os.read(fd, 65536)
            except OSError:
                break
    return pid, fd, out


@pytest.mark.timeout(90)
@pytest.mark.parametrize("how", ["SIGTERM", "SIGHUP", "terminal closed"])
def test_the_demo_leaves_no_simulator_behind(how, tmp_path):
    pid, fd, out = _demo_in_a_pty(tmp_path)
    try:
        assert b"online" in out, "the demo never drew its board"
        children = _demo_children(pid)
        assert len(children) == 1
        if how == "terminal closed":
            os.close(fd)
            fd = -1
        else:
            os.kill(pid, getattr(signal, how))
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if fd >= 0:
                ready, _, _ = select.select([fd], [], [], 0.1)
                if ready:
                    try:
                        os.read(fd, 65536)
                    except OSError:
                        pass
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            time.sleep(0.05)
        else:
            pytest.fail("the app did not end")
        assert os.waitstatus_to_exitcode(status) == 0
        assert _wait_gone(children[0]), "the demo's simulator outlived its app"
    finally:
        if fd >= 0:
            os.close(fd)
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
