"""Benchmark: the completion-format first pass (separator and stop-sequence inference,
suggestions, classification check, FT408 counts, common prefix) against a bare parse of
the same file, measured side by side in one run.

    python -m tests.benchmarks.bench_delimiters [--examples 200000] [--repeat 3]

The reference reads every line and parses it with orjson, and does nothing else: the
floor for any pass over the records. The profile runs in the main process before the
workers start, so its time adds to every lint of a completion file.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

import orjson

from linter import LintConfig
from linter._dataset import CompletionProfile
from linter._formats import iter_objects

_WORDS = ("the river lantern quietly morning village old keeper wind garden letter forgot returned under "
          "bright stone across harbour small voice remembered evening clock door").split()


def generate(path: Path, examples: int, seed: int = 5) -> None:
    """Prose questions with a "\\n\\n###\\n\\n" separator, answers with a "\\nEND" stop."""
    rng = random.Random(seed)
    with open(path, "wb") as handle:
        for _ in range(examples):
            prompt = " ".join(rng.choices(_WORDS, k=rng.randint(10, 60))) + rng.choice("?.!") + "\n\n###\n\n"
            completion = " " + " ".join(rng.choices(_WORDS, k=rng.randint(5, 80))) + rng.choice(".!?") + "\nEND"
            handle.write(orjson.dumps({"prompt": prompt, "completion": completion}) + b"\n")


def _best(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "completion.jsonl"
        generate(path, args.examples)
        config = LintConfig()
        parse = _best(lambda: sum(1 for _ in iter_objects(str(path))), args.repeat)
        profile = _best(lambda: CompletionProfile.scan(str(path), config), args.repeat)
        size = path.stat().st_size / 1e6
    print(f"{args.examples:,} examples, {size:,.0f} MB (best of {args.repeat})")
    print(f"bare parse          {parse:6.2f} s")
    print(f"completion profile  {profile:6.2f} s   {profile / parse:.2f}x the bare parse")


if __name__ == "__main__":
    main()
