"""``ftpreflight approve``: lint, estimate and write a budget approval record plus reports."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pricing
from pricing import ApprovalError, EstimateInputError, LintSummary, format_money, format_usd

from .. import __version__
from ..exit_codes import ExitStatus
from .cost import (FLAG_FOR_FIELD, add_estimate_arguments, add_traffic_arguments, decimal_number, fail, prepare,
                   run_estimate, traffic_from)

MAX_BUDGET_USD = Decimal(1_000_000_000)


def now() -> datetime:
    """The approval timestamp (UTC); tests replace this."""
    return datetime.now(timezone.utc)


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "approve", help="write a budget approval record for a fine-tuning job",
        description="Lint PATH, estimate the job and, if the lint has no errors and the estimate is within "
                    "--budget, write PATH's approval record (JSON) and reports (Markdown, HTML). "
                    "Exit 0: approved, 1: refused (lint errors or over budget), 2: usage error.")
    add_estimate_arguments(p)
    add_traffic_arguments(p)  # the report then includes the monthly inference projection
    p.add_argument("--budget", type=decimal_number, required=True, metavar="USD",
                   help="the most the fine-tuning job may cost")
    p.add_argument("--approver", metavar="NAME", help="who approves the budget (required: the report names them)")
    p.add_argument("-o", "--output-dir", default=".", metavar="DIR", help="where to write the record and reports")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> ExitStatus:
    budget: Decimal = args.budget
    if budget < 0:
        return fail(f"--budget: cannot be negative ({budget})")
    if budget > MAX_BUDGET_USD:
        return fail(f"--budget: ${format_usd(budget)} is not a plausible fine-tuning budget")
    # Never the login name: "root" or "ci" is not someone a budget holder can ask.
    approver = (args.approver or "").strip()
    if not approver:
        return fail("--approver: give the name of the person who approves the budget")
    try:
        traffic = traffic_from(args)
    except EstimateInputError as exc:
        return fail(f"{FLAG_FOR_FIELD[exc.field]}: {str(exc).split(': ', 1)[1]}")
    prepared = prepare(args, traffic)
    if isinstance(prepared, ExitStatus):
        return prepared
    est = run_estimate(args, prepared)
    if isinstance(est, ExitStatus):
        return est
    report = prepared.measured.report
    lint = LintSummary(errors=report.errors, warnings=report.warnings, infos=report.infos)
    reasons = pricing.approval_refusals(est, budget, lint)
    if reasons:
        for reason in reasons:
            print(f"ftpreflight: not approved: {reason}", file=sys.stderr)
        return ExitStatus.PROBLEMS

    record = pricing.build_approval_record(
        data_path=args.path, estimate=est, budget_usd=budget, lint=lint, approver=approver,
        approved_at=now(), tool_version=__version__, validation_path=args.validation,
    )
    stem = Path(args.path).name.removesuffix(".jsonl")
    out_dir = Path(args.output_dir)
    try:
        paths = pricing.write_approval_files(record, out_dir, stem, list(prepared.measured.train.tokens))
    except ApprovalError as exc:
        return fail(str(exc))
    except OSError as exc:
        return fail(f"{out_dir}: cannot write the reports: {exc.strerror or exc}")
    for path in paths:
        print(path)
    print(f"approved: {format_money(est.job_cost_usd)} within ${format_usd(budget)} by {approver}", file=sys.stderr)
    for warning in est.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return ExitStatus.SUCCESS
