"""Renderers: a LintReport as text, JSON, GitHub annotations or SARIF. They return
strings; printing is the caller's business."""

from __future__ import annotations

import orjson

from ._diagnostic import Diagnostic, Severity, pointer_to_path, printable
from ._report import LintReport
from ._text import plural
from .rules import RULES, get_rule

SCHEMA_VERSION = 1

_COLORS = {Severity.ERROR: "\x1b[31m", Severity.WARNING: "\x1b[33m", Severity.INFO: "\x1b[36m"}
_BOLD, _DIM, _RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"


def _utf8(text: str) -> str:
    """``text`` with the bytes of a file name that is not valid UTF-8 (which Python keeps
    as lone surrogates) written as ``\\xNN``: every output is valid UTF-8, whatever the
    file was called."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        try:
            return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        except UnicodeEncodeError:  # a surrogate that is not an undecodable byte
            return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _uri(path: str) -> str:
    """A file name for a SARIF ``uri``: undecodable bytes percent-encoded (``%FF``)."""
    if path.isascii():
        return path
    return _utf8("".join(f"%{ord(ch) - 0xDC00:02X}" if "\udc80" <= ch <= "\udcff" else ch for ch in path))


def _rule_name(code: str) -> str:
    rule = get_rule(code)
    return rule.name if rule else code


def _own_records_counted(report: LintReport) -> bool:
    from .profiles import get_profile

    return get_profile(report.provider).record_format == "openai"


def report_to_dict(report: LintReport) -> dict:
    """The documented JSON output (see README, "JSON output")."""
    return {
        "version": SCHEMA_VERSION,
        "provider": report.provider,
        "files": [
            {
                "path": _utf8(f.path),
                "role": f.role,
                "format": f.format,
                "records": f.record_count,
                # The core parser reads OpenAI-shaped records only: a Vertex or Bedrock
                # file's examples are not counted (null), its records are.
                "examples": f.examples if _own_records_counted(report) else None,
                "size_bytes": f.size_bytes,
                "model": f.model,
                "encoding": f.encoding,
                "context_tokens": f.context_tokens,
                "tokens": {
                    "total": f.tokens.total,
                    "trained": f.tokens.trained,
                    "max_example": f.tokens.max_example,
                    "p50": f.tokens.p50,
                    "p95": f.tokens.p95,
                    "exact": f.exact,
                    "count_method": f.count_method,
                },
                "separator": f.separator,
                "stop": f.stop,
            }
            for f in report.files
        ],
        "diagnostics": [diagnostic_to_dict(d) for d in report.diagnostics],
        "summary": {
            "errors": report.errors,
            "warnings": report.warnings,
            "infos": report.infos,
            "by_rule": report.by_rule(),
            "not_shown": sum(report.suppressed.values()),
        },
    }


def diagnostic_to_dict(d: Diagnostic) -> dict:
    return {
        "code": d.code,
        "name": _rule_name(d.code),
        "severity": d.severity.label,
        "path": _utf8(d.path),
        "line": d.line,
        "location": pointer_to_path(d.pointer) or None,
        "pointer": d.pointer or None,
        "span": [d.span.start, d.span.end] if d.span else None,
        "message": _utf8(d.message),
        "related_lines": list(d.related_lines),
        "fix": {"applicability": d.fix.applicability.value, "description": d.fix.description} if d.fix else None,
    }


def render_json(report: LintReport) -> str:
    return orjson.dumps(report_to_dict(report), option=orjson.OPT_INDENT_2).decode() + "\n"


def render_text(report: LintReport, *, color: bool = False) -> str:
    def paint(text: str, code: str) -> str:
        return f"{code}{text}{_RESET}" if color else text

    lines: list[str] = []
    by_path: dict[str, list[Diagnostic]] = {}
    for d in report.diagnostics:
        by_path.setdefault(d.path, []).append(d)
    for f in report.files:
        diags = by_path.pop(f.path, [])
        header = printable(_utf8(f.path)) + (" (validation)" if f.role == "validation" else "")
        lines.append(paint(header, _BOLD))
        if not diags:
            lines.append("  no problems found")
        for d, alike in _group_alike(diags):
            where = f"line {d.line}" if d.line is not None else "file"
            loc = printable(pointer_to_path(d.pointer))
            sev = paint(f"{d.severity.label:<7}", _COLORS[d.severity])
            text = f"  {where:>10}  {sev} {paint(d.code, _BOLD)} {printable(_utf8(d.message))}"
            if loc:
                text += paint(f"  [{loc}]", _DIM)
            if d.related_lines and "line" not in d.message:
                text += paint(f"  (see line {', '.join(map(str, d.related_lines[:5]))})", _DIM)
            lines.append(text)
            if alike:
                shown = ", ".join(map(str, alike[:_ALIKE_SHOWN])) + (", ..." if len(alike) > _ALIKE_SHOWN else "")
                lines.append(paint(f"  {'':>10}  and {plural(len(alike), 'more line')} like it ({shown})", _DIM))
        lines.append("")
    for path, diags in by_path.items():  # diagnostics for files without a report (should not happen)
        lines.append(paint(printable(_utf8(path)), _BOLD))
        lines.extend(f"  {d.code} {printable(_utf8(d.message))}" for d in diags)
    # Summary.
    from .profiles import get_profile

    profile = get_profile(report.provider)
    for f in report.files:
        t = f.tokens
        if profile.record_format != "openai":
            # The token statistics read OpenAI records; the provider's own records are not counted.
            lines.append(f"{printable(f.path)}: {plural(f.record_count, 'record')} for {profile.title}")
            continue
        per_example = f"; per example p50 {t.p50:,}, p95 {t.p95:,}, max {t.max_example:,}" if f.examples else ""
        lines.append(
            f"{printable(_utf8(f.path))}: {plural(f.record_count, 'record')}, {plural(f.examples, 'example')} ({f.format or 'unknown format'}), {plural(t.total, 'token')} "
            f"({t.trained:,} trained{per_example}) "
            f"with {f.encoding} for {f.model}" + ("" if f.exact else f" ({f.count_method})")
        )
    by_rule = report.by_rule()
    if by_rule:
        parts = [f"{code} {_rule_name(code)} x{n:,}" for code, n in by_rule.items()]
        lines.append("by rule: " + ", ".join(parts))
    if report.suppressed:
        lines.append(f"({sum(report.suppressed.values()):,} more diagnostics counted but not listed; "
                     "raise max_diagnostics_per_rule to see them)")
    summary = ", ".join((plural(report.errors, "error"), plural(report.warnings, "warning"),
                         plural(report.infos, "info")))
    lines.append(paint(summary, _BOLD + (_COLORS[Severity.ERROR] if report.errors else "")))
    return "\n".join(lines) + "\n"


_ALIKE_SHOWN = 8


def _group_alike(diags: list[Diagnostic]) -> list[tuple[Diagnostic, list[int]]]:
    """Diagnostics of one file with the same rule, severity, message, place in the record
    and related lines folded into their first one: ``(first, lines of the others)``. A
    file of 620 bare message objects then reads as one finding "and 619 more lines like it"."""
    groups: dict[tuple, tuple[Diagnostic, list[int]]] = {}
    for d in diags:
        if d.line is None:
            groups[("file", id(d))] = (d, [])
            continue
        key = (d.code, d.severity, d.message, d.pointer, d.related_lines)
        group = groups.get(key)
        if group is None:
            groups[key] = (d, [])
        else:
            group[1].append(d.line)
    return list(groups.values())


def _gh_escape(text: str, prop: bool = False) -> str:
    text = printable(text)
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def render_github(report: LintReport) -> str:
    """GitHub Actions workflow commands: one annotation per diagnostic."""
    level = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
    out = []
    for d in report.diagnostics:
        props = f"file={_gh_escape(_utf8(d.path), True)}"
        if d.line is not None:
            props += f",line={d.line}"
        props += f",title={_gh_escape(d.code + ' ' + _rule_name(d.code), True)}"
        loc = pointer_to_path(d.pointer)
        message = _utf8(d.message) + (f" [{loc}]" if loc else "")
        out.append(f"::{level[d.severity]} {props}::{_gh_escape(message)}")
    return "\n".join(out) + ("\n" if out else "")


def render_sarif(report: LintReport, version: str = "0") -> str:
    """SARIF 2.1.0, for code-scanning dashboards."""
    level = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
    rules = [
        {
            "id": r.code,
            "name": r.name,
            "shortDescription": {"text": r.summary},
            "fullDescription": {"text": r.doc.split("\n\n", 1)[0].replace("\n", " ")},
            "help": {"text": r.doc, "markdown": r.doc},
            "defaultConfiguration": {"level": level[r.severity]},
        }
        for r in RULES
    ]
    index = {r.code: i for i, r in enumerate(RULES)}
    results = []
    for d in report.diagnostics:
        location = {"physicalLocation": {"artifactLocation": {"uri": _uri(d.path)}}}
        if d.line is not None:
            location["physicalLocation"]["region"] = {"startLine": d.line}
        result = {
            "ruleId": d.code,
            "level": level[d.severity],
            "message": {"text": _utf8(d.message)},
            "locations": [location],
        }
        if d.code in index:
            result["ruleIndex"] = index[d.code]
        if d.pointer:
            result["properties"] = {"jsonPointer": d.pointer}
        results.append(result)
    sarif = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "ftpreflight", "version": version,
                                "informationUri": "https://github.com/ftpreflight/ftpreflight", "rules": rules}},
            "results": results,
        }],
    }
    return orjson.dumps(sarif, option=orjson.OPT_INDENT_2).decode() + "\n"


def render_rule(code: str) -> str | None:
    rule = get_rule(code)
    if rule is None:
        return None
    fix = {None: "", "safe": " (safe fix, always applied by `ftpreflight fix`)",
           "unsafe": " (unsafe fix: changes the training data, opt-in)"}[
        rule.fix_applicability.value if rule.fix_applicability is not None else None]
    return f"{rule.code} {rule.name} [{rule.severity_text}]{fix}\n\n{rule.doc}\n"


def render_rule_table() -> str:
    """The README rule table, generated from the registry."""
    from .profiles import scope_label

    rows = ["| code | name | severity | providers | fires when |", "|---|---|---|---|---|"]
    for r in RULES:
        rows.append(f"| {r.code} | {r.name} | {r.severity_text} | {scope_label(r)} | {r.summary} |")
    return "\n".join(rows) + "\n"
