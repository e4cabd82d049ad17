"""``ftpreflight cost``: what a fine-tuning job and its fine-tuned model will cost.

A thin front end: the lint engine counts tokens, ``pricing`` does the arithmetic.
Data goes to stdout, warnings and errors to stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pricing
from linter import ConfigError, LintReport, lint_path, plural
from pricing import DatasetTokens, Estimate, EstimateInputError, PricingError, format_money, format_usd

from ..config import Settings, load_settings, resolve_lint_config
from ..exit_codes import ExitStatus
from ..tokens import comparable_models, dataset_tokens, lint_note, no_examples_reason, tokens_by_encoding
from ._common import input_problem

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

METHOD_FOR_FORMAT = {"preference": "dpo", "reinforcement": "reinforcement"}


def today() -> date:
    """The real date; tests replace this to make lifetime arithmetic deterministic."""
    return date.today()


def fail(message: str, status: ExitStatus = ExitStatus.USAGE) -> ExitStatus:
    print(f"ftpreflight: {message}", file=sys.stderr)
    return status


# -- argument types: reject non-numbers at parse time (argparse exits 2) ----------

def whole_number(text: str) -> int:
    try:
        return int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def decimal_number(text: str) -> Decimal:
    try:
        value = Decimal(text.strip().lstrip("$"))
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value.is_finite():
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


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


@dataclass
class Measured:
    """A linted file turned into plain numbers for the pricing library."""

    report: LintReport
    train: DatasetTokens
    validation: DatasetTokens | None
    format: str | None


def measure(path: str, model: pricing.ModelPrice, settings: Settings, validation: str | None) -> Measured:
    """Lint the file with the model's tokenizer and training context; raises ConfigError."""
    config = resolve_lint_config(settings, model)
    report = lint_path(path, config, validation=validation)
    train = dataset_tokens(report.files[0])
    valid = dataset_tokens(report.files[1]) if validation is not None and len(report.files) > 1 else None
    return Measured(report, train, valid, report.files[0].format)


@dataclass
class Prepared:
    settings: Settings
    book: pricing.PriceBook
    model: pricing.ModelPrice
    measured: Measured
    method: str
    traffic: pricing.Traffic | None


def load_book(args: argparse.Namespace) -> tuple[Settings, pricing.PriceBook] | ExitStatus:
    """Settings and the price tables they and ``--prices`` name, or the exit status of the failure."""
    try:
        settings, _ = load_settings(getattr(args, "config", None))
    except ConfigError as exc:
        return fail(str(exc))
    try:
        return settings, pricing.load_price_book([*settings.prices, *args.prices])
    except PricingError as exc:
        return fail(str(exc))


def prepare(args: argparse.Namespace, traffic: pricing.Traffic | None = None) -> Prepared | ExitStatus:
    """Settings, price tables, model row and token counts, or the exit status of the failure."""
    loaded = load_book(args)
    if isinstance(loaded, ExitStatus):
        return loaded
    settings, book = loaded
    name = args.model or settings.model
    try:
        model = book.find_model(name, provider=args.provider)
    except pricing.UnknownModelError as exc:
        return fail(str(exc))
    for path, what in ((args.path, "training file"), (args.validation, "validation file")):
        problem = input_problem(path, what) if path is not None else None
        if problem:
            return fail(problem)
    try:
        measured = measure(args.path, model, settings, args.validation)
    except ConfigError as exc:
        return fail(f"{exc} (the linter needs a tokenizer for {model.id} to count tokens)")
    if measured.train.examples == 0:
        return fail(no_examples_reason(measured.report), ExitStatus.PROBLEMS)
    method = args.method or METHOD_FOR_FORMAT.get(measured.format or "", "supervised")
    return Prepared(settings, book, model, measured, method, traffic)


def run_estimate(args: argparse.Namespace, prepared: Prepared) -> Estimate | ExitStatus:
    """The estimate, or the exit status after explaining why there is none."""
    try:
        return pricing.estimate(
            prepared.model, prepared.measured.train, today=today(), method=prepared.method,
            epochs=args.epochs, validation=prepared.measured.validation, traffic=prepared.traffic, hours=args.hours,
        )
    except EstimateInputError as exc:
        return input_error(exc)
    except pricing.JobNotAcceptedError as exc:
        return fail(f"refusing to plan this job: {exc}", ExitStatus.PROBLEMS)


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


def traffic_from(args: argparse.Namespace) -> pricing.Traffic | None:
    if args.requests_per_month is None:
        if args.avg_input_tokens is not None or args.avg_output_tokens is not None or args.cached_share or args.batch:
            raise EstimateInputError("requests_per_month", "is needed to estimate inference")
        return None
    return pricing.Traffic(
        requests_per_month=args.requests_per_month,
        input_tokens_per_request=args.avg_input_tokens,
        output_tokens_per_request=args.avg_output_tokens,
        cached_share=args.cached_share,
        batch=args.batch,
    )


def run(args: argparse.Namespace) -> ExitStatus:
    try:
        traffic = traffic_from(args)
    except EstimateInputError as exc:
        return fail(f"{FLAG_FOR_FIELD[exc.field]}: {str(exc).split(': ', 1)[1]}")
    if args.compare and not 0 <= args.job_days <= pricing.MAX_JOB_DAYS:
        return fail(f"--job-days: must be a whole number from 0 to {pricing.MAX_JOB_DAYS}, not {args.job_days}")
    prepared = prepare(args, traffic)
    if isinstance(prepared, ExitStatus):
        return prepared
    refused = None
    try:
        est = pricing.estimate(
            prepared.model, prepared.measured.train, today=today(), method=prepared.method,
            epochs=args.epochs, validation=prepared.measured.validation, traffic=prepared.traffic, hours=args.hours,
        )
    except pricing.JobNotAcceptedError as exc:
        if not args.compare:
            return fail(f"refusing to plan this job: {exc}", ExitStatus.PROBLEMS)
        # Moving off a closed model is what a comparison is for: show it anyway, exit 1.
        est, refused = None, f"refusing to plan this job: {exc}"
    except EstimateInputError as exc:
        return input_error(exc)
    warnings = list(est.warnings) if est is not None else [refused]
    data_format = prepared.measured.format
    if est is not None and data_format and data_format not in prepared.model.trainable_formats:
        warnings.insert(0, f"{prepared.model.id} trains on {' or '.join(prepared.model.trainable_formats)} data, "
                           f"but this file is {data_format}: the provider will reject it")
    note = lint_note(prepared.measured.report)
    if note:
        warnings.insert(0, note)
    comparison = None
    if args.compare:
        comparison = compare(args, prepared, traffic)
        if isinstance(comparison, ExitStatus):
            return comparison
    if args.output_format == "json":
        if est is not None:
            data = est.to_dict()
        else:
            data = {"model": prepared.model.id, "provider": prepared.model.provider, "refused": refused}
        data["warnings"] = warnings
        if comparison is not None:
            data["compare"] = [row.to_dict() for row in comparison]
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
    else:
        if est is not None:
            sys.stdout.write(render_text(est, args.path))
        if comparison is not None:
            sys.stdout.write(render_comparison(comparison, today(), args.job_days))
        for warning in warnings:
            print(f"warning: {warning}", file=sys.stderr)
    return ExitStatus.SUCCESS if refused is None else ExitStatus.PROBLEMS


def input_error(exc: EstimateInputError) -> ExitStatus:
    flag = FLAG_FOR_FIELD.get(exc.field, exc.field)
    message = str(exc).split(": ", 1)[1] if ": " in str(exc) else str(exc)
    return fail(f"{flag}: {message}")


def compare(args: argparse.Namespace, prepared: Prepared, traffic: pricing.Traffic | None
            ) -> list[pricing.Comparison] | ExitStatus:
    """Every loaded provider's models that can train on the file, each priced with its own
    tokenizer's counts: the file is counted once more per other bundled encoding among the
    models still taking jobs."""
    models = prepared.book.models()
    data_format = prepared.measured.format
    fit = comparable_models(models, prepared.method, data_format, today())
    config = resolve_lint_config(prepared.settings, prepared.model)
    try:
        return pricing.compare_models(
            models, prepared.measured.train, today=today(),
            method=prepared.method, epochs=args.epochs, traffic=traffic, hours=args.hours,
            data_format=data_format, datasets=tokens_by_encoding(args.path, fit, config, prepared.measured.train),
            job_days=args.job_days,
        )
    except EstimateInputError as exc:
        return input_error(exc)


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
