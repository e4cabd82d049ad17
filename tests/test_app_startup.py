"""`ftpreflight FILE` before the app exists: the splash draws the lint's first rows
where the app's table will show them (so the app's first frame replaces them in place),
and the early lint hands those rows on without losing or repeating any."""

from __future__ import annotations

import io
import re
import threading
from pathlib import Path

import pytest

from linter import RECORD_COLUMNS, lint_path
from tui.app import FtPreflightApp
from tui.startup import EarlyLint, Splash

SAMPLES = Path(__file__).resolve().parent.parent / "sample_data"
MOVE = re.compile(r"\x1b\[(\d+);1H")
STYLE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def drawn_lines(output: str) -> dict[int, str]:
    """Screen row (0-based) -> text, from what the splash wrote (cursor moves + text)."""
    lines: dict[int, str] = {}
    pieces = MOVE.split(output)
    for row, text in zip(pieces[1::2], pieces[2::2]):
        lines[int(row) - 1] = STYLE.sub("", text)
    return lines


def screen_lines(app) -> list[str]:
    from rich.console import Console

    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), color_system=None, record=True,
                      legacy_windows=False, safe_box=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text().splitlines()


class HeldLint:
    """A lint that reports the real first rows of a file, then waits until released
    (the app is still linting while the test looks at the screen)."""

    def __init__(self, path: Path) -> None:
        self.report = lint_path(str(path))
        self.release = threading.Event()

    def __call__(self, path, config, observer, validation=None):
        frame = self.report.files[0].records
        observer.on_file_start(path, self.report.files[0].size_bytes)
        observer.on_records(path, list(frame.select(RECORD_COLUMNS).iter_rows()))
        self.release.wait(30)
        return self.report


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["narrow", "wide"])
async def test_the_splash_draws_the_first_rows_where_and_as_the_app_table_does(messy, size):
    out = io.StringIO()
    splash = Splash(str(messy), stream=out, size=size)
    held = HeldLint(messy)
    app = FtPreflightApp(str(messy), lint=held)
    early = EarlyLint(held, str(messy), app.lint_config(),
                      on_first_rows=lambda rows: splash.show_rows(rows, RECORD_COLUMNS))
    assert early.wait_first_rows(30)
    preview = drawn_lines(out.getvalue())
    assert splash.rows_drawn is not None
    # The header, then records 1, 2, 3... down to the footer's row.
    header_row = min(preview)
    assert preview[header_row].split()[:4] == ["line", "format", "msgs", "tokens"]
    assert preview[header_row + 1].split()[1:3] == ["1", "chat"]
    assert max(preview) == header_row + min(39, size[1] - header_row - 2)  # as many as the table shows

    app.early_lint = early
    try:
        async with app.run_test(size=size) as pilot:
            for _ in range(600):
                if app.main is not None and app.session.records.total:
                    break
                await pilot.pause(0.05)
            await pilot.pause(0.2)
            assert app.session.linting  # still linting: the layout the splash imitates
            shown = screen_lines(app)
            table_width = len(preview[header_row])
            for row, text in preview.items():
                assert shown[row][:table_width].rstrip() == text.rstrip(), (row, shown[row], text)
    finally:
        held.release.set()


def test_the_splash_draws_nothing_once_the_app_has_the_screen(messy):
    out = io.StringIO()
    splash = Splash(str(messy), stream=out, size=(80, 24))
    splash.close()
    rows = list(lint_path(str(messy)).files[0].records.select(RECORD_COLUMNS).iter_rows())
    splash.show_rows(rows, RECORD_COLUMNS)
    assert out.getvalue() == ""
    assert splash.rows_drawn is None


def test_waiting_for_first_rows_ends_when_the_lint_fails(messy):
    def broken(path, config, observer, validation=None):
        raise OSError("disk on fire")

    early = EarlyLint(broken, str(messy), None, on_first_rows=lambda rows: pytest.fail("no rows to show"))
    assert early.wait_first_rows(30)
    with pytest.raises(OSError, match="disk on fire"):
        early.result()


def test_a_failing_preview_does_not_stop_the_lint(messy):
    def broken_preview(rows):
        raise ValueError("cannot draw")

    early = EarlyLint(lint_path, str(messy), None, on_first_rows=broken_preview)
    early.rows_shown()  # nobody draws here: let the lint go on
    assert early.result().files[0].record_count == 39
