"""The pictures in screenshots/ are what `python -m ccall_tui.ui.screenshots` produces today.

When a screen changes on purpose, regenerate them with that command and look at them.
"""

from __future__ import annotations

from pathlib import Path

from ccall_tui.ui.screenshots import DEFAULT_DIR, SHOTS, take_all



async def test_committed_screenshots_match_what_the_command_produces(tmp_path: Path):
    fresh = await take_all(tmp_path)
    assert {p.name for p in fresh} == {f"{shot.name}.svg" for shot in SHOTS}
    stale = []
    for path in fresh:
        committed = DEFAULT_DIR / path.name
        if not committed.exists() or committed.read_bytes() != path.read_bytes():
            stale.append(path.name)
    assert not stale, (
        "screenshots out of date (run: python -m ccall_tui.ui.screenshots, then look at them): "
        + ", ".join(stale)
    )


def test_screenshots_folder_has_nothing_unexpected():
    names = {p.name for p in DEFAULT_DIR.iterdir() if p.suffix == ".svg"}
    assert names == {f"{shot.name}.svg" for shot in SHOTS}
