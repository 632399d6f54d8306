"""Filter form validation and presets, summaries, and safe file names for the call browser."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ccall_tui.api.cdrs import CallRecord
from ccall_tui.monitor import cdr_filter as cf
from ccall_tui.monitor import cdr_stats as cs
from ccall_tui.monitor import recordings as rec

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 11, 27, 10, 30, 41, tzinfo=VN)


# --------------------------------------------------------------------------- filter form


def test_presets_are_computed_from_now():
    assert cf.preset_range("last_hour", NOW) == (
        datetime(2026, 11, 27, 9, 30, tzinfo=VN), datetime(2026, 11, 27, 10, 30, tzinfo=VN))
    assert cf.preset_range("today", NOW) == (
        datetime(2026, 11, 27, 0, 0, tzinfo=VN), datetime(2026, 11, 27, 23, 59, tzinfo=VN))
    assert cf.preset_range("yesterday", NOW) == (
        datetime(2026, 11, 26, 0, 0, tzinfo=VN), datetime(2026, 11, 26, 23, 59, tzinfo=VN))
    assert cf.preset_range("last_7_days", NOW)[0] == datetime(2026, 11, 21, 0, 0, tzinfo=VN)
    form = cf.apply_preset(cf.CdrFilter(), "yesterday", NOW)
    assert (form.date_from, form.date_to, form.preset) == ("2026-11-26 00:00", "2026-11-26 23:59", "yesterday")


def test_valid_form_becomes_the_query():
    form = cf.CdrFilter(
        date_from="2026-11-27 08:00", date_to="2026-11-27 09:15", direction="inbound",
        causes=("USER_BUSY", "NO_ANSWER"), source=" 1001 ", destination="", cid_name="Thanh",
        limit=100,
    )
    result = cf.validate(form, VN, page=3)
    assert result.ok and result.errors == {}
    body = result.query.to_submission(VN)
    assert body == {
        "date_range": {"from": "2026-11-27 08:00", "to": "2026-11-27 09:15"},
        "hangup_cause": "NO_ANSWER;USER_BUSY",  # the list's order
        "source": "1001", "cid_name": "Thanh", "direction": "inbound", "page": 3, "limit": 100,
    }


def test_date_alone_covers_the_whole_day():
    result = cf.validate(cf.CdrFilter(date_from="2026-11-27", date_to="2026-11-27"), VN)
    assert result.query.date_from == datetime(2026, 11, 27, 0, 0, tzinfo=VN)
    assert result.query.date_to == datetime(2026, 11, 27, 23, 59, tzinfo=VN)


@pytest.mark.parametrize("text", ["2026-13-01 00:00", "27/11/2026", "2026-11-27 25:00", "yesterday", "2026-11-27 9"])
def test_malformed_dates_are_marked_on_their_field(text):
    result = cf.validate(cf.CdrFilter(date_from=text, date_to=text), VN)
    assert result.query is None
    assert set(result.errors) == {"date_from", "date_to"}
    assert "YYYY-MM-DD HH:mm" in result.errors["date_from"]


def test_from_after_to_is_refused():
    result = cf.validate(cf.CdrFilter(date_from="2026-11-27 10:00", date_to="2026-11-27 09:00"), VN)
    assert result.query is None and "after" in result.errors["date_from"]


def test_other_fields_are_checked():
    result = cf.validate(
        cf.CdrFilter(source="10 01", destination="x" * 80, cid_name="a\x1b[2J", limit=7,
                     direction="sideways", causes=("NOPE",)), VN)
    assert set(result.errors) == {"source", "destination", "cid_name", "limit", "direction", "causes"}


def test_empty_form_is_no_filter():
    result = cf.validate(cf.CdrFilter(), VN)
    assert result.query.to_submission(VN) == {"page": 1, "limit": 50}


def test_extension_shortcut_and_swap():
    form = cf.CdrFilter(destination="1009").for_extension("1005")
    assert (form.source, form.destination) == ("1005", "")
    assert (form.swapped().source, form.swapped().destination) == ("", "1005")
    assert cf.CdrFilter().for_extension("1005", as_destination=True).destination == "1005"


def test_saved_filter_round_trips_and_survives_garbage():
    form = cf.CdrFilter(date_from="a", direction="local", causes=("USER_BUSY",), limit=200, preset="today")
    assert cf.CdrFilter.from_json(form.to_json()) == form
    odd = cf.CdrFilter.from_json({"limit": "x", "direction": 3, "causes": ["EVIL", "NO_ANSWER"], "source": None})
    assert odd == cf.CdrFilter(causes=("NO_ANSWER",))
    assert cf.CdrFilter.from_json([1, 2]) == cf.CdrFilter()


def test_preset_dates_are_recomputed_on_restore():
    saved = cf.apply_preset(cf.CdrFilter(), "today", NOW - timedelta(days=3))
    assert saved.refreshed(NOW).date_from == "2026-11-27 00:00"
    manual = cf.CdrFilter(date_from="2026-01-01 00:00")
    assert manual.refreshed(NOW) is manual


@settings(max_examples=200, deadline=None)
@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)))
def test_formatted_dates_parse_back_to_the_minute(moment):
    aware = moment.replace(tzinfo=VN, second=0, microsecond=0)
    text = cf.format_form_date(aware, VN)
    assert cf.parse_form_date(text, VN) == aware
    assert cf.check_date(text, VN) is None


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30), st.text(max_size=30))
def test_validation_never_raises_and_errors_mean_no_query(a, b):
    result = cf.validate(cf.CdrFilter(date_from=a, date_to=b, source=a, cid_name=b), VN)
    assert (result.query is None) == bool(result.errors)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(sorted(cf.PRESETS)), st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2098, 1, 1)))
def test_every_preset_validates(preset, moment):
    form = cf.apply_preset(cf.CdrFilter(), preset, moment.replace(tzinfo=VN))
    assert cf.validate(form, VN).ok


# --------------------------------------------------------------------------- stats


def call(start=None, *, tta=None, talk=None, mos=None, pdd=None, status="NORMAL_CLEARING", call_id="c"):
    return CallRecord(
        call_id=call_id, start=start, direction="inbound", source="1001", cid_name=None,
        destination="1002", status=status, tta_s=tta, duration_s=talk, pdd_s=pdd, mos=mos,
        recording_url=None,
    )


def test_summary_of_a_page():
    t = datetime(2026, 11, 27, 8, 5, tzinfo=VN)
    records = [
        call(t, tta=3, talk=60, mos=4.4, pdd=0.5),
        call(t + timedelta(minutes=10), tta=5, talk=120, mos=3.1, pdd=1.5),
        call(t + timedelta(hours=2), status="NO_ANSWER", pdd=1.0),
        call(None, status=" user_busy "),
    ]
    s = cs.summarize(records, VN)
    assert (s.calls, s.answered) == (4, 2)
    assert s.asr == 50.0
    assert s.acd_s == 90.0
    assert s.mos_avg == pytest.approx(3.75) and s.mos_worst == 3.1
    assert s.pdd_median_s == 1.0 and s.pdd_p95_s == pytest.approx(1.45)
    assert s.by_cause == (("NORMAL_CLEARING", 2), ("NO_ANSWER", 1), ("USER_BUSY", 1))
    assert [n for _, n in s.per_hour] == [2, 0, 1]
    assert s.per_hour[0][0] == datetime(2026, 11, 27, 8, 0, tzinfo=VN)


def test_empty_summary():
    s = cs.summarize([], VN)
    assert s.calls == 0 and s.asr is None and s.acd_s is None and s.per_hour == ()


def test_builder_over_pages_equals_summary_of_all():
    t = datetime(2026, 11, 27, 8, 0, tzinfo=VN)
    records = [call(t + timedelta(minutes=7 * i), tta=i % 3 or None, talk=i, mos=1 + (i % 40) / 10, pdd=i / 10) for i in range(300)]
    builder = cs.SummaryBuilder(VN)
    for i in range(0, 300, 50):
        builder.add(records[i:i + 50])
    assert builder.result() == cs.summarize(records, VN)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=1e6), min_size=1, max_size=50), st.floats(min_value=0, max_value=1))
def test_percentile_stays_within_the_data(values, fraction):
    p = cs.percentile(values, fraction)
    assert min(values) <= p <= max(values)
    assert cs.percentile(values, 0) == min(values) and cs.percentile(values, 1) == max(values)


@pytest.mark.parametrize("mos,band,text", [
    (4.6, "excellent", "4.60 Excellent"), (4.3, "excellent", "4.30 Excellent"), (4.29, "good", "4.29 Good"),
    (4.0, "good", "4.00 Good"), (3.99, "fair", "3.99 Fair"), (3.63, "fair", "3.63 Fair"),
    (3.6, "fair", "3.60 Fair"), (3.59, "poor", "3.59 Poor"), (3.1, "poor", "3.10 Poor"),
    (3.09, "bad", "3.09 Bad"), (1.0, "bad", "1.00 Bad"), (None, None, ""), (float("nan"), None, ""),
])
def test_one_mos_scale_word_and_band(mos, band, text):
    assert cs.mos_text(mos) == (text, band)
    assert cs.mos_band(mos) == band
    # one word per score: never a second scale's word beside it
    if band is not None:
        assert sum(word in text for word in ("Excellent", "Good", "Fair", "Poor", "Bad")) == 1
        assert band in cs.MOS_STYLES


def test_mos_words_are_translated():
    from ccall_tui import i18n

    i18n.set_language("vi")
    try:
        assert cs.mos_text(3.63) == ("3.63 Trung bình", "fair")
    finally:
        i18n.set_language("en", {})


def test_summary_counts_directions_in_a_fixed_order():
    def rec(direction):
        return CallRecord(
            call_id=None, start=None, direction=direction, source=None, cid_name=None, destination=None,
            status=None, tta_s=None, duration_s=None, pdd_s=None, mos=None, recording_url=None,
        )

    summary = cs.summarize([rec("local"), rec("outbound"), rec("local"), rec("inbound"), rec(None)], VN)
    assert summary.by_direction == (("inbound", 1), ("outbound", 1), ("local", 2), ("", 1))


def test_spark_scales_and_buckets():
    assert cs.spark([0, 1, 2, 4]) == " ▃▅█"
    assert len(cs.spark(list(range(100)), width=10)) == 10
    assert cs.spark([]) == ""


def test_hourly_series_is_capped():
    counts = {datetime(2026, 1, 1, tzinfo=VN) + timedelta(hours=h): 1 for h in range(0, 2000, 100)}
    series = cs.hourly_series(counts)
    assert len(series) == cs.MAX_HOURS
    assert series[-1][0] == max(counts)


# --------------------------------------------------------------------------- file names


def test_recording_filename_is_safe_and_descriptive():
    record = CallRecord(
        call_id="../../etc/passwd", start=datetime(2026, 11, 27, 9, 45, 12, tzinfo=VN), direction=None,
        source=None, cid_name=None, destination=None, status=None, tta_s=None, duration_s=None,
        pdd_s=None, mos=None, recording_url="http://x/recordings/a.MP3?x=1",
    )
    name = rec.recording_filename(record)
    assert name == "ccall-20261127-094512-etc_passwd.mp3"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_name_stays_inside_the_folder(tmp_path_factory, text):
    folder = tmp_path_factory.getbasetemp()
    target = rec.target_in(folder, text)
    assert target.parent == folder.resolve()
    assert target.name not in ("", ".", "..")


def test_target_in_refuses_missing_folder(tmp_path):
    with pytest.raises(rec.TargetError):
        rec.target_in(tmp_path / "nope", "a.wav")
    with pytest.raises(rec.TargetError):
        rec.target_in("", "a.wav")


def test_export_names_and_targets(tmp_path):
    assert rec.export_filename(NOW, "csv") == "ccall-calls-20261127-1030.csv"
    assert rec.export_format("x.JSON") == "json" and rec.export_format("x.txt") == "csv"
    assert rec.export_target(tmp_path / "a.csv") == tmp_path.resolve() / "a.csv"
    with pytest.raises(rec.TargetError):
        rec.export_target(tmp_path)
    with pytest.raises(rec.TargetError):
        rec.export_target(tmp_path / "missing" / "a.csv")


def test_default_folder_prefers_downloads(tmp_path):
    assert rec.default_folder(tmp_path) == tmp_path
    (tmp_path / "Downloads").mkdir()
    assert rec.default_folder(tmp_path) == tmp_path / "Downloads"


@pytest.mark.parametrize("seconds,text", [
    (None, ""), (0, "0 s"), (7.4, "7 s"), (65, "1 min 05 s"), (7385, "2 h 03 min 05 s"), (-1, ""),
])
def test_human_duration(seconds, text):
    assert cs.human_duration(seconds) == text
