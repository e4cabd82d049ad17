"""One record as a conversation, with its diagnostics. Reads only that record from
disk (by offset), masks personal data unless revealed, and steps through records in
the table's current order."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Label, Static
from rich.text import Text

from linter import read_record_bytes

from ..actions import bindings
from ..widgets.footer import AdaptiveFooter
from ..widgets.conversation import describe_diagnostic, is_private, render_record


class RecordScreen(Screen[None]):
    BINDINGS = bindings("record")

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.reveal = False

    def compose(self) -> ComposeResult:
        yield Label("", id="record-title")
        with VerticalScroll(id="record-body"):
            yield Static("", id="conversation")
            yield Label("Problems", classes="pane-title")
            yield Static("", id="record-diagnostics")
        yield AdaptiveFooter()

    def on_mount(self) -> None:
        self.show()
        self.query_one("#record-body").focus()

    @property
    def main(self):
        return self.app.main

    def show(self) -> None:
        session = self.app.session
        model = session.records
        row = model.row_of_line(self.line)
        diagnostics = session.report.for_line(session.path, self.line) if session.report else []
        title = Text()
        title.append(f" line {self.line}", "bold")
        if row is not None:
            title.append(f"  {model.kind[row] or 'unparsed'}  {model.messages[row]} messages  "
                         f"{model.tokens[row]:,} tokens")
        if self.line in model.marked:
            title.append("  ✂ marked to drop", "bold red")
        if self.line in session.redact_lines:
            title.append("  PII will be redacted", "bold yellow")
        if any(is_private(d) for d in diagnostics):
            title.append("  personal data " + ("shown (v hides)" if self.reveal else "masked (v reveals)"), "italic")
        self.query_one("#record-title", Label).update(title)
        conversation = self.query_one("#conversation", Static)
        if row is None:
            conversation.update(f"Line {self.line} is not a record (blank line).")
        else:
            try:
                raw = read_record_bytes(session.path, model.offset[row], model.length[row])
            except OSError as exc:
                conversation.update(f"Cannot read line {self.line}: {exc.strerror or exc}")
            else:
                conversation.update(render_record(raw, diagnostics, reveal=self.reveal))
        problems = Text("\n").join(describe_diagnostic(d) for d in diagnostics) if diagnostics \
            else Text("No problems.", style="green")
        self.query_one("#record-diagnostics", Static).update(problems)

    def go_to(self, line: int | None) -> None:
        if line is not None:
            self.line = line
            self.show()
            self.query_one("#record-body", VerticalScroll).scroll_home(animate=False)

    def action_back(self) -> None:
        self.dismiss(None)

    def action_next_problem(self) -> None:
        self._sync_table()
        self.go_to(self.main.move_problem(1))

    def action_previous_problem(self) -> None:
        self._sync_table()
        self.go_to(self.main.move_problem(-1))

    def action_step(self, step: int) -> None:
        self._sync_table()
        table = self.main.table
        before = table.cursor
        table.move_to(before + step)
        if table.cursor != before:
            self.go_to(table.current_line)

    def _sync_table(self) -> None:
        """Put the table's cursor on this record, so steps start from here."""
        table = self.main.table
        position = self.app.session.records.position_of_line(self.line)
        if position is not None and position != table.cursor:
            table.move_to(position)

    def action_reveal(self) -> None:
        self.reveal = not self.reveal
        self.show()

    def action_toggle_mark(self) -> None:
        self.main.toggle_mark(self.line)
        self.show()

    def action_edit_record(self) -> None:
        self.app.edit_record(self.line)

    def action_copy_record(self) -> None:
        self.app.copy_record(self.line)

    def action_fix_record(self) -> None:
        self.main.fix_line(self.line)
        self.show()
