"""Human-readable approval reports: Markdown, and one self-contained HTML page.

The HTML page has no scripts and no external assets: charts are inline SVG, so an
approver can open the attachment anywhere and read the same numbers as the record.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from html import escape
from pathlib import Path

from ._approval import ApprovalRecord, write_approval_record, write_text_atomic
from ._estimate import format_money


LOG_SPREAD = 16
"""Longest / shortest example length from which histogram bins grow geometrically."""
OUTLIER_FACTOR = 4
"""Examples longer than this many times the 95th percentile are outliers: the histogram
gives them one bar of their own instead of stretching every bin to reach them."""


def _two_digits(value: float) -> int:
    """``value`` rounded to two significant digits (bin edges people can read)."""
    if value < 100:
        return int(round(value))
    magnitude = 10 ** (int(math.log10(value)) - 1)
    return int(round(value / magnitude) * magnitude)


def outlier_threshold(lengths: Sequence[int]) -> int | None:
    """The longest length that is not an outlier, when there are outliers (else None)."""
    if len(lengths) < 2:
        return None
    ordered = sorted(lengths)
    p95 = max(ordered[int(0.95 * (len(ordered) - 1))], 1)
    if ordered[-1] <= OUTLIER_FACTOR * p95:
        return None
    return ordered[bisect_right(ordered, OUTLIER_FACTOR * p95) - 1]


def _bins(lengths: Sequence[int], low: int, high: int, bins: int) -> list[tuple[int, int, int]]:
    if low == high:
        return [(low, high, len(lengths))]
    base = max(low, 1)
    if high / base >= LOG_SPREAD:
        inner = [_two_digits(base * (high / base) ** (i / bins)) for i in range(1, bins)]
    else:
        width = -(-(high - low + 1) // bins)  # ceiling division
        inner = [low + i * width for i in range(1, bins)]
    edges = sorted({low, high + 1, *(edge for edge in inner if low < edge <= high)})
    counts = [0] * (len(edges) - 1)
    for n in lengths:
        counts[bisect_right(edges, n) - 1] += 1
    return [(edges[i], edges[i + 1] - 1, counts[i]) for i in range(len(counts))]


def token_histogram(lengths: Sequence[int], bins: int = 12) -> list[tuple[int, int, int]]:
    """``(low, high, count)`` buckets of example lengths covering min..max (inclusive).

    Made to show the distribution, not the extremes: outliers (see ``outlier_threshold``)
    get the last bucket to themselves, and when the rest still spans a wide range the bins
    grow geometrically (edges rounded to two digits). With equal widths over min..max,
    one 84k-token example would put nearly every other one into the first bin."""
    if not lengths:
        return []
    low, high = min(lengths), max(lengths)
    cap = outlier_threshold(lengths)
    if cap is None:
        return _bins(lengths, low, high, bins)
    bulk = [n for n in lengths if n <= cap]
    return _bins(bulk, low, cap, max(bins - 1, 1)) + [(cap + 1, high, len(lengths) - len(bulk))]


def _long_date(value: date | str | None) -> str:
    if value is None:
        return "–"
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return f"{value.day} {value:%B %Y}"


_ISO_DATE = re.compile(r"(?<![\w/.-])(\d{4})-(\d{2})-(\d{2})(?![\w/-])")


def _readable_dates(text: str) -> str:
    """``text`` with its ISO dates (``2027-01-14``) written as the report writes dates
    (``14 January 2027``): the estimate's warnings and the price tables' notices are
    shared with the command line, which keeps ISO dates; a date inside an address stays."""
    def long(match: re.Match[str]) -> str:
        try:
            return _long_date(match.group(0))
        except ValueError:
            return match.group(0)
    return _ISO_DATE.sub(long, text)


def _when(moment: datetime) -> str:
    moment = moment.astimezone(timezone.utc) if moment.tzinfo else moment
    return f"{_long_date(moment.date())}, {moment:%H:%M} UTC"


@dataclass(frozen=True)
class _Facts:
    """What the reports say, in the order a budget holder reads it."""

    within_budget: bool
    verdict: str
    signed: str
    risk: str | None
    cost_rows: list[tuple[str, str, str]]
    """(item, amount, how it was computed)"""
    inference_rows: list[tuple[str, str, str]]
    deadline: list[str]
    quality: list[tuple[str, str]]
    price_source: str
    price_status: str
    price_note: str | None
    identity: list[tuple[str, str]]
    assumptions: list[str]
    warnings: list[str]


def _facts(record: ApprovalRecord) -> _Facts:
    est = record.estimate
    s = record.settings
    job, budget = Decimal(record.job_cost_usd), Decimal(record.budget_usd)
    within = job <= budget
    share = f"{(job / budget * 100):.0f}%" if budget else "–"
    if within:
        verdict = (f"Within budget: {format_money(job)} of {format_money(budget)} ({share} of the budget). "
                   "Approve.")
    else:
        verdict = f"Over budget: {format_money(job)} against {format_money(budget)}. Do not approve."
    signed = f"Approved by {record.approver} on {_when(record.approved_at)}."

    lifetime = est.get("lifetime", {}) or {}
    days = lifetime.get("days")
    risk = None
    deadline = []
    if days is not None:
        until = _long_date(lifetime.get("usable_until"))
        risk = (f"Usable for {days:,} day{'s' if days != 1 else ''}, until {until}: then the base model {s.model} shuts down, "
                "and the fine-tuned model with it.")
        per_day = lifetime.get("training_cost_per_day_usd")
        if per_day is not None:
            deadline.append(f"Training costs {format_money(per_day)} per usable day.")
    else:
        deadline.append("The price table gives no shutdown date for this model.")
    if lifetime.get("fine_tuning_ends"):
        deadline.append(f"The provider accepts new fine-tuning jobs for it until "
                        f"{_long_date(lifetime['fine_tuning_ends'])}.")

    tokens_per_epoch = est.get("billed_tokens_per_epoch", 0) or 0
    cost_rows = [("Training", format_money(est.get("training_cost_usd")),
                  f"{tokens_per_epoch:,} tokens × {s.epochs} epochs = {est.get('training_tokens', 0):,} tokens")]
    if est.get("validation_cost_usd") is not None:
        cost_rows.append(("Validation", format_money(est.get("validation_cost_usd")),
                          f"{est.get('validation_tokens', 0) or 0:,} tokens"))
    cost_rows += [("Job total", format_money(job), "what this approval covers"),
                  ("Budget", format_money(budget), f"{format_money(budget - job)} left" if within else "exceeded")]
    inference = est.get("inference", {}) or {}
    inference_rows = []
    if inference.get("monthly_cost_usd") is not None:
        inference_rows.append((
            "Inference per month", format_money(inference["monthly_cost_usd"]),
            f"{inference.get('requests_per_month') or 0:,} requests, {inference.get('input_tokens_per_request') or 0:,} "
            f"tokens in and {inference.get('output_tokens_per_request') or 0:,} out per request"))
        if Decimal(inference.get("hosting_cost_usd") or 0) > 0:
            inference_rows.append(("of which hosting", format_money(inference["hosting_cost_usd"]), "per month"))
        if inference.get("cost_per_1000_requests_usd") is not None:
            inference_rows.append(("Per 1,000 requests", format_money(inference["cost_per_1000_requests_usd"]), ""))

    lint = record.lint
    quality = [
        ("Examples", f"{record.file.examples:,}"),
        ("Lint errors / warnings / infos", f"{lint.errors:,} / {lint.warnings:,} / {lint.infos:,}"),
        ("Method", s.method),
        ("Epochs", s.epochs_rule or f"{s.epochs}"),
    ]
    if est.get("truncated_examples"):
        truncated = est["truncated_examples"]
        quality.append(("Truncated", f"{truncated:,} example{' is' if truncated == 1 else 's are'} longer than "
                                     "the model's training context"))
    prices = record.prices
    status = prices.status
    note = None
    if status != "verified":
        note = ("These prices were not checked against the provider's own price page: confirm them "
                "before relying on the figures.")
    identity = [
        ("File", record.file.path),
        ("Size", f"{record.file.size_bytes / 1e6:,.1f} MB ({record.file.size_bytes:,} bytes)"),
        ("sha256", record.file.sha256),
        ("Provider and model", f"{s.provider} / {s.model}"),
        ("Written by", f"ftpreflight {record.tool_version}"),
    ]
    if record.validation_file is not None:
        identity.insert(3, ("Validation file", record.validation_file.path))
    return _Facts(within, verdict, signed, risk, cost_rows, inference_rows, deadline, quality,
                  f"{prices.provider} price table of {_long_date(prices.as_of)}", status, note, identity,
                  [_readable_dates(a) for a in est.get("assumptions", [])],
                  [_readable_dates(w) for w in est.get("warnings", [])])


def render_approval_markdown(record: ApprovalRecord, token_lengths: Sequence[int] = ()) -> str:
    """A Markdown report of the approval, readable without ftpreflight: the verdict
    first, then cost, deadline, data quality and sources."""
    f = _facts(record)
    lines = [f"# Fine-tuning budget approval: {Path(record.file.path).name}", "",
             f"**{f.verdict}**", "", f.signed]
    if f.risk:
        lines += ["", f"> **Deadline:** {f.risk}"]
    lines += ["", "## Cost", "", "| Item | Amount | How |", "|---|---:|---|"]
    lines += [f"| {item} | {amount} | {how} |" for item, amount, how in f.cost_rows + f.inference_rows]
    lines += ["", "## Deadline", ""] + [f"- {line}" for line in f.deadline]
    lines += ["", "## Data quality", "", "| | |", "|---|---|"] + [f"| {k} | {v} |" for k, v in f.quality]
    buckets = token_histogram(token_lengths)
    if buckets:
        lines += ["", "Example lengths (tokens):", "", "| Tokens | Examples |", "|---|---:|"]
        lines += [f"| {lo:,}–{hi:,} | {count:,} |" for lo, hi, count in buckets]
    lines += ["", "## Sources", "",
              f"- Prices: {f.price_source}, **{f.price_status}**, {record.prices.row_source}"]
    if f.price_note:
        lines.append(f"- {f.price_note}")
    lines += [f"- {k}: `{v}`" if k == "sha256" else f"- {k}: {v}" for k, v in f.identity]
    if f.assumptions:
        lines += ["", "## Assumptions", ""] + [f"- {a}" for a in f.assumptions]
    if f.warnings:
        lines += ["", "## Warnings", ""] + [f"- {w}" for w in f.warnings]
    return "\n".join(lines) + "\n"


def _link(text: str) -> str:
    """``text`` as a link when it is a web address, else escaped text."""
    if re.fullmatch(r"https?://[^\s\"'<>]+", text):
        return f'<a href="{escape(text, quote=True)}">{escape(text)}</a>'
    return escape(text)


def _budget_bar(job: Decimal, budget: Decimal, width: int = 600) -> str:
    """The job's cost as a share of the budget: one bar, labelled."""
    share = float(min(job / budget, Decimal(1))) if budget else 1.0
    filled = max(int((width - 2) * share), 2)
    colour = "#2e7d32" if job <= budget else "#c62828"
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="46" role="img" '
            f'aria-label="job cost {escape(format_money(job))} of budget {escape(format_money(budget))}">'
            f'<rect x="1" y="1" width="{width - 2}" height="22" fill="#eceff1" stroke="#90a4ae"/>'
            f'<rect x="1" y="1" width="{filled}" height="22" fill="{colour}"/>'
            f'<text x="0" y="40" font-size="12">$0</text>'
            f'<text x="{width}" y="40" font-size="12" text-anchor="end">budget {escape(format_money(budget))}</text>'
            f'</svg>')


def _histogram_svg(lengths: Sequence[int], width: int = 640, height: int = 190) -> str:
    """Bars with a count above each, the token ranges below and both axes titled."""
    buckets = token_histogram(lengths)
    if not buckets:
        return "<p>No token counts available.</p>"
    left, bottom, top_pad = 56, 60, 22
    plot_w, plot_h = width - left - 8, height
    top = max(c for _, _, c in buckets) or 1
    slot = plot_w / len(buckets)
    outliers = outlier_threshold(lengths) is not None
    total_h = plot_h + bottom + top_pad
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="histogram" width="{width}" height="{total_h}" '
             f'viewBox="0 0 {width} {total_h}" role="img" aria-label="histogram of example lengths in tokens" '
             'font-family="sans-serif">']
    base_y = top_pad + plot_h
    for fraction in (0, 0.5, 1):
        y = base_y - plot_h * fraction
        parts.append(f'<line x1="{left}" y1="{y:.0f}" x2="{width - 8}" y2="{y:.0f}" stroke="#cfd8dc"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.0f}" font-size="15" text-anchor="end">'
                     f'{round(top * fraction):,}</text>')
    for i, (lo, hi, count) in enumerate(buckets):
        h = plot_h * count / top
        x = left + i * slot
        is_outlier = outliers and i == len(buckets) - 1
        parts.append(f'<rect x="{x + 2:.0f}" y="{base_y - h:.0f}" width="{max(slot - 4, 1):.0f}" height="{h:.0f}" '
                     f'fill="{"#ef6c00" if is_outlier else "#4a78b5"}"><title>{lo:,}–{hi:,} tokens, examples: {count:,}'
                     f'</title></rect>')
        parts.append(f'<text x="{x + slot / 2:.0f}" y="{base_y - h - 4:.0f}" font-size="15" text-anchor="middle">'
                     f'{count:,}</text>')
        label = f"{lo:,}+" if is_outlier else f"{lo:,}"
        parts.append(f'<text x="{x + slot / 2:.0f}" y="{base_y + 18:.0f}" font-size="14" text-anchor="middle">'
                     f'{label}</text>')
    parts.append(f'<text x="{left + plot_w / 2:.0f}" y="{base_y + 42:.0f}" font-size="16" text-anchor="middle">'
                 'tokens per example (bar starts at)</text>')
    parts.append(f'<text x="14" y="{top_pad + plot_h / 2:.0f}" font-size="16" text-anchor="middle" '
                 f'transform="rotate(-90 14 {top_pad + plot_h / 2:.0f})">examples</text>')
    parts.append("</svg>")
    return "".join(parts)


_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 720px; margin: 1.5em auto;
       padding: 0 1em; color: #1c2833; line-height: 1.4; }
h1 { font-size: 1.35em; margin: 0 0 .4em; } h2 { font-size: 1.1em; margin: 1.2em 0 .4em;
       border-bottom: 1px solid #cfd8dc; padding-bottom: .2em; }
.verdict { border-radius: 6px; padding: .7em 1em; margin: .6em 0; }
.verdict.ok { background: #e8f5e9; border: 2px solid #2e7d32; }
.verdict.no { background: #ffebee; border: 2px solid #c62828; }
.verdict p { margin: .2em 0; } .verdict .line { font-size: 1.3em; font-weight: 700; }
.risk { background: #fff3e0; border-left: 6px solid #ef6c00; padding: .5em .8em; margin: .6em 0; font-weight: 600; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: 3px 8px;
       border-bottom: 1px solid #eceff1; vertical-align: top; }
td.amount { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; font-weight: 600; }
td.how { color: #546e7a; font-size: .92em; } th { width: 11em; font-weight: 600; }
tr.total td, tr.total th { border-top: 2px solid #90a4ae; }
.badge { display: inline-block; padding: 0 .5em; border-radius: 4px; font-weight: 700; font-size: .9em; }
.badge.unverified { background: #fff3e0; color: #8a4b00; border: 1px solid #ef6c00; }
.badge.verified { background: #e8f5e9; color: #1b5e20; border: 1px solid #2e7d32; }
code { font-size: .85em; word-break: break-all; }
.sign { margin-top: 1.5em; display: flex; gap: 2em; } .sign div { flex: 1; border-top: 1px solid #455a64;
       padding-top: .2em; color: #546e7a; font-size: .9em; }
ul { margin: .3em 0; padding-left: 1.3em; }
.two { display: grid; grid-template-columns: 1fr 1fr; gap: 1.2em; } .two th { width: 6em; }
svg.histogram { width: 100%; height: auto; }
tr.sub th { padding-top: .6em; color: #37474f; }
.notes { display: grid; grid-template-columns: 1fr 1fr; gap: 1.2em; font-size: .9em; }
@page { margin: 12mm; }
@media print { body { margin: 0 auto; max-width: none; font-size: 8.5pt; line-height: 1.25; }
  h1 { font-size: 1.3em; } h2 { margin: .7em 0 .25em; break-after: avoid; }
  .verdict { padding: .4em .8em; }   .notes { font-size: .85em; }
  th, td { padding: 1px 6px; } .sign { margin-top: 1em; } }
"""


def render_approval_html(record: ApprovalRecord, token_lengths: Sequence[int] = ()) -> str:
    """A self-contained, one-page HTML document a budget holder can sign off: the verdict
    first, then cost, deadline, data quality and sources. No scripts, no external assets."""
    f = _facts(record)

    def rows(items: list[tuple[str, str, str]]) -> str:
        total = ' class="total"'
        return "".join(
            f'<tr{total if item == "Job total" else ""}><th>{escape(item)}</th>'
            f'<td class="amount">{escape(amount)}</td><td class="how">{escape(how)}</td></tr>'
            for item, amount, how in items)

    quality = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in f.quality)
    identity = "".join(
        f"<tr><th>{escape(k)}</th><td>{'<code>' + escape(v) + '</code>' if k == 'sha256' else escape(v)}</td></tr>"
        for k, v in f.identity)
    status_class = "verified" if f.price_status == "verified" else "unverified"
    sources = (f"<p>Prices: {escape(f.price_source)} "
               f'<span class="badge {status_class}">{escape(f.price_status.capitalize())}</span><br>'
               f"Source: {_link(record.prices.row_source)}"
               + (f"<br>Table: {_link(record.prices.source)}" if record.prices.source != record.prices.row_source
                  else "")
               + "</p>" + (f"<p>{escape(f.price_note)}</p>" if f.price_note else ""))
    inference = ""
    if f.inference_rows:
        inference = ('<tr class="sub"><th colspan="3">After training, per month</th></tr>'
                     + rows(f.inference_rows))
    notes = ""
    if f.warnings:
        notes += "<div><h2>Warnings</h2><ul>" + "".join(f"<li>{escape(w)}</li>" for w in f.warnings) + "</ul></div>"
    if f.assumptions:
        notes += ("<div><h2>Assumptions</h2><ul>" + "".join(f"<li>{escape(a)}</li>" for a in f.assumptions)
                  + "</ul></div>")
    if notes:
        notes = f'<div class="notes">{notes}</div>'
    name = Path(record.file.path).name
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Fine-tuning budget approval: {escape(name)}</title>
<style>{_STYLE}</style></head><body>
<h1>Fine-tuning budget approval: {escape(name)}</h1>
<section class="verdict {'ok' if f.within_budget else 'no'}" id="verdict">
<p class="line">{escape(f.verdict)}</p>
<p>{escape(f.signed)}</p>
</section>
{f'<p class="risk" id="risk">{escape(f.risk)}</p>' if f.risk else ''}
<h2>Cost</h2>
<table>{rows(f.cost_rows)}</table>
{_budget_bar(Decimal(record.job_cost_usd), Decimal(record.budget_usd))}
{f'<table>{inference}</table>' if inference else ''}
<div class="two">
<div><h2>Deadline</h2>
<ul>{''.join(f'<li>{escape(line)}</li>' for line in f.deadline)}</ul>
<h2>Data quality</h2>
<table>{quality}</table></div>
<div><h2>Example lengths</h2>
{_histogram_svg(token_lengths)}</div>
</div>
<h2>Sources</h2>
{sources}
<table>{identity}</table>
{notes}
<div class="sign"><div>Budget holder (name and signature)</div><div>Date</div></div>
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
