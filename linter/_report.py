"""The result of a lint: per-file facts, a per-record table and the diagnostics."""

from __future__ import annotations

import math
import threading
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
KIND_CODES = {None: 0, "chat": 1, "completion": 2, "preference": 3, "reinforcement": 4}
"""How the lint's columns hold ``kind`` (a small integer per row) before the table is built."""
KIND_NAMES = {code: name for name, code in KIND_CODES.items()}


def record_schema() -> dict:
    """The polars dtype of each column of ``FileReport.records``."""
    import polars as pl

    return {"line": pl.UInt32, "offset": pl.UInt64, "length": pl.UInt64, "kind": pl.Utf8, "messages": pl.UInt32,
            "tokens": pl.UInt32, "trained_tokens": pl.UInt32, "prompt_tokens": pl.UInt32,
            "completion_tokens": pl.UInt32, "images": pl.UInt32, "worst": pl.UInt8}


class RecordColumns:
    """The records table as the lint made it: one numpy array per column of
    :data:`RECORD_COLUMNS`, ``kind`` as :data:`KIND_CODES`. ``FileReport.records`` turns it
    into a polars DataFrame the first time it is read, so a caller that never reads the
    table (``ftpreflight lint`` prints findings and totals) never loads polars."""

    def __init__(self, columns: dict | None = None):
        self._columns = columns  # None: no rows
        self._frame = None
        self._lock = threading.Lock()

    def __len__(self) -> int:
        if self._frame is not None:
            return self._frame.height
        return 0 if self._columns is None else len(self._columns["line"])

    def __getstate__(self) -> dict:  # a report pickles (and copies) whether or not its table was read
        with self._lock:
            return {"_columns": self._columns, "_frame": self._frame}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def frame(self) -> "pl.DataFrame":
        """The polars DataFrame (built once; the numpy columns are dropped then)."""
        with self._lock:
            if self._frame is None:
                self._frame = self._build()
                self._columns = None
            return self._frame

    def _build(self) -> "pl.DataFrame":
        import polars as pl

        schema = record_schema()
        if self._columns is None:
            return pl.DataFrame(schema=schema)
        columns = dict(self._columns)
        kinds = columns.pop("kind")
        frame = pl.DataFrame(columns).with_columns(
            pl.Series("kind", kinds).replace_strict(KIND_NAMES, return_dtype=pl.Utf8))
        return frame.select(RECORD_COLUMNS).cast(schema)


class _RecordsTable:
    """``FileReport.records``: holds a polars DataFrame or the :class:`RecordColumns` it is
    built from on first read. (A dataclass field whose default is a descriptor: the
    generated ``__init__`` assigns through ``__set__``; raising AttributeError on the class
    means the field has no default.)"""

    def __set_name__(self, owner, name: str) -> None:
        self._slot = "_" + name

    def __get__(self, report, owner=None):
        if report is None:
            raise AttributeError("records")
        value = report.__dict__[self._slot]
        if isinstance(value, RecordColumns):
            value = report.__dict__[self._slot] = value.frame()
        return value

    def __set__(self, report, value) -> None:
        report.__dict__[self._slot] = value


def token_stats(tokens, trained) -> "TokenStats":
    """Token statistics of the examples whose billed and trained token counts are
    ``tokens`` and ``trained`` (numpy integer arrays). Sums are exact (no fixed-width
    wrap-around); the percentiles are the values at the nearest rank,
    ``round((n - 1) * q)`` with halves rounded up."""
    import numpy as np

    count = len(tokens)
    if not count:
        return TokenStats()
    ordered = np.sort(tokens)

    def nearest(q: float) -> int:
        position = (count - 1) * q
        index = math.floor(position)
        if position - index >= 0.5:
            index += 1
        return int(ordered[index])

    return TokenStats(total=int(np.sum(tokens, dtype=np.uint64)), trained=int(np.sum(trained, dtype=np.uint64)),
                      max_example=int(ordered[-1]), p50=nearest(0.5), p95=nearest(0.95))


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
    records: "pl.DataFrame" = _RecordsTable()  # type: ignore[assignment]
    """One row per record, columns :data:`RECORD_COLUMNS` (built when first read)."""
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
