"""The job monitor: status, events as they arrive, the training loss curve, cancel.
Polling runs in a worker owned by this screen, so closing the screen stops it."""

from __future__ import annotations

import threading
from datetime import datetime, timezone

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Label, RichLog, Sparkline, Static
from textual.worker import get_current_worker

from ..actions import bindings
from ..widgets.approve import build_provider
from ..widgets.footer import AdaptiveFooter
from ..workers import JobUpdated, WorkFailed


def loss_points(events) -> list[tuple[int, float]]:
    points = []
    for event in events:
        data = event.data or {}
        if "train_loss" in data:
            try:
                points.append((int(data.get("step", len(points) + 1)), float(data["train_loss"])))
            except (TypeError, ValueError):
                continue
    return points


def describe_job(job) -> str:
    from ..services.submit import compare_trained_tokens

    lines = [f"Job       {job.id}", f"Status    {job.status}", f"Model     {job.model}"]
    if job.fine_tuned_model:
        lines.append(f"Result    {job.fine_tuned_model}")
    if job.trained_tokens is not None:
        lines.append(f"Trained   {job.trained_tokens:,} tokens")
        comparison = compare_trained_tokens(job)
        if comparison is not None:
            lines.append(f"          {comparison.describe()}")
    if job.billed_usd is not None:
        from pricing import format_money

        lines.append(f"Billed    {format_money(job.billed_usd)} (the provider's price"
                     + (")" if job.is_final else " so far)"))
    if job.estimated_finish:
        finish = datetime.fromtimestamp(job.estimated_finish, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        lines.append(f"Finish    ~{finish}")
    if job.error_message:
        lines.append(f"Error     {job.error_message}")
    return "\n".join(lines)


class JobMonitorScreen(Screen[None]):
    BINDINGS = bindings("job")

    def __init__(self, job, kind: str = "openai", connection: dict | None = None) -> None:
        super().__init__()
        self.job = job
        self.kind = kind
        """The provider the job runs on (any registered provider)."""
        self.connection = connection or {}
        """Its connection settings beyond the key (an OpenAI-compatible endpoint's base URL)."""
        self.losses: list[tuple[int, float]] = []
        self._stop = threading.Event()
        """Set when the screen closes: wakes the polling worker from its wait."""

    def compose(self) -> ComposeResult:
        with Vertical(id="job-monitor"):
            with Horizontal(id="job-top"):
                yield Static(describe_job(self.job), id="job-status", markup=False)
                with Vertical(id="job-loss-box"):
                    yield Label("Training loss", id="loss-label")
                    yield Sparkline([], id="loss")
            yield RichLog(id="job-events", wrap=True, markup=False, max_lines=2000)
            with Horizontal(classes="form-row"):
                yield Button("Cancel job", id="cancel-job", variant="error", compact=True)
                yield Button("Back", id="close-job", compact=True)
        yield AdaptiveFooter()

    def on_mount(self) -> None:
        self.poll_job(self.job.id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="job", description="watch the job")
    def poll_job(self, job_id: str) -> None:
        from ..providers import ProviderError
        from ..services.submit import watch_job

        worker = get_current_worker()
        provider = None
        try:
            provider = build_provider(self.app.provider_factory, self.kind, self.connection)
            watch_job(provider, job_id, on_update=lambda job, events: self.post_message(JobUpdated(job, events)),
                      poll_interval=self.app.watch_interval, sleep=self._stop.wait,
                      should_stop=lambda: worker.is_cancelled or self._stop.is_set())
        except ProviderError as exc:
            if not worker.is_cancelled:
                self.post_message(WorkFailed("Lost track of the job", str(exc)))
        finally:
            if provider is not None:
                provider.close()

    def on_unmount(self) -> None:
        self._stop.set()

    @on(JobUpdated)
    def _updated(self, message: JobUpdated) -> None:
        self.job = message.job
        self.query_one("#job-status", Static).update(describe_job(message.job))
        log = self.query_one("#job-events", RichLog)
        for event in message.events:
            stamp = datetime.fromtimestamp(event.created_at, timezone.utc).strftime("%H:%M:%S")
            log.write(f"{stamp} {event.level:<5} {event.message}")
        self.losses += loss_points(message.events)
        if self.losses:
            self.query_one("#loss", Sparkline).data = [value for _, value in self.losses]
            last_step, last = self.losses[-1]
            self.query_one("#loss-label", Label).update(f"Training loss: {last:.4f} at step {last_step}")
        self.query_one("#cancel-job", Button).disabled = message.job.is_final

    @on(Button.Pressed, "#cancel-job")
    def action_cancel_job(self) -> None:
        if self.job.is_final:
            self.app.notify(f"The job is already {self.job.status}.")
            return
        from .dialogs import ConfirmDialog

        self.app.push_screen(ConfirmDialog("Cancel the fine-tuning job?", f"Job {self.job.id} will stop; "
                                           "the provider bills the training done so far.", yes="Cancel job",
                                           no="Keep running"), self._cancel_confirmed)

    def _cancel_confirmed(self, yes: bool | None) -> None:
        if yes:
            self.run_cancel(self.job.id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="job-cancel", description="cancel the job")
    def run_cancel(self, job_id: str) -> None:
        from ..providers import ProviderError

        provider = None
        try:
            provider = build_provider(self.app.provider_factory, self.kind, self.connection)
            job = provider.cancel_job(job_id)
        except ProviderError as exc:
            self.post_message(WorkFailed("The job was not cancelled", str(exc)))
            return
        finally:
            if provider is not None:
                provider.close()
        self.post_message(JobUpdated(job, []))

    @on(Button.Pressed, "#close-job")
    def action_close(self) -> None:
        self.dismiss(None)
