"""The Dataset tab: filter bar, the virtualised record table and (on wide
terminals) a preview of the highlighted record."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Label, Select, Static

from rich.markup import escape as escape_markup

from linter import get_rule, read_record_bytes

from ..records_model import SORTS
from .conversation import render_record
from .records import RecordTable

PREVIEW_DELAY = 0.08
"""Seconds the cursor must rest before the preview reads the record (key repeat stays smooth)."""


class DatasetPane(Vertical):
    def compose(self) -> ComposeResult:
        with Horizontal(id="filter-bar"):
            yield Input(placeholder="/ search text, enter", id="search", compact=True)
            yield Select([], prompt="r: any rule", id="rule-filter", compact=True)
            yield Label("", id="view-info")
        yield Static("", id="file-findings")
        with Horizontal(id="dataset-body"):
            yield RecordTable(self.app.session.records, id="records")
            with VerticalScroll(id="preview"):
                yield Static("", id="preview-text")

    _preview_timer: Timer | None = None

    @property
    def table(self) -> RecordTable:
        return self.query_one(RecordTable)

    @property
    def model(self):
        return self.app.session.records

    def reset(self) -> None:
        table = self.table
        table.model = self.app.session.records
        table.cursor = 0
        table.scroll_to(y=0, animate=False, immediate=True)
        self.query_one("#search", Input).value = ""
        select = self.query_one("#rule-filter", Select)
        select.set_options([])
        self.show_file_findings(None)
        table.data_changed()
        self.update_info()

    def rows_arrived(self) -> None:
        self.table.data_changed()
        self.update_info()
        if self.table.cursor == 0 and len(self.model) and not self.query_one("#preview-text", Static).content:
            self.schedule_preview()

    def show_file_findings(self, report) -> None:
        """Findings the table has no row for, above it: about the whole file (unreadable,
        binary, too large, too few examples), and on lines that are not records (a blank
        line). With an empty table they are the only explanation."""
        from linter import Severity

        path = self.app.session.path
        marks = {Severity.ERROR: "[$text-error]✖[/]", Severity.WARNING: "[$text-warning]▲[/]",
                 Severity.INFO: "[$text-primary]●[/]"}
        whole_file, off_table = [], []
        for d in report.diagnostics if report is not None else ():
            if d.path != path or (d.line is not None and self.model.row_of_line(d.line) is not None):
                continue
            rule = get_rule(d.code)
            where = "" if d.line is None else f"line {d.line}: "
            (whole_file if d.line is None else off_table).append(
                f"{marks.get(d.severity, '')} {d.code} {rule.name if rule else ''}: {where}{escape_markup(d.message)}")
        lines = whole_file + off_table
        banner = self.query_one("#file-findings", Static)
        banner.update("\n".join(lines[:3]) + (f"\n… {len(lines) - 3} more on the Problems tab" if len(lines) > 3 else ""))
        banner.display = bool(lines)

    def lint_finished(self, report) -> None:
        self.show_file_findings(report)
        keep = self.table.current_line
        path = self.app.session.path
        per_line = {}
        for d in report.diagnostics:
            # Findings on lines the table has a row for (the others are above it).
            if d.path == path and d.line is not None and self.model.row_of_line(d.line) is not None:
                per_line.setdefault(d.code, set()).add(d.line)
        options = []
        for code in sorted(per_line):
            rule = get_rule(code)
            # The count is of the rows the filter shows.
            options.append((f"{code} {rule.name if rule else ''} ({len(per_line[code])})", code))
        select = self.query_one("#rule-filter", Select)
        current = self.model.rule
        select.set_options(options)
        if current and current in per_line:
            select.value = current
            self.model.rule_lines = frozenset(per_line[current])
        elif current:
            self.model.rule, self.model.rule_lines = None, None
        self.model.refresh_view()
        self.table.data_changed(keep_line=keep)
        self.update_info()
        self.schedule_preview()

    def update_info(self) -> None:
        model = self.model
        shown = len(model)
        text = f"{shown:,} of {model.total:,}" if model.view is not None else f"{model.total:,} records"
        extra = model.describe_filter()
        if model.marked:
            extra = (extra + ", " if extra else "") + f"{len(model.marked)} marked"
        self.query_one("#view-info", Label).update(text + (f"  {extra}" if extra else ""), layout=False)

    # -- filters -----------------------------------------------------------------------
    def filter_rule(self, code: str | None) -> None:
        model = self.model
        report = self.app.session.report
        if code is None or report is None:
            model.rule, model.rule_lines = None, None
        else:
            path = self.app.session.path
            model.rule = code
            model.rule_lines = frozenset(d.line for d in report.diagnostics
                                         if d.code == code and d.path == path and d.line is not None)
        select = self.query_one("#rule-filter", Select)
        wanted = code if code is not None else Select.NULL
        if select.value != wanted:
            with select.prevent(Select.Changed):
                select.value = wanted
        keep = self.table.current_line
        model.refresh_view()
        self.table.cursor = 0
        self.table.data_changed(keep_line=keep)
        self.update_info()

    @on(Select.Changed, "#rule-filter")
    def _rule_chosen(self, event: Select.Changed) -> None:
        value = event.value
        self.filter_rule(None if value is Select.NULL else str(value))
        self.table.focus()

    @dataclass
    class SearchRequested(Message):
        """Enter in the search box: the screen searches the file for ``query``."""

        query: str

    @on(Input.Submitted, "#search")
    def _search(self, event: Input.Submitted) -> None:
        query = event.value.strip()
        if not query:
            self.set_search("", None)
            return
        if self.app.session.path:
            self.query_one("#view-info", Label).update(f"searching {query!r}…")
            self.post_message(self.SearchRequested(query))

    @on(Input.Changed, "#search")
    def _search_cleared(self, event: Input.Changed) -> None:
        if not event.value.strip() and self.model.search_lines is not None:
            self.set_search("", None)

    def set_search(self, query: str, lines: frozenset[int] | None) -> None:
        """Show only the records on ``lines`` (``None``: no text filter)."""
        keep = self.table.current_line
        self.model.search, self.model.search_lines = query, lines
        self.model.refresh_view()
        self.table.cursor = 0
        self.table.data_changed(keep_line=keep)
        self.update_info()

    def clear_filters(self) -> None:
        self.model.sort = None
        self.query_one("#search", Input).value = ""
        self.model.search, self.model.search_lines = "", None
        self.filter_rule(None)
        self.table.focus()

    def cycle_sort(self) -> None:
        model = self.model
        model.sort = SORTS[(SORTS.index(model.sort) + 1) % len(SORTS)]
        keep = self.table.current_line
        model.refresh_view()
        self.table.data_changed(keep_line=keep)
        self.update_info()

    # -- preview -----------------------------------------------------------------------
    @on(RecordTable.Highlighted)
    def _highlighted(self, event: RecordTable.Highlighted) -> None:
        self.schedule_preview()

    def schedule_preview(self) -> None:
        if not self.screen.has_class("-wide") and not self.app.screen.has_class("-wide"):
            return
        if self._preview_timer is not None:
            self._preview_timer.stop()
        self._preview_timer = self.set_timer(PREVIEW_DELAY, self.show_preview)

    def show_preview(self) -> None:
        line = self.table.current_line
        target = self.query_one("#preview-text", Static)
        session = self.app.session
        if line is None or session.path is None:
            target.update("")
            return
        row = self.model.row_of_line(line)
        try:
            raw = read_record_bytes(session.path, self.model.offset[row], self.model.length[row])
        except OSError as exc:
            target.update(f"cannot read line {line}: {exc.strerror or exc}")
            return
        diagnostics = session.report.for_line(session.path, line) if session.report else []
        text = render_record(raw, diagnostics)
        text.truncate(20_000)
        target.update(text)
