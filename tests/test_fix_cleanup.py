"""The app's Clean-up tab shows the fix classes the CLI applies: safe fixes always,
unsafe ones only for the records the user chose."""

from __future__ import annotations

from pathlib import Path

import orjson

from linter import FixOptions, LintConfig, fix_file, lint_for_fix
from tui.widgets.cleanup import choice_for, describe_plan, fix_inputs

from test_app import linted, make_app

SAMPLES = Path(__file__).resolve().parent.parent / "sample_data"
SEP = "\n\n###\n\n"


def _completion_file(path: Path) -> Path:
    """Thirty tickets, most with separator and stop; two of each problem; CRLF and a duplicate."""
    lines = []
    for i in range(30):
        prompt = f"Ticket {i}: parcel late, ref {i * 7}" + ("" if i in (4, 9) else SEP)
        label = ("shipping", "refund", "sizing", "defect", "payment")[i % 5]
        completion = (" " if i not in (6, 7) else "") + label + (" END" if i not in (11, 12) else "")
        lines.append(orjson.dumps({"prompt": prompt, "completion": completion}))
    lines.insert(15, lines[2])
    path.write_bytes(b"\r\n".join(lines) + b"\r\n")
    return path


def test_plan_lists_safe_fixes_as_always_and_unsafe_ones_as_not_chosen(tmp_path):
    src = _completion_file(tmp_path / "t.jsonl")
    report = lint_for_fix(src, LintConfig(jobs=1))
    plan = describe_plan(report, str(src), set(), set())
    safe, unsafe = plan.split("Unsafe fixes", 1)
    assert "always applied" in safe and "drop the duplicate" in safe and "CRLF" in safe
    assert "FT401" not in safe and "FT403" not in safe and "FT405" not in safe
    assert "Not chosen" in unsafe
    for code in ("FT401 missing-prompt-separator", "FT403 missing-stop-sequence",
                 "FT405 completion-without-leading-space"):
        assert code in unsafe
    assert choice_for(report.for_line(str(src), 5)) == "rewrite"  # line 5 = record 4, no separator
    assert choice_for(report.for_line(str(src), 16)) == "safe"  # the duplicate


def test_saving_applies_unsafe_fixes_only_to_chosen_records(tmp_path):
    src = _completion_file(tmp_path / "t.jsonl")
    report = lint_for_fix(src, LintConfig(jobs=1))
    filtered, options = fix_inputs(report, str(src), set(), set(), {5})
    assert options.unsafe_fixes == frozenset({"FT401"}) and not options.redact_pii
    out = tmp_path / "o.jsonl"
    summary = fix_file(src, out, LintConfig(jobs=1), options, report=filtered)
    assert summary.changed["separator-added"] == 1 and "stop-added" not in summary.changed
    records = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    assert records[4]["prompt"].endswith(SEP) and not records[9]["prompt"].endswith(SEP)
    assert len(records) == 30 and b"\r" not in out.read_bytes()
    # Nothing chosen: the training text is the input's.
    plain = tmp_path / "plain.jsonl"
    fix_file(src, plain, LintConfig(jobs=1), FixOptions(), report=fix_inputs(report, str(src), set(), set())[0])
    assert [orjson.loads(line) for line in plain.read_bytes().splitlines()] == \
        [orjson.loads(line) for i, line in enumerate(src.read_bytes().splitlines()) if i != 15]


async def test_x_on_an_unsafe_rule_opts_its_records_in(tmp_path):
    src = _completion_file(tmp_path / "t.jsonl")
    app = make_app(src)
    async with app.run_test(size=(100, 30)) as pilot:
        await linted(pilot)
        await pilot.press("2")
        rules = app.screen.query_one("#rule-list")
        codes = [rules.get_option_at_index(i).id for i in range(rules.option_count)]
        await pilot.press(*["down"] * codes.index("FT403"), "x")
        assert app.session.rewrite_lines == {12, 13}
        await pilot.press(*["down"] * (codes.index("FT301") - codes.index("FT403")) if codes.index("FT301") >
                          codes.index("FT403") else ["up"] * (codes.index("FT403") - codes.index("FT301")))
        await pilot.press("x")  # a safe fix: nothing to choose
        assert app.session.rewrite_lines == {12, 13} and not app.session.records.marked
        await pilot.press("3")
        plan = str(app.screen.query_one("#cleanup-plan").content)
        assert "2  records given the missing separator" in plan
