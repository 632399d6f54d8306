"""The README's first lines stay true: the commands it gives are the ones CI runs."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _readme_commands() -> list[str]:
    lines = ROOT.joinpath("README.md").read_text(encoding="utf-8").splitlines()[:8]
    return [line.split("#")[0].strip() for line in lines if line.startswith("python -m pip install")]


def test_readme_opens_with_the_demo_and_test_commands():
    demo, tests = _readme_commands()
    assert demo.endswith("ccall-tui --demo")
    assert tests.endswith("python -m pytest")


def test_ci_runs_exactly_the_readme_test_command():
    ci = ROOT.joinpath(".ci", "run").read_text(encoding="utf-8").splitlines()
    _, tests = _readme_commands()
    assert tests in [line.strip() for line in ci]
