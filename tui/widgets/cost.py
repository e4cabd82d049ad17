"""The Cost planner tab: provider and model (with search), epochs and traffic; the
estimate and a comparison of every model update as you type. The pane parses what is
typed and renders what the plan service (``tui.services.plan``) returns, computed in a
worker; the price tables are loaded in a worker too. The price table's date and source
are always on screen."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Checkbox, DataTable, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

import pricing
from linter import ENCODINGS, plural
from pricing import format_money as money

from ..services import plan as planning
from ..services.plan import PlanError
from ..tokens import comparable_models, tokens_by_encoding

RECOMPUTE_DELAY = 0.15


@dataclass(frozen=True)
class CostInputs:
    model_id: str | None
    provider: str | None
    epochs: int | str
    requests_per_month: int | None
    output_tokens: int | None
    cached_share: Decimal
    batch: bool
    hours: Decimal | None


@dataclass
class EstimateReady(Message):
    inputs: CostInputs
    estimate: Any
    comparison: list
    error: str | None
    warnings: list[str]


@dataclass
class TablesLoaded(Message):
    book: pricing.PriceBook | None
    error: str | None


def describe_estimate(est: pricing.Estimate) -> str:
    lines = [
        f"{est.model.provider} {est.model.id} ({est.method})",
        f"  examples          {est.examples:,}",
        f"  tokens / epoch    {est.billed_tokens_per_epoch:,}"
        + (f" ({est.truncated_examples:,} truncated)" if est.truncated_examples else "")
        + next((f" ({a})" for a in est.assumptions if a.startswith("token counts are estimates")), ""),
        f"  epochs            {est.epochs}",
        f"    {est.epochs_rule}",
        f"  training tokens   {est.training_tokens:,}",
        f"  training cost     {money(est.training_cost_usd)}",
    ]
    if est.validation_tokens is not None:
        lines.append(f"  validation tokens {est.validation_tokens:,}")
    lines.append(f"  JOB TOTAL         {money(est.job_cost_usd)}")
    inf = est.inference
    if inf.requests_per_month is not None:
        lines += [f"Inference: {inf.requests_per_month:,} req/month, {inf.input_tokens_per_request:,} in + "
                  f"{inf.output_tokens_per_request:,} out" + (" (batch)" if inf.batch else ""),
                  f"  per month         {money(inf.monthly_cost_usd)}",
                  f"  per 1,000 req.    {money(inf.cost_per_1000_requests_usd)}"]
    if est.lifetime.days is not None:
        lines.append(f"Usable until {est.lifetime.usable_until.isoformat()} ({est.lifetime.days:,} days), "
                     f"{money(est.lifetime.training_cost_per_day_usd)} of training per usable day")
    return "\n".join(lines)


def _whole(text: str, name: str) -> int | None:
    """A whole number typed into the box called ``name``; blank is None."""
    if not text.strip():
        return None
    try:
        return planning.parse_count(text)
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None


def _decimal(text: str, name: str) -> Decimal | None:
    if not text.strip():
        return None
    try:
        return planning.parse_amount(text)
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None


class CostPane(Horizontal):
    _timer: Timer | None = None
    book: pricing.PriceBook | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="cost-form"):
            yield Label("Provider")
            yield Select([], id="provider", compact=True)
            yield Label("Model (type to search)")
            yield Input(placeholder="search models", id="model-search", compact=True)
            yield OptionList(id="model-list", compact=True)
            yield Label("Epochs (auto or a number)")
            yield Input("auto", id="epochs", compact=True)
            yield Label("Requests/month (optional)")
            yield Input("", id="requests", placeholder="e.g. 100000", compact=True)
            yield Label("Output tokens / request")
            yield Input("", id="output-tokens", placeholder="dataset median", compact=True)
            yield Label("Cached share of input, 0-1")
            yield Input("0", id="cached", compact=True)
            yield Label("Training hours (RFT only)")
            yield Input("", id="hours", compact=True)
            yield Checkbox("Batch API prices", id="batch", compact=True)
        with Vertical(id="cost-result"):
            yield Static("", id="prices-line", markup=False)
            with VerticalScroll(id="cost-scroll"):
                yield Static("The estimate appears when the lint has counted the tokens.", id="estimate",
                             markup=False)
                yield Static("", id="cost-warnings", markup=False)
                # The estimate counts usable days from today; the comparison from when a job
                # started today is ready, as `cost --compare` does: say so, or 45 vs 46 puzzles.
                yield Label("Every provider's models, cheapest first (usable days: from a job ready in "
                            f"{plural(pricing.DEFAULT_JOB_DAYS, 'day')})", classes="pane-title", id="compare-title")
                yield DataTable(id="compare", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one("#compare", DataTable)
        table.add_columns("model", "job", "per month", "per 1k req", "usable days", "tokens", "prices of", "note",
                          "source")
        self.load_tables(self.app.settings)

    @work(thread=True, exclusive=True, exit_on_error=False, group="cost-tables", description="load the price tables")
    def load_tables(self, settings) -> None:
        try:
            self.post_message(TablesLoaded(planning.load_book(settings), None))
        except PlanError as exc:
            self.post_message(TablesLoaded(None, str(exc)))

    @on(TablesLoaded)
    def _tables_loaded(self, message: TablesLoaded) -> None:
        if message.book is None:
            self.app.show_error("Price tables could not be loaded", message.error or "")
            return
        self.book = message.book
        try:
            chosen = self.book.find_model(self.app.session.model or "")
        except pricing.PricingError:
            chosen = None
        self.model_id = chosen.id if chosen else None
        providers = self.book.providers
        select = self.query_one("#provider", Select)
        with self.prevent(Select.Changed):
            select.set_options([(name, name) for name in providers])
            if providers:
                select.value = chosen.provider if chosen else providers[0]
        self.fill_models()

    model_id: str | None = None

    def show_table(self, table: str) -> None:
        """Price the job in ``table`` (the provider picked in the Submit tab)."""
        if self.book is None or table not in self.book.providers:
            return
        self.query_one("#provider", Select).value = table  # fills the models and recomputes

    @property
    def provider(self) -> str | None:
        value = self.query_one("#provider", Select).value
        return None if value is Select.NULL else str(value)

    def fill_models(self) -> None:
        if self.book is None:
            return
        query = self.query_one("#model-search", Input).value.strip().lower()
        option_list = self.query_one("#model-list", OptionList)
        option_list.clear_options()
        models = [m for m in self.book.models(self.provider)
                  if not query or any(query in name.lower() for name in m.names())]
        option_list.add_options([Option(m.id, id=m.id) for m in models])
        ids = [m.id for m in models]
        if self.model_id not in ids and ids:
            self.model_id = ids[0]
        if self.model_id in ids:
            option_list.highlighted = ids.index(self.model_id)
        self.schedule()

    def inputs(self) -> CostInputs:
        value = lambda name: self.query_one(f"#{name}", Input).value  # noqa: E731
        epochs_text = value("epochs").strip().lower() or "auto"
        epochs: int | str = "auto" if epochs_text == "auto" else _whole(epochs_text, "epochs")
        return CostInputs(
            model_id=self.model_id, provider=self.provider, epochs=epochs,
            requests_per_month=_whole(value("requests"), "requests per month"),
            output_tokens=_whole(value("output-tokens"), "output tokens"),
            cached_share=_decimal(value("cached"), "cached share") or Decimal(0),
            batch=self.query_one("#batch", Checkbox).value,
            hours=_decimal(value("hours"), "hours"),
        )

    # -- events ------------------------------------------------------------------------
    @on(Select.Changed, "#provider")
    def _provider_changed(self) -> None:
        self.fill_models()

    @on(Input.Changed, "#model-search")
    def _search_changed(self) -> None:
        self.fill_models()

    @on(OptionList.OptionHighlighted, "#model-list")
    def _model_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id and event.option.id != self.model_id:
            self.model_id = event.option.id
            self.schedule()

    @on(Input.Changed, "#epochs, #requests, #output-tokens, #cached, #hours")
    @on(Checkbox.Changed)
    def _param_changed(self) -> None:
        self.schedule()

    def schedule(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(RECOMPUTE_DELAY, self.recompute)

    def recompute(self) -> None:
        session = self.app.session
        if self.book is None or session.report is None or not session.report.files or self.model_id is None:
            return
        try:
            inputs = self.inputs()
        except ValueError as exc:
            self.query_one("#cost-warnings", Static).update(f"⚠ {exc}")
            return
        self.run_estimate(inputs, session.report, session.generation)

    @work(thread=True, exclusive=True, exit_on_error=False, group="cost", description="estimate the cost")
    def run_estimate(self, inputs: CostInputs, report, generation: int) -> None:
        cache = getattr(self, "_measured", None)
        if cache is None or cache[0] != generation:
            self._measured = cache = (generation, planning.measured_from(report))
        measured = cache[1]
        estimate = None
        comparison: list = []
        error = None
        warnings: list[str] = []
        today = self.app.today()
        traffic = None
        try:
            if inputs.requests_per_month is not None:
                traffic = pricing.Traffic(inputs.requests_per_month, None, inputs.output_tokens,
                                          inputs.cached_share, inputs.batch)
            model = planning.find_model(self.book, inputs.model_id, inputs.provider)
            method = planning.choose_method(None, measured.format, model)
            estimate = planning.estimate(model, measured, method=method, today=today, epochs=inputs.epochs,
                                         traffic=traffic, hours=inputs.hours)
            warnings = planning.plan_warnings(model, measured, estimate)
        except (PlanError, pricing.EstimateInputError, pricing.JobNotAcceptedError) as exc:
            error = str(exc)  # the comparison below shows where to go instead
        # Every provider's models that train on this file's format, whatever the chosen model offers.
        method = pricing.METHOD_FOR_FORMAT.get(measured.format or "", "supervised")
        try:
            if measured.train.examples:
                comparison = planning.compare(
                    self.book, measured, method=method, today=today, epochs=inputs.epochs,
                    traffic=traffic, hours=inputs.hours,
                    counts=self._counts_by_encoding(method, measured, generation, today))
        except (PlanError, pricing.EstimateInputError) as exc:
            error = error or str(exc)
        self.post_message(EstimateReady(inputs, estimate, comparison, error, warnings))

    def _counts_by_encoding(self, method: str, measured, generation: int, today) -> dict:
        """The training file counted with each tokenizer the comparable models use, so each
        row is priced with its own model's counts (once per lint, in this worker thread)."""
        fit = comparable_models(self.book.models(), method, measured.format, today)
        wanted = frozenset(m.encoding for m in fit if m.encoding in ENCODINGS)
        cache = getattr(self, "_by_encoding", None)
        if cache is None or cache[0] != generation or not wanted <= cache[1].keys():
            counts = tokens_by_encoding(measured.report.files[0].path, fit, self.app.lint_config(), measured.train,
                                        lint=self.app.lint)
            self._by_encoding = cache = (generation, counts)
        return cache[1]

    @on(EstimateReady)
    def _estimate_ready(self, message: EstimateReady) -> None:
        session = self.app.session
        est = message.estimate
        session.estimate = est
        session.epochs = message.inputs.epochs
        model = None
        if self.book is not None and message.inputs.model_id:
            model = self.book.find_model(message.inputs.model_id, provider=message.inputs.provider)
        if model is not None:
            origin = "" if model.origin.startswith("built-in") else f" [from {model.origin}]"
            self.query_one("#prices-line", Static).update(
                f"Prices: {model.provider} table of {model.as_of.isoformat()} ({model.status}), "
                f"{model.row_source}{origin}")
        estimate_view = self.query_one("#estimate", Static)
        warnings_view = self.query_one("#cost-warnings", Static)
        if est is None:
            estimate_view.update("No estimate.")
            warnings_view.update(f"⚠ {message.error}" if message.error else "")
        else:
            estimate_view.update(describe_estimate(est))
            warnings_view.update("\n".join(f"⚠ {w}" for w in message.warnings))
        table = self.query_one("#compare", DataTable)
        table.clear()
        for row in message.comparison:
            name = f"{row.model.provider}/{row.model.id}"
            usable = str(row.usable_days) if row.usable_days is not None else "-"
            note = (row.refused if row.status == "closed" else "; ".join(row.marks)) or ""
            if row.estimate is None:
                table.add_row(name, "refused", "", "", usable, "", row.model.as_of.isoformat(), note,
                              row.model.row_source, key=name)
                continue
            e = row.estimate
            tokens = f"{e.billed_tokens_per_epoch:,}" + ("" if row.counts_exact else "~")
            table.add_row(name, money(e.job_cost_usd), money(e.inference.monthly_cost_usd),
                          money(e.inference.cost_per_1000_requests_usd), usable, tokens,
                          row.model.as_of.isoformat(), note, row.model.row_source, key=name)
        self.app.main.estimate_changed() if self.app.main is not None else None
