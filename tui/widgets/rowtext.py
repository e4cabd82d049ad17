"""The text of one row of the dataset table. Standard library only: the start-up
preview (``tui.startup``) draws the first rows with it before the UI toolkit is
imported, and the table (``tui.widgets.records``) draws every row with it, so the two
look the same."""

from __future__ import annotations

ICONS = {0: "✓", 1: "●", 2: "▲", 3: "✖"}
SEVERITY_NAMES = {0: "ok", 1: "info", 2: "warning", 3: "error"}


def row_text(mark: str, icon: str, line: str, kind: str, messages: str, tokens: str, codes: str,
             width: int) -> str:
    """One table line, cut or padded to ``width`` cells (the icon is the third cell)."""
    text = f"{mark:1} {icon:1} {line:>7} {kind:<13.13} {messages:>4} {tokens:>9}  {codes}"
    return text[:width].ljust(width)


def header_text(width: int) -> str:
    return row_text("", "", "line", "format", "msgs", "tokens", "rules", width)


def record_text(line: int, kind: str | None, messages: int | None, tokens: int | None, worst: int | None,
                width: int, mark: str = " ", codes: str = "") -> str:
    """The line of one record as the lint's row gives it (``linter.RECORD_COLUMNS`` values)."""
    return row_text(mark, ICONS.get(worst or 0, "?"), str(line), kind or "-", str(messages or 0),
                    f"{tokens or 0:,}", codes, width)
