"""The rows of the file under review, as the dataset table and the record view see
them: columns kept as lists (filled chunk by chunk while the lint runs), plus the
current view (rule and text filters, sort). Plain data: no Textual, so the session,
the screens and the tests share it without importing a widget."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from linter import RECORD_COLUMNS

_COLUMN = {name: i for i, name in enumerate(RECORD_COLUMNS)}
SORTS = (None, "tokens", "severity")
"""The table's orders, in the order ``s`` cycles through them."""


@dataclass
class RecordsModel:
    """Rows of one file, plus the view (filter and sort) the table shows."""

    line: list[int] = field(default_factory=list)
    offset: list[int] = field(default_factory=list)
    length: list[int] = field(default_factory=list)
    kind: list[str | None] = field(default_factory=list)
    messages: list[int] = field(default_factory=list)
    tokens: list[int] = field(default_factory=list)
    worst: list[int] = field(default_factory=list)
    codes: dict[int, tuple[str, ...]] = field(default_factory=dict)
    """Rule codes reported on each line (filled when the lint ends)."""
    marked: set[int] = field(default_factory=set)
    """Lines the user marked to drop."""
    rule: str | None = None
    rule_lines: frozenset[int] | None = None
    search: str = ""
    search_lines: frozenset[int] | None = None
    sort: str | None = None
    view: list[int] | None = None
    """Row indices in display order; ``None`` means every row in file order."""
    _row_of_line: dict[int, int] | None = None

    def __len__(self) -> int:
        return len(self.line) if self.view is None else len(self.view)

    @property
    def total(self) -> int:
        return len(self.line)

    def extend(self, rows: list[tuple]) -> None:
        c = _COLUMN
        self.line.extend(r[c["line"]] for r in rows)
        self.offset.extend(r[c["offset"]] for r in rows)
        self.length.extend(r[c["length"]] for r in rows)
        self.kind.extend(r[c["kind"]] for r in rows)
        self.messages.extend(r[c["messages"]] or 0 for r in rows)
        self.tokens.extend(r[c["tokens"]] or 0 for r in rows)
        self.worst.extend(r[c["worst"]] or 0 for r in rows)
        self._row_of_line = None
        if self.filtered or self.sort:
            self.refresh_view()

    def replace(self, frame, diagnostics, path: str) -> None:
        """Take the final table (a polars DataFrame) and the diagnostics of ``path``."""
        self.line = frame["line"].to_list()
        self.offset = frame["offset"].to_list()
        self.length = frame["length"].to_list()
        self.kind = frame["kind"].to_list()
        self.messages = frame["messages"].fill_null(0).to_list()
        self.tokens = frame["tokens"].fill_null(0).to_list()
        self.worst = frame["worst"].fill_null(0).to_list()
        codes: dict[int, list[str]] = {}
        for d in diagnostics:
            if d.path == path and d.line is not None:
                bucket = codes.setdefault(d.line, [])
                if d.code not in bucket:
                    bucket.append(d.code)
        self.codes = {line: tuple(found) for line, found in codes.items()}
        self._row_of_line = None
        self.refresh_view()

    @property
    def filtered(self) -> bool:
        return self.rule_lines is not None or self.search_lines is not None

    def refresh_view(self) -> None:
        if not self.filtered and not self.sort:
            self.view = None
            return
        rows = np.arange(len(self.line))
        if self.filtered:
            lines = np.asarray(self.line, dtype=np.int64)
            keep = np.ones(len(lines), dtype=bool)
            for wanted in (self.rule_lines, self.search_lines):
                if wanted is not None:
                    keep &= np.isin(lines, np.fromiter(wanted, dtype=np.int64, count=len(wanted)))
            rows = rows[keep]
        if self.sort == "tokens":
            values = np.asarray(self.tokens, dtype=np.int64)[rows]
            rows = rows[np.argsort(-values, kind="stable")]
        elif self.sort == "severity":
            values = np.asarray(self.worst, dtype=np.int64)[rows]
            rows = rows[np.argsort(-values, kind="stable")]
        self.view = rows.tolist()

    def row_at(self, position: int) -> int:
        return position if self.view is None else self.view[position]

    def line_at(self, position: int) -> int | None:
        if 0 <= position < len(self):
            return self.line[self.row_at(position)]
        return None

    def row_of_line(self, line: int) -> int | None:
        if self._row_of_line is None:
            self._row_of_line = {value: i for i, value in enumerate(self.line)}
        return self._row_of_line.get(line)

    def position_of_line(self, line: int) -> int | None:
        row = self.row_of_line(line)
        if row is None:
            return None
        if self.view is None:
            return row
        try:
            return self.view.index(row)
        except ValueError:
            return None

    def next_flagged(self, position: int, step: int) -> int | None:
        """The next (``step`` 1) or previous (-1) position whose record has a problem."""
        count = len(self)
        pos = position + step
        while 0 <= pos < count:
            if self.worst[self.row_at(pos)] > 0:
                return pos
            pos += step
        return None

    def describe_filter(self) -> str:
        parts = []
        if self.rule:
            parts.append(f"rule {self.rule}")
        if self.search:
            parts.append(f"text {self.search!r}")
        if self.sort:
            parts.append(f"sorted by {self.sort}")
        return ", ".join(parts)
