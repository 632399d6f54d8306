"""The flight recorder against the simulated PBX on the manual clock: a recorded day and what
the history says about it (changes, strips, the board at a past minute, availability), a
restart, a second process following the writer, and the schema migration."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta

import pytest
from recorder_kit import expected_online_seconds, start_recording

from conftest import run_cli
from ccall_tui.monitor.states import ExtensionState
from ccall_tui.recorder.db import SCHEMA_VERSION
from ccall_tui.recorder.history import open_history

ONLINE, OFFLINE = ExtensionState.ONLINE, ExtensionState.OFFLINE


def transitions(truth):
    """(time, ext, was online, is online) from one poll answer to the next."""
    out = []
    for (_a, before), (at, after) in zip(truth, truth[1:]):
        for ext in sorted(before ^ after):
            out.append((at, ext, ext in before, ext in after))
    return out


@pytest.fixture
async def day(profile, clock, sim, credentials):
    """A day recorded every two minutes; 100 forced offline 12:00-14:00 and 13:00-13:30 for
    101's second outage, 102 forced online all day; the rest of the tenant lives its own life."""
    tenant = sim.tenant
    rec = start_recording(profile, clock, sim, credentials)
    start = clock()
    for ext in ("100", "101"):
        tenant.force_online(ext)
    tenant.force_online("102", 2)
    await rec.poll()
    await rec.run(90, every_s=120)  # to 12:00
    tenant.force_offline("100")
    await rec.run(60, every_s=120)  # to 13:00
    tenant.force_offline("101")
    await rec.run(30, every_s=120)
    tenant.force_online("101")
    await rec.run(30, every_s=120)  # to 14:00
    tenant.force_online("100")
    await rec.run(22 * 60 - 30, every_s=120)  # to the next morning
    rec.flush()
    yield rec, start
    rec.close()


async def test_a_recorded_day_is_what_the_simulator_did(day):
    rec, start = day
    history, truth, end = rec.history, rec.truth, rec.clock()
    assert history.warning is None and rec.problems == []
    assert history.first_record() == start

    # every change of state, in order, and no other
    expected = [(at, ext, OFFLINE if was else None, ONLINE if now else OFFLINE)
                for at, ext, was, now in transitions(truth)]
    got = history.changes(start, end)
    assert len(expected) > 4
    assert sorted((c.at, c.extension, c.new) for c in got) == sorted((at, ext, new) for at, ext, _o, new in expected)
    assert [(c.at - start, c.new) for c in history.changes(start, end, "100")] == [
        (timedelta(minutes=92), OFFLINE), (timedelta(minutes=212), ONLINE)]

    # the board at past minutes: the answer of the last poll before each
    for minutes in (0, 91, 150, 181, 200, 600, 1439):
        at = start + timedelta(minutes=minutes, seconds=30)
        board = history.board_at(at)
        answer = [online for t, online in truth if t <= at][-1]
        assert board.known and board.polling_ok
        assert {e for e, s in board.states.items() if s is ONLINE} == set(answer)
        assert board.online == len(answer)
    assert history.board_at(start - timedelta(minutes=1)).known is False
    assert history.board_at(start + timedelta(minutes=150)).since["100"] == start + timedelta(minutes=92)
    assert history.board_at(start + timedelta(minutes=150)).devices["102"] == 2

    # availability per extension agrees with the answers
    report = {a.extension: a for a in history.availability(start, end)}
    for ext in rec.sim.tenant.numbers:
        online, observed = expected_online_seconds(truth, ext, start, end)
        assert report[ext].online_s == pytest.approx(online)
        assert report[ext].observed_s == pytest.approx(observed)
    assert report["100"].flaps == 1 and report["100"].longest_outage_s == 7200
    assert report["100"].longest_outage_from == start + timedelta(minutes=92)
    assert report["101"].flaps == 1 and report["101"].longest_outage_s == 1800
    assert report["102"].uptime_pct == 100.0 and report["102"].flaps == 0

    # a 24-cell strip: 100 was offline for the cells of 12:00 and 13:00
    since = start - timedelta(minutes=28)
    strip = history.strip("100", since, since + timedelta(hours=24), 24)
    assert strip.cells[0] == 1.0  # over the part of the hour that was recorded
    assert strip.cells[2:4] == [0.0, 0.0] and strip.cells[1] == strip.cells[4] == 1.0
    recorded = (since + timedelta(hours=24) - start).total_seconds()
    assert strip.flaps == 1 and strip.uptime_pct == pytest.approx(100 * (1 - 7200 / recorded))
    assert history.strip("100", start - timedelta(days=2), start - timedelta(days=1), 7).cells == [None] * 7

    # the online count once a minute at most (here once per poll), as the header counted it
    counts = history.online_counts(start, end)
    assert [n for _t, n in counts] == rec.answering
    assert history.poll_gaps(start, end) == []


async def test_time_in_state_survives_a_restart(profile, clock, sim, credentials):
    tenant = sim.tenant
    tenant.force_online("100")
    rec = start_recording(profile, clock, sim, credentials)
    start = clock()
    await rec.poll()
    await rec.run(10)
    tenant.force_offline("100")
    went = clock() + timedelta(minutes=1)
    await rec.run(20)
    rec.close()
    stopped = clock()

    clock.advance(minutes=15)  # nothing recording
    restarted = clock()
    rec = start_recording(profile, clock, sim, credentials)
    # before the first poll: the file's recording ended 15 minutes ago, so it knows nothing of now
    assert rec.history.starts(now=restarted) == {}
    await rec.poll()
    await rec.run(10)
    rec.flush()
    history = rec.history
    # 100 was offline at both ends of the pause, but it may have come back and gone in between:
    # since the restart, at least - never "offline since" a moment the history cannot vouch for
    assert history.state_since("100") == (OFFLINE, restarted)
    assert history.starts(now=clock())["100"] == (OFFLINE, restarted)
    assert "100" in history.inexact_starts(now=clock())
    assert [c.at for c in history.changes(start, clock(), "100")] == [went]
    gaps = history.poll_gaps(start, clock())
    assert [(g.start, g.end, g.reason) for g in gaps] == [(stopped, stopped + timedelta(minutes=15), "not recording")]
    assert history.board_at(stopped + timedelta(minutes=5)).known is False
    strip = history.strip("100", start, clock(), 1)
    assert strip.uptime_pct == pytest.approx(100 * 11 / 40)  # online 11 of the 40 recorded minutes
    rec.close()


async def test_a_quick_restart_keeps_time_in_state_exactly(profile, clock, sim, credentials):
    tenant = sim.tenant
    tenant.force_online("100")
    rec = start_recording(profile, clock, sim, credentials)
    await rec.poll()
    await rec.run(5)
    tenant.force_offline("100")
    went = clock() + timedelta(minutes=1)
    await rec.run(5)
    rec.close()

    clock.advance(30)  # the app restarted within half a minute
    rec = start_recording(profile, clock, sim, credentials)
    await rec.poll()
    await rec.run(2)
    rec.flush()
    assert rec.history.state_since("100") == (OFFLINE, went)
    assert rec.history.starts(now=clock())["100"] == (OFFLINE, went)
    assert "100" not in rec.history.inexact_starts(now=clock())
    rec.close()


async def test_poll_failures_and_recoveries_are_recorded_with_their_reasons(profile, clock, sim, credentials):
    rec = start_recording(profile, clock, sim, credentials)
    start = clock()
    await rec.poll()
    await rec.run(5)
    sim.faults.status_5xx = 503
    await rec.run(10)
    sim.faults.status_5xx = None
    failed_at = start + timedelta(minutes=6)
    await rec.run(5)
    rec.flush()
    gaps = rec.history.poll_gaps(start, clock())
    assert len(gaps) == 1 and gaps[0].start == failed_at and gaps[0].end == start + timedelta(minutes=16)
    assert "503" in gaps[0].reason or "server" in gaps[0].reason.lower()
    board = rec.history.board_at(failed_at + timedelta(minutes=3))
    assert board.known and not board.polling_ok
    # what the history does not know (polls failing) is no data in a strip, not uptime
    strip = rec.history.strip("102", start, clock(), 20)
    assert strip.cells[7:15] == [None] * 8
    rec.close()


async def test_a_second_process_follows_the_writer(profile, clock, sim, credentials):
    rec = start_recording(profile, clock, sim, credentials)
    start = clock()
    follower = open_history(_profile_of(rec), record=True)
    try:
        assert follower.writer is None and not follower.writing
        assert follower.record_event("alert-fired", clock(), "100", {"rule": "x"}) is False
        rec.sim.tenant.force_online("102")
        await rec.poll()
        await rec.run(3)
        rec.sim.tenant.force_offline("102")
        await rec.run(2)
        rec.flush()
        # the follower reads the writer's live data
        assert ("102", OFFLINE) in [(c.extension, c.new) for c in follower.changes(clock() - timedelta(minutes=2), clock())]
        assert rec.history.record_event("alert-fired", clock(), "102", {"rule": "offline", "n": 1}) is True
        rec.flush()
        events = follower.events(start, clock(), kind="alert-fired")
        assert [(e.extension, e.payload) for e in events] == [("102", {"rule": "offline", "n": 1})]
    finally:
        follower.close()
        rec.close()


def _profile_of(rec):
    from dataclasses import replace

    from ccall_tui.config import Profile

    return replace(Profile.default("default"), base_url=rec.sim.base_url)


V1_SQL = """
CREATE TABLE schema_version (version INTEGER NOT NULL);
INSERT INTO schema_version VALUES (1);
CREATE TABLE sessions (id INTEGER PRIMARY KEY, start REAL NOT NULL, last REAL NOT NULL, ended INTEGER NOT NULL DEFAULT 0);
CREATE TABLE states (t REAL NOT NULL, ext TEXT NOT NULL, old INTEGER NOT NULL, new INTEGER NOT NULL, devices INTEGER NOT NULL);
CREATE INDEX states_ext_t ON states (ext, t);
CREATE INDEX states_t ON states (t);
CREATE TABLE devices (t REAL NOT NULL, ext TEXT NOT NULL, kind TEXT NOT NULL, agent TEXT, ip TEXT, port INTEGER, transport TEXT, detail TEXT);
CREATE INDEX devices_ext_t ON devices (ext, t);
CREATE INDEX devices_t ON devices (t);
CREATE TABLE polls (t REAL NOT NULL, ok INTEGER NOT NULL, reason TEXT);
CREATE INDEX polls_t ON polls (t);
CREATE TABLE counts (t REAL PRIMARY KEY, online INTEGER NOT NULL, total INTEGER NOT NULL);
CREATE TABLE checkpoints (t REAL PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE current (ext TEXT PRIMARY KEY, state INTEGER NOT NULL, since REAL NOT NULL, exact INTEGER NOT NULL, devices INTEGER NOT NULL);
CREATE TABLE live_devices (ext TEXT NOT NULL, key TEXT NOT NULL, agent TEXT, ip TEXT, port INTEGER, transport TEXT, ping TEXT, expires REAL, PRIMARY KEY (ext, key));
"""


async def test_a_version_1_database_is_migrated_and_keeps_its_history(profile, clock, sim, credentials):
    rec = start_recording(profile, clock, sim, credentials)
    path = rec.history.path
    rec.close()
    path.unlink(missing_ok=True)
    t0 = (clock() - timedelta(hours=2)).timestamp()
    conn = sqlite3.connect(path)
    conn.executescript(V1_SQL)
    conn.executemany("INSERT INTO states VALUES (?, ?, ?, ?, ?)",
                     [(t0, "100", 0, 1, 1), (t0 + 600, "100", 1, 2, 0)])
    conn.execute("INSERT INTO sessions (start, last, ended) VALUES (?, ?, 1)", (t0, t0 + 900))
    conn.execute("INSERT INTO current VALUES ('100', 2, ?, 1, 0)", (t0 + 600,))
    conn.commit()
    conn.close()

    rec = start_recording(profile, clock, sim, credentials)
    await rec.poll()
    rec.flush()
    assert rec.history.warning is None
    version = sqlite3.connect(path).execute("SELECT version FROM schema_version").fetchone()[0]
    assert version == SCHEMA_VERSION
    old = rec.history.changes(clock() - timedelta(hours=3), clock(), "100")
    assert [(c.old, c.new) for c in old][:1] == [(ONLINE, OFFLINE)]
    assert rec.history.record_event("note", clock(), None, {}) is True
    rec.flush()
    assert len(rec.history.events(clock() - timedelta(minutes=1), clock())) == 1
    rec.close()


async def test_the_command_line_says_what_the_history_says(day, capsys, env):
    rec, start = day
    rec.close()
    code, out, err = run_cli(capsys, "history", "100", "--since", "30d", "--json")
    assert code == 0, err
    data = json.loads(out)
    states = [(row["at"], row["new"]) for row in data["changes"] if row["event"] == "state"]
    assert states == [((start + timedelta(minutes=m)).strftime("%Y-%m-%d %H:%M:%S"), new)
                      for m, new in ((92, "offline"), (212, "online"))]
    assert data["flaps"] == 1

    code, out, err = run_cli(capsys, "report", "availability", "--since", "30d", "--json")
    assert code == 0, err
    rows = {row["extension"]: row for row in json.loads(out)["extensions"]}
    report = {a.extension: a for a in rec.history.availability(start - timedelta(days=1), rec.clock())}
    for ext, row in rows.items():
        assert row["flaps"] == report[ext].flaps
        assert row["uptime_pct"] == (round(report[ext].uptime_pct, 2) if report[ext].uptime_pct is not None else None)
    assert rows["100"]["longest_outage_s"] == 7200

    code, out, _err = run_cli(capsys, "report", "availability", "--since", "30d", "--csv")
    assert out.splitlines()[0].startswith("extension,uptime_pct,flaps,longest_outage_s")
    assert any(line.startswith("100,") and ",1,7200," in line for line in out.splitlines())

    code, out, _err = run_cli(capsys, "history", "100", "--since", "30d")
    assert code == 0 and "online -> offline" in out and "offline -> online" in out


async def test_old_history_is_pruned_and_what_is_kept_can_still_be_rebuilt(profile, clock, sim, credentials):
    rec = start_recording(profile, clock, sim, credentials, history_days=1)
    start = clock()
    sim.tenant.force_online("100")
    await rec.poll()
    for _ in range(15):  # 30 hours, 100 going offline and online every two hours
        sim.tenant.force_offline("100")
        await rec.run(60, every_s=300)
        sim.tenant.force_online("100")
        await rec.run(60, every_s=300)
    rec.flush()
    history, end = rec.history, clock()
    first = history.first_record()
    assert end - timedelta(days=1, hours=1) <= first <= end - timedelta(days=1) + timedelta(minutes=5)
    assert history.board_at(start + timedelta(hours=2)).known is False
    assert history.changes(start, first) == []
    kept = history.board_at(first + timedelta(minutes=1))
    answer = [online for t, online in rec.truth if t <= first + timedelta(minutes=1)][-1]
    assert kept.known and {e for e, s in kept.states.items() if s is ONLINE} == set(answer)
    assert len(history.changes(first, end, "100")) >= 22
    rec.close()


async def test_the_board_screen_records_and_a_second_app_follows(make_services, sim, clock):
    from ccall_tui.factory import build_app
    from ccall_tui.ui.screens.monitor import MonitorScreen

    sim.tenant.force_online("100")
    first = build_app(make_services())
    async with first.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await first.workers.wait_for_complete()
        history = first.services.history
        assert history is not None and history.writing
        screen = first.screen
        assert isinstance(screen, MonitorScreen)
        clock.advance(30)
        sim.tenant.force_offline("100")
        screen.start_poll()
        await first.workers.wait_for_complete()
        await pilot.pause()
        assert history.flush()
        assert [(c.extension, c.new) for c in history.changes(clock() - timedelta(minutes=1), clock(), "100")] == [
            ("100", OFFLINE)]

        second = build_app(make_services())
        async with second.run_test(size=(120, 40)) as pilot2:
            await pilot2.pause()
            await second.workers.wait_for_complete()
            follower = second.services.history
            assert follower is not None and not follower.writing and follower.warning is None
            assert follower.state_since("100") == (OFFLINE, clock())
    assert not history.writer._thread.is_alive()  # written and closed with its screen


def test_the_size_cap_prunes_the_oldest_days(tmp_path, clock):
    import random

    from ccall_tui.recorder.history import History
    from ccall_tui.recorder.retention import used_bytes
    from ccall_tui.recorder.writer import HistoryWriter, PollItem

    now = {"t": clock().timestamp()}
    writer = HistoryWriter(tmp_path / "h.sqlite", max_mb=0.5, wall_clock=lambda: now["t"])
    writer.start()
    history = History(writer.path, clock().tzinfo, writer=writer)
    rng = random.Random(5)
    exts = [str(1000 + i) for i in range(300)]
    start = clock()
    for minute in range(0, 6 * 1440, 5):  # six days, a poll every 5 minutes, 40 changes each
        now["t"] = (start + timedelta(minutes=minute)).timestamp()
        changed = [(ext, rng.choice((1, 2)), 0, ()) for ext in (exts if minute == 0 else rng.sample(exts, 40))]
        writer.submit(PollItem(now["t"], changed, (0, len(exts))))
        if minute % 1440 == 0:
            assert history.flush()
    assert history.flush()
    first = history.first_record()
    assert start + timedelta(days=2) <= first <= start + timedelta(days=5, hours=12)  # the oldest days went
    end = start + timedelta(days=6)
    assert history.board_at(first + timedelta(minutes=1)).known
    assert len(history.board_at(end - timedelta(minutes=10)).states) == len(exts)
    history.close()
    conn = sqlite3.connect(tmp_path / "h.sqlite")
    assert used_bytes(conn) <= 0.5 * 1024 * 1024 * 1.2  # within the cap (and the day written since)
    conn.close()



async def test_an_answer_the_writer_has_not_read_yet_is_left_as_it_was(profile, clock, sim, credentials, tmp_path):
    """The history's writer reads the answers it is handed in its own thread. When it lags
    (a slow disk; here a lock held on its file), the next answer must not rewrite the rows of
    one it has yet to read, or the history would write a later answer's expiries for an
    earlier moment."""
    rec = start_recording(profile, clock, sim, credentials, root=tmp_path)
    try:
        await rec.poll()
        rec.flush()
        lock = sqlite3.connect(rec.history.path, timeout=5.0, isolation_level=None)
        lock.execute("BEGIN IMMEDIATE")  # the writer waits from now on
        try:
            clock.advance(60)  # a minute on: this answer is handed over whole, for the minute's look
            await rec.poll()
            handed = rec.feed.board.latest.rows
            said = {ext: (row.status, row.ping_time) for ext, row in handed.items() if not isinstance(row, tuple)}
            assert said, "the simulator's answer has phones"
            clock.advance(30)  # countdowns run down: the rows of the next answer differ
            await rec.poll()
            assert {ext: (handed[ext].status, handed[ext].ping_time) for ext in said} == said
            after = rec.feed.board.latest.rows
            assert any(after[ext].status != said[ext][0] for ext in said if ext in after)
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        rec.flush()
        assert not rec.problems
        # the writer caught up: a device shown the same way keeps its row from answer to answer
        clock.advance(30)
        await rec.poll()
        before = rec.feed.board.latest.rows
        clock.advance(30)
        await rec.poll()
        assert [ext for ext, row in rec.feed.board.latest.rows.items() if before.get(ext) is row]
    finally:
        rec.close()
