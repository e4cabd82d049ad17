"""Paths a user can hand `ftpreflight lint` that are not a plain, stable UTF-8-named file:
a name that is not valid UTF-8, a named pipe, a /proc file, a device, a file deleted,
truncated or replaced while it is being linted. Each ends in a diagnostic naming the file
and the problem, never a traceback or a hang."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

import linter._engine as engine
from linter import LintConfig, LintObserver, lint_path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_data"
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file names and special files")


def ftpreflight(*argv: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """The real command, as a user runs it; stdout strictly UTF-8 whatever the locale."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8:strict", "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "tui.cli", *argv], cwd=ROOT, capture_output=True,
                          timeout=timeout, env=env)


def file_diagnostics(proc: subprocess.CompletedProcess) -> list[tuple[str, str]]:
    data = orjson.loads(proc.stdout)
    return [(d["code"], d["message"]) for d in data["diagnostics"] if d["line"] is None]


@posix_only
@pytest.mark.skipif(sys.platform == "darwin", reason="macOS refuses file names that are not UTF-8")
def test_a_file_name_that_is_not_utf8_is_shown_escaped_in_every_format(tmp_path):
    name = os.fsdecode(b"train-\xff\xfe-caf\xe9.jsonl")  # Latin-1 bytes, as an old archive may hold
    data = tmp_path / name
    shutil.copy(SAMPLES / "messy.jsonl", data)
    validation = tmp_path / os.fsdecode(b"valid-\xe9.jsonl")
    shutil.copy(SAMPLES / "messy_validation.jsonl", validation)
    shown = "train-\\xff\\xfe-caf\\xe9.jsonl"

    proc = ftpreflight("lint", str(data), "--validation", str(validation), "--format", "json")
    assert proc.returncode == 1 and b"Traceback" not in proc.stderr, proc.stderr.decode()
    report = orjson.loads(proc.stdout)
    assert [Path(f["path"]).name for f in report["files"]] == [shown, "valid-\\xe9.jsonl"]
    assert report["files"][0]["records"] == 39 and report["files"][0]["examples"] == 36
    assert {Path(d["path"]).name for d in report["diagnostics"]} == {shown, "valid-\\xe9.jsonl"}
    # A validation record copied from the training file names that file in its message.
    leaks = [d["message"] for d in report["diagnostics"] if d["code"] == "FT204"]
    assert leaks and all(shown in message for message in leaks)

    proc = ftpreflight("lint", str(data), "--format", "sarif")
    assert proc.returncode == 1 and b"Traceback" not in proc.stderr, proc.stderr.decode()
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in orjson.loads(proc.stdout)["runs"][0]["results"]}
    assert uris == {str(tmp_path / "train-%FF%FE-caf%E9.jsonl")}

    for fmt in ("text", "github"):
        proc = ftpreflight("lint", str(data), "--format", fmt)
        assert proc.returncode == 1 and b"Traceback" not in proc.stderr, proc.stderr.decode()
        assert shown in proc.stdout.decode("utf-8")


@posix_only
def test_a_named_pipe_is_a_diagnostic_not_a_hang(tmp_path):
    fifo = tmp_path / "data.jsonl"
    os.mkfifo(fifo)
    proc = ftpreflight("lint", str(fifo), "--format", "json", timeout=60)  # it used to block forever
    assert proc.returncode == 1 and b"Traceback" not in proc.stderr, proc.stderr.decode()
    assert file_diagnostics(proc) == [("FT100", "is a named pipe (FIFO), not a regular file: "
                                                "save the data to a file and lint that")]


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs /proc")
def test_a_proc_file_is_a_diagnostic_not_an_empty_dataset():
    proc = ftpreflight("lint", "/proc/self/status", "--format", "json")
    assert proc.returncode == 1 and b"Traceback" not in proc.stderr, proc.stderr.decode()
    [(code, message)] = file_diagnostics(proc)
    assert code == "FT100" and "size of 0 bytes but has content" in message


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="needs /dev/null")
def test_a_device_is_a_diagnostic():
    proc = ftpreflight("lint", "/dev/null", "--format", "json")
    assert proc.returncode == 1, proc.stderr.decode()
    assert file_diagnostics(proc) == [("FT100", "is a device, not a regular file: save the data to a file "
                                                "and lint that")]


# -- files that change while they are linted ------------------------------------------------


def _dataset(tmp_path) -> Path:
    """About 1.6 MB of support chats with a few broken lines, in many small chunks (below)."""
    lines = (SAMPLES / "messy.jsonl").read_bytes().splitlines(keepends=True)
    path = tmp_path / "data.jsonl"
    path.write_bytes(b"".join(lines * 6))
    return path


class _ChangeAt(LintObserver):
    """Changes the file once the lint reports progress for the first chunk (or, with
    ``last``, for the last one: every byte has been read)."""

    def __init__(self, change, last: bool = False):
        self.change, self.last, self.done = change, last, False

    def on_progress(self, path, done_bytes, total_bytes):
        if not self.done and (not self.last or done_bytes == total_bytes):
            self.done = True
            self.change(Path(path))


@pytest.fixture(params=[1, 2], ids=["serial", "parallel"])
def jobs(request, monkeypatch):
    monkeypatch.setattr(engine, "_PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(engine, "_CHUNK_BYTES", 64 * 1024)
    monkeypatch.setattr(engine, "_MIN_CHUNK_BYTES", 64 * 1024)
    return request.param


def _ft100(report) -> list[str]:
    return [d.message for d in report.diagnostics if d.code == "FT100"]


def test_a_file_deleted_during_the_lint_is_a_diagnostic(tmp_path, jobs):
    path = _dataset(tmp_path)
    size = path.stat().st_size
    report = lint_path(path, LintConfig(jobs=jobs), _ChangeAt(os.unlink))
    assert _ft100(report) == ["the file was deleted while it was being linted"]
    # and no whole-file verdict ("too few examples") about the part read before
    assert [d.code for d in report.diagnostics if d.line is None] == ["FT100"]
    assert report.files[0].size_bytes == size
    assert 0 < report.files[0].examples  # what was read before is still reported


@pytest.mark.parametrize("last", [False, True], ids=["early", "after-the-last-chunk"])
def test_a_file_truncated_during_the_lint_reports_its_new_size(tmp_path, jobs, last):
    path = _dataset(tmp_path)
    size = path.stat().st_size
    observer = _ChangeAt(lambda p: os.truncate(p, size // 3), last)
    report = lint_path(path, LintConfig(jobs=jobs), observer)
    assert _ft100(report) == [f"the file changed size while it was being linted ({size:,} -> {size // 3:,} "
                              "bytes): lint it again"]
    assert report.files[0].size_bytes == size // 3


def test_a_file_replaced_during_the_lint_is_a_diagnostic(tmp_path):
    path = _dataset(tmp_path)

    def replace(p: Path) -> None:  # what an editor or an export job does: write a copy, rename it over
        p.with_suffix(".new").write_bytes(p.read_bytes()[:1000])
        os.replace(p.with_suffix(".new"), p)

    report = lint_path(path, LintConfig(jobs=1), _ChangeAt(replace))
    assert _ft100(report) == ["the file was replaced while it was being linted: lint it again"]
    assert report.files[0].size_bytes == 1000


def test_an_unchanged_file_has_no_such_diagnostic(tmp_path, jobs):
    path = _dataset(tmp_path)
    report = lint_path(path, LintConfig(jobs=jobs), _ChangeAt(lambda p: None))
    assert _ft100(report) == []
    assert report.files[0].size_bytes == path.stat().st_size
