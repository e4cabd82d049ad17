"""Rules are values (issue 13): code names rule objects, never ``"FTxxx"`` strings, so a
misspelt rule fails at import; fix policy and PII kinds live on the rule and everything
else derives from the table."""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

import orjson
import pytest

import linter.pii as pii
import linter.rules as rules_module
from linter import RULES, Applicability, FixOptions, LintConfig, fix_class, fix_file, get_rule, lint_for_fix
from linter.rules import PII_RULES, MissingStopSequence
from tui.widgets.cleanup import describe_plan
from tui.widgets.conversation import is_private

ROOT = Path(__file__).resolve().parent.parent
CODE_LITERAL = re.compile(r"FT\d{1,3}x*")
"""A rule code (``FT105``) or a code prefix standing for a group of rules (``FT6``, ``FT60``)."""


def code_literals(source: str) -> list[tuple[int, str]]:
    """(line, text) of every string constant in ``source`` that is a rule code or a code
    prefix, except the code given to the ``@rule(...)`` decorator that defines a rule."""
    tree = ast.parse(source)
    defining: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "rule" and node.args:
            defining.add(id(node.args[0]))
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and CODE_LITERAL.fullmatch(node.value) and id(node) not in defining]


def test_the_finder_sees_codes_in_every_position_but_rule_definitions():
    source = '''
@rule("FT101", "invalid-json", ERROR, "a line is not valid JSON")
class InvalidJson:
    """Fires like FT101 does: prose naming a code is fine."""

def check(d, enabled):
    if "FT114" in enabled:
        emit("FT11", f"see {d}")
    return d.code.startswith("FT6") or d.code in ("FT401", "FT40x")
'''
    assert sorted(code_literals(source)) == [(7, "FT114"), (8, "FT11"), (9, "FT401"), (9, "FT40x"), (9, "FT6")]


def test_no_rule_code_is_written_as_a_string_in_the_linter_or_the_app():
    found = []
    for folder in ("linter", "tui"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for line, text in sorted(code_literals(path.read_text(encoding="utf-8"))):
                found.append(f"{path.relative_to(ROOT)}:{line}: {text!r}")
    assert not found, "refer to the rule object (linter.rules), not its code:\n" + "\n".join(found)


def test_each_kind_of_personal_data_has_exactly_one_rule():
    assert [r.pii_kind for r in PII_RULES] == list(pii.KINDS)
    assert pii.CODE_FOR_KIND == {r.pii_kind: r.code for r in PII_RULES}
    assert all(pii.KIND_FOR_CODE[pii.CODE_FOR_KIND[kind]] == kind for kind in pii.KINDS)
    # Redacting changes what the model learns: every PII fix is an opt-in.
    assert {r.fix_applicability for r in PII_RULES} == {Applicability.UNSAFE}


def test_a_detectors_finding_names_the_rule_of_its_kind():
    text = "Mail jane.doe@acme.com or call +44 20 7946 0958, card 4111 1111 1111 1111."
    findings = pii.find_sensitive(text)
    assert {f.kind for f in findings} == {"email", "phone", "credit-card"}
    for finding in findings:
        assert get_rule(finding.code).pii_kind == finding.kind


def test_the_app_masks_the_findings_of_every_pii_rule_and_no_other():
    def diagnostic(code):
        return type("D", (), {"code": code})()

    assert all(is_private(diagnostic(r.code)) for r in PII_RULES)
    assert not any(is_private(diagnostic(r.code)) for r in RULES if r.pii_kind is None)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_a_fix_applies_by_default_only_when_the_rule_says_safe(rule):
    assert FixOptions().applies(rule.code) is (rule.fix_applicability is Applicability.SAFE)
    opted_in = FixOptions(unsafe_fixes=frozenset({rule.code}))
    assert opted_in.applies(rule.code) is rule.fixable, "an opt-in applies an unsafe fix, never a missing one"


SEP, STOP = "\n\n###\n\n", " END"


def _tickets(path: Path) -> Path:
    """Legacy prompt/completion tickets written by a careless exporter: CRLF, a blank line,
    varying JSON spacing, non-ASCII text; two completions lack the stop sequence."""
    lines = []
    for i in range(24):
        text = ("Colis abîmé à l'arrivée", "Where is order 1042?", "Size 44 boots please")[i % 3]
        completion = " " + ("refund", "shipping", "sizing")[i % 3] + ("" if i in (5, 17) else STOP)
        record = {"prompt": f"Ticket {i}: {text}{SEP}", "completion": completion}
        lines.append(orjson.dumps(record) if i % 2 else
                     orjson.dumps(record).replace(b'","', b'", "'))
    lines.insert(9, b"   ")
    path.write_bytes(b"\r\n".join(lines) + b"\r\n")
    return path


def test_fix_and_the_clean_up_tab_follow_the_rule_table(tmp_path, monkeypatch):
    """The same file, the same code: once FT403's fix is declared safe in the table, the
    clean-up plan lists it as always applied and ``fix`` applies it without an opt-in."""
    src = _tickets(tmp_path / "tickets.jsonl")
    config = LintConfig(jobs=1)
    report = lint_for_fix(src, config)
    missing_stop = [d for d in report.diagnostics if d.code == MissingStopSequence.code]
    assert [d.line for d in missing_stop] == [6, 19]
    label = f"{MissingStopSequence.code} {MissingStopSequence.name}"
    safe, unsafe = describe_plan(report, str(src), set(), set()).split("Unsafe fixes", 1)
    assert label not in safe and label in unsafe
    default = fix_file(src, tmp_path / "default.jsonl", config)
    assert "stop-added" not in default.changed

    declared_safe = dataclasses.replace(MissingStopSequence, fix_applicability=Applicability.SAFE)
    monkeypatch.setitem(rules_module._BY_CODE, MissingStopSequence.code, declared_safe)
    assert fix_class(missing_stop[0]) is Applicability.SAFE
    safe, unsafe = describe_plan(report, str(src), set(), set()).split("Unsafe fixes", 1)
    assert label in safe and label not in unsafe
    summary = fix_file(src, tmp_path / "safe.jsonl", config, report=report)
    assert summary.changed["stop-added"] == 2
    completions = [orjson.loads(line)["completion"] for line in (tmp_path / "safe.jsonl").read_bytes().splitlines()]
    assert len(completions) == 24 and all(c.endswith(STOP) for c in completions)


def _codes(text: str) -> set[str]:
    """Rule codes a README cell names outside parentheses (``FT601-FT607`` is a range)."""
    while re.search(r"\([^()]*\)", text):
        text = re.sub(r"\([^()]*\)", "", text)
    codes = set()
    for first, last in re.findall(r"FT(\d{3})(?:-FT(\d{3}))?", text):
        codes.update(f"FT{n}" for n in range(int(first), int(last or first) + 1))
    return codes


def test_the_readme_fix_classes_are_the_rule_tables():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Fixing", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[1:-1] for line in section.splitlines() if line.startswith("| safe") or
            line.startswith("| unsafe")]
    listed = {"safe": set(), "unsafe": set()}
    for cls, cell, _ in rows:
        listed[cls.split(":")[0].strip()] |= _codes(cell)
    assert listed["safe"] == {r.code for r in RULES if r.fix_applicability is Applicability.SAFE}
    assert listed["unsafe"] == {r.code for r in RULES if r.fix_applicability is Applicability.UNSAFE}
    assert _codes("FT114 (strip, FT103 kept), FT601-FT603 (x)") == {"FT114", "FT601", "FT602", "FT603"}
