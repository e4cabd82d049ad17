"""Where a worker's time goes: one ~8 MB chunk of the benchmark file linted in this
process with rule groups switched off one by one, next to the reference's work on the
same bytes (parse + tokenize every message), best of a few runs each.

    python -m tests.benchmarks.bench_parts [--path tests/benchmarks/data/bench.jsonl] [--repeat 4]
"""

from __future__ import annotations

import argparse
import os
import time

from linter import LintConfig
from linter import _engine as engine
from linter._dataset import setup_extra
from linter.rules import RULES

from .bench_lint import _init, _reference_chunk

_STEPS = (
    ("core rules, no duplicate keys", ["FT6", "FT302", "FT204", "FT303", "FT301", "FT203"]),
    ("core rules (issue 2)", ["FT6", "FT302", "FT204", "FT303"]),
    ("+ PII and secrets", ["FT302", "FT204", "FT303"]),
    ("+ near-duplicates and conflicts, no PII", ["FT6"]),
    ("all rules", []),
)


def _best(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--path", default="tests/benchmarks/data/bench.jsonl")
    parser.add_argument("--repeat", type=int, default=4)
    args = parser.parse_args()
    if not os.path.exists(args.path):
        raise SystemExit(f"{args.path} is missing: run python -m tests.benchmarks.generate {args.path}")
    start, end, _ = next(engine._plan_chunks(args.path, os.path.getsize(args.path), 8_000_000))
    _init()
    engine._counter("o200k_base")
    reference = _best(lambda: _reference_chunk((args.path, start, end)), args.repeat)
    print(f"chunk of {(end - start) / 1e6:.1f} MB; reference (parse + tokenize): {reference:.3f} s")
    for label, ignore in _STEPS:
        config = LintConfig(ignore=ignore)
        enabled = frozenset(r.code for r in RULES if config.is_enabled(r.code))
        setup = engine._FileSetup(args.path, "o200k_base", "chat", enabled, 65536, 10, None, None,
                                  extra=setup_extra(config, "train"))
        seconds = _best(lambda: engine._lint_chunk(setup, start, end, 1, False), args.repeat)
        print(f"{label:42s} {seconds:.3f} s  {seconds / reference:.2f}x")


if __name__ == "__main__":
    main()
