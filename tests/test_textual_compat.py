"""One test per private Textual API the app touches (all in ccall_tui/ui/textual_compat.py): when
a Textual upgrade changes one, the failing test names it."""

from __future__ import annotations

import pytest

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label

from ccall_tui.ui import textual_compat as compat


class Keys(Screen):
    BINDINGS = [Binding("x", "app.bell", "Ring"), Binding("y", "app.bell", "Also ring", show=False)]

    def compose(self) -> ComposeResult:
        yield Label("keys")
        yield Footer()


class Other(Screen):
    def compose(self) -> ComposeResult:
        yield Label("other")


class Modes(App):
    MODES = {"keys": Keys, "other": Other}

    def on_mount(self) -> None:
        self.switch_mode("keys")


async def test_a_nodes_own_bindings_can_be_rewritten_by_key():
    app = Modes()
    async with app.run_test() as pilot:
        screen = app.screen
        key_map = compat.key_to_bindings(screen)
        assert [b.description for b in key_map["x"]] == ["Ring"]
        key_map["x"] = [Binding("x", "app.bell", "Klingeln")]
        await pilot.pause()
        assert screen.active_bindings["x"].binding.description == "Klingeln"


async def test_the_footer_composes_footer_keys_once_its_bindings_are_ready():
    app = Modes()
    async with app.run_test() as pilot:
        await pilot.pause()
        footer = app.screen.query_one(Footer)
        assert compat.bindings_ready(footer)
        keys = list(footer.query(compat.FooterKey))
        assert [k.description for k in keys if k.description == "Ring"] == ["Ring"]
        assert all(k.description != "Also ring" for k in keys)
        fresh = Footer()
        assert not compat.bindings_ready(fresh)
        compat.mark_bindings_ready(fresh)
        assert compat.bindings_ready(fresh)


async def test_each_modes_screens_are_found_and_not_only_the_current_ones():
    app = Modes()
    async with app.run_test() as pilot:
        keys = app.screen
        await app.switch_mode("other")
        await pilot.pause()
        assert compat.mode_screens(app, "keys") == [keys]
        assert compat.mode_screens(app, "other") == [app.screen]
        assert compat.mode_screens(app, "nowhere") == []
        assert keys in compat.mode_screens(app) and app.screen in compat.mode_screens(app)


async def test_a_screen_marked_as_styled_stays_current_until_the_theme_changes():
    app = Modes()
    async with app.run_test() as pilot:
        screen = compat.same_styles_as_app(Other(), app)
        assert compat.styles_current(screen, app)
        app.theme = "textual-light" if app.theme != "textual-light" else "nord"
        await pilot.pause()
        assert not compat.styles_current(screen, app)
        assert compat.styles_current(app.screen, app)  # Textual restyled the shown screen
        assert not compat.styles_current(Other(), app)  # a screen never styled is not current


class Table(App):
    def __init__(self, table: DataTable) -> None:
        super().__init__()
        self.table = table

    def compose(self) -> ComposeResult:
        yield self.table


async def _sized(table: DataTable, auto: bool) -> tuple[int, int]:
    app = Table(table)
    async with app.run_test() as pilot:
        table.add_column("when", width=None if auto else 19)
        table.add_column("who", width=None if auto else 12)
        table.add_rows([(f"2026-11-26 08:{i % 60:02d}:00", f"caller {i}" * (1 + i % 2)) for i in range(200)])
        await pilot.pause()
        return table.virtual_size.width, table.virtual_size.height


async def test_fixed_width_tables_are_sized_as_datatable_would_size_them():
    assert await _sized(compat.FixedSizeRowsTable(), auto=False) == await _sized(DataTable(), auto=False)
    # An auto-width column: measured cell by cell, as DataTable does.
    assert await _sized(compat.FixedSizeRowsTable(), auto=True) == await _sized(DataTable(), auto=True)


async def test_datatable_still_sizes_new_rows_through_the_method_the_fast_table_replaces():
    calls = []

    class Counting(compat.FixedSizeRowsTable):
        def _update_dimensions(self, new_rows) -> None:
            calls.append(len(list(new_rows)))
            super()._update_dimensions(new_rows)

    await _sized(Counting(), auto=False)
    assert sum(calls) == 200


async def test_a_column_widened_by_hand_redraws_its_cells_at_the_new_width():
    table = compat.FixedSizeRowsTable()
    app = Table(table)
    async with app.run_test() as pilot:
        table.add_column("who", width=8, key="who")
        table.add_rows([("Nguyễn Bảo Trâm",)] * 3)
        await pilot.pause()
        before = table.virtual_size.width
        assert "Trâm" not in "".join(s.text for s in table.render_line(1))
        table.columns["who"].width = 20
        table.column_width_changed()
        await pilot.pause()
        assert table.virtual_size.width == before + 12
        assert "Nguyễn Bảo Trâm" in "".join(s.text for s in table.render_line(1))


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_output_for_a_terminal_that_is_gone_is_dropped_not_waited_for():
    """Textual's output thread dies at its first failed write; 30 writes later the next one
    (or the driver's stop) would wait forever. Dropped, they all return at once."""
    import threading
    from types import SimpleNamespace

    from textual.drivers._writer_thread import MAX_QUEUED_WRITES, WriterThread

    from ccall_tui.ui.textual_compat import drop_terminal_output

    class HungUp:
        def write(self, text: str) -> int:
            raise OSError(5, "Input/output error")

        def flush(self) -> None:
            raise OSError(5, "Input/output error")

    writer = WriterThread(HungUp())  # type: ignore[arg-type]
    writer.start()
    writer.write("\x1b[?1049h")
    writer.join(5)
    assert not writer.is_alive()  # died at its first write, as with a hung-up terminal
    app = SimpleNamespace(_driver=SimpleNamespace(_writer_thread=writer))
    assert drop_terminal_output(app)  # type: ignore[arg-type]

    def leave() -> None:
        for _ in range(MAX_QUEUED_WRITES * 3):
            writer.write("frame")
        writer.stop()

    leaving = threading.Thread(target=leave, daemon=True)
    leaving.start()
    leaving.join(5)
    assert not leaving.is_alive(), "writing to the gone terminal still waits"


def test_nothing_is_dropped_without_textuals_output_thread():
    from types import SimpleNamespace

    from ccall_tui.ui.textual_compat import drop_terminal_output

    assert not drop_terminal_output(SimpleNamespace(_driver=None))  # type: ignore[arg-type]
