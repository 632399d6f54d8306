"""The board and the command line in Vietnamese: a snapshot, the visible words, CLI errors."""

from __future__ import annotations

import pytest
from textual.widgets import Footer

from ccall_tui import i18n
# Imported here, in English: the app's and the screens' key lists are built when their
# modules are imported, and a first import inside a Vietnamese test would keep them Vietnamese
# for every later test.
import ccall_tui.ui.app
import ccall_tui.ui.screens.cdrs
import ccall_tui.ui.screens.extension
import ccall_tui.ui.screens.help
import ccall_tui.ui.screens.monitor  # noqa: F401 - imported for its English key lists
from ccall_tui.cli import main
from ccall_tui.ui.textual_compat import FooterKey
from ccall_tui.ui.widgets.summary import BoardSummary
from ccall_tui.ui.widgets.textline import TextLine

# The same board as the English snapshots (roster 100-165, two labels, two fresh drops).
from test_monitor_snapshots import _after_changes, board_app  # noqa: F401


@pytest.fixture
def vietnamese():
    i18n.set_language("vi", {})
    try:
        yield
    finally:
        i18n.set_language("en", {})


def test_board_in_vietnamese_160x48(snap_compare, vietnamese, board_app, sim, clock):
    assert snap_compare(board_app(), terminal_size=(160, 48), run_before=_after_changes(sim, clock))


def test_board_in_vietnamese_80x24(snap_compare, vietnamese, board_app, sim, clock):
    """The longer Vietnamese words on narrow tiles: whole words, parts dropped, none cut."""
    assert snap_compare(board_app(), terminal_size=(80, 24), run_before=_after_changes(sim, clock))


def test_wall_in_vietnamese_80x24(snap_compare, vietnamese, board_app, sim, clock):
    assert snap_compare(board_app(wall=True), terminal_size=(80, 24), run_before=_after_changes(sim, clock))


def _footer_text(screen) -> str:
    return " ".join(key.description for key in screen.query_one(Footer).query(FooterKey))


async def test_board_words_are_vietnamese(vietnamese, board_app, sim, clock):
    app = board_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await _after_changes(sim, clock)(pilot)
        screen = app.screen
        counts = str(screen.query_one("#mon-summary", BoardSummary).counts)
        status = str(screen.query_one("#mon-status", TextLine).text)
        view = str(screen.query_one("#mon-summary", BoardSummary).view)
        footer = _footer_text(screen)

        assert "trực tuyến" in counts
        assert "ngoại tuyến" in counts
        assert "chưa từng thấy" in counts
        assert "online" not in counts and "offline" not in counts
        assert "cập nhật" in status and "dữ liệu" in status
        assert "updated" not in status and "data" not in status
        assert view.startswith("xếp: số"), view
        for word in ("Lọc", "Chi tiết", "Thoát"):
            assert word in footer, footer
        for word in ("Filter", "Details", "Quit"):
            assert word not in footer, footer

        # ages: 104 has been online all along (a lower bound), 103 dropped 3 s ago
        from ccall_tui.ui.widgets.tile_text import since_text, state_age_text

        now = clock()
        online = screen.board.get("104")
        dropped = screen.board.get("103")
        assert online is not None and dropped is not None
        age = state_age_text(online, now)
        assert "phút" in age and "minute" not in age, age
        detail = since_text(online, now)
        assert "trực tuyến" in detail and "phút" in detail and "theo dõi từ" in detail, detail
        detail = since_text(dropped, now)
        assert "ngoại tuyến" in detail and "giây" in detail and "since" not in detail, detail

def test_cli_bad_from_date_is_a_vietnamese_usage_error(capsys, sim, monkeypatch):
    monkeypatch.setenv("CCALL_BASE_URL", sim.base_url)
    monkeypatch.setenv("CCALL_API_KEY", "demo")
    monkeypatch.setenv("CCALL_API_SECRET", "demo")
    before = len(sim.requests)
    code = main(["--lang", "vi", "cdrs", "--from", "hôm qua"])
    out, err = capsys.readouterr()
    i18n.set_language("en", {})
    assert code == 2
    assert out == ""
    assert "không phải ngày giờ dạng 2026-11-27 08:30" in err, err
    assert "--from" in err and "hôm qua" in err
    assert "is not a date" not in err
    assert len(sim.requests) == before


def test_cli_reversed_range_and_no_credentials_in_vietnamese(capsys, sim, monkeypatch):
    monkeypatch.setenv("CCALL_BASE_URL", sim.base_url)
    code = main(["--lang", "vi", "cdrs", "--from", "2026-11-27 10:00", "--to", "2026-11-27 09:00"])
    err = capsys.readouterr().err
    assert code == 2 and "--from nằm sau --to." in err, err

    code = main(["--lang", "vi", "ext"])
    err = capsys.readouterr().err
    i18n.set_language("en", {})
    assert code == 3
    assert "Chưa có thông tin xác thực" in err and "ccall-tui login" in err, err


def test_cli_bad_option_value_and_unknown_cause_in_vietnamese(capsys, sim, monkeypatch):
    monkeypatch.setenv("CCALL_BASE_URL", sim.base_url)
    monkeypatch.setenv("CCALL_API_KEY", "demo")
    monkeypatch.setenv("CCALL_API_SECRET", "demo")
    try:
        with pytest.raises(SystemExit) as info:
            main(["--lang", "vi", "cdrs", "--limit", "0"])
        err = capsys.readouterr().err
        assert info.value.code == 2
        assert "--limit" in err and "phải từ 1 trở lên" in err, err
        assert "Hãy thử 'ccall-tui --help'." in err

        code = main(["--lang", "vi", "cdrs", "--cause", "NOT_A_CAUSE"])
        err = capsys.readouterr().err
        assert code == 2
        assert "không rõ lý do kết thúc 'NOT_A_CAUSE'" in err, err
    finally:
        i18n.set_language("en", {})
