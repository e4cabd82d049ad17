"""The command leaves with os._exit (no interpreter tear-down): what a normal exit does
that matters must still happen, and the output must be whole."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_leave_runs_atexit_joins_threads_flushes_and_keeps_the_code():
    done = _run(
        "import atexit, sys, threading, time\n"
        "import tui.cli\n"
        "atexit.register(lambda: print('atexit ran'))\n"
        "def late():\n"
        "    time.sleep(0.3)\n"
        "    print('thread finished')\n"
        "threading.Thread(target=late).start()\n"
        "sys.stdout.write('unflushed text')\n"
        "sys.stderr.write('to stderr')\n"
        "tui.cli.leave(3)\n"
    )
    assert done.returncode == 3
    assert done.stdout.startswith("unflushed text")
    assert "thread finished" in done.stdout and "atexit ran" in done.stdout
    assert done.stderr == "to stderr"


def test_the_command_s_output_is_whole_through_a_pipe():
    done = subprocess.run([sys.executable, "-m", "tui.cli", "lint", "--format", "json", "sample_data/messy.jsonl"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)  # every byte arrived: it parses
    assert report["files"][0]["path"].endswith("messy.jsonl")
    assert done.stderr == ""


def test_usage_errors_keep_their_exit_code():
    done = subprocess.run([sys.executable, "-m", "tui.cli", "lint"], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2
    assert "required" in done.stderr


def test_help_exits_zero_with_the_whole_text():
    done = subprocess.run([sys.executable, "-m", "tui.cli", "lint", "--help"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0
    assert "--select" in done.stdout and done.stdout.endswith("\n")


def test_a_closed_pipe_is_not_a_traceback():
    reader, writer = os.pipe()
    os.close(reader)
    done = subprocess.run([sys.executable, "-m", "tui.cli", "rules"], cwd=ROOT, stdout=writer,
                          stderr=subprocess.PIPE, text=True, timeout=60)
    os.close(writer)
    assert "Traceback" not in done.stderr


def test_ctrl_c_while_a_thread_is_waited_for_leaves_without_a_traceback():
    import signal
    import time

    child = subprocess.Popen(
        [sys.executable, "-c",
         "import threading, time, tui.cli\n"
         "threading.Thread(target=time.sleep, args=(60,)).start()\n"
         "print('waiting', flush=True)\n"
         "tui.cli.leave(0)\n"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert child.stdout.readline() == "waiting\n"
    time.sleep(0.3)
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=30)
    assert child.returncode == 130
    assert "Traceback" not in err


def test_ctrl_c_while_the_command_s_modules_load_is_interrupted_not_a_traceback():
    # A Ctrl-C inside numpy's import comes out as an ImportError; the command holds it
    # until its modules have loaded. Here the signal arrives as the lint command's module
    # starts loading (before numpy).
    done = _run(
        "import importlib, os, signal, sys\n"
        "import tui.cli\n"
        "real = importlib.import_module\n"
        "def import_module(name, *args, **kwargs):\n"
        "    if name == 'tui.commands.lint':\n"
        "        os.kill(os.getpid(), signal.SIGINT)\n"
        "    return real(name, *args, **kwargs)\n"
        "importlib.import_module = import_module\n"
        "code = tui.cli.main(['lint', 'sample_data/tiny.jsonl'])\n"
        "print('numpy loaded' if 'numpy' in sys.modules else 'numpy not loaded')\n"
        "print('pricing loaded' if 'pricing' in sys.modules else 'pricing not loaded')\n"
        "sys.exit(code)\n"
    )
    assert done.returncode == 130, done.stderr
    assert done.stderr.strip() == "ftpreflight: interrupted"
    # The interrupt waited for the imports: numpy's, and the price tables' pydantic models
    # (a KeyboardInterrupt while those are built comes out as a SchemaError).
    assert done.stdout.split() == ["numpy", "loaded", "pricing", "loaded"]
