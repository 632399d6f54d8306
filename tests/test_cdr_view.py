"""Sorting and finding inside a loaded page, the shared words and formats, and the remembered
filter's place (one per profile and server, one for the demo)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from ccall_tui.api.cdrs import CallRecord
from ccall_tui.monitor import cdr_filter as cf
from ccall_tui.monitor import cdr_memory
from ccall_tui.monitor import cdr_view as cv
from ccall_tui.monitor.format import direction_word, format_timestamp

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 11, 27, 10, 30, 41, tzinfo=VN)


def rec(call_id, **fields) -> CallRecord:
    values = dict(
        call_id=call_id, start=None, direction=None, source=None, cid_name=None, destination=None,
        status=None, tta_s=None, duration_s=None, pdd_s=None, mos=None, recording_url=None,
    )
    values.update(fields)
    return CallRecord(**values)


PAGE = (
    rec("a", start=datetime(2026, 11, 27, 9, 0, tzinfo=VN), source="100", cid_name="Nguyễn Văn Đức",
        duration_s=30.0, mos=4.1, direction="inbound"),
    rec("b", start=datetime(2026, 11, 27, 8, 0, tzinfo=VN), source="99", cid_name="Trần Thị Mai",
        duration_s=None, mos=None, direction="outbound"),
    rec("c", start=datetime(2026, 11, 27, 10, 0, tzinfo=VN), source="+84901", cid_name=None,
        duration_s=125.0, mos=3.2, direction="local", status=" USER_BUSY "),
    rec("d", start=None, source="abc", cid_name="an", duration_s=30.0, mos=4.1),
)


def ids(records) -> list[str]:
    return [r.call_id for r in records]


def test_sorting_by_columns_keeps_blanks_last_and_ties_in_server_order():
    assert ids(cv.sorted_records(PAGE, cv.SortOrder("start"))) == ["b", "a", "c", "d"]
    assert ids(cv.sorted_records(PAGE, cv.SortOrder("start", True))) == ["c", "a", "b", "d"]
    # numbers as numbers (99 before 100), names after them
    assert ids(cv.sorted_records(PAGE, cv.SortOrder("source"))) == ["b", "a", "c", "d"]
    assert ids(cv.sorted_records(PAGE, cv.SortOrder("talk"))) == ["a", "d", "c", "b"]
    assert ids(cv.sorted_records(PAGE, cv.SortOrder("talk", True))) == ["c", "a", "d", "b"]
    # names ignore diacritics and case: "an" < "Nguyễn" < "Trần"
    assert ids(cv.sorted_records(PAGE, cv.SortOrder("cid_name"))) == ["d", "a", "b", "c"]
    assert ids(cv.sorted_records(PAGE, cv.SortOrder())) == ["a", "b", "c", "d"]


def test_sort_order_cycles_back_to_the_server_order():
    order = cv.SortOrder()
    seen = []
    for _ in range(len(cv.SORT_COLUMNS) + 1):
        order = order.next_column()
        seen.append(order.column)
    assert seen == list(cv.SORT_COLUMNS) + [None]
    assert cv.SortOrder().reversed() == cv.SortOrder()
    clicks = [cv.SortOrder().clicked("mos")]
    clicks.append(clicks[-1].clicked("mos"))
    clicks.append(clicks[-1].clicked("mos"))
    assert clicks == [cv.SortOrder("mos"), cv.SortOrder("mos", True), cv.SortOrder()]
    assert cv.SortOrder("start").next_column(("start", "talk")) == cv.SortOrder("talk")


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.none(), st.floats(min_value=0, max_value=1e5)), max_size=30),
       st.sampled_from(cv.SORT_COLUMNS), st.booleans())
def test_any_sort_is_a_permutation(talks, column, descending):
    page = [rec(str(i), duration_s=t, source=str(i)) for i, t in enumerate(talks)]
    shown = cv.sorted_records(page, cv.SortOrder(column, descending))
    assert sorted(ids(shown)) == sorted(ids(page))


def test_find_ignores_case_and_diacritics():
    assert cv.fold("Nguyễn Văn ĐỨC") == "nguyen van duc"
    assert cv.find_rows(PAGE, "nguyen", VN) == [0]
    assert cv.find_rows(PAGE, "DUC", VN) == [0]
    assert cv.find_rows(PAGE, "mai", VN) == [1]
    assert cv.find_rows(PAGE, "user_busy", VN) == [2]
    assert cv.find_rows(PAGE, "2026-11-27 10:00", VN) == [2]
    assert cv.find_rows(PAGE, "outbound", VN) == [1]
    assert cv.find_rows(PAGE, "Good", VN) == [0, 3]  # the MOS word as shown
    assert cv.find_rows(PAGE, "   ", VN) == []
    assert cv.find_rows(PAGE, "zzz", VN) == []


def test_next_match_wraps_both_ways():
    assert cv.next_match([2, 5, 9], 5) == 9
    assert cv.next_match([2, 5, 9], 9) == 2
    assert cv.next_match([2, 5, 9], 5, backwards=True) == 2
    assert cv.next_match([2, 5, 9], 2, backwards=True) == 9
    assert cv.next_match([], 0) is None


def test_one_word_per_direction_and_one_timestamp_format():
    assert [direction_word(d) for d in ("inbound", "outbound", "local")] == ["Inbound", "Outbound", "Local"]
    assert direction_word("weird") == "weird" and direction_word(None) == ""
    moment = datetime(2026, 11, 27, 3, 42, 5, tzinfo=ZoneInfo("UTC"))
    assert format_timestamp(moment, VN) == "2026-11-27 10:42:05"
    assert format_timestamp(moment, VN, offset=True) == "2026-11-27 10:42:05+07:00"


# --------------------------------------------------------------------------- remembered filter


def services(root, name="default", url="https://api.ccall.vn", domain=None, demo=False):
    profile = SimpleNamespace(name=name, base_url=url, domain_name=domain)
    return SimpleNamespace(state_dir=root, profile=profile, sim=object() if demo else None)


def test_last_filter_is_kept_per_profile_and_server_and_demo(tmp_path):
    form = replace(cf.default_filter(NOW), destination="110", preset=None)
    office = cdr_memory.filter_path(services(tmp_path))
    assert cdr_memory.save_filter(office, form)
    assert cdr_memory.load_filter(office, NOW) == form
    for other in (
        services(tmp_path, url="https://other.example"),
        services(tmp_path, name="branch"),
        services(tmp_path, domain="tenant.example"),
        services(tmp_path, url="http://127.0.0.1:5555", demo=True),
    ):
        path = cdr_memory.filter_path(other)
        assert path != office
        assert cdr_memory.load_filter(path, NOW) == cf.default_filter(NOW)
    # the demo's port changes each run; its memory does not
    demo_a = cdr_memory.filter_path(services(tmp_path, url="http://127.0.0.1:1", demo=True))
    demo_b = cdr_memory.filter_path(services(tmp_path, url="http://127.0.0.1:2", demo=True))
    assert demo_a == demo_b
    assert cdr_memory.filter_path(services(None)) is None
    assert not cdr_memory.save_filter(None, form)


def test_unwritable_state_folder_is_not_an_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    path = cdr_memory.filter_path(services(blocker))
    assert cdr_memory.save_filter(path, cf.default_filter(NOW)) is False


def test_command_line_table_uses_the_same_mos_words_and_direction_words(monkeypatch, sim, capsys):
    from ccall_tui.cli import main
    from ccall_tui.monitor.cdr_stats import mos_text

    monkeypatch.setenv("CCALL_BASE_URL", sim.base_url)
    monkeypatch.setenv("CCALL_API_KEY", "demo")
    monkeypatch.setenv("CCALL_API_SECRET", "demo")
    code = main(["cdrs", "--from", "2026-11-26 00:00", "--to", "2026-11-26 23:59", "--limit", "50"])
    out = capsys.readouterr().out
    assert code == 0
    lines = [line for line in out.splitlines() if line.startswith("2026-11-26")]
    assert lines
    words = ("Excellent", "Good", "Fair", "Poor", "Bad")
    scored = [line for line in lines if any(f" {w} " in line for w in words)]
    assert scored, "answered calls show their MOS word"
    for line in scored:  # one scale: a score and its one word, never a second scale's word
        assert sum(f" {w} " in line for w in words) == 1
    assert any(" Inbound " in line or " Outbound " in line or " Local " in line for line in lines)
    assert not any(" inbound " in line or " outbound " in line for line in lines)
    assert mos_text(3.63)[0] == "3.63 Fair"
