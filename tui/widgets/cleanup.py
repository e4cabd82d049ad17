"""The Clean-up tab and the glue between the user's choices and ``linter.fix_file``.

The fix classes come from the rule table (``linter.fix_class``), the same place the
CLI reads them from: safe fixes (exact duplicates, BOM, CRLF, blank lines) are
applied on every save; unsafe ones only for the records the user chose. Marked and
unsafe-drop lines go in ``FixOptions.drop_lines``; redactions and rewrites
(separator, stop sequence, leading space) are limited to the chosen lines by handing
``fix_file`` a copy of the report that keeps only those lines' unsafe diagnostics."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Label, Static

from linter import Applicability, Diagnostic, FixOptions, LintReport, Severity, fix_class, get_rule, plural

SAFE, UNSAFE = Applicability.SAFE, Applicability.UNSAFE


def unsafe_kind(d: Diagnostic) -> str | None:
    """What the unsafe fix of ``d`` does: ``redact``, ``drop`` or ``rewrite`` (adds text);
    ``None`` when ``d`` has no unsafe fix."""
    if fix_class(d) is not UNSAFE:
        return None
    if d.fix is not None and d.fix.action == "redact":
        return "redact"
    if d.fix is not None and d.fix.action == "drop-line":
        return "drop"
    return "rewrite"


def choice_for(diagnostics: list[Diagnostic]) -> str | None:
    """What applying the fixes of one record's diagnostics means: ``redact``, ``drop``,
    ``rewrite`` (unsafe: adds a separator, stop sequence or space), ``safe`` (applied
    on every save anyway) or ``None`` (no automatic fix)."""
    kinds = {unsafe_kind(d) for d in diagnostics}
    for kind in ("redact", "drop", "rewrite"):
        if kind in kinds:
            return kind
    if any(d.fix is not None and d.fix.action == "drop-line" and d.fix.applicability is UNSAFE
           for d in diagnostics):
        return "drop"
    if any(fix_class(d) is SAFE for d in diagnostics):
        return "safe"
    return None


def fix_inputs(report: LintReport, path: str, drop_lines: set[int], redact_lines: set[int],
               rewrite_lines: set[int] = frozenset()) -> tuple[LintReport, FixOptions]:
    """The report and options to pass to ``fix_file`` for these choices."""
    chosen = {"redact": redact_lines, "rewrite": rewrite_lines}
    kept: list[Diagnostic] = []
    unsafe: set[str] = set()
    for d in report.diagnostics:
        kind = unsafe_kind(d) if d.path == path else None
        if kind in chosen:
            if d.line not in chosen[kind]:
                continue
            if kind == "rewrite":
                unsafe.add(d.code)
        kept.append(d)
    filtered = replace(report, diagnostics=kept)
    options = FixOptions(unsafe_fixes=frozenset(unsafe), redact_pii=bool(redact_lines),
                         drop_lines=frozenset(drop_lines))
    return filtered, options


def describe_plan(report: LintReport | None, path: str | None, drop_lines: set[int], redact_lines: set[int],
                  rewrite_lines: set[int] = frozenset()) -> str:
    if report is None or path is None:
        return "The lint is still running."
    safe: Counter = Counter()
    offered: Counter = Counter()
    for d in report.diagnostics:
        if d.path != path:
            continue
        applicability = fix_class(d)
        if applicability is SAFE:
            safe[d.fix.description if d.fix is not None else rule_label(d.code)] += 1
        elif applicability is UNSAFE and unsafe_kind(d) == "rewrite" and d.line not in rewrite_lines:
            offered[rule_label(d.code)] += 1
    lines = ["Safe fixes, always applied when saving (the training data means the same):"]
    lines += [f"  {count:>6,}  {what}" for what, count in sorted(safe.items())] or ["  (nothing to fix)"]
    lines.append("")
    lines.append("Unsafe fixes, only those you chose (they change the training data):")
    lines.append(f"  {len(drop_lines):>6,}  {_records(len(drop_lines))} dropped" +
                 (f" ({_lines(set(drop_lines))})" if drop_lines else ""))
    lines.append(f"  {len(redact_lines):>6,}  {_records(len(redact_lines))} with personal data redacted" +
                 (f" ({_lines(set(redact_lines))})" if redact_lines else ""))
    lines.append(f"  {len(rewrite_lines):>6,}  {_records(len(rewrite_lines))} given the missing separator, stop sequence or space" +
                 (f" ({_lines(set(rewrite_lines))})" if rewrite_lines else ""))
    if offered:
        lines.append("  Not chosen (x applies them):")
        lines += [f"  {count:>6,}  {what}" for what, count in sorted(offered.items())]
    errors = sorted({d.line for d in report.diagnostics
                     if d.path == path and d.severity == Severity.ERROR and d.line is not None
                     and d.line not in drop_lines and fix_class(d) is not SAFE
                     and not (unsafe_kind(d) == "redact" and d.line in redact_lines)})
    lines.append("")
    if errors:
        lines.append(f"Still with errors after saving: {plural(len(errors), 'record')} "
                     f"({_lines(set(errors))}).")
        them = "it" if len(errors) == 1 else "them"
        lines.append(f"Mark {them} to drop (d), fix {them} (x), or fix all of a rule from the Problems tab (x).")
    else:
        lines.append("No records with errors remain after saving.")
    lines.append("")
    lines.append("ctrl+s saves a new file (never the input) and lints it.")
    return "\n".join(lines)


def _records(count: int) -> str:
    """The noun for a count printed in its own column: ``record`` for one, else ``records``."""
    return "record" if count == 1 else "records"


def _lines(lines: set[int]) -> str:
    """``line 5`` or ``lines 5, 9, ...``: which lines, with the noun agreeing."""
    return f"{'line' if len(lines) == 1 else 'lines'} {_sample(lines)}"


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
        text = describe_plan(session.report, session.path, session.records.marked, session.redact_lines,
                             session.rewrite_lines)
        self.query_one("#cleanup-plan", Static).update(text)
