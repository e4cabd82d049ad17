"""The records table and token statistics a lint reports, now computed without polars
(issue 16): the table is built when a caller first reads it, the statistics from the
lint's own arrays. Both must say what the polars code said."""

from __future__ import annotations

import dataclasses
import pickle
import random
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from linter import LintConfig, lint_path
from linter._report import RECORD_COLUMNS, RecordColumns, record_schema, token_stats

SAMPLES = Path(__file__).resolve().parent.parent / "sample_data"


@pytest.mark.parametrize("count", [*range(1, 60), 99, 100, 101, 1000, 1001])
def test_percentiles_are_polars_nearest_rank(count: int) -> None:
    rng = random.Random(count)
    tokens = np.array([rng.choice([rng.randrange(1, 50), rng.randrange(1, 70_000)]) for _ in range(count)],
                      dtype=np.uint32)
    trained = tokens // 2
    stats = token_stats(tokens, trained)
    series = pl.Series(tokens)
    assert stats.p50 == series.quantile(0.5, "nearest")
    assert stats.p95 == series.quantile(0.95, "nearest")
    assert stats.max_example == series.max()
    assert stats.total == int(tokens.sum(dtype=np.uint64)) and stats.trained == int(trained.sum(dtype=np.uint64))


def test_no_examples_means_zero_statistics() -> None:
    empty = np.zeros(0, dtype=np.uint32)
    stats = token_stats(empty, empty)
    assert (stats.total, stats.trained, stats.max_example, stats.p50, stats.p95) == (0, 0, 0, 0, 0)


def test_totals_do_not_wrap_at_32_bits() -> None:
    # Per-record counts are 32-bit; a dataset's total is not (a polars sum of the UInt32
    # column wrapped around past 4,294,967,295 tokens).
    tokens = np.array([4_000_000_000, 4_000_000_000, 5], dtype=np.uint32)
    stats = token_stats(tokens, tokens)
    assert stats.total == stats.trained == 8_000_000_005


def test_the_table_is_built_once_with_the_documented_schema() -> None:
    report = lint_path(SAMPLES / "messy.jsonl", LintConfig(jobs=1))
    file_report = report.files[0]
    table = file_report.records
    assert table is file_report.records  # built on the first read, then kept
    assert table.columns == list(RECORD_COLUMNS)
    assert dict(table.schema) == record_schema()
    assert table.height == file_report.record_count == 39
    kinds = table["kind"].to_list()
    assert None in kinds and "chat" in kinds  # messy.jsonl has unparseable lines
    assert len(kinds) - kinds.count(None) == file_report.examples
    parsed = table.filter(pl.col("kind").is_not_null())["tokens"]
    assert file_report.tokens.total == parsed.sum()
    assert file_report.tokens.p95 == parsed.quantile(0.95, "nearest")
    # Lines ascend, and the worst severity of each line is its worst finding's.
    lines = table["line"].to_list()
    assert lines == sorted(lines)
    worst = dict(zip(lines, table["worst"].to_list()))
    for diagnostic in report.diagnostics:
        if diagnostic.line in worst:
            assert worst[diagnostic.line] >= int(diagnostic.severity)


def test_an_unreadable_file_has_an_empty_table(tmp_path) -> None:
    file_report = lint_path(tmp_path / "missing.jsonl").files[0]
    assert file_report.records.height == 0
    assert dict(file_report.records.schema) == record_schema()


def test_a_report_copies_and_pickles_before_and_after_the_table_is_read() -> None:
    file_report = lint_path(SAMPLES / "tool_calls.jsonl", LintConfig(jobs=1)).files[0]
    unread = pickle.loads(pickle.dumps(file_report))
    assert unread.records.equals(file_report.records)
    replaced = dataclasses.replace(file_report, role="validation")
    assert replaced.role == "validation" and replaced.records.equals(file_report.records)
    assert pickle.loads(pickle.dumps(file_report)).records.equals(file_report.records)


def test_columns_without_rows() -> None:
    assert len(RecordColumns()) == 0
    assert RecordColumns().frame().height == 0
