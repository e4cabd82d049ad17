"""The main screen: a status line with the lint's progress and six tabs (Dataset,
Problems, Clean-up, Stats, Cost, Approve & submit). It owns the clean-up choices'
actions and the save worker; each tab is a widget in ``tui/widgets``."""

from __future__ import annotations

from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.markup import escape
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Input, Label, ProgressBar, Select, TabbedContent, TabPane
from textual.worker import get_current_worker

from linter import FixError, FtPreflightError, fix_file, plural

from .dialogs import ConfirmDialog, MessageDialog
from ..actions import bindings, tab_of
from ..widgets.footer import AdaptiveFooter
from ..widgets.header import MIN_NAME, LintSummary, middle_ellipsis, status_line
from ..widgets.approve import ApprovePane, JobStarted, ProviderPicked, SubmitBlocked, SubmitConfirmation
from ..widgets.cleanup import CleanupPane, choice_for, describe_plan, fix_inputs, rule_label, rule_lines
from ..widgets.cost import CostPane
from ..widgets.dataset import DatasetPane
from ..widgets.problems import ProblemsPane
from ..widgets.records import RecordTable
from ..widgets.stats import StatsPane
from ..workers import ExportDone, SaveDone, SearchDone, WorkFailed, export_records, search_file

TABS = ("dataset", "problems", "cleanup", "stats", "cost", "submit")
TAB_OF = tab_of("main")
"""The tab each of this screen's bindings works on (from ``tui.actions``)."""


class MainScreen(Screen):
    BINDINGS = bindings("main")

    def compose(self) -> ComposeResult:
        with Horizontal(id="topbar"):
            yield Label("", id="status")
            yield ProgressBar(id="lint-progress", show_eta=False)
        with TabbedContent(initial="dataset", id="tabs"):
            with TabPane("1 Dataset", id="dataset"):
                yield DatasetPane(id="dataset-pane")
            with TabPane("2 Problems", id="problems"):
                yield ProblemsPane(id="problems-pane")
            with TabPane("3 Clean-up", id="cleanup"):
                yield CleanupPane(id="cleanup-pane")
            with TabPane("4 Stats", id="stats"):
                yield StatsPane(id="stats-pane")
            with TabPane("5 Cost", id="cost"):
                yield CostPane(id="cost-pane")
            with TabPane("6 Submit", id="submit"):
                yield ApprovePane(id="approve-pane")
        yield AdaptiveFooter()

    def on_mount(self) -> None:
        self.query_one(RecordTable).focus()
        # The lint may have started (and sent rows) before this screen was mounted.
        if self.session.linting:
            self.lint_started()
            self.rows_arrived()
        self.call_after_refresh(self._catch_up)

    _shown_generation = -1

    def _catch_up(self) -> None:
        """Show a report that finished while this screen was still mounting."""
        if self.session.report is not None and self._shown_generation != self.session.generation:
            self.lint_finished()

    # -- helpers -----------------------------------------------------------------------
    @property
    def session(self):
        return self.app.session

    @property
    def dataset(self) -> DatasetPane:
        return self.query_one(DatasetPane)

    @property
    def table(self) -> RecordTable:
        return self.query_one(RecordTable)

    @property
    def active_tab(self) -> str:
        return self.query_one(TabbedContent).active

    def show_tab(self, name: str) -> None:
        if name in TABS:
            self.query_one(TabbedContent).active = name
            # Never an Input: the digit keys must keep switching tabs.
            focus = {"dataset": RecordTable, "problems": "#rule-list", "cost": "#model-list",
                     "submit": ApprovePane, "stats": StatsPane, "cleanup": "#cleanup-scroll"}.get(name)
            if focus is not None:
                self.query_one(focus).focus(scroll_visible=False)

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        """A binding limited to a tab is hidden and inert on the others (``x`` fixes the
        record on Dataset and the whole rule on Problems)."""
        if action == "leave_field":  # escape: shown (and run) only while a text field has the focus
            return isinstance(self.focused, Input)
        tab = TAB_OF.get(action)
        if tab is not None and self.app.screen is self:
            return self.active_tab == tab
        return True

    @on(TabbedContent.TabActivated)
    def _tab_changed(self, event: TabbedContent.TabActivated) -> None:
        self.refresh_bindings()
        if event.pane.id == "cleanup":
            self.query_one(CleanupPane).refresh_plan()
        elif event.pane.id == "submit":
            self.query_one(ApprovePane).refresh_state()

    # -- lint lifecycle (called by the app's message handlers) --------------------------
    def lint_started(self) -> None:
        self._summary = None
        bar = self.query_one("#lint-progress", ProgressBar)
        bar.display = True
        bar.update(total=100, progress=0)
        self.query_one("#status", Label).update(f"{self._file_label()}  linting…")
        self.dataset.reset()
        self.query_one(ProblemsPane).reset()
        self.query_one(StatsPane).reset()
        self.query_one(CleanupPane).refresh_plan()
        self.query_one(ApprovePane).refresh_state()

    def rows_arrived(self) -> None:
        self.dataset.rows_arrived()

    def lint_progress(self, path: str, done: int, total: int) -> None:
        if path != self.session.path:
            return
        bar = self.query_one("#lint-progress", ProgressBar)
        bar.update(total=max(total, 1), progress=done)
        # layout=False: the label's size is fixed, and a relayout of the whole screen on every
        # progress message would take time from the lint (same process, same GIL).
        self.query_one("#status", Label).update(
            f"{self._file_label()}  linting… {self.session.records.total:,} records so far", layout=False)

    def lint_finished(self) -> None:
        report = self.session.report
        self._shown_generation = self.session.generation
        self.query_one("#lint-progress", ProgressBar).display = False
        first = report.files[0] if report.files else None
        examples = first.examples if first else 0
        self._summary = LintSummary(
            Path(self.session.path).name, examples, first.format if first else None,
            first.record_count if first else 0, report.errors, report.warnings, report.infos,
            self.session.lint_seconds, self.session.config.model)
        self._show_status()
        self.call_after_refresh(self._show_status)  # again once the progress bar's room is free
        self.dataset.lint_finished(report)
        self.query_one(ProblemsPane).lint_finished(report)
        self.query_one(StatsPane).lint_finished(report)
        self.query_one(CleanupPane).refresh_plan()
        self.query_one(CostPane).recompute()
        self.query_one(ApprovePane).refresh_state()

    _summary: LintSummary | None = None

    def _show_status(self) -> None:
        """The summary line in the room there is (``tui.widgets.header``): the counts always."""
        if self._summary is None:
            return
        label = self.query_one("#status", Label)
        room = (label.size.width or self.size.width or self.app.size.width) - 1
        label.update(status_line(self._summary, room))

    def on_resize(self) -> None:
        if not self.session.linting:
            self.call_after_refresh(self._show_status)

    def lint_failed(self, error: str) -> None:
        self.query_one("#lint-progress", ProgressBar).display = False
        self.query_one("#status", Label).update(f"{self._file_label()}  [$text-error]lint failed[/]")

    def estimate_changed(self) -> None:
        self.query_one(ApprovePane).refresh_state()

    @on(ProviderPicked)
    def _provider_picked(self, event: ProviderPicked) -> None:
        """The Submit tab's provider decides which price table the Cost tab prices in."""
        self.query_one(CostPane).show_table(event.table)

    # -- the submit flow: the Approve tab posts, this screen opens the dialogs ----------------
    @on(SubmitBlocked)
    def _submit_blocked(self, event: SubmitBlocked) -> None:
        self.app.push_screen(MessageDialog("Not submitting", "\n".join(event.blockers), error=True))

    @on(SubmitConfirmation)
    def _submit_confirmation(self, event: SubmitConfirmation) -> None:
        pane = self.query_one(ApprovePane)
        self.app.push_screen(ConfirmDialog("Submit this fine-tuning job?", event.facts, yes="Submit"),
                             lambda yes: pane.confirmed(yes, event.checked))

    @on(JobStarted)
    def _job_started(self, event: JobStarted) -> None:
        from .job import JobMonitorScreen

        self.app.push_screen(JobMonitorScreen(event.job, event.kind, event.connection))

    def _file_label(self) -> str:
        """The file's name in bold, shortened in the middle to leave room for the progress."""
        if not self.session.path:
            return ""
        room = max(MIN_NAME, (self.size.width or self.app.size.width) - 60)
        return f"[b]{escape(middle_ellipsis(Path(self.session.path).name, room))}[/]"

    # -- dataset actions ---------------------------------------------------------------
    @on(ProblemsPane.RuleChosen)
    def _rule_chosen(self, event: ProblemsPane.RuleChosen) -> None:
        self.show_tab("dataset")
        self.dataset.filter_rule(event.code)

    @on(DatasetPane.SearchRequested)
    def _search_requested(self, event: DatasetPane.SearchRequested) -> None:
        if self.session.path:
            self.run_search(self.session.path, event.query)

    @work(thread=True, exclusive=True, exit_on_error=False, group="search", description="search the records")
    def run_search(self, path: str, query: str) -> None:
        worker = get_current_worker()
        lines = search_file(path, query, lambda: worker.is_cancelled)
        if lines is not None:
            self.post_message(SearchDone(query, lines))

    @on(SearchDone)
    def _search_done(self, message: SearchDone) -> None:
        self.dataset.set_search(message.query, message.lines)
        self.table.focus()

    @on(RecordTable.Selected)
    def _open(self, event: RecordTable.Selected) -> None:
        self.open_record(event.line)

    def open_record(self, line: int) -> None:
        from .record import RecordScreen

        self.app.push_screen(RecordScreen(line))

    def action_open_record(self) -> None:
        if self.table.current_line is not None:
            self.open_record(self.table.current_line)

    def action_focus_search(self) -> None:
        self.show_tab("dataset")
        self.query_one("#search", Input).focus()

    def action_focus_rule_filter(self) -> None:
        self.show_tab("dataset")
        select = self.query_one("#rule-filter", Select)
        select.focus()
        select.action_show_overlay()

    def action_clear_filters(self) -> None:
        self.dataset.clear_filters()

    def action_leave_field(self) -> None:
        self.show_tab(self.active_tab)

    def action_escape(self) -> None:
        """Leave a text field (so single keys work again), else clear the table's filters."""
        if isinstance(self.focused, Input):
            self.show_tab(self.active_tab)
        elif self.active_tab == "dataset":
            self.dataset.clear_filters()

    def action_cycle_sort(self) -> None:
        self.dataset.cycle_sort()

    def move_problem(self, step: int) -> int | None:
        """Move the table cursor to the next/previous flagged record; returns its line."""
        table = self.table
        position = self.session.records.next_flagged(table.cursor, step)
        if position is None:
            self.app.notify("No more problems in this direction.", timeout=2)
            return None
        table.move_to(position)
        return table.current_line

    def action_next_problem(self) -> None:
        self.move_problem(1)

    def action_previous_problem(self) -> None:
        self.move_problem(-1)

    def toggle_mark(self, line: int) -> None:
        marked = self.session.records.marked
        if line in marked:
            marked.discard(line)
        else:
            marked.add(line)
        self._after_choice()

    def action_toggle_mark(self) -> None:
        line = self.table.current_line
        if line is not None:
            self.toggle_mark(line)

    def action_go_to_line(self) -> None:
        from .dialogs import GoToLineDialog

        model = self.session.records
        if not model.total:
            return
        self.app.push_screen(GoToLineDialog(max(model.line)), self.go_to_line)

    def go_to_line(self, line: int | None) -> None:
        """Put the table's cursor on ``line`` (clearing filters that hide it)."""
        if line is None:
            return
        model = self.session.records
        if model.row_of_line(line) is None:
            self.app.notify(f"Line {line} is not a record (a blank line?).", severity="warning")
            return
        if model.position_of_line(line) is None:
            self.dataset.clear_filters()
            self.app.notify(f"Filters cleared to show line {line}.", timeout=3)
        position = model.position_of_line(line)
        if position is not None:
            self.table.move_to(position)

    def action_edit_record(self) -> None:
        if self.table.current_line is not None:
            self.app.edit_record(self.table.current_line)

    def action_copy_record(self) -> None:
        if self.table.current_line is not None:
            self.app.copy_record(self.table.current_line)

    # -- export ------------------------------------------------------------------------
    def action_export_view(self) -> None:
        from .dialogs import SaveDialog

        session = self.session
        model = session.records
        if session.path is None or not len(model):
            self.app.notify("No rows to export.", severity="warning")
            return
        source = Path(session.path)
        stem = source.name.removesuffix(".jsonl")
        suggestion = source.with_name(f"{stem}.rows.jsonl")
        number = 2
        while suggestion.exists():
            suggestion = source.with_name(f"{stem}.rows{number}.jsonl")
            number += 1
        what = model.describe_filter() or "every record"
        plan = (f"{len(model):,} of {plural(model.total, 'record')} ({what}), written in file order to a new file. "
                "The input is not changed.")
        self.app.push_screen(SaveDialog(str(source), str(suggestion), plan, title="Export the rows shown"),
                             self._export_to)

    def _export_to(self, target: str | None) -> None:
        if not target:
            return
        model = self.session.records
        rows = sorted(model.row_at(i) for i in range(len(model)))
        spans = [(model.offset[row], model.length[row]) for row in rows]
        self.run_export(self.session.path, target, spans)

    @work(thread=True, exclusive=True, exit_on_error=False, group="export", description="export the rows")
    def run_export(self, source: str, target: str, spans: list[tuple[int, int]]) -> None:
        try:
            written = export_records(source, target, spans)
        except OSError as exc:
            self.post_message(WorkFailed("The rows were not exported",
                                         f"{exc.filename or target}: {exc.strerror or exc} (nothing was written)"))
            return
        self.post_message(ExportDone(target, written))

    @on(ExportDone)
    def _exported(self, message: ExportDone) -> None:
        self.app.notify(f"{plural(message.written, 'record')} written to {message.path}.", title="Rows exported", timeout=6)

    def fix_line(self, line: int) -> None:
        report = self.session.report
        if report is None:
            self.app.notify("Wait for the lint to finish.", severity="warning")
            return
        choice = choice_for(report.for_line(self.session.path, line))
        if choice == "redact":
            self.session.redact_lines.add(line)
            self.app.notify(f"Line {line}: personal data will be redacted in the cleaned copy.")
        elif choice == "drop":
            self.session.records.marked.add(line)
            self.app.notify(f"Line {line} will be dropped from the cleaned copy.")
        elif choice == "rewrite":
            self.session.rewrite_lines.add(line)
            self.app.notify(f"Line {line}: the missing separator, stop sequence or space will be added "
                            "(an unsafe fix: it changes the training text).")
        elif choice == "safe":
            self.app.notify(f"Line {line}: its fixes are safe and applied whenever you save (ctrl+s).")
        else:
            self.app.notify(f"Line {line} has no automatic fix: mark it to drop with d.", severity="warning")
        self._after_choice()

    def action_fix_record(self) -> None:
        line = self.table.current_line
        if line is not None:
            self.fix_line(line)

    def action_fix_rule(self) -> None:
        report = self.session.report
        code = self.query_one(ProblemsPane).highlighted_code
        if report is None or code is None:
            return
        lines = rule_lines(report, self.session.path, code)
        if not lines:
            self.app.notify(f"{rule_label(code)} is about the whole file; no record fix.", severity="warning")
            return
        choice = choice_for([d for d in report.diagnostics if d.code == code and d.path == self.session.path])
        if choice == "redact":
            self.session.redact_lines.update(lines)
            self.app.notify(f"{plural(len(lines), 'record')}: {rule_label(code)} values will be redacted.")
        elif choice == "drop":
            self.session.records.marked.update(lines)
            self.app.notify(f"{plural(len(lines), 'record')} with {rule_label(code)} will be dropped.")
        elif choice == "rewrite":
            self.session.rewrite_lines.update(lines)
            self.app.notify(f"{plural(len(lines), 'record')}: {rule_label(code)} will be fixed (an unsafe fix: "
                            "it changes the training text).")
        elif choice == "safe":
            self.app.notify(f"{rule_label(code)}: safe fixes, applied whenever you save (ctrl+s).")
        else:
            from .dialogs import ConfirmDialog

            def confirmed(yes: bool | None) -> None:
                if yes:
                    self.session.records.marked.update(lines)
                    self._after_choice()

            self.app.push_screen(ConfirmDialog(
                f"Drop every record with {code}?",
                f"{rule_label(code)} has no automatic fix. Drop the {plural(len(lines), 'record')} that {'has' if len(lines) == 1 else 'have'} it "
                "from the cleaned copy?", yes="Drop them"), confirmed)
            return
        self._after_choice()

    def _after_choice(self) -> None:
        """The clean-up plan changed: redraw the marks, the counts and the plan."""
        self.table.refresh()
        self.dataset.update_info()
        self.query_one(CleanupPane).refresh_plan()

    def action_clear_cleanup(self) -> None:
        self.session.records.marked.clear()
        self.session.redact_lines.clear()
        self.session.rewrite_lines.clear()
        self._after_choice()
        self.app.notify("Marks and chosen fixes cleared.")

    # -- save --------------------------------------------------------------------------
    def action_save_clean(self) -> None:
        from .dialogs import SaveDialog

        session = self.session
        if session.report is None or session.path is None:
            self.app.notify("Wait for the lint to finish before saving.", severity="warning")
            return
        source = Path(session.path)
        stem = source.name.removesuffix(".jsonl")
        suggestion = source.with_name(f"{stem}.clean.jsonl")
        number = 2
        while suggestion.exists() or suggestion == source:
            suggestion = source.with_name(f"{stem}.clean{number}.jsonl")
            number += 1
        plan = describe_plan(session.report, session.path, session.records.marked, session.redact_lines,
                             session.rewrite_lines)
        self.app.push_screen(SaveDialog(str(source), str(suggestion), plan), self._save_to)

    def _save_to(self, target: str | None) -> None:
        if not target:
            return
        session = self.session
        report, options = fix_inputs(session.report, session.path, set(session.records.marked),
                                     set(session.redact_lines), set(session.rewrite_lines))
        self.app.notify(f"Saving {Path(target).name}…", timeout=2)
        self.run_save(session.path, target, session.config, options, report)

    @work(thread=True, exclusive=True, exit_on_error=False, group="save", description="save the cleaned copy")
    def run_save(self, source: str, target: str, config, options, report) -> None:
        try:
            summary = fix_file(source, target, config, options, report=report)
        except (FixError, FtPreflightError) as exc:
            self.post_message(WorkFailed("The cleaned copy was not saved", f"{exc} (the input is unchanged)"))
            return
        except OSError as exc:
            self.post_message(WorkFailed("The cleaned copy was not saved",
                                         f"{target}: {exc.strerror or exc} (the input is unchanged)"))
            return
        self.post_message(SaveDone(summary))

    @on(SaveDone)
    def _saved(self, message: SaveDone) -> None:
        summary = message.summary
        dropped = sum(summary.dropped.values())
        changed = sum(summary.changed.values())
        redacted = sum(summary.redacted.values())
        self.app.notify(f"{summary.output}: {summary.written:,} of {summary.lines_read:,} lines written, "
                        f"{dropped:,} dropped, {changed:,} changed, {redacted:,} values redacted. Linting it now.",
                        title="Cleaned copy saved", timeout=8)
        self.app.open_file(summary.output)

    # -- approve and submit (palette entries) -------------------------------------------
    def action_write_approval(self) -> None:
        self.show_tab("submit")
        self.query_one(ApprovePane).write_approval()

    def action_submit_job(self) -> None:
        self.show_tab("submit")
        self.query_one(ApprovePane).submit_job()
