"""``ftpreflight cost``: what a fine-tuning job and its fine-tuned model will cost.

A thin front end over the plan service (``tui.services.plan``): it parses the flags and
renders the plan. Data goes to stdout, warnings and errors to stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from decimal import Decimal

import pricing
from linter import ConfigError, plural
from pricing import Estimate, format_money

from ..config import load_settings, resolve_lint_config
from ..exit_codes import ExitStatus
from ..services import plan as planning
from ..services.plan import Plan, PlanError, PlanRequest
from ._common import fail

# Estimate parameters as the user typed them on the command line.
FLAG_FOR_FIELD = {
    "requests_per_month": "--requests-per-month",
    "input_tokens_per_request": "--avg-input-tokens",
    "output_tokens_per_request": "--avg-output-tokens",
    "cached_share": "--cached-share",
    "hours": "--hours",
    "epochs": "--epochs",
    "method": "--method",
    "job_days": "--job-days",
    "examples": "PATH",
    "tokens": "PATH",
}

def today() -> date:
    """The real date; tests replace this to make lifetime arithmetic deterministic."""
    return date.today()


# -- argument types: reject non-numbers at parse time (argparse exits 2) ----------

def whole_number(text: str) -> int:
    try:
        return planning.parse_count(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def decimal_number(text: str) -> Decimal:
    try:
        return planning.parse_amount(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def epochs_value(text: str) -> int | str:
    return "auto" if text.strip().lower() == "auto" else whole_number(text)


def add_estimate_arguments(p: argparse.ArgumentParser) -> None:
    """Arguments shared by ``cost`` and ``approve``."""
    p.add_argument("path", metavar="PATH", help="training file (JSONL)")
    p.add_argument("--model", help="model id, alias or fine-tuned name (default: the config's model)")
    p.add_argument("--provider", help="price table to use when several list the model (e.g. azure_openai)")
    p.add_argument("--method", choices=("supervised", "dpo", "reinforcement"),
                   help="fine-tuning method (default: from the file's format)")
    p.add_argument("--epochs", type=epochs_value, default="auto", metavar="auto|N",
                   help="epochs to bill (default: auto, OpenAI's rule)")
    p.add_argument("--validation", metavar="PATH", help="validation file; its tokens are shown separately")
    p.add_argument("--hours", type=decimal_number, metavar="H",
                   help="expected training hours (reinforcement fine-tuning is billed by time)")
    p.add_argument("--prices", action="append", default=[], metavar="PATH",
                   help="extra price table (TOML/JSON) overriding the built-in ones; repeatable")


def request_from(args: argparse.Namespace, traffic: pricing.Traffic | None = None) -> PlanRequest:
    return PlanRequest(path=args.path, model=args.model, provider=args.provider, method=args.method,
                       epochs=args.epochs, validation=args.validation, hours=args.hours, traffic=traffic,
                       extra_prices=tuple(args.prices))


def make_plan(args: argparse.Namespace, traffic: pricing.Traffic | None = None, *,
              allow_refused: bool = False) -> Plan | ExitStatus:
    """The plan for the command's flags, or the exit status after explaining why there is none."""
    try:
        settings, _ = load_settings(getattr(args, "config", None))
    except ConfigError as exc:
        return fail(str(exc))
    try:
        return planning.plan(request_from(args, traffic), settings, today=today(), allow_refused=allow_refused)
    except PlanError as exc:
        return plan_error(exc)
    except pricing.JobNotAcceptedError as exc:
        return fail(f"refusing to plan this job: {exc}", ExitStatus.PROBLEMS)


def plan_error(exc: PlanError) -> ExitStatus:
    """A plan error in the command's words: a bad estimate input names its flag."""
    if exc.field in FLAG_FOR_FIELD and exc.usage:
        return fail(f"{FLAG_FOR_FIELD[exc.field]}: {exc}")
    return fail(str(exc), ExitStatus.USAGE if exc.usage else ExitStatus.PROBLEMS)


# -- cost ---------------------------------------------------------------------

def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "cost", help="estimate training and inference cost from sourced price tables",
        description="Estimate what fine-tuning PATH on a model costs, what serving the fine-tuned model "
                    "costs per month, and how long it stays usable. Exit 0: estimated, 1: the provider no "
                    "longer accepts the job, 2: usage error.")
    add_estimate_arguments(p)
    add_traffic_arguments(p)
    p.add_argument("--compare", action="store_true",
                   help="the same estimate for every model of every loaded provider that trains on the file's "
                        "format, cheapest first")
    p.add_argument("--job-days", type=whole_number, default=pricing.DEFAULT_JOB_DAYS, metavar="N",
                   help="--compare: days from submitting a job to its model being ready (default: "
                        f"{pricing.DEFAULT_JOB_DAYS}); a provider that stops taking jobs sooner is marked")
    p.add_argument("--format", dest="output_format", choices=("text", "json"), default="text")
    p.set_defaults(run=run)


def add_traffic_arguments(p: argparse.ArgumentParser) -> None:
    """The inference projection's options (``cost`` and ``approve``)."""
    p.add_argument("--requests-per-month", type=whole_number, metavar="N", help="expected inference traffic")
    p.add_argument("--avg-input-tokens", type=whole_number, metavar="N",
                   help="input tokens per request (default: the dataset's median prompt)")
    p.add_argument("--avg-output-tokens", type=whole_number, metavar="N",
                   help="output tokens per request (default: the dataset's median answer)")
    p.add_argument("--cached-share", type=decimal_number, default=Decimal(0), metavar="F",
                   help="fraction of input tokens served from the prompt cache, 0-1")
    p.add_argument("--batch", action="store_true", help="price inference at Batch API rates where published")


def traffic_from(args: argparse.Namespace) -> pricing.Traffic | None | ExitStatus:
    """The inference projection's traffic from the flags (None: no projection), or the exit
    status after naming the flag that is missing."""
    if args.requests_per_month is None:
        if args.avg_input_tokens is not None or args.avg_output_tokens is not None or args.cached_share or args.batch:
            return fail(f"{FLAG_FOR_FIELD['requests_per_month']}: is needed to estimate inference")
        return None
    return pricing.Traffic(
        requests_per_month=args.requests_per_month,
        input_tokens_per_request=args.avg_input_tokens,
        output_tokens_per_request=args.avg_output_tokens,
        cached_share=args.cached_share,
        batch=args.batch,
    )


def run(args: argparse.Namespace) -> ExitStatus:
    traffic = traffic_from(args)
    if isinstance(traffic, ExitStatus):
        return traffic
    if args.compare and not 0 <= args.job_days <= pricing.MAX_JOB_DAYS:
        return fail(f"--job-days: must be a whole number from 0 to {pricing.MAX_JOB_DAYS}, not {args.job_days}")
    # Moving off a closed model is what a comparison is for: show it anyway, exit 1.
    planned = make_plan(args, traffic, allow_refused=args.compare)
    if isinstance(planned, ExitStatus):
        return planned
    est = planned.estimate
    comparison = None
    if args.compare:
        try:
            comparison = planning.compare(
                planned.book, planned.measured, method=planned.method, today=today(), epochs=args.epochs,
                traffic=traffic, hours=args.hours, job_days=args.job_days,
                config=resolve_lint_config(planned.settings, planned.model))
        except PlanError as exc:
            return plan_error(exc)
    if args.output_format == "json":
        if est is not None:
            data = est.to_dict()
        else:
            data = {"model": planned.model.id, "provider": planned.model.provider,
                    "refused": f"refusing to plan this job: {planned.refused}"}
        data["warnings"] = planned.warnings
        if comparison is not None:
            data["compare"] = [row.to_dict() for row in comparison]
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
    else:
        if est is not None:
            sys.stdout.write(render_text(est, args.path))
        if comparison is not None:
            sys.stdout.write(render_comparison(comparison, today(), args.job_days))
        for warning in planned.warnings:
            print(f"warning: {warning}", file=sys.stderr)
    return ExitStatus.SUCCESS if planned.refused is None else ExitStatus.PROBLEMS


def money(value: Decimal | None) -> str:
    """A dollar amount for people: ``$1,234.56``, ``< $0.01``, or ``n/a`` when unknown."""
    return format_money(value)


def render_text(est: Estimate, path: str) -> str:
    m = est.model
    lines = [
        f"Estimate for {path} on {m.provider} {m.id} ({est.method})",
        f"  examples                  {est.examples:,}",
        f"  billed tokens per epoch   {est.billed_tokens_per_epoch:,}"
        + (f" ({est.truncated_examples:,} truncated)" if est.truncated_examples else ""),
        f"  epochs                    {est.epochs}  [{est.epochs_rule}]",
        f"  training tokens           {est.training_tokens:,}",
    ]
    if est.training_hours is not None:
        lines.append(f"  training hours            {est.training_hours:f} (billed by time)")
    lines.append(f"  training cost             {money(est.training_cost_usd)}")
    if est.validation_tokens is not None:
        billed = {True: "billed", False: "not billed", None: "billing not published"}[est.validation_billed]
        lines.append(f"  validation tokens         {est.validation_tokens:,} ({billed})")
        if est.validation_cost_usd is not None:
            lines.append(f"  validation cost           {money(est.validation_cost_usd)}")
        lines.append(f"  job total                 {money(est.job_cost_usd)}")
    inf = est.inference
    if inf.requests_per_month is not None:
        lines += [
            f"Inference: {inf.requests_per_month:,} requests/month, {inf.input_tokens_per_request:,} input + "
            f"{inf.output_tokens_per_request:,} output tokens each" + (" (batch)" if inf.batch else ""),
            f"  monthly cost              {money(inf.monthly_cost_usd)}"
            + (f" (hosting {money(inf.hosting_cost_usd)})" if inf.hosting_cost_usd else ""),
            f"  per 1,000 requests        {money(inf.cost_per_1000_requests_usd)}",
        ]
    elif inf.hosting_cost_usd:
        lines.append(f"Hosting: {money(inf.hosting_cost_usd)} per month (give --requests-per-month for traffic)")
    if est.lifetime.days is not None:
        lines += [
            f"Lifetime: usable until {est.lifetime.usable_until.isoformat()} ({plural(est.lifetime.days, 'day')} from today)",
            f"  training per usable day   {money(est.lifetime.training_cost_per_day_usd)}",
        ]
    lines.append(f"Prices: {m.provider} table of {m.as_of.isoformat()} ({m.status}), {m.row_source}"
                 + ("" if m.origin.startswith("built-in") else f" [from {m.origin}]"))
    lines.append("Assumptions:")
    lines += [f"  - {a}" for a in est.assumptions]
    return "\n".join(lines) + "\n"


def render_comparison(rows: list[pricing.Comparison], today: date, job_days: int) -> str:
    """The comparison as a table: one line per model, then its marks; price dates in the
    table, sources numbered below it."""
    sources: dict[str, int] = {}
    for row in rows:
        sources.setdefault(row.model.row_source, len(sources) + 1)
    width = max([len("provider/model"), *(len(f"{r.model.provider}/{r.model.id}") for r in rows)])
    header = (f"{'provider/model':<{width}} {'tokens/epoch':>12} {'training':>11} {'per month':>11} "
              f"{'jobs until':>10} {'usable days':>11} {'prices of':>10}  source")
    lines = [
        "",
        f"Compared ({plural(len(rows), 'model')} that train on this file, cheapest first; each counted with its "
        f"own tokenizer; a job is assumed ready {plural(job_days, 'day')} after {today.isoformat()}):",
        header,
    ]
    for row in rows:
        e = row.estimate
        name = f"{row.model.provider}/{row.model.id}"
        # "~": counted with another model's tokenizer, or with an estimating one (gemini-estimate).
        approx = not row.counts_exact or (e is not None and any(
            a.startswith("token counts are estimates") for a in e.assumptions))
        tokens = "-" if e is None else f"{e.billed_tokens_per_epoch:,}" + ("~" if approx else "")
        until = row.model.fine_tuning_ends.isoformat() if row.model.fine_tuning_ends else "-"
        usable = "-" if row.usable_days is None else f"{row.usable_days:,}"
        lines.append(
            f"{name:<{width}} {tokens:>12} "
            f"{(money(e.job_cost_usd) if e else '-'):>11} "
            f"{(money(e.inference.monthly_cost_usd) if e else '-'):>11} "
            f"{until:>10} {usable:>11} {row.model.as_of.isoformat():>10}  [{sources[row.model.row_source]}]"
        )
        marks = list(row.marks) if row.status != "closed" else [f"closed: {row.refused}"]
        for mark in marks:
            lines.append(f"{'':<{width}}   ! {mark}")
    lines.append("(~ estimated token count; per month is n/a without --requests-per-month or when the table has "
                 "no serving price; usable days count from the day the job is ready until the model's shutdown, "
                 "- when none is published)")
    lines.append("Sources:")
    lines += [f"  [{number}] {source}" for source, number in sources.items()]
    return "\n".join(lines) + "\n"
