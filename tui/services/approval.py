"""Approve a planned job: the refusals (lint errors, over budget, a budget or approver
that is missing or implausible), then the approval record and its readable reports.

Textual-free and print-free: ``ftpreflight approve`` and the app's Approve tab both call
these functions. The budget check here is the one both apply."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pricing
from linter import LintReport
from pricing import format_usd

from .. import __version__
from ..tokens import dataset_tokens

__all__ = ["MAX_BUDGET_USD", "Approval", "ApprovalFailed", "approval_refusals", "budget_problem",
           "lint_summary", "write_approval"]

MAX_BUDGET_USD = Decimal(1_000_000_000)
"""A budget above this is a typo, not a fine-tuning budget."""


class ApprovalFailed(Exception):
    """The record or a report could not be written; the message names the file."""


def budget_problem(budget: Decimal | None) -> str | None:
    """Why ``budget`` cannot be approved against (a phrase after the budget's name), or None."""
    if budget is None:
        return "enter a budget in USD"
    if not budget.is_finite() or budget < 0:
        return f"cannot be negative ({budget})"
    if budget > MAX_BUDGET_USD:
        return f"${format_usd(budget)} is not a plausible fine-tuning budget"
    return None


def lint_summary(report: LintReport) -> pricing.LintSummary:
    return pricing.LintSummary(errors=report.errors, warnings=report.warnings, infos=report.infos)


def approval_refusals(est: pricing.Estimate, budget: Decimal | None, approver: str, report: LintReport) -> list[str]:
    """Every reason the approval must be refused, empty when it may be granted."""
    problem = budget_problem(budget)
    # The lint's errors are a reason whatever the budget: said before one is typed.
    reasons = list(pricing.approval_refusals(est, None if problem else budget, lint_summary(report)))
    if problem:
        reasons.insert(0, problem if budget is None else f"budget: {problem}")
    if not approver.strip():
        # Never the login name: "root" or "ci" is not someone a budget holder can ask.
        reasons.append("give the name of the person who approves the budget")
    return reasons


@dataclass(frozen=True)
class Approval:
    record: pricing.ApprovalRecord
    paths: tuple[Path, ...]
    """The record (JSON) first, then the Markdown and HTML reports."""


def write_approval(*, data_path: str | Path, est: pricing.Estimate, budget: Decimal, approver: str,
                   report: LintReport, approved_at: datetime, out_dir: str | Path,
                   validation_path: str | Path | None = None) -> Approval:
    """Write ``<file>.approval.json`` and its reports into ``out_dir``, atomically.

    The caller has checked ``approval_refusals``. The token histogram is of the examples
    the estimate priced (the parseable records), the same in the CLI and the app."""
    record = pricing.build_approval_record(
        data_path=data_path, estimate=est, budget_usd=budget, lint=lint_summary(report),
        approver=approver.strip(), approved_at=approved_at, tool_version=__version__,
        validation_path=validation_path)
    stem = Path(data_path).name.removesuffix(".jsonl")
    example_tokens = list(dataset_tokens(report.files[0]).tokens)
    try:
        paths = pricing.write_approval_files(record, Path(out_dir), stem, example_tokens)
    except pricing.ApprovalError as exc:
        raise ApprovalFailed(str(exc)) from None
    except OSError as exc:
        raise ApprovalFailed(f"{out_dir}: cannot write the reports: {exc.strerror or exc}") from None
    return Approval(record, tuple(paths))
