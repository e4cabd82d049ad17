"""The main screen's status line after a lint: the file, what it holds, the counts of
errors, warnings and infos, then the lint time and the model as room allows.

The counts are never dropped: a long file name is shortened in the middle first (its
start and its extension stay), then the summary loses "of N records", then its words."""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from textual.markup import escape

from linter import plural

SEVERITY_COLOURS = {"error": "$text-error", "warning": "$text-warning", "info": "$text-primary"}
"""Theme variables for the severity marks: text colours, distinct from each other and
readable on the header of both themes (``tui.app.LIGHT_THEME``; tests/test_app_layout.py
measures the contrast). Info is blue, not the accent colour, which is the warning's."""

MIN_NAME = 16
"""The file name is not shortened below this many cells while the summary can give room."""


def middle_ellipsis(text: str, width: int) -> str:
    """``text`` in at most ``width`` cells, cut in the middle: ``customer_su…_v2.jsonl``."""
    if cell_len(text) <= width:
        return text
    if width <= 1:
        return "…"[:max(width, 0)]
    room = width - 1
    head_room = (room + 1) // 2
    head, tail = "", ""
    for char in text:
        if cell_len(head + char) > head_room:
            break
        head += char
    for char in reversed(text):
        if cell_len(head + tail + char) > room:
            break
        tail = char + tail
    return f"{head}…{tail}"


@dataclass(frozen=True)
class LintSummary:
    """What the status line says about a finished lint."""

    name: str
    examples: int
    format: str | None
    records: int
    errors: int
    warnings: int
    infos: int
    seconds: float | None = None
    model: str | None = None


def status_line(summary: LintSummary, room: int) -> str:
    """Markup for the status line in ``room`` cells."""
    counts = [("error", "✖", summary.errors), ("warning", "▲", summary.warnings), ("info", "●", summary.infos)]
    counts_plain = " ".join(f"{mark} {count:,}" for _, mark, count in counts)
    counts_markup = " ".join(f"[{SEVERITY_COLOURS[kind]}]{mark} {count:,}[/]" for kind, mark, count in counts)
    kind = f"{summary.format} example" if summary.format else "example"
    held = plural(summary.examples, kind)
    summaries = [held]
    if summary.records != summary.examples:
        summaries.insert(0, f"{held} of {plural(summary.records, 'record')}")
    summaries += [f"{summary.examples:,}", ""]

    for said in summaries:
        fixed = (cell_len(said) + 2 if said else 0) + 2 + cell_len(counts_plain)
        name_room = room - fixed
        if name_room >= min(cell_len(summary.name), MIN_NAME):
            break
    name = middle_ellipsis(summary.name, max(name_room, 1))
    shown = f"[b]{escape(name)}[/]" + (f"  {escape(said)}" if said else "") + f"  {counts_markup}"
    width = cell_len(name) + fixed
    extras = []
    if summary.seconds is not None:
        lint_time = f"linted in {summary.seconds:.1f}s"
        extras.append((f"  {lint_time}", f"  [dim]{lint_time}[/]"))
        if summary.model:
            extras.append((f" with {summary.model}", f"[dim] with {escape(summary.model)}[/]"))
    for plain, markup in extras:
        if width + cell_len(plain) > room:
            break
        shown += markup
        width += cell_len(plain)
    return shown
