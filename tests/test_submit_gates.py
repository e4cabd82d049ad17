"""``tui.services.submit.preflight``: the gates the app and the CLI share, without a provider."""

from __future__ import annotations

from datetime import date

from fake_openai import write_chat_jsonl

from tui.config import Settings
from tui.services.submit import SubmissionPlan, preflight


def test_clean_file_needs_only_confirmation_and_gets_a_pinned_plan(tmp_path):
    path = tmp_path / "train.jsonl"
    write_chat_jsonl(path, 12)
    result = preflight(SubmissionPlan(path, "gpt-4o-mini"), Settings())
    assert result.ok and not result.usage_error
    assert any("estimated at $" in line for line in result.confirmations)
    assert result.plan.model == "gpt-4o-mini-2024-07-18"
    assert result.plan.n_epochs == result.estimate.epochs == result.plan.estimated_epochs
    assert result.plan.tokens_per_epoch == result.estimate.billed_tokens_per_epoch


def test_lint_errors_block_with_locations(tmp_path):
    path = tmp_path / "train.jsonl"
    write_chat_jsonl(path, 12)
    with path.open("a") as handle:
        handle.write("nope\n")
    result = preflight(SubmissionPlan(path, "gpt-4o-mini"), Settings())
    assert not result.ok and not result.usage_error and result.report.has_errors
    assert result.blockers[0].startswith("the lint found") and "train.jsonl:13" in result.blockers[1]


def test_lifecycle_uses_the_price_tables_dates(tmp_path):
    path = tmp_path / "train.jsonl"
    write_chat_jsonl(path, 12)
    before = preflight(SubmissionPlan(path, "gpt-4o-mini"), Settings(), today=date(2026, 12, 1))
    after = preflight(SubmissionPlan(path, "gpt-4o-mini"), Settings(), today=date(2027, 1, 6))
    assert before.ok
    assert not after.ok and "stopped accepting fine-tuning jobs" in after.blockers[0]


def test_unknown_model_and_missing_file_are_usage_errors(tmp_path):
    path = tmp_path / "train.jsonl"
    write_chat_jsonl(path, 12)
    unknown = preflight(SubmissionPlan(path, "gpt-unknown"), Settings())
    assert unknown.usage_error and "unknown model" in unknown.blockers[0]
    missing = preflight(SubmissionPlan(tmp_path / "none.jsonl", "gpt-4o-mini"), Settings())
    assert missing.usage_error and "not found" in missing.blockers[0]


def test_required_approval_without_a_record(tmp_path):
    path = tmp_path / "train.jsonl"
    write_chat_jsonl(path, 12)
    result = preflight(SubmissionPlan(path, "gpt-4o-mini"), Settings(), require_approval=True)
    assert not result.ok and "requires an approval record" in result.blockers[0]
