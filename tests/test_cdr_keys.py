"""The call browser's keys, as a user presses them: the form, the table, the detail pane,
escape, find and sort, the empty result and small terminals (Pilot against the simulator)."""

from __future__ import annotations

from textual.widgets import Input, Select, Static

from ccall_tui.factory import build_app
from ccall_tui.monitor.cdr_filter import CdrFilter
from ccall_tui.monitor.cdr_view import fold
from ccall_tui.ui.screens.cdr_messages import ShowCall
from ccall_tui.ui.widgets.cdr_table import CORE_COLUMNS

from test_cdr_browser import cdr_bodies, open_browser, settle

LARGE = (160, 48)
SMALL = (80, 24)


def footer_keys(screen) -> set[str]:
    """The keys the footer offers right now (shown bindings of the focused part)."""
    return {key for key, active in screen.active_bindings.items() if active.binding.show}


def text_of(screen, selector) -> str:
    return str(screen.query_one(selector, Static).render())


async def test_enter_in_the_form_searches_and_moves_to_the_table(make_services, sim):
    app = build_app(make_services())
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_browser(app, pilot)
        assert "-collapsed" in screen.form.classes  # one line at 80x24
        await pilot.press("f")
        assert screen.query_one("#f-date_from", Input).has_focus
        assert "-collapsed" not in screen.form.classes
        # the footer shows the form's keys: enter searches, escape leaves; no letters
        keys = footer_keys(screen)
        assert {"enter", "escape"} <= keys and not keys & {"r", "x", "s", "a", "e", "g", "f", "slash"}
        await pilot.press("tab", "tab", "tab", "tab", "tab")  # to Source (presets and lists between)
        assert screen.query_one("#f-source", Input).has_focus
        await pilot.press("1", "0", "x")  # x is text here, never "swap"
        sent = len(cdr_bodies(sim))
        await pilot.press("enter")
        await settle(app, pilot)
        assert len(cdr_bodies(sim)) == sent + 1
        assert cdr_bodies(sim)[-1]["source"] == "10x" and "destination" not in cdr_bodies(sim)[-1]
        assert screen.table.has_focus and "-collapsed" in screen.form.classes
        assert "10x" in text_of(screen, "#form-line")
        await pilot.click("#form-line")  # the mouse opens the folded form too
        assert screen.query_one("#f-date_from", Input).has_focus and "-collapsed" not in screen.form.classes
        await pilot.press("escape")
        assert screen.table.has_focus and "-collapsed" in screen.form.classes
        # in the table, the letters are actions again
        assert {"enter", "s", "f", "slash", "r"} <= footer_keys(screen)


async def test_enter_on_a_list_searches_and_escape_leaves_without_searching(make_services, sim):
    app = build_app(make_services())
    async with app.run_test(size=LARGE) as pilot:
        screen = await open_browser(app, pilot)
        screen.query_one("#f-direction", Select).focus()
        await pilot.press("down")  # opens the list: enter there picks, not searches
        await pilot.press("down", "enter")
        await pilot.pause()
        assert screen.query_one("#f-direction", Select).value == "inbound"
        await pilot.press("enter")  # on the closed list: search
        await settle(app, pilot)
        assert cdr_bodies(sim)[-1]["direction"] == "inbound" and screen.table.has_focus
        await pilot.press("f")
        screen.query_one("#f-destination", Input).value = "105"
        sent = len(cdr_bodies(sim))
        await pilot.press("escape")
        await settle(app, pilot)
        assert screen.table.has_focus and len(cdr_bodies(sim)) == sent


async def test_a_wrong_field_keeps_the_focus_there_and_sends_nothing(make_services, sim):
    app = build_app(make_services())
    async with app.run_test(size=LARGE) as pilot:
        screen = await open_browser(app, pilot)
        await pilot.press("f")
        date_to = screen.query_one("#f-date_to", Input)
        date_to.value = "yesterday"
        sent = len(cdr_bodies(sim))
        await pilot.press("enter")  # from "From": the whole form is checked
        await settle(app, pilot)
        assert len(cdr_bodies(sim)) == sent
        assert date_to.has_focus and "-invalid" in date_to.classes
        assert "nothing was sent" in text_of(screen, "#cdr-status")


async def test_help_lists_enter_and_the_browsers_keys(make_services, sim):
    app = build_app(make_services())
    async with app.run_test(size=LARGE) as pilot:
        await open_browser(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        help_text = str(app.screen.query_one(Static).render())
        for words in ("enter", "Details", "Find in page", "Sort", "Filter", "Summary"):
            assert words in help_text
        assert "Focus Next" not in help_text  # Textual's generic keys are not the browser's to explain
        await pilot.press("escape")


async def test_escape_steps_back_and_finally_leaves_the_screen(make_services, sim):
    app = build_app(make_services())
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_browser(app, pilot)
        assert not screen.query_one("#cdr-details").display  # short terminal: details on demand
        await pilot.press("down", "enter")
        await settle(app, pilot)
        assert screen.query_one("#cdr-details").display and screen.detail.record is not None
        await pilot.press("escape")  # closes the detail pane
        await pilot.pause()
        assert not screen.query_one("#cdr-details").display and screen.table.has_focus
        await pilot.press("escape")  # nothing left to close: back to the extensions
        await pilot.pause()
        assert app.current_mode == "monitor"


async def test_empty_result_says_so_and_a_new_search_clears_the_old_call_and_page_number(make_services, sim):
    app = build_app(make_services())
    async with app.run_test(size=LARGE) as pilot:
        screen = await open_browser(app, pilot)
        await pilot.press("down", "enter")
        await settle(app, pilot)
        assert screen.detail.record is not None
        await pilot.press("g", "9")
        assert screen.query_one("#page-goto", Input).value == "9"
        await pilot.press("escape")
        assert screen.query_one("#page-goto", Input).value == "" and screen.table.has_focus
        await pilot.press("g", "7")  # typed, not submitted; then a click into the form
        screen.form.load(CdrFilter(date_from="2020-01-01 00:00", date_to="2020-01-01 23:59"))
        await pilot.click("#f-date_to")
        await pilot.press("enter")
        await settle(app, pilot)
        info = text_of(screen, "#page-info")
        assert "No calls match: widen the dates or clear a filter" in info and "of 0" not in info
        assert "No calls match" in text_of(screen, "#cdr-status")
        assert screen.query_one("#cdr-empty").display
        assert screen.query_one("#page-goto", Input).value == ""
        assert screen.detail.record is None and "Select a call" in text_of(screen, "#detail-body")
        assert screen.table.row_count == 0


async def test_sort_by_any_column_and_back_to_the_servers_order(make_services, sim):
    app = build_app(make_services())
    async with app.run_test(size=LARGE) as pilot:
        screen = await open_browser(app, pilot)
        server_order = screen.table.records
        await pilot.press("down", "down")
        held = screen.table.current.call_id
        await pilot.press("s")  # by start, oldest first
        await pilot.pause()
        starts = [r.start for r in screen.table.records]
        assert starts == sorted(starts) and screen.table.records != server_order
        assert screen.table.current.call_id == held  # the cursor stays on the same call
        assert "Sorted by Start" in text_of(screen, "#cdr-status")
        assert "▲" in screen.table.columns["start"].label.plain
        await pilot.press("S")
        await pilot.pause()
        assert [r.start for r in screen.table.records] == sorted(starts, reverse=True)
        assert "▼" in screen.table.columns["start"].label.plain
        # every column in turn, then the server's order again
        for _ in range(len(screen.table.shown_columns)):
            await pilot.press("s")
        await pilot.pause()
        assert screen.table.records == server_order and screen.table.order.column is None
        assert "server's order" in text_of(screen, "#cdr-status")
        # a header click sorts by that column; talk time, longest first on a second click
        await pilot.click("#cdr-table", offset=(screen.table.columns["talk"].get_render_width(screen.table) // 2
                                                 + sum(c.get_render_width(screen.table) for k, c in screen.table.columns.items()
                                                       if list(screen.table.columns).index(k) < list(screen.table.columns).index("talk")), 0))
        await pilot.pause()
        assert screen.table.order.column == "talk"
        talks = [r.duration_s for r in screen.table.records if r.duration_s is not None]
        assert talks == sorted(talks)


async def test_find_in_the_page_ignores_diacritics_and_steps_through_matches(make_services, sim):
    app = build_app(make_services())
    async with app.run_test(size=LARGE) as pilot:
        screen = await open_browser(app, pilot)
        records = screen.table.records
        wanted = [i for i, r in enumerate(records) if r.cid_name and "nguyen" in fold(r.cid_name)]
        assert len(wanted) >= 2, "the simulator's names should hold several Nguyễn"
        await pilot.press("slash")
        assert screen.query_one("#find-input", Input).has_focus
        assert not footer_keys(screen) & {"s", "r", "f"}  # typing here: no letter actions
        await pilot.press(*"nguyen")  # no diacritics typed
        await pilot.pause()
        assert screen.table.cursor_row == wanted[0]
        assert f"1 of {len(screen.table.matches)}" in text_of(screen, "#find-count")
        await pilot.press("enter")
        assert screen.table.has_focus and {"n", "N"} <= footer_keys(screen)
        await pilot.press("n")
        await pilot.pause()
        assert screen.table.cursor_row == screen.table.matches[1]
        assert f"2 of {len(screen.table.matches)}" in text_of(screen, "#find-count")
        await pilot.press("N", "N")
        await pilot.pause()
        assert screen.table.cursor_row == screen.table.matches[-1]  # wraps around
        # the next page: the find goes on there
        await pilot.press("right_square_bracket")
        await settle(app, pilot)
        again = [i for i, r in enumerate(screen.table.records) if r.cid_name and "nguyen" in fold(r.cid_name)]
        assert screen.table.needle == "nguyen" and screen.table.matches == again
        count = text_of(screen, "#find-count")
        assert (str(len(again)) in count and "no match" not in count) if again else "no match" in count
        await pilot.press("escape")  # ends the find, stays on the screen
        await pilot.pause()
        assert not screen.table.needle and not screen.query_one("#cdr-find").display
        assert app.current_mode == "cdrs" and not footer_keys(screen) & {"n", "N"}
        await pilot.press("slash", *"zzzz")
        await pilot.pause()
        assert "no match" in text_of(screen, "#find-count")


async def test_small_terminal_keeps_start_source_destination_cause_and_talk(make_services, sim):
    app = build_app(make_services())
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_browser(app, pilot)
        assert screen.table.shown_columns == tuple(c for c in screen.table.shown_columns if c in CORE_COLUMNS)
        assert set(screen.table.shown_columns) == set(CORE_COLUMNS)
        # every shown column fits: nothing is cut off at the right edge
        used = sum(c.get_render_width(screen.table) for c in screen.table.columns.values())
        assert used <= screen.table.size.width
        assert screen.table.size.height - 1 >= 10  # at least ten rows of calls in view
        await pilot.press("down", "enter")
        await settle(app, pilot)
        record = screen.table.current
        body = text_of(screen, "#detail-body")
        assert record.call_id in body  # what the table leaves out is in the detail pane
        await pilot.resize_terminal(160, 48)
        await pilot.pause()
        assert len(screen.table.shown_columns) == 11 and "-collapsed" not in screen.form.classes
        assert screen.query_one("#f-search").region.right <= 160


async def test_a_server_that_ignores_the_call_id_never_shows_another_call(make_services, sim):
    app = build_app(make_services())
    async with app.run_test(size=LARGE) as pilot:
        screen = await open_browser(app, pilot)
        sim.faults.quirks = {"ignore_call_id"}
        await pilot.press("right_square_bracket", "right_square_bracket")  # calls the lookup's page lacks
        await settle(app, pilot)
        await pilot.press("down", "down", "enter")
        await settle(app, pilot)
        listed = screen.table.current
        assert screen.detail.record is listed  # the row as listed, never one of the others
        body = text_of(screen, "#detail-body")
        assert "Shown as listed" in body and "other calls instead" in body
        screen.post_message(ShowCall("00000000-0000-0000-0000-000000000000"))
        await settle(app, pilot)
        body = text_of(screen, "#detail-body")
        assert screen.detail.record is None
        assert "Call 00000000-0000-0000-0000-000000000000 not found: the server sent" in body
        assert "Search by date, number or name." in body
        sim.faults.reset()


def test_key_descriptions_follow_the_language_chosen_after_import():
    """The browser's modules imported while Vietnamese is active (as a first start in
    Vietnamese does), then English chosen: every key of the browser, its table, form, dialogs
    and questions reads English, and Vietnamese again when chosen again."""
    import subprocess
    import sys

    script = """
from ccall_tui import i18n
i18n.set_language("vi", {})
from ccall_tui.ui.screens import cdrs
from ccall_tui.ui.widgets import cdr_table, cdr_form, cdr_dialogs, cdr_paging, confirm
classes = [cdrs.CdrBrowserScreen, cdr_table.CdrTable, cdr_form.CdrFilterForm, cdr_form.FormInput,
           cdr_form.FormSelect, cdr_form.CausePicker, cdr_dialogs.ExportDialog, cdr_paging.LineInput,
           confirm.ConfirmDialog]
for language in ("en", "vi"):
    i18n.set_language(language, {})
    words = set()
    for cls in classes:
        for binding in cls.BINDINGS:
            words.add(i18n._(binding.description))
    print(language, sorted(words))
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    english, vietnamese = out.splitlines()
    for word in ("Filter", "Find in page", "Export", "Back to the table", "Use these causes", "Yes", "Next match"):
        assert repr(word) in english
    assert "Lọc" in vietnamese or "lọc" in vietnamese
    assert "Filter" not in vietnamese
