"""The Stats tab: token-length histogram, examples per format, trained vs total
tokens and the most frequent rules, drawn as bars with native widgets."""

from __future__ import annotations

from collections import Counter

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Grid, VerticalScroll
from textual.widgets import Static

from linter import get_rule, plural
from pricing import outlier_threshold, token_histogram

BAR = "█"
PARTIAL = " ▏▎▍▌▋▊▉"


def bar(value: float, largest: float, width: int) -> str:
    """A horizontal bar of ``width`` cells for ``value`` out of ``largest``, in eighths."""
    if largest <= 0 or value <= 0:
        return ""
    eighths = max(1, round(8 * width * value / largest))
    return BAR * (eighths // 8) + (PARTIAL[eighths % 8] if eighths % 8 else "")


def bar_table(rows: list[tuple[str, int]], width: int = 24, style: str = "cyan") -> Table:
    table = Table.grid(padding=(0, 1))
    table.add_column(justify="right", no_wrap=True)
    table.add_column(no_wrap=True)
    table.add_column(justify="right", no_wrap=True)
    largest = max((n for _, n in rows), default=0)
    for label, n in rows:
        table.add_row(label, Text(bar(n, largest, width), style=style), f"{n:,}")
    return table


def histogram_rows(tokens: list[int], bins: int = 10) -> list[tuple[str, int]]:
    """Rows of the length histogram; the outliers' bucket, if any, is labelled as such."""
    buckets = token_histogram(tokens, bins)
    outliers = outlier_threshold(tokens) is not None
    rows = []
    for i, (low, high, count) in enumerate(buckets):
        label = f"{low:,}-{high:,}" if low != high else f"{low:,}"
        if outliers and i == len(buckets) - 1:
            label = f"outliers {low:,}+"
        rows.append((label, count))
    return rows


def length_note(tokens: list[int]) -> str:
    """Median, 95th percentile and longest: what the bars cannot say exactly."""
    ordered = sorted(tokens)
    median = ordered[len(ordered) // 2]
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    note = f"median {median:,}, p95 {p95:,}, longest {ordered[-1]:,} tokens"
    cap = outlier_threshold(tokens)
    if cap is not None:
        over = sum(1 for n in ordered if n > cap)
        note += f"; {over:,} outlier{'s' if over != 1 else ''} over {cap:,} in the last bar"
    return note


class StatsPane(VerticalScroll):
    def compose(self) -> ComposeResult:
        with Grid(id="stats-grid"):
            yield Static("Linting…", id="stats-histogram", classes="chart")
            yield Static("", id="stats-formats", classes="chart")
            yield Static("", id="stats-tokens", classes="chart")
            yield Static("", id="stats-rules", classes="chart")

    def reset(self) -> None:
        for name in ("histogram", "formats", "tokens", "rules"):
            self.query_one(f"#stats-{name}", Static).update("Linting…" if name == "histogram" else "")

    def lint_finished(self, report) -> None:
        if not report.files:
            return
        file_report = report.files[0]
        records = self.app.session.records
        parsed = [n for n, kind in zip(records.tokens, records.kind) if kind is not None]
        histogram = self.query_one("#stats-histogram", Static)
        histogram.border_title = "Tokens per example"
        if parsed:
            grid = Table.grid()
            grid.add_row(bar_table(histogram_rows(parsed), style=self._colour("accent")))
            grid.add_row(Text(length_note(parsed), style="dim"))
            histogram.update(grid)
        else:
            histogram.update("no parseable examples")

        # README "Records and examples": a record is a non-blank line; an example is a record
        # in a known fine-tuning format, whichever format (the header counts the same).
        formats = Counter(kind for kind in records.kind if kind is not None)
        not_examples = sum(1 for kind in records.kind if kind is None)
        rows = formats.most_common() + ([("not an example", not_examples)] if not_examples else [])
        panel = self.query_one("#stats-formats", Static)
        panel.border_title = f"Examples per format ({file_report.format or 'unknown'} file)"
        grid = Table.grid()
        grid.add_row(bar_table(rows, style=self._colour("success")))
        grid.add_row(Text(f"{plural(file_report.record_count, 'record')}, {plural(file_report.examples, 'example')} "
                          "(the records in a known format)", style="dim"))
        panel.update(grid)

        stats = file_report.tokens
        tokens = self.query_one("#stats-tokens", Static)
        tokens.border_title = "Trained vs total tokens (one epoch)"
        share = f"{100 * stats.trained / stats.total:.1f}%" if stats.total else "-"
        body = bar_table([("total", stats.total), ("trained", stats.trained)], style=self._colour("secondary"))
        grid = Table.grid(padding=(0, 1))
        grid.add_row(body)
        grid.add_row(Text(f"trained share {share}; longest {stats.max_example:,}, p50 {stats.p50:,}, "
                          f"p95 {stats.p95:,} tokens", style="dim"))
        tokens.update(grid)

        counts = report.by_rule()
        top = sorted(counts.items(), key=lambda item: -item[1])[:8]
        rules = self.query_one("#stats-rules", Static)
        rules.border_title = "Top rules"
        labels = [(f"{code} {get_rule(code).name if get_rule(code) else ''}"[:28], n) for code, n in top]
        rules.update(bar_table(labels, style=self._colour("text-warning")) if labels else "no problems")

    def _colour(self, name: str) -> str:
        """A theme colour for Rich bars (fixed names such as "yellow" vanish on the light theme)."""
        return self.app.theme_variables.get(name, "cyan")
