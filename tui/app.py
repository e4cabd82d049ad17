"""The ftpreflight terminal app: review a dataset, plan the cost, approve and submit.

The app holds the session (the file, the lint report, the clean-up choices) and the
injected dependencies; it runs the long work in thread workers that only post
messages (``tui.workers``), and its ``@on`` handlers update the session and tell the
main screen to redraw. Screens live in ``tui/screens``, widgets in ``tui/widgets``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

from textual import on, work
from textual.actions import parse as parse_action
from textual.app import App
from textual.worker import Worker, WorkerState, get_current_worker

from linter import FtPreflightError, LintCancelled, LintConfig

from .actions import bindings
from .lintproc import lint_in_process
from .records_model import RecordsModel
from .screens.commands import ActionsProvider
from .startup import EarlyLint
from .workers import LintFailed, LintFinished, LintProgress, LintRelay, LintRows, WorkFailed

LintFunction = Callable[..., Any]
ProviderFactory = Callable[[str], Any]
"""Builds a provider for a kind (``openai`` or ``azure``); tests pass one for the fake API."""


def default_provider_factory(kind: str = "openai") -> Any:
    from .providers import make_provider

    return make_provider(kind)


@dataclass
class Session:
    """What the app knows about the file under review."""

    path: str | None = None
    validation: str | None = None
    model: str | None = None
    records: RecordsModel = field(default_factory=RecordsModel)
    report: Any = None
    """The finished ``linter.LintReport`` (``None`` while the lint runs)."""
    config: LintConfig | None = None
    linting: bool = False
    lint_seconds: float | None = None
    lint_started: float = 0.0
    first_rows_seconds: float | None = None
    generation: int = 0
    redact_lines: set[int] = field(default_factory=set)
    """Lines whose personal data the cleaned copy redacts."""
    rewrite_lines: set[int] = field(default_factory=set)
    """Lines the cleaned copy gives the missing separator, stop sequence or leading space (unsafe fixes)."""
    estimate: Any = None
    """The cost planner's current ``pricing.Estimate``."""
    epochs: int | str = "auto"
    budget: Decimal | None = None
    approval_path: Path | None = None
    approval_for: tuple | None = None
    """(path, model, epochs) the approval record was written for."""


class FtPreflightApp(App):
    """``ftpreflight FILE``: lint, review, clean, cost, approve and submit."""

    CSS_PATH = "app.tcss"
    TITLE = "ftpreflight"
    COMMANDS = App.COMMANDS | {ActionsProvider}
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]
    BINDINGS = bindings("app")

    def __init__(self, path: str | None = None, *, validation: str | None = None, model: str | None = None,
                 settings: Any = None, lint: LintFunction = lint_in_process,
                 provider_factory: ProviderFactory | None = None,
                 today: Callable[[], date] = date.today,
                 now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
                 clock: Callable[[], float] = time.perf_counter,
                 watch_interval: float = 15.0, start_dir: str | None = None,
                 early_lint: EarlyLint | None = None) -> None:
        super().__init__()
        from .config import Settings
        from .themes import LIGHT_THEME

        self.register_theme(LIGHT_THEME)

        _start_process_helpers()

        self.settings = settings if settings is not None else Settings()
        self.session = Session(path=path, validation=validation, model=model or self.settings.model)
        self.lint = lint
        self.provider_factory = provider_factory or default_provider_factory
        self.today = today
        self.now = now
        self.clock = clock
        self.watch_interval = watch_interval
        self.start_dir = start_dir or "."
        self._adopted_lint: EarlyLint | None = None
        self.early_lint = early_lint
        """A lint of ``path`` already running (started before the app, for speed); the
        first lint adopts it when its settings are the same."""

    # -- screens -----------------------------------------------------------------------
    def on_mount(self) -> None:
        if self.session.path:
            self.open_file(self.session.path)
        else:
            from .screens.picker import FilePickerScreen

            self.push_screen(FilePickerScreen(self.start_dir), self._picked)

    def _picked(self, path: str | None) -> None:
        if path:
            self.open_file(path)
        else:
            self.exit()

    @property
    def main(self):
        """The main screen, once it is mounted (``None`` before)."""
        from .screens.main import MainScreen

        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                return screen if screen.is_mounted else None
        return None

    def open_file(self, path: str, validation: str | None = None) -> None:
        """Show ``path`` and lint it (replacing whatever was shown)."""
        from .screens.main import MainScreen

        self.session.path = path
        if validation is not None:
            self.session.validation = validation
        if self.main is None:
            self.push_screen(MainScreen())
        # Start at once: the main screen catches up with the session when it mounts.
        self.start_lint()

    # -- lint --------------------------------------------------------------------------
    def lint_config(self) -> LintConfig:
        """The same lint settings ``ftpreflight lint --model M`` would use."""
        from .commands._common import model_row
        from .config import resolve_lint_config

        model = self.session.model or self.settings.model
        return resolve_lint_config(self.settings, model_row(model, self.settings))

    def start_lint(self) -> None:
        session = self.session
        if not session.path:
            return
        try:
            config = self.lint_config()
        except (FtPreflightError, ValueError) as exc:
            self.show_error("Cannot lint", str(exc))
            return
        session.generation += 1
        session.records = RecordsModel()
        session.report = None
        session.estimate = None
        session.redact_lines = set()
        session.rewrite_lines = set()
        session.linting = True
        session.lint_seconds = None
        session.first_rows_seconds = None
        session.config = config
        session.lint_started = self.clock()
        if self.main is not None:
            self.main.lint_started()
        early, self.early_lint = self.early_lint, None
        if early is not None and not early.matches(session.path, session.validation, config):
            early.cancel()
            early = None
        self._adopted_lint = early
        self.run_lint(session.generation, session.path, session.validation, config, early)

    @work(thread=True, exclusive=True, exit_on_error=False, group="lint", description="lint the dataset")
    def run_lint(self, generation: int, path: str, validation: str | None, config: LintConfig,
                 early: EarlyLint | None = None) -> None:
        worker = get_current_worker()
        relay = LintRelay(self.post_message, generation, lambda: worker.is_cancelled, path)
        started = self.clock()
        try:
            if early is not None:
                early.attach(relay)
                report = early.result()
            else:
                report = self.lint(path, config, relay, validation=validation)
        except LintCancelled:
            return
        except (FtPreflightError, OSError) as exc:
            self.post_message(LintFailed(generation, str(exc)))
            return
        self.post_message(LintFinished(generation, report, self.clock() - started))

    @on(LintRows)
    def _lint_rows(self, message: LintRows) -> None:
        if message.generation != self.session.generation:
            return
        if self.session.first_rows_seconds is None:
            self.session.first_rows_seconds = self.clock() - self.session.lint_started
            if self._adopted_lint is not None:  # it waits for these rows to be on screen
                self.call_after_refresh(self._adopted_lint.rows_shown)
        self.session.records.extend(message.rows)
        if self.main is not None:
            self.main.rows_arrived()

    @on(LintProgress)
    def _lint_progress(self, message: LintProgress) -> None:
        if message.generation == self.session.generation and self.main is not None:
            self.main.lint_progress(message.path, message.done, message.total)

    @on(LintFinished)
    def _lint_finished(self, message: LintFinished) -> None:
        session = self.session
        if message.generation != session.generation:
            return
        session.linting = False
        session.report = message.report
        session.lint_seconds = message.seconds
        if message.report.files:
            file_report = message.report.files[0]
            session.records.replace(file_report.records, message.report.diagnostics, file_report.path)
        if self.main is not None:
            self.main.lint_finished()

    @on(LintFailed)
    def _lint_failed(self, message: LintFailed) -> None:
        if message.generation != self.session.generation:
            return
        self.session.linting = False
        if self.main is not None:
            self.main.lint_failed(message.error)
        self.show_error("The lint could not run", message.error)

    @on(WorkFailed)
    def _work_failed(self, message: WorkFailed) -> None:
        self.show_error(message.what, message.error)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place unexpected worker failures end up: a dialog, never a traceback."""
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            error = event.worker.error
            what = event.worker.description or event.worker.name or "background work"
            self.show_error(f"Could not {what}", f"{type(error).__name__}: {error}")

    def show_error(self, title: str, text: str) -> None:
        from .providers import redact
        from .screens.dialogs import MessageDialog

        self.push_screen(MessageDialog(title, redact(text), error=True))

    # -- app-wide actions (the palette and bindings call these) -------------------------
    def action_show_tab(self, name: str) -> None:
        if self.main is not None:
            while self.screen is not self.main and len(self.screen_stack) > 1:
                self.pop_screen()
            self.main.show_tab(name)

    def action_help(self) -> None:
        from .screens.dialogs import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.help_context()))

    def help_context(self) -> str | None:
        """Where the person is: the record view, the job monitor or the main screen's tab."""
        from .screens.job import JobMonitorScreen
        from .screens.record import RecordScreen

        if isinstance(self.screen, RecordScreen):
            return "record"
        if isinstance(self.screen, JobMonitorScreen):
            return "job monitor"
        if self.main is not None and self.screen is self.main:
            return {"cleanup": "clean-up"}.get(self.main.active_tab, self.main.active_tab)
        return None

    def action_toggle_dark(self) -> None:
        from .themes import DARK, LIGHT

        self.theme = LIGHT if self.current_theme.dark else DARK

    def action_relint(self) -> None:
        self.start_lint()

    def action_save_clean(self) -> None:
        if self.main is not None:
            self.main.action_save_clean()

    async def run_command(self, action: str) -> None:
        """Run a palette entry (``tui.actions``): an app action, else the open screen's,
        else the main screen's (so "Next problem" steps the record view when it is open)."""
        _namespace, name, params = parse_action(action)
        if hasattr(self, f"action_{name}"):
            await self.run_action(action)
            return
        for target in (self.screen, self.main):
            method = getattr(target, f"action_{name}", None) if target is not None else None
            if method is not None:
                method(*params)
                return

    # -- one record, outside the app -----------------------------------------------------
    def record_bytes(self, line: int) -> bytes | None:
        """The raw JSON line ``line`` of the file under review (None: not a record)."""
        from linter import read_record_bytes

        session = self.session
        row = session.records.row_of_line(line)
        if row is None or session.path is None:
            return None
        try:
            return read_record_bytes(session.path, session.records.offset[row], session.records.length[row])
        except OSError as exc:
            self.show_error(f"Cannot read line {line}", f"{session.path}: {exc.strerror or exc}")
            return None

    def copy_record(self, line: int) -> None:
        raw = self.record_bytes(line)
        if raw is None:
            return
        self.copy_to_clipboard(raw.decode("utf-8", "replace").rstrip("\r\n"))
        self.notify(f"Line {line} copied to the clipboard (as JSON).", timeout=3)

    def edit_record(self, line: int) -> None:
        """Open a pretty-printed copy of the record in $VISUAL / $EDITOR; the data file
        itself is never opened for writing."""
        import json
        import os
        import shlex
        import subprocess
        import tempfile

        from textual.app import SuspendNotSupported

        raw = self.record_bytes(line)
        if raw is None:
            return
        text = raw.decode("utf-8", "replace")
        try:
            text = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
        except ValueError:
            pass  # not JSON: show it as it is
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        stem = os.path.basename(self.session.path or "record").removesuffix(".jsonl")
        handle, copy = tempfile.mkstemp(prefix=f"{stem}-line{line}-", suffix=".json")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text + "\n")
        command = [*shlex.split(editor), copy]
        try:
            try:
                with self.suspend():
                    subprocess.run(command, check=False)
            except SuspendNotSupported:  # no terminal to hand over (tests, headless)
                subprocess.run(command, check=False, stdin=subprocess.DEVNULL, capture_output=True)
        except OSError as exc:
            self.show_error("Cannot start the editor", f"{editor}: {exc.strerror or exc} (set $EDITOR)")
            return
        finally:
            try:
                os.unlink(copy)
            except OSError:
                pass
        self.notify(f"Line {line} was opened as a copy; the data file is unchanged.", timeout=4)


def _start_process_helpers() -> None:
    """Start multiprocessing's resource tracker while the real stdio is in place.

    The lint runs its workers in processes; the tracker they need is started on first
    use and hands it the process's stderr descriptor, which Textual has replaced by
    then ("bad value(s) in fds_to_keep"), so the lint would fall back to one core."""
    try:
        from multiprocessing import resource_tracker

        resource_tracker.ensure_running()
    except (OSError, ValueError):
        pass

