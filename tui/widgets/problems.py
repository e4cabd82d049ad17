"""The Problems tab: diagnostics grouped by rule, with counts and each rule's docs.
Enter filters the dataset table by the highlighted rule."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Label, Markdown, OptionList
from textual.widgets.option_list import Option

from linter import Severity, get_rule, plural

SEVERITY_MARK = {Severity.ERROR: "[red]✖[/]", Severity.WARNING: "[yellow]▲[/]", Severity.INFO: "[cyan]●[/]"}


class ProblemsPane(Horizontal):
    class RuleChosen(Message):
        def __init__(self, code: str) -> None:
            super().__init__()
            self.code = code

    def compose(self) -> ComposeResult:
        with Vertical(id="rules-column"):
            yield Label("Linting…", id="problems-summary")
            yield OptionList(id="rule-list")
        with VerticalScroll(id="rule-doc-scroll"):
            yield Markdown("Choose a rule to read its documentation.", id="rule-doc")

    def reset(self) -> None:
        self.query_one("#rule-list", OptionList).clear_options()
        self.query_one("#problems-summary", Label).update("Linting…")

    def lint_finished(self, report) -> None:
        self._report = report
        worst: dict[str, Severity] = {}
        lines: dict[str, int] = {}
        for d in report.diagnostics:
            worst[d.code] = max(worst.get(d.code, d.severity), d.severity)
            if d.line is not None:
                lines[d.code] = lines.get(d.code, 0) + 1
        options = []
        order = sorted(report.by_rule().items(), key=lambda item: (-worst.get(item[0], Severity.INFO), item[0]))
        for code, count in order:
            rule = get_rule(code)
            mark = SEVERITY_MARK.get(worst.get(code, Severity.INFO), " ")
            name = rule.name if rule else ""
            options.append(Option(f"{mark} {code} {name} [b]{count:,}[/]", id=code))
        option_list = self.query_one("#rule-list", OptionList)
        option_list.clear_options()
        option_list.add_options(options)
        summary = ", ".join((plural(report.errors, "error"), plural(report.warnings, "warning"),
                             plural(report.infos, "info")))
        if not options:
            summary = "No problems found."
        self.query_one("#problems-summary", Label).update(summary + " - enter: filter table, x: fix all")
        if options:
            option_list.highlighted = 0

    @property
    def highlighted_code(self) -> str | None:
        option_list = self.query_one("#rule-list", OptionList)
        if option_list.highlighted is None:
            return None
        return option_list.get_option_at_index(option_list.highlighted).id

    @on(OptionList.OptionHighlighted, "#rule-list")
    def _show_doc(self, event: OptionList.OptionHighlighted) -> None:
        code = event.option.id
        rule = get_rule(code) if code else None
        if rule is None:
            return
        report = getattr(self, "_report", None)
        count = report.by_rule().get(code, 0) if report else 0
        examples = []
        if report is not None:
            for d in report.diagnostics:
                if d.code == code:
                    where = f"line {d.line}" if d.line is not None else "file"
                    examples.append(f"- {d.path.rsplit('/', 1)[-1]} {where}: {d.message}")
                    if len(examples) == 5:
                        break
        fixes = {d.fix.description + f" ({d.fix.applicability.value})" for d in (report.diagnostics if report else [])
                 if d.code == code and d.fix is not None}
        parts = [f"## {rule.code} {rule.name}", f"**{rule.severity_text}** - {count:,} found - {rule.summary}"]
        if fixes:
            parts.append("**Fix:** " + "; ".join(sorted(fixes)))
        parts += ["", rule.doc, "", "### First occurrences", *examples]
        self.query_one("#rule-doc", Markdown).update("\n\n".join(parts[:3]) + "\n\n" + "\n".join(parts[3:]))

    @on(OptionList.OptionSelected, "#rule-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.post_message(self.RuleChosen(event.option.id))
