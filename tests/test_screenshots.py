"""The pictures in screenshots/ are what `python -m ccall_tui.ui.screenshots` produces today.

When a screen changes on purpose, regenerate them with that command and look at them.
"""

from __future__ import annotations

import difflib
import re
import socket
from pathlib import Path

import pytest

from ccall_tui.ui.screenshots import DEFAULT_DIR, SHOTS, take_all


# One test per picture, so that the workers of a parallel run share them out.
@pytest.mark.parametrize("shot", [shot.name for shot in SHOTS])
async def test_committed_screenshots_match_what_the_command_produces(tmp_path: Path, shot: str):
    fresh = await take_all(tmp_path, {shot})
    assert [p.name for p in fresh] == [f"{shot}.svg"]
    differing = {p.stem for p in fresh if _differs(p)}
    if differing:
        # One more take of just those: a picture that drifted for real differs again. (The rare
        # difference seen before came from a pane whose line fitted only without its scrollbar,
        # so the layout could settle two ways; the detail pane now keeps a stable gutter.)
        fresh = [p for p in fresh if p.stem not in differing]
        fresh += await take_all(tmp_path / "again", differing)
    stale, changes = [], []
    for path in fresh:
        committed = DEFAULT_DIR / path.name
        if not committed.exists() or committed.read_bytes() != path.read_bytes():
            stale.append(path.name)
            if committed.exists():
                changes += [f"{path.name}: {line}" for line in _text_diff(committed, path)][:20]
    assert not stale, (
        "screenshots out of date (run: python -m ccall_tui.ui.screenshots, then look at them): "
        + ", ".join(stale) + "\n" + "\n".join(changes)
    )


def _differs(path: Path) -> bool:
    committed = DEFAULT_DIR / path.name
    return not committed.exists() or committed.read_bytes() != path.read_bytes()


def _text_diff(old: Path, new: Path) -> list[str]:
    """The visible words that differ, so a failure says what changed on screen."""
    def words(path: Path) -> list[str]:
        return [w.replace("&#160;", " ") for w in re.findall(r">([^<]*)</text>", path.read_text(encoding="utf-8"))]

    return [line for line in difflib.unified_diff(words(old), words(new), lineterm="", n=0)
            if line[:1] in "+-" and line[:3] not in ("+++", "---")]


def test_screenshots_folder_has_nothing_unexpected():
    names = {p.name for p in DEFAULT_DIR.iterdir() if p.suffix == ".svg"}
    assert names == {f"{shot.name}.svg" for shot in SHOTS}


async def test_pictures_do_not_depend_on_a_fixed_port(tmp_path: Path):
    """The simulator takes any free port; 18765 busy elsewhere changes nothing in the pictures."""
    with socket.socket() as busy:
        try:
            busy.bind(("127.0.0.1", 18765))
            busy.listen()
        except OSError:
            pass  # something else holds it already: the very situation this is about
        first = await take_all(tmp_path / "busy", {"login"})
    second = await take_all(tmp_path / "free", {"login"})
    text = first[0].read_text(encoding="utf-8")
    assert text == second[0].read_text(encoding="utf-8")
    assert set(re.findall(r"127\.0\.0\.1:(\d+)", text)) == {"18765"}
