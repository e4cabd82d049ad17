"""Plan a fine-tuning job: the price tables, the model's row, the lint that counts the
tokens with that model's tokenizer, the method for the file's format, the estimate and
the cross-provider comparison.

Textual-free and print-free: ``ftpreflight cost`` / ``approve`` / ``submit`` and the app's
Cost and Approve tabs all call these functions and only render what they return.

    PlanError       the plan cannot be made; ``usage`` tells a usage problem (a flag, a
                    model name, a price file: exit 2) from a refusal about the data or the
                    job (no examples, a closed model: exit 1)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Callable

import pricing
from linter import ConfigError, LintReport, lint_path
from pricing import METHOD_FOR_FORMAT, DatasetTokens, Estimate, EstimateInputError

from ..config import Settings, resolve_lint_config
from . import input_problem
from ..tokens import comparable_models, dataset_tokens, lint_note, no_examples_reason, tokens_by_encoding

__all__ = [
    "Measured",
    "Plan",
    "PlanError",
    "PlanRequest",
    "choose_method",
    "compare",
    "estimate",
    "find_model",
    "input_problem",
    "load_book",
    "measure",
    "measured_from",
    "parse_amount",
    "parse_count",
    "plan",
    "plan_warnings",
]

LintFunction = Callable[..., LintReport]


class PlanError(Exception):
    """The plan cannot be made. The message is one sentence naming the file, model or
    setting; ``field`` is the estimate parameter at fault (for a front end to name its
    own flag or input box), when there is one."""

    def __init__(self, message: str, *, usage: bool = True, field: str | None = None):
        super().__init__(message)
        self.usage = usage
        self.field = field


# -- numbers as people type them ------------------------------------------------------

def parse_count(text: str) -> int:
    """A whole number as typed: ``10,000`` and ``10_000`` are 10000. Raises ValueError
    with a sentence quoting the text."""
    cleaned = text.strip().replace("_", "").replace(",", "")
    try:
        return int(cleaned)
    except ValueError:
        raise ValueError(f"{text.strip()!r} is not a whole number") from None


def parse_amount(text: str) -> Decimal:
    """A finite decimal amount as typed (``$25``, ``0.5``, ``1,000``). Raises ValueError."""
    cleaned = text.strip().lstrip("$").replace(",", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"{text.strip()!r} is not a number") from None
    if not value.is_finite():
        raise ValueError(f"{text.strip()!r} is not a finite number")
    return value


# -- the parts ---------------------------------------------------------------------------

def load_book(settings: Settings, extra_prices: tuple[str, ...] | list[str] = ()) -> pricing.PriceBook:
    """The built-in price tables, the config's ``prices`` files and ``extra_prices``."""
    try:
        return pricing.load_price_book([*settings.prices, *extra_prices])
    except pricing.PricingError as exc:
        raise PlanError(str(exc)) from None


def find_model(book: pricing.PriceBook, name: str | None, provider: str | None = None) -> pricing.ModelPrice:
    """The price row of model ``name`` (an id, alias or fine-tuned name)."""
    try:
        return book.find_model(name or "", provider=provider)
    except pricing.UnknownModelError as exc:
        raise PlanError(str(exc)) from None


@dataclass
class Measured:
    """A linted file turned into plain numbers for the pricing library."""

    report: LintReport
    train: DatasetTokens
    validation: DatasetTokens | None
    format: str | None


def measured_from(report: LintReport) -> Measured:
    """The token counts of a lint that has already run (the app's own lint)."""
    train = dataset_tokens(report.files[0])
    validation = dataset_tokens(report.files[1]) if len(report.files) > 1 else None
    return Measured(report, train, validation, report.files[0].format)


def measure(path: str | Path, model: pricing.ModelPrice, settings: Settings, validation: str | Path | None = None,
            *, lint: LintFunction = lint_path, observer: Any = None) -> Measured:
    """Lint the file (and the validation file) with the model's tokenizer and training
    context, and count its examples' tokens."""
    try:
        config = resolve_lint_config(settings, model)
    except ConfigError as exc:
        raise PlanError(f"{exc} (the linter needs a tokenizer for {model.id} to count tokens)") from None
    report = lint(path, config, observer, validation=validation)
    return measured_from(report)


def choose_method(requested: str | None, data_format: str | None, model: pricing.ModelPrice) -> str:
    """The fine-tuning method: the one asked for, else the one that trains on the file's
    format. A model that does not offer it is an error, never a silent switch to another
    method (a DPO file priced as supervised would be a wrong number)."""
    method = requested or METHOD_FOR_FORMAT.get(data_format or "", "supervised")
    if method not in model.methods:
        why = "" if requested else f" (the method for {data_format} data)"
        raise PlanError(f"{model.id} supports {', '.join(model.methods)} fine-tuning, not {method}{why}",
                        field="method")
    return method


def estimate(model: pricing.ModelPrice, measured: Measured, *, method: str, today: date,
             epochs: int | str = "auto", traffic: pricing.Traffic | None = None,
             hours: Decimal | None = None) -> Estimate:
    """``pricing.estimate`` on the measured file. Raises PlanError for an input out of range
    (``field`` names it) and ``pricing.JobNotAcceptedError`` for a model closed to jobs."""
    if measured.train.examples == 0:
        raise PlanError(no_examples_reason(measured.report), usage=False, field="examples")
    try:
        return pricing.estimate(model, measured.train, today=today, method=method, epochs=epochs,
                                validation=measured.validation, traffic=traffic, hours=hours)
    except EstimateInputError as exc:
        message = str(exc).split(": ", 1)[1] if ": " in str(exc) else str(exc)
        raise PlanError(message, field=exc.field) from None


def plan_warnings(model: pricing.ModelPrice, measured: Measured, est: Estimate | None) -> list[str]:
    """What a person should read next to the estimate: the lint's effect on the counts,
    a format the model does not train on, and the estimate's own warnings."""
    warnings = list(est.warnings) if est is not None else []
    data_format = measured.format
    if est is not None and data_format and data_format not in model.trainable_formats:
        warnings.insert(0, f"{model.id} trains on {' or '.join(model.trainable_formats)} data, "
                           f"but this file is {data_format}: the provider will reject it")
    note = lint_note(measured.report)
    if note:
        warnings.insert(0, note)
    return warnings


# -- the whole plan -----------------------------------------------------------------------

@dataclass(frozen=True)
class PlanRequest:
    """What a person asked to plan. ``None`` means "from the config file" (model) or "from
    the file's format" (method)."""

    path: str
    model: str | None = None
    provider: str | None = None
    """The price table to use when several list the model (``azure_openai``)."""
    method: str | None = None
    epochs: int | str = "auto"
    validation: str | None = None
    hours: Decimal | None = None
    traffic: pricing.Traffic | None = None
    extra_prices: tuple[str, ...] = ()


@dataclass
class Plan:
    """A planned job: the estimate, or ``refused`` (the provider no longer takes the job)."""

    request: PlanRequest
    settings: Settings
    book: pricing.PriceBook
    model: pricing.ModelPrice
    measured: Measured
    method: str
    estimate: Estimate | None
    refused: str | None = None
    warnings: list[str] = field(default_factory=list)


def plan(request: PlanRequest, settings: Settings, *, today: date, allow_refused: bool = False,
         lint: LintFunction = lint_path, observer: Any = None) -> Plan:
    """Price tables -> model row -> lint with its tokenizer -> method -> estimate.

    Raises PlanError; a model closed to new jobs raises ``pricing.JobNotAcceptedError``
    unless ``allow_refused`` (a comparison is how to find where to go instead)."""
    book = load_book(settings, request.extra_prices)
    model = find_model(book, request.model or settings.model, request.provider)
    for path, what in ((request.path, "training file"), (request.validation, "validation file")):
        problem = input_problem(path, what) if path is not None else None
        if problem:
            raise PlanError(problem)
    measured = measure(request.path, model, settings, request.validation, lint=lint, observer=observer)
    if measured.train.examples == 0:
        raise PlanError(no_examples_reason(measured.report), usage=False, field="examples")
    method = choose_method(request.method, measured.format, model)
    try:
        est = estimate(model, measured, method=method, today=today, epochs=request.epochs,
                       traffic=request.traffic, hours=request.hours)
    except pricing.JobNotAcceptedError as exc:
        if not allow_refused:
            raise
        return Plan(request, settings, book, model, measured, method, None, refused=str(exc),
                    warnings=[f"refusing to plan this job: {exc}"])
    return Plan(request, settings, book, model, measured, method, est, warnings=plan_warnings(model, measured, est))


def compare(book: pricing.PriceBook, measured: Measured, *, method: str, today: date,
            epochs: int | str = "auto", traffic: pricing.Traffic | None = None, hours: Decimal | None = None,
            job_days: int = pricing.DEFAULT_JOB_DAYS, counts: dict[str, DatasetTokens] | None = None,
            config: Any = None) -> list[pricing.Comparison]:
    """Every loaded provider's models that can train on the file, cheapest first, each
    priced with its own tokenizer's counts (``counts`` by encoding, when the caller has
    them already; otherwise the file is counted once more per other encoding, with
    ``config``, the lint configuration the file was measured with)."""
    models = book.models()
    data_format = measured.format
    if counts is None:
        fit = comparable_models(models, method, data_format, today)
        counts = tokens_by_encoding(measured.report.files[0].path, fit, config, measured.train)
    try:
        return pricing.compare_models(models, measured.train, today=today, method=method, epochs=epochs,
                                      traffic=traffic, hours=hours, data_format=data_format, datasets=counts,
                                      job_days=job_days)
    except EstimateInputError as exc:
        message = str(exc).split(": ", 1)[1] if ": " in str(exc) else str(exc)
        raise PlanError(message, field=exc.field) from None
