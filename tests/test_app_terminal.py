"""`ftpreflight FILE` without a terminal (scripts, CI, pipes): a clear message and exit 2,
never a process that waits (and spins) for input that cannot come."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data" / "messy.jsonl"


@pytest.mark.parametrize("argv", [[str(SAMPLE)], [], ["app", str(SAMPLE)]], ids=["file", "bare", "app"])
def test_the_app_without_a_terminal_says_so_and_exits_2(argv, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "tui.cli", *argv], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert proc.returncode == 2
    assert "needs a terminal" in proc.stderr
    assert "ftpreflight lint" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""
