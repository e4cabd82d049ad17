"""The Approve & submit tab: budget and approver, the approval record, the provider to
submit to, and the gated Submit action (disabled, with the reason, while the lint has
errors, the estimate is over budget or the provider has no API key). The refusals and
the record come from ``tui.services.approval``; submitting runs the same gates as
``ftpreflight submit`` (``tui.services.submit.preflight``), asks for confirmation,
uploads with progress and opens the job monitor."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Input, Label, ProgressBar, Select, Static

from linter import plural
from pricing import format_money

from ..services import approval as approving
from ..services import plan as planning
from ..providers import get_kind
from ..services.submit import price_table_problem, provider_choices, provider_for_table
from ..workers import ApprovalWritten, CredentialsChecked, PreflightDone, SubmitProgressed, Submitted, WorkFailed

COMPATIBLE = "openai-compatible"
"""The provider kind with no price table of its own; it needs a base URL."""


@dataclass
class SubmitBlocked(Message):
    """The gates refused the submission: the screen shows why."""

    blockers: list[str]


@dataclass
class SubmitConfirmation(Message):
    """The gates passed: the screen asks the person to confirm ``facts`` and, on yes,
    calls ``ApprovePane.confirmed`` with ``checked`` (the ``Preflight``)."""

    checked: Any
    facts: str


@dataclass
class JobStarted(Message):
    """A job exists (new or found again): the screen opens its monitor."""

    job: Any
    kind: str
    connection: dict


@dataclass
class ProviderPicked(Message):
    """The person picked a provider whose price table is ``table``: the Cost tab should
    price the job there (posted to the screen, which owns both tabs)."""

    kind: str
    table: str
SETTING_NAMES = {"n_epochs": "epochs", "batch_size": "batch size",
                 "learning_rate_multiplier": "learning-rate multiplier"}


def describe_settings(hyperparameters: dict | None) -> str:
    """Hyperparameters as people read them ("epochs 3, batch size 8"), not a Python dict."""
    if not hyperparameters:
        return "the provider's defaults"
    return ", ".join(f"{SETTING_NAMES.get(name, name.replace('_', ' '))} {value}"
                     for name, value in hyperparameters.items())


def build_provider(factory, kind: str, connection: dict | None = None):
    """The app's provider factory called with the connection settings the tab collected
    (a base URL for an OpenAI-compatible endpoint), and only those."""
    return factory(kind, **connection) if connection else factory(kind)


def check_credentials(factory, kind: str, connection: dict | None = None) -> str | None:
    """Build (and close) a provider to learn whether its key is configured; the problem
    as one sentence, or None. Building a client sends nothing over the network."""
    from ..providers import ProviderError, redact

    try:
        provider = build_provider(factory, kind, connection)
    except ProviderError as exc:
        return redact(str(exc))
    close = getattr(provider, "close", None)
    if close is not None:
        close()
    return None


def parse_budget(text: str) -> Decimal | None:
    """The budget as typed; None when blank or not a number (the tab then asks for one)."""
    try:
        return planning.parse_amount(text) if text.strip() else None
    except ValueError:
        return None


class ApprovePane(VerticalScroll):
    _credentials: dict[tuple, str | None]
    """Per provider kind and connection: why it cannot be used (no API key), None when it can."""
    _picked: str | None = None
    """The provider the person picked; None follows the estimate's price table."""

    def compose(self) -> ComposeResult:
        yield Static("", id="approve-summary", markup=False)
        with Horizontal(classes="form-row"):
            yield Label("Budget USD", classes="form-label")
            yield Input("", id="budget", placeholder="e.g. 50", compact=True)
        with Horizontal(classes="form-row"):
            yield Label("Approver", classes="form-label")
            # Empty, not the login name: the report names the person who signs off.
            yield Input("", id="approver", placeholder="your name", compact=True)
        with Horizontal(classes="form-row"):
            yield Button("Write approval record", id="write-approval", disabled=True, compact=True)
            yield Label("", id="approval-status")
        with Horizontal(classes="form-row"):
            yield Label("Provider", classes="form-label")
            yield Select([(label, name) for name, label in provider_choices()], id="submit-provider", allow_blank=False, value="openai", compact=True)
        with Horizontal(classes="form-row", id="base-url-row"):
            yield Label("Base URL", classes="form-label")
            yield Input("", id="base-url", placeholder="https://…/v1", compact=True)
        yield Static("", id="submit-reason", markup=False)
        with Horizontal(classes="form-row"):
            yield Button("Submit job…", id="submit-job", variant="warning", disabled=True, compact=True)
            yield Label("", id="submit-stage")
        yield ProgressBar(id="submit-progress", show_eta=False)

    def on_mount(self) -> None:
        self._credentials = {}
        self.query_one("#submit-progress", ProgressBar).display = False
        self.query_one("#base-url-row").display = False
        self.refresh_state()

    def provider_kind(self) -> str:
        """The provider to submit to: the one picked, else the owner of the estimate's price
        table (an unowned table, such as a ``prices`` file for an endpoint: openai-compatible)."""
        if self._picked is not None:
            return self._picked
        est = self.app.session.estimate
        if est is None:
            return "openai"
        return provider_for_table(est.model.provider) or COMPATIBLE

    def connection(self) -> dict:
        """Connection settings beyond the key: the base URL of an OpenAI-compatible endpoint."""
        if self.provider_kind() != COMPATIBLE:
            return {}
        url = self.query_one("#base-url", Input).value.strip()
        return {"base_url": url} if url else {}

    @on(Select.Changed, "#submit-provider")
    def _provider_changed(self, event: Select.Changed) -> None:
        kind = str(event.value)
        if kind == self.provider_kind():
            return
        self._picked = kind
        table = get_kind(kind).pricing_provider
        est = self.app.session.estimate
        if table is not None and (est is None or est.model.provider != table):
            self.post_message(ProviderPicked(kind, table))
        self.refresh_state()

    @on(Input.Changed, "#base-url")
    def _base_url_changed(self) -> None:
        self.refresh_state()

    @work(thread=True, exclusive=False, exit_on_error=False, group="credentials", description="check the API key")
    def run_check_credentials(self, kind: str, connection: dict) -> None:
        problem = check_credentials(self.app.provider_factory, kind, connection)
        self.post_message(CredentialsChecked(kind, problem, tuple(sorted(connection.items()))))

    @on(CredentialsChecked)
    def _credentials_checked(self, message: CredentialsChecked) -> None:
        self._credentials[(message.kind, message.connection)] = message.problem
        self.refresh_state()

    # -- gates -------------------------------------------------------------------------
    def approval_problems(self) -> list[str]:
        session = self.app.session
        report = session.report
        if session.linting or report is None:
            return ["the lint is still running"]
        est = session.estimate
        if est is None:
            return ["no estimate yet: check the Cost tab"]
        budget = parse_budget(self.query_one("#budget", Input).value)
        return approving.approval_refusals(est, budget, self.query_one("#approver", Input).value, report)

    def submit_problems(self) -> list[str]:
        problems = self.approval_problems()
        est = self.app.session.estimate
        kind = self.provider_kind()
        if est is not None:
            entry = get_kind(kind)
            if est.method not in entry.methods:
                problems.append(f"{est.method} jobs cannot be submitted to {entry.label} from ftpreflight")
            elif problem := price_table_problem(kind, est.model.provider, est.model.id):
                problems.append(problem)
            if kind == COMPATIBLE and not self.connection():
                problems.append("enter the endpoint's base URL")
            else:
                key = (kind, tuple(sorted(self.connection().items())))
                if key not in self._credentials:
                    self._credentials[key] = None  # until the check says otherwise
                    self.run_check_credentials(kind, self.connection())
                elif self._credentials[key]:
                    problems.append(self._credentials[key])
        return problems

    def refresh_state(self) -> None:
        session = self.app.session
        est = session.estimate
        report = session.report
        lines = [f"File      {session.path or '-'}"]
        if session.validation:
            lines.append(f"Validation {session.validation}")
        if report is None:
            lines.append("Lint      running…" if session.linting else "Lint      -")
        else:
            lines.append(f"Lint      {plural(report.errors, 'error')}, {plural(report.warnings, 'warning')}, "
                         f"{plural(report.infos, 'info')}")
        if est is not None:
            lines.append(f"Estimate  {format_money(est.job_cost_usd)} on {est.model.id} ({est.method}, "
                         f"{plural(est.epochs, 'epoch')})")
            lines.append(f"Prices    {est.model.provider} table of {est.model.as_of.isoformat()}, "
                         f"{est.model.row_source}")
            lines.append(f"Deadline  {deadline(est)}")
        else:
            lines.append("Estimate  - (Cost tab)")
        kind = self.provider_kind()
        profile = getattr(session.config, "provider", None)
        lines.append(f"Provider  {kind}" + (f"; the lint ran with the {profile} profile" if profile else "")
                     + ("" if profile in (None, kind) or kind == COMPATIBLE else
                        f" (Submit lints again with the {kind} profile)"))
        self.query_one("#approve-summary", Static).update("\n".join(lines))
        self.query_one("#base-url-row").display = kind == COMPATIBLE
        select = self.query_one("#submit-provider", Select)
        if select.value != kind:
            with self.prevent(Select.Changed):
                select.value = kind
        approval = self.approval_problems()
        submit = self.submit_problems()
        self.query_one("#write-approval", Button).disabled = bool(approval)
        self.query_one("#submit-job", Button).disabled = bool(submit)
        if submit:
            reason = "Submit is disabled: " + "; ".join(submit)
        else:
            reason = "Ready to submit." + ("" if self.current_approval() else " (no approval record written: "
                                           "you will be asked to confirm the estimate)")
        self.query_one("#submit-reason", Static).update(reason)

    def current_approval(self) -> Path | None:
        session = self.app.session
        est = session.estimate
        if session.approval_path is None or est is None:
            return None
        if session.approval_for != (session.path, est.model.id, est.epochs):
            return None
        return session.approval_path

    @on(Input.Changed, "#budget, #approver")
    def _inputs_changed(self) -> None:
        self.refresh_state()

    # -- approval ----------------------------------------------------------------------
    @on(Button.Pressed, "#write-approval")
    def write_approval(self) -> None:
        problems = self.approval_problems()
        if problems:
            self.app.notify("Cannot approve: " + "; ".join(problems), severity="warning")
            return
        session = self.app.session
        budget = parse_budget(self.query_one("#budget", Input).value)
        approver = self.query_one("#approver", Input).value.strip()
        self.query_one("#approval-status", Label).update("writing…")
        self.run_write_approval(session.path, session.validation, session.estimate, budget, approver,
                                session.report)

    @work(thread=True, exclusive=True, exit_on_error=False, group="approve", description="write the approval")
    def run_write_approval(self, path: str, validation: str | None, est, budget: Decimal, approver: str,
                           report) -> None:
        try:
            written = approving.write_approval(data_path=path, est=est, budget=budget, approver=approver,
                                               report=report, approved_at=self.app.now(), out_dir=Path(path).parent,
                                               validation_path=validation)
        except approving.ApprovalFailed as exc:
            self.post_message(WorkFailed("The approval record was not written", str(exc)))
            return
        self.post_message(ApprovalWritten([str(p) for p in written.paths], (path, est.model.id, est.epochs)))

    @on(ApprovalWritten)
    def _approval_written(self, message: ApprovalWritten) -> None:
        session = self.app.session
        session.approval_path = Path(message.paths[0])
        session.approval_for = message.record
        self.query_one("#approval-status", Label).update(f"written: {Path(message.paths[0]).name}")
        self.app.notify("Approval record written:\n" + "\n".join(message.paths), title="Approved")
        self.refresh_state()

    # -- submit ------------------------------------------------------------------------
    @on(Button.Pressed, "#submit-job")
    def submit_job(self) -> None:
        problems = self.submit_problems()
        if problems:
            self.app.notify("Submit is disabled: " + "; ".join(problems), severity="warning")
            return
        from ..services.submit import SubmissionPlan

        session = self.app.session
        est = session.estimate
        plan = SubmissionPlan(
            training_path=Path(session.path), model=est.model.id,
            validation_path=Path(session.validation) if session.validation else None,
            method=est.method, n_epochs=None if session.epochs == "auto" else int(session.epochs))
        self.query_one("#submit-stage", Label).update("checking the data, the estimate and the approval…")
        self.query_one("#submit-job", Button).disabled = True
        self.run_preflight(plan, self.provider_kind(), self.connection(), self.current_approval())

    @work(thread=True, exclusive=True, exit_on_error=False, group="submit", description="check the submission")
    def run_preflight(self, plan, kind: str, connection: dict, approval: Path | None) -> None:
        from linter import FtPreflightError
        from pricing import PricingError

        from ..services.plan import PlanError
        from ..services.submit import preflight

        settings = self.app.settings
        # The key first: without one, nothing else matters (and no confirmation is asked).
        problem = check_credentials(self.app.provider_factory, kind, connection)
        if problem is not None:
            self.post_message(CredentialsChecked(kind, problem, tuple(sorted(connection.items()))))
            self.post_message(WorkFailed("Cannot submit", problem))
            return
        try:
            checked = preflight(plan, settings, provider_name=kind, approval_path=approval,
                                require_approval=settings.require_approval, today=self.app.today(),
                                now=self.app.now(), max_approval_age_days=settings.approval_max_age_days)
        except (FtPreflightError, PricingError, PlanError) as exc:
            self.post_message(WorkFailed("Cannot submit", str(exc)))
            return
        checked.kind = kind
        checked.connection = connection
        self.post_message(PreflightDone(checked))

    @on(PreflightDone)
    def _preflight_done(self, message: PreflightDone) -> None:
        checked = message.preflight
        self.query_one("#submit-stage", Label).update("")
        self.refresh_state()
        if not checked.ok:
            self.post_message(SubmitBlocked(list(checked.blockers)))
            return
        plan = checked.plan
        est = checked.estimate
        facts = [
            f"Provider    {checked.kind}" + (f" at {checked.connection['base_url']}"
                                            if checked.connection.get("base_url") else ""),
            f"File        {plan.training_path}",
            f"Validation  {plan.validation_path or '-'}",
            f"Model       {plan.model} ({plan.method})",
            f"Epochs      {plan.n_epochs}",
            f"Cost        {format_money(est.job_cost_usd)} ({est.training_tokens:,} training tokens)",
            f"Approval    {checked.approval and 'matches the record' or 'none'}",
            f"Settings    {describe_settings(plan.hyperparameters())}",
        ]
        if checked.confirmations:
            facts += ["", "Please confirm:", *checked.confirmations]
        self.post_message(SubmitConfirmation(checked, "\n".join(facts)))

    def confirmed(self, yes: bool | None, checked) -> None:
        """The person's answer to ``SubmitConfirmation``: submit, or say nothing was."""
        if not yes:
            self.app.notify("Nothing was submitted.")
            return
        bar = self.query_one("#submit-progress", ProgressBar)
        bar.display = True
        bar.update(total=None, progress=0)
        self.query_one("#submit-job", Button).disabled = True
        self.run_submit(checked)

    @work(thread=True, exclusive=True, exit_on_error=False, group="submit", description="submit the job")
    def run_submit(self, checked) -> None:
        from ..providers import ProviderError, TrainingNotAvailable
        from ..services.submit import SubmissionError, submit, wind_down_message

        provider = None
        try:
            provider = build_provider(self.app.provider_factory, checked.kind, checked.connection)
            result = submit(provider, checked.plan, on_progress=lambda p: self.post_message(
                SubmitProgressed(p.stage, p.message, p.done, p.total)))
        except (SubmissionError, ProviderError) as exc:
            wind_down = isinstance(exc, TrainingNotAvailable) or isinstance(getattr(exc, "cause", None),
                                                                             TrainingNotAvailable)
            text = wind_down_message(exc, checked.alternatives) if wind_down else str(exc)
            self.post_message(WorkFailed("The job was not submitted", text))
            return
        finally:
            if provider is not None:
                provider.close()
        self.post_message(Submitted(result, checked.kind, checked.connection))

    @on(SubmitProgressed)
    def _progress(self, message: SubmitProgressed) -> None:
        self.query_one("#submit-stage", Label).update(message.text)
        bar = self.query_one("#submit-progress", ProgressBar)
        if message.stage == "upload" and message.total:
            bar.update(total=message.total, progress=message.done or 0)

    @on(Submitted)
    def _submitted(self, message: Submitted) -> None:
        result = message.result
        self.query_one("#submit-progress", ProgressBar).display = False
        self.query_one("#submit-stage", Label).update(f"job {result.job.id}")
        self.refresh_state()
        if result.reused:
            self.app.notify(f"A job for this file and settings already exists: {result.job.id} "
                            f"({result.job.status}); not starting another.", title="Existing job")
        else:
            self.app.notify(f"Started fine-tuning job {result.job.id} on {message.kind}", title="Submitted")
        for warning in result.warnings:  # e.g. the endpoint dropped the job's metadata
            self.app.notify(warning, title="Warning", severity="warning", timeout=15)
        self.post_message(JobStarted(result.job, message.kind, message.connection))

    @on(WorkFailed)
    def _failed(self, message: WorkFailed) -> None:
        self.query_one("#submit-progress", ProgressBar).display = False
        self.query_one("#submit-stage", Label).update("")
        self.refresh_state()



def deadline(est) -> str:
    """When the provider stops taking this job and when the fine-tuned model stops
    serving, from the price table's lifecycle dates."""
    model = est.model
    parts = []
    if model.fine_tuning_ends is not None:
        parts.append(f"new jobs until {model.fine_tuning_ends.isoformat()}")
    if est.lifetime.usable_until is not None:
        parts.append(f"model usable until {est.lifetime.usable_until.isoformat()}"
                     + (f" ({plural(est.lifetime.days, 'day')})" if est.lifetime.days is not None else ""))
    return "; ".join(parts) if parts else "none published"
