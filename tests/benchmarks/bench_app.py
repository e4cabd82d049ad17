"""Benchmark: the terminal app on the ~200,000-example file, headless.

    python -m tests.benchmarks.bench_app [--path tests/benchmarks/data/bench.jsonl] [--keys 40]

Measures, in one run:

* first rows: seconds from starting the app until the first records are in the
  table and drawn (target <= 1.5 s);
* lint in the app: seconds from starting the lint until the finished report is
  shown, against `ftpreflight lint --format json` on the same file run as a
  subprocess just before (target ratio <= 1.5x);
* key latency while the lint runs: a `down` key is pressed every 0.2 s and timed
  until the app has handled it and redrawn (target <= 100 ms); the median, p95 and
  worst are printed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time


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


async def app_run(path: str, key_interval: float, max_keys: int) -> dict:
    from tui.app import FtPreflightApp

    started = time.perf_counter()
    app = FtPreflightApp(path)
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
    args = parser.parse_args()
    if not os.path.exists(args.path):
        from .generate import generate

        print(f"generating {args.path} ({args.examples:,} examples)...", file=sys.stderr)
        generate(args.path, args.examples)
    with open(args.path, "rb") as handle:  # warm the page cache for both sides
        while handle.read(1 << 24):
            pass
    size = os.path.getsize(args.path)
    print(f"file: {args.path}, {size / 1e6:,.1f} MB, cores: {os.cpu_count()}")
    cli = cli_lint_seconds(args.path)
    print(f"ftpreflight lint --format json: {cli:6.2f} s")
    result = asyncio.run(app_run(args.path, args.key_interval, args.keys))
    lat = sorted(result["latencies"])
    print(f"app: first rows visible after {result['first_rows']:.2f} s (target <= 1.5 s)")
    print(f"app: lint shown after {result['lint']:.2f} s ({result['examples']:,} examples); "
          f"ratio to the CLI {result['lint'] / cli:.2f}x (target <= 1.5x); lint_path itself took "
          f"{result['worker']:.2f} s in the worker")
    if lat:
        p95 = lat[min(len(lat) - 1, int(0.95 * len(lat)))]
        print(f"app: key latency while linting over {len(lat)} presses: median {statistics.median(lat) * 1000:.0f} ms, "
              f"p95 {p95 * 1000:.0f} ms, worst {lat[-1] * 1000:.0f} ms (target <= 100 ms)")


if __name__ == "__main__":
    main()
