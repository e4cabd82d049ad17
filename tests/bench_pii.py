"""Throughput of the PII/secret detectors and near-duplicate signatures on realistic chat text.

    python tests/bench_pii.py            # prints MB/s; not a test
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from linter.neardup import NearDuplicateIndex, signatures  # noqa: E402
from linter.pii import find_sensitive  # noqa: E402
from tests.quality.generate import chat_record, lookalike, planted_sample, PII_KINDS  # noqa: E402


def corpus(records: int = 20_000, seed: int = 99) -> list[str]:
    """Every string of every record, like the engine sees them: mostly prose,
    about 20% with numbers/look-alikes and 2% with real PII."""
    rng = random.Random(seed)
    strings: list[str] = []
    for _ in range(records):
        for message in chat_record(rng)["messages"]:
            content = message["content"]
            roll = rng.random()
            if roll < 0.02:
                content = planted_sample(rng, rng.choice(PII_KINDS)).text
            elif roll < 0.2:
                content += " " + lookalike(rng)
            strings.append(content)
            strings.append(message["role"])
    return strings


def measure(name: str, strings: list[str], func) -> None:
    size = sum(len(s.encode()) for s in strings) / 1e6
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        func(strings)
        best = min(best, time.perf_counter() - started)
    print(f"{name:32s} {size:7.1f} MB  {best:6.2f} s  {size / best:7.1f} MB/s")


def main() -> None:
    strings = corpus()
    measure("find_sensitive (all kinds)", strings, lambda ss: [find_sensitive(s) for s in ss])
    contents = [s for s in strings if len(s) > 20]
    measure("neardup signatures (batched)", contents, lambda ss: [signatures(ss[i : i + 256]) for i in range(0, len(ss), 256)])
    sigs = [sig for i in range(0, len(contents), 256) for sig in signatures(contents[i : i + 256])]

    def add_all(_):
        index = NearDuplicateIndex()
        for key, sig in enumerate(sigs):
            index.add(key, sig)

    started = time.perf_counter()
    add_all(None)
    print(f"{'NearDuplicateIndex.add':32s} {len(sigs)} adds  {(time.perf_counter() - started) / len(sigs) * 1e6:.1f} us/add")
    try:
        from linter._tokens import get_encoding

        encoding = get_encoding("o200k_base")
        measure("reference: o200k tokenize", strings, lambda ss: [encoding.encode_ordinary(s) for s in ss])
    except Exception as error:  # the reference is optional
        print(f"(no tokenizer reference: {error})")


if __name__ == "__main__":
    main()
