"""Benchmark: does `ftpreflight lint --format json` scale linearly, in flat memory?

    python -m tests.benchmarks.bench_scale [--sizes 200000,800000,2000000] [--repeat 1] [--keep]

Lints generated chat files of each size one after the other in one run (the machine is
shared and noisy: only ratios measured side by side mean much) and prints, per size, the
wall time per example, the peak memory of the whole process tree (main process and
workers: the largest sum of RSS, sampled every 20 ms from /proc), the main process's own
peak and its CPU time, and the CPU time of all its processes per example (less sensitive
than wall time to other load on the machine). Targets (issue 12): time per example within 15% of the smallest
size's, tree peak <= 600 MB at the largest.

The files are prefixes of one generated file (`tests/benchmarks/generate.py`, ~1,650
bytes per example; 2,000,000 examples is 3.3 GB) under the git-ignored
`tests/benchmarks/data/`; the generated files are deleted at the end unless `--keep`.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time

import orjson

from .bench_lint import _tree_rss

_DATA = "tests/benchmarks/data"
_PEAK_TARGET = 600 * 10**6
_FLAT_TARGET = 0.15


def _prefix(source: str, path: str, examples: int) -> None:
    """Write the first ``examples`` lines of ``source`` to ``path`` (atomically)."""
    tmp = path + ".tmp"
    with open(source, "rb") as src, open(tmp, "wb") as dst:
        for count, line in enumerate(src):
            if count >= examples:
                break
            dst.write(line)
    os.replace(tmp, path)


def _cpu_seconds(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _tree_pids(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    ppid = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def lint(path: str, extra: list[str]) -> dict:
    """Run the lint as a child process; wall time, tree and main peaks, main CPU, the report."""
    proc = subprocess.Popen([sys.executable, "-m", "tui.cli", "lint", path, "--format", "json", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    started = time.perf_counter()
    seen = {"tree": 0, "main": 0, "cpu": 0.0}
    tree_cpu: dict[int, float] = {}
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            seen["tree"] = max(seen["tree"], _tree_rss(proc.pid))
            seen["main"] = max(seen["main"], _rss(proc.pid))
            for pid in _tree_pids(proc.pid):
                cpu = _cpu_seconds(pid)
                if cpu is not None:
                    tree_cpu[pid] = max(tree_cpu.get(pid, 0.0), cpu)
            seen["cpu"] = tree_cpu.get(proc.pid, 0.0)
            time.sleep(0.02)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - started
    stop.set()
    thread.join()
    if proc.returncode not in (0, 1):
        raise SystemExit(f"lint failed ({proc.returncode}): {err.decode()[-2000:]}")
    return {"wall": wall, **seen, "tree_cpu": sum(tree_cpu.values()), "report": orjson.loads(out)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="200000,800000,2000000", help="examples per file, comma-separated")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--lint-args", default="", help="extra arguments for ftpreflight lint")
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    largest = f"{_DATA}/scale-{sizes[-1]}.jsonl"
    made = []
    if not os.path.exists(largest):
        from .generate import generate

        print(f"generating {largest} ({sizes[-1]:,} examples)...", file=sys.stderr)
        generate(largest, sizes[-1])
        made.append(largest)
    paths = {}
    for size in sizes:
        path = f"{_DATA}/scale-{size}.jsonl"
        if not os.path.exists(path):
            _prefix(largest, path, size)
            made.append(path)
        paths[size] = path
    try:
        for run in range(1, args.repeat + 1):
            print(f"run {run}: cores {os.cpu_count()}")
            print("| examples | file | wall | us/example | vs smallest | CPU us/example (all processes) | vs smallest "
                  "| tree peak | main peak | main CPU |")
            print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
            base = cpu_base = None
            rows = []
            for size in sizes:
                result = lint(paths[size], args.lint_args.split())
                examples = result["report"]["files"][0]["examples"]
                per = result["wall"] / examples * 1e6
                cpu_per = result["tree_cpu"] / examples * 1e6
                base = base or per
                cpu_base = cpu_base or cpu_per
                rows.append((size, per, result["tree"], cpu_per))
                print(f"| {examples:,} | {os.path.getsize(paths[size]) / 1e9:.2f} GB | {result['wall']:.1f} s "
                      f"| {per:.1f} | {per / base:.2f}x | {cpu_per:.1f} | {cpu_per / cpu_base:.2f}x "
                      f"| {result['tree'] / 2**20:,.0f} MiB "
                      f"({result['tree'] / 1e6:,.0f} MB) | {result['main'] / 2**20:,.0f} MiB "
                      f"| {result['cpu']:.1f} s |", flush=True)
            worst = max(row[1] for row in rows) / rows[0][1] - 1
            worst_cpu = max(row[3] for row in rows) / rows[0][3] - 1
            peak = rows[-1][2]
            print(f"run {run}: time per example at most {worst:+.0%} from the smallest (target within "
                  f"{_FLAT_TARGET:.0%}: {'met' if worst <= _FLAT_TARGET else 'MISSED'}; CPU time per example "
                  f"{worst_cpu:+.0%}); tree peak at "
                  f"{sizes[-1]:,} {peak / 1e6:,.0f} MB (target <= {_PEAK_TARGET / 1e6:,.0f} MB: "
                  f"{'met' if peak <= _PEAK_TARGET else 'MISSED'})", flush=True)
    finally:
        if not args.keep:
            for path in made:
                os.unlink(path)


if __name__ == "__main__":
    main()
