"""Things a polished terminal app has, driven for real with Pilot: go to line, copy a
record, open it in $EDITOR, export the filtered rows, a footer and a status line that
fit the width, help for the current screen first, file-level findings, the lint
started before the app (start-up), the Problems tab's keys."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.app_pilot import linted, screen_text, wait_until

from linter import LintConfig, lint_path
from tui.app import FtPreflightApp
from tui.screens.dialogs import GoToLineDialog, HelpScreen, SaveDialog
from tui.screens.record import RecordScreen
from tui.startup import EarlyLint

SAMPLES = Path(__file__).resolve().parent.parent / "sample_data"


async def test_go_to_line_moves_the_cursor_and_clears_a_filter_that_hides_it(messy):
    app = FtPreflightApp(str(messy))
    async with app.run_test(size=(100, 30)) as pilot:
        await linted(pilot)
        app.main.dataset.filter_rule("FT111")
        await pilot.pause()
        await pilot.press("colon")
        assert isinstance(app.screen, GoToLineDialog)
        await pilot.press("9", "9", "9", "enter")
        assert "from 1 to" in str(app.screen.query_one("#goto-error").content)  # out of range: asks again
        app.screen.query_one("#goto-line").value = ""
        await pilot.press("3", "0", "enter")
        await pilot.pause()
        assert app.main.table.current_line == 30
        assert app.session.records.rule is None  # FT111's filter hid line 30


async def test_copy_and_edit_a_record_without_touching_the_file(messy, tmp_path, monkeypatch):
    before = messy.read_bytes()
    seen = tmp_path / "seen.json"
    editor = tmp_path / "editor.py"
    editor.write_text(f"import shutil, sys\nshutil.copy(sys.argv[1], {str(seen)!r})\n", encoding="utf-8")
    monkeypatch.setenv("VISUAL", f"{sys.executable} {editor}")
    app = FtPreflightApp(str(messy))
    async with app.run_test(size=(100, 30)) as pilot:
        await linted(pilot)
        await pilot.press("y")  # line 1
        assert json.loads(app.clipboard)["messages"][0]["role"]
        await pilot.press("e")
        await wait_until(pilot, seen.exists)
        shown = seen.read_text(encoding="utf-8")
        assert shown.startswith("{\n  ")  # pretty-printed
        assert json.loads(shown) == json.loads(app.clipboard)
        await pilot.press("enter")
        assert isinstance(app.screen, RecordScreen)
        await pilot.press("y")
        assert json.loads(app.clipboard) == json.loads(shown)
    assert messy.read_bytes() == before


async def test_export_writes_only_the_filtered_rows_in_file_order(messy, tmp_path):
    app = FtPreflightApp(str(messy))
    async with app.run_test(size=(100, 30)) as pilot:
        await linted(pilot)
        app.main.dataset.filter_rule("FT111")
        await pilot.pause()
        await pilot.press("ctrl+e")
        assert isinstance(app.screen, SaveDialog)
        target = tmp_path / "tool-calls.jsonl"
        app.screen.query_one("#save-path").value = str(target)
        await pilot.press("enter")
        await wait_until(pilot, target.exists)
    lines = messy.read_bytes().splitlines()
    assert target.read_bytes().splitlines() == [lines[13], lines[14], lines[15]]  # lines 14-16
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".ftpreflight-")]  # no temporary left


async def test_footer_and_status_fit_80_columns(messy):
    app = FtPreflightApp(str(messy))
    async with app.run_test(size=(80, 24)) as pilot:
        await linted(pilot)
        await pilot.pause(0.3)
        text = screen_text(app).splitlines()
        assert "? more" in text[-1] and "q Quit" in text[-1]
        assert text[0].rstrip().endswith(("● 2", "s")) and "with gpt" not in text[0]  # no word cut
    app = FtPreflightApp(str(messy))
    async with app.run_test(size=(160, 48)) as pilot:
        await linted(pilot)
        await pilot.pause(0.3)
        text = screen_text(app).splitlines()
        assert "? Help" in text[-1] and "Next problem" in text[-1]
        assert "linted in" in text[0] and "with gpt-4o-mini" in text[0]


async def test_help_lists_the_current_screens_keys_first(messy):
    app = FtPreflightApp(str(messy))
    async with app.run_test(size=(100, 30)) as pilot:
        await linted(pilot)
        await pilot.press("2", "question_mark")
        assert isinstance(app.screen, HelpScreen) and app.screen.context == "problems"
        from tui.screens.commands import help_markdown

        rows = help_markdown("problems").splitlines()[2:]
        assert rows[0].startswith("| `x` | problems |")


async def test_a_binary_file_shows_why_the_table_is_empty(tmp_path):
    binary = tmp_path / "model.jsonl"
    binary.write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 8)
    app = FtPreflightApp(str(binary))
    async with app.run_test(size=(100, 30)) as pilot:
        await linted(pilot)
        banner = app.screen.query_one("#file-findings")
        assert banner.display
        assert "FT100" in str(banner.content) and "not JSON Lines" in str(banner.content)


async def test_a_finding_on_a_blank_line_shows_above_the_table(messy):
    # messy.jsonl's line 21 is blank: no row, so its FT114 warning is above the table, and
    # the rule filter counts the rows it shows.
    app = FtPreflightApp(str(messy))
    async with app.run_test(size=(100, 30)) as pilot:
        await linted(pilot)
        await pilot.pause(0.2)
        banner = str(app.screen.query_one("#file-findings").content)
        assert "FT114" in banner and "line 21:" in banner and "FT201" in banner
        select = app.screen.query_one("#rule-filter")
        labels = [str(label) for label, value in select._options if value == "FT114"]
        assert labels == ["FT114 text-encoding (2)"]
        app.screen.query_one("DatasetPane").filter_rule("FT114")
        await pilot.pause(0.2)
        assert "2 of 39" in str(app.screen.query_one("#view-info").content)


async def test_the_app_adopts_a_lint_started_before_it(messy):
    calls = []

    def counting_lint(*args, **kwargs):
        calls.append((args[0], args[1].encoding))
        return lint_path(*args, **kwargs)

    app = FtPreflightApp(str(messy), lint=counting_lint)
    config = app.lint_config()
    early = EarlyLint(counting_lint, str(messy), config)
    early.result()  # finished before the app even starts: everything it said is replayed
    app.early_lint = early
    async with app.run_test(size=(100, 30)) as pilot:
        await linted(pilot)
        # One lint with the app's settings, not two. (The Cost tab's comparison counts the
        # file again with each other model's tokenizer; those are not repeats.)
        assert [path for path, encoding in calls if encoding == config.encoding] == [str(messy)]
        assert app.session.records.total == 39 and app.session.report.errors == 25


async def test_an_early_lint_with_other_settings_is_not_used(messy):
    app = FtPreflightApp(str(messy))
    stale = EarlyLint(lint_path, str(messy), LintConfig(model="gpt-4.1"))
    app.early_lint = stale
    async with app.run_test(size=(100, 30)) as pilot:
        await linted(pilot)
        assert app.session.report.files[0].model == app.lint_config().model
