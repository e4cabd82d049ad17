"""The Problems tab: diagnostics grouped by rule, with counts and each rule's docs.
Enter filters the dataset table by the highlighted rule."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from linter import Severity, get_rule, plural

if TYPE_CHECKING:
    from rich.markdown import Markdown

DOC_DELAY = 0.06
"""Seconds the highlight must rest on a rule before its documentation is drawn: arrow
keys move the highlight at once, and quick presses (key repeat: one every ~30 ms)
never wait for a render."""
FIRST_OCCURRENCES = 5

SEVERITY_MARK = {Severity.ERROR: "[$text-error]✖[/]", Severity.WARNING: "[$text-warning]▲[/]",
                 Severity.INFO: "[$text-primary]●[/]"}
"""Theme colours made for text, readable on the light theme too (plain yellow is not)."""


class ProblemsPane(Horizontal):
    @dataclass
    class RuleChosen(Message):
        """Enter on a rule: the screen filters the dataset table by it."""

        code: str

    def compose(self) -> ComposeResult:
        with Vertical(id="rules-column"):
            yield Label("Linting…", id="problems-summary")
            yield OptionList(id="rule-list")
        with VerticalScroll(id="rule-doc-scroll"):
            yield Static("Choose a rule to read its documentation.", id="rule-doc")

    _doc_timer: Timer | None = None
    _doc_code: str | None = None
    _shown_code: str | None = None
    _facts: dict[str, tuple[int, list[str], list[str]]] = {}
    """Per rule: count, first occurrences, fixes (gathered once per lint, in one pass)."""
    _docs: dict[str, Markdown] = {}
    """Per rule: its documentation, parsed once per lint."""

    def reset(self) -> None:
        self._facts = {}
        self._docs = {}
        self._shown_code = None
        self.query_one("#rule-list", OptionList).clear_options()
        self.query_one("#problems-summary", Label).update("Linting…")

    def lint_finished(self, report) -> None:
        self._report = report
        worst: dict[str, Severity] = {}
        examples: dict[str, list[str]] = {}
        fixes: dict[str, set[str]] = {}
        for d in report.diagnostics:
            worst[d.code] = max(worst.get(d.code, d.severity), d.severity)
            shown = examples.setdefault(d.code, [])
            if len(shown) < FIRST_OCCURRENCES:
                where = f"line {d.line}" if d.line is not None else "file"
                shown.append(f"- {d.path.rsplit('/', 1)[-1]} {where}: {d.message}")
            if d.fix is not None:
                fixes.setdefault(d.code, set()).add(f"{d.fix.description} ({d.fix.applicability.value})")
        counts = report.by_rule()
        self._facts = {code: (counts.get(code, 0), examples.get(code, []), sorted(fixes.get(code, ())))
                       for code in counts}
        self._docs = {}
        self._shown_code = None
        options = []
        order = sorted(counts.items(), key=lambda item: (-worst.get(item[0], Severity.INFO), item[0]))
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
        self.query_one("#problems-summary", Label).update(
            summary + ("\n[dim]enter: filter the table · x: fix all[/]" if options else ""))
        if options:
            option_list.highlighted = 0

    @property
    def highlighted_code(self) -> str | None:
        option_list = self.query_one("#rule-list", OptionList)
        if option_list.highlighted is None:
            return None
        return option_list.get_option_at_index(option_list.highlighted).id

    @on(OptionList.OptionHighlighted, "#rule-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._doc_code = event.option.id
        if self._doc_timer is not None:
            self._doc_timer.stop()
        if self._shown_code is None:
            self.show_doc()  # the first rule's doc at once; later ones when the cursor rests
        else:
            self._doc_timer = self.set_timer(DOC_DELAY, self.show_doc)

    def show_doc(self) -> None:
        """Draw the highlighted rule's documentation (a Rich renderable in one Static:
        cheap enough that a key pressed during it is still answered quickly)."""
        code = self._doc_code
        rule = get_rule(code) if code else None
        if rule is None or code == self._shown_code:
            return
        self._shown_code = code
        doc = self._docs.get(code)
        if doc is None:
            from rich.markdown import Markdown  # not at import: the app's first frame needs none

            count, examples, fixes = self._facts.get(code, (0, [], []))
            parts = [f"## {rule.code} {rule.name}", f"**{rule.severity_text}** - {count:,} found - {rule.summary}"]
            if fixes:
                parts.append("**Fix:** " + "; ".join(fixes))
            text = "\n\n".join(parts) + "\n\n" + rule.doc + "\n\n### First occurrences\n\n" + "\n".join(examples)
            doc = self._docs[code] = Markdown(text)
        self.query_one("#rule-doc", Static).update(doc)
        self.query_one("#rule-doc-scroll", VerticalScroll).scroll_home(animate=False)

    @on(OptionList.OptionSelected, "#rule-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.post_message(self.RuleChosen(event.option.id))
