"""A lint that is interrupted (Ctrl-C) or killed (SIGKILL, SIGTERM of the main process)
leaves nothing behind: no traceback, no worker or resource-tracker process, no temp file.

These run the real command on a file big enough to take several seconds, and only ever
wait with generous bounds (the machine may be busy): they never assert how fast."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.benchmarks.generate import generate

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(sys.platform == "win32", reason="process groups and POSIX signals")]
# The command as a terminal runs it: Ctrl-C raises KeyboardInterrupt (a test runner in the
# background may have started us with SIGINT ignored, which children would inherit).
LINT = ("import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
        "from tui.cli import main; sys.exit(main(['lint', *sys.argv[1:], '--format', 'json']))")


@pytest.fixture(scope="module")
def big_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("data") / "big.jsonl"
    generate(str(path), examples=60_000, huge_every=0)
    assert path.stat().st_size > 50_000_000
    return path


def _start(path: Path, tmpdir: Path) -> subprocess.Popen:
    env = {**os.environ, "TMPDIR": str(tmpdir)}
    return subprocess.Popen([sys.executable, "-c", LINT, str(path)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)


def _group(pgid: int) -> list[str]:
    """The processes of the run's process group (main, workers, resource tracker), as
    "pid command" lines."""
    out = subprocess.run(["ps", "-eo", "pgid=,pid=,args="], capture_output=True, text=True).stdout
    return [line.split(None, 1)[1] for line in out.splitlines() if line.split(None, 1)[0] == str(pgid)]


def _wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout:.0f} s waiting for {what}")
        time.sleep(0.02)


def _workers(pgid: int) -> list[str]:
    return [p for p in _group(pgid) if "multiprocessing.spawn" in p]


def _cpu_seconds(pid: int) -> float:
    """CPU time a process has used (Linux); 0 if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _importing(pgid: int) -> bool:
    """A worker is busy importing the linter: it has used 0.1 s of CPU (start-up takes
    about 0.6 s), so Python's own Ctrl-C handler is in place and _worker_init not yet run."""
    return any(_cpu_seconds(int(p.split()[0])) >= 0.1 for p in _workers(pgid))


def _assert_nothing_left(pgid: int) -> None:
    # Orphaned workers used to idle on for 90 s and more, keeping the resource tracker alive.
    try:
        _wait_for(lambda: not _group(pgid), 60, "the run's processes to exit")
    except AssertionError:
        raise AssertionError("still running:\n" + "\n".join(_group(pgid))) from None


@pytest.mark.parametrize("when", ["as-the-workers-start", "mid-lint"])
def test_ctrl_c_stops_a_parallel_lint_without_a_traceback(big_file, tmp_path, when):
    proc = _start(big_file, tmp_path)
    try:
        if when == "mid-lint":
            _wait_for(lambda: _workers(proc.pid), 120, "the worker processes")
            time.sleep(2.0)
            assert proc.poll() is None, "the lint finished before it could be interrupted"
        elif os.path.exists("/proc/self/stat"):
            _wait_for(lambda: _importing(proc.pid), 120, "a worker to be importing")
        else:
            _wait_for(lambda: _workers(proc.pid), 120, "the worker processes")
            time.sleep(0.3)
        os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole group
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err.decode()
    assert b"Traceback" not in err and err.decode().strip().endswith("ftpreflight: interrupted"), err.decode()
    _assert_nothing_left(proc.pid)


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_a_killed_lint_leaves_no_process_and_no_temp_file(big_file, tmp_path, sig):
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    before = sorted(os.listdir(big_file.parent))
    proc = _start(big_file, tmpdir)
    try:
        _wait_for(lambda: len(_workers(proc.pid)) == 2, 120, "both worker processes")
        time.sleep(2.0)  # into the lint
        assert proc.poll() is None, "the lint finished before it could be killed"
        os.kill(proc.pid, sig)  # the main process only, as `kill PID` or an OOM killer does
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -sig
    _assert_nothing_left(proc.pid)
    # The next run (which would clean up after an earlier one) leaves no file either.
    small = tmp_path / "small.jsonl"
    small.write_bytes(big_file.read_bytes()[:200_000].rsplit(b"\n", 1)[0] + b"\n")
    done = subprocess.run([sys.executable, "-c", LINT, str(small)], cwd=ROOT, capture_output=True, timeout=300,
                          env={**os.environ, "TMPDIR": str(tmpdir)})
    assert done.returncode in (0, 1) and b"Traceback" not in done.stderr, done.stderr.decode()
    assert os.listdir(tmpdir) == []
    assert sorted(os.listdir(big_file.parent)) == before


def test_ctrl_c_while_a_command_loads_is_a_message(monkeypatch, capsys):
    import tui.cli

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    # Ctrl-C in the first moments lands while the subcommand's modules are imported.
    monkeypatch.setattr(tui.cli, "build_parser", interrupted)
    try:
        code = tui.cli.main(["lint", "data.jsonl"])
    except KeyboardInterrupt:
        pytest.fail("KeyboardInterrupt escaped main(): a traceback for the user")
    assert code == 130
    assert capsys.readouterr().err == "ftpreflight: interrupted\n"


def test_a_file_deleted_during_a_parallel_lint_is_reported_in_the_json(big_file, tmp_path):
    import orjson

    data = tmp_path / "data.jsonl"
    data.write_bytes(big_file.read_bytes())
    proc = subprocess.Popen([sys.executable, "-c", LINT, str(data)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    try:
        _wait_for(lambda: len(_workers(proc.pid)) == 2, 120, "both worker processes")
        time.sleep(2.0)  # into the lint
        assert proc.poll() is None, "the lint finished before the file could be deleted"
        data.unlink()
        out, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1 and b"Traceback" not in err, err.decode()
    report = orjson.loads(out)
    assert [(d["code"], d["message"]) for d in report["diagnostics"] if d["line"] is None] == [
        ("FT100", "the file was deleted while it was being linted")]
    assert report["files"][0]["size_bytes"] == big_file.stat().st_size
    _assert_nothing_left(proc.pid)


def test_a_ctrl_c_noted_just_before_workers_start_waits_until_they_have_started():
    # _thread.interrupt_main() notes a SIGINT for Python's handler without the OS, like a
    # Ctrl-C that arrived just before the mask was set: it must not interrupt the start of
    # a process halfway (the child then printed "EOFError: Ran out of input").
    import _thread

    from linter._engine import _no_ctrl_c_in_new_processes

    steps = []
    with pytest.raises(KeyboardInterrupt):
        with _no_ctrl_c_in_new_processes():
            _thread.interrupt_main()
            steps.append("started")
            steps.append("told it what to run")
    assert steps == ["started", "told it what to run"]
    import signal

    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
