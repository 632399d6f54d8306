"""The metrics endpoint: the board and the counters read by a scrape over loopback HTTP,
the page parsed with prometheus_client's own OpenMetrics parser, against the simulator."""

from __future__ import annotations

import json
from dataclasses import replace
from importlib import resources

import httpx
import pytest
from alert_harness import header_counts
from prometheus_client.openmetrics.parser import text_string_to_metric_families

from ccall_tui.alerts.metrics import AlertState, BoardMetrics
from ccall_tui.alerts.metrics_http import is_loopback, parse_address, serve_metrics
from ccall_tui.api.cdrs import CdrQuery
from ccall_tui.errors import UsageError
from ccall_tui.monitor.feed import BoardFeed
from ccall_tui.monitor.states import ExtensionState


class _Held:
    def stop(self) -> None:
        pass


def no_timer(delay, callback, name):  # nothing polls by itself: the test polls
    return _Held()


@pytest.fixture
async def feed(sim, profile, clock, credentials, isolated):
    from ccall_tui.services import AppServices

    profile = replace(profile, roster=("100-159",), discover_from_cdrs=False, labels={"105": "Lễ tân"})
    services = AppServices(profile=profile, credentials=credentials, credential_source="test", clock=clock,
                           state_dir=isolated / "state", poll_interval=1.0)
    client = services.make_client()
    made = BoardFeed.for_profile(profile, None, interval=1.0, clock=clock, client=lambda: client, timer=no_timer)
    yield made
    made.stop()
    await made.idle()
    await client.aclose()


def scrape(server) -> dict:
    answer = httpx.get(server.url, headers={"Accept": "application/openmetrics-text; version=1.0.0"}, timeout=5)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/openmetrics-text")
    return {family.name: family for family in text_string_to_metric_families(answer.text)}


def samples(family, name=None):
    return [s for s in family.samples if name is None or s.name == name]


async def test_the_page_shows_the_board_polls_and_calls(feed, sim, clock):
    sim.tenant.force_online("101", devices=2)
    sim.tenant.force_offline("105")
    metrics = BoardMetrics(feed, clock=clock)
    server = serve_metrics(metrics, "127.0.0.1:0")
    try:
        before = scrape(server)
        assert "ccall_extension_up" not in before or not samples(before["ccall_extension_up"])  # unknown yet
        feed.poll_now()
        await feed.idle()
        page = scrape(server)
        up = {s.labels["extension"]: s for s in samples(page["ccall_extension_up"])}
        assert up["101"].value == 1.0
        assert up["105"].value == 0.0 and up["105"].labels["name"] == "Lễ tân"
        online = sum(1 for s in up.values() if s.value == 1.0)
        assert online == feed.board.online_count
        devices = {s.labels["extension"]: s.value for s in samples(page["ccall_extension_devices"])}
        assert devices["101"] == 2.0 and "105" not in devices  # only registered extensions have devices
        pings = {s.labels["extension"] for s in samples(page["ccall_extension_ping_ms"])}
        assert "101" in pings and "105" not in pings
        counts = {s.labels["state"]: s.value for s in samples(page["ccall_extensions"])}
        # the states count as the board's header does: online is registered and answering
        # pings, unreachable is registered but not, and together they are what is registered
        board = feed.board
        assert board.counts[ExtensionState.UNREACHABLE]  # the seeded tenant has a deaf phone
        assert counts["online"] == online - board.counts[ExtensionState.UNREACHABLE]
        assert counts["online"] + counts["unreachable"] == online
        assert sum(counts.values()) == len(board)
        assert [s.value for s in samples(page["ccall_extensions_registered"])] == [online]
        header = header_counts(board)
        assert (header["online"], header["unreachable"]) == (counts["online"], counts["unreachable"])
        hist = page["ccall_poll_duration_seconds"]
        assert [s.value for s in samples(hist, "ccall_poll_duration_seconds_count")] == [1.0]

        # 101 drops: one flap; a failing poll counts its reason
        sim.tenant.force_offline("101")
        feed.poll_now()
        await feed.idle()
        sim.faults.status_5xx = 503
        feed.poll_now()
        await feed.idle()
        page = scrape(server)
        flaps = {s.labels["extension"]: s.value for s in samples(page["ccall_extension_flaps"], "ccall_extension_flaps_total")}
        assert flaps == {"101": 1.0}  # only extensions that dropped
        errors = samples(page["ccall_poll_errors"], "ccall_poll_errors_total")
        assert len(errors) == 1 and errors[0].value == 1.0
        assert samples(page["ccall_poll_stale"])[0].value == 1.0
        assert [s.value for s in samples(page["ccall_poll_duration_seconds"], "ccall_poll_duration_seconds_count")] == [3.0]
        sim.faults.status_5xx = None
        sim.faults.auth_failure = True  # wrong credentials count as their own reason
        feed.poll_now()
        await feed.idle()
        sim.faults.auth_failure = False
        page = scrape(server)
        reasons = {s.labels["reason"]: s.value for s in samples(page["ccall_poll_errors"], "ccall_poll_errors_total")}
        assert reasons == {"server": 1.0, "auth": 1.0}

        # calls: counted by direction and cause; ASR and MOS over the window
        page_of_calls = await feed._client().cdrs(CdrQuery(date_from=clock().replace(hour=0, minute=0),
                                                           date_to=clock(), limit=500))
        records = page_of_calls.records
        assert records
        metrics.add_calls(records)
        page = scrape(server)
        calls = samples(page["ccall_calls"], "ccall_calls_total")
        assert sum(s.value for s in calls) == len(records)
        for s in calls:
            assert s.labels["direction"] in ("inbound", "outbound", "local", "other")
        in_window = [r for r in records if r.start and clock() - metrics.window <= r.start <= clock()]
        assert samples(page["ccall_window_calls"])[0].value == len(in_window)
        if in_window:
            answered = sum(1 for r in in_window if r.answered)
            assert samples(page["ccall_asr_ratio"])[0].value == pytest.approx(answered / len(in_window))
    finally:
        server.close()


async def test_alert_states_and_hostile_labels(feed, sim, clock):
    sim.tenant.set_name("102", 'Bad"\x1b]52;c;aGk=\x07\nname\\')
    alerts = [AlertState("offline-too-long", "critical", "firing", "102"),
              AlertState("asr-low", "warning", "acknowledged", None)]
    metrics = BoardMetrics(feed, clock=clock, alerts=lambda: alerts)
    server = serve_metrics(metrics, ":0")
    try:
        feed.poll_now()
        await feed.idle()
        page = scrape(server)
        active = samples(page["ccall_alert_active"])
        assert {(s.labels["rule"], s.labels["state"], s.labels["extension"]) for s in active} == {
            ("offline-too-long", "firing", "102"), ("asr-low", "acknowledged", "")}
        counts = {(s.labels["severity"], s.labels["state"]): s.value for s in samples(page["ccall_alerts"])}
        assert counts == {("critical", "firing"): 1.0, ("warning", "acknowledged"): 1.0}
        for family in page.values():
            for s in family.samples:
                for value in s.labels.values():
                    assert "\x1b" not in value and "\x07" not in value and "\n" not in value
        alerts.clear()
        page = scrape(server)
        assert samples(page["ccall_alert_active"]) == []
    finally:
        server.close()


def test_addresses():
    assert parse_address("9464") == ("127.0.0.1", 9464)
    assert parse_address(":9464") == ("127.0.0.1", 9464)
    assert parse_address("0.0.0.0:9100") == ("0.0.0.0", 9100)
    assert parse_address("[::1]:9100") == ("::1", 9100)
    for bad in ("host:port", "127.0.0.1:70000", "[::1]9100", ""):
        with pytest.raises(UsageError, match="--metrics"):
            parse_address(bad)
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.0.2.1")


async def test_a_taken_port_is_one_line(feed, clock):
    first = serve_metrics(BoardMetrics(feed, clock=clock), "127.0.0.1:0")
    try:
        with pytest.raises(UsageError, match="cannot listen on"):
            serve_metrics(BoardMetrics(feed, clock=clock), f"127.0.0.1:{first.address[1]}")
    finally:
        first.close()


def test_the_dashboard_is_package_data_and_uses_the_metrics():
    text = resources.files("ccall_tui").joinpath("data/grafana-dashboard.json").read_text(encoding="utf-8")
    dashboard = json.loads(text)
    exprs = " ".join(t["expr"] for p in dashboard["panels"] for t in p.get("targets", ()))
    assert 'state="online"' in exprs and 'state="unreachable"' in exprs  # online as the header says it
    for name in ("ccall_extension_up", "ccall_poll_duration_seconds_bucket", "ccall_poll_errors_total",
                 "ccall_calls_total", "ccall_asr_ratio", "ccall_mos_average", "ccall_alert_active"):
        assert name in exprs


async def test_the_board_serves_its_metrics_with_the_flag(make_services, profile, sim, notes):
    import asyncio

    from ccall_tui.factory import build_app
    from ccall_tui.ui.screens.monitor import MonitorScreen

    sim.tenant.force_offline("103")
    app = build_app(make_services(profile=replace(profile, roster=("100-159",), discover_from_cdrs=False),
                                  metrics="127.0.0.1:0"))
    async with app.run_test(size=(120, 40), message_hook=notes) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        screen = app.screen
        assert isinstance(screen, MonitorScreen)
        server = screen._metrics.server
        for _ in range(50):  # the first answer, then the call follower's first read
            await pilot.pause(0.05)
            if screen.feed.status.last_success is not None and screen._metrics.follower.reads:
                break
        page = await asyncio.to_thread(scrape, server)
        up = {s.labels["extension"]: s.value for s in samples(page["ccall_extension_up"])}
        assert up["103"] == 0.0 and sum(up.values()) == screen.board.online_count
        assert sum(s.value for s in samples(page["ccall_calls"], "ccall_calls_total")) == \
            screen._metrics.follower.delivered
        # a second board asking for the same port says so in one line and goes on
        taken = build_app(make_services(metrics=f"127.0.0.1:{server.address[1]}"))
        async with taken.run_test(size=(120, 40), message_hook=notes) as other:
            await other.pause()
            assert getattr(taken.screen, "_metrics", None) is None
        assert any("cannot listen on" in str(n.message) for n in notes)
    with pytest.raises(httpx.HTTPError):
        httpx.get(server.url, timeout=1)  # closed with the screen


def test_a_bad_address_for_the_board_is_a_usage_error(env, capsys):
    from conftest import run_cli

    code, out, err = run_cli(capsys, "--metrics", "nowhere:port")
    assert code == 2 and "--metrics: 'nowhere:port' is not HOST:PORT" in err


async def test_the_board_with_metrics_and_call_rules_asks_for_the_calls_once(make_services, profile, sim, isolated):
    """--metrics and the alerts' call rules both need the calls: one follower reads them for
    both, so the PBX sees one set of call-record requests, and both hear of every call."""
    import asyncio

    from ccall_tui.factory import build_app

    rules = isolated / "config" / "alerts.toml"
    rules.parent.mkdir(parents=True, exist_ok=True)
    rules.write_text('[[profiles.test.rules]]\nname = "missed"\nkind = "missed_call"\n', encoding="utf-8")
    app = build_app(make_services(profile=replace(profile, roster=("100-159",), discover_from_cdrs=False),
                                  metrics="127.0.0.1:0", poll_interval=3600))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        for _ in range(100):  # the first answer, the rules read in a thread, the first call read
            await pilot.pause(0.05)
            await app.workers.wait_for_complete()
            engine = screen.alerts_ui.engine
            if engine is not None and screen._metrics.follower.reads and not screen._metrics.follower.in_flight:
                break
        follower = screen._metrics.follower
        assert screen.alerts_ui.follower is follower and follower.reads == 1
        asked = [r.body for r in sim.requests if r.path == "/cdrs/json"]
        pages = [(json.dumps(b.get("submission", b).get("date_range"), sort_keys=True),
                  b.get("submission", b).get("page")) for b in asked]
        assert pages and len(pages) == len(set(pages))  # no page of calls asked for twice
        assert follower.delivered > 0
        page = await asyncio.to_thread(scrape, screen._metrics.server)
        counted = sum(s.value for s in samples(page["ccall_calls"], "ccall_calls_total"))
        assert counted == follower.delivered == len(engine._calls)  # both heard every call
    assert not follower.running  # stopped with the last who used it
