"""The app's lint of a big file in a process of its own (``tui.lintproc``): the same
report and the same rows as ``lint_path`` in the app's process (each row once, in file
order), cancellation that ends the child, and a child that dies is an error message."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import pytest

from linter import RECORD_COLUMNS, FtPreflightError, LintCancelled, LintObserver, lint_path
from tui.lintproc import PROCESS_MIN_BYTES, lint_in_process, uses_process

SAMPLES = Path(__file__).resolve().parent.parent / "sample_data"
LINE = RECORD_COLUMNS.index("line")


@pytest.fixture(scope="module")
def big_messy(tmp_path_factory) -> Path:
    """The messy sample (broken JSON, wrong formats, personal data, duplicates) repeated
    past the size from which the app lints in a process of its own."""
    text = (SAMPLES / "messy.jsonl").read_bytes()
    if not text.endswith(b"\n"):
        text += b"\n"
    path = tmp_path_factory.mktemp("big") / "big_messy.jsonl"
    path.write_bytes(text * (PROCESS_MIN_BYTES // len(text) + 1))
    return path


class Recorder(LintObserver):
    def __init__(self, cancel_after_rows: int | None = None) -> None:
        self.lines: list[int] = []
        self.starts: list[str] = []
        self.cancel_after_rows = cancel_after_rows

    def on_file_start(self, path: str, total_bytes: int) -> None:
        self.starts.append(path)

    def on_records(self, path: str, rows: list[tuple]) -> None:
        self.lines.extend(row[LINE] for row in rows)

    def is_cancelled(self) -> bool:
        return self.cancel_after_rows is not None and len(self.lines) >= self.cancel_after_rows


def test_a_big_file_is_linted_in_a_child_with_the_same_report_and_rows(big_messy):
    assert uses_process(str(big_messy))
    here = lint_path(str(big_messy))
    recorder = Recorder()
    report = lint_in_process(str(big_messy), None, recorder)
    assert recorder.starts == [str(big_messy)]
    assert recorder.lines == here.files[0].records["line"].to_list()  # each row once, in order
    assert report.files[0].records.equals(here.files[0].records)
    assert [(d.code, d.line, d.message) for d in report.diagnostics] == \
        [(d.code, d.line, d.message) for d in here.diagnostics]
    assert (report.errors, report.warnings) == (here.errors, here.warnings) and report.errors > 0
    assert not multiprocessing.active_children()


def test_a_small_file_is_linted_here(tmp_path):
    assert not uses_process(str(SAMPLES / "messy.jsonl"))
    assert not uses_process(str(tmp_path / "missing.jsonl"))
    assert lint_in_process(str(SAMPLES / "messy.jsonl")).errors == lint_path(str(SAMPLES / "messy.jsonl")).errors


def test_cancelling_ends_the_child(big_messy):
    recorder = Recorder(cancel_after_rows=1)
    started = time.monotonic()
    with pytest.raises(LintCancelled):
        lint_in_process(str(big_messy), None, recorder)
    assert time.monotonic() - started < 60
    assert not multiprocessing.active_children()


def test_a_child_that_dies_is_an_error_message_not_a_hang(big_messy):
    class Killer(Recorder):
        def on_progress(self, path, done, total):
            for child in multiprocessing.active_children():
                if child.name == "ftpreflight-lint":
                    child.kill()

    with pytest.raises(FtPreflightError, match="lint process ended unexpectedly"):
        lint_in_process(str(big_messy), None, Killer())


def test_a_big_file_without_rows_is_reported_once(tmp_path, monkeypatch):
    binary = tmp_path / "weights.jsonl"
    binary.write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * (PROCESS_MIN_BYTES // 256 + 1))
    import tui.lintproc

    def no_process(*args, **kwargs):
        raise AssertionError("a process was started for a lint that had finished")

    monkeypatch.setattr(tui.lintproc, "_child", no_process)  # would fail in the child, not here
    monkeypatch.setattr(multiprocessing, "get_context", no_process)
    report = lint_in_process(str(binary), None, Recorder())
    assert [d.code for d in report.diagnostics] == [d.code for d in lint_path(str(binary)).diagnostics]
    assert "FT100" in [d.code for d in report.diagnostics]
