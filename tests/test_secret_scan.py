"""A known secret goes through login, status, the CLI and the TUI, and shows up nowhere:
not in any output, log, config or state file, nor in a screenshot."""

from __future__ import annotations

import io
from pathlib import Path

import keyring
import pytest

from ccall_tui.cli import main
from ccall_tui.sim.server import SimulatedPbx

KEY = "0b98f00dbeefcafe"
SECRET = "Sx9-very-secret-Q7"


@pytest.fixture
def pbx(clock):
    with SimulatedPbx(seed=7, extensions=30, api_key=KEY, api_secret=SECRET, clock=clock) as sim:
        yield sim


def scan(text: str, where: str) -> None:
    assert SECRET not in text, f"secret found in {where}"
    assert KEY not in text, f"full API key found in {where}"


def test_secret_appears_nowhere(pbx, capsys, monkeypatch, tmp_path, isolated, make_services):
    log = tmp_path / "debug.log"
    outputs: list[str] = []
    monkeypatch.setenv("CCALL_BASE_URL", pbx.base_url)

    # login reads the key and secret from stdin (never argv), checks, saves to the keyring
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{KEY}\n{SECRET}\n"))
    assert main(["--log-file", str(log), "login"]) == 0
    outputs.extend(capsys.readouterr())
    assert SECRET in keyring.get_password("ccall-tui", "default")

    assert main(["--log-file", str(log), "status"]) == 0
    out, err = capsys.readouterr()
    outputs += [out, err]
    assert "0b98****" in out

    # the CLI, with the credentials from the keyring and then from the environment
    for argv in (["ext", "--json"], ["cdrs", "--limit", "20", "--csv"]):
        assert main(["--log-file", str(log), *argv]) == 0
        outputs.extend(capsys.readouterr())
    monkeypatch.setenv("CCALL_API_KEY", KEY)
    monkeypatch.setenv("CCALL_API_SECRET", SECRET)
    assert main(["--log-file", str(log), "ext"]) == 0
    outputs.extend(capsys.readouterr())

    # failures: a wrong secret and a server that echoes things back
    monkeypatch.setenv("CCALL_API_SECRET", SECRET + "x")
    assert main(["--log-file", str(log), "ext"]) == 3
    outputs.extend(capsys.readouterr())

    for text in outputs:
        scan(text, "command output")
    scan(log.read_text(encoding="utf-8"), "the debug log")
    for path in Path(isolated).rglob("*"):
        if path.is_file():
            scan(path.read_text(encoding="utf-8", errors="replace"), str(path))


async def test_tui_screenshot_and_repr_have_no_secret(pbx, make_services):
    from dataclasses import replace

    from ccall_tui.credentials import Credentials
    from ccall_tui.factory import build_app

    services = make_services(credentials=Credentials(KEY, SECRET))
    services.profile = replace(services.profile, base_url=pbx.base_url)
    app = build_app(services)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.5)
        await app.workers.wait_for_complete()
        await pilot.pause()
        shots = [app.export_screenshot()]
        pbx.faults.auth_failure = True
        await pilot.press("r")
        await pilot.pause(0.5)
        await app.workers.wait_for_complete()
        shots.append(app.export_screenshot())
        scan(repr(services.credentials), "repr")
        scan(repr(vars(services)), "services repr")
        scan(repr(app.client), "client repr")
    for svg in shots:
        scan(svg, "a screenshot")
