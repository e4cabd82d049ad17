"""``ftpreflight approve``: plan the job, and if nothing refuses it, write its budget
approval record and reports. A thin front end over ``tui.services.plan`` and
``tui.services.approval``."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from decimal import Decimal

from pricing import format_money, format_usd

from ..exit_codes import ExitStatus
from ..services import approval as approving
from ._common import fail
from .cost import add_estimate_arguments, add_traffic_arguments, decimal_number, make_plan, traffic_from


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
    problem = approving.budget_problem(budget)
    if problem:
        return fail(f"--budget: {problem}")
    approver = (args.approver or "").strip()
    if not approver:
        return fail("--approver: give the name of the person who approves the budget")
    traffic = traffic_from(args)
    if isinstance(traffic, ExitStatus):
        return traffic
    planned = make_plan(args, traffic)
    if isinstance(planned, ExitStatus):
        return planned
    est, report = planned.estimate, planned.measured.report
    reasons = approving.approval_refusals(est, budget, approver, report)
    if reasons:
        for reason in reasons:
            print(f"ftpreflight: not approved: {reason}", file=sys.stderr)
        return ExitStatus.PROBLEMS
    try:
        written = approving.write_approval(data_path=args.path, est=est, budget=budget, approver=approver,
                                           report=report, approved_at=now(), out_dir=args.output_dir,
                                           validation_path=args.validation)
    except approving.ApprovalFailed as exc:
        return fail(str(exc))
    for path in written.paths:
        print(path)
    print(f"approved: {format_money(est.job_cost_usd)} within ${format_usd(budget)} by {approver}", file=sys.stderr)
    for warning in est.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return ExitStatus.SUCCESS
