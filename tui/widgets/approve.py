"""The Approve & submit tab: budget and approver, the approval record, and the gated
Submit action (disabled, with the reason, while the lint has errors or the estimate
is over budget). Submitting runs the same gates as ``ftpreflight submit``
(``tui.submission.preflight``), asks for confirmation, uploads with progress and
opens the job monitor."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Label, ProgressBar, Static

import pricing
from linter import plural
from pricing import format_money

from .. import __version__
from ..workers import ApprovalWritten, CredentialsChecked, PreflightDone, SubmitProgressed, Submitted, WorkFailed

PROVIDER_KIND = {"openai": "openai", "azure_openai": "azure"}
SETTING_NAMES = {"n_epochs": "epochs", "batch_size": "batch size",
                 "learning_rate_multiplier": "learning-rate multiplier"}


def describe_settings(hyperparameters: dict | None) -> str:
    """Hyperparameters as people read them ("epochs 3, batch size 8"), not a Python dict."""
    if not hyperparameters:
        return "the provider's defaults"
    return ", ".join(f"{SETTING_NAMES.get(name, name.replace('_', ' '))} {value}"
                     for name, value in hyperparameters.items())


def check_credentials(factory, kind: str) -> str | None:
    """Build (and close) a provider to learn whether its key is configured; the problem
    as one sentence, or None. Building a client sends nothing over the network."""
    from ..providers import ProviderError, redact

    try:
        provider = factory(kind)
    except ProviderError as exc:
        return redact(str(exc))
    close = getattr(provider, "close", None)
    if close is not None:
        close()
    return None


def parse_budget(text: str) -> Decimal | None:
    text = text.strip().lstrip("$").replace(",", "")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() and value >= 0 else None


class ApprovePane(VerticalScroll):
    _credentials: dict[str, str | None]
    """Per provider kind: why it cannot be used (no API key), None when it can."""

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
        yield Static("", id="submit-reason", markup=False)
        with Horizontal(classes="form-row"):
            yield Button("Submit job…", id="submit-job", variant="warning", disabled=True, compact=True)
            yield Label("", id="submit-stage")
        yield ProgressBar(id="submit-progress", show_eta=False)

    def on_mount(self) -> None:
        self._credentials = {}
        self.query_one("#submit-progress", ProgressBar).display = False
        self.refresh_state()

    def provider_kind(self) -> str:
        est = self.app.session.estimate
        return PROVIDER_KIND.get(est.model.provider, "openai") if est is not None else "openai"

    @work(thread=True, exclusive=True, exit_on_error=False, group="credentials", description="check the API key")
    def run_check_credentials(self, kind: str) -> None:
        self.post_message(CredentialsChecked(kind, check_credentials(self.app.provider_factory, kind)))

    @on(CredentialsChecked)
    def _credentials_checked(self, message: CredentialsChecked) -> None:
        self._credentials[message.kind] = message.problem
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
        if budget is None:
            return ["enter a budget in USD"]
        lint = pricing.LintSummary(errors=report.errors, warnings=report.warnings, infos=report.infos)
        problems = list(pricing.approval_refusals(est, budget, lint))
        if not self.query_one("#approver", Input).value.strip():
            problems.append("enter the approver's name")
        return problems

    def submit_problems(self) -> list[str]:
        problems = self.approval_problems()
        est = self.app.session.estimate
        if est is not None and est.method not in ("supervised", "dpo"):
            problems.append(f"{est.method} jobs cannot be submitted from ftpreflight")
        if est is not None:
            kind = self.provider_kind()
            if kind not in self._credentials:
                self._credentials[kind] = None  # until the check says otherwise
                self.run_check_credentials(kind)
            elif self._credentials[kind]:
                problems.append(self._credentials[kind])
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
        else:
            lines.append("Estimate  - (Cost tab)")
        self.query_one("#approve-summary", Static).update("\n".join(lines))
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
        lint = pricing.LintSummary(errors=report.errors, warnings=report.warnings, infos=report.infos)
        try:
            record = pricing.build_approval_record(
                data_path=path, estimate=est, budget_usd=budget, lint=lint, approver=approver,
                approved_at=self.app.now(), tool_version=__version__, validation_path=validation)
            lengths = list(report.files[0].records["tokens"].fill_null(0).to_list())
            paths = pricing.write_approval_files(record, Path(path).parent, Path(path).name.removesuffix(".jsonl"),
                                                 lengths)
        except pricing.ApprovalError as exc:
            self.post_message(WorkFailed("The approval record was not written", str(exc)))
            return
        except OSError as exc:
            self.post_message(WorkFailed("The approval record was not written", f"{exc.strerror or exc}"))
            return
        self.post_message(ApprovalWritten([str(p) for p in paths], (path, est.model.id, est.epochs)))

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
        from ..submission import SubmissionPlan

        session = self.app.session
        est = session.estimate
        plan = SubmissionPlan(
            training_path=Path(session.path), model=est.model.id,
            validation_path=Path(session.validation) if session.validation else None,
            method=est.method, n_epochs=None if session.epochs == "auto" else int(session.epochs))
        self.query_one("#submit-stage", Label).update("checking the data, the estimate and the approval…")
        self.query_one("#submit-job", Button).disabled = True
        self.run_preflight(plan, self.provider_kind(), self.current_approval())

    @work(thread=True, exclusive=True, exit_on_error=False, group="submit", description="check the submission")
    def run_preflight(self, plan, kind: str, approval: Path | None) -> None:
        from linter import FtPreflightError

        from ..submission import preflight

        settings = self.app.settings
        # The key first: without one, nothing else matters (and no confirmation is asked).
        problem = check_credentials(self.app.provider_factory, kind)
        if problem is not None:
            self.post_message(CredentialsChecked(kind, problem))
            self.post_message(WorkFailed("Cannot submit", problem))
            return
        try:
            checked = preflight(plan, settings, provider_name=kind, approval_path=approval,
                                require_approval=settings.require_approval, today=self.app.today(),
                                now=self.app.now(), max_approval_age_days=settings.approval_max_age_days)
        except (FtPreflightError, pricing.PricingError) as exc:
            self.post_message(WorkFailed("Cannot submit", str(exc)))
            return
        checked.kind = kind
        self.post_message(PreflightDone(checked))

    @on(PreflightDone)
    def _preflight_done(self, message: PreflightDone) -> None:
        from ..screens.dialogs import ConfirmDialog, MessageDialog

        checked = message.preflight
        self.query_one("#submit-stage", Label).update("")
        self.refresh_state()
        if not checked.ok:
            self.app.push_screen(MessageDialog("Not submitting", "\n".join(checked.blockers), error=True))
            return
        plan = checked.plan
        est = checked.estimate
        facts = [
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
        self.app.push_screen(ConfirmDialog("Submit this fine-tuning job?", "\n".join(facts), yes="Submit"),
                             lambda yes: self._confirmed(yes, checked))

    def _confirmed(self, yes: bool | None, checked) -> None:
        if not yes:
            self.app.notify("Nothing was submitted.")
            return
        bar = self.query_one("#submit-progress", ProgressBar)
        bar.display = True
        bar.update(total=None, progress=0)
        self.query_one("#submit-job", Button).disabled = True
        self.run_submit(checked.plan, checked.kind)

    @work(thread=True, exclusive=True, exit_on_error=False, group="submit", description="submit the job")
    def run_submit(self, plan, kind: str) -> None:
        from ..providers import ProviderError
        from ..submission import SubmissionError, submit

        provider = None
        try:
            provider = self.app.provider_factory(kind)
            result = submit(provider, plan, on_progress=lambda p: self.post_message(
                SubmitProgressed(p.stage, p.message, p.done, p.total)))
        except (SubmissionError, ProviderError) as exc:
            self.post_message(WorkFailed("The job was not submitted", str(exc)))
            return
        finally:
            if provider is not None:
                provider.close()
        self.post_message(Submitted(result))

    @on(SubmitProgressed)
    def _progress(self, message: SubmitProgressed) -> None:
        self.query_one("#submit-stage", Label).update(message.text)
        bar = self.query_one("#submit-progress", ProgressBar)
        if message.stage == "upload" and message.total:
            bar.update(total=message.total, progress=message.done or 0)

    @on(Submitted)
    def _submitted(self, message: Submitted) -> None:
        from ..screens.job import JobMonitorScreen

        result = message.result
        self.query_one("#submit-progress", ProgressBar).display = False
        self.query_one("#submit-stage", Label).update(f"job {result.job.id}")
        self.refresh_state()
        if result.reused:
            self.app.notify(f"A job for this file and settings already exists: {result.job.id} "
                            f"({result.job.status}); not starting another.", title="Existing job")
        else:
            self.app.notify(f"Started fine-tuning job {result.job.id}", title="Submitted")
        kind = PROVIDER_KIND.get(self.app.session.estimate.model.provider, "openai") \
            if self.app.session.estimate else "openai"
        self.app.push_screen(JobMonitorScreen(result.job, kind))

    @on(WorkFailed)
    def _failed(self, message: WorkFailed) -> None:
        self.query_one("#submit-progress", ProgressBar).display = False
        self.query_one("#submit-stage", Label).update("")
        self.refresh_state()

