"""The footer keeps '? Help' and 'q Quit' at every width; other keys make room, none is cut."""

from __future__ import annotations

import pytest

from ccall_tui.factory import build_app
from ccall_tui.ui.textual_compat import FooterKey
from ccall_tui.ui.widgets.footer import AppFooter


def _shown(screen) -> tuple[list[str], list[FooterKey], FooterKey | None]:
    footer = screen.query_one(AppFooter)
    keys = [k for k in footer.query(FooterKey) if k.display]
    palette = next((k for k in keys if k.has_class("-command-palette")), None)
    keys = [k for k in keys if k is not palette]
    return [k.action for k in keys], keys, palette


async def _settled(pilot) -> None:
    for _ in range(4):
        await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    for _ in range(4):
        await pilot.pause()


@pytest.mark.parametrize("width", [80, 100, 120, 160])
async def test_help_and_quit_always_fit(make_services, width):
    app = build_app(make_services())
    async with app.run_test(size=(width, 40)) as pilot:
        await _settled(pilot)
        for mode in ("monitor", "cdrs"):
            await app.switch_mode(mode)
            await _settled(pilot)
            actions, keys, palette = _shown(app.screen)
            assert "help" in actions and "quit" in actions, (mode, width, actions)
            assert actions[-2:] == ["help", "quit"]
            limit = palette.region.x + (0 if width < 120 else 1)
            for key in keys:
                assert key.region.right <= limit, (mode, width, key.action)
            # Room was made from the right: the first screen key is still there.
            assert len(actions) >= 3
