"""The board's memory and schedule tell the truth: driven against the simulated PBX."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from ccall_tui.factory import build_app
from ccall_tui.monitor.history import CountHistory
from ccall_tui.monitor.roster import seen_store_for
from ccall_tui.monitor.seen import SEEN_FILE
from ccall_tui.monitor.states import ExtensionState
from ccall_tui.state import namespace_dir
from ccall_tui.ui.screens.monitor import MonitorScreen
from ccall_tui.ui.widgets.summary import BoardSummary, count_text
from ccall_tui.ui.widgets.textline import TextLine

UNKNOWN, OFFLINE, NEVER, ONLINE = (
    ExtensionState.UNKNOWN, ExtensionState.OFFLINE, ExtensionState.NEVER_SEEN, ExtensionState.ONLINE,
)


async def settle(app, pilot) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


def monitor(app) -> MonitorScreen:
    screen = app.screen
    assert isinstance(screen, MonitorScreen), screen
    return screen


def status_text(screen: MonitorScreen) -> str:
    return str(screen.query_one("#mon-status", TextLine).text)


def counts_text(screen: MonitorScreen) -> str:
    return screen.query_one("#mon-summary", BoardSummary).counts.plain


def remember(profile, state_dir, clock, extensions, *, demo=False) -> None:
    seen_store_for(profile, state_dir, demo=demo).save(dict.fromkeys(extensions, clock()), clock())


@pytest.fixture
def quiet(profile):
    return replace(profile, discover_from_cdrs=False)


async def test_starting_in_an_outage_shows_unknown_not_offline(make_services, quiet, sim, clock, isolated, notes):
    remembered = [str(n) for n in range(100, 130)]
    remember(quiet, isolated / "state", clock, remembered)
    watched = replace(quiet, watched=frozenset({"100"}))
    sim.faults.status_5xx = 502
    sim.tenant.force_offline("100")
    app = build_app(make_services(profile=watched))
    async with app.run_test(size=(160, 48), message_hook=notes) as pilot:
        await settle(app, pilot)
        screen = monitor(app)
        board = screen.board
        assert {board.tiles[ext].state for ext in remembered} == {UNKNOWN}
        header = counts_text(screen)
        assert "30 unknown" in header and "0/30 online" in header and " 0 offline" in header
        assert status_text(screen).startswith("STALE · no data yet")
        # the server comes back: states become known, without changes, flaps or alerts
        sim.faults.reset()
        screen.start_poll()
        await settle(app, pilot)
        assert board.counts[UNKNOWN] == 0 and board.tiles["100"].state is OFFLINE
        assert not list(board.events) and all(tile.flaps == 0 for tile in board.tiles.values())
        assert not any("went offline" in str(n.message) for n in notes)
        assert "unknown" not in counts_text(screen)


async def test_the_demo_never_leaves_ghosts_on_a_real_tenant(make_services, quiet, sim, clock, isolated):
    state = isolated / "state"
    remember(quiet, state, clock, [str(n) for n in range(120, 160)], demo=True)
    app = build_app(make_services(profile=quiet))  # the same URL, but not the demo
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        board = monitor(app).board
        ghosts = [t for t in board.tiles.values() if t.state is OFFLINE]
        assert not ghosts
    # the demo app writes into the demo's folder, not the profile's
    app = build_app(make_services(profile=quiet, sim=sim))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
    demo_file = namespace_dir(state, quiet.name, quiet.base_url, demo=True) / SEEN_FILE
    assert len(json.loads(demo_file.read_text())["extensions"]) >= 40


def test_ext_command_reads_the_same_namespace(sim, clock, isolated, monkeypatch, capsys):
    from ccall_tui.cli import main
    from ccall_tui.config import Profile

    monkeypatch.setenv("CCALL_BASE_URL", sim.base_url)
    monkeypatch.setenv("CCALL_API_KEY", "demo")
    monkeypatch.setenv("CCALL_API_SECRET", "demo")
    profile = replace(Profile.default("default"), base_url=sim.base_url)
    remember(profile, isolated / "state", clock, ["9001"], demo=True)  # the demo's: not listed
    remember(profile, isolated / "state", clock, ["9002"])
    assert main(["ext", "--json"]) == 0
    rows = {row["extension"]: row for row in json.loads(capsys.readouterr().out)}
    assert "9001" not in rows
    assert rows["9002"]["state"] == "offline" and rows["9002"]["last_seen"]
    assert main(["ext"]) == 0
    out = capsys.readouterr().out
    assert "9002  offline" in out


async def test_server_asking_to_wait_is_honoured(make_services, quiet, sim, clock):
    app = build_app(make_services(profile=quiet))
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        screen = monitor(app)
        sim.faults.rate_limited = True
        sim.faults.retry_after = "120"
        screen.start_poll()
        await settle(app, pilot)
        assert screen.status.last_error is not None and screen.status.last_error.retry_after == 120
        assert screen.status.retry_in(clock()) >= 120
        assert "server asked to wait 2 min" in status_text(screen)


async def test_wrong_credentials_retry_at_once_when_the_keyring_changes(make_services, quiet, sim, clock):
    from ccall_tui.credentials import Credentials, CredentialStore

    store = CredentialStore()
    app = build_app(make_services(profile=quiet, credentials=Credentials("demo", "wrong"), credential_store=store))
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        screen = monitor(app)
        assert screen.status.auth_failed
        clock.advance(12 * 60)
        screen._render_status()
        line = status_text(screen)
        assert "no data yet" in line and "Authentication failed" in line and "retrying in" in line
        # nothing changed in the keyring: no new request
        polls = screen.polls_started
        screen.feed.check_credentials()
        await settle(app, pilot)
        assert screen.polls_started == polls and screen.status.auth_failed
        # someone runs 'ccall-tui login': the board notices and polls at once
        store.set(quiet.name, Credentials("demo", "demo"))
        screen.feed.check_credentials()
        await settle(app, pilot)
        assert screen.polls_started == polls + 1
        assert not screen.status.auth_failed and screen.board.updated_at is not None


async def test_forget_an_extension_from_the_board(make_services, quiet, sim, clock, isolated, notes):
    state = isolated / "state"
    roster = replace(quiet, roster=("100-101",))
    sim.tenant.force_offline("100")
    sim.tenant.force_offline("101")
    remember(roster, state, clock, ["101", "777"])
    app = build_app(make_services(profile=roster))
    async with app.run_test(size=(160, 48), message_hook=notes) as pilot:
        await settle(app, pilot)
        screen = monitor(app)
        grid = screen.grid
        assert screen.board.tiles["777"].state is OFFLINE
        grid.cursor = grid.order.index("777")
        assert grid.highlighted_extension == "777"
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("n")  # changed my mind
        await pilot.pause()
        assert "777" in screen.board
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("y")
        await settle(app, pilot)
        assert "777" not in screen.board and "777" not in grid.order
        # a configured extension stays on the board, no longer "offline"
        grid.cursor = grid.order.index("101")
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("y")
        await settle(app, pilot)
        assert screen.board.tiles["101"].state is NEVER
        # configured and never seen online: nothing to forget, nothing asked
        grid.cursor = grid.order.index("100")
        await pilot.press("x")
        await pilot.pause()
        assert app.screen is screen and "100" in screen.board
        assert any("nothing to forget" in str(n.message) for n in notes)
        assert any("configured roster" in str(n.message) for n in notes)
    remembered = seen_store_for(roster, state).load(clock())
    assert "777" not in remembered and "101" not in remembered


def test_header_counts_add_up_with_the_not_online_view():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from ccall_tui.api.registrations import Registration, RegistrationsSnapshot
    from ccall_tui.monitor.board import ExtensionBoard

    now = datetime(2026, 11, 27, 10, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    board = ExtensionBoard([str(n) for n in range(100, 115)], None, now, seen={"100", "101", "300"})
    text = count_text(board.counts, len(board)).plain
    assert "16 unknown" in text and len(board.order(offline_only=True)) == 16
    online = {"102": (Registration(extension="102", user="102@t", call_id="a"),)}
    board.apply(RegistrationsSnapshot(extensions=online), now)
    text = count_text(board.counts, len(board)).plain
    assert text.startswith(" 1/16 online") and " 3 offline" in text and "12 never seen" in text
    assert "unknown" not in text
    assert len(board.order(offline_only=True)) == 3 + 12


def test_sparkline_stands_on_zero_so_one_phone_is_one_phone():
    history = CountHistory()
    for value in (45, 45, 44, 45):
        history.add(value)
    levels = history.levels(10, top=60)
    assert max(levels) - min(levels) <= 1  # a sliver, not an outage
    assert history.levels(10, top=60)[0] == round(45 * 7 / 60)
    outage = CountHistory()
    for value in (45, 0, 45):
        outage.add(value)
    assert outage.levels(10, top=60) == (5, 0, 5)


async def test_summary_writes_the_range_next_to_the_sparkline(make_services, quiet, sim, clock):
    app = build_app(make_services(profile=quiet))
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        screen = monitor(app)
        board = screen.board  # the sparkline counts what the header counts: answering pings
        online = board.online_count - board.counts[ExtensionState.UNREACHABLE]
        summary = screen.query_one("#mon-summary", BoardSummary)
        line = summary.render_line(0).text
        assert f"  {online}  " in line or f" {online}–" in line
