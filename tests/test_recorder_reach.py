"""Reachability in the flight recorder: an extension registered but not answering pings (◐)
as the board judged it, recorded with the time it turned and turned back, read back by the
board at a past minute, the changes, the strips, the availability report and the command
line; kept over a restart; and a version-2 history migrated to the table that holds it."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta

import pytest
from recorder_kit import start_recording

from conftest import run_cli
from ccall_tui.monitor.states import ExtensionState
from ccall_tui.recorder.db import SCHEMA_VERSION
from ccall_tui.recorder.retention import prune_before
from ccall_tui.sim import troubles

ONLINE, OFFLINE, UNREACHABLE = ExtensionState.ONLINE, ExtensionState.OFFLINE, ExtensionState.UNREACHABLE
DEAF, SLOW, GONE = "105", "106", "107"


@pytest.fixture
async def hour(profile, clock, sim, credentials):
    """A poll a minute for an hour: 105 stops answering pings at 0:10 and answers again at
    0:25; 106 registers with pings too slow from the start; 107 stops answering at 0:05,
    drops at 0:20 and comes back answering at 0:30."""
    tenant = sim.tenant
    for ext in (DEAF, SLOW, GONE):
        tenant.force_online(ext)
    troubles.install(tenant, "slow_ping", SLOW, clock())
    rec = start_recording(profile, clock, sim, credentials)
    start = clock()
    await rec.poll()
    for minute in range(1, 61):
        clock.advance(60)
        if minute == 5:
            troubles.install(tenant, "unreachable", GONE, clock())
        if minute == 10:
            troubles.install(tenant, "unreachable", DEAF, clock())
        if minute == 20:
            troubles.install(tenant, "none", GONE)
            tenant.force_offline(GONE)
        if minute == 25:
            troubles.install(tenant, "none", DEAF)
        if minute == 30:
            tenant.force_online(GONE)
        await rec.poll()
    rec.flush()
    yield rec, start
    rec.close()


def at(start, minutes: float):
    return start + timedelta(minutes=minutes)


async def test_the_minute_counts_are_online_as_the_header_counts_it(hour):
    """The history's online count (the 24 h chart) counts what the header does: registered
    and answering pings. A registered phone that does not answer is not online there."""
    rec, start = hour
    counts = dict(rec.history.online_counts(start, at(start, 61)))
    registered = {t: len(up) for t, up in rec.truth}
    for minute in (2, 7, 12, 22, 27, 45):
        when = at(start, minute)
        then = rec.history.board_at(when)
        deaf = {ext for ext in then.unreachable if then.states[ext] is ONLINE}
        assert (DEAF in deaf, SLOW in deaf, GONE in deaf) == (10 <= minute < 25, True, 5 <= minute < 20), minute
        assert counts[when] == registered[when] - len(deaf), minute


async def test_reachability_is_recorded_as_the_board_judged_it(hour):
    rec, start = hour
    history = rec.history
    assert history.warning is None
    # the board's judgement at the end, and the history's of the same minute
    board = rec.feed.board
    assert board.tiles[SLOW].shown is UNREACHABLE and board.tiles[DEAF].shown is ONLINE

    changes = history.changes(start, rec.clock(), DEAF, reachability=True)
    assert [(c.at, c.old, c.new) for c in changes] == [
        (at(start, 10), ONLINE, UNREACHABLE), (at(start, 25), UNREACHABLE, ONLINE)]
    # without asking for it, the state changes alone (as before)
    assert history.changes(start, rec.clock(), DEAF) == []
    # went offline while unreachable: the drop ends it, coming back answering is no change
    gone = history.changes(start, rec.clock(), GONE, reachability=True)
    assert [(c.at, c.new) for c in gone] == [(at(start, 5), UNREACHABLE), (at(start, 20), OFFLINE),
                                             (at(start, 30), ONLINE)]

    # the board at past minutes
    for minute, deaf, gone_state in ((2, False, ONLINE), (12, True, ONLINE), (22, True, OFFLINE),
                                     (27, False, OFFLINE), (40, False, ONLINE)):
        past = history.board_at(at(start, minute) + timedelta(seconds=30))
        assert (DEAF in past.unreachable) is deaf, minute
        assert SLOW in past.unreachable  # registered with slow pings: unreachable from its first sight
        assert past.states[GONE] is gone_state and (GONE in past.unreachable) is (5 <= minute < 20)
        assert past.states[DEAF] is ONLINE  # still registered: the state stays online


async def test_strips_and_availability_say_how_long_it_was_unreachable(hour, capsys, env):
    rec, start = hour
    history = rec.history
    end = rec.clock()
    strip = history.strip(DEAF, start, end, 4)  # four quarters of the hour
    assert strip.cells == [1.0, 1.0, 1.0, 1.0]  # registered all along
    assert strip.unreachable == [pytest.approx(5 / 15), pytest.approx(10 / 15), 0.0, 0.0]
    assert strip.unreachable_pct == pytest.approx(100 * 15 / 60)
    assert history.strip(SLOW, start, end, 1).unreachable_pct == pytest.approx(100.0)

    report = {a.extension: a for a in history.availability(start, end)}
    assert report[DEAF].unreachable_s == pytest.approx(15 * 60)
    assert report[DEAF].unreachable_pct == pytest.approx(25.0)
    assert report[DEAF].uptime_pct == pytest.approx(100.0)  # registered, though not answering
    assert report[GONE].unreachable_s == pytest.approx(15 * 60) and report[GONE].flaps == 1
    assert report[SLOW].unreachable_s == pytest.approx(60 * 60)
    # a window starting inside the stretch takes the state it began with
    late = {a.extension: a for a in history.availability(at(start, 20), end)}
    assert late[DEAF].unreachable_s == pytest.approx(5 * 60)
    assert history.strip(DEAF, at(start, 20), at(start, 30), 2).unreachable == [1.0, 0.0]

    rec.close()
    code, out, err = run_cli(capsys, "history", DEAF, "--since", "30d", "--json")
    assert code == 0, err
    data = json.loads(out)
    rows = [(row["at"], row["event"], row["old"], row["new"]) for row in data["changes"] if row["event"] == "reachability"]
    stamp = "%Y-%m-%d %H:%M:%S"
    assert rows == [(at(start, 10).strftime(stamp), "reachability", "reachable", "unreachable"),
                    (at(start, 25).strftime(stamp), "reachability", "unreachable", "reachable")]
    assert data["unreachable_pct"] is not None and data["unreachable_pct"] > 0
    code, out, _err = run_cli(capsys, "history", DEAF, "--since", "30d")
    assert "◐ unreachable (no answer to pings)" in out and "● answers pings again" in out
    assert "unreachable 25.0%" in out.splitlines()[2]  # the summary line says how long

    code, out, err = run_cli(capsys, "history", SLOW, "--since", "30d", "--json")
    assert json.loads(out)["now"]["unreachable_since"] == start.strftime(stamp)  # from its first sight
    code, out, _err = run_cli(capsys, "history", SLOW, "--since", "30d")
    assert f"◐ unreachable (no answer to pings) since {start.strftime(stamp)}" in out.splitlines()[2]
    code, out, _err = run_cli(capsys, "history", DEAF, "--since", "30d", "--json")
    assert json.loads(out)["now"]["unreachable_since"] is None  # answers again

    code, out, err = run_cli(capsys, "report", "availability", "--since", "30d", "--json")
    assert code == 0, err
    row = {r["extension"]: r for r in json.loads(out)["extensions"]}[DEAF]
    assert row["unreachable_s"] == 900 and row["unreachable_pct"] == round(100 * 900 / row["observed_s"], 2)
    code, out, _err = run_cli(capsys, "report", "availability", "--since", "30d", "--csv")
    header = out.splitlines()[0].split(",")
    # the old columns first, in their order; the new ones after
    assert header[:7] == ["extension", "uptime_pct", "flaps", "longest_outage_s", "longest_outage_from",
                          "online_s", "observed_s"]
    assert header[7:] == ["unreachable_s", "unreachable_pct"]
    code, out, _err = run_cli(capsys, "report", "availability", "--since", "30d")
    assert "UNREACHABLE" in out.splitlines()[1]


async def test_reachability_is_kept_over_a_restart_and_in_checkpoints(profile, clock, sim, credentials):
    tenant = sim.tenant
    tenant.force_online(DEAF)
    troubles.install(tenant, "unreachable", DEAF, clock())
    rec = start_recording(profile, clock, sim, credentials)
    start = clock()
    await rec.poll()
    await rec.run(5)
    rec.close()
    clock.advance(30)
    rec = start_recording(profile, clock, sim, credentials)
    await rec.poll()
    await rec.run(40)  # past a checkpoint
    rec.flush()
    history = rec.history
    # unreachable from its first sight (no change to list), and one row: the restart adds none
    assert history.changes(start, clock(), DEAF, reachability=True) == []
    conn = sqlite3.connect(history.path)
    assert conn.execute("SELECT t, unreachable FROM reach WHERE ext = ?", (DEAF,)).fetchall() == [
        (start.timestamp(), 1)]
    assert conn.execute("SELECT unreachable FROM current WHERE ext = ?", (DEAF,)).fetchone()[0] == start.timestamp()
    # rows before the last checkpoint pruned: the checkpoint still says it
    checkpoint = conn.execute("SELECT max(t) FROM checkpoints").fetchone()[0]
    conn.close()
    writable = sqlite3.connect(history.path, isolation_level=None)
    prune_before(writable, checkpoint)
    writable.close()
    assert history.changes(start, clock(), DEAF, reachability=True) == []
    later = history.board_at(clock() - timedelta(seconds=30))
    assert DEAF in later.unreachable
    assert history.strip(DEAF, clock() - timedelta(minutes=2), clock(), 1).unreachable == [1.0]
    rec.close()


V2_EXTRA = """
CREATE TABLE events (id INTEGER PRIMARY KEY, t REAL NOT NULL, kind TEXT NOT NULL, ext TEXT, payload TEXT NOT NULL);
CREATE INDEX events_t ON events (t);
"""


async def test_a_version_2_database_is_migrated_and_records_reachability(profile, clock, sim, credentials):
    from test_recorder import V1_SQL

    rec = start_recording(profile, clock, sim, credentials)
    path = rec.history.path
    rec.close()
    path.unlink(missing_ok=True)
    t0 = (clock() - timedelta(hours=2)).timestamp()
    conn = sqlite3.connect(path)
    conn.executescript(V1_SQL.replace("INSERT INTO schema_version VALUES (1)", "") + V2_EXTRA)
    conn.execute("DELETE FROM schema_version")
    conn.execute("INSERT INTO schema_version VALUES (2)")
    conn.executemany("INSERT INTO states VALUES (?, ?, ?, ?, ?)", [(t0, DEAF, 0, 1, 1)])
    conn.execute("INSERT INTO sessions (start, last, ended) VALUES (?, ?, 1)", (t0, t0 + 900))
    conn.execute("INSERT INTO current VALUES (?, 1, ?, 1, 1)", (DEAF, t0))
    conn.execute("INSERT INTO events (t, kind, ext, payload) VALUES (?, 'note', NULL, '{}')", (t0 + 60,))
    conn.commit()
    conn.close()

    sim.tenant.force_online(DEAF)
    troubles.install(sim.tenant, "unreachable", DEAF, clock())
    rec = start_recording(profile, clock, sim, credentials)
    await rec.poll()
    rec.flush()
    assert rec.history.warning is None
    assert sqlite3.connect(path).execute("SELECT version FROM schema_version").fetchone()[0] == SCHEMA_VERSION
    # the old history reads as it did (no word on pings then: answering), the new says ◐
    assert DEAF not in rec.history.board_at(clock() - timedelta(hours=2) + timedelta(minutes=5)).unreachable
    assert rec.history.board_at(clock() - timedelta(hours=2) + timedelta(minutes=5)).states[DEAF] is ONLINE
    assert len(rec.history.events(clock() - timedelta(hours=3), clock())) == 1
    assert [c.new for c in rec.history.changes(clock() - timedelta(hours=3), clock(), DEAF, reachability=True)] == [
        UNREACHABLE]
    rec.close()
