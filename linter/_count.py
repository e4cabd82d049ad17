"""Counting only: a file's per-example token counts with several encodings in one pass.

A comparison across providers prices the same file with each model family's tokenizer. A
lint per encoding would read, parse, hash and check every record again for each; this reads
and parses each line once and runs only the token counting, per encoding, with the lint's
own :class:`RecordChecker` (no rule enabled), so the counts are the ones a lint with that
encoding puts in its records table (``tests/test_compare.py`` holds them equal on every
sample file). The usual chat record takes the lint's shortcut: its texts are tokenized a
batch at a time (:meth:`TokenCounter.count_many`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from ._config import LintConfig
from ._formats import CHAT, COMPLETION, detect_kind
from ._lines import NOT_JSON, json_lines
from ._tokens import TokenCounter, count_method, is_exact
from ._validate import RecordChecker, RecordFacts, pending_token_counts

_BATCH = 4096
"""Shortcut records whose texts are tokenized together."""


@dataclass(frozen=True)
class ExampleTokens:
    """Per-example token counts of one file with one encoding, in line order: the examples
    the lint counts (records in a known format)."""

    encoding: str
    count_method: str
    exact: bool
    tokens: np.ndarray
    """Billed tokens per example (text plus chat framing)."""
    prompt_tokens: np.ndarray
    completion_tokens: np.ndarray


class _Tally:
    """One encoding's counts while the file is read."""

    def __init__(self, path: str, encoding: str, file_kind: str | None, config: LintConfig,
                 separator: str | None, stop: str | None):
        self.counter = TokenCounter(encoding)
        self.checker = RecordChecker(path, self.counter, file_kind, enabled=frozenset(),
                                     max_images=config.max_images_per_example, separator=separator, stop=stop,
                                     collect_texts=False)
        shortcut = file_kind in (None, CHAT) and self.checker.encode_buffer is not None
        self.fast = self.checker.simple_chat if shortcut else None
        self.counts: list[tuple[int, int, int, int]] = []
        """(row, total, prompt, completion) of the records counted by the full check."""
        self.pending: list[str] = []
        self.flags = bytearray()
        self.spans: list[tuple[int, int, int]] = []
        self.constants: list[tuple] = []
        self.rows: list[int] = []
        self.batches: list[tuple[np.ndarray, tuple]] = []

    def add(self, row: int, line: int, record: dict, kind: str | None) -> bool:
        """Count one record; False when the lint would not count it (no known format)."""
        if self.fast is not None:
            first = len(self.pending)
            simple = self.fast(record, False, False, self.pending, self.flags)
            if simple is not None:
                self.rows.append(row)
                self.spans.append((first, len(self.pending), simple[2]))
                self.constants.append(simple[1])
                if len(self.rows) >= _BATCH:
                    self.flush()
                return True
        facts = RecordFacts(line, 0, 0)
        self.checker.check(record, facts, kind)
        self.checker.out.clear()
        if facts.kind is None:
            return False
        self.counts.append((row, facts.tokens, facts.prompt_tokens, facts.completion_tokens))
        return True

    def flush(self) -> None:
        if not self.rows:
            return
        text_counts, _ = self.counter.count_many(self.pending, contents=True)
        spans = np.array(self.spans, dtype=np.int64)
        total, _, prompt, completion = pending_token_counts(text_counts, self.flags, spans[:, 0], spans[:, 1],
                                                            spans[:, 2], self.constants)
        self.batches.append((np.array(self.rows, dtype=np.int64), (total, prompt, completion)))
        self.pending, self.flags, self.spans, self.constants, self.rows = [], bytearray(), [], [], []

    def result(self, rows: np.ndarray, encoding: str) -> ExampleTokens:
        self.flush()
        n = int(rows.max()) + 1 if len(rows) else 0
        columns = [np.zeros(n, dtype=np.int64) for _ in range(3)]
        for where, values in self.batches:
            for column, value in zip(columns, values):
                column[where] = value
        if self.counts:
            table = np.array(self.counts, dtype=np.int64)
            for i, column in enumerate(columns):
                column[table[:, 0]] = table[:, i + 1]
        tokens, prompt, completion = (column[rows] for column in columns)
        return ExampleTokens(encoding, count_method(encoding), is_exact(encoding), tokens, prompt, completion)


@dataclass(frozen=True)
class _Plan:
    """What every chunk's count needs (picklable, for the worker processes)."""

    path: str
    encodings: tuple[str, ...]
    file_kind: str | None
    max_images: int
    separator: str | None
    stop: str | None


def _count_chunk(plan: _Plan, start: int, end: int) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per encoding, the chunk's examples' (tokens, prompt, completion), in line order."""
    from ._engine import _FileChanged, _read_chunk

    try:
        data = _read_chunk(plan.path, start, end)
    except _FileChanged:
        raise OSError(f"{plan.path}: the file changed while it was being counted") from None
    config = LintConfig(max_images_per_example=plan.max_images)
    tallies = [_Tally(plan.path, name, plan.file_kind, config, plan.separator, plan.stop) for name in plan.encodings]
    examples: list[int] = []
    row = 0
    for line, record in json_lines(data.split(b"\n"), file_start=start == 0):
        if record is NOT_JSON or record.__class__ is not dict:
            continue
        kind = detect_kind(record)
        counted = [tally.add(row, line, record, kind) for tally in tallies]
        if counted[0]:
            examples.append(row)
        row += 1
    rows = np.array(examples, dtype=np.int64)
    out = []
    for tally, name in zip(tallies, plan.encodings):
        result = tally.result(rows, name)
        out.append((result.tokens, result.prompt_tokens, result.completion_tokens))
    return out


def count_examples(path: str | os.PathLike, encodings, config: LintConfig | None = None) -> dict[str, ExampleTokens]:
    """Each example's billed, prompt and completion tokens with every encoding in
    ``encodings``, reading the file once: in chunks over ``config.jobs`` worker processes
    (all cores by default) when the file is big enough, as a lint would. Lines that are not
    JSON objects in a known format are not examples (the lint reports them). Raises OSError
    when the file cannot be read, or changes while it is read."""
    from ._dataset import CompletionProfile
    from . import _engine

    config = config or LintConfig()
    path = str(path)
    names = tuple(dict.fromkeys(encodings))
    if not names:
        return {}
    file_kind = config.format_kind or _engine._sample_kind(path)
    completion = CompletionProfile.scan(path, config) if file_kind == COMPLETION else None
    plan = _Plan(path, names, file_kind, config.max_images_per_example,
                 completion.separator if completion else None, completion.stop if completion else None)
    size = os.path.getsize(path)
    jobs = config.jobs or os.cpu_count() or 1
    parallel = size >= _engine._PARALLEL_MIN_BYTES and jobs > 1
    target = min(_engine._CHUNK_BYTES, max(_engine._MIN_CHUNK_BYTES, size // (jobs * _engine._CHUNKS_PER_WORKER)))
    steps = [(start, end) for start, end, _ in _engine._plan_chunks(path, size, target)]
    parts = _run(plan, steps, jobs) if parallel else [_count_chunk(plan, start, end) for start, end in steps]
    out = {}
    for i, name in enumerate(names):
        columns = [np.concatenate([part[i][k] for part in parts]) if parts else np.zeros(0, dtype=np.int64)
                   for k in range(3)]
        out[name] = ExampleTokens(name, count_method(name), is_exact(name), *columns)
    return out


def _run(plan: _Plan, steps: list[tuple[int, int]], jobs: int) -> list:
    """The chunks' counts in file order, from a worker pool; chunks the pool could not
    count (it failed to start, or a worker died) are counted in this process."""
    from concurrent.futures.process import BrokenProcessPool

    from . import _engine

    try:
        executor = _engine._take_prestarted(jobs) or _engine._start_pool(jobs, plan.encodings[0])
    except (OSError, ValueError):
        return [_count_chunk(plan, start, end) for start, end in steps]
    results: list = [None] * len(steps)
    try:
        futures = [_engine._submit(executor, _count_chunk, plan, start, end) for start, end in steps]
        for i, future in enumerate(futures):
            results[i] = future.result()
    except BrokenProcessPool:
        pass
    finally:
        executor.shutdown(wait=False, cancel_futures=True)
    return [result if result is not None else _count_chunk(plan, *step) for result, step in zip(results, steps)]


__all__ = ["ExampleTokens", "count_examples"]
