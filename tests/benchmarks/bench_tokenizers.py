"""Benchmark: the lint's speed with each open-model tokenizer next to the reference
(tiktoken o200k_base), measured side by side in one run on the same file.

    python -m tests.benchmarks.bench_tokenizers [--path tests/benchmarks/data/bench.jsonl] [--examples 200000]
        [--repeat 2] [--encodings o200k_harmony,llama3,llama4,qwen2,tekken,gemini-estimate]

Each lint runs in a fresh process (``lint_path`` with ``LintConfig(encoding=...)``, all
cores), so a tokenizer's load time counts, as it does for a user. The encodings run in
turn within each round, and the ratio to o200k_base is taken within the same round, so
load on the shared machine affects both sides alike. It also prints each tokenizer's
load time and its raw counting speed on the file's message texts (one process, one core).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

REFERENCE = "o200k_base"
_LINT = """
import json, sys, time
from linter import LintConfig, lint_path
start = time.perf_counter()
report = lint_path(sys.argv[1], LintConfig(encoding=sys.argv[2], min_examples_error=0))
f = report.files[0]
print(json.dumps({"seconds": time.perf_counter() - start, "total": f.tokens.total, "exact": f.exact}))
"""


def lint_once(path: str, encoding: str) -> tuple[float, dict]:
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", _LINT, path, encoding], capture_output=True, text=True, check=True)
    return time.perf_counter() - start, json.loads(out.stdout)


def tokenizer_speed(path: str, encodings: list[str], limit: int = 20_000) -> None:
    import orjson

    from linter import TokenCounter

    texts: list[str] = []
    with open(path, "rb") as handle:
        for raw in handle:
            record = orjson.loads(raw)
            texts.extend(m["content"] for m in record.get("messages", ()) if isinstance(m.get("content"), str))
            if len(texts) >= limit:
                break
    chars = sum(map(len, texts))
    base = None
    for encoding in [REFERENCE, *encodings]:
        start = time.perf_counter()
        counter = TokenCounter(encoding)
        loaded = time.perf_counter() - start
        start = time.perf_counter()
        counts, _ = counter.count_many(texts)
        per_text = time.perf_counter() - start
        start = time.perf_counter()
        for text in texts:
            counter.count(text)
        one_by_one = time.perf_counter() - start
        base = base or (per_text, one_by_one)
        print(f"  {encoding:16} load {loaded:5.2f} s; {len(texts):,} texts, {chars / 1e6:.1f} M chars, "
              f"{int(counts.sum()):,} tokens: batched {per_text:5.2f} s ({per_text / base[0]:4.2f}x), "
              f"one by one {one_by_one:5.2f} s ({one_by_one / base[1]:4.2f}x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--path", default="tests/benchmarks/data/bench.jsonl")
    parser.add_argument("--examples", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--encodings", default="o200k_harmony,llama3,llama4,qwen2,tekken,gemini-estimate")
    args = parser.parse_args()
    encodings = [e for e in args.encodings.split(",") if e and e != REFERENCE]
    if not os.path.exists(args.path):
        from .generate import generate

        print(f"generating {args.path} ({args.examples:,} examples)...", file=sys.stderr)
        generate(args.path, args.examples)
    print(f"file: {args.path}, {os.path.getsize(args.path) / 1e6:,.1f} MB, cores: {os.cpu_count()}")
    print("tokenizer alone (one core):")
    tokenizer_speed(args.path, encodings)
    ratios: dict[str, list[float]] = {e: [] for e in encodings}
    for i in range(args.repeat):
        ref_time, ref = lint_once(args.path, REFERENCE)
        print(f"run {i + 1}: {REFERENCE:16} {ref_time:6.2f} s ({ref['total']:,} billed tokens)")
        for encoding in encodings:
            took, result = lint_once(args.path, encoding)
            ratios[encoding].append(took / ref_time)
            label = "" if result["exact"] else ", estimate"
            print(f"run {i + 1}: {encoding:16} {took:6.2f} s ({result['total']:,} billed tokens{label}), "
                  f"{took / ref_time:4.2f}x {REFERENCE}")
    for encoding, values in ratios.items():
        print(f"best ratio {encoding:16} {min(values):4.2f}x over {len(values)} runs")


if __name__ == "__main__":
    main()
