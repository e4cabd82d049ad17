"""The footer shows the keys of what has the focus (issue 16): a dialog's or the
palette's own keys over another tab, Help and a way out while typing in a field, only
what works in the file picker; and the help lists palette-only actions as such.

Each test reads the footer row as it is drawn, the way a person reads it."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from tests.app_pilot import linted, wait_until
from rich.console import Console
from textual.widgets import Input

from tui.actions import help_markdown
from tui.app import FtPreflightApp
from tui.screens.commands import Palette
from tui.screens.dialogs import ConfirmDialog, HelpScreen, SaveDialog
from tui.screens.picker import FilePickerScreen

SAMPLES = Path(__file__).resolve().parent.parent / "sample_data"
DATASET_KEYS = ("Search", "Rule", "Sort", "Next problem", "Drop", "Go to line")


def footer_row(app) -> str:
    """The bottom row of the terminal as drawn (dialogs over the screen behind them)."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), color_system=None, record=True,
                      legacy_windows=False, safe_box=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return " ".join(console.export_text().splitlines()[-1].split())


async def footer_after(pilot, *keys: str, expect: str) -> str:
    """Press ``keys``, then the footer row once it shows ``expect`` (the footer is redrawn
    after the focus moves; under load that can take a moment), else as it is after 10 s."""
    if keys:
        await pilot.press(*keys)
    row = ""
    for _ in range(200):
        await pilot.pause(0.05)
        row = footer_row(pilot.app)
        if expect in row:
            break
    return row


def assert_no_dataset_keys(row: str) -> None:
    for label in DATASET_KEYS:
        assert label not in row, (label, row)


async def test_a_dialog_over_another_tab_shows_its_own_keys(messy):
    app = FtPreflightApp(str(messy))
    async with app.run_test(size=(120, 30)) as pilot:
        await linted(pilot)
        # The drop-rule dialog on Problems.
        row = await footer_after(pilot, "2", "down", "down", "x", expect="esc Cancel")
        assert isinstance(app.screen, ConfirmDialog)
        assert "esc Cancel" in row and "⏎ Cancel" in row  # the focused button is "Cancel"
        assert_no_dataset_keys(row)
        assert "Save clean" not in row and "Quit" not in row  # app keys do nothing over a dialog
        yes = app.screen.yes
        row = await footer_after(pilot, "tab", expect=f"⏎ {yes}")
        assert f"⏎ {yes}" in row and "esc Cancel" in row
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is app.main)
        # The submit confirmation over Submit.
        await pilot.press("6")
        app.push_screen(ConfirmDialog("Submit this fine-tuning job?", "Model  gpt-4o-mini", yes="Submit"))
        row = await footer_after(pilot, expect="esc Cancel")
        assert "esc Cancel" in row and "⏎ Cancel" in row
        assert_no_dataset_keys(row)
        row = await footer_after(pilot, "tab", expect="⏎ Submit")
        assert "⏎ Submit" in row
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is app.main)
        # The save dialog's field: Enter saves.
        row = await footer_after(pilot, "ctrl+s", expect="⏎ Save")
        assert isinstance(app.screen, SaveDialog)
        assert "⏎ Save" in row and "esc Cancel" in row
        assert_no_dataset_keys(row)
        await pilot.press("ctrl+q")  # quits from a dialog too
        await pilot.pause()
    assert app.return_code == 0


async def test_the_palette_over_submit_shows_its_own_keys(messy):
    app = FtPreflightApp(str(messy))
    async with app.run_test(size=(120, 30)) as pilot:
        await linted(pilot)
        row = await footer_after(pilot, "6", "ctrl+p", expect="⏎ Run")
        assert isinstance(app.screen, Palette)
        assert "⏎ Run" in row and "esc Close" in row
        assert_no_dataset_keys(row)
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is app.main)
        assert app.main.active_tab == "submit"


@pytest.mark.parametrize("tab, field", [("5", "#epochs"), ("6", "#budget"), ("1", "#search")])
async def test_a_text_field_keeps_help_quit_and_the_way_out_in_the_footer(messy, tab, field):
    app = FtPreflightApp(str(messy))
    async with app.run_test(size=(120, 30)) as pilot:
        await linted(pilot)
        await pilot.press(tab)
        app.screen.query_one(field, Input).focus()
        row = await footer_after(pilot, expect="esc Leave field")
        assert "esc Leave field" in row and "f1 Help" in row and "^q Quit" in row, row
        assert "? Help" not in row and "q Quit" not in row.replace("^q Quit", "")  # typed, not run
        assert "/ Search" not in row  # "/" is typed into the field too
        # What the footer says works: f1 opens the help, escape leaves the field.
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is app.main)
        assert isinstance(app.focused, Input)
        row = await footer_after(pilot, "escape", expect="q Quit")
        assert not isinstance(app.focused, Input)
        assert ("? Help" in row or "? more" in row) and "q Quit" in row and "Leave field" not in row


async def test_escape_outside_a_field_still_clears_the_dataset_filters(messy):
    app = FtPreflightApp(str(messy))
    async with app.run_test(size=(120, 30)) as pilot:
        await linted(pilot)
        app.main.dataset.filter_rule("FT111")
        await pilot.pause()
        model = app.session.records
        assert len(model) == 3
        app.main.dataset.query_one("#search", Input).focus()
        await pilot.press("escape")  # first leaves the field, filters kept
        await pilot.pause()
        assert not isinstance(app.focused, Input) and len(model) == 3
        assert "Leave field" not in footer_row(app)
        await pilot.press("escape")  # then clears them
        await pilot.pause()
        assert len(model) == 39


async def test_the_file_picker_shows_only_keys_that_work_there(tmp_path):
    shutil.copy(SAMPLES / "messy.jsonl", tmp_path / "messy.jsonl")
    app = FtPreflightApp(None, start_dir=str(tmp_path))
    async with app.run_test(size=(100, 24)) as pilot:
        row = await footer_after(pilot, expect="q Quit")
        assert isinstance(app.screen, FilePickerScreen)
        assert "⏎ Open" in row and "? Help" in row and "q Quit" in row
        assert "Save clean" not in row and "esc" not in row
        assert row.count("Quit") == 1
        await pilot.press("ctrl+s")  # not shown, and does nothing
        await pilot.pause()
        assert isinstance(app.screen, FilePickerScreen)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


def test_the_help_lists_palette_only_actions_by_their_palette_name():
    table = help_markdown()
    rows = [line for line in table.splitlines() if "ctrl+p" in line]
    assert rows == ["| `ctrl+p` | anywhere | command palette: search the actions and run one |"]
    for name, where in (("Forget marks and chosen fixes", "clean-up"), ("Write approval record", "submit"),
                        ("Submit fine-tuning job", "submit")):
        assert f"| palette: {name} | {where} |" in table
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert "| palette: Submit fine-tuning job | submit |" in readme
