"""The result of a lint: per-file facts, a per-record table and the diagnostics."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import orjson

from ._diagnostic import Diagnostic, Severity
from ._tokens import count_method, is_exact

if TYPE_CHECKING:
    import polars as pl

RECORD_COLUMNS = (
    "line", "offset", "length", "kind", "messages", "tokens", "trained_tokens",
    "prompt_tokens", "completion_tokens", "images", "worst",
)
"""Columns of ``FileReport.records``: one row per non-blank line. ``worst`` is the
worst severity on that line (0 none, 1 info, 2 warning, 3 error); ``kind`` is null
for lines that are not a parseable record."""


@dataclass(frozen=True)
class TokenStats:
    total: int = 0
    """Billed tokens of one pass over every example (one epoch)."""
    trained: int = 0
    """Tokens the model is trained on (assistant turns with weight 1, completions, DPO outputs)."""
    max_example: int = 0
    p50: int = 0
    p95: int = 0


@dataclass
class FileReport:
    path: str
    format: str | None
    record_count: int
    """Records in the file: its non-blank lines, whether they parse or not (the app's
    table has one row per record)."""
    size_bytes: int
    encoding: str
    model: str
    context_tokens: int | None
    tokens: TokenStats
    records: "pl.DataFrame"
    separator: str | None = None
    """Completion format: the prompt separator inferred; None when the prompts share none."""
    stop: str | None = None
    """Completion format: the stop sequence inferred; None when the completions share none."""
    role: str = "train"
    """``train`` or ``validation``."""
    examples: int = 0
    """Examples: the records that parse as a known fine-tuning format, i.e. what the
    provider would train on and what FT201 and the cost planner count."""

    @property
    def exact(self) -> bool:
        """Whether the token counts are exact (``False`` for an estimating encoding such as
        ``gemini-estimate``)."""
        return is_exact(self.encoding)

    @property
    def count_method(self) -> str:
        """How the token counts were made, in a sentence (``exact: ...`` or ``estimate: ...``)."""
        return count_method(self.encoding)


@dataclass
class LintReport:
    files: list[FileReport]
    diagnostics: list[Diagnostic]
    suppressed: dict[str, int] = field(default_factory=dict)
    """Diagnostics not stored because a rule hit ``max_diagnostics_per_rule``, by code."""
    provider: str = "openai"
    """The provider profile the files were linted for (``--provider``)."""

    def count(self, severity: Severity) -> int:
        stored = sum(1 for d in self.diagnostics if d.severity == severity)
        return stored + sum(n for key, n in self.suppressed.items() if key.endswith(":" + severity.label))

    @property
    def errors(self) -> int:
        return self.count(Severity.ERROR)

    @property
    def warnings(self) -> int:
        return self.count(Severity.WARNING)

    @property
    def infos(self) -> int:
        return self.count(Severity.INFO)

    @property
    def has_errors(self) -> bool:
        return self.errors > 0

    def by_rule(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for d in self.diagnostics:
            counts[d.code] = counts.get(d.code, 0) + 1
        for key, n in self.suppressed.items():
            code = key.split(":", 1)[0]
            counts[code] = counts.get(code, 0) + n
        return dict(sorted(counts.items()))

    def for_line(self, path: str, line: int) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.path == path and d.line == line]


def read_record_bytes(path: str, offset: int, length: int) -> bytes:
    """The raw bytes of one line (from ``FileReport.records``' offset and length),
    without the line ending. Reads only that line, however large the file."""
    with open(path, "rb") as handle:
        handle.seek(offset)
        data = handle.read(length)
    return data.rstrip(b"\r\n")


def parse_record(raw: bytes):
    """Parse one line the way the lint does (orjson: strict JSON, so ``NaN`` or a
    trailing comma is an error; a leading BOM is ignored). Raises ``ValueError``
    for a line the lint reports as FT101: the app shows records through this, so
    it never displays as a record what the lint rejected."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    return orjson.loads(raw)
