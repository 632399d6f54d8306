"""Registered but not reachable: the board's fourth state, driven by the simulator's
scenarios over loopback HTTP (a phone that stops answering pings, one answering too slowly).
What a user sees: the tile's glyph and word, the header's count (which still adds up), the
"not online" filter, the help legend, `ccall-tui ext`, and the alert rule on the same
definition."""

from __future__ import annotations

import json
from dataclasses import replace

import httpx
import pytest

from ccall_tui import i18n
from ccall_tui.config import ConfigError
from ccall_tui.config_load import load_settings
from ccall_tui.factory import build_app
from ccall_tui.sim.troubles import install
from ccall_tui.monitor.states import ExtensionState, device_reachable, extension_reachable
from ccall_tui.ui.screens.help import HelpScreen
from ccall_tui.ui.screens.monitor import MonitorScreen
from ccall_tui.ui.widgets.summary import BoardSummary

from alert_harness import Harness, rules
from conftest import run_cli

UNREACHABLE = ExtensionState.UNREACHABLE


@pytest.fixture
def roster_profile(profile):
    return replace(profile, roster=("100-159",), discover_from_cdrs=False)


def play(sim, scenario: str, extension: str) -> dict:
    """Through the simulator's control endpoint, as a demo operator would."""
    answer = httpx.post(f"{sim.base_url}/_sim/scenario", json={"scenario": scenario, "extension": extension})
    assert answer.status_code == 200, answer.text
    return answer.json()


async def settle(app, pilot) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def poll_now(app, pilot) -> MonitorScreen:
    screen = app.screen
    assert isinstance(screen, MonitorScreen)
    await app.workers.wait_for_complete()
    screen.start_poll()
    await settle(app, pilot)
    return screen


def grid_text(screen: MonitorScreen) -> str:
    grid = screen.grid
    return "\n".join(grid.render_line(y).text for y in range(grid.size.height))


def tile_line(text: str, extension: str) -> str:
    return next(line for line in text.splitlines() if f" {extension} " in line)


def summary_text(screen: MonitorScreen) -> str:
    summary = screen.query_one("#mon-summary", BoardSummary)
    return "".join(summary.render_line(0).text)


# --------------------------------------------------------------------------- the one definition


def test_one_function_decides_reachability():
    class Reg:
        def __init__(self, status, ping):
            self.ping_status, self.ping_ms = status, ping

    assert device_reachable(Reg("Reachable", 12.0)) is True
    assert device_reachable(Reg("Unreachable", 0.0)) is False
    assert device_reachable(Reg(" NotReachable ", None)) is False
    assert device_reachable(Reg("Reachable", 1500.0)) is False  # too slow to ring reliably
    assert device_reachable(Reg("Reachable", 1500.0), 2000.0) is True
    assert device_reachable(Reg(None, None)) is None  # the server says nothing: not drawn as a problem
    # one phone of two answering still rings
    assert extension_reachable([Reg("Unreachable", 0.0), Reg("Reachable", 20.0)])
    assert not extension_reachable([Reg("Unreachable", 0.0), Reg("Reachable", 4000.0)])
    assert extension_reachable([Reg(None, None)])


# --------------------------------------------------------------------------- the board


async def test_unreachable_and_slow_phones_get_their_own_tile_count_and_filter(make_services, roster_profile, sim):
    assert play(sim, "unreachable", "105") == {"scenario": "unreachable", "extension": "105"}
    play(sim, "slow_ping", "106")
    play(sim, "short_expiry", "107")  # healthy: stays a plain online
    app = build_app(make_services(profile=roster_profile))
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        screen = await poll_now(app, pilot)
        board = screen.board
        assert board.tiles["105"].shown is UNREACHABLE and board.tiles["106"].shown is UNREACHABLE
        assert board.tiles["107"].shown is ExtensionState.ONLINE
        # still registered: what the recorder and the alerts count as online
        assert board.tiles["105"].state is ExtensionState.ONLINE
        text = grid_text(screen)
        assert "◐ 105" in tile_line(text, "105") and "unreachable" in text
        assert "● 107" in tile_line(text, "107")
        counts = board.counts
        unreachable = counts[UNREACHABLE]
        assert unreachable >= 2
        line = summary_text(screen)
        online = counts[ExtensionState.ONLINE] - unreachable
        assert f"{online}/60 online" in line and f"◐ {unreachable:>2} unreachable" in line
        # the counts still add up to every extension
        shown = [board.tiles[e].shown for e in board.tiles]
        assert online + unreachable + counts[ExtensionState.OFFLINE] + counts[ExtensionState.NEVER_SEEN] == 60
        assert shown.count(UNREACHABLE) == unreachable
        # "o" shows what is not plainly online: the unreachable ones with the offline ones
        await pilot.press("o")
        assert {"105", "106"} <= set(screen.grid.order) and "107" not in screen.grid.order
        assert all(board.tiles[e].shown is not ExtensionState.ONLINE for e in screen.grid.order)
        await pilot.press("o")
        # the phone answers again: a plain online, counted as one
        play(sim, "none", "105")
        await poll_now(app, pilot)
        assert board.tiles["105"].shown is ExtensionState.ONLINE
        assert board.counts[UNREACHABLE] == unreachable - 1
        assert "● 105" in tile_line(grid_text(screen), "105")


async def test_the_threshold_is_a_setting(make_services, roster_profile, sim):
    play(sim, "slow_ping", "106")  # 1.8 s pings
    app = build_app(make_services(profile=replace(roster_profile, unreachable_ping_ms=2000.0)))
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        screen = await poll_now(app, pilot)
        assert screen.board.tiles["106"].shown is ExtensionState.ONLINE


def test_the_threshold_is_range_checked(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[profiles.default]\nunreachable_ping_ms = 5\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert "unreachable_ping_ms" in str(caught.value) and "10 to 60000" in str(caught.value)
    path.write_text('[profiles.default]\nunreachable_ping_ms = 1500\n', encoding="utf-8")
    assert load_settings(path).profiles["default"].unreachable_ping_ms == 1500.0


async def test_the_help_legend_explains_the_fifth_word(make_services, roster_profile, sim):
    app = build_app(make_services(profile=roster_profile))
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("Static").render())
        assert "◐ unreachable" in text and "no phone answers the PBX's pings" in text


async def test_the_wall_counts_them_apart(make_services, roster_profile, sim):
    play(sim, "unreachable", "105")
    app = build_app(make_services(profile=roster_profile, wall=True))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        screen = await poll_now(app, pilot)
        info = str(screen.query_one("#mon-wall-info").render())
        assert f"◐ {screen.board.counts[UNREACHABLE]} unreachable" in info
        assert screen.grid.order[0] == "105" or screen.board.tiles[screen.grid.order[0]].shown is not ExtensionState.ONLINE


def test_vietnamese_word_fits_a_tile():
    i18n.set_language("vi", {})
    try:
        assert UNREACHABLE.label == "mất liên lạc"
    finally:
        i18n.set_language("en", {})


# --------------------------------------------------------------------------- ccall-tui ext


def test_ext_says_unreachable_in_text_and_json(env, capsys):
    play(env, "unreachable", "105")
    play(env, "short_expiry", "107")
    code, out, _err = run_cli(capsys, "ext", "--json")
    assert code == 0
    rows = {row["extension"]: row for row in json.loads(out)}
    assert rows["105"]["state"] == "unreachable" and rows["105"]["online"] is True
    assert rows["107"]["state"] == "online"
    code, out, _err = run_cli(capsys, "ext")
    assert code == 0
    line = next(line for line in out.splitlines() if line.split()[:1] == ["105"])
    assert "unreachable" in line


# --------------------------------------------------------------------------- the alert rule


async def test_the_unreachable_alert_uses_the_same_definition(sim, clock, credentials, profile, isolated):
    play(sim, "slow_ping", "106")  # answers pings, but only after 1.8 s: not reachable on the board either
    rule = {"name": "deaf", "kind": "unreachable", "extensions": "106", "minutes": 1}
    h = Harness(sim, clock, credentials, replace(profile, roster=("100-159",)), isolated / "state", rules(rule))
    await h.start()
    try:
        await h.run(90)
        assert [a.extension for a in h.fired("deaf")] == ["106"]
        assert h.feed.board.tiles["106"].shown is UNREACHABLE
    finally:
        await h.close()


# --------------------------------------------------------------------------- pictures


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_board_picture_with_unreachable_phones(snap_compare, make_services, roster_profile, sim, size):
    """◐ on amber: a phone not answering pings (105), one answering too slowly (106)."""
    install(sim.tenant, "unreachable", "105")
    install(sim.tenant, "slow_ping", "106")
    app = build_app(make_services(profile=roster_profile, poll_interval=3600))

    async def run_before(pilot):
        await settle(pilot.app, pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)
