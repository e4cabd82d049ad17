"""Where the Python encoder (linter._bpe) stops paying off: wall time from launching a fresh
interpreter to its exit, counting N characters of real-shaped chat text with the Python
encoder (ranks from the bundled pickle) next to tiktoken (its core built from the same
ranks), interleaved in one run. The process leaves with os._exit, as the ``ftpreflight``
command does, so tiktoken's tear-down is not counted against it.

    python -m tests.benchmarks.bench_quick_tokens [--repeat 5] [--encoding o200k_base]

The texts are the strings of the bundled sample files, repeated to each size. The
engine's ``_QUICK_CHARS`` (characters counted with the Python encoder before a process
moves to tiktoken) should sit below the crossover this prints.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SIZES = (16_000, 64_000, 256_000, 512_000, 1_000_000, 2_000_000, 4_000_000)

_PROGRAM = """
import os, sys, pickle
from linter import _tokens
texts = pickle.load(open(sys.argv[1], "rb"))
counter = _tokens.TokenCounter(sys.argv[2], quick_chars=(1 << 40) if sys.argv[3] == "python" else 0)
total = sum(map(counter.count, texts))
assert (counter.raw_buffer is None) == (sys.argv[3] == "python")
sys.stdout.write(str(total))
sys.stdout.flush()
os._exit(0)
"""


def _texts(size: int) -> list[str]:
    from tests.sample_strings import sample_strings

    pool = sample_strings(("support_chat.jsonl", "tool_calls.jsonl", "preference_dpo.jsonl", "reinforcement.jsonl"))
    out: list[str] = []
    total = 0
    i = 0
    while total < size:
        # A serial number keeps repeated texts from all hitting the counter's memo.
        text = f"{i} {pool[i % len(pool)]}"
        out.append(text)
        total += len(text)
        i += 1
    return out


def main() -> None:
    import pickle

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--encoding", default="o200k_base")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory(prefix="ftpreflight-bench-quick-") as folder:
        files = {}
        for size in SIZES:
            files[size] = Path(folder) / f"{size}.pickle"
            files[size].write_bytes(pickle.dumps(_texts(size)))
        times: dict[tuple[int, str], list[float]] = {(size, how): [] for size in SIZES for how in ("python", "tiktoken")}
        totals: dict[tuple[int, str], str] = {}
        for round_ in range(args.repeat + 1):  # the first round writes bytecode caches, untimed
            for size in SIZES:
                for how in ("python", "tiktoken"):
                    started = time.perf_counter()
                    done = subprocess.run([sys.executable, "-c", _PROGRAM, str(files[size]), args.encoding, how],
                                          cwd=ROOT, env=env, capture_output=True, text=True, check=True)
                    if round_:
                        times[(size, how)].append(time.perf_counter() - started)
                    totals[(size, how)] = done.stdout
    print(f"{args.repeat} launches each, interleaved; {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.1f} at the end; encoding {args.encoding}")
    print(f"{'characters':>10s} {'python':>8s} {'tiktoken':>9s} {'python/tiktoken':>16s}  same count")
    for size in SIZES:
        python = statistics.median(times[(size, "python")])
        tiktoken = statistics.median(times[(size, "tiktoken")])
        same = totals[(size, "python")] == totals[(size, "tiktoken")]
        print(f"{size:>10,d} {python:7.3f}s {tiktoken:8.3f}s {python / tiktoken:15.2f}x  {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
