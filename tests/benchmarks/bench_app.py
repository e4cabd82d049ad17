"""Benchmark: the terminal app on the ~200,000-example file.

    python -m tests.benchmarks.bench_app [--path tests/benchmarks/data/bench.jsonl] [--runs 5] [--keys 40]
        [--baseline DIR] [--thread-lint] [--quick]

Measures, in one run:

* from process start, in a real terminal (tmux; skipped when tmux is missing): how
  long `ftpreflight FILE` takes to put something on screen (target <= 0.3 s) and to
  show the first rows of the table (target <= 1.0 s), over ``--runs`` launches;
* Problems tab: 14 quick arrow presses (one every 30 ms) on the bundled messy sample,
  each timed until the highlight has moved, and how long until the last rule's
  documentation is drawn (target: every key <= 50 ms);
* first rows in-process: seconds from creating the app until the first records are
  in the table and drawn (imports excluded);
* lint in the app: seconds from starting the lint until the finished report is
  shown, against `ftpreflight lint --format json` on the same file run as a
  subprocess just before (target ratio <= 1.5x);
* key latency while the lint runs: a `down` key is pressed every 0.2 s and timed
  until the app has handled it and redrawn (target <= 100 ms); the median, p95 and
  worst are printed. With ``--thread-lint`` the app is also run with the lint in a
  thread of its own process (``linter.lint_path``), to compare with the lint's own
  process (``tui.lintproc``, the app's default).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

FIRST_ROW = re.compile(r"^\W*\s+1 (chat|completion|preference|reinforcement)\s+\d+\s+\d+", re.M)
"""The table's row for line 1 (status icon, line, format, messages, tokens)."""
MESSY = Path(__file__).resolve().parents[2] / "sample_data" / "messy.jsonl"


def _tmux(*args: str) -> str:
    done = subprocess.run(["tmux", *args], capture_output=True, text=True)
    return done.stdout if done.returncode == 0 else f"(tmux {args[0]} failed: {done.stderr.strip()})"


def launch_in_tmux(path: str, size: tuple[int, int] = (160, 48), timeout: float = 60.0,
                   source: str | None = None) -> tuple[float, float]:
    """Start `ftpreflight PATH` in a fresh tmux pane and poll the screen every ~10 ms:
    seconds from the process start until the screen is not blank, and until the row
    of line 1 is on it. The pane first runs `sleep`, replaced by the command with
    `respawn-pane`, so tmux's own start-up is not counted."""
    session = f"ftpreflight-bench-{uuid.uuid4().hex[:8]}"
    command = shutil.which("ftpreflight") or f"{shlex.quote(sys.executable)} -m tui.cli"
    if source is not None:  # another checkout of ftpreflight, run with this interpreter
        # Run from that checkout: `python -m` puts the current folder first on the path.
        command = f"cd {shlex.quote(source)} && {shlex.quote(sys.executable)} -m tui.cli"
        path = os.path.abspath(path)
    _tmux("new-session", "-d", "-s", session, "-x", str(size[0]), "-y", str(size[1]), "sleep 600")
    _tmux("set-option", "-t", session, "remain-on-exit", "on")  # a crash stays readable
    try:
        time.sleep(0.3)
        started = time.perf_counter()
        _tmux("respawn-pane", "-k", "-t", session, f"{command} {shlex.quote(path)}")
        first_frame = None
        while time.perf_counter() - started < timeout:
            shown = _tmux("capture-pane", "-p", "-t", session)
            now = time.perf_counter() - started
            if shown.startswith("(tmux "):
                raise SystemExit(f"{command}: {shown}")
            if first_frame is None and shown.strip():
                first_frame = now
            if FIRST_ROW.search(shown):
                return first_frame or now, now
            time.sleep(0.01)
        raise SystemExit(f"no rows after {timeout:.0f} s; the screen was:\n{shown}")
    finally:
        _tmux("kill-session", "-t", session)


async def problems_keys(presses: int = 14, interval: float = 0.03) -> tuple[list[float], float]:
    """Quick arrow presses on the Problems tab: per key, seconds from the key being sent
    until the highlight moved; and seconds from the last press until the last
    highlighted rule's documentation is on screen."""
    from textual import events

    from tui.app import FtPreflightApp

    app = FtPreflightApp(str(MESSY))
    async with app.run_test(size=(160, 48)) as pilot:
        while app.session.report is None or app.main is None:
            await asyncio.sleep(0.05)
        await pilot.press("2")
        await pilot.pause(0.5)
        rules = app.screen.query_one("#rule-list")
        doc = app.screen.query_one("#rule-doc")
        presses = min(presses, rules.option_count - 1)
        sent: list[float] = []
        moved: dict[int, float] = {}
        start = rules.highlighted or 0

        async def watch() -> None:
            while len(moved) < presses:
                now = time.perf_counter()
                reached = (rules.highlighted or 0) - start
                for k in range(1, reached + 1):
                    moved.setdefault(k, now)
                await asyncio.sleep(0.001)

        watcher = asyncio.create_task(watch())
        for _ in range(presses):
            sent.append(time.perf_counter())
            app.post_message(events.Key("down", None))
            await asyncio.sleep(interval)
        await asyncio.wait_for(watcher, 30)
        last_code = rules.get_option_at_index(start + presses).id
        while True:
            markup = getattr(doc, "content", None)
            text = getattr(markup, "markup", None) or getattr(doc, "_markdown", "") or ""
            if f"{last_code} " in text:
                break
            await asyncio.sleep(0.002)
        settled = time.perf_counter() - sent[-1]
        latencies = [moved[k + 1] - sent[k] for k in range(presses)]
    return latencies, settled


def cli_lint_seconds(path: str) -> float:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "tui.cli", "lint", path, "--format", "json"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"lint failed ({proc.returncode}): {proc.stderr.decode()[-2000:]}")
    return elapsed


def watch_drawing(table, drawn: dict) -> None:
    """Note the moment the table first renders a record line (not just its header)."""
    render_line = table.render_line

    def spy(y: int):
        strip = render_line(y)
        if y >= 1 and "at" not in drawn and table.model.total:
            drawn["at"] = time.perf_counter()
        return strip

    drawn["watching"] = True
    table.render_line = spy


async def timed_key(app, timeout: float = 5.0) -> float | None:
    """Send a `down` key the way the terminal driver does (a Key event posted to the
    app) and time it until the table's cursor has moved; the redraw follows on the
    screen's next refresh tick (at most 1/60 s later)."""
    from textual import events

    table = app.main.table
    before = table.cursor
    pressed = time.perf_counter()
    app.post_message(events.Key("down", None))
    while time.perf_counter() - pressed < timeout:
        if table.cursor != before:
            return time.perf_counter() - pressed
        await asyncio.sleep(0.001)
    return None


async def app_run(path: str, key_interval: float, max_keys: int, lint=None) -> dict:
    from tui.app import FtPreflightApp

    started = time.perf_counter()
    app = FtPreflightApp(path) if lint is None else FtPreflightApp(path, lint=lint)
    first_rows = None
    drawn: dict = {}
    latencies: list[float] = []
    async with app.run_test(size=(160, 48)) as pilot:
        lint_started = None
        while app.session.report is None:
            if lint_started is None and app.session.linting:
                lint_started = time.perf_counter()
            if first_rows is None and app.main is not None and not drawn:
                watch_drawing(app.main.table, drawn)
            if first_rows is None and drawn.get("at"):
                first_rows = drawn["at"] - started
            if first_rows is not None and app.session.linting and len(latencies) < max_keys:
                latency = await timed_key(app)
                if latency is None:
                    raise SystemExit("the key press did not move the cursor")
                latencies.append(latency)
                await asyncio.sleep(key_interval)
            else:
                await asyncio.sleep(0.01)
            if app.session.linting is False and app.session.report is None and app.session.generation:
                raise SystemExit("the lint failed in the app")
        await pilot.pause()
        lint_done = time.perf_counter()
        report = app.session.report
        result = {
            "first_rows": first_rows,
            "lint": lint_done - (lint_started or started),
            "since_start": lint_done - started,
            "latencies": latencies,
            "examples": report.files[0].examples,
            "worker": app.session.lint_seconds,
        }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--path", default="tests/benchmarks/data/bench.jsonl")
    parser.add_argument("--examples", type=int, default=200_000)
    parser.add_argument("--keys", type=int, default=40, help="key presses to time while the lint runs")
    parser.add_argument("--key-interval", type=float, default=0.2)
    parser.add_argument("--runs", type=int, default=5, help="launches of the real command in tmux")
    parser.add_argument("--baseline", metavar="DIR",
                        help="another checkout (e.g. `git worktree add /tmp/base <commit>`): launched in turn "
                             "with this one, so both are measured under the same load")
    parser.add_argument("--thread-lint", action="store_true",
                        help="also run the app with the lint in a thread of its own process (as before the lint "
                             "had a process of its own), for comparison")
    parser.add_argument("--quick", action="store_true",
                        help="only the launch and the Problems tab (skip the full lint in the app and the CLI)")
    args = parser.parse_args()
    if not os.path.exists(args.path):
        from .generate import generate

        print(f"generating {args.path} ({args.examples:,} examples)...", file=sys.stderr)
        generate(args.path, args.examples)
    with open(args.path, "rb") as handle:  # warm the page cache for both sides
        while handle.read(1 << 24):
            pass
    size = os.path.getsize(args.path)
    print(f"file: {args.path}, {size / 1e6:,.1f} MB, cores: {os.cpu_count()}, "
          f"load average {os.getloadavg()[0]:.1f}")
    if shutil.which("tmux") and args.runs:
        sources = {"launch": None}
        if args.baseline:
            sources["baseline launch"] = args.baseline
        launches: dict[str, list[tuple[float, float]]] = {name: [] for name in sources}
        # A session kept open for the whole run: killing the last session stops the tmux
        # server, and a launch started at that moment would go down with it.
        anchor = f"ftpreflight-bench-anchor-{uuid.uuid4().hex[:8]}"
        _tmux("new-session", "-d", "-s", anchor, "sleep 3600")
        try:
            for _ in range(args.runs):
                for name, source in sources.items():
                    launches[name].append(launch_in_tmux(args.path, source=source))
        finally:
            _tmux("kill-session", "-t", anchor)
        for name, runs in launches.items():
            frames = sorted(first for first, _ in runs)
            rows = sorted(row for _, row in runs)
            print(f"{name} (tmux, from process start, {len(runs)} runs): something on screen after "
                  f"{frames[0]:.2f}-{frames[-1]:.2f} s (median {statistics.median(frames):.2f}; target <= 0.3 s), "
                  f"first rows after {rows[0]:.2f}-{rows[-1]:.2f} s (median {statistics.median(rows):.2f}; "
                  f"target <= 1.0 s)")
    else:
        print("launch: tmux not found, skipped")
    keys, settled = asyncio.run(problems_keys())
    print(f"problems tab: {len(keys)} quick presses answered in median {statistics.median(keys) * 1000:.0f} ms, "
          f"worst {max(keys) * 1000:.0f} ms (target <= 50 ms); last rule's doc drawn "
          f"{settled * 1000:.0f} ms after the last press")
    if args.quick:
        return
    cli = cli_lint_seconds(args.path)
    print(f"ftpreflight lint --format json: {cli:6.2f} s")
    variants = {"app": None}
    if args.thread_lint:
        from linter import lint_path

        variants["app, lint in a thread"] = lint_path
    for name, lint in variants.items():
        result = asyncio.run(app_run(args.path, args.key_interval, args.keys, lint))
        lat = sorted(result["latencies"])
        print(f"{name} (in-process, imports excluded): first rows visible after {result['first_rows']:.2f} s")
        print(f"{name}: lint shown after {result['lint']:.2f} s ({result['examples']:,} examples); "
              f"ratio to the CLI {result['lint'] / cli:.2f}x (target <= 1.5x); the lint itself took "
              f"{result['worker']:.2f} s")
        if lat:
            p95 = lat[min(len(lat) - 1, int(0.95 * len(lat)))]
            print(f"{name}: key latency while linting over {len(lat)} presses: median "
                  f"{statistics.median(lat) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, worst {lat[-1] * 1000:.0f} ms "
                  f"(target <= 100 ms)")


if __name__ == "__main__":
    main()
