"""Startup: how long until the demo shows data, against a bare Textual app in the same run.

Run: ``python tests/benchmarks/bench_startup.py [--runs N] [--old PATH]``.

Each program runs as a subprocess under a pseudo-terminal of 160x48 (a real terminal driver,
not the headless one), with a fresh config path and state directory, and tells when it got
there through the environment variable ``CCALL_TUI_FIRST_DATA``: a file to which it appends the
wall-clock time (``time.time()``). The time is counted from just before the process is started,
so the interpreter's own start, every import and the first frame are inside it. Byte code is
written and reused (under a cache directory in the temp dir, not in the tree), as an installed
package has it; a first, unmeasured run of each program fills that cache.

* ``textual_first_paint_ms``: a bare Textual app (one Static) after its first refresh.
* ``first_data_ms``: ``ccall-tui --demo`` once the board shows the first answer's states
  (the app writes the time after the refresh that follows the first applied snapshot; see
  ``FIRST_DATA_ENV`` in ccall_tui/ui/app.py).
* ``first_data_vs_textual``: the first divided by the second. Target <= 2.
* ``..._cpu_ms`` and ``first_data_cpu_vs_textual``: the CPU time each process had used by then
  (``time.process_time()``, every thread). Wall time is what the user waits for, but on a busy
  machine it mostly measures the other programs; CPU time shows the work itself. The load
  average is printed last: read wall figures taken above the number of cores with care.
* ``first_data_child_cpu_ms``: the demo's simulator runs in a child process of its own (as a real
  PBX is remote, see ccall_tui/sim/child.py); the CPU time that child had used by the first data
  is counted apart here, and ``first_data_cpu_with_child_vs_textual`` adds it to the app's.

With ``--old PATH`` (a git worktree of older code, e.g. ``git worktree add /tmp/s3-old HEAD``)
the same is measured for that tree in the same run, interleaved: ``first_data_old_ms`` and
``first_data_vs_textual_old``. Figures are medians of ``--runs`` (default 7).
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENV_NAME = "CCALL_TUI_FIRST_DATA"
PYCACHE = str(Path(tempfile.gettempdir(), "ccall-startup-pycache"))

BARE_APP = f"""
import os, time
from textual.app import App
from textual.widgets import Static

class Bare(App):
    def compose(self):
        yield Static("ready")

    def on_mount(self):
        def painted():
            with open(os.environ["{ENV_NAME}"], "a") as out:
                out.write(f"{{time.time():.6f}} {{time.process_time():.6f}}\\n")
        self.call_after_refresh(painted)

Bare().run()
"""

DEMO = "import sys; from ccall_tui.cli import main; sys.exit(main(['--demo']))"


def _drain(fd: int) -> None:
    """Read the terminal's output away, or the program blocks on a full pty buffer."""
    while True:
        try:
            if not os.read(fd, 65536):
                return
        except OSError:
            return


def time_once(code: str, cwd: Path, timeout: float = 30.0) -> tuple[float, float, float]:
    """Seconds from just before the process starts until it writes its time, the CPU seconds
    the process had used by then (every thread), and those of its demo simulator's child
    process (0 when it has none)."""
    with tempfile.TemporaryDirectory(prefix="ccall-startup-") as tmp:
        mark = Path(tmp, "first-data")
        env = {k: v for k, v in os.environ.items() if not k.startswith("CCALL_")}
        env.update(
            TERM="xterm-256color", COLUMNS="160", LINES="48", CCALL_LANG="en",
            CCALL_CONFIG=str(Path(tmp, "config.toml")), CCALL_STATE_DIR=str(Path(tmp, "state")),
            XDG_CONFIG_HOME=str(Path(tmp, "xdg-config")), XDG_STATE_HOME=str(Path(tmp, "xdg-state")),
            **{ENV_NAME: str(mark)},
        )
        env.pop("PYTHONPATH", None)
        # Compiled modules are kept (outside the tree), as an installed package has them.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = PYCACHE
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 48, 160, 0, 0))
        reader = threading.Thread(target=_drain, args=(master,), daemon=True)
        reader.start()
        start = time.time()
        proc = subprocess.Popen(
            [sys.executable, "-c", code], cwd=cwd, env=env, stdin=slave, stdout=slave, stderr=slave,
            start_new_session=True,
        )
        os.close(slave)
        try:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                text = mark.read_text() if mark.exists() else ""
                if text.endswith("\n"):
                    wall, cpu, *child = text.split()
                    child_cpu = float(child[0]) if child and child[0] != "-" else 0.0
                    return float(wall) - start, float(cpu), child_cpu
                if proc.poll() is not None:
                    raise RuntimeError(f"exited with {proc.returncode} before it showed data ({cwd})")
                time.sleep(0.005)
            raise RuntimeError(f"no data within {timeout:g} s ({cwd})")
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            os.close(master)
            reader.join(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs of each program (median)")
    parser.add_argument("--old", type=Path, help="a worktree of older code, measured in the same run")
    args = parser.parse_args()
    trees = {"": ROOT}
    if args.old is not None:
        trees["_old"] = args.old.resolve()
    bare: list[tuple[float, float, float]] = []
    demo: dict[str, list[tuple[float, float, float]]] = {name: [] for name in trees}
    time_once(BARE_APP, ROOT)  # warm the file cache: the first run of anything is slower
    for tree in trees.values():
        time_once(DEMO, tree)
    for _ in range(args.runs):
        bare.append(time_once(BARE_APP, ROOT))
        for name, tree in trees.items():
            demo[name].append(time_once(DEMO, tree))
    floor = statistics.median(run[0] for run in bare) * 1000
    floor_cpu = statistics.median(run[1] for run in bare) * 1000
    print(f"textual_first_paint_ms: {floor:.0f} ms", flush=True)
    print(f"textual_first_paint_cpu_ms: {floor_cpu:.0f} ms", flush=True)
    for name, values in demo.items():
        first = statistics.median(run[0] for run in values) * 1000
        first_cpu = statistics.median(run[1] for run in values) * 1000
        child_cpu = statistics.median(run[2] for run in values) * 1000
        both_cpu = statistics.median(run[1] + run[2] for run in values) * 1000
        print(f"first_data{name}_ms: {first:.0f} ms", flush=True)
        print(f"first_data_vs_textual{name}: {first / floor:.2f} x", flush=True)
        print(f"first_data_cpu{name}_ms: {first_cpu:.0f} ms", flush=True)
        print(f"first_data_cpu_vs_textual{name}: {first_cpu / floor_cpu:.2f} x", flush=True)
        print(f"first_data_child_cpu{name}_ms: {child_cpu:.0f} ms", flush=True)
        print(f"first_data_cpu_with_child_vs_textual{name}: {both_cpu / floor_cpu:.2f} x", flush=True)
    print(f"load_average: {os.getloadavg()[0]:.2f} (cores: {os.cpu_count()})", flush=True)


if __name__ == "__main__":
    main()
