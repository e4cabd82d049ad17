"""From a lint report to the numbers the cost planner prices (shared by the CLI,
the app and the submission gate)."""

from __future__ import annotations

import pricing
from linter import ENCODINGS, FileReport, LintConfig, LintReport, count_examples, lint_path, plural
from linter.rules import InvalidJson, NotAnObject, TextEncoding, UnknownFormat, UnreadableFile
from pricing import DatasetTokens


def dataset_tokens(file_report: FileReport) -> pricing.DatasetTokens:
    """Per-example billed, prompt and completion tokens of the file's parseable records."""
    import polars as pl

    records = file_report.records.filter(pl.col("kind").is_not_null())

    def column(name: str) -> list[int]:
        return records[name].fill_null(0).to_list()

    return pricing.DatasetTokens.from_counts(column("tokens"), column("prompt_tokens"), column("completion_tokens"),
                                             encoding=file_report.encoding, count_method=file_report.count_method)


def uncounted_lines(file_report: FileReport) -> int:
    """Lines of the file that :func:`dataset_tokens` leaves out: not JSON, not an object,
    or in no known format (blank lines are not records at all)."""
    return file_report.records.height - dataset_tokens_count(file_report)


def dataset_tokens_count(file_report: FileReport) -> int:
    """How many records :func:`dataset_tokens` counts."""
    import polars as pl

    return file_report.records.filter(pl.col("kind").is_not_null()).height


def lint_note(report: LintReport) -> str | None:
    """One sentence on what the lint means for an estimate: how many errors it found and,
    only when there are any, how many lines of the training file the estimate leaves out."""
    if not report.files:
        return None
    skipped = uncounted_lines(report.files[0])
    estimated = not report.files[0].exact
    if not report.has_errors and not skipped and not estimated:
        return None
    parts = []
    if estimated:
        parts.append(f"token counts are estimates ({report.files[0].count_method})")
    if report.has_errors:
        parts.append(f"the lint found {plural(report.errors, 'error')}; run `ftpreflight lint {report.files[0].path}`")
    if skipped:
        parts.append(f"{plural(skipped, 'line')} of the training file {'is' if skipped == 1 else 'are'} not counted "
                     "(not valid JSON, or in no known format)")
    return "; ".join(parts)


_UNUSABLE_LINE = frozenset(r.code for r in (InvalidJson, NotAnObject, UnknownFormat, TextEncoding))
"""Rules whose finding on a line means the line is no example."""


def no_examples_reason(report: LintReport) -> str:
    """Why a linted training file has nothing to estimate, in the words of its first record problem."""
    file_report = report.files[0]
    lines = file_report.records.height
    if not lines:
        unreadable = next((d for d in report.diagnostics
                           if d.path == file_report.path and d.code == UnreadableFile.code), None)
        if unreadable is not None:  # the lint's own words: "file looks like a gzip archive, ..."
            return f"{file_report.path}: no examples to estimate: {unreadable.message}"
        return f"{file_report.path}: no examples to estimate (the file has no records)"
    first = next((d for d in report.diagnostics if d.path == file_report.path and d.line is not None
                  and d.code in _UNUSABLE_LINE), None)
    why = f" (line {first.line}: {first.message})" if first is not None else ""
    return (f"{file_report.path}: no examples to estimate: none of its {plural(lines, 'line')} is a record "
            f"in a known fine-tuning format{why}")


def comparable_models(models, method: str, data_format: str | None, today) -> list:
    """The models a comparison prices: they offer ``method``, train on ``data_format`` and
    still accept jobs (a refused row needs no token count)."""
    import pricing

    out = []
    for model in models:
        if method not in model.methods or (data_format is not None and data_format not in model.data_formats):
            continue
        if model.price_unknown:  # refused by the comparison: not worth counting for
            continue
        try:
            pricing.check_accepts_jobs(model, today)
        except pricing.JobNotAcceptedError:
            continue
        out.append(model)
    return out


def tokens_by_encoding(path: str, models, config: LintConfig, counted: DatasetTokens,
                       lint=None) -> dict[str, DatasetTokens]:
    """The training file's token counts with every tokenizer ``models`` use: ``counted``
    (already made with its own encoding) plus one count per other encoding, all of them
    from one counting-only pass over the file (:func:`linter.count_examples`: read and
    parsed once, then tokenized per encoding; the counts are the lint's). Should that pass
    fail to read the file, each encoding is counted with a lint instead (``lint``, default
    :func:`linter.lint_path`; only the counting matters, so only FT101 is selected)."""
    out = {counted.encoding: counted} if counted.encoding else {}
    wanted = sorted({m.encoding for m in models if m.encoding in ENCODINGS} - set(out))
    if not wanted:
        return out
    try:
        found = count_examples(path, wanted, config)
    except OSError:
        for encoding in wanted:
            only_counting = config.model_copy(update={"encoding": encoding, "select": [InvalidJson.code]})
            report = (lint or lint_path)(path, only_counting)
            out[encoding] = dataset_tokens(report.files[0])
        return out
    for encoding in wanted:
        counts = found[encoding]
        out[encoding] = pricing.DatasetTokens.from_counts(counts.tokens.tolist(), counts.prompt_tokens.tolist(),
                                                          counts.completion_tokens.tolist(), encoding=encoding,
                                                          count_method=counts.count_method)
    return out
