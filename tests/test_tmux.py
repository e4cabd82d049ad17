"""The real `ftpreflight` command in a real terminal (tmux): open a sample, switch
tabs, open a record, quit. Reads the screen with `tmux capture-pane`."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data" / "messy.jsonl"

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


@pytest.fixture(autouse=True, scope="module")
def tmux_server():
    """A session kept open for the module: killing a test's session would otherwise stop
    the tmux server, and the next test's session could start while it goes down."""
    anchor = f"ftpreflight-anchor-{uuid.uuid4().hex[:8]}"
    subprocess.run(["tmux", "new-session", "-d", "-s", anchor, "sleep 600"], check=True, capture_output=True)
    yield
    subprocess.run(["tmux", "kill-session", "-t", anchor], capture_output=True)


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], check=True, capture_output=True, text=True).stdout


def screen(session: str) -> str:
    return tmux("capture-pane", "-p", "-t", session)


def wait_for(session: str, text: str, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    shown = ""
    while time.monotonic() < deadline:
        shown = screen(session)
        if text in shown:
            return shown
        time.sleep(0.2)
    raise AssertionError(f"{text!r} never appeared; the screen was:\n{shown}")


def test_the_real_command_in_tmux(tmp_path):
    command = shutil.which("ftpreflight")
    argv = [command] if command else [sys.executable, "-m", "tui.cli"]
    session = f"ftpreflight-test-{uuid.uuid4().hex[:8]}"
    env = {"TERM": "xterm-256color", "COLUMNS": "100", "LINES": "30"}
    line = " ".join(shlex.quote(part) for part in [*argv, str(SAMPLE)])
    tmux("new-session", "-d", "-s", session, "-x", "100", "-y", "30", "-c", str(tmp_path),
         *[f"-e{key}={value}" for key, value in env.items()], f"{line}; sleep 30")
    try:
        shown = wait_for(session, "36 chat examples of 39 records")
        assert "FT101" in shown and "1 Dataset" in shown
        tmux("send-keys", "-t", session, "2")
        shown = wait_for(session, "invalid-json")
        assert "errors" in shown
        tmux("send-keys", "-t", session, "1")
        wait_for(session, "r: any rule")
        # "n" (next problem) then Enter opens line 2. Keys sent while the tab switch is still
        # moving the focus can be lost, so the pair is retried (Escape closes a wrong view).
        shown = ""
        for _ in range(3):
            time.sleep(0.5)
            tmux("send-keys", "-t", session, "n")
            time.sleep(0.5)
            tmux("send-keys", "-t", session, "Enter")
            try:
                shown = wait_for(session, "line 2  unparsed", timeout=5.0)
                break
            except AssertionError:
                tmux("send-keys", "-t", session, "Escape")
                tmux("send-keys", "-t", session, "Home")
        assert "line 2  unparsed" in shown, screen(session)
        assert "invalid JSON" in shown
        tmux("send-keys", "-t", session, "Escape")
        wait_for(session, "36 chat examples of 39 records")
        tmux("send-keys", "-t", session, "q")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and "36 chat examples of 39 records" in screen(session):
            time.sleep(0.2)
        assert "36 chat examples of 39 records" not in screen(session)
        assert "Traceback" not in screen(session)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


def test_the_first_rows_are_on_screen_before_the_app_is(tmp_path):
    """`ftpreflight FILE` draws the lint's first rows on its splash, before the UI toolkit
    is imported; the app's first frame (tabs and all) then shows the same rows in place."""
    command = shutil.which("ftpreflight")
    argv = [command] if command else [sys.executable, "-m", "tui.cli"]
    session = f"ftpreflight-test-{uuid.uuid4().hex[:8]}"
    line = " ".join(shlex.quote(part) for part in [*argv, str(SAMPLE)])
    tmux("new-session", "-d", "-s", session, "-x", "100", "-y", "30", "-c", str(tmp_path),
         "-eTERM=xterm-256color", f"{line}; sleep 30")
    try:
        seen = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            shown = screen(session)
            seen.append(shown)
            if "1 Dataset" in shown:
                break
            time.sleep(0.01)
        before_app = [shown for shown in seen if "1 Dataset" not in shown]
        with_rows = [shown for shown in before_app if re.search(r"^\W*\s+1 chat\s+3\s+143\b", shown, re.M)]
        assert with_rows, "no rows before the app's first frame; the screens were:\n" + "\n---\n".join(seen[-3:])
        preview = with_rows[0].splitlines()
        assert preview[0].startswith("ftpreflight") and "messy.jsonl" in preview[0]
        header = next(i for i, text in enumerate(preview) if text.split()[:2] == ["line", "format"])
        app_screen = wait_for(session, "1 Dataset")
        app_lines = app_screen.splitlines()
        # Same place, same text (the app may have finished the lint and shifted the table
        # down for a file-level finding; then it is one row lower).
        shift = 0 if app_lines[header].split()[:2] == ["line", "format"] else 1
        for row in range(header, header + 5):
            assert app_lines[row + shift][:60].rstrip() == preview[row][:60].rstrip()
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
