"""Each bundled sample lints exactly as sample_data/README.md says."""

from __future__ import annotations

import importlib.util
from collections import Counter
from pathlib import Path

import pytest

from linter import LintConfig, lint_path

SAMPLES = Path(__file__).resolve().parent.parent / "sample_data"


def _generator():
    spec = importlib.util.spec_from_file_location("sample_generate", SAMPLES / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GEN = _generator()


def _expected(rows, file_level) -> Counter:
    expected = Counter()
    for line, (_, codes, _) in enumerate(rows, start=1):
        for code in codes:
            expected[(code, line)] += 1
    for code, _ in file_level:
        expected[(code, None)] += 1
    return expected


@pytest.mark.parametrize(("name", "model"), [
    ("support_chat.jsonl", "gpt-4o-mini-2024-07-18"), ("tool_calls.jsonl", "gpt-4o-mini-2024-07-18"),
    ("completion_legacy.jsonl", "davinci-002"), ("preference_dpo.jsonl", "gpt-4.1-mini-2025-04-14"),
    ("reinforcement.jsonl", "o4-mini-2025-04-16")])
def test_clean_samples_are_clean(name, model):
    report = lint_path(SAMPLES / name, LintConfig(jobs=1, model=model))
    assert [(d.code, d.line, d.message) for d in report.diagnostics if d.code != "FT201"] == []
    assert not report.has_errors


def test_messy_sample_fires_what_its_table_says():
    report = lint_path(SAMPLES / "messy.jsonl", LintConfig(jobs=1))
    found = Counter((d.code, d.line) for d in report.diagnostics)
    assert found == _expected(GEN.messy_lines(), GEN.FILE_LEVEL_MESSY)


def test_messy_sample_covers_every_chat_rule():
    report = lint_path(SAMPLES / "messy.jsonl", LintConfig(jobs=1), validation=SAMPLES / "messy_validation.jsonl")
    completion = lint_path(SAMPLES / "messy_completion.jsonl", LintConfig(jobs=1))
    preference = lint_path(SAMPLES / "messy_preference.jsonl", LintConfig(jobs=1))
    codes = {d.code for r in (report, completion, preference) for d in r.diagnostics}
    from linter import RULES

    missing = {r.code for r in RULES} - codes - {"FT100", "FT202"}  # binary.jsonl / size: covered elsewhere
    missing -= {r.code for r in RULES if r.providers}  # one provider's rules (FT7xx): tests/test_profiles.py
    assert missing == set()
