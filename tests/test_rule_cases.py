"""Runs every data-driven rule case in tests/rules/cases (format: tests/rules/README.md)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import orjson
import pytest

from linter import Applicability, FixOptions, LintConfig, all_codes, get_rule, lint_path

CASES_DIR = Path(__file__).parent / "rules" / "cases"


def _load_cases():
    params = []
    for path in sorted(CASES_DIR.glob("FT*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for case in data["case"]:
            params.append(pytest.param(data["rule"], case, id=f"{data['rule']}-{case['name']}"))
    return params


CASES = _load_cases()


def _materialise(tmp_path: Path, case: dict, key: str, name: str) -> Path:
    path = tmp_path / name
    state = case.get("file_state") if key == "input" else None
    if state == "missing":
        return path
    if state == "directory":
        path.mkdir()
        return path
    if key == "input" and "input_hex" in case:
        path.write_bytes(bytes.fromhex(case["input_hex"]))
    else:
        path.write_text(case[key], encoding="utf-8")
    return path


def test_every_rule_has_cases():
    covered = {case.values[0] for case in CASES}
    missing = sorted(code for code in all_codes() if code not in covered)
    assert not missing, f"rules without a case file: {missing}"


@pytest.mark.parametrize(("code", "case"), CASES)
def test_rule_case(tmp_path, code, case):
    if get_rule(code) is None:
        pytest.skip(f"{code} is not implemented yet")
    train = _materialise(tmp_path, case, "input", "train.jsonl")
    validation = _materialise(tmp_path, case, "validation", "valid.jsonl") if "validation" in case else None
    settings = {"select": [code], "jobs": 1, **case.get("config", {})}
    if "format_kind" in case:
        settings["format_kind"] = case["format_kind"]
    if "model" in case:
        settings["model"] = case["model"]
    report = lint_path(train, LintConfig(**settings), validation=validation)
    target = str(validation if validation is not None else train)
    found = [d for d in report.diagnostics if d.code == code]
    other_files = [d for d in found if d.path != target]
    if validation is not None:
        assert not other_files, f"unexpected {code} in the training file: {other_files}"
    found = sorted((d for d in found if d.path == target), key=lambda d: (d.line or 0, d.pointer))
    if case["outcome"] == "pass":
        assert found == [], "\n".join(f"line {d.line}: {d.message}" for d in found)
        return
    assert [d.line or 0 for d in found] == case["lines"], "\n".join(
        f"line {d.line}: {d.pointer} {d.message}" for d in found)
    if "pointers" in case:
        assert [d.pointer for d in found] == case["pointers"]
    if "severities" in case:
        assert [d.severity.label for d in found] == case["severities"]
    if "related_lines" in case:
        for d in found:
            assert list(d.related_lines) == case["related_lines"], d.message
    if "messages" in case:
        # Each expected text must appear in the message of the diagnostic in the same position.
        assert len(case["messages"]) == len(found)
        for want, d in zip(case["messages"], found):
            assert want in d.message, f"{want!r} not in {d.message!r}"


FIX_CASES = [c for c in CASES if "fixed" in c.values[1]]


@pytest.mark.parametrize(("code", "case"), FIX_CASES)
def test_rule_case_fix(tmp_path, code, case):
    fixer = pytest.importorskip("linter").__dict__.get("fix_file")
    if fixer is None:
        pytest.skip("fix engine not available yet")
    train = _materialise(tmp_path, case, "input", "train.jsonl")
    out = tmp_path / "fixed.jsonl"
    settings = {"jobs": 1, **case.get("config", {})}
    if "format_kind" in case:
        settings["format_kind"] = case["format_kind"]
    rule = get_rule(code)
    unsafe = rule is not None and rule.fix_applicability is Applicability.UNSAFE
    if unsafe:
        # An unsafe fix changes the training text: never applied without the opt-in.
        fixer(train, out, LintConfig(**settings))
        lint = LintConfig(**{**settings, "select": [code]})
        assert len(lint_path(out, lint).diagnostics) == len(lint_path(train, lint).diagnostics), \
            "an unsafe fix was applied without the opt-in"
    options = FixOptions(unsafe_fixes=frozenset({code})) if unsafe else FixOptions()
    fixer(train, out, LintConfig(**settings), options)
    got = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    want = [orjson.loads(line) for line in case["fixed"].splitlines()]
    assert got == want
    # Fixing is idempotent: a second fix of the fixed file changes nothing.
    again = tmp_path / "again.jsonl"
    fixer(out, again, LintConfig(**settings), options)
    assert again.read_bytes() == out.read_bytes()
