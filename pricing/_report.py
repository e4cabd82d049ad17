"""Human-readable approval reports: Markdown, and one self-contained HTML page.

The HTML page has no scripts and no external assets: charts are inline SVG, so an
approver can open the attachment anywhere and read the same numbers as the record.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from html import escape
from pathlib import Path

from ._approval import ApprovalRecord, write_approval_record, write_text_atomic
from ._estimate import format_usd


def token_histogram(lengths: Sequence[int], bins: int = 12) -> list[tuple[int, int, int]]:
    """``(low, high, count)`` buckets of example lengths, equal width, covering min..max."""
    if not lengths:
        return []
    low, high = min(lengths), max(lengths)
    if low == high:
        return [(low, high, len(lengths))]
    width = -(-(high - low + 1) // bins)  # ceiling division
    counts = [0] * bins
    for n in lengths:
        counts[min((n - low) // width, bins - 1)] += 1
    return [(low + i * width, min(high, low + (i + 1) * width - 1), c) for i, c in enumerate(counts)]


def _cost_lines(record: ApprovalRecord) -> list[tuple[str, str | None]]:
    est = record.estimate
    inference = est.get("inference", {})
    return [
        ("Training", est.get("training_cost_usd")),
        ("Validation (billed)", est.get("validation_cost_usd")),
        ("Job total", est.get("job_cost_usd")),
        ("Budget", format_usd(record.budget_usd)),
        ("Inference per month", inference.get("monthly_cost_usd")),
        ("  of which hosting", inference.get("hosting_cost_usd")),
    ]


def render_approval_markdown(record: ApprovalRecord, token_lengths: Sequence[int] = ()) -> str:
    """A Markdown report of the approval, readable without ftpreflight."""
    est = record.estimate
    s = record.settings
    lines = [
        f"# Fine-tuning budget approval: {record.file.path}",
        "",
        f"Approved by **{record.approver}** on {record.approved_at.isoformat()} "
        f"(ftpreflight {record.tool_version}).",
        "",
        "| | |",
        "|---|---|",
        f"| File | `{record.file.path}` |",
        f"| sha256 | `{record.file.sha256}` |",
        f"| Size | {record.file.size_bytes:,} bytes |",
        f"| Examples | {record.file.examples:,} |",
        f"| Provider / model | {s.provider} / `{s.model}` |",
        f"| Method | {s.method} |",
        f"| Epochs | {s.epochs} ({s.epochs_rule}) |",
        f"| Billed tokens per epoch | {est.get('billed_tokens_per_epoch', 0):,} |",
        f"| Training tokens | {est.get('training_tokens', 0):,} |",
        f"| Lint errors / warnings | {record.lint.errors:,} / {record.lint.warnings:,} |",
        "",
        "## Cost",
        "",
        "| Item | USD |",
        "|---|---:|",
    ]
    lines += [f"| {label.strip()} | {value if value is not None else '–'} |" for label, value in _cost_lines(record)]
    lifetime = est.get("lifetime", {})
    if lifetime.get("days") is not None:
        lines += ["", f"Usable until {lifetime['usable_until']} (days from approval: {lifetime['days']:,})."]
    lines += [
        "",
        f"Prices: {record.prices.provider} table of {record.prices.as_of.isoformat()} "
        f"({record.prices.status}), source {record.prices.row_source}.",
    ]
    if est.get("assumptions"):
        lines += ["", "## Assumptions", ""] + [f"- {a}" for a in est["assumptions"]]
    if est.get("warnings"):
        lines += ["", "## Warnings", ""] + [f"- {w}" for w in est["warnings"]]
    buckets = token_histogram(token_lengths)
    if buckets:
        lines += ["", "## Example lengths (tokens)", "", "| Tokens | Examples |", "|---|---:|"]
        lines += [f"| {lo:,}–{hi:,} | {count:,} |" for lo, hi, count in buckets]
    return "\n".join(lines) + "\n"


def _bar_chart(rows: list[tuple[str, Decimal]], *, width: int = 560, unit: str = "") -> str:
    if not rows:
        return ""
    bar_h, gap, label_w = 22, 8, 170
    top = max((value for _, value in rows), default=Decimal(0)) or Decimal(1)
    height = len(rows) * (bar_h + gap) + gap
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img">']
    for i, (label, value) in enumerate(rows):
        y = gap + i * (bar_h + gap)
        w = int((width - label_w - 90) * (value / top))
        shown = f"{unit}{format_usd(value)}" if unit else f"{int(value):,}"
        parts.append(f'<text x="0" y="{y + 16}" font-size="13">{escape(label)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y}" width="{max(w, 1)}" height="{bar_h}" fill="#4a78b5"/>')
        parts.append(f'<text x="{label_w + max(w, 1) + 6}" y="{y + 16}" font-size="13">{escape(shown)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _histogram_svg(lengths: Sequence[int], width: int = 560, height: int = 200) -> str:
    buckets = token_histogram(lengths)
    if not buckets:
        return "<p>No token counts available.</p>"
    top = max(c for _, _, c in buckets) or 1
    slot = width / len(buckets)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 40}" role="img">']
    for i, (lo, hi, count) in enumerate(buckets):
        h = int(height * count / top)
        x = int(i * slot)
        parts.append(
            f'<rect x="{x + 2}" y="{height - h}" width="{max(int(slot) - 4, 1)}" height="{h}" fill="#5b9a68">'
            f"<title>{lo:,}–{hi:,} tokens, examples: {count:,}</title></rect>"
        )
        parts.append(f'<text x="{x + 2}" y="{height + 14}" font-size="10">{lo:,}</text>')
    parts.append(f'<text x="0" y="{height + 34}" font-size="12">tokens per example (bar height = examples)</text>')
    parts.append("</svg>")
    return "".join(parts)


def render_approval_html(record: ApprovalRecord, token_lengths: Sequence[int] = ()) -> str:
    """A self-contained HTML page: summary table, cost chart and token-length histogram."""
    s = record.settings
    est = record.estimate
    cost_rows = [
        (label.strip(), Decimal(value)) for label, value in _cost_lines(record) if value is not None
    ]
    facts = [
        ("File", record.file.path), ("sha256", record.file.sha256),
        ("Size", f"{record.file.size_bytes:,} bytes"), ("Examples", f"{record.file.examples:,}"),
        ("Provider / model", f"{s.provider} / {s.model}"), ("Method", s.method),
        ("Epochs", f"{s.epochs} ({s.epochs_rule})"),
        ("Training tokens", f"{est.get('training_tokens', 0):,}"),
        ("Lint errors / warnings", f"{record.lint.errors:,} / {record.lint.warnings:,}"),
        ("Approver", record.approver), ("Approved at", record.approved_at.isoformat()),
        ("Prices", f"{record.prices.provider} table of {record.prices.as_of.isoformat()} "
                   f"({record.prices.status}), {record.prices.row_source}"),
    ]
    rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in facts)
    notes = "".join(f"<li>{escape(a)}</li>" for a in est.get("assumptions", []))
    warns = "".join(f"<li>{escape(w)}</li>" for w in est.get("warnings", []))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Fine-tuning approval: {escape(record.file.path)}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 760px; margin: 2em auto; color: #222; }}
table {{ border-collapse: collapse; }} th, td {{ text-align: left; padding: 4px 10px; border-bottom: 1px solid #ddd; }}
th {{ width: 11em; }} td {{ word-break: break-all; }}
</style></head><body>
<h1>Fine-tuning budget approval</h1>
<p>Job estimate <strong>${escape(format_usd(record.job_cost_usd))}</strong> against a budget of
<strong>${escape(format_usd(record.budget_usd))}</strong>.</p>
<table>{rows}</table>
<h2>Cost breakdown (USD)</h2>
{_bar_chart(cost_rows, unit="$")}
<h2>Example lengths</h2>
{_histogram_svg(token_lengths)}
<h2>Assumptions</h2><ul>{notes}</ul>
<h2>Warnings</h2><ul>{warns or "<li>none</li>"}</ul>
</body></html>
"""


def write_approval_files(record: ApprovalRecord, folder: str | Path, stem: str,
                         example_tokens: Sequence[int]) -> tuple[Path, Path, Path]:
    """Write ``<stem>.approval.json`` (the record), ``.md`` and ``.html`` (the readable
    reports) into ``folder``, each atomically; return their paths. Raises ApprovalError
    or OSError naming the file."""
    folder = Path(folder)
    record_path = folder / f"{stem}.approval.json"
    markdown_path = folder / f"{stem}.approval.md"
    html_path = folder / f"{stem}.approval.html"
    write_approval_record(record, record_path)
    write_text_atomic(markdown_path, render_approval_markdown(record, example_tokens))
    write_text_atomic(html_path, render_approval_html(record, example_tokens))
    return record_path, markdown_path, html_path
