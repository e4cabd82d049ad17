"""The Clean-up tab and the glue between the user's choices and ``linter.fix_file``.

``fix_file`` always applies the safe fixes (exact duplicates, BOM, CRLF, blank lines,
separators, stop sequences, leading spaces). The user's own choices are expressed
with its public inputs: marked and unsafe-drop lines go in ``FixOptions.drop_lines``,
and redaction is limited to the chosen lines by handing ``fix_file`` a copy of the
report that keeps only those lines' personal-data diagnostics."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Label, Static

from linter import Applicability, Diagnostic, FixOptions, LintReport, Severity, get_rule

PRIVATE_PREFIX = "FT60"
SAFE_BY_DEFAULT = {"FT301": "exact duplicates dropped (the first copy is kept)",
                   "FT401": "missing prompt separators added", "FT403": "missing stop sequences added",
                   "FT405": "leading spaces added to completions"}


def choice_for(diagnostics: list[Diagnostic]) -> str | None:
    """What applying the fixes of one record's diagnostics means: ``redact``, ``drop``,
    ``safe`` (applied on every save anyway) or ``None`` (no automatic fix)."""
    codes = {d.code for d in diagnostics}
    if any(code.startswith(PRIVATE_PREFIX) for code in codes):
        return "redact"
    if any(d.fix is not None and d.fix.action == "drop-line" and d.fix.applicability is Applicability.UNSAFE
           for d in diagnostics):
        return "drop"
    if any(d.fix is not None and d.fix.applicability is Applicability.SAFE for d in diagnostics) or \
            codes & set(SAFE_BY_DEFAULT):
        return "safe"
    return None


def fix_inputs(report: LintReport, path: str, drop_lines: set[int], redact_lines: set[int]
               ) -> tuple[LintReport, FixOptions]:
    """The report and options to pass to ``fix_file`` for these choices."""
    kept = [d for d in report.diagnostics
            if not (d.code.startswith(PRIVATE_PREFIX) and d.path == path and d.line not in redact_lines)]
    filtered = replace(report, diagnostics=kept)
    options = FixOptions(redact_pii=bool(redact_lines), drop_lines=frozenset(drop_lines))
    return filtered, options


def describe_plan(report: LintReport | None, path: str | None, drop_lines: set[int], redact_lines: set[int]) -> str:
    if report is None or path is None:
        return "The lint is still running."
    safe: Counter = Counter()
    for d in report.diagnostics:
        if d.path != path:
            continue
        if d.code in SAFE_BY_DEFAULT:
            safe[SAFE_BY_DEFAULT[d.code]] += 1
        elif d.fix is not None and d.fix.applicability is Applicability.SAFE:
            safe[d.fix.description] += 1
    lines = ["Always applied when saving (safe fixes, meaning unchanged):"]
    lines += [f"  {count:>6,}  {what}" for what, count in sorted(safe.items())] or ["  (nothing to fix)"]
    lines.append("")
    lines.append("Your choices (change the training data):")
    lines.append(f"  {len(drop_lines):>6,}  records dropped" +
                 (f" (lines {_sample(drop_lines)})" if drop_lines else ""))
    lines.append(f"  {len(redact_lines):>6,}  records with personal data redacted" +
                 (f" (lines {_sample(redact_lines)})" if redact_lines else ""))
    errors = sorted({d.line for d in report.diagnostics
                     if d.path == path and d.severity == Severity.ERROR and d.line is not None
                     and d.line not in drop_lines and not (d.code.startswith(PRIVATE_PREFIX) and d.line in redact_lines)})
    lines.append("")
    if errors:
        lines.append(f"Still with errors after saving: {len(errors):,} records (lines {_sample(set(errors))}).")
        lines.append("Mark them to drop (d), fix them (x), or fix all of a rule from the Problems tab (x).")
    else:
        lines.append("No records with errors remain after saving.")
    lines.append("")
    lines.append("ctrl+s saves a new file (never the input) and lints it.")
    return "\n".join(lines)


def _sample(lines: set[int], limit: int = 8) -> str:
    ordered = sorted(lines)
    text = ", ".join(map(str, ordered[:limit]))
    return text + (f", … +{len(ordered) - limit}" if len(ordered) > limit else "")


def rule_lines(report: LintReport, path: str, code: str) -> list[int]:
    return sorted({d.line for d in report.diagnostics if d.code == code and d.path == path and d.line is not None})


def rule_label(code: str) -> str:
    rule = get_rule(code)
    return f"{code} {rule.name}" if rule else code


class CleanupPane(Vertical):
    def compose(self) -> ComposeResult:
        yield Label("Clean-up plan", classes="pane-title")
        with VerticalScroll(id="cleanup-scroll"):
            yield Static("The lint is still running.", id="cleanup-plan", markup=False)

    def refresh_plan(self) -> None:
        session = self.app.session
        text = describe_plan(session.report, session.path, session.records.marked, session.redact_lines)
        self.query_one("#cleanup-plan", Static).update(text)
