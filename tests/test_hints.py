"""The extension details explain what looks wrong with a phone, why it matters and what to do,
in English and Vietnamese: each hint driven by a simulator scenario over loopback HTTP (the
recorded ones from a flight recording of the scenario), none for a healthy phone. And the
badges read at a glance: transport and NAT, ping, several devices."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import httpx
import pytest
from textual.widgets import Static

from ccall_tui import i18n
from ccall_tui.factory import build_app
from ccall_tui.sim.troubles import install
from ccall_tui.monitor.hints import ADDRESS_CHANGING, EXPIRES_FIRST, hints_for
from ccall_tui.sim.troubles import EXPIRY_S
from ccall_tui.ui.screens.extension import ExtensionScreen
from ccall_tui.ui.screens.monitor import MonitorScreen

from history_day import start_recording


@pytest.fixture
def roster_profile(profile):
    return replace(profile, roster=("100-159",), discover_from_cdrs=False)


@pytest.fixture
def vietnamese():
    i18n.set_language("vi", {})
    try:
        yield
    finally:
        i18n.set_language("en", {})


def play(sim, scenario: str, extension: str) -> None:
    answer = httpx.post(f"{sim.base_url}/_sim/scenario", json={"scenario": scenario, "extension": extension})
    assert answer.status_code == 200, answer.text


async def settle(app, pilot) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def details_of(app, pilot, extension: str) -> ExtensionScreen:
    await settle(app, pilot)
    board = app.screen
    assert isinstance(board, MonitorScreen)
    board.open_extension(extension)
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, ExtensionScreen)
    screen.refresh_live()
    return screen


def hints_text(screen: ExtensionScreen) -> str:
    hints = screen.query_one("#ext-hints", Static)
    return "" if hints.has_class("-none") else str(hints.render())


def title_text(screen: ExtensionScreen) -> str:
    return str(screen.query_one("#ext-title", Static).render())


async def poll(app, pilot) -> None:
    await app.workers.wait_for_complete()
    app.screen.start_poll()
    await settle(app, pilot)


# --------------------------------------------------------------------------- from the latest answer


async def test_udp_behind_nat_with_a_long_expiry_is_a_keepalive_risk(make_services, roster_profile, sim):
    play(sim, "nat_long_expiry", "105")
    play(sim, "short_expiry", "106")
    app = build_app(make_services(profile=roster_profile))
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await details_of(app, pilot, "105")
        text = hints_text(screen)
        assert "UDP behind NAT with a registration expiry over 120 s" in text
        assert "Why: A router forgets a UDP mapping" in text
        assert "What to do: Set the phone's registration expiry to 120 s or less" in text
        # the badges: how it is connected and how fast it answers
        assert "UDP-NAT" in title_text(screen) and "24 ms" in title_text(screen)
        await pilot.press("escape")
        screen = await details_of(app, pilot, "106")  # the same phone refreshing every minute
        assert hints_text(screen) == ""
        assert "UDP-NAT" in title_text(screen)


async def test_a_healthy_phone_gets_no_hint(make_services, roster_profile, sim):
    app = build_app(make_services(profile=roster_profile))
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        board = app.screen.board
        healthy = next(
            ext for ext, tile in board.tiles.items()
            if tile.devices == 1 and (r := board.registrations_of(ext)[0]).transport in ("TCP", "TLS")
            and r.ping_status == "Reachable"
        )
        screen = await details_of(app, pilot, healthy)
        assert hints_text(screen) == ""
        assert screen.query_one("#ext-hints", Static).display is False or screen.query_one("#ext-hints").has_class("-none")


async def test_stale_duplicate_rows_of_one_phone(make_services, roster_profile, sim):
    play(sim, "stale_duplicates", "107")
    app = build_app(make_services(profile=roster_profile))
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await details_of(app, pilot, "107")
        text = hints_text(screen)
        assert "One phone is listed 2 times" in text
        assert "registered again without removing its old registration" in text
        assert "×2" not in title_text(screen) and "2 devices" in title_text(screen)


async def test_stale_duplicates_in_vietnamese(make_services, roster_profile, sim, vietnamese):
    play(sim, "stale_duplicates", "107")
    app = build_app(make_services(profile=roster_profile))
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await details_of(app, pilot, "107")
        text = hints_text(screen)
        assert "Một máy được liệt kê 2 lần" in text
        assert "Vì sao: " in text and "Nên làm gì: " in text


async def test_a_phone_listed_past_its_expiry_renews_only_after_expiring(make_services, roster_profile, sim, clock):
    play(sim, "expires_first", "108")
    clock.advance(EXPIRY_S + 5)  # listed, its registration ran out 5 s ago
    app = build_app(make_services(profile=roster_profile))
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await details_of(app, pilot, "108")
        text = hints_text(screen)
        assert "Its registration ran out before it was renewed" in text
        assert "calls then fail as not registered" in text


async def test_ping_rising_over_the_polls(make_services, roster_profile, sim, clock):
    play(sim, "ping_rising", "109")
    # only the polls below: one the board timed itself could take the place of one of them
    app = build_app(make_services(profile=roster_profile, poll_interval=3600))
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        for _ in range(48):  # a poll every 5 s for 4 min: 20 ms rising by 40 ms a minute
            clock.advance(5)
            await poll(app, pilot)
        assert len(app.screen.board.ping_samples["109"]) == 9  # one sample per 30 s
        screen = await details_of(app, pilot, "109")
        text = hints_text(screen)
        assert text.startswith("⚠ Ping rising: ") and "ms now" in text
        assert "congested or failing network path" in text


async def test_ping_rising_in_vietnamese(make_services, roster_profile, sim, clock, vietnamese):
    play(sim, "ping_rising", "109")
    app = build_app(make_services(profile=roster_profile, poll_interval=3600))
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        for _ in range(8):
            clock.advance(30)
            await poll(app, pilot)
        screen = await details_of(app, pilot, "109")
        assert "Ping đang tăng" in hints_text(screen)


# --------------------------------------------------------------------------- from the flight recorder


@pytest.fixture
async def recorded(sim, clock, profile, credentials):
    """Twenty minutes of the address and expiry scenarios, a poll every 30 s, recorded where
    the app looks for the profile's history."""
    play(sim, "address_changes", "110")
    play(sim, "expires_first", "111")
    day = start_recording(sim, clock, profile, credentials)
    await day.poll()
    for _ in range(40):
        clock.advance(30)
        await day.poll()
    assert day.history.flush()
    yield day
    day.close()


async def test_recorded_address_changes_and_late_renewals(recorded, clock):
    now = clock()
    since = now - timedelta(hours=24)
    moving = recorded.history.timeline("110", since, now)
    kinds = {h.kind for h in hints_for(recorded.feed.board.registrations_of("110"), now, timeline=moving)}
    assert kinds == {ADDRESS_CHANGING}
    late = recorded.history.timeline("111", since, now)
    assert sum(1 for c in late if c.kind == "expired") >= 2
    regs = recorded.feed.board.registrations_of("111")
    assert EXPIRES_FIRST in {h.kind for h in hints_for(regs, now, timeline=late)}
    # and without the recording, an address that moved once a poll ago says nothing
    assert hints_for(recorded.feed.board.registrations_of("110"), now) == []


async def test_details_show_the_recorded_hints(recorded, make_services, roster_profile, clock):
    app = build_app(make_services(profile=roster_profile))
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await details_of(app, pilot, "110")
        for _ in range(50):  # the history opens in a thread as the app starts
            if "changed" in hints_text(screen):
                break
            screen.load_history()
            await settle(app, pilot)
            screen.refresh_live()
        assert "Its address changed 4 times in 24 h" in hints_text(screen)
        assert "turn off SIP ALG" in hints_text(screen)



# --------------------------------------------------------------------------- pictures


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_details_picture_with_hints(snap_compare, make_services, roster_profile, sim, size):
    """Two hints on one phone (UDP behind NAT with an hour's expiry, listed twice)."""
    install(sim.tenant, "stale_duplicates", "107")
    install(sim.tenant, "nat_long_expiry", "108")
    app = build_app(make_services(profile=roster_profile, poll_interval=3600))

    async def run_before(pilot):
        await details_of(pilot.app, pilot, "107")
        await settle(pilot.app, pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)
