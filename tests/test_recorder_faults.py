"""When the history cannot be written: a damaged file, a place that cannot be written, a full
disk, a locked database. One warning each, monitoring goes on, nothing is deleted."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from recorder_kit import start_recording

from ccall_tui.monitor.states import ExtensionState


async def test_a_damaged_file_is_moved_aside_and_a_new_one_started(profile, clock, sim, credentials):
    rec = start_recording(profile, clock, sim, credentials)
    path = rec.history.path
    rec.close()
    garbage = b"this is not a database, " * 400
    path.write_bytes(garbage)
    for side in ("-wal", "-shm"):
        path.with_name(path.name + side).unlink(missing_ok=True)

    rec = start_recording(profile, clock, sim, credentials)
    await rec.poll()
    await rec.run(3)
    rec.flush()
    aside = list(path.parent.glob("history.sqlite.corrupt-*"))
    assert [p.read_bytes() for p in aside if not p.name.endswith(("-wal", "-shm"))] == [garbage]
    assert len(rec.problems) == 1 and "damaged" in rec.problems[0] and "moved aside" in rec.problems[0]
    assert rec.history.warning == rec.problems[0]
    # a new history, recording
    assert rec.history.writing and rec.history.board_at(clock()).known
    assert rec.feed.board.updated_at == clock()
    rec.close()


async def test_a_place_that_cannot_be_written_is_one_warning_and_the_board_goes_on(
        profile, clock, sim, credentials, tmp_path):
    blocker = tmp_path / "data"
    blocker.write_text("a file where the history's folder should be")
    rec = start_recording(profile, clock, sim, credentials, root=blocker)
    tenant = sim.tenant
    tenant.force_online("100")
    await rec.poll()
    tenant.force_offline("100")
    await rec.run(3)
    rec.flush()
    assert len(rec.problems) == 1 and str(blocker) in rec.problems[0]
    assert rec.history.warning == rec.problems[0] and not rec.history.writing
    assert rec.feed.board.get("100").state is ExtensionState.OFFLINE  # monitoring went on
    assert rec.history.changes(clock() - timedelta(hours=1), clock()) == []
    assert blocker.read_text().startswith("a file")
    rec.close()


async def test_a_full_disk_stops_the_history_with_one_warning(profile, clock, sim, credentials):
    rec = start_recording(profile, clock, sim, credentials)
    await rec.poll()
    rec.flush()
    conn = rec.history.writer._conn
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")  # as full as a full disk
    for ext in sim.tenant.numbers[:30]:
        sim.tenant.force_offline(ext)
    await rec.run(2)
    for ext in sim.tenant.numbers[:30]:
        sim.tenant.force_online(ext, 3)
    await rec.run(30)
    rec.flush()
    assert len(rec.problems) == 1 and "full" in rec.problems[0]
    assert not rec.history.writing
    assert rec.feed.board.get(sim.tenant.numbers[0]).devices == 3  # the board is live
    # what was written before is still there and readable
    assert rec.history.board_at(rec.truth[0][0]).known
    rec.close()


async def test_a_locked_database_skips_a_write_with_one_warning_then_goes_on(profile, clock, sim, credentials):
    rec = start_recording(profile, clock, sim, credentials)
    await rec.poll()
    rec.flush()
    rec.history.writer._conn.execute("PRAGMA busy_timeout = 50")
    other = sqlite3.connect(rec.history.path, timeout=0.1, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    sim.tenant.force_offline("100")
    await rec.run(1)
    rec.flush()
    assert len(rec.problems) == 1 and "locked" in rec.problems[0]
    other.execute("ROLLBACK")
    other.close()
    await rec.run(1)  # 100 stays offline: the lost poll's change is written with the next one
    rec.flush()
    assert rec.history.writing and rec.history.warning is None  # the warning went with the lock
    assert [(c.at, c.new) for c in rec.history.changes(clock() - timedelta(minutes=5), clock(), "100")] == [
        (clock(), ExtensionState.OFFLINE)]
    sim.tenant.force_online("100")
    await rec.run(1)
    rec.flush()
    assert rec.history.state_since("100") == (ExtensionState.ONLINE, clock())
    assert len(rec.problems) == 1
    rec.close()


async def test_the_app_says_once_that_history_is_off_and_the_board_goes_on(make_services, monkeypatch, tmp_path, notes):
    from ccall_tui.factory import build_app

    blocker = tmp_path / "data"
    blocker.write_text("not a folder")
    monkeypatch.setenv("CCALL_DATA_DIR", str(blocker))
    app = build_app(make_services())
    async with app.run_test(size=(120, 40), message_hook=notes) as pilot:
        for _ in range(3):
            await pilot.pause()
            await app.workers.wait_for_complete()
        app.screen.start_poll()
        await app.workers.wait_for_complete()
        await pilot.pause()
        warnings = [n for n in notes if n.severity == "warning" and "History" in n.message]
        assert len(warnings) == 1 and str(blocker) in warnings[0].message
        assert app.services.history is not None and not app.services.history.writing
        assert app.screen.board.updated_at is not None  # the board polled and drew
