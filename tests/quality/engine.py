"""Detection quality end to end: the seeded corpora written as a JSONL file, linted by
``lint_path``, scored per rule by line.

    python -m tests.quality.engine      # prints the table that goes in the README
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import orjson

from linter import LintConfig, lint_path

from .generate import PII_KINDS, dup_corpus, pii_corpus

CODES = {"email": "FT601", "phone": "FT602", "credit-card": "FT603", "national-id": "FT604",
         "ip-address": "FT605", "iban": "FT606", "secret": "FT607"}
SYSTEM = "You are Northwind Outfitters' support assistant. Answer briefly."


def _record(user: str, answer: str) -> bytes:
    return orjson.dumps({"messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user},
                                      {"role": "assistant", "content": answer}]})


def write_pii_file(path: Path) -> dict[int, set[str]]:
    """One planted sample (or clean look-alike text) per record; returns line -> planted kinds."""
    planted: dict[int, set[str]] = {}
    with open(path, "wb") as handle:
        for line, sample in enumerate(pii_corpus(), start=1):
            handle.write(_record(sample.text, f"Thanks, noted (ticket {line}).") + b"\n")
            planted[line] = {kind for kind, _, _ in sample.expected}
    return planted


def write_dup_file(path: Path) -> tuple[dict[int, str], dict[int, int]]:
    """Originals, exact copies and one-or-two-word edits; returns line -> kind and line -> original's line."""
    corpus = dup_corpus()
    kinds: dict[int, str] = {}
    source: dict[int, int] = {}
    with open(path, "wb") as handle:
        for i, text in enumerate(corpus.texts):
            user, _, answer = text.partition("\n")
            handle.write(_record(user, answer) + b"\n")
            kinds[i + 1] = corpus.kind_of[i]
            source[i + 1] = corpus.group_of[i] + 1
    return kinds, source


def score(folder: Path) -> dict[str, tuple[int, int, int]]:
    """Per rule: (true positives, false positives, false negatives), counted by line."""
    scores: dict[str, tuple[int, int, int]] = {}
    pii_path = folder / "pii.jsonl"
    planted = write_pii_file(pii_path)
    report = lint_path(pii_path, LintConfig(select=list(CODES.values()), jobs=1))
    for kind in PII_KINDS:
        code = CODES[kind]
        flagged = {d.line for d in report.diagnostics if d.code == code}
        expected = {line for line, kinds in planted.items() if kind in kinds}
        scores[code] = (len(flagged & expected), len(flagged - expected), len(expected - flagged))
    dup_path = folder / "dups.jsonl"
    kinds, source = write_dup_file(dup_path)
    report = lint_path(dup_path, LintConfig(select=["FT301", "FT302"], jobs=1))
    for code, wanted in (("FT301", "exact"), ("FT302", "near")):
        found = {d.line: d.related_lines for d in report.diagnostics if d.code == code}
        expected = {line for line, kind in kinds.items() if kind == wanted}
        # A hit must point at an example of the same group (its original or another copy of it).
        good = {line for line in found if line in expected
                and any(source.get(r) == source[line] for r in found[line])}
        scores[code] = (len(good), len(set(found) - good), len(expected - good))
    return scores


def table(scores: dict[str, tuple[int, int, int]]) -> str:
    rows = ["| rule | planted | found | false alarms | precision | recall |", "|---|---:|---:|---:|---:|---:|"]
    for code, (tp, fp, fn) in sorted(scores.items()):
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        rows.append(f"| {code} | {tp + fn} | {tp} | {fp} | {precision:.3f} | {recall:.3f} |")
    return "\n".join(rows)


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        print(table(score(Path(folder))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
