"""The service layer on its own (no Textual, no printing): what ``ftpreflight cost`` /
``approve`` / ``submit`` and the app's tabs all call."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest

import pricing
from tui.config import Settings
from tui.services import approval as approving
from tui.services import plan as planning
from tui.services.plan import PlanError, PlanRequest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_data"
TODAY = date(2026, 11, 23)


def test_services_load_no_textual_and_print_nothing():
    code = ("import sys, tui.services.plan, tui.services.approval, tui.services.submit; "
            "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] == 'textual')))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == ""
    for name in ("plan.py", "approval.py", "submit.py", "ledger.py"):
        source = (ROOT / "tui" / "services" / name).read_text()
        assert not re.search(r"(?<![\w.])print\(|sys\.std(out|err)", source), name


def test_a_plan_prices_the_file_with_its_models_tokenizer():
    planned = planning.plan(PlanRequest(str(SAMPLES / "support_chat.jsonl"), model="gpt-4o-mini"), Settings(),
                            today=TODAY)
    assert planned.model.id == "gpt-4o-mini-2024-07-18" and planned.method == "supervised"
    assert planned.estimate.examples == planned.measured.train.examples > 0
    assert planned.measured.report.files[0].encoding == "o200k_base"
    assert any("shuts down" in w for w in planned.warnings)  # OpenAI's wind-down, from the table


def test_a_preference_file_on_a_model_without_dpo_is_an_error_not_a_supervised_estimate():
    with pytest.raises(PlanError) as caught:
        planning.plan(PlanRequest(str(SAMPLES / "preference_dpo.jsonl"), model="gpt-4o-mini"), Settings(),
                      today=TODAY)
    assert caught.value.field == "method" and caught.value.usage
    assert "supports supervised fine-tuning, not dpo" in str(caught.value)


def test_a_file_without_examples_is_a_refusal_naming_the_reason(tmp_path):
    text = tmp_path / "notes.jsonl"
    text.write_text('{"note": "not a training record"}\n{"prompt": \n')
    with pytest.raises(PlanError) as caught:
        planning.plan(PlanRequest(str(text)), Settings(), today=TODAY)
    assert not caught.value.usage  # exit 1: the data has problems, not a usage error
    assert "notes.jsonl" in str(caught.value) and "no examples" in str(caught.value)


def test_a_file_that_is_not_jsonl_text_is_a_usage_error_like_a_directory():
    # As for fix and convert: the wrong file given (exit 2), before anything is counted.
    with pytest.raises(PlanError) as caught:
        planning.plan(PlanRequest(str(SAMPLES / "binary.jsonl")), Settings(), today=TODAY)
    assert caught.value.usage
    assert str(caught.value) == f"{SAMPLES / 'binary.jsonl'}: training file looks like a PNG image, not JSON Lines text"


def test_a_closed_model_refuses_unless_the_caller_compares():
    request = PlanRequest(str(SAMPLES / "support_chat.jsonl"), model="gpt-4o-mini")
    with pytest.raises(pricing.JobNotAcceptedError):
        planning.plan(request, Settings(), today=date(2027, 2, 1))
    planned = planning.plan(request, Settings(), today=date(2027, 2, 1), allow_refused=True)
    assert planned.estimate is None and planned.refused


@pytest.mark.parametrize(("text", "value"), [("10,000", 10000), (" 10_000 ", 10000), ("7", 7)])
def test_counts_are_read_as_people_type_them(text, value):
    assert planning.parse_count(text) == value


@pytest.mark.parametrize("text", ["ten", "1.5", "", "1e3"])
def test_a_count_that_is_no_whole_number_is_refused_with_the_text(text):
    with pytest.raises(ValueError, match="is not a whole number"):
        planning.parse_count(text)


@pytest.mark.parametrize(("text", "value"), [("$25", Decimal(25)), ("1,000.50", Decimal("1000.50")),
                                             ("0.5", Decimal("0.5"))])
def test_amounts_are_read_as_people_type_them(text, value):
    assert planning.parse_amount(text) == value


@pytest.mark.parametrize("text", ["plenty", "inf", "NaN"])
def test_an_amount_that_is_no_finite_number_is_refused(text):
    with pytest.raises(ValueError, match=text):
        planning.parse_amount(text)


@pytest.mark.parametrize(("budget", "problem"), [
    (None, "enter a budget in USD"), (Decimal(-1), "cannot be negative"),
    (Decimal("2e9"), "not a plausible fine-tuning budget"), (Decimal(25), None)])
def test_budget_limits(budget, problem):
    found = approving.budget_problem(budget)
    assert (found is None) if problem is None else (problem in found)


def test_approval_refusals_name_every_reason_at_once():
    planned = planning.plan(PlanRequest(str(SAMPLES / "support_chat.jsonl"), model="gpt-4o-mini"), Settings(),
                            today=TODAY)
    reasons = approving.approval_refusals(planned.estimate, Decimal("0.0001"), "  ", planned.measured.report)
    assert len(reasons) == 2
    assert "exceeds the budget" in reasons[0] and "approves the budget" in reasons[1]
    assert approving.approval_refusals(planned.estimate, Decimal(25), "Dana", planned.measured.report) == []


def test_the_lint_s_errors_are_a_reason_before_a_budget_is_typed():
    planned = planning.plan(PlanRequest(str(SAMPLES / "messy.jsonl"), model="gpt-4o-mini"), Settings(),
                            today=TODAY)
    reasons = approving.approval_refusals(planned.estimate, None, "Dana", planned.measured.report)
    assert len(reasons) == 2
    assert "budget" in reasons[0] and "the lint found 25 errors" in reasons[1]


def test_the_approval_histogram_is_of_the_priced_examples(tmp_path):
    """The report's token histogram counts the examples the estimate priced: the same
    numbers in the CLI and the app."""
    planned = planning.plan(PlanRequest(str(SAMPLES / "support_chat.jsonl"), model="gpt-4o-mini"), Settings(),
                            today=TODAY)
    written = approving.write_approval(
        data_path=SAMPLES / "support_chat.jsonl", est=planned.estimate, budget=Decimal(25), approver="Dana",
        report=planned.measured.report, approved_at=datetime(2026, 11, 23, tzinfo=timezone.utc), out_dir=tmp_path)
    assert [p.name for p in written.paths] == ["support_chat.approval.json", "support_chat.approval.md",
                                               "support_chat.approval.html"]
    assert written.record.file.examples == planned.estimate.examples
    assert not list(SAMPLES.glob("*.approval.*"))  # nothing written next to the data


def test_an_unwritable_folder_is_one_sentence_naming_it(tmp_path):
    planned = planning.plan(PlanRequest(str(SAMPLES / "support_chat.jsonl"), model="gpt-4o-mini"), Settings(),
                            today=TODAY)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    with pytest.raises(approving.ApprovalFailed, match="not-a-folder"):
        approving.write_approval(data_path=SAMPLES / "support_chat.jsonl", est=planned.estimate, budget=Decimal(25),
                                 approver="Dana", report=planned.measured.report,
                                 approved_at=datetime(2026, 11, 23, tzinfo=timezone.utc), out_dir=blocker)
