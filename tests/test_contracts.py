"""The fences that keep the structure: layer contracts and strict types, run as part of the suite
so that CI (.ci/run runs exactly the README's test command) enforces them."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_layers_keep_their_contracts():
    """api, monitor, config, state and credentials never import Textual, the screens or the
    simulator; the screens never import the simulator except for the demo wiring."""
    lint_imports = Path(sys.executable).parent / "lint-imports"
    if not lint_imports.exists():  # pragma: no cover - installed by the [test] extra
        pytest.fail("import-linter is missing: pip install '.[test]'")
    result = run(str(lint_imports), "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_api_layer_and_the_app_wiring_type_check_strictly():
    """mypy --strict on api/, monitor/, the command line and its commands, settings, state, credentials,
    the error root, the services, the factory, the clock and the Textual compat module (the
    files are listed in pyproject.toml)."""
    cache = Path(tempfile.gettempdir()) / "ccall-tui-mypy-cache"
    result = run(sys.executable, "-m", "mypy", "--cache-dir", str(cache))
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_code_passes_its_lint_rules():
    """ruff with the rules in pyproject.toml, over the package and the tests."""
    result = run(sys.executable, "-m", "ruff", "check", "--no-cache", "ccall_tui", "tests")
    assert result.returncode == 0, result.stdout + result.stderr
