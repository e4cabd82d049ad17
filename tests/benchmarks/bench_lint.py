"""Benchmark: `ftpreflight lint --format json` against a tokenize-everything reference,
measured side by side in one run on the same file.

    python -m tests.benchmarks.bench_lint [--path tests/benchmarks/data/bench.jsonl] [--examples 200000] [--repeat 1]

The reference parses every line with orjson and counts the tokens of every
message's content with tiktoken (the same bundled encoding) on all cores with
multiprocessing, and does nothing else: it is the floor for any exact linter.
Peak memory is the largest sum of RSS over the process tree (main + workers),
sampled every 20 ms from /proc.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from multiprocessing import get_context

import orjson

_encoder = None


def _init() -> None:
    global _encoder
    from linter import get_encoding

    _encoder = get_encoding("o200k_base").encode_ordinary


def _reference_chunk(args: tuple[str, int, int]) -> int:
    path, start, end = args
    total = 0
    encode = _encoder
    with open(path, "rb") as handle:
        handle.seek(start)
        pos = start
        while pos < end:
            raw = handle.readline()
            if not raw:
                break
            pos += len(raw)
            record = orjson.loads(raw)
            for message in record["messages"]:
                content = message.get("content")
                if isinstance(content, str):
                    total += len(encode(content))
    return total


def reference(path: str, jobs: int) -> int:
    from linter._engine import _plan_chunks

    size = os.path.getsize(path)
    chunks = [(path, s, e) for s, e, _ in _plan_chunks(path, size, 2 * 1024 * 1024)]
    with get_context("spawn").Pool(jobs, initializer=_init) as pool:
        return sum(pool.imap_unordered(_reference_chunk, chunks))


def _tree_rss(root: int) -> int:
    """Sum of VmRSS (bytes) of ``root`` and all its descendants."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as handle:
                ppid = kb = 0
                for line in handle:
                    if line.startswith("PPid:"):
                        ppid = int(line.split()[1])
                    elif line.startswith("VmRSS:"):
                        kb = int(line.split()[1])
        except OSError:
            continue
        pid = int(entry)
        children.setdefault(ppid, []).append(pid)
        rss[pid] = kb * 1024
    total = 0
    stack = [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def measure(fn) -> tuple[float, int, object]:
    """Run ``fn(pid_callback)`` while sampling the tree RSS of this process."""
    peak = 0
    stop = threading.Event()
    me = os.getpid()
    target = {"pid": me}

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_rss(target["pid"]))
            time.sleep(0.02)

    thread = threading.Thread(target=sample, daemon=True)
    start = time.perf_counter()
    thread.start()
    try:
        result = fn(target)
    finally:
        elapsed = time.perf_counter() - start
        stop.set()
        thread.join()
    return elapsed, peak, result


def run_reference(path: str, jobs: int):
    def go(target):
        return reference(path, jobs)

    return measure(go)


def run_lint(path: str, extra: list[str]):
    def go(target):
        proc = subprocess.Popen([sys.executable, "-m", "tui.cli", "lint", path, "--format", "json", *extra],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        target["pid"] = proc.pid
        out, err = proc.communicate()
        if proc.returncode not in (0, 1):
            raise SystemExit(f"lint failed ({proc.returncode}): {err.decode()[-2000:]}")
        return orjson.loads(out)

    return measure(go)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--path", default="tests/benchmarks/data/bench.jsonl")
    parser.add_argument("--examples", type=int, default=200_000)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--lint-args", default="", help="extra arguments for ftpreflight lint")
    args = parser.parse_args()
    if not os.path.exists(args.path):
        from .generate import generate

        print(f"generating {args.path} ({args.examples:,} examples)...", file=sys.stderr)
        generate(args.path, args.examples)
    size = os.path.getsize(args.path)
    print(f"file: {args.path}, {size / 1e6:,.1f} MB, cores: {os.cpu_count()}, jobs: {args.jobs}")
    # Warm the page cache so neither side pays for the first read.
    with open(args.path, "rb") as handle:
        while handle.read(1 << 24):
            pass
    rows = []
    for i in range(args.repeat):
        ref_time, ref_peak, ref_tokens = run_reference(args.path, args.jobs)
        lint_time, lint_peak, report = run_lint(args.path, args.lint_args.split())
        f = report["files"][0]
        rows.append((ref_time, ref_peak, lint_time, lint_peak))
        print(f"run {i + 1}: reference {ref_time:6.2f} s, peak {ref_peak / 2**20:6.0f} MiB "
              f"({ref_tokens:,} content tokens)")
        print(f"run {i + 1}: lint      {lint_time:6.2f} s, peak {lint_peak / 2**20:6.0f} MiB "
              f"({f['examples']:,} examples, {f['tokens']['total']:,} billed tokens, "
              f"{report['summary']['errors']} errors, {report['summary']['warnings']} warnings)")
        print(f"run {i + 1}: ratio     {lint_time / ref_time:6.2f}x wall time (target <= 1.5x), "
              f"lint peak {lint_peak / 2**20:,.0f} MiB = {lint_peak / 1e6:,.0f} MB (target <= 500 MB)")
    if len(rows) > 1:
        best = min(r[2] / r[0] for r in rows)
        print(f"best ratio over {len(rows)} runs: {best:.2f}x")


if __name__ == "__main__":
    main()
