"""The board's roster and state machine: pure Python, no terminal."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ccall_tui.api.cdrs import CallRecord
from ccall_tui.api.registrations import Registration, RegistrationsSnapshot
from ccall_tui.monitor.board import ExtensionBoard, SortOrder
from ccall_tui.monitor.roster import (
    discovery_query,
    extensions_from_calls,
    looks_like_extension,
)
from ccall_tui.monitor.states import ExtensionState, fold

VN = ZoneInfo("Asia/Ho_Chi_Minh")
T0 = datetime(2026, 11, 27, 10, 30, tzinfo=VN)
ONLINE, OFFLINE, NEVER = ExtensionState.ONLINE, ExtensionState.OFFLINE, ExtensionState.NEVER_SEEN
UNKNOWN = ExtensionState.UNKNOWN


def reg(ext: str, device: int = 0, **kw) -> Registration:
    return Registration(extension=ext, user=f"{ext}@t.example", call_id=f"{ext}-{device}", **kw)


def snap(*online: str | tuple[str, int]) -> RegistrationsSnapshot:
    exts = {}
    for item in online:
        ext, n = (item, 1) if isinstance(item, str) else item
        exts[ext] = tuple(reg(ext, i) for i in range(n))
    return RegistrationsSnapshot(extensions=exts)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_initial_states_roster_seen_and_online():
    board = ExtensionBoard(["100", "101", "102", "103"], {"100": "Lễ tân"}, T0, seen={"101", "300"})
    # nothing is known before the first answer
    assert {tile.state for tile in board.tiles.values()} == {UNKNOWN}
    assert board.counts[UNKNOWN] == 5
    changes = board.apply(snap("100", ("102", 2), "150"), at(5))
    assert changes.first and not changes.events  # the first look is not a change
    assert not changes.went_offline  # ... nor an alert
    assert set(changes.state_changed) == {"100", "101", "102", "103", "150", "300"}
    assert board.tiles["101"].state is OFFLINE and board.tiles["300"].state is OFFLINE
    assert board.tiles["103"].state is NEVER
    assert board.tiles["101"].flaps == 0 and not board.tiles["101"].since_known
    assert changes.added == ["150"]
    assert set(changes.newly_seen) == {"100", "102", "150"}
    assert board.tiles["102"].devices == 2
    assert board.tiles["100"].name == "Lễ tân"
    assert board.counts == {ONLINE: 3, OFFLINE: 2, NEVER: 1, UNKNOWN: 0, ExtensionState.UNREACHABLE: 0}
    assert board.tiles["100"].changed_at is None and not board.tiles["100"].since_known


def test_drop_and_return_counts_flaps_and_events():
    board = ExtensionBoard(["100", "101"], None, T0)
    board.apply(snap("100", "101"), at(0))
    changes = board.apply(snap("100"), at(5))
    assert changes.state_changed == ["101"] and changes.went_offline == ["101"]
    tile = board.tiles["101"]
    assert tile.state is OFFLINE and tile.since == at(5) and tile.since_known and tile.flaps == 1
    assert tile.time_in_state(at(65)) == timedelta(seconds=60)
    changes = board.apply(snap("100", "101"), at(10))
    assert changes.state_changed == ["101"] and tile.state is ONLINE and tile.flaps == 1
    assert [(e.extension, e.new) for e in board.events] == [("101", OFFLINE), ("101", ONLINE)]
    assert board.online_history.values() == [2, 1, 2]


def test_unchanged_snapshot_changes_nothing():
    board = ExtensionBoard([], None, T0)
    board.apply(snap("100", ("101", 2)), at(0))
    versions = {e: t.version for e, t in board.tiles.items()}
    changes = board.apply(snap("100", ("101", 2)), at(5))  # new objects, same devices
    assert not changes and not changes.events
    assert versions == {e: t.version for e, t in board.tiles.items()}


def test_device_count_change_is_a_registration_change():
    board = ExtensionBoard([], None, T0)
    board.apply(snap("100"), at(0))
    changes = board.apply(snap(("100", 2)), at(5))
    assert changes.registrations_changed == ["100"] and not changes.state_changed
    assert board.tiles["100"].devices == 2
    assert board.events.latest(1)[0].describe() == "100 devices 1 → 2"


def test_order_sort_filter_offline_only():
    board = ExtensionBoard(["9", "100", "20"], {"20": "Nguyễn Đức"}, T0, seen={"9"})
    board.apply(snap("100"), at(0))
    board.apply(snap(), at(10))  # 100 goes offline at t=10
    board.apply(snap("20"), at(20))  # 20 online at t=20
    assert board.order() == ["9", "20", "100"]
    assert board.order(SortOrder.STATE) == ["9", "100", "20"]
    assert board.order(SortOrder.CHANGE)[0] == "20"
    assert board.order(query="duc") == ["20"]
    assert board.order(query="10") == ["100"]
    assert board.order(offline_only=True) == ["9", "100"]
    assert board.order(offline_first=True) == ["9", "100", "20"]
    assert fold("Nguyễn Đức") == "nguyen duc"


def test_learned_names_do_not_override_labels():
    board = ExtensionBoard(["100", "101"], {"100": "Reception"}, T0)
    changed = board.learn_names({"100": "Someone", "101": "[/bold]Mai"})
    assert changed == ["101"]
    assert board.tiles["100"].name == "Reception"
    assert board.tiles["101"].name == "[/bold]Mai"


def test_event_log_and_history_are_bounded():
    board = ExtensionBoard(["100"], None, T0, event_limit=5, history_limit=7)
    for i in range(50):
        board.apply(snap("100") if i % 2 else snap(), at(i))
    assert len(board.events) == 5 and len(board.online_history) == 7


@pytest.mark.parametrize(
    "value,expected",
    [("100", True), ("10", True), ("123456", True), ("1", False), ("0901234567", False),
     ("abc", False), (None, False), ("", False)],
)
def test_looks_like_extension(value, expected):
    assert looks_like_extension(value) is expected


def _call(source, destination, name=None, direction="local"):
    return CallRecord(None, T0, direction, source, name, destination, None, None, None, None, None, None)


def test_extensions_from_calls():
    found = extensions_from_calls(
        [
            _call("101", "102", "Mai"),
            _call("0901234567", "103", "Outside", direction="inbound"),
            _call("104", "0283999999", None),
            _call("101", "105", None),
        ]
    )
    assert found == {"101": "Mai", "102": None, "104": None, "105": None}


def test_discovery_query_is_today_local():
    query = discovery_query(T0)
    assert query.direction == "local"
    assert query.date_from == T0.replace(hour=0, minute=0)
    assert query.date_to == T0
