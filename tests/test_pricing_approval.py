"""Approval records: writing, reading, verifying at submission, and the human reports."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, datetime, timezone
from decimal import Decimal
from html import unescape

import pytest

import pricing
from pricing import (
    ApprovalError,
    ApprovalSettings,
    DatasetTokens,
    LintSummary,
    approval_refusals,
    build_approval_record,
    estimate,
    find_model,
    read_approval_record,
    verify_approval,
    write_approval_record,
)

TODAY = date(2026, 11, 23)
WHEN = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def data_file(tmp_path):
    path = tmp_path / "train.jsonl"
    path.write_text('{"messages": []}\n' * 100, encoding="utf-8")
    return path


@pytest.fixture
def est():
    return estimate(find_model("gpt-4o-mini"), DatasetTokens.from_counts([1000] * 100), today=TODAY, epochs=3)


def make_record(data_file, est, budget="5.00", errors=0):
    return build_approval_record(
        data_path=data_file, estimate=est, budget_usd=Decimal(budget),
        lint=LintSummary(errors=errors, warnings=2), approver="Dana", approved_at=WHEN, tool_version="0.1.0",
    )


def test_record_holds_what_the_issue_asks_for(data_file, est):
    record = make_record(data_file, est)
    assert record.file.sha256 == hashlib.sha256(data_file.read_bytes()).hexdigest()
    assert record.file.size_bytes == data_file.stat().st_size
    assert record.file.examples == 100
    assert record.settings.model == "gpt-4o-mini-2024-07-18"
    assert record.settings.method == "supervised"
    assert record.settings.epochs == 3
    assert record.job_cost_usd == Decimal("0.90")
    assert record.prices.as_of == date(2026, 11, 23)
    assert record.lint.warnings == 2
    assert record.approver == "Dana"


def test_write_then_read_round_trips_with_money_as_strings(tmp_path, data_file, est):
    record = make_record(data_file, est)
    path = tmp_path / "out" / "approval.json"
    write_approval_record(record, path)
    data = json.loads(path.read_text())
    assert data["job_cost_usd"] == "0.90"
    assert data["budget_usd"] == "5.00"
    assert data["estimate"]["training_cost_usd"] == "0.90"
    assert data["file"]["sha256"] == record.file.sha256
    assert read_approval_record(path) == record
    assert [p.name for p in path.parent.iterdir()] == ["approval.json"]  # no temp files left


def test_atomic_write_keeps_the_old_record_when_writing_fails(tmp_path, data_file, est, monkeypatch):
    path = tmp_path / "approval.json"
    write_approval_record(make_record(data_file, est), path)
    before = path.read_text()

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pricing._approval.os, "replace", boom)
    with pytest.raises(ApprovalError, match="No space left"):
        write_approval_record(make_record(data_file, est, budget="9.00"), path)
    assert path.read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["approval.json", "train.jsonl"]  # temp file removed


def test_reading_a_broken_record_names_file_and_field(tmp_path, data_file, est):
    path = tmp_path / "approval.json"
    write_approval_record(make_record(data_file, est), path)
    data = json.loads(path.read_text())
    del data["budget_usd"]
    data["file"]["sha256"] = "xyz"
    path.write_text(json.dumps(data))
    with pytest.raises(ApprovalError) as info:
        read_approval_record(path)
    assert f"{path}: budget_usd: missing field" in str(info.value)
    assert "file.sha256" in str(info.value)
    with pytest.raises(ApprovalError, match="not found"):
        read_approval_record(tmp_path / "missing.json")


def test_verify_passes_for_the_same_file_and_settings(data_file, est):
    record = make_record(data_file, est)
    settings = ApprovalSettings.from_estimate(est)
    assert verify_approval(record, data_path=data_file, settings=settings, fresh_job_cost_usd=Decimal("0.90")) == []


def test_verify_catches_a_changed_file_changed_settings_and_a_higher_estimate(data_file, est):
    record = make_record(data_file, est, budget="1.00")
    data_file.write_text(data_file.read_text() + '{"messages": []}\n')
    settings = ApprovalSettings.from_estimate(est).model_copy(update={"epochs": 4})
    problems = verify_approval(record, data_path=data_file, settings=settings, fresh_job_cost_usd=Decimal("1.20"))
    assert any("sha256" in p and "changed since approval" in p for p in problems)
    assert any(p == "setting epochs: approved 3, now 4" for p in problems)
    assert any("$1.20 exceeds the approved budget $1.00" in p for p in problems)


def test_refusals_for_lint_errors_and_budget(est):
    assert approval_refusals(est, Decimal("1.00"), LintSummary(errors=0, warnings=5)) == []
    reasons = approval_refusals(est, Decimal("0.50"), LintSummary(errors=2, warnings=0))
    assert "the lint found 2 errors; fix them before approving" in reasons
    assert "the estimate $0.90 exceeds the budget $0.50" in reasons


def test_reports_are_readable_without_the_tool(data_file, est):
    record = make_record(data_file, est).model_copy(update={"approver": "<Dana & Co>"})
    lengths = [10, 20, 30, 400, 1000]
    html = pricing.render_approval_html(record, lengths)
    assert html.count("<svg") == 2  # budget bar and histogram
    assert "&lt;Dana &amp; Co&gt;" in html and "<Dana" not in html
    assert "<script" not in html and "http-equiv" not in html
    # The verdict comes first, in dollars and cents, before any detail.
    assert html.index("Within budget: $0.90 of $5.00") < html.index("<h2>Cost</h2>")
    assert "23 November 2026, 12:00 UTC" in html and "+00:00" not in html
    markdown = pricing.render_approval_markdown(record, lengths)
    assert record.file.sha256 in markdown
    assert "**Within budget: $0.90 of $5.00 (18% of the budget). Approve.**" in markdown
    assert "| Job total | $0.90 |" in markdown
    # The lint's severities in the words every other output uses.
    assert "Lint errors / warnings / infos" in markdown and "Lint errors / warnings / infos" in html


def test_histogram_buckets_cover_every_example():
    buckets = pricing.token_histogram([1, 2, 3, 50, 100], bins=4)
    assert sum(count for _, _, count in buckets) == 5
    assert buckets[0][0] == 1 and buckets[-1][1] == 100


def test_one_outlier_does_not_squash_the_histogram():
    # 35 ordinary examples of 100-202 tokens and one of 84,000: with equal-width bins over
    # 100..84,000 all 35 fell into the first bin.
    lengths = [100 + 3 * i for i in range(35)] + [84_000]
    buckets = pricing.token_histogram(lengths, bins=12)
    assert sum(count for _, _, count in buckets) == 36
    assert buckets[-1] == (buckets[-1][0], 84_000, 1)  # the outlier, on its own
    assert max(count for _, _, count in buckets[:-1]) <= 5  # the rest spread over the other bins
    assert pricing.outlier_threshold(lengths) == 202



def test_report_lists_read_money_in_cents_dates_in_words_and_one_example_singular(data_file):
    # 99 ordinary examples and one longer than gpt-4o-mini's 65,536-token training context.
    long_one = estimate(find_model("gpt-4o-mini"), DatasetTokens.from_counts([1000] * 99 + [70_000]),
                        today=TODAY, epochs=3)
    record = make_record(data_file, long_one)
    markdown = pricing.render_approval_markdown(record)
    html = unescape(pricing.render_approval_html(record))
    for text in (markdown, html):
        assert "1 example is longer than the model's training context" in text
        warnings = text[text.index("Warnings"):]
        assert "shuts down on 14 January 2027" in warnings and "2027-01-14" not in warnings
        assert "(usable days: 52; $0.03 of training per usable day)" in warnings
        assert "since 7 May 2026" in warnings  # the price table's notice too
        assert "gpt-4o-mini-2024-07-18" in warnings  # a model's name is not a date
        assert not re.search(r" \d{4}-\d{2}-\d{2}\b", warnings)
    # The record itself keeps the exact amount for machines:
    # (99 x 1,000 + 65,536) tokens x 3 epochs x $3 per 1M = $1.480824, over 52 days.
    assert record.estimate["lifetime"]["training_cost_per_day_usd"] == "0.028477"
