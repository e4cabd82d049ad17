"""Ctrl-C during a parallel lint stops it at once, with exit 130 and no stray workers."""

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


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="process groups and SIGINT")
def test_ctrl_c_stops_a_parallel_lint(tmp_path):
    data = tmp_path / "big.jsonl"
    generate(str(data), examples=60_000, huge_every=0)
    assert data.stat().st_size > 50_000_000
    code = ("import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
            "from tui.cli import main; sys.exit(main(['lint', sys.argv[1], '--format', 'json']))")
    proc = subprocess.Popen([sys.executable, "-c", code, str(data)], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True)
    time.sleep(2.0)
    assert proc.poll() is None, "the lint finished before it could be interrupted"
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole group
    started = time.monotonic()
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err.decode()
    assert time.monotonic() - started < 10
    assert b"Traceback" not in err and b"interrupted" in err
    # Workers (and multiprocessing's resource tracker) leave within moments.
    for _ in range(50):
        leftover = subprocess.run(["pgrep", "-g", str(proc.pid)], capture_output=True, text=True).stdout.split()
        if not leftover:
            break
        time.sleep(0.1)
    assert leftover == [], subprocess.run(["ps", "-o", "pid,cmd", "-g", str(proc.pid)], capture_output=True,
                                          text=True).stdout
