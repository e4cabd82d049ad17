"""From a lint report to the numbers the cost planner prices (shared by the CLI,
the app and the submission gate)."""

from __future__ import annotations

import pricing
from linter import FileReport


def dataset_tokens(file_report: FileReport) -> pricing.DatasetTokens:
    """Per-example billed, prompt and completion tokens of the file's parseable records."""
    import polars as pl

    records = file_report.records.filter(pl.col("kind").is_not_null())

    def column(name: str) -> list[int]:
        return records[name].fill_null(0).to_list()

    return pricing.DatasetTokens.from_counts(column("tokens"), column("prompt_tokens"), column("completion_tokens"),
                                             encoding=file_report.encoding)
