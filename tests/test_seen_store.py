"""What the board remembers between runs: per server, dated, bounded, shared safely."""

from __future__ import annotations

import json
import multiprocessing
import os
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from ccall_tui.api.registrations import Registration, RegistrationsSnapshot
from ccall_tui.config import Profile
from ccall_tui.monitor.board import ExtensionBoard
from ccall_tui.monitor.memory import BoardMemory
from ccall_tui.monitor.roster import load_seen_extensions, seen_store_for
from ccall_tui.monitor.seen import SEEN_FILE, SeenStore, remember_limit
from ccall_tui.monitor.states import ExtensionState

VN = ZoneInfo("Asia/Ho_Chi_Minh")
T0 = datetime(2026, 11, 27, 10, 30, tzinfo=VN)
DAY = timedelta(days=1)


def snap(*online: str) -> RegistrationsSnapshot:
    return RegistrationsSnapshot(
        extensions={ext: (Registration(extension=ext, user=f"{ext}@t", call_id=f"{ext}-0"),) for ext in online}
    )


def test_last_seen_times_are_kept_and_old_ones_forgotten(tmp_path):
    store = SeenStore(tmp_path, forget_after_days=30)
    store.save({"100": T0, "101": T0 - 29 * DAY, "102": T0 - 31 * DAY}, T0)
    data = json.loads((tmp_path / SEEN_FILE).read_text())
    assert data["version"] == 2 and set(data["extensions"]) == {"100", "101"}
    assert SeenStore(tmp_path).load(T0) == {"100": T0, "101": T0 - 29 * DAY}
    # two days later 101 passes 30 days unseen
    assert set(SeenStore(tmp_path).load(T0 + 2 * DAY)) == {"100"}


def test_writes_only_when_something_changed(tmp_path):
    store = SeenStore(tmp_path)
    store.save({"100": T0}, T0)
    mtime = (tmp_path / SEEN_FILE).stat().st_mtime_ns
    store.save({"100": T0 - DAY}, T0)  # older news changes nothing
    assert (tmp_path / SEEN_FILE).stat().st_mtime_ns == mtime
    store.save({"100": T0 + DAY}, T0 + DAY)
    assert SeenStore(tmp_path).load(T0 + DAY) == {"100": T0 + DAY}


def test_version_1_files_are_read_as_seen_when_written(tmp_path):
    path = tmp_path / SEEN_FILE
    path.write_text(json.dumps({"version": 1, "extensions": ["100", "101"]}))
    written = T0 - 3 * DAY
    os.utime(path, (written.timestamp(), written.timestamp()))
    assert SeenStore(tmp_path).load(T0) == {"100": written, "101": written}
    assert SeenStore(tmp_path, forget_after_days=2).load(T0) == {}


def test_garbage_is_an_empty_set(tmp_path):
    for text in ("{not json", '{"extensions": 5}', '{"version": 2, "extensions": {"100": "yesterday"}}', "null"):
        (tmp_path / SEEN_FILE).write_text(text)
        assert SeenStore(tmp_path).load(T0) == {}


def test_the_cap_keeps_the_most_recently_seen(tmp_path):
    store = SeenStore(tmp_path, limit=3)
    store.save({str(100 + i): T0 - i * timedelta(hours=1) for i in range(6)}, T0)
    assert set(SeenStore(tmp_path).load(T0)) == {"100", "101", "102"}
    assert remember_limit(20) == 5000 and remember_limit(4000) == 8000


def test_two_instances_merge_instead_of_overwriting(tmp_path):
    a, b = SeenStore(tmp_path), SeenStore(tmp_path)
    a.save({"100": T0, "101": T0}, T0)
    merged = b.save({"102": T0 + DAY, "100": T0 + DAY}, T0 + DAY)
    assert merged == {"100": T0 + DAY, "101": T0, "102": T0 + DAY}
    assert SeenStore(tmp_path).load(T0 + DAY) == merged


def test_forgetting_is_not_undone_by_another_instance(tmp_path):
    a, b = SeenStore(tmp_path), SeenStore(tmp_path)
    a.save({"100": T0, "120": T0}, T0)
    b.forget(["120"], T0 + timedelta(minutes=5))
    # a still holds its old copy and writes it back: 120 stays forgotten
    a.save({"100": T0 + timedelta(minutes=10), "120": T0}, T0 + timedelta(minutes=10))
    assert set(SeenStore(tmp_path).load(T0 + timedelta(minutes=10))) == {"100"}
    # seen online again after it was forgotten: remembered again
    a.save({"120": T0 + timedelta(minutes=20)}, T0 + timedelta(minutes=20))
    assert "120" in SeenStore(tmp_path).load(T0 + timedelta(minutes=20))


def test_clearing_is_not_undone_by_another_instance(tmp_path):
    a, b = SeenStore(tmp_path), SeenStore(tmp_path)
    a.save({"100": T0, "101": T0}, T0)
    assert b.clear(T0 + timedelta(minutes=1)) == 2
    a.save({"100": T0, "101": T0}, T0 + timedelta(minutes=2))
    assert SeenStore(tmp_path).load(T0 + timedelta(minutes=2)) == {}


def _writer(directory: str, start: int, rounds: int) -> None:
    store = SeenStore(directory)
    for i in range(rounds):
        store.save({str(start + i): T0}, T0)


def test_concurrent_processes_lose_nothing(tmp_path):
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_writer, args=(str(tmp_path), base, 25)) for base in (1000, 2000, 3000)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    remembered = SeenStore(tmp_path).load(T0)
    assert len(remembered) == 75


def test_each_server_and_the_demo_have_their_own_memory(isolated):
    state = isolated / "state"
    real = replace(Profile.default("default"), base_url="https://pbx.example", roster=("100-119",))
    demo_profile = replace(real, base_url="http://127.0.0.1:43210")
    seen_store_for(demo_profile, state, demo=True).save({str(n): T0 for n in range(120, 160)}, T0)
    assert seen_store_for(real, state).load(T0) == {}
    assert len(seen_store_for(replace(demo_profile, base_url="http://127.0.0.1:5"), state, demo=True).load(T0)) == 40
    seen_store_for(real, state).save({"105": T0}, T0)
    assert load_seen_extensions(real, T0) == {"105": T0}
    assert load_seen_extensions(replace(real, domain_name="other.example"), T0) == {}


def test_forget_after_days_comes_from_the_profile(isolated):
    profile = replace(Profile.default("p"), base_url="https://pbx.example")
    profile = replace(profile, forget_after_days=2) if hasattr(profile, "forget_after_days") else profile
    store = seen_store_for(profile, isolated / "state")
    store.save({"100": T0}, T0)
    expected = {} if getattr(profile, "forget_after_days", 30) == 2 else {"100": T0}
    assert store.load(T0 + 3 * DAY) == expected


# ------------------------------------------------------------------ the board's side


def test_one_huge_answer_is_shown_but_not_remembered(tmp_path):
    board = ExtensionBoard([str(n) for n in range(100, 120)], None, T0, seen={str(n): T0 for n in range(100, 120)},
                           remember_limit=remember_limit(20))
    board.apply(snap(*(str(n) for n in range(100, 110))), T0)
    # 20,000 new numbers: four times what may be remembered (remember_limit: 5,000 at least)
    huge = snap(*(str(n) for n in range(100, 110)), *(str(n) for n in range(10000, 30000)))
    changes = board.apply(huge, T0 + timedelta(seconds=5))
    assert changes.not_remembered == 20000 and not changes.newly_seen
    assert board.counts[ExtensionState.ONLINE] == 20010  # shown while it lasts
    assert len(board.seen) == 20
    # a few new phones are remembered as usual
    changes = board.apply(snap("100", "555"), T0 + timedelta(seconds=10))
    assert changes.newly_seen == ["555"] and not changes.not_remembered


def test_growth_by_more_than_double_and_1000_is_refused_but_roster_counts_not():
    seen = {str(n): T0 for n in range(100, 600)}
    board = ExtensionBoard([str(n) for n in range(1000, 3000)], None, T0, seen=seen, remember_limit=remember_limit(2000))
    changes = board.apply(snap(*(str(n) for n in range(1000, 3000))), T0)  # the roster itself: fine
    assert len(changes.newly_seen) == 2000 and not changes.not_remembered
    board2 = ExtensionBoard([], None, T0, seen=seen, remember_limit=5000)
    changes = board2.apply(snap(*(str(n) for n in range(5000, 6200))), T0)
    assert changes.not_remembered == 1200


def test_memory_writes_seen_times_and_forgets(tmp_path):
    store = SeenStore(tmp_path)
    board = ExtensionBoard(["100"], None, T0, seen=store.load(T0))
    memory = BoardMemory(board, store)
    changes = board.apply(snap("100", "120"), T0)
    assert memory.due(T0, bool(changes.newly_seen))
    assert memory.write(*memory.snapshot(T0), T0) is None
    later = T0 + timedelta(minutes=30)
    board.apply(snap("100"), later)  # 120 leaves
    assert not memory.due(later, False)  # nothing new, times are fresh enough
    assert memory.due(T0 + timedelta(hours=1), False)
    assert board.forget("120") == "forgotten" and "120" not in board
    assert board.forget("100") == "online"
    version, seen, forget = memory.snapshot(later, ["120"])
    memory.write(version, seen, forget, later)
    assert SeenStore(tmp_path).load(later) == {"100": later}


def test_quitting_writes_the_latest_last_seen_times(tmp_path):
    store = SeenStore(tmp_path)
    board = ExtensionBoard([], None, T0)
    memory = BoardMemory(board, store)
    board.apply(snap("100"), T0)
    memory.write(*memory.snapshot(T0), T0)
    assert memory.flush(T0) is None and store.load(T0) == {"100": T0}
    later = T0 + timedelta(minutes=20)
    board.apply(snap("100"), later)  # still online: not written on every poll
    assert not memory.due(later, False)
    assert memory.flush(later) is None
    assert SeenStore(tmp_path).load(later) == {"100": later}
