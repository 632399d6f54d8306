"""A hostile or broken server never makes the client hang or lie: the simulator's hostile
switches, through the client, the command line and (where it shows) the board."""

from __future__ import annotations

import csv
import io
import json
import logging
import math
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest

from ccall_tui.api.client import CcallClient
from ccall_tui.api.errors import ProtocolError, ServerError, TimeoutError_, TransportError
from ccall_tui.api.cdrs import CdrQuery

from conftest import run_cli, VN, DemoCredentials

MB = 1024 * 1024


def client_for(sim, creds=None, **options) -> CcallClient:
    options.setdefault("timeout", 2.0)
    return CcallClient(sim.base_url, creds or DemoCredentials(), tz=VN, **options)


async def registrations(sim, **options):
    async with client_for(sim, **options) as client:
        return await client.registrations()


async def call_page(sim, **options):
    async with client_for(sim, **options) as client:
        return await client.cdrs(CdrQuery(page=1, limit=20))


@pytest.fixture
def env(monkeypatch, sim, isolated):
    monkeypatch.setenv("CCALL_BASE_URL", sim.base_url)
    monkeypatch.setenv("CCALL_API_KEY", "demo")
    monkeypatch.setenv("CCALL_API_SECRET", "demo")
    config = isolated / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("[profiles.default]\ntimeout = 1\n", encoding="utf-8")
    return sim


run = run_cli


# --------------------------------------------------------------------------- never hang


async def test_a_trickling_answer_ends_at_the_total_deadline(sim):
    sim.faults.trickle_ms = 200  # headers at once, then a byte every 0.2 s: no read ever times out
    started = time.monotonic()
    with pytest.raises(TimeoutError_) as caught:
        await registrations(sim, timeout=1.0)
    elapsed = time.monotonic() - started
    assert 0.9 < elapsed < 2.5
    assert caught.value.message == f"No answer from {sim.base_url.split('//')[1]} within 1 s."


async def test_an_answer_past_the_size_cap_fails_with_the_limit(sim):
    sim.faults.huge_body_mb = 2
    with pytest.raises(ProtocolError) as caught:
        await registrations(sim, max_body_bytes=1 * MB)
    assert caught.value.message == "The answer is larger than 1 MB (limit: max_answer_mb)."
    # Without a Content-Length the cap holds while reading.
    sim.faults.no_content_length = True
    with pytest.raises(ProtocolError, match="larger than 1 MB"):
        await registrations(sim, max_body_bytes=1 * MB)
    # Under the cap, the same padded answer is read.
    snap = await registrations(sim, max_body_bytes=3 * MB)
    assert len(snap) > 20


async def test_more_registration_rows_than_the_cap_is_an_error(sim):
    sim.faults.padding_rows = 100_001
    with pytest.raises(ProtocolError) as caught:
        await registrations(sim, timeout=10.0)
    assert "more than the 100,000 this program reads" in caught.value.message


# --------------------------------------------------------------------------- never lie


@pytest.mark.parametrize(
    "junk, words",
    [
        ("response_string", "Registrations not understood: 'response' is a string."),
        ("registrations_string", "Registrations not understood: registrations is a string."),
        ("rows_without_user", "Registrations not understood: none of the"),
        ("rows_not_objects", "none of the"),
    ],
)
async def test_an_answer_with_nothing_usable_is_an_error_not_an_empty_tenant(sim, junk, words):
    sim.faults.registrations_junk = junk
    with pytest.raises(ProtocolError) as caught:
        await registrations(sim)
    assert caught.value.message.startswith(words) or words in caught.value.message
    if junk == "rows_without_user":
        assert caught.value.message.endswith("rows has a user.")
    if junk == "rows_not_objects":
        assert "(row 1 is a number)" in caught.value.message


async def test_unreadable_rows_are_counted_with_the_first_reason(sim):
    whole = await registrations(sim)
    sim.faults.registrations_junk = "some_rows_without_user"
    snap = await registrations(sim)
    assert snap.skipped == 3 and snap.skip_reason == "row 1 has no user"
    assert 0 < len(snap) <= len(whole)


async def test_the_documented_empty_shapes_still_mean_nobody_online(sim):
    for number in sim.tenant.numbers:
        sim.tenant.force_offline(number)
    sim.faults.quirks = {"empty_variant"}
    for _ in range(4):  # {}, null, "" and no key, in rotation
        snap = await registrations(sim)
        assert len(snap) == 0 and snap.skipped == 0


@pytest.mark.parametrize("quirk", ["user_strings", "other_user_keys", "bare_user"])
async def test_plausible_row_shapes_give_the_same_extensions(sim, quirk):
    expected = await registrations(sim)
    sim.faults.quirks = {quirk}
    snap = await registrations(sim)
    assert set(snap.extensions) == set(expected.extensions)
    assert snap.skipped == 0
    if quirk != "user_strings":
        assert {e: len(r) for e, r in snap.extensions.items()} == {e: len(r) for e, r in expected.extensions.items()}


async def test_identical_rows_are_one_device(sim):
    expected = await registrations(sim)
    sim.faults.identical_rows = 50
    snap = await registrations(sim)
    assert {e: len(r) for e, r in snap.extensions.items()} == {e: len(r) for e, r in expected.extensions.items()}
    assert max(len(r) for r in snap.extensions.values()) <= 3


async def test_stale_duplicates_stay_separate_rows(sim):
    sim.faults.quirks = {"stale_duplicates"}
    with_stale = await registrations(sim)
    sim.faults.quirks = set()
    fresh = await registrations(sim)
    assert sum(map(len, with_stale.extensions.values())) > sum(map(len, fresh.extensions.values()))


async def test_a_server_that_ignores_call_id_gives_not_found_with_the_count(sim):
    async with client_for(sim) as client:
        wanted = (await client.cdrs(CdrQuery(page=1, limit=5))).records[3]
        sim.faults.quirks = {"ignore_call_id"}
        lookup = await client.lookup(wanted.call_id + "-gone")
        assert not lookup.found and lookup.record is None and lookup.others == 50
        assert await client.cdr(wanted.call_id + "-gone") is None
        # A page that happens to hold the call still finds exactly that call.
        found = await client.lookup(wanted.call_id)
        assert found.record is not None and found.record.call_id == wanted.call_id


async def test_records_without_an_id_are_never_the_call_asked_for(sim):
    async with client_for(sim) as client:
        wanted = (await client.cdrs(CdrQuery(page=1, limit=5))).records[0]
        sim.faults.quirks = {"no_call_ids"}
        lookup = await client.lookup(wanted.call_id)
    assert lookup.record is None and lookup.others == 1


# --------------------------------------------------------------------------- what is kept


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


async def test_lone_surrogates_become_replacement_characters_where_parsed(sim):
    sim.faults.surrogates = True
    snap = await registrations(sim)
    page = await call_page(sim)
    kept = []
    for regs in snap.extensions.values():
        for reg in regs:
            kept += [reg.agent, reg.contact, reg.user, reg.status]
            kept += list(_strings(dict(reg.raw)))
    for record in page.records:
        kept += list(_strings(record.to_json())) + list(_strings(dict(record.raw)))
    kept = [text for text in kept if text]
    for text in kept:
        text.encode("utf-8")  # raises on a lone surrogate
    assert any("\ufffd" in text for text in kept)
    assert all(r.cid_name.endswith("\ufffd") for r in page.records)


async def test_only_finite_sane_numbers_pass(sim):
    sim.faults.infinite_numbers = True
    page = await call_page(sim)
    assert len(page.records) == 20
    for record in page.records:
        for name in ("tta_s", "duration_s", "pdd_s", "mos"):
            value = getattr(record, name)
            assert value is None or (math.isfinite(value) and value >= 0)
        assert record.duration_s is None or record.duration_s <= 7 * 24 * 3600
        assert record.pdd_s is None or record.pdd_s <= 3600
        json.dumps(record.to_json(), allow_nan=False)
        json.dumps(dict(record.raw), allow_nan=False)


# --------------------------------------------------------------------------- secrets


def _pieces(secret: str, size: int = 4):
    return {secret[i: i + size].lower() for i in range(len(secret) - size + 1)}


@pytest.mark.parametrize("key_length", range(60, 140, 7))
async def test_an_echoed_secret_is_scrubbed_before_the_message_is_cut(sim, caplog, key_length):
    # The key's length moves the secret across the place where messages are cut.
    secret = "Zq7-Vx9m-Kp4w-91xK"
    creds = DemoCredentials("k" * key_length, secret)
    sim.faults.echo_request_500 = True
    caplog.set_level(logging.DEBUG, logger="ccall_tui")
    with pytest.raises(ServerError) as caught:
        await registrations(sim, creds=creds)
    message = caught.value.message
    assert message.startswith("HTTP 500 from the server: Cannot process request")
    logged = caplog.text.lower()
    for piece in _pieces(secret):
        assert piece not in message.lower() and piece not in logged
    # A crash screen printing the locals of every frame of the error shows none of it either.
    frames = caught.value.__traceback__.tb_next
    assert frames is not None
    while frames is not None:
        shown = repr(frames.tb_frame.f_locals).lower()
        assert not any(piece in shown for piece in _pieces(secret)), frames.tb_frame.f_code.co_name
        frames = frames.tb_next


async def test_a_password_in_the_base_url_is_masked_everywhere(sim, caplog):
    port = sim.base_url.rsplit(":", 1)[1]
    url = f"http://admin:Pa55-word-xyz@127.0.0.1:{port}"
    caplog.set_level(logging.DEBUG, logger="ccall_tui")
    sim.faults.html_error = True
    client = CcallClient(url, DemoCredentials(), timeout=2.0, tz=VN)
    async with client:
        with pytest.raises(ServerError) as caught:
            await client.registrations()
    sim.stop()
    client = CcallClient(url, DemoCredentials(), timeout=2.0, tz=VN)
    async with client:
        with pytest.raises(TransportError) as refused:
            await client.registrations()
    for text in (caught.value.message, refused.value.message, caplog.text, repr(client), client.host):
        for piece in _pieces("Pa55-word-xyz"):
            assert piece not in text.lower()
    assert refused.value.message == f"Connection refused by 127.0.0.1:{port}."
    assert repr(client) == f"CcallClient(base_url='http://****@127.0.0.1:{port}')"


# --------------------------------------------------------------------------- 429 / 503


async def test_429_carries_the_servers_retry_after(sim):
    sim.faults.rate_limited = True
    sim.faults.retry_after = "30"
    with pytest.raises(ServerError) as caught:
        await registrations(sim)
    assert caught.value.status_code == 429 and caught.value.retry_after == 30
    assert "429" in caught.value.message
    sim.faults.retry_after = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=120), usegmt=True)
    with pytest.raises(ServerError) as caught:
        await registrations(sim)
    assert 100 < caught.value.retry_after <= 120
    sim.faults.retry_after = "86400"
    with pytest.raises(ServerError) as caught:
        await registrations(sim)
    assert caught.value.retry_after == 3600  # capped at an hour
    sim.faults.retry_after = ""
    with pytest.raises(ServerError) as caught:
        await registrations(sim)
    assert caught.value.retry_after is None


async def test_503_carries_retry_after_too(sim):
    sim.faults.status_5xx = 503
    sim.faults.retry_after = "7"
    with pytest.raises(ServerError) as caught:
        await registrations(sim)
    assert caught.value.status_code == 503 and caught.value.retry_after == 7


# --------------------------------------------------------------------------- command line


@pytest.mark.parametrize(
    "setup, code, words",
    [
        (dict(registrations_junk="registrations_string"), 5, "registrations is a string"),
        (dict(registrations_junk="rows_without_user"), 5, "rows has a user"),
        (dict(trickle_ms=300), 4, "within 1 s"),
        (dict(padding_rows=100_001), 5, "more than the 100,000"),
        (dict(rate_limited=True), 5, "429"),
    ],
)
def test_ext_fails_in_one_line_with_the_reason(env, capsys, setup, code, words):
    for name, value in setup.items():
        setattr(env.faults, name, value)
    for argv in (["ext"], ["ext", "--json"]):
        got, out, err = run(capsys, *argv)
        assert got == code, err
        assert out == "" and "online" not in err
        assert err.count("\n") == 1 and err.startswith("ccall-tui: ") and words in err


def test_the_profile_sets_the_size_cap(env, capsys, isolated):
    env.faults.huge_body_mb = 2
    code, out, err = run(capsys, "ext", "--json")
    assert code == 0, err  # 2 MB is under the default 64 MB
    config = isolated / "config" / "config.toml"
    config.write_text("[profiles.default]\ntimeout = 2\nmax_answer_mb = 1\n", encoding="utf-8")
    code, out, err = run(capsys, "ext", "--json")
    assert code == 5 and out == ""
    assert err == "ccall-tui: The answer is larger than 1 MB (limit: max_answer_mb).\n"
    config.write_text("[profiles.default]\nmax_answer_mb = 0\n", encoding="utf-8")
    code, out, err = run(capsys, "ext")
    assert code == 2 and "max_answer_mb" in err and "from 1 to 1024" in err


def test_ext_reports_rows_not_understood_on_stderr(env, capsys):
    env.faults.registrations_junk = "some_rows_without_user"
    code, out, err = run(capsys, "ext", "--json", "--online")
    assert code == 0
    assert json.loads(out)
    assert "3 rows not understood: row 1 has no user" in err


def test_ext_and_cdrs_write_lone_surrogates_as_replacement_characters(env, capsys):
    env.faults.surrogates = True
    code, out, err = run(capsys, "ext", "--json", "--online")
    assert code == 0, err
    agents = [reg["agent"] for row in json.loads(out) for reg in row["registrations"]]
    assert agents and all(agent.endswith("\ufffd") for agent in agents)
    code, out, err = run(capsys, "cdrs", "--limit", "10", "--csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 10 and all(row["cid_name"].endswith("\ufffd") for row in rows)
    code, out, err = run(capsys, "cdrs", "--limit", "10", "--json")
    assert code == 0 and all(row["cid_name"].endswith("\ufffd") for row in json.loads(out))


def test_cdrs_with_infinite_numbers_print_valid_json_and_a_table(env, capsys):
    env.faults.infinite_numbers = True

    def refuse(name):
        raise AssertionError(f"{name} in the output")

    code, out, err = run(capsys, "cdrs", "--limit", "8", "--json")
    assert code == 0, err
    rows = json.loads(out, parse_constant=refuse)
    assert len(rows) == 8
    code, out, err = run(capsys, "cdrs", "--limit", "8")
    assert code == 0, err
    assert len(out.splitlines()) == 8


def test_cdr_of_a_server_that_ignores_call_id_is_not_found(env, capsys):
    code, out, _ = run(capsys, "cdrs", "--limit", "1", "--json")
    call_id = json.loads(out)[0]["call_id"]
    env.faults.quirks = {"ignore_call_id"}
    code, out, err = run(capsys, "cdr", call_id + "x", "--json")
    assert code == 6 and out == ""
    assert err == f"ccall-tui: No call with id {call_id}x (not found; the server sent 50 other calls).\n"


def test_cli_keeps_an_echoed_secret_out_of_stderr_and_the_log(env, capsys, monkeypatch, tmp_path):
    secret = "Zq7-Vx9m-Kp4w-91xK"
    monkeypatch.setenv("CCALL_API_KEY", "k" * 95)
    monkeypatch.setenv("CCALL_API_SECRET", secret)
    env.faults.echo_request_500 = True
    log = tmp_path / "debug.log"
    code, out, err = run(capsys, "--log-file", str(log), "ext")
    assert code == 5 and "HTTP 500" in err
    logged = log.read_text(encoding="utf-8")
    assert "Cannot process request" in logged
    for piece in _pieces(secret):
        assert piece not in err.lower() and piece not in logged.lower()


def test_cli_masks_a_password_in_the_base_url(env, capsys, monkeypatch, tmp_path):
    url = env.base_url.replace("http://", "http://ops:Pa55-word-xyz@")
    monkeypatch.setenv("CCALL_BASE_URL", url)
    env.faults.timeout, env.faults.timeout_hold_s = True, 5
    log = tmp_path / "debug.log"
    code, out, err = run(capsys, "--log-file", str(log), "ext")
    assert code == 4 and "No answer from 127.0.0.1:" in err
    code, status_out, status_err = run(capsys, "status")
    assert "http://****@127.0.0.1:" in status_out
    shown = (err + status_out + status_err + log.read_text(encoding="utf-8")).lower()
    for piece in _pieces("Pa55-word-xyz"):
        assert piece not in shown


def test_simulate_takes_fault_switches(capsys):
    import threading

    from ccall_tui.sim import cli as sim_cli

    stop = threading.Event()
    parser = __import__("argparse").ArgumentParser()
    sim_cli.add_arguments(parser)
    args = parser.parse_args(["--fault", "rate_limited=true", "--fault", "retry_after=12",
                              "--fault", "registrations_junk=rows_without_user"])
    out = io.StringIO()
    thread = threading.Thread(target=sim_cli.run, args=(args,), kwargs={"out": out, "stop": stop})
    thread.start()
    try:
        deadline = time.monotonic() + 5
        while "listening on" not in out.getvalue():
            assert time.monotonic() < deadline
            time.sleep(0.05)
        url = out.getvalue().split("listening on ", 1)[1].split()[0]
        import httpx

        faults = httpx.get(url + "/_sim/faults").json()
        assert faults["rate_limited"] is True and faults["retry_after"] == "12"
        assert faults["registrations_junk"] == "rows_without_user"
        answer = httpx.post(url + "/_sim/faults", json={"trickle_ms": "slow"})
        assert answer.status_code == 400 and "trickle_ms" in answer.json()["message"]
    finally:
        stop.set()
        thread.join(5)
    args = parser.parse_args(["--fault", "no_such_switch=1"])
    assert sim_cli.run(args, out=io.StringIO()) == 2


# --------------------------------------------------------------------------- the board


async def test_board_goes_stale_with_the_reason_for_junk_and_for_a_trickle(make_services, profile, sim, clock):
    from ccall_tui.factory import build_app
    from ccall_tui.ui.widgets.textline import TextLine

    profile = replace(profile, roster=("100-159",), discover_from_cdrs=False, timeout=1.0)
    app = build_app(make_services(profile=profile))

    async def poll_now(pilot):
        await app.workers.wait_for_complete()
        app.screen.start_poll()
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()

    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        online = screen.board.online_count
        assert online > 20 and "not understood" not in str(screen.query_one("#mon-status", TextLine).text)
        sim.faults.registrations_junk = "some_rows_without_user"
        await poll_now(pilot)
        line = str(screen.query_one("#mon-status", TextLine).text)
        assert line.startswith("updated") and "3 rows not understood: row 1 has no user" in line
        sim.faults.registrations_junk = None
        await poll_now(pilot)
        online = screen.board.online_count
        sim.faults.registrations_junk = "registrations_string"
        clock.advance(30)
        await poll_now(pilot)
        line = str(screen.query_one("#mon-status", TextLine).text)
        assert line.startswith("STALE") and "registrations is a string" in line
        assert screen.grid.stale and screen.board.online_count == online  # not "everyone went offline"
        sim.faults.registrations_junk = None
        sim.faults.trickle_ms = 300
        clock.advance(30)
        started = time.monotonic()
        await poll_now(pilot)
        assert time.monotonic() - started < 3
        line = str(screen.query_one("#mon-status", TextLine).text)
        assert line.startswith("STALE") and "No answer from" in line and "within 1 s" in line
        assert screen.board.online_count == online


async def test_the_detail_pane_says_not_found_instead_of_showing_another_call(make_services, sim):
    from textual.widgets import Static

    from ccall_tui.factory import build_app

    sim.faults.quirks = {"ignore_call_id"}
    app = build_app(make_services(start_call_id="no-such-call"))
    async with app.run_test(size=(160, 48)) as pilot:
        for _ in range(3):
            await pilot.pause()
            await app.workers.wait_for_complete()
        screen = app.screen
        assert screen.detail.record is None
        shown = str(screen.detail.query_one("#detail-body", Static).render())
        assert "Call no-such-call not found" in shown and "the server sent 50 other calls" in shown


def test_ext_counts_identical_rows_as_one_device(env, capsys):
    code, out, _ = run(capsys, "ext", "--json", "--online")
    expected = {row["extension"]: len(row["registrations"]) for row in json.loads(out)}
    env.faults.identical_rows = 50
    code, out, err = run(capsys, "ext", "--json", "--online")
    assert code == 0 and "not understood" not in err
    assert {row["extension"]: len(row["registrations"]) for row in json.loads(out)} == expected
