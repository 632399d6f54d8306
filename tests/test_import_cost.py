"""A command imports only what it uses: no Textual without the TUI, no simulator without --demo or
'simulate', no keyring unless credentials are read from it, no httpx without a request.

Each command runs in a fresh interpreter (``ccall_tui.cli.main([...])`` through a small ``-c``
wrapper), which then writes the names in ``sys.modules`` to a file: what the command really
imported, from the first import on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

WRAPPER = """
import json, sys
from ccall_tui.cli import main

argv, out = json.loads(sys.argv[1]), sys.argv[2]
FIRST = set()
if "--demo" in argv:
    # The TUI, headless: it stops once the board has shown the simulator's first answer.
    from textual.app import App
    from ccall_tui.ui.app import CcallApp

    async def until_first_data(pilot):
        # what was imported by the time the board had painted its first answer
        pilot.app.when_first_data(lambda: FIRST.update(n for n, m in sys.modules.items() if m is not None))
        for _ in range(200):
            await pilot.pause(0.05)
            screen = pilot.app.screen
            if getattr(screen, "polls_started", 0) and screen.status.last_success is not None and FIRST:
                break
        pilot.app.exit()

    CcallApp.run = lambda self: App.run(self, headless=True, auto_pilot=until_first_data)
try:
    code = main(argv)
except SystemExit as stop:
    code = stop.code
with open(out, "w") as file:
    json.dump({"code": code, "modules": sorted(n for n, m in sys.modules.items() if m is not None),
               "first_data": sorted(FIRST)}, file)
"""

HEAVY = ("textual", "httpx", "keyring", "ccall_tui.sim")


def imported(tmp_path: Path, *argv: str, env: dict[str, str] | None = None, code: int = 0,
             at_first_data: bool = False) -> set[str]:
    """Run ``ccall-tui ARGV`` in a new interpreter, check its exit code, and return every
    module it imported."""
    out = tmp_path / "modules.json"
    environ = dict(os.environ, **(env or {}))
    # A keyring that stores nothing: a command that reads it finds no credentials, and the
    # developer's own keyring is never touched.
    environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    run = subprocess.run(
        [sys.executable, "-c", WRAPPER, json.dumps(list(argv)), str(out)],
        cwd=ROOT, env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=60,
        check=False,
    )
    assert out.exists(), run.stderr
    result = json.loads(out.read_text())
    assert result["code"] == code, run.stderr
    return set(result["first_data" if at_first_data else "modules"])


def loaded(modules: set[str], package: str) -> bool:
    return package in modules or any(name.startswith(package + ".") for name in modules)


@pytest.mark.parametrize("argv", [["--help"], ["config", "path"], ["--version"], ["config", "show"],
                                  ["cdrs", "--help"]])
def test_help_and_config_import_nothing_heavy(tmp_path, argv):
    modules = imported(tmp_path, *argv)
    assert [p for p in HEAVY if loaded(modules, p)] == []
    if argv[0] != "cdrs":  # the call-record commands' module runs its requests with asyncio
        # Nor asyncio (and the ssl it brings): a command module imports it in its handler.
        assert [p for p in ("asyncio", "ssl") if loaded(modules, p)] == []


def test_simulate_imports_the_simulator_but_no_client_keyring_or_textual(tmp_path):
    modules = imported(tmp_path, "simulate", "--help")
    assert loaded(modules, "ccall_tui.sim")
    assert [p for p in ("textual", "httpx", "keyring") if loaded(modules, p)] == []


def test_ext_with_credentials_in_the_environment_imports_neither_textual_nor_simulator_nor_keyring(
    tmp_path, sim
):
    modules = imported(tmp_path, "ext", "--json", env={
        "CCALL_BASE_URL": sim.base_url, "CCALL_API_KEY": "demo", "CCALL_API_SECRET": "demo"})
    assert loaded(modules, "httpx")  # the request was made
    assert [p for p in ("textual", "ccall_tui.sim", "keyring") if loaded(modules, p)] == []
    # httpx's own command line (click, pygments) is never run, so never imported.
    assert [p for p in ("click", "pygments", "httpx._main") if loaded(modules, p)] == []


def test_ext_without_credentials_in_the_environment_reads_the_keyring(tmp_path, sim):
    """The other side of the line above: keyring is imported exactly when it is read."""
    # Exit 3: nothing in the (empty) keyring.
    modules = imported(tmp_path, "ext", env={"CCALL_BASE_URL": sim.base_url}, code=3)
    assert loaded(modules, "keyring")
    assert [p for p in ("textual", "ccall_tui.sim", "httpx") if loaded(modules, p)] == []


def test_demo_shows_data_without_the_keyring(tmp_path):
    modules = imported(tmp_path, "--demo")
    assert loaded(modules, "textual") and loaded(modules, "httpx")
    assert "ccall_tui.ui.screens.monitor" in modules
    assert not loaded(modules, "keyring")


def test_the_demo_app_leaves_its_simulator_to_a_child_process(tmp_path):
    """The TUI's demo starts its simulated PBX in a process of its own (ccall_tui.sim.child):
    the app's process imports the launcher only, none of the simulator (server, tenant, calls,
    the demo's life), and none of the commands' modules it does not run."""
    modules = imported(tmp_path, "--demo")
    assert "ccall_tui.sim.child" in modules
    sim = sorted(name for name in modules if name.startswith("ccall_tui.sim."))
    assert sim == ["ccall_tui.sim.child"]
    commands = ("ccall_tui.commands.doctor", "ccall_tui.commands.watch_cmd", "ccall_tui.commands.history_cmd",
                "ccall_tui.commands.account", "ccall_tui.commands.config_cmd", "ccall_tui.commands.state_cmd")
    assert [name for name in commands if name in modules] == []


def test_demo_first_data_waits_for_nothing_it_does_not_show(tmp_path):
    """The board's first answer is painted before the flight recorder's history (sqlite), the
    alert rules and the config file's parser are loaded: those come after, off the first frame."""
    modules = imported(tmp_path, "--demo", at_first_data=True)
    assert "ccall_tui.ui.screens.monitor" in modules and loaded(modules, "httpx")
    late = ("sqlite3", "ccall_tui.recorder.history", "ccall_tui.recorder.attach", "ccall_tui.ui.history_view",
            "ccall_tui.alerts.conditions", "ccall_tui.alerts.engine", "tomllib")
    assert [name for name in late if loaded(modules, name)] == []


def test_demo_reaches_its_simulator_past_a_proxy_from_the_environment(tmp_path):
    """The demo talks plain HTTP to its own server on 127.0.0.1: a proxy set for the real
    servers (here one where nothing listens) is not in the way."""
    modules = imported(tmp_path, "--demo", "ext", "--json",
                       env={"HTTP_PROXY": "http://127.0.0.1:9", "http_proxy": "http://127.0.0.1:9"})
    assert loaded(modules, "ccall_tui.sim") and not loaded(modules, "keyring")
