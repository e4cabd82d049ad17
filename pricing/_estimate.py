"""Training, validation, inference and lifetime estimates from plain token counts.

Nothing here knows about JSONL or the linter: callers pass per-example token counts
(``DatasetTokens``) and a price row (``ModelPrice``), and get an ``Estimate`` back
whose money is ``Decimal`` throughout. ``today`` is always a parameter so lifetime
arithmetic is reproducible.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from ._errors import EstimateInputError, JobNotAcceptedError
from ._tables import STALE_AFTER_DAYS, ModelPrice

ONE_MILLION = Decimal(1_000_000)
CENT = Decimal("0.01")
RATIO_PLACES = Decimal("0.000001")

HOURS_PER_MONTH = Decimal(730)
"""Hosting hours billed per month: 8,760 hours a year / 12, one deployment up all month."""

# The epoch rule of OpenAI's cookbook "Data preparation and analysis for chat model
# fine-tuning" (chat_finetuning_data_prep): n_epochs = 3; if n * 3 < 100 then
# min(25, 100 // n); elif n * 3 > 25,000 then max(1, 25,000 // n). Integer division,
# exactly as published: 9 examples give 100 // 9 = 11 epochs (99 examples seen).
AUTO_DEFAULT_EPOCHS = 3
AUTO_MIN_EXAMPLES_SEEN = 100
AUTO_MAX_EXAMPLES_SEEN = 25_000
AUTO_MIN_EPOCHS = 1
AUTO_MAX_EPOCHS = 25
AUTO_RULE_SOURCE = "OpenAI cookbook chat_finetuning_data_prep"
MAX_EPOCHS = 50
"""Largest ``n_epochs`` the fine-tuning API accepts."""

# Inputs beyond these are typing mistakes, not plans.
MAX_REQUESTS_PER_MONTH = 10**11
MAX_TOKENS_PER_REQUEST = 2_000_000
MAX_TRAINING_HOURS = Decimal(10_000)

DEADLINE_WARNING_DAYS = 30

Epochs = int | Literal["auto"]


def format_usd(amount: Decimal) -> str:
    """Money as a decimal string with at least cents: 0.9 -> "0.90", 0.0045 -> "0.0045"."""
    amount = Decimal(amount)
    cents = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    if cents == amount:
        return f"{cents:f}"
    return f"{amount.normalize():f}"


def format_money(amount: Decimal | None) -> str:
    """Money for people: dollars and cents with thousands separators (``$1,234.57``),
    rounded half up. An amount above zero that rounds to nothing shows as
    ``< $0.01`` rather than a misleading ``$0.00``; ``None`` (unknown) is ``n/a``.
    Machine output (JSON) keeps the exact decimal from ``format_usd``."""
    if amount is None:
        return "n/a"
    amount = Decimal(amount)
    cents = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    if cents == 0 and amount > 0:
        return "< $0.01"
    sign = "-" if cents < 0 else ""
    return f"{sign}${abs(cents):,.2f}"


def _ratio(numerator: Decimal, denominator: Decimal | int) -> Decimal:
    return (numerator / Decimal(denominator)).quantize(RATIO_PLACES, rounding=ROUND_HALF_UP)


def auto_epochs(examples: int) -> tuple[int, str]:
    """Epochs chosen by OpenAI's published ``auto`` rule for ``examples`` training
    examples, and why (the rule and its source are spelt out, so a reader can check it)."""
    if examples < 1:
        raise EstimateInputError("examples", "the training file has no examples")
    seen = examples * AUTO_DEFAULT_EPOCHS
    if seen < AUTO_MIN_EXAMPLES_SEEN:
        epochs = min(AUTO_MAX_EPOCHS, AUTO_MIN_EXAMPLES_SEEN // examples)
        why = (f"examples x {AUTO_DEFAULT_EPOCHS} < {AUTO_MIN_EXAMPLES_SEEN}, so min({AUTO_MAX_EPOCHS}, "
               f"{AUTO_MIN_EXAMPLES_SEEN} // {examples:,}) = {epochs}")
    elif seen > AUTO_MAX_EXAMPLES_SEEN:
        epochs = max(AUTO_MIN_EPOCHS, AUTO_MAX_EXAMPLES_SEEN // examples)
        why = (f"examples x {AUTO_DEFAULT_EPOCHS} > {AUTO_MAX_EXAMPLES_SEEN:,}, so max({AUTO_MIN_EPOCHS}, "
               f"{AUTO_MAX_EXAMPLES_SEEN:,} // {examples:,}) = {epochs}")
    else:
        epochs = AUTO_DEFAULT_EPOCHS
        why = f"the default {AUTO_DEFAULT_EPOCHS}"
    return epochs, f"auto ({AUTO_RULE_SOURCE}): {why}"


def resolve_epochs(examples: int, epochs: Epochs) -> tuple[int, str]:
    """The epoch count to bill and a sentence saying where it came from."""
    if epochs == "auto":
        return auto_epochs(examples)
    if isinstance(epochs, bool) or not isinstance(epochs, int):
        raise EstimateInputError("epochs", f"must be 'auto' or a whole number, not {epochs!r}")
    if not 1 <= epochs <= MAX_EPOCHS:
        raise EstimateInputError("epochs", f"must be between 1 and {MAX_EPOCHS}, not {epochs}")
    return epochs, "fixed: as requested"


def _counts(name: str, values: Iterable[int]) -> tuple[int, ...]:
    out = []
    for value in values:
        number = int(value)
        if number < 0:
            raise EstimateInputError(name, f"token counts cannot be negative ({number})")
        out.append(number)
    return tuple(out)


@dataclass(frozen=True)
class TokenSummary:
    """A dataset's token counts against one model's training context."""

    examples: int
    billed_tokens_per_epoch: int
    """Sum over examples of min(tokens, training context): what one epoch bills."""
    truncated_examples: int
    """Examples longer than the training context (truncated, billed at the limit)."""
    median_prompt_tokens: Decimal | None
    median_completion_tokens: Decimal | None


@dataclass(frozen=True)
class DatasetTokens:
    """Per-example token counts of one file, as plain numbers.

    ``tokens`` are the billed tokens of each example (for DPO both outputs are
    counted by the caller); ``prompt_tokens`` / ``completion_tokens`` are what an
    inference request would send and receive, used for traffic defaults.
    """

    tokens: tuple[int, ...]
    prompt_tokens: tuple[int, ...] | None = None
    completion_tokens: tuple[int, ...] | None = None
    encoding: str | None = None
    """Tokenizer the counts were made with, so mismatched models can be flagged."""
    count_method: str | None = None
    """How the counts were made, in a sentence; one starting with ``estimate`` is said in
    the estimate's assumptions (Gemini: no offline tokenizer)."""

    @classmethod
    def from_counts(
        cls,
        tokens: Iterable[int],
        prompt_tokens: Iterable[int] | None = None,
        completion_tokens: Iterable[int] | None = None,
        encoding: str | None = None,
        count_method: str | None = None,
    ) -> DatasetTokens:
        billed = _counts("tokens", tokens)
        prompts = _counts("prompt_tokens", prompt_tokens) if prompt_tokens is not None else None
        completions = _counts("completion_tokens", completion_tokens) if completion_tokens is not None else None
        for name, column in (("prompt_tokens", prompts), ("completion_tokens", completions)):
            if column is not None and len(column) != len(billed):
                raise EstimateInputError(name, f"has {len(column)} values for {len(billed)} examples")
        return cls(billed, prompts, completions, encoding, count_method)

    @property
    def examples(self) -> int:
        return len(self.tokens)

    @property
    def exact(self) -> bool:
        """False when the tokenizer only estimates the model's counts (e.g. ``gemini-estimate``)."""
        return not (self.count_method or "").startswith("estimate")

    def summarize(self, context_tokens: int) -> TokenSummary:
        billed = sum(min(n, context_tokens) for n in self.tokens)
        truncated = sum(1 for n in self.tokens if n > context_tokens)

        def median(column: Sequence[int] | None) -> Decimal | None:
            # The median, not the mean: one 84k-token example would drag the mean of a
            # few dozen ordinary ones far from any request the model will really see.
            if not column:
                return None
            ordered = sorted(column)
            middle = len(ordered) // 2
            if len(ordered) % 2:
                return Decimal(ordered[middle])
            return _ratio(Decimal(ordered[middle - 1] + ordered[middle]), 2)

        return TokenSummary(
            examples=len(self.tokens),
            billed_tokens_per_epoch=billed,
            truncated_examples=truncated,
            median_prompt_tokens=median(self.prompt_tokens),
            median_completion_tokens=median(self.completion_tokens),
        )


@dataclass(frozen=True)
class Traffic:
    """Expected use of the fine-tuned model. ``None`` token sizes use the dataset's medians."""

    requests_per_month: int
    input_tokens_per_request: int | None = None
    output_tokens_per_request: int | None = None
    cached_share: Decimal = Decimal(0)
    """Fraction of input tokens served from the prompt cache, 0 to 1."""
    batch: bool = False
    """Price requests at Batch API rates where published."""


@dataclass(frozen=True)
class InferenceEstimate:
    requests_per_month: int | None
    input_tokens_per_request: int | None
    output_tokens_per_request: int | None
    cached_share: Decimal
    batch: bool
    token_cost_usd: Decimal | None
    hosting_cost_usd: Decimal
    monthly_cost_usd: Decimal | None
    """Token cost plus hosting; ``None`` without traffic."""
    cost_per_1000_requests_usd: Decimal | None


@dataclass(frozen=True)
class Lifetime:
    usable_until: date | None
    """Last day the fine-tuned model can serve, when the shutdown date is known."""
    days: int | None
    """Days from today the trained model stays usable (today included)."""
    training_cost_per_day_usd: Decimal | None
    fine_tuning_ends: date | None


@dataclass(frozen=True)
class Estimate:
    model: ModelPrice
    method: str
    examples: int
    billed_tokens_per_epoch: int
    truncated_examples: int
    epochs: int
    epochs_rule: str
    training_tokens: int
    training_hours: Decimal | None
    training_cost_usd: Decimal
    validation_tokens: int | None
    validation_billed: bool | None
    validation_cost_usd: Decimal | None
    inference: InferenceEstimate
    lifetime: Lifetime
    assumptions: tuple[str, ...] = field(default=())
    warnings: tuple[str, ...] = field(default=())

    @property
    def job_cost_usd(self) -> Decimal:
        """What the fine-tuning job itself costs: training plus billed validation."""
        return self.training_cost_usd + (self.validation_cost_usd or Decimal(0))

    def to_dict(self) -> dict:
        """JSON-ready dict; money as decimal strings, dates as ISO strings."""

        def money(value: Decimal | None) -> str | None:
            return None if value is None else format_usd(value)

        inf = self.inference
        return {
            "model": self.model.id,
            "provider": self.model.provider,
            "method": self.method,
            "examples": self.examples,
            "billed_tokens_per_epoch": self.billed_tokens_per_epoch,
            "truncated_examples": self.truncated_examples,
            "epochs": self.epochs,
            "epochs_rule": self.epochs_rule,
            "training_tokens": self.training_tokens,
            "training_hours": None if self.training_hours is None else f"{self.training_hours:f}",
            "training_cost_usd": money(self.training_cost_usd),
            "validation_tokens": self.validation_tokens,
            "validation_billed": self.validation_billed,
            "validation_cost_usd": money(self.validation_cost_usd),
            "job_cost_usd": money(self.job_cost_usd),
            "inference": {
                "requests_per_month": inf.requests_per_month,
                "input_tokens_per_request": inf.input_tokens_per_request,
                "output_tokens_per_request": inf.output_tokens_per_request,
                "cached_share": f"{inf.cached_share:f}",
                "batch": inf.batch,
                "monthly_cost_usd": money(inf.monthly_cost_usd),
                "hosting_cost_usd": money(inf.hosting_cost_usd),
                "cost_per_1000_requests_usd": money(inf.cost_per_1000_requests_usd),
            },
            "lifetime": {
                "usable_until": self.lifetime.usable_until.isoformat() if self.lifetime.usable_until else None,
                "days": self.lifetime.days,
                "training_cost_per_day_usd": money(self.lifetime.training_cost_per_day_usd),
                "fine_tuning_ends": (
                    self.lifetime.fine_tuning_ends.isoformat() if self.lifetime.fine_tuning_ends else None
                ),
            },
            "prices": {
                "as_of": self.model.as_of.isoformat(),
                "source": self.model.table_source,
                "row_source": self.model.row_source,
                "status": self.model.status,
                "origin": self.model.origin,
            },
            "assumptions": list(self.assumptions),
            "warnings": list(self.warnings),
        }


def check_accepts_jobs(model: ModelPrice, today: date) -> None:
    """Raise JobNotAcceptedError if the provider no longer takes fine-tuning jobs for ``model``."""
    if model.shutdown is not None and today >= model.shutdown:
        raise JobNotAcceptedError(
            f"{model.provider} shut {model.id} down on {model.shutdown.isoformat()}: "
            "it can no longer be fine-tuned or serve a fine-tuned model"
        )
    if model.fine_tuning_ends is not None and today >= model.fine_tuning_ends:
        raise JobNotAcceptedError(
            f"{model.provider} stopped accepting fine-tuning jobs for {model.id} on "
            f"{model.fine_tuning_ends.isoformat()}"
        )


def _check_traffic(traffic: Traffic) -> None:
    if isinstance(traffic.requests_per_month, bool) or not isinstance(traffic.requests_per_month, int):
        raise EstimateInputError("requests_per_month", "must be a whole number")
    if traffic.requests_per_month < 0:
        raise EstimateInputError("requests_per_month", f"cannot be negative ({traffic.requests_per_month})")
    if traffic.requests_per_month > MAX_REQUESTS_PER_MONTH:
        raise EstimateInputError(
            "requests_per_month", f"{traffic.requests_per_month:,} is not a plausible monthly volume"
        )
    for name in ("input_tokens_per_request", "output_tokens_per_request"):
        value = getattr(traffic, name)
        if value is None:
            continue
        if value < 0:
            raise EstimateInputError(name, f"cannot be negative ({value})")
        if value > MAX_TOKENS_PER_REQUEST:
            raise EstimateInputError(name, f"{value:,} tokens is more than any model's context")
    share = Decimal(traffic.cached_share)
    if not share.is_finite() or not Decimal(0) <= share <= Decimal(1):
        raise EstimateInputError("cached_share", f"must be between 0 and 1, not {traffic.cached_share}")


def _whole_tokens(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _inference(
    model: ModelPrice,
    summary: TokenSummary,
    traffic: Traffic | None,
    assumptions: list[str],
    warnings: list[str],
) -> InferenceEstimate:
    hosting = (model.hosting_usd_per_hour or Decimal(0)) * HOURS_PER_MONTH
    if model.hosting_usd_per_hour:
        assumptions.append(
            f"hosting: ${format_usd(model.hosting_usd_per_hour)}/hour for {HOURS_PER_MONTH} hours a month "
            "(one deployment kept up all month, used or not)"
        )
    if model.storage_usd_per_month:
        hosting += model.storage_usd_per_month
        assumptions.append(
            f"storage: ${format_usd(model.storage_usd_per_month)} a month for the custom model, used or not"
        )
    if traffic is None:
        return InferenceEstimate(None, None, None, Decimal(0), False, None, hosting, None, None)
    _check_traffic(traffic)

    def size(given: int | None, median: Decimal | None, name: str, what: str) -> int:
        if given is not None:
            assumptions.append(f"{what} per request: {given:,} tokens (given)")
            return given
        if median is None:
            raise EstimateInputError(name, f"the dataset has no {what} token counts; give a value")
        assumptions.append(f"{what} per request: {_whole_tokens(median):,} tokens (the dataset's median)")
        return _whole_tokens(median)

    input_tokens = size(traffic.input_tokens_per_request, summary.median_prompt_tokens, "input_tokens_per_request", "input")
    output_tokens = size(
        traffic.output_tokens_per_request, summary.median_completion_tokens, "output_tokens_per_request", "output"
    )
    share = Decimal(traffic.cached_share)

    if model.input_usd_per_1m is None or model.output_usd_per_1m is None:
        warnings.append(
            f"the {model.provider} table has no inference price for a fine-tuned {model.id}; "
            "monthly token cost not estimated"
        )
        return InferenceEstimate(
            traffic.requests_per_month, input_tokens, output_tokens, share, traffic.batch, None, hosting, None, None
        )
    input_price, output_price = model.input_usd_per_1m, model.output_usd_per_1m
    cached_price = model.cached_input_usd_per_1m
    if traffic.batch:
        if model.batch_input_usd_per_1m is None or model.batch_output_usd_per_1m is None:
            warnings.append(f"no batch price is published for {model.id}; standard prices used")
        else:
            input_price, output_price = model.batch_input_usd_per_1m, model.batch_output_usd_per_1m
            assumptions.append("requests priced at Batch API rates")
            # No batch cached-input price is published, so cached tokens get no extra discount.
            cached_price = input_price
    if share and cached_price is None:
        warnings.append(f"no cached-input price is published for {model.id}; cached tokens priced as input")
        cached_price = input_price
    if share:
        assumptions.append(f"{share * 100:f}% of input tokens served from the prompt cache")

    requests = Decimal(traffic.requests_per_month)
    blended_input = (Decimal(1) - share) * input_price + share * (cached_price or input_price)
    token_cost = requests * (Decimal(input_tokens) * blended_input + Decimal(output_tokens) * output_price) / ONE_MILLION
    monthly = token_cost + hosting
    per_thousand = _ratio(monthly * 1000, traffic.requests_per_month) if traffic.requests_per_month else None
    return InferenceEstimate(
        traffic.requests_per_month, input_tokens, output_tokens, share, traffic.batch,
        token_cost, hosting, monthly, per_thousand,
    )


def estimate(
    model: ModelPrice,
    dataset: DatasetTokens,
    *,
    today: date,
    method: str = "supervised",
    epochs: Epochs = "auto",
    validation: DatasetTokens | None = None,
    traffic: Traffic | None = None,
    hours: Decimal | int | str | None = None,
    allow_closed: bool = False,
) -> Estimate:
    """Estimate a fine-tuning job on ``model`` for ``dataset`` as of ``today``.

    Raises EstimateInputError for bad inputs and JobNotAcceptedError when the
    provider no longer takes jobs for the model (unless ``allow_closed``).
    """
    if not allow_closed:
        check_accepts_jobs(model, today)
    if method not in model.methods:
        raise EstimateInputError(
            "method", f"{model.id} supports {', '.join(model.methods)} fine-tuning, not {method}"
        )
    if model.price_unknown:
        raise EstimateInputError(
            "model", f"the {model.provider} table has no sourced training price for {model.id} "
            f"(see {model.row_source}); supply one in a price file (--prices)"
        )
    assumptions: list[str] = []
    warnings: list[str] = []

    context = model.context_for(method)
    summary = dataset.summarize(context)
    epoch_count, epochs_rule = resolve_epochs(summary.examples, epochs)
    training_tokens = summary.billed_tokens_per_epoch * epoch_count
    assumptions.append(
        f"each example is billed up to the training context of {context:,} tokens"
        + (" (the DPO limit)" if context != model.training_context_tokens else "")
    )
    if summary.truncated_examples:
        warnings.append(
            f"examples longer than {context:,} tokens, which will be truncated: "
            f"{summary.truncated_examples:,}"
        )
    if method == "dpo":
        assumptions.append("DPO: each example's tokens count the prompt and both outputs")
    if dataset.count_method and dataset.count_method.startswith("estimate"):
        assumptions.append(f"token counts are estimates ({dataset.count_method})")
    if dataset.encoding and model.encoding and dataset.encoding != model.encoding:
        warnings.append(
            f"token counts were made with {dataset.encoding}, but {model.id} uses {model.encoding}; "
            "billed tokens will differ somewhat"
        )

    training_hours: Decimal | None = None
    if method == "reinforcement":
        if hours is None:
            raise EstimateInputError(
                "hours", f"{model.id} reinforcement fine-tuning is billed per hour of training; give the expected hours"
            )
        try:
            training_hours = Decimal(str(hours))
        except ArithmeticError:
            raise EstimateInputError("hours", f"{hours!r} is not a number") from None
        if not training_hours.is_finite() or training_hours <= 0 or training_hours > MAX_TRAINING_HOURS:
            raise EstimateInputError("hours", f"must be more than 0 and at most {MAX_TRAINING_HOURS}, not {hours}")
        assert model.training_usd_per_hour is not None  # guaranteed by the row schema
        training_cost = training_hours * model.training_usd_per_hour
        assumptions.append(
            f"reinforcement fine-tuning is billed by time: {training_hours:f} hours x "
            f"${format_usd(model.training_usd_per_hour)}/hour; model-grader tokens are billed on top"
        )
    else:
        token_price = model.training_price_per_1m(method)
        assert token_price is not None  # guaranteed by the row schema
        training_cost = Decimal(training_tokens) * token_price / ONE_MILLION
        assumptions.append(f"training: {training_tokens:,} tokens x ${format_usd(token_price)} per 1M tokens")
        if model.size_band:
            assumptions.append(f"{model.provider} prices {model.id} in its {model.size_band} band")
        full_price = model.training_price_per_1m(method, full=True)
        if full_price is not None:
            assumptions.append(f"priced for LoRA training; full-parameter training is ${format_usd(full_price)} per 1M tokens")

    validation_tokens = validation_cost = None
    if validation is not None:
        validation_tokens = validation.summarize(context).billed_tokens_per_epoch
        validation_price = model.training_price_per_1m(method)
        if model.validation_billed and validation_price is not None:
            validation_cost = Decimal(validation_tokens * epoch_count) * validation_price / ONE_MILLION
            assumptions.append("validation is billed as training tokens, one pass per epoch")
        elif model.validation_billed is None:
            warnings.append(f"{model.provider} does not say whether validation tokens are billed; not included")
        else:
            assumptions.append(f"{model.provider} does not bill validation tokens")

    inference = _inference(model, summary, traffic, assumptions, warnings)
    job_cost = training_cost + (validation_cost or Decimal(0))

    usable_until = days = per_day = None
    if model.shutdown is not None:
        usable_until = model.shutdown - timedelta(days=1)
        days = max(0, (model.shutdown - today).days)
        per_day = _ratio(job_cost, days) if days else None
        warnings.append(
            f"{model.id} shuts down on {model.shutdown.isoformat()}: a model trained today is usable until then "
            f"(usable days: {days:,}; {format_money(per_day)} of training per usable day)"
        )
        assumptions.append("usable days are counted from today; training time is not subtracted")
    if model.fine_tuning_ends is not None and today < model.fine_tuning_ends:
        left = (model.fine_tuning_ends - today).days
        if left <= DEADLINE_WARNING_DAYS:
            warnings.append(
                f"{model.provider} stops accepting fine-tuning jobs for {model.id} on "
                f"{model.fine_tuning_ends.isoformat()} ({left} day{'s' if left != 1 else ''} from today)"
            )
    if model.status != "verified":
        warnings.append(f"prices for {model.id} are unverified: check {model.row_source} before relying on them")
    age = (today - model.as_of).days
    if age > STALE_AFTER_DAYS:
        warnings.append(f"the {model.provider} price table is {age} days old (checked {model.as_of.isoformat()})")
    warnings.extend(model.table_notices)

    return Estimate(
        model=model,
        method=method,
        examples=summary.examples,
        billed_tokens_per_epoch=summary.billed_tokens_per_epoch,
        truncated_examples=summary.truncated_examples,
        epochs=epoch_count,
        epochs_rule=epochs_rule,
        training_tokens=training_tokens,
        training_hours=training_hours,
        training_cost_usd=training_cost,
        validation_tokens=validation_tokens,
        validation_billed=model.validation_billed,
        validation_cost_usd=validation_cost,
        inference=inference,
        lifetime=Lifetime(usable_until, days, per_day, model.fine_tuning_ends),
        assumptions=tuple(assumptions),
        warnings=tuple(warnings),
    )


DEFAULT_JOB_DAYS = 1
"""Days a comparison assumes between submitting a job and its model being ready (queue and
training); the deadline check and the usable days count from then."""
MAX_JOB_DAYS = 365

ComparisonStatus = Literal["ok", "window_closes", "price_unknown", "closed"]
"""``ok``: priced and the job can finish while the provider takes jobs; ``window_closes``: priced,
but the provider stops taking jobs before a job started today could finish; ``price_unknown``: the
table has no sourced training price; ``closed``: the provider no longer takes the job at all."""


@dataclass(frozen=True)
class Comparison:
    """One model in a side-by-side comparison: an estimate, or why there is none, with the
    token counts it was priced with and its deadlines as seen from ``today``."""

    model: ModelPrice
    estimate: Estimate | None
    refused: str | None = None
    status: ComparisonStatus = "ok"
    counted_with: str | None = None
    """Encoding of the token counts the row was priced with (the model's own when bundled)."""
    counts_exact: bool = True
    """False when the counts are an estimate (an estimating tokenizer, or another model's tokenizer)."""
    job_done_by: date | None = None
    """The day a job submitted today is assumed to be finished (today + job days)."""
    window_days_left: int | None = None
    """Days from today until the provider stops taking jobs for the model (0 once closed)."""
    usable_days: int | None = None
    """Days the trained model serves between ``job_done_by`` and the model's shutdown (0 when
    the provider no longer takes the job)."""
    marks: tuple[str, ...] = ()
    """Short reasons a reader must see next to the row (deadline, unbundled tokenizer, unpriced)."""

    @property
    def usable_until(self) -> date | None:
        return None if self.model.shutdown is None else self.model.shutdown - timedelta(days=1)

    @property
    def inference_priced(self) -> bool:
        return self.model.input_usd_per_1m is not None and self.model.output_usd_per_1m is not None

    def to_dict(self) -> dict:
        """JSON-ready dict (the README's "Comparison JSON" schema); money as decimal strings."""

        def money(value: Decimal | None) -> str | None:
            return None if value is None else format_usd(value)

        def day(value: date | None) -> str | None:
            return None if value is None else value.isoformat()

        m, e = self.model, self.estimate
        inference = e.inference if e is not None else None
        return {
            "provider": m.provider,
            "model": m.id,
            "status": self.status,
            "marks": list(self.marks),
            "refused": self.refused,
            "method": e.method if e is not None else None,
            "encoding": m.encoding,
            "counted_with": self.counted_with,
            "tokens_exact": self.counts_exact,
            "billed_tokens_per_epoch": e.billed_tokens_per_epoch if e is not None else None,
            "epochs": e.epochs if e is not None else None,
            "training_tokens": e.training_tokens if e is not None else None,
            "training_cost_usd": money(e.training_cost_usd) if e is not None else None,
            "job_cost_usd": money(e.job_cost_usd) if e is not None else None,
            "inference_priced": self.inference_priced,
            "monthly_cost_usd": money(inference.monthly_cost_usd) if inference is not None else None,
            "hosting_cost_usd": money(inference.hosting_cost_usd) if inference is not None else None,
            "cost_per_1000_requests_usd": (
                money(inference.cost_per_1000_requests_usd) if inference is not None else None),
            "fine_tuning_ends": day(m.fine_tuning_ends),
            "window_days_left": self.window_days_left,
            "job_done_by": day(self.job_done_by),
            "shutdown": day(m.shutdown),
            "usable_until": day(self.usable_until),
            "usable_days": self.usable_days,
            "as_of": m.as_of.isoformat(),
            "source": m.row_source,
            "lifecycle_source": m.lifecycle_row_source if (m.fine_tuning_ends or m.shutdown) else None,
            "price_status": m.status,
            "origin": m.origin,
            "warnings": list(e.warnings) if e is not None else [],
        }


def _deadlines(model: ModelPrice, today: date, done_by: date) -> tuple[int | None, int | None, list[str], bool]:
    """Days left to submit, days usable after ``done_by``, marks, and whether the job cannot
    finish in time (window closing first, or the model shut down by then)."""
    marks: list[str] = []
    late = False
    window_left = None
    if model.fine_tuning_ends is not None:
        window_left = max(0, (model.fine_tuning_ends - today).days)
        if today < model.fine_tuning_ends <= done_by:
            late = True
            marks.append(f"no new jobs from {model.fine_tuning_ends.isoformat()} "
                         f"({window_left} day{'' if window_left == 1 else 's'} left): "
                         f"closes before a job finishing {done_by.isoformat()}")
    usable = None
    if model.shutdown is not None:
        usable = max(0, (model.shutdown - done_by).days)
        if today < model.shutdown <= done_by:
            late = True
            marks.append(f"shuts down {model.shutdown.isoformat()}, before a job finishing {done_by.isoformat()}")
    return window_left, usable, marks, late


def compare_models(
    models: Iterable[ModelPrice],
    dataset: DatasetTokens,
    *,
    today: date,
    method: str = "supervised",
    epochs: Epochs = "auto",
    traffic: Traffic | None = None,
    hours: Decimal | int | str | None = None,
    data_format: str | None = None,
    datasets: Mapping[str, DatasetTokens] | None = None,
    job_days: int = DEFAULT_JOB_DAYS,
) -> list[Comparison]:
    """Estimate every model that supports ``method`` (and, given ``data_format``, trains
    on that format), cheapest first, each against its own deadlines.

    ``datasets`` holds the same file's token counts by tokenizer encoding: a model whose
    ``encoding`` is there is priced with those counts, any other with ``dataset`` and a mark
    (cl100k_base and o200k_base counts differ by several percent). A job is assumed ready
    ``job_days`` after today: a model whose provider stops taking jobs (or which shuts down)
    by then is marked ``window_closes``, and usable days count from that day.

    Order: rows that can finish, cheapest per month (with ``traffic``) then cheapest job;
    then rows whose serving price is unknown (with ``traffic``); then ``window_closes`` rows;
    then ``price_unknown`` rows; then ``closed`` rows, each group by provider and model."""
    if isinstance(job_days, bool) or not isinstance(job_days, int) or not 0 <= job_days <= MAX_JOB_DAYS:
        raise EstimateInputError("job_days", f"must be a whole number from 0 to {MAX_JOB_DAYS}, not {job_days!r}")
    done_by = today + timedelta(days=job_days)
    rows: list[Comparison] = []
    for model in models:
        if method not in model.methods:
            continue
        if data_format is not None and data_format not in model.data_formats:
            continue
        window_left, usable, marks, late = _deadlines(model, today, done_by)
        dates = {"job_done_by": done_by, "window_days_left": window_left, "usable_days": usable}
        try:
            check_accepts_jobs(model, today)
        except JobNotAcceptedError as exc:
            # No job, so no trained model: nothing to use, whatever the shutdown date.
            rows.append(Comparison(model, None, str(exc), "closed", marks=("closed",), **{**dates, "usable_days": 0}))
            continue
        if model.price_unknown:
            rows.append(Comparison(
                model, None, f"no sourced training price for {model.id} in the {model.provider} table",
                "price_unknown", marks=("price unknown", *marks), **dates))
            continue
        counts = (datasets or {}).get(model.encoding or "")
        exact = True
        if counts is None:
            counts = dataset
            if model.encoding != dataset.encoding:
                exact = False
                why = f"{model.encoding} is not bundled" if model.encoding else "the table names no tokenizer"
                marks.append(f"counted with {dataset.encoding or 'another tokenizer'}: {why}")
        exact = exact and counts.exact
        if not counts.exact:
            marks.append(f"token count estimated ({counts.encoding})")
        est = estimate(model, counts, today=today, method=method, epochs=epochs, traffic=traffic, hours=hours)
        if traffic is not None and est.inference.monthly_cost_usd is None:
            marks.append("no serving price")
        rows.append(Comparison(model, est, None, "window_closes" if late else "ok", counts.encoding, exact,
                               marks=tuple(marks), **dates))

    group = {"ok": 0, "window_closes": 2, "price_unknown": 3, "closed": 4}

    def key(row: Comparison) -> tuple:
        rank = group[row.status]
        if row.estimate is None:
            return (rank, Decimal(0), Decimal(0), row.model.provider, row.model.id)
        monthly = row.estimate.inference.monthly_cost_usd
        # With traffic, a model whose serving price is unknown sorts after every priced one.
        if rank == 0 and traffic is not None and monthly is None:
            rank = 1
        return (rank, monthly if monthly is not None else Decimal(0), row.estimate.job_cost_usd,
                row.model.provider, row.model.id)

    return sorted(rows, key=key)
