"""The live extension board, driven with Pilot against the simulated PBX over loopback HTTP."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from textual.widgets import DataTable, Digits, Footer, Input

from ccall_tui.factory import build_app
from ccall_tui.monitor.board import SortOrder
from ccall_tui.monitor.roster import seen_store_for
from ccall_tui.monitor.states import ExtensionState
from ccall_tui.ui.screens.monitor import MonitorScreen
from ccall_tui.ui.widgets.extension_grid import ExtensionGrid
from ccall_tui.ui.widgets.summary import BoardSummary
from ccall_tui.ui.widgets.textline import TextLine

ONLINE, OFFLINE, NEVER = ExtensionState.ONLINE, ExtensionState.OFFLINE, ExtensionState.NEVER_SEEN
HOSTILE = "[/bold]Mai [@click=app.quit]x[/] \x1b]52;c;aGVsbG8=\x07\x1b[31mred"
HOSTILE_SHOWN = "[/bold]Mai [@click=app.quit]x[/] ]52;c;aGVsbG8=[31mred"  # control chars stripped


async def settle(app, pilot) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def poll_now(app, pilot) -> MonitorScreen:
    screen = monitor(app)
    await app.workers.wait_for_complete()
    screen.start_poll()
    await settle(app, pilot)
    return screen


def monitor(app) -> MonitorScreen:
    screen = app.screen
    assert isinstance(screen, MonitorScreen), screen
    return screen


def grid_text(grid: ExtensionGrid) -> str:
    return "\n".join(grid.render_line(y).text for y in range(grid.size.height))


def status_text(screen: MonitorScreen) -> str:
    return str(screen.query_one("#mon-status", TextLine).text)


def registration_requests(sim) -> int:
    return sum(1 for r in sim.requests if r.path.startswith("/ext_reg"))


@pytest.fixture
def roster_profile(profile):
    return replace(profile, roster=("100-159",), labels={"100": "Reception"}, discover_from_cdrs=False)


async def test_board_lists_roster_and_drop_shows_within_one_poll(make_services, roster_profile, sim, clock):
    sim.tenant.force_online("101", devices=2)
    app = build_app(make_services(profile=roster_profile))
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        screen = monitor(app)
        board = screen.board
        assert len(board) == 60
        assert board.tiles["101"].state is ONLINE and board.tiles["101"].devices == 2
        text = grid_text(screen.grid)
        assert "100 Reception" in text and "×2" in text
        before = screen.polls_started
        sim.tenant.force_offline("101")
        clock.advance(5)
        deadline = time.monotonic() + 5
        while screen.polls_started < before + 1 or screen.status.in_flight:
            assert time.monotonic() < deadline, "no poll within the interval"
            await pilot.pause(0.05)
        await settle(app, pilot)
        assert board.tiles["101"].state is OFFLINE
        assert board.tiles["101"].flaps == 1
        assert "○ 101" in grid_text(screen.grid)
        assert [e.extension for e in board.events] == ["101"]


async def test_fault_makes_board_stale_and_recovery_clears_it(make_services, roster_profile, sim, clock):
    app = build_app(make_services(profile=roster_profile))
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        screen = monitor(app)
        online = screen.board.online_count
        assert not screen.grid.stale and "STALE" not in status_text(screen)
        sim.faults.html_error = True
        clock.advance(42)
        await poll_now(app, pilot)
        line = status_text(screen)
        assert line.startswith("STALE · data 42 s old")
        assert "HTML" in line and "retrying in" in line
        assert screen.grid.stale and screen.query_one("#mon-status").has_class("-stale")
        assert screen.board.online_count == online  # the last good data stays
        grid = screen.grid
        tile_text = [
            segment
            for y in range(grid.tile_height * 3)
            for segment in grid.render_line(y)
            if segment.text.strip()
        ]
        assert tile_text and all(segment.style.dim for segment in tile_text)  # every tile, not one line
        sim.faults.html_error = False
        sim.faults.status_5xx = 503
        await poll_now(app, pilot)
        assert "503" in status_text(screen) and screen.status.failures == 2
        sim.faults.reset()
        await poll_now(app, pilot)
        assert not screen.grid.stale and "STALE" not in status_text(screen)
        assert screen.status.failures == 0


async def test_untrusted_text_is_shown_literally(make_services, profile, sim, clock):
    sim.tenant.force_online("101")
    sim.tenant.set_agent("101", HOSTILE)
    sim.tenant.set_name("101", HOSTILE)
    app = build_app(make_services(profile=replace(profile, roster=("100-110",), discover_from_cdrs=False)))
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        screen = monitor(app)
        screen.board.learn_names({"101": HOSTILE_SHOWN})
        screen.grid.refresh_extensions(["101"])
        await pilot.pause()
        assert "101 [/bold]Mai [@click=ap" in grid_text(screen.grid)
        assert screen.grid.select_extension("101")
        await pilot.press("enter")
        await settle(app, pilot)
        table = app.screen.query_one("#ext-regs", DataTable)
        agent = table.get_row_at(0)[0]
        assert agent.plain == HOSTILE_SHOWN
        rendered = "\n".join(table.render_line(y).text for y in range(table.size.height))
        assert "[@click=app.quit]x[/]" in rendered
        assert "\x1b" not in rendered
        await pilot.click("#ext-regs", offset=(10, 1))
        await pilot.pause()
        assert app.is_running
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MonitorScreen)


async def test_filter_sort_and_offline_only(make_services, roster_profile, sim):
    for ext in ("103", "104", "130"):
        sim.tenant.force_offline(ext)
    app = build_app(make_services(profile=roster_profile))
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        screen = monitor(app)
        grid = screen.grid
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press("1", "3")
        assert grid.order and all("13" in ext for ext in grid.order)
        assert "filter: 13" in str(screen.query_one("#mon-summary", BoardSummary).view)
        await pilot.press("enter")
        assert app.focused is grid
        await pilot.press("escape")
        assert grid.filter_text == "" and len(grid.order) == 60
        await pilot.press("o")
        assert grid.offline_only
        assert grid.order and all(screen.board.tiles[e].shown is not ONLINE for e in grid.order)
        assert {"103", "104", "130"} <= set(grid.order)
        await pilot.press("o", "s")
        assert grid.sort is SortOrder.STATE
        ranks = [screen.board.tiles[e].shown for e in grid.order]
        assert ranks.index(ONLINE) > max(i for i, s in enumerate(ranks) if s is not ONLINE)
        await pilot.press("s")
        assert grid.sort is SortOrder.CHANGE


async def test_keyboard_and_mouse_open_details(make_services, roster_profile, sim):
    sim.tenant.force_online("100", devices=2)
    app = build_app(make_services(profile=roster_profile))
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        screen = monitor(app)
        grid = screen.grid
        assert grid.highlighted_extension == "100"
        await pilot.press("right", "down")
        assert grid.highlighted_extension == grid.order[grid.columns + 1]
        # (3, 1): inside the panel's frame, on the first tile
        await pilot.click(ExtensionGrid, offset=(3, 1))
        assert grid.highlighted_extension == "100"
        await pilot.click(ExtensionGrid, offset=(3, 1), times=2)
        await settle(app, pilot)
        details = app.screen
        assert type(details).__name__ == "ExtensionScreen"
        assert details.query_one("#ext-regs", DataTable).row_count == 2
        calls = details.query_one("#ext-calls", DataTable)
        assert calls.row_count == len(details.calls)
        bodies = [r.body.get("submission", {}) for r in sim.requests if r.path.startswith("/cdrs")]
        assert any(b.get("source") == "100" for b in bodies)  # calls from 100 (x: to 100)
        await pilot.press("c")
        await pilot.pause()
        assert app.current_mode == "cdrs"


async def test_wall_mode(make_services, roster_profile, sim, clock):
    sim.tenant.force_offline("105")
    app = build_app(make_services(profile=roster_profile, wall=True))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        screen = monitor(app)
        assert screen.has_class("-wall") and screen.grid.wall
        assert not screen.query_one(Footer).display
        online = screen.board.online_count - screen.board.counts[ExtensionState.UNREACHABLE]
        assert screen.query_one("#mon-wall-online", Digits).value == str(online)
        assert screen.board.tiles[screen.grid.order[0]].shown is not ONLINE  # offline first
        sim.faults.status_5xx = 502
        clock.advance(180)
        await poll_now(app, pilot)
        banner = status_text(screen)
        assert banner.startswith("STALE · data 3 min old") and "502" in banner
        assert screen.query_one("#mon-status").region.height == 3
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        assert screen.grid.hidden == 0 and screen.grid.shown == 60  # every extension, no scrolling
        await pilot.press("w")
        assert not screen.has_class("-wall") and not screen.grid.wall
        assert screen.query_one(Footer).display


async def test_auth_failure_slows_polling_and_new_credentials_resume(make_services, roster_profile, sim, clock, notes):
    app = build_app(make_services(profile=roster_profile))
    async with app.run_test(size=(160, 48), message_hook=notes) as pilot:
        await settle(app, pilot)
        sim.faults.auth_failure = True
        screen = await poll_now(app, pilot)
        assert screen.status.auth_failed and 180 <= screen.status.retry_in(clock()) <= 300
        assert "log in again" in status_text(screen)
        assert any(n.severity == "error" for n in notes)
        count = registration_requests(sim)  # no poll before retry_in: tests/test_board_feed.py
        sim.faults.reset()
        screen.credentials_changed()
        await settle(app, pilot)
        assert not screen.status.auth_failed and not screen.grid.stale
        assert registration_requests(sim) == count + 1


async def test_asking_again_while_a_poll_runs_changes_nothing(make_services, roster_profile, sim):
    app = build_app(make_services(profile=roster_profile))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        screen = monitor(app)
        sim.faults.latency_s = 0.5  # the schedule itself is tested on the manual clock in test_board_feed
        before = registration_requests(sim)
        await pilot.press("r")
        for _ in range(3):
            await pilot.press("r")
            running = [w for w in app.workers if w.group == "poll" and w.is_running]
            assert len(running) == 1 and screen.status.in_flight
        await app.workers.wait_for_complete()
        assert registration_requests(sim) == before + 1
        assert not screen.status.in_flight and screen.board.updated_at is not None


async def test_seen_extensions_are_remembered_across_restarts(make_services, profile, sim, isolated, clock):
    sim.tenant.force_online("120")
    services = make_services(profile=replace(profile, discover_from_cdrs=False))
    app = build_app(services)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        assert "120" in monitor(app).board.seen
    assert "120" in seen_store_for(profile, services.state_dir).load(clock())
    sim.tenant.force_offline("120")
    app = build_app(make_services(profile=replace(profile, discover_from_cdrs=False)))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        assert monitor(app).board.tiles["120"].state is OFFLINE


async def test_discovery_adds_extensions_from_local_calls(make_services, profile, sim):
    app = build_app(make_services(profile=replace(profile, discover_from_cdrs=True)))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        board = monitor(app).board
        bodies = [r.body.get("submission", {}) for r in sim.requests if r.path.startswith("/cdrs")]
        assert bodies and all(b.get("direction") == "local" for b in bodies)
        assert any(tile.learned_name for tile in board.tiles.values())
        assert len(board) >= board.online_count


async def test_watched_extension_going_offline_rings_and_notifies(make_services, profile, sim, clock, notes):
    sim.tenant.force_online("107")
    watched = replace(profile, watched=frozenset({"107"}), labels={"107": "[b]Kho[/b]"}, discover_from_cdrs=False)
    app = build_app(make_services(profile=watched))
    bells = []
    app.bell = lambda: bells.append(1)
    async with app.run_test(size=(100, 30), message_hook=notes) as pilot:
        await settle(app, pilot)
        sim.tenant.force_offline("107")
        clock.advance(5)
        await poll_now(app, pilot)
        assert bells == [1]
        messages = [n.message for n in notes]
        assert any("107 [b]Kho[/b] went offline" in m for m in messages)
        note = [n for n in notes if "107" in n.message][0]
        assert note.markup is False


async def test_help_and_palette_list_the_board_keys(make_services, roster_profile):
    app = build_app(make_services(profile=roster_profile))
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        screen = monitor(app)
        titles = {cmd.title for cmd in app.get_system_commands(screen)}
        for name in ("Filter", "Sort", "Not online", "Wall mode", "Refresh now", "Event log", "Details"):
            assert name in titles
        await pilot.press("question_mark")
        await pilot.pause()
        text = str(app.screen.query_one("Static").render())
        assert "Wall mode" in text and "Extensions" in text


def test_registrations_read_on_demand_give_what_reading_each_row_gives():
    """A poll reads only each row's user; the rest is read when used, and must not show it:
    same extensions, same skipped count, same registrations and cleaned raw fields, and the
    device signature stays put while only the countdown and ping move."""
    import copy
    import json
    import random
    from zoneinfo import ZoneInfo

    from ccall_tui.api.registrations import (
        device_signature,
        parse_registration,
        parse_registrations,
    )

    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    rng = random.Random(11)

    def row(i: int) -> dict:
        return {
            "call-id": f"c{i}", "user": f"{100 + i}@t.example",
            "contact": f'"N{i}" <sip:{100 + i}@10.0.0.{i}:5060;transport=tcp>', "agent": "Yealink\x1b[31m",
            "status": f"Registered(UDP)(unknown) exp(2026-11-27 18:{i:02d}:38) expsecs({3600 - i})",
            "ping-status": "Reachable", "ping-time": "12.50", "network-ip": f"10.0.0.{i}", "network-port": "5060",
        }

    def same_device(a, b) -> bool:  # identical rows, or the same call-id and contact: one device
        if a == b:
            return True
        if not (isinstance(a, dict) and isinstance(b, dict)) or None in (a.get("call-id"), a.get("contact")):
            return False
        return (a.get("call-id"), a.get("contact")) == (b.get("call-id"), b.get("contact"))

    def eager(rows: list) -> tuple[dict[str, tuple], int]:
        grouped: dict[str, list] = {}
        skipped = 0
        for item in rows:
            reg = parse_registration(item, tz)
            if reg is None:
                skipped += 1
            elif not any(same_device(item, other) for other, _ in grouped.get(reg.extension, ())):
                grouped.setdefault(reg.extension, []).append((item, reg))
        return {ext: tuple(reg for _, reg in pairs) for ext, pairs in grouped.items()}, skipped

    variants = [
        "", None, "null", 5, "x", "\x1b]52;c;x\x07", "Registered(TCP) expsecs(3)", " sip:7@x", "@x",
        "exp(2026-11-27 18:29:38expsecs(5)", "EXP(2026-11-27 18:29:38) EXPSECS(-3) expsecs(4)",
        "exp(expsecs(12))", "registered(udp) expsecs(" + "9" * 30 + ")", ["a"], {"user": "1"}, True, 1.5,
    ]
    rows: list = [row(i) for i in range(40)]
    for turn in range(60):
        for item in rng.sample(rows[:40], 6):
            key = rng.choice(list(item))
            item[key] = rng.choice([*variants, f"{item[key]}x"])
        if turn == 20:
            rows += [{"user": None}, 7, None, "101", {"user": "200", "status": {"nested": "\x1b"}}, dict(rows[0])]
            rows.append({"user": "300", "stat\x07us": "x", "status": "Registered(UDP) expsecs(5)"})  # 2 keys, 1 raw key
        payload = copy.deepcopy({"response": {"registrations": rows}})
        lazy = parse_registrations(payload, tz)
        expected, skipped = eager(copy.deepcopy(rows))
        assert lazy.skipped == skipped
        assert list(lazy.extensions) == list(expected)
        for ext, regs in expected.items():
            assert len(lazy.extensions[ext]) == len(regs) == lazy.device_count(ext)
            assert lazy.extensions[ext] == regs
            assert [json.dumps(r.raw) for r in lazy.extensions[ext]] == [json.dumps(r.raw) for r in regs]

    # The same devices a poll later, their countdown and ping moved: the same signature.
    before = parse_registrations({"response": {"registrations": [row(1), row(2), row(2) | {"call-id": "d"}]}}, tz)
    moved = [row(1), row(2), row(2) | {"call-id": "d"}]
    for item in moved:
        item["status"] = item["status"].replace("expsecs(", "expsecs(1")
        item["ping-time"] = "99.1"
    after = parse_registrations({"response": {"registrations": moved}}, tz)
    for ext in ("101", "102"):
        assert device_signature(after.extensions[ext]) == device_signature(before.extensions[ext])
        assert after.extensions[ext] != before.extensions[ext]  # ...with the fresh figures
    replaced = parse_registrations({"response": {"registrations": [row(1) | {"call-id": "new"}]}}, tz)
    assert device_signature(replaced.extensions["101"]) != device_signature(before.extensions["101"])


@settings(max_examples=600, deadline=None)
@given(
    st.one_of(
        st.floats(min_value=0, max_value=7200), st.floats(min_value=0, max_value=3 * 365 * 86400)
    ),
    st.floats(min_value=0, max_value=5400),
    st.sampled_from(["en", "vi"]),
)
def test_a_tile_is_redrawn_whenever_its_age_text_changes(first, offset, language):
    """The grid redraws a tile when the age bucket moves; two ages in one bucket must read the
    same (the tile shows format_age's compact text), in either language."""
    from ccall_tui import i18n
    from ccall_tui.monitor.poll_status import format_age
    from ccall_tui.ui.widgets.tile_text import age_bucket

    second = first + offset
    i18n.set_language(language)
    try:
        if age_bucket(first) == age_bucket(second):
            assert format_age(first) == format_age(second)
    finally:
        i18n.set_language("en")


@pytest.mark.parametrize("seconds", [5, 89, 90, 91, 149, 151, 3599, 5399, 5401, 86399, 3 * 86400])
def test_age_buckets_split_where_the_text_changes(seconds):
    from ccall_tui.monitor.poll_status import format_age
    from ccall_tui.ui.widgets.tile_text import age_bucket

    before, after = seconds - 0.5, seconds + 0.5
    assert format_age(before) == format_age(after) or age_bucket(before) != age_bucket(after)


async def test_details_follow_the_countdown_and_ping_of_the_same_device(
    make_services, roster_profile, sim, clock, monkeypatch
):
    """Open on an extension, the devices table shows each poll's expiry and ping, although a
    poll only reads a row in full for the extension someone looks at."""
    from datetime import timedelta

    sim.tenant.force_online("100", devices=1)
    app = build_app(make_services(profile=roster_profile))
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        board_screen = monitor(app)
        board_screen.open_extension("100")
        await settle(app, pilot)
        table = app.screen.query_one("#ext-regs", DataTable)
        expires_before = str(table.get_cell("0", "Expires in"))
        assert str(table.get_cell("0", "Ping")) != "Reachable 321 ms"

        original = sim.tenant.registrations

        def slower(*args, **kwargs):
            return [
                replace(r, ping_ms=321.0, expires_at=clock() + timedelta(minutes=7, seconds=30))
                if r.extension == "100" else r
                for r in original(*args, **kwargs)
            ]

        monkeypatch.setattr(sim.tenant, "registrations", slower)
        clock.advance(5)
        board_screen.start_poll()
        await settle(app, pilot)
        app.screen.refresh_live()  # what its one-second timer does
        assert str(table.get_cell("0", "Ping")) == "Reachable 321 ms"
        assert str(table.get_cell("0", "Expires in")) == "7:30" != expires_before  # m:ss, by the second
        assert table.row_count == 1


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (120, 40)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_footer_shows_only_whole_keys(make_services, roster_profile, sim, size):
    """In a small terminal the footer drops the keys that do not fit rather than showing half
    a key or a stray letter beside the command palette key (all keys stay in ? and ^p)."""
    from textual.widgets._footer import FooterKey

    app = build_app(make_services(profile=roster_profile))
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        await pilot.pause()
        line = app.screen._compositor.render_strips()[-1].text.rstrip()
        assert line.endswith("Commands"), line
        shown = [k for k in app.screen.query(FooterKey) if k.display and not k.has_class("-command-palette")]
        assert len(shown) >= 5
        for key in shown:
            assert key.description in line, (key.description, line)
        hidden = [k for k in app.screen.query(FooterKey) if not k.display]
        for key in hidden:
            assert key.description not in line.replace("Commands", "")


async def test_a_state_directory_that_refuses_writes_warns_once_and_the_board_goes_on(
    make_services, profile, sim, clock, tmp_path, notes
):
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the state directory should be")
    sim.tenant.force_online("120")
    app = build_app(make_services(profile=replace(profile, discover_from_cdrs=False), state_dir=blocked))
    async with app.run_test(size=(100, 30), message_hook=notes) as pilot:
        await settle(app, pilot)
        sim.tenant.force_online("121")
        clock.advance(5)
        screen = await poll_now(app, pilot)
        warnings = [n for n in notes if n.severity == "warning"]
        assert len(warnings) == 1 and "Could not save" in warnings[0].message
        assert screen.board.tiles["121"].state is ONLINE
    assert blocked.read_text().startswith("a file")
