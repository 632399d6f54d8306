"""The board's summary line: the sparkline draws what the header counts (registered and
answering pings), so the two never disagree about how many phones are online."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from ccall_tui.api.registrations import Registration, RegistrationsSnapshot
from ccall_tui.monitor.board import ExtensionBoard
from ccall_tui.ui.widgets.summary import count_text, spark_range

NOW = datetime(2026, 11, 27, 10, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


def _phone(ext: str, ping: str) -> tuple[Registration, ...]:
    return (Registration(extension=ext, user=f"{ext}@t", call_id=f"{ext}-a", ping_status=ping),)


def test_the_sparkline_counts_what_the_header_counts():
    board = ExtensionBoard(["100", "101", "102"], None, NOW)
    online = {"100": _phone("100", "Reachable"), "101": _phone("101", "Unreachable")}
    board.apply(RegistrationsSnapshot(extensions=dict(online)), NOW)
    header = count_text(board.counts, len(board)).plain
    assert header.startswith("1/3 online") and "◐ 1 unreachable" in header
    assert board.online_history.values() == [1]
    assert spark_range(board.online_history).plain == "1"

    online["101"] = _phone("101", "Reachable")  # answers again
    board.apply(RegistrationsSnapshot(extensions=dict(online)), NOW + timedelta(seconds=5))
    assert count_text(board.counts, len(board)).plain.startswith("2/3 online")
    online["100"] = _phone("100", "Unreachable")
    online["102"] = _phone("102", "Unreachable")  # registers already not answering
    board.apply(RegistrationsSnapshot(extensions=dict(online)), NOW + timedelta(seconds=10))
    assert count_text(board.counts, len(board)).plain.startswith("1/3 online")
    assert board.online_history.values() == [1, 2, 1]
    assert spark_range(board.online_history).plain == "1–2"
