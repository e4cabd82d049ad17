"""Start-up: wall time from launching the real ``ftpreflight`` command to its exit, for a
lint of small files, next to the interpreter's own floor (``python -c pass``) measured in
the same run. The launches are interleaved (pass, --version, each lint; pass, ...), so a
busy machine slows every column alike; the ratio to the floor is the steadier figure.

    python -m tests.benchmarks.bench_startup [--repeat 15]

The 40-line file is the first 40 lines of sample_data/support_chat.jsonl (clean chat
records), written to a temporary directory; sample_data/messy.jsonl is 39 records with
findings of most kinds (40 lines, one blank).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _command() -> list[str]:
    """The installed console script when there is one (what a user runs), else the module."""
    script = Path(sys.executable).with_name("ftpreflight")
    return [str(script)] if script.exists() else [sys.executable, "-m", "tui.cli"]


def _launch(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=15, help="launches of each command (default 15)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="ftpreflight-bench-startup-"))
    try:
        small = workdir / "chat40.jsonl"
        with open(ROOT / "sample_data" / "support_chat.jsonl", "rb") as source:
            small.write_bytes(b"".join(source.readlines()[:40]))
        command = _command()
        runs = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "ftpreflight --version": [*command, "--version"],
            "ftpreflight lint (40-line chat file)": [*command, "lint", str(small)],
            "ftpreflight lint sample_data/messy.jsonl": [*command, "lint", "sample_data/messy.jsonl"],
            "ftpreflight lint --format json sample_data/messy.jsonl":
                [*command, "lint", "--format", "json", "sample_data/messy.jsonl"],
        }
        for argv in runs.values():  # warm the OS's file cache and the bytecode caches once
            _launch(argv)
        times: dict[str, list[float]] = {label: [] for label in runs}
        for _ in range(args.repeat):
            for label, argv in runs.items():
                times[label].append(_launch(argv))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    floor = statistics.median(times["python -c pass"])
    print(f"{args.repeat} launches each, interleaved; {' '.join(command)}; {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"{'command':56s} {'median':>8s} {'min':>8s} {'max':>8s} {'x floor':>8s} {'- floor':>8s}")
    for label, values in times.items():
        median = statistics.median(values)
        print(f"{label:56s} {median:7.3f}s {min(values):7.3f}s {max(values):7.3f}s "
              f"{median / floor:7.1f}x {median - floor:7.3f}s")


if __name__ == "__main__":
    main()
