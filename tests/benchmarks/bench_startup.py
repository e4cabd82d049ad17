"""Start-up: wall time from launching the real ``ftpreflight`` command to its exit, for a
lint of small files, next to the interpreter's own floor (``python -c pass``) measured in
the same run. The launches are interleaved (pass, --version, each lint; pass, ...), so a
busy machine slows every column alike; the ratio to the floor and the CPU time are the
steadier figures.

    python -m tests.benchmarks.bench_startup [--repeat 15] [--baseline DIR]

``--baseline DIR`` launches the same commands from another checkout as well (for example
``git worktree add /tmp/base main``), interleaved with this one, so old and new are
measured side by side. Commands run as ``python -m tui.cli`` from the checkout's root,
with bytecode caching on (as in an installed package; the first, untimed round writes
the caches).

The 40-line file is the first 40 lines of sample_data/support_chat.jsonl (clean chat
records), written to a temporary directory; sample_data/messy.jsonl is 39 records with
findings of most kinds (40 lines, one blank).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _launch(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system, the child's) of one run of ``argv``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=15, help="launches of each command (default 15)")
    parser.add_argument("--baseline", metavar="DIR", help="another checkout to measure side by side")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    trees = [("", ROOT)]
    if args.baseline:
        trees.insert(0, ("baseline: ", Path(args.baseline).resolve()))
    workdir = Path(tempfile.mkdtemp(prefix="ftpreflight-bench-startup-"))
    try:
        small = workdir / "chat40.jsonl"
        with open(ROOT / "sample_data" / "support_chat.jsonl", "rb") as source:
            small.write_bytes(b"".join(source.readlines()[:40]))
        messy = str(ROOT / "sample_data" / "messy.jsonl")
        runs: dict[str, tuple[list[str], Path]] = {"python -c pass": ([sys.executable, "-c", "pass"], ROOT)}
        for prefix, tree in trees:
            command = [sys.executable, "-m", "tui.cli"]
            runs[f"{prefix}ftpreflight --version"] = ([*command, "--version"], tree)
            runs[f"{prefix}ftpreflight lint (40-line chat file)"] = ([*command, "lint", str(small)], tree)
            runs[f"{prefix}ftpreflight lint messy.jsonl"] = ([*command, "lint", messy], tree)
            runs[f"{prefix}ftpreflight lint --format json messy.jsonl"] = (
                [*command, "lint", "--format", "json", messy], tree)
        for argv, cwd in runs.values():  # write the bytecode caches, warm the file cache
            _launch(argv, cwd, env)
        times: dict[str, list[tuple[float, float]]] = {label: [] for label in runs}
        for _ in range(args.repeat):
            for label, (argv, cwd) in runs.items():
                times[label].append(_launch(argv, cwd, env))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    floor = statistics.median(wall for wall, _ in times["python -c pass"])
    print(f"{args.repeat} launches each, interleaved; {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f} at the end")
    print(f"{'command':52s} {'wall':>7s} {'min':>7s} {'max':>7s} {'x floor':>7s} {'cpu':>7s}")
    for label, values in times.items():
        walls = [wall for wall, _ in values]
        median = statistics.median(walls)
        cpu = statistics.median(c for _, c in values)
        print(f"{label:52s} {median:6.3f}s {min(walls):6.3f}s {max(walls):6.3f}s {median / floor:6.1f}x {cpu:6.3f}s")


if __name__ == "__main__":
    main()
