"""`ftpreflight fix` never loses a byte (issue 12 "Data loss"): backups, special files,
symlinks, exact numbers, stray CRs and BOMs, temporary files."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest

from linter import TEMP_PREFIX, FixError, FixOptions, LintConfig, destination, fix_file, lint_path
from tui.cli import main

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_data"


def _chat(i: int, user: str | None = None) -> bytes:
    user = user or f"Where is order {1000 + i}? It was due Tuesday."
    return orjson.dumps({"messages": [{"role": "user", "content": user},
                                      {"role": "assistant", "content": f"Order {1000 + i} ships Friday."}]})


@pytest.fixture
def dataset(tmp_path) -> Path:
    """A small export with a duplicate, so a fix always changes it."""
    path = tmp_path / "train.jsonl"
    lines = [_chat(i) for i in range(30)]
    lines.insert(10, lines[3])
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def _backups(path: Path) -> list[Path]:
    return sorted(p for p in path.parent.iterdir() if p.name.startswith(path.name + ".bak"))


# -- backups ----------------------------------------------------------------------------------

def test_in_place_never_overwrites_an_existing_backup(dataset, capsys):
    original = dataset.read_bytes()
    earlier = dataset.with_name(dataset.name + ".bak")
    earlier.write_bytes(b"an older backup the user keeps\n")
    assert main(["fix", str(dataset), "--in-place"]) == 0
    assert earlier.read_bytes() == b"an older backup the user keeps\n"
    new = dataset.with_name(dataset.name + ".bak.1")
    assert new.read_bytes() == original
    assert f"backup of the original: {new}" in capsys.readouterr().out


def test_a_second_in_place_run_keeps_the_original(dataset):
    original = dataset.read_bytes()
    assert main(["fix", str(dataset), "--in-place"]) == 0
    once = dataset.read_bytes()
    assert main(["fix", str(dataset), "--in-place"]) == 0
    contents = [p.read_bytes() for p in _backups(dataset)]
    assert contents == [original, once]


def test_a_backup_name_that_is_a_symlink_is_not_followed(dataset, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"not yours to overwrite\n")
    link = dataset.with_name(dataset.name + ".bak")
    link.symlink_to(victim)
    original = dataset.read_bytes()
    assert main(["fix", str(dataset), "--in-place"]) == 0
    assert victim.read_bytes() == b"not yours to overwrite\n"
    assert link.is_symlink() and os.readlink(link) == str(victim)
    assert dataset.with_name(dataset.name + ".bak.1").read_bytes() == original


def _wait_for(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.02)


@pytest.mark.slow
def test_kill_9_during_the_backup_copy_leaves_no_truncated_backup(tmp_path):
    src = tmp_path / "big.jsonl"
    # A few MiB, so the copy takes several slowed-down chunks.
    src.write_bytes(b"\n".join(_chat(i, "x" * 400 + f" order {i}") for i in range(9000)) + b"\n")
    original = src.read_bytes()
    good = src.with_name(src.name + ".bak")
    good.write_bytes(b"an earlier good backup\n")
    env = {**os.environ, "FTPREFLIGHT_TEST_BACKUP_DELAY": "0.5"}
    for attempt in range(2):
        proc = subprocess.Popen([sys.executable, "-c", "import sys; from tui.cli import main; sys.exit(main())",
                                 "fix", str(src), "--in-place"], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            # Kill once the copy has written at least one chunk to its temporary file.
            _wait_for(lambda: any(p.name.startswith(TEMP_PREFIX) and p.stat().st_size > 0
                                  for p in tmp_path.iterdir()) or proc.poll() is not None)
            assert proc.poll() is None, "the run ended before it could be killed"
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        assert good.read_bytes() == b"an earlier good backup\n"
        assert src.read_bytes() == original
        assert _backups(src) == [good], f"attempt {attempt}: a partial backup appeared: {_backups(src)}"
    # The next run removes the killed runs' temporary files and writes a complete backup.
    assert main(["fix", str(src), "--in-place"]) == 0
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(TEMP_PREFIX)] == []
    assert src.with_name(src.name + ".bak.1").read_bytes() == original


# -- destinations -------------------------------------------------------------------------------

def test_output_onto_a_fifo_is_refused_and_the_fifo_kept(dataset, tmp_path, capsys):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    assert main(["fix", str(dataset), "-o", str(fifo)]) == 2
    assert "not a regular file" in capsys.readouterr().err
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(TEMP_PREFIX)] == []


def test_a_fifo_as_input_is_named_not_read(tmp_path, capsys):
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    # A usage error like a directory or a missing file (exit 2), as for cost and convert.
    assert main(["fix", str(fifo), "-o", str(tmp_path / "out.jsonl")]) == 2
    assert f"{fifo}: input file is not a regular file" in capsys.readouterr().err
    assert not (tmp_path / "out.jsonl").exists()


def test_device_nodes_are_refused():
    # Checked without writing: a broken check must not be able to replace /dev/null.
    with pytest.raises(FixError, match="not a regular file"):
        destination("/dev/null")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_in_place_on_a_symlink_fixes_the_target_and_keeps_the_link(dataset, tmp_path):
    original = dataset.read_bytes()
    link = tmp_path / "current.jsonl"
    link.symlink_to(dataset)
    assert main(["fix", str(link), "--in-place"]) == 0
    assert link.is_symlink() and os.readlink(link) == str(dataset)
    assert dataset.read_bytes() != original
    assert len(dataset.read_bytes().splitlines()) == 30  # the duplicate is gone from the target
    assert link.with_name(link.name + ".bak").read_bytes() == original


def test_output_onto_a_symlink_replaces_its_target(dataset, tmp_path):
    target = tmp_path / "clean.jsonl"
    target.write_bytes(b"old\n")
    link = tmp_path / "latest.jsonl"
    link.symlink_to(target)
    assert main(["fix", str(dataset), "-o", str(link)]) == 0
    assert link.is_symlink() and len(target.read_bytes().splitlines()) == 30


# -- bytes and numbers --------------------------------------------------------------------------

def test_untouched_lines_are_copied_byte_for_byte_and_rewritten_ones_keep_exact_numbers(tmp_path):
    src = tmp_path / "meta.jsonl"
    untouched = (b'{ "messages" : [ {"role":"user", "content":"Where is order 12?"},'
                 b'{"role":"assistant","content":"It ships Friday."} ],'
                 b' "meta": {"id": 12345678901234567890123456789, "score": 1.50, "ratio": 1e400} }')
    redacted = (b'{"messages": [{"role": "user", "content": "Mail jane.doe@acme.io about order 7"}, '
                b'{"role": "assistant", "content": "Done."}], '
                b'"meta": {"id": 12345678901234567890123456789, "score": 0.10000000000000000000001, "n": -0}}')
    src.write_bytes(untouched + b"\n" + redacted + b"\n")
    out = tmp_path / "out.jsonl"
    summary = fix_file(src, out, LintConfig(jobs=1), FixOptions(redact_pii=True))
    assert summary.redacted["email"] == 1
    first, second = out.read_bytes().splitlines()
    assert first == untouched
    assert b'"id":12345678901234567890123456789' in second
    assert b'"score":0.10000000000000000000001' in second and b'"n":-0' in second
    assert b"[EMAIL]" in second and b"jane.doe" not in second


def test_every_stray_cr_and_bom_is_removed(tmp_path, capsys):
    src = tmp_path / "win.jsonl"
    body = b"\n".join(_chat(i) + (b"\r\r" if i % 2 else b"\r") for i in range(20))
    src.write_bytes(b"\xef\xbb\xbf\xef\xbb\xbf" + body + b"\n")
    out = tmp_path / "out.jsonl"
    assert main(["fix", str(src), "-o", str(out), "--check"]) == 0
    data = out.read_bytes()
    assert b"\r" not in data and not data.startswith(b"\xef\xbb\xbf") and len(data.splitlines()) == 20
    assert "FT114" not in lint_path(out, LintConfig(jobs=1)).by_rule()


# -- temporary files ---------------------------------------------------------------------------

def test_validation_output_into_a_missing_folder_leaves_no_temp_file(dataset, tmp_path, capsys):
    out = tmp_path / "out.jsonl"
    code = main(["fix", str(dataset), "-o", str(out), "--split-validation", "0.2",
                 "--validation-output", str(tmp_path / "missing" / "valid.jsonl")])
    assert code == 2 and "does not exist" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["train.jsonl"]


def test_a_later_run_removes_temp_files_of_killed_runs_only(dataset, tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f"{TEMP_PREFIX}{int(dead.stdout)}-0badc0de-out.jsonl.tmp"
    stale.write_bytes(b"half a file")
    live = tmp_path / f"{TEMP_PREFIX}{os.getppid()}-00c0ffee-out.jsonl.tmp"
    live.write_bytes(b"another run is still writing this")
    summary = fix_file(dataset, tmp_path / "out.jsonl", LintConfig(jobs=1))
    assert not stale.exists() and live.exists()
    assert summary.removed_temp_files == 1
