"""What both benchmark scripts need: the simulated PBX in its own process, and the services
an app is built from."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path
from tempfile import mkdtemp

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from ccall_tui.config import Profile  # noqa: E402
from ccall_tui.credentials import Credentials  # noqa: E402
from ccall_tui.factory import AppServices  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Simulator:
    """The simulated PBX in its own process (its CPU and memory are not the app's)."""

    def __init__(self, *args: str) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ccall_tui.cli", "simulate", "--port", str(port), *args],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.1)
        self.proc.kill()
        raise RuntimeError("the simulator did not start")

    def faults(self, **values: object) -> None:
        import httpx

        httpx.post(self.url + "/_sim/faults", json=values).raise_for_status()

    def __enter__(self) -> "Simulator":
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def app_services(profile: Profile, *, clock=None, interval: float) -> AppServices:
    """Demo credentials and a fresh state directory: nothing of the user's is read."""
    return AppServices(
        profile=profile,
        credentials=Credentials("demo", "demo"),
        credential_source="bench",
        clock=clock,
        state_dir=Path(mkdtemp(prefix="ccall-bench-")),
        poll_interval=interval,
    )
