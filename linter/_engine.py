"""The lint engine: stream a JSONL file in chunks, check records in worker
processes, merge per-record facts in file order and run dataset-wide rules.

Big files are split at line boundaries into chunks of a few MB; each chunk is
linted by a worker process (tokenizing is the costly part, and it needs both
cores). Workers return small facts per record (hashes, token counts), never the
records themselves, so memory stays flat however large the file is.
"""

from __future__ import annotations

import gc
import os
import re
import signal
import stat
import threading
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import orjson

from ._config import LintConfig
from ._diagnostic import Diagnostic, Fix, Applicability, Severity
from ._errors import FtPreflightError, LintCancelled
from ._formats import CHAT, COMPLETION, detect_kind, iter_objects, majority_kind
from ._models import context_for_model
from ._observer import LintObserver
from ._report import (
    KIND_CODES, KIND_NAMES, RECORD_COLUMNS, FileReport, LintReport, RecordColumns, TokenStats, token_stats,
)
from ._text import plural
from ._tokens import TokenCounter, encoding_name_for_model, get_encoding, get_quick_encoding
from ._validate import RecordChecker, RecordFacts, pending_token_counts
from . import _dataset
from .rules import (
    RULES, ExampleTooLong, FileTooLarge, FormatNotTrainable, InvalidJson, TextEncoding, UnreadableFile,
)
from .pii import json_strings

if TYPE_CHECKING:  # the process pool's modules load only when a big file needs the pool
    from concurrent.futures import Future, ProcessPoolExecutor

ERROR, WARNING, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO
BOM = b"\xef\xbb\xbf"
_PARALLEL_MIN_BYTES = 4 * 1024 * 1024
_CHUNK_BYTES = 4 * 1024 * 1024
_MIN_CHUNK_BYTES = 1024 * 1024
_CHUNKS_PER_WORKER = 8
_FIRST_CHUNK_BYTES = 128 * 1024
_SAMPLE_RECORDS = 200


@dataclass
class _FileSetup:
    """Everything a worker needs to lint a chunk of one file (picklable)."""

    path: str
    encoding: str
    file_kind: str | None
    enabled: frozenset[str]
    context_tokens: int | None
    max_images: int
    separator: str | None
    stop: str | None
    total_lines_hint: int = 0
    extra: dict = field(default_factory=dict)
    prefilter: bool = True
    """Pick the texts to check for personal data with the compiled Hyperscan prefilter.
    Compiling it takes ~0.05 s, more than checking every text of a small file does."""


@dataclass
class _ChunkResult:
    columns: dict
    """The chunk's rows of the records table, one numpy array per column (``kind`` as codes)."""
    facts: dict
    """Per-record hashes for the dataset rules (:func:`_dataset.facts_columns`)."""
    diagnostics: list[Diagnostic]
    crlf_lines: int
    first_crlf_line: int | None
    end_offset: int
    last_line: int
    signatures: "tuple[np.ndarray, np.ndarray] | None" = None
    """Near-duplicate (band keys, 8-bit signatures); a fact's signature_row indexes them."""


# -- worker side ---------------------------------------------------------------------------

_counters: dict[str, TokenCounter] = {}


_QUICK_CHARS = 400_000
"""This process counts its first this-many characters (per encoding) with the Python
encoder, then with tiktoken: a small file's lint never builds tiktoken's core (0.25 s with
freeing it); a big one spends ~0.1 s before it does. Workers use tiktoken from the start.
``python -m tests.benchmarks.bench_quick_tokens`` measures the crossover."""
_QUICK_FILE_BYTES = 512 * 1024
"""A file up to this size is expected to need only the Python encoder, and has every text
checked for personal data (no prefilter to compile)."""


def _counter(encoding: str, quick_chars: int | None = None) -> TokenCounter:
    """This process's counter for ``encoding`` (made on first use: on the Python encoder
    for its first ``quick_chars`` characters, by default ``_QUICK_CHARS``)."""
    counter = _counters.get(encoding)
    if counter is None:
        counter = _counters[encoding] = TokenCounter(
            encoding, quick_chars=_QUICK_CHARS if quick_chars is None else quick_chars)
    return counter


_loading: set[tuple[str, bool]] = set()


def _load_soon(encoding: str, size: int) -> None:
    """Start loading ``encoding`` in a background thread (once), for a lint of ``size``
    bytes that will tokenize in this process: the ranks for the Python encoder (a small
    file), else tiktoken's. Reading and checking the rank file run without the GIL,
    beside the main thread's own set-up; the loaders hold a lock while they load, so the
    main thread's first count waits for this load instead of repeating it."""
    quick = size <= _QUICK_FILE_BYTES
    if quick and encoding in _counters or (encoding, quick) in _loading:  # counting is ready, or loading
        return
    _loading.add((encoding, quick))

    def load() -> None:
        try:
            get_quick_encoding(encoding) if quick else get_encoding(encoding)
        except Exception:  # noqa: BLE001 - the main thread's own load raises it where it is handled
            pass

    threading.Thread(target=load, name="ftpreflight-load-tokenizer", daemon=True).start()


def _worker_init(encoding: str) -> None:
    # Ctrl-C is the parent's to handle (it stops the pool); a worker that died of it
    # would look like a crash and send the lint down the in-process fallback. (Until
    # here the worker had it blocked, from its parent: see _start_pool.)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A parent killed outright (SIGKILL, SIGTERM) cannot stop its pool: end with it
    # rather than idle on as an orphan holding a tokenizer's memory.
    threading.Thread(target=_exit_with_parent, name="ftpreflight-exit-with-parent", daemon=True).start()
    # Parsed records are acyclic and short-lived: collecting young objects less often
    # saves a few percent without letting memory grow.
    gc.set_threshold(100_000, 50, 100)
    _counter(encoding, quick_chars=0)


def _exit_with_parent() -> None:
    import multiprocessing

    parent = multiprocessing.parent_process()
    if parent is not None:
        parent.join()  # returns once the parent is gone (its end of the start-up pipe closed)
        os._exit(1)


class _FileChanged(Exception):
    """A chunk's bytes are no longer where the plan expected them: the file was deleted,
    truncated or replaced while it was being linted. The main process says how."""


def _read_chunk(path: str, start: int, end: int) -> bytes:
    try:
        with open(path, "rb") as handle:
            handle.seek(start)
            data = handle.read(end - start)
    except FileNotFoundError:
        raise _FileChanged(path) from None
    if len(data) != end - start:
        raise _FileChanged(path)
    return data


def _lint_chunk(setup: _FileSetup, start: int, end: int, first_line: int, at_eof: bool) -> _ChunkResult:
    near = bool(setup.extra.get("near_duplicates"))
    content_rules = _dataset.content_rules(setup)
    if content_rules is not None and setup.prefilter and setup.encoding not in _counters:
        # The first chunk linted in this process (a small file's only one) waits for the
        # tokenizer next: compile the PII prefilter meanwhile, in a thread, on the other core.
        # (Not in a worker, whose tokenizer is ready: a thread's own malloc arena would keep
        # the compiler's scratch memory.)
        from .pii import compile_prefilter_soon

        compile_prefilter_soon(content_rules.kinds)
    checker = RecordChecker(setup.path, _counter(setup.encoding), setup.file_kind, enabled=setup.enabled,
                            max_images=setup.max_images, separator=setup.separator, stop=setup.stop,
                            collect_tokens=near, collect_texts=False)
    # The usual chat record takes a shortcut that computes the same facts (RecordChecker.simple_chat).
    fast = checker.simple_chat if setup.file_kind in (None, CHAT) and checker.encode_buffer is not None else None
    token_parts: list[list] = []  # per near-duplicate row of the full checker: its token-id buffers
    signature_kinds = bytearray()  # per near-duplicate row: 1 if it came through the shortcut
    shortcut = _ShortcutBatch()
    out = checker.out
    enabled = setup.enabled
    context = setup.context_tokens
    rows: list[tuple] = []
    content_texts: list[tuple] = []
    raised: list[tuple[int, int]] = []  # (row, severity) of findings made after the row
    facts_out: list[tuple] = []
    crlf = 0
    first_crlf = None
    path = setup.path
    line_no = first_line
    loads = orjson.loads
    data = _read_chunk(path, start, end)
    lines = data.split(b"\n")
    if lines and not lines[-1]:
        lines.pop()  # the chunk ends with a newline
    # Which lines are "plain" (ASCII, no escapes, no double spaces: their strings sit in
    # the raw bytes verbatim), and which may hold personal data (a prefilter pass over the
    # whole chunk): both found for all lines at once.
    plain, flagged = _scan_lines(data, len(lines), content_rules if setup.prefilter else None)
    unterminated = bool(lines) and not data.endswith(b"\n")
    last = len(lines) - 1
    offset = start
    for index, body in enumerate(lines):
        size = len(body) + (0 if unterminated and index == last else 1)
        line_start = offset
        offset += size
        before = len(out)
        # orjson ignores surrounding whitespace; only a BOM or a CR changes what we hand it.
        # (A CR that ends the file's unterminated last line is a stray one, not CRLF.)
        if body.endswith(b"\r") and not (unterminated and index == last):
            crlf += 1
            if first_crlf is None:
                first_crlf = line_no
        if line_start == 0 and body.startswith(BOM):
            body = body[3:]
            if TextEncoding.code in enabled:
                out.append(Diagnostic(TextEncoding.code, "file starts with a UTF-8 byte-order mark (BOM)", ERROR, path,
                                      line_no, fix=Fix("strip-bom", Applicability.SAFE, "remove the BOM")))
        if not body or body.isspace():
            if TextEncoding.code in enabled:
                out.append(Diagnostic(TextEncoding.code, "blank line", WARNING, path, line_no,
                                      fix=Fix("drop-line", Applicability.SAFE, "drop the blank line")))
            line_no += 1
            continue
        is_plain = plain[index]
        if not is_plain and TextEncoding.code in enabled and (
                b"\x00" in body or (b"\\" in body and b"u0000" in body and _ESCAPED_NUL.search(body))):
            out.append(Diagnostic(TextEncoding.code, "line contains a NUL character", WARNING, path, line_no))
        try:
            record = loads(body)
        except orjson.JSONDecodeError as exc:
            _bad_line(out, enabled, path, line_no, body, str(exc), at_eof and unterminated and index == last)
            record = _UNPARSED
        except Exception as exc:  # noqa: BLE001 - defensive: bad data is a value, never a crash
            if InvalidJson.code in enabled:
                out.append(Diagnostic(InvalidJson.code,
                                      f"line could not be parsed: {type(exc).__name__}", ERROR, path, line_no))
            record = _UNPARSED
        want_texts = content_rules is not None and (flagged is None or not is_plain or flagged[index])
        simple = None
        if fast is not None and record.__class__ is dict:
            first_text = len(shortcut.texts)
            simple = fast(record, is_plain, want_texts, shortcut.texts, shortcut.assistant_flags)
        if simple is not None:
            messages, constants, last_text, dup, system, inp, target, texts = simple
            if texts:
                content_texts.append((len(rows), line_no, texts))
            shortcut.add(len(rows), first_text, last_text, constants)
            # Token counts are filled in once the chunk's texts are tokenized.
            row = (line_no, line_start, size, CHAT, messages, 0, 0, 0, 0, 0)
            signature_row = -1
            if near:
                signature_row = len(signature_kinds)
                signature_kinds.append(1)
            facts_out.append(_dataset.fact_row(line_no, True, dup, system, inp, target, signature_row))
        else:
            facts = RecordFacts(line_no, line_start, size)
            if record is not _UNPARSED:
                checker.plain = is_plain
                try:
                    checker.check(record, facts, detect_kind(record) if isinstance(record, dict) else None)
                except RecursionError:
                    if InvalidJson.code in enabled:
                        out.append(Diagnostic(InvalidJson.code,
                                              "record is nested too deeply to check", ERROR, path, line_no))
                if context is not None and facts.tokens > context and ExampleTooLong.code in enabled:
                    out.append(_over_context(path, line_no, facts.tokens, context))
                if want_texts:
                    # Every string the provider would receive is scanned, keys included:
                    # names, ids, roles, URLs, tool schemas, not only the trained text.
                    texts = json_strings(record)
                    if texts:
                        content_texts.append((len(rows), line_no, texts))
            elif want_texts:  # an unparseable line is scanned as it stands
                content_texts.append((len(rows), line_no, [("", body.decode("utf-8", "replace"))]))
            row = (line_no, line_start, size, facts.kind, facts.messages, facts.tokens, facts.trained_tokens,
                   facts.prompt_tokens, facts.completion_tokens, facts.images)
            signature_row = None
            if near and facts.neardup_tokens and facts.kind is not None:
                signature_row = len(signature_kinds)
                signature_kinds.append(0)
                token_parts.append(facts.neardup_tokens)
            facts_out.append(_dataset.compact_facts(facts, signature_row))
        worst = 0
        for i in range(before, len(out)):
            worst = max(worst, int(out[i].severity))
        rows.append(row + (worst,))
        if len(content_texts) >= _CONTENT_BATCH:
            _content_batch(content_rules, content_texts, out, raised)
        line_no += 1
    if content_texts:
        _content_batch(content_rules, content_texts, out, raised)
    columns = _columnar(rows)
    if shortcut.rows:
        shortcut.finish(checker.counter, columns)
        if context is not None and ExampleTooLong.code in enabled:
            tokens = columns["tokens"][shortcut.rows]
            for j in np.flatnonzero(tokens > context).tolist():
                row = int(shortcut.rows[j])
                out.append(_over_context(path, int(columns["line"][row]), int(tokens[j]), context))
                raised.append((row, int(WARNING)))
    # Findings added after their row was built (PII, FT501 of shortcut records) raise its worst severity.
    if raised:
        where, severity = zip(*raised)
        np.maximum.at(columns["worst"], np.array(where, dtype=np.int64), np.array(severity, dtype=np.uint8))
    signatures = None
    if signature_kinds:
        from .neardup import compact_signatures, flat_signature_matrix

        tokens, lengths = _signature_tokens(signature_kinds, shortcut, token_parts)
        matrix = flat_signature_matrix(tokens, lengths, encoding=setup.encoding)
        signatures = compact_signatures(matrix, setup.extra.get("near_threshold", 0.8))
    # In line order (FT501 of shortcut records and PII findings were added after their lines):
    # the per-rule caps keep the first diagnostics of the file.
    out.sort(key=_line_of)
    return _ChunkResult(columns, _dataset.facts_columns(facts_out), out, crlf, first_crlf, start + len(data),
                        line_no - 1, signatures)


class _ShortcutBatch:
    """A chunk's records that took :meth:`RecordChecker.simple_chat`. Their user and
    assistant texts wait in ``texts`` and are tokenized together by :meth:`finish`, which
    fills in the records' token counts."""

    def __init__(self):
        self.texts: list[str] = []
        self.assistant_flags = bytearray()
        self.rows: list[int] | np.ndarray = []
        self._spans: list[tuple[int, int, int]] = []  # (first text, end, last assistant text)
        self._constants: list[tuple] = []
        self.tokens: np.ndarray | None = None
        """After :meth:`finish`: every text's token ids, back to back, in record order."""
        self.starts = self.ends = np.zeros(0, dtype=np.int64)
        """After :meth:`finish`: where each record's tokens begin and end in ``tokens``."""

    def add(self, row: int, first_text: int, last_assistant_text: int, constants: tuple) -> None:
        self.rows.append(row)
        self._spans.append((first_text, len(self.texts), last_assistant_text))
        self._constants.append(constants)

    def finish(self, counter: TokenCounter, columns: dict) -> None:
        text_counts, self.tokens = counter.count_many(self.texts, contents=True)
        spans = np.array(self._spans, dtype=np.int64)
        counts = pending_token_counts(text_counts, self.assistant_flags, spans[:, 0], spans[:, 1], spans[:, 2],
                                      self._constants)
        self.rows = np.array(self.rows, dtype=np.int64)
        for name, values in zip(("tokens", "trained_tokens", "prompt_tokens", "completion_tokens"), counts):
            columns[name][self.rows] = values
        text_starts = np.zeros(len(text_counts) + 1, dtype=np.int64)
        np.cumsum(text_counts, out=text_starts[1:])
        self.starts, self.ends = text_starts[spans[:, 0]], text_starts[spans[:, 1]]


def _signature_tokens(kinds: bytearray, shortcut: _ShortcutBatch, token_parts: list) -> tuple[np.ndarray, np.ndarray]:
    """The near-duplicate rows' token ids back to back, and how many each has: ``kinds``
    says per row whether it came through the shortcut (its tokens are in ``shortcut``) or
    the full checker (the next entry of ``token_parts``, a list of buffers)."""
    if not token_parts:  # every row came through the shortcut, in order
        return shortcut.tokens, shortcut.ends - shortcut.starts
    pieces = []
    fast = full = 0
    for kind in kinds:
        if kind:
            pieces.append(shortcut.tokens[shortcut.starts[fast]:shortcut.ends[fast]])
            fast += 1
        else:
            pieces.append(np.frombuffer(b"".join(token_parts[full]), dtype=np.uint32))
            full += 1
    return np.concatenate(pieces), np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces))


def _line_of(diagnostic: Diagnostic) -> int:
    return diagnostic.line or 0


def _over_context(path: str, line_no: int, tokens: int, context: int) -> Diagnostic:
    return Diagnostic(ExampleTooLong.code, f"{tokens:,} tokens exceed the training context of {context:,}; "
                      f"the last {tokens - context:,} tokens will be cut off", WARNING, path, line_no)


def _scan_lines(data: bytes, count: int, content_rules) -> tuple[np.ndarray, np.ndarray | None]:
    """For the ``count`` lines of ``data``: which are plain (:func:`plain_line`, and no NUL),
    and which may hold personal data or secrets (None when every line must be checked: no
    prefilter here). Vectorised over the chunk: per-line byte searches cost more than the
    checks (a double-space search alone is slow, spaces being everywhere)."""
    plain = np.ones(count + 1, dtype=bool)
    flagged = None
    if not count:
        return plain, flagged
    raw = np.frombuffer(data, dtype=np.uint8)
    newlines = np.flatnonzero(raw == 10)
    # Bytes that make a line not plain, looked for only when the chunk has any.
    found = []
    if not data.isascii():
        found.append(np.flatnonzero(raw >= 128))
    if b"\\" in data:
        found.append(np.flatnonzero(raw == 92))
    if b"\x00" in data:
        found.append(np.flatnonzero(raw == 0))
    # Two spaces in a row, at an even or at an odd offset: one 16-bit compare each.
    pairs = np.frombuffer(data, dtype=np.uint16, count=len(data) // 2)
    found.append(np.flatnonzero(pairs == 0x2020) * 2)
    if len(data) > 2:
        pairs = np.frombuffer(data, dtype=np.uint16, count=(len(data) - 1) // 2, offset=1)
        found.append(np.flatnonzero(pairs == 0x2020) * 2 + 1)
    for positions in found:
        if len(positions):
            plain[np.searchsorted(newlines, positions)] = False
    if content_rules is not None and content_rules.kinds:
        from .pii import match_ends

        ends = match_ends(data, content_rules.kinds)
        if ends is not None:
            flagged = np.zeros(count + 1, dtype=bool)
            if len(ends):
                flagged[np.searchsorted(newlines, ends - 1)] = True
    return plain, flagged


_CONTENT_BATCH = 512


def _content_batch(content_rules, content_texts: list, out: list, raised: list) -> None:
    """Look for personal data and secrets in the texts of a batch of records at once (one
    prefilter pass); note (row, severity) of each finding in ``raised``. Empties ``content_texts``."""
    for row, diagnostic in content_rules.check_batch(content_texts):
        out.append(diagnostic)
        raised.append((row, int(diagnostic.severity)))
    content_texts.clear()


_UNPARSED = object()
_COLUMN_TYPES = (np.uint32, np.uint64, np.uint64, np.uint8, np.uint32, np.uint32, np.uint32, np.uint32,
                 np.uint32, np.uint32, np.uint8)


def _columnar(rows: list[tuple]) -> dict:
    """Rows to one compact array per column: far cheaper to send between processes."""
    out = {}
    n = len(rows)
    for index, (name, dtype) in enumerate(zip(RECORD_COLUMNS, _COLUMN_TYPES)):
        if name == "kind":
            values = (KIND_CODES[row[index]] for row in rows)
        else:
            values = (row[index] for row in rows)
        out[name] = np.fromiter(values, dtype=dtype, count=n)
    return out


def _rows(columns: dict) -> list[tuple]:
    """Columnar chunk back to row tuples, for observers that show records early."""
    lists = [columns[name].tolist() for name in RECORD_COLUMNS]
    kind_index = RECORD_COLUMNS.index("kind")
    lists[kind_index] = [KIND_NAMES[code] for code in lists[kind_index]]
    return list(zip(*lists))
# \u0000 preceded by an even number of backslashes (an odd run would escape the backslash).
_ESCAPED_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


_JSON_COLUMN = re.compile(r": line \d+ column (\d+)(?: \(char \d+\))?$")


def _bad_line(out: list, enabled: frozenset[str], path: str, line_no: int, body: bytes, reason: str,
              truncated: bool) -> None:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        if TextEncoding.code in enabled:
            out.append(Diagnostic(TextEncoding.code,
                                  f"invalid UTF-8 at byte {exc.start + 1} of the line", ERROR, path, line_no))
        return
    if InvalidJson.code not in enabled:
        return
    # orjson says where: "...: line 1 column 8 (char 7)"; the line is ours, the column the user's.
    where = _JSON_COLUMN.search(reason)
    if where is not None:
        reason = reason[:where.start()]
        message = f"invalid JSON at column {int(where.group(1)):,}: {reason}"
    else:
        message = f"invalid JSON: {reason}"
    if b"\r" in body.rstrip(b"\r"):
        message += (" (this line holds carriage returns (\\r) between records: the file uses CR line "
                    "endings, old Mac style; convert them to LF newlines)")
    elif truncated:
        message += " (the file ends in the middle of this record: truncated?)"
    out.append(Diagnostic(InvalidJson.code, message[:300], ERROR, path, line_no,
                          fix=Fix("drop-line", Applicability.UNSAFE, "drop the unparseable line")))


# -- main process --------------------------------------------------------------------------


def _plan_chunks(path: str, size: int, target: int, first_target: int | None = None, tail: int = 0):
    """Yield (start, end, 1) byte ranges that begin at line starts, about ``target``
    bytes each (the first aims at ``first_target``: a small first chunk shows rows
    sooner; within the last ``tail`` bytes, a quarter of ``target``). Only the bytes
    around each cut are read; workers number their lines from 1 and the main process
    rebases them, so nobody reads the file twice."""
    start = 0
    with open(path, "rb") as handle:
        while start < size:
            goal = first_target if (first_target and start == 0) else target
            if tail and size - start <= tail:
                goal = max(64 * 1024, target // 4)  # small last chunks: the cores finish together
            probe = start + goal
            if probe >= size:
                yield start, size, 1
                return
            handle.seek(probe - 1)
            pos = probe - 1
            cut = None
            step = 4096  # lines are usually short: look a little ahead first, then further
            while cut is None:
                block = handle.read(step)
                step = 65536
                if not block:
                    break
                j = block.find(b"\n")
                if j >= 0:
                    cut = pos + j + 1
                else:
                    pos += len(block)
            if cut is None or cut >= size:
                yield start, size, 1
                return
            yield start, cut, 1
            start = cut


def sniff_binary(head: bytes) -> str | None:
    """What the first bytes of a file say it is when it is not JSON Lines text (``"a gzip
    archive"``, ``"binary data"``), or None."""
    signatures = {
        b"\x1f\x8b": "a gzip archive", b"PK\x03\x04": "a zip archive (xlsx/docx?)", b"%PDF": "a PDF",
        b"\x89PNG": "a PNG image", b"\xff\xd8\xff": "a JPEG image", b"PAR1": "a Parquet file",
        b"BZh": "a bzip2 archive", b"\xfd7zXZ": "an xz archive", b"SQLite format": "an SQLite database",
        b"\x28\xb5\x2f\xfd": "a zstd archive",
    }
    for magic, what in signatures.items():
        if head.startswith(magic):
            return what
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16 text (re-export it as UTF-8)"
    if head:
        control = sum(1 for b in head if b < 9 or 13 < b < 32)
        if control / len(head) > 0.1:
            return "binary data"
    return None


def _sample_kind(path: str) -> str | None:
    kinds: list[str] = []
    for record in iter_objects(path):
        if len(kinds) >= _SAMPLE_RECORDS:
            break
        kind = detect_kind(record)
        if kind is not None:
            kinds.append(kind)
    return majority_kind(kinds)


def lint_path(path: str | os.PathLike, config: LintConfig | None = None, observer: LintObserver | None = None,
              *, validation: str | os.PathLike | None = None) -> LintReport:
    """Lint one training file (and optionally its validation file).

    Bad data never raises: it is in the report. Raises ConfigError for an
    unusable configuration (unknown model) and LintCancelled when the observer
    asks to stop.
    """
    paths = [path] if validation is None else [path, validation]
    return lint_paths(paths, config, observer, validation_index=1 if validation is not None else None)


def lint_paths(paths, config: LintConfig | None = None, observer: LintObserver | None = None, *,
               validation_index: int | None = None) -> LintReport:
    config = config or LintConfig()
    observer = observer or LintObserver()
    encoding = config.encoding or encoding_name_for_model(config.model)
    thresholds = gc.get_threshold()
    # The merge keeps ~200,000 small objects per file alive; full collections walking
    # them again and again would cost seconds. Restored on the way out.
    gc.set_threshold(100_000, 50, 100)
    try:
        return _lint_paths(paths, config, observer, encoding, validation_index)
    finally:
        gc.set_threshold(*thresholds)


def _lint_paths(paths, config: LintConfig, observer: LintObserver, encoding: str,
                validation_index: int | None) -> LintReport:
    context = config.context_tokens if config.context_tokens is not None else context_for_model(config.model)
    files: list[FileReport] = []
    diagnostics: list[Diagnostic] = []
    suppressed: dict[str, int] = {}
    cross = _dataset.CrossFileState(config)
    cross.validation_path = str(paths[validation_index]) if validation_index is not None else None
    try:
        for index, path in enumerate(paths):
            role = "validation" if index == validation_index else "train"
            report, diags = _lint_file(str(path), config, observer, encoding, context, role, cross, suppressed)
            files.append(report)
            diagnostics.extend(diags)
    finally:
        cross.close()  # spilled dataset state: deleted on every way out, cancelling included
    diagnostics.sort(key=Diagnostic.sort_key)
    if config.severity:
        diagnostics = [d.with_severity(config.severity_for(d.code, d.severity)) if d.code in config.severity else d
                       for d in diagnostics]
    return LintReport(files, diagnostics, suppressed, provider=config.provider)


def _lint_file(path: str, config: LintConfig, observer: LintObserver, encoding: str, context: int | None,
               role: str, cross, suppressed: dict[str, int]) -> tuple[FileReport, list[Diagnostic]]:
    from .profiles import in_scope
    from .rules import RULES

    enabled = frozenset(r.code for r in RULES if config.is_enabled(r.code) and in_scope(r, config.provider))
    diags: list[Diagnostic] = []

    def empty_report() -> FileReport:
        return FileReport(path, None, 0, 0, encoding, config.model, context, TokenStats(), RecordColumns(),
                          role=role)

    def file_level(code: str, message: str, severity: Severity = ERROR) -> None:
        if code in enabled:
            diags.append(Diagnostic(code, message, severity, path))

    try:
        # Opened without blocking (a named pipe would wait for a writer forever) and
        # held until the end, to tell whether the file changed while it was linted.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        file_level(UnreadableFile.code, "file not found")
        return empty_report(), diags
    except PermissionError:
        file_level(UnreadableFile.code, "permission denied")
        return empty_report(), diags
    except OSError as exc:
        file_level(UnreadableFile.code, f"cannot read file: {exc.strerror or exc}")
        return empty_report(), diags
    try:
        try:
            info = os.fstat(fd)
            problem = _not_a_regular_file(info.st_mode)
            if problem is None:
                head = os.read(fd, 8192)
                if head and not info.st_size:
                    problem = ("reports a size of 0 bytes but has content (a /proc or /sys file?): "
                               "copy it to a regular file and lint that")
        except OSError as exc:
            problem = f"cannot read file: {exc.strerror or exc}"
        if problem is not None:
            file_level(UnreadableFile.code, problem)
            return empty_report(), diags
        return _lint_contents(path, fd, info, head, config, observer, encoding, context, role, cross,
                              suppressed, enabled, diags)
    finally:
        os.close(fd)


def _not_a_regular_file(mode: int) -> str | None:
    """Why a file of this ``st_mode`` cannot be linted (it is not a regular file), or None."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a directory, not a file"
    what = ("a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a special file")
    return f"is {what}, not a regular file: save the data to a file and lint that"


def _change_since(fd: int, before: os.stat_result, path: str) -> tuple[str | None, int]:
    """How the file changed since ``before`` was taken (None if it did not) and its size now."""
    now = os.fstat(fd)
    try:
        current = os.stat(path)
    except OSError:
        current = None
    if current is None:
        return "the file was deleted while it was being linted", now.st_size
    if (current.st_dev, current.st_ino) != (now.st_dev, now.st_ino):
        return "the file was replaced while it was being linted: lint it again", current.st_size
    if now.st_size != before.st_size:
        return (f"the file changed size while it was being linted ({before.st_size:,} -> {now.st_size:,} bytes): "
                "lint it again", now.st_size)
    if now.st_mtime_ns != before.st_mtime_ns:
        return "the file was modified while it was being linted: lint it again", now.st_size
    return None, now.st_size


def _lint_contents(path: str, fd: int, info: os.stat_result, head: bytes, config: LintConfig,
                   observer: LintObserver, encoding: str, context: int | None, role: str, cross,
                   suppressed: dict[str, int], enabled: frozenset[str],
                   diags: list[Diagnostic]) -> tuple[FileReport, list[Diagnostic]]:
    def empty_report(size: int) -> FileReport:
        return FileReport(path, None, 0, size, encoding, config.model, context, TokenStats(), RecordColumns(),
                          role=role)

    def file_level(code: str, message: str, severity: Severity = ERROR) -> None:
        if code in enabled:
            diags.append(Diagnostic(code, message, severity, path))

    size = info.st_size
    binary = sniff_binary(head)
    if binary is not None:
        file_level(UnreadableFile.code, f"file looks like {binary}, not JSON Lines text")
        return empty_report(size), diags
    wants_rows = type(observer).on_records is not LintObserver.on_records
    limit = config.upload_limit
    if limit is not None and size > limit:
        file_level(FileTooLarge.code, f"file is {size / 1e6:,.1f} MB, over the upload limit of {limit / 1e6:,.1f} MB")
    observer.on_file_start(path, size)
    if size < _PARALLEL_MIN_BYTES or (config.jobs or os.cpu_count() or 1) <= 1 or wants_rows:
        _load_soon(encoding, size)  # this process tokenizes: overlap the load with the set-up below
    try:
        file_kind = config.format_kind or _sample_kind(path)
        completion = _dataset.CompletionProfile.scan(path, config) if file_kind == COMPLETION else None
    except OSError:
        change, size = _change_since(fd, info, path)
        file_level(UnreadableFile.code, change or "cannot read file")
        return empty_report(size), diags
    if FormatNotTrainable.code in enabled:
        gate = _dataset.format_gate(path, file_kind, config)
        if gate is not None:
            diags.append(gate)
    setup = _FileSetup(path, encoding, file_kind, enabled, context, config.max_images_per_example,
                       completion.separator if completion else None, completion.stop if completion else None,
                       extra=_dataset.setup_extra(config, role), prefilter=size > _QUICK_FILE_BYTES)
    dataset = _dataset.DatasetState(path, config, enabled, file_kind, role, cross)
    dataset.empty_file = size == 0
    columns: dict[str, list] = {name: [] for name in RECORD_COLUMNS}
    crlf_total = 0
    first_crlf = None
    rule_counts: dict[str, int] = {}
    cap = config.max_diagnostics_per_rule

    def keep(items) -> None:
        for d in items:
            n = rule_counts.get(d.code, 0) + 1
            rule_counts[d.code] = n
            if n <= cap:
                diags.append(d)
            else:
                key = f"{d.code}:{d.severity.label}"
                suppressed[key] = suppressed.get(key, 0) + 1

    base = 0  # lines before the current chunk: workers number lines from 1
    stopped: list[str] = []  # why reading stopped early, if it did
    chunks = _stop_on_read_error(_run_chunks(setup, size, config, observer, early_rows=wants_rows), stopped)
    for result in chunks:
        if base:
            result.columns["line"] += base
            result.diagnostics = [d.with_line(d.line + base) if d.line is not None else d
                                  for d in result.diagnostics]
        for name, values in result.columns.items():
            columns[name].append(values)
        keep(result.diagnostics)
        keep(dataset.visit_chunk(result.facts, result.signatures, base))
        crlf_total += result.crlf_lines
        if first_crlf is None and result.first_crlf_line is not None:
            first_crlf = result.first_crlf_line + base
        base += result.last_line
        if wants_rows:
            observer.on_records(path, _rows(result.columns))
        observer.on_progress(path, result.end_offset, size)
    if crlf_total and TextEncoding.code in enabled:
        verb = "ends" if crlf_total == 1 else "end"
        keep([Diagnostic(TextEncoding.code,
                         f"{plural(crlf_total, 'line')} {verb} with CRLF (Windows line endings)", WARNING, path,
                         first_crlf, fix=Fix("normalise-newline", Applicability.SAFE, "convert CRLF to LF"))])
    change, size = _change_since(fd, info, path)
    finished = dataset.finish()
    dataset = None  # its keys are not needed for the records table: free them first
    if change or stopped:
        # Whole-file findings (too few examples, say) about a file that changed under us mislead;
        # per-line ones found at the end (near-duplicates, leaks) stand like the per-chunk ones.
        file_level(UnreadableFile.code, change or stopped[0])
        keep([d for d in finished if d.code in _dataset.FOUND_AT_END])
    else:
        keep(finished)
        if any(r.providers and r.code in enabled for r in RULES):  # provider rules (FT7xx)
            from ._provider_check import provider_diagnostics

            keep(provider_diagnostics(path, config, enabled, role, _counter(encoding), cross))
    if completion is not None:
        keep(completion.file_diagnostics(path, enabled))
    merged = {name: (np.concatenate(parts) if parts else np.zeros(0, dtype=dtype))
              for (name, parts), dtype in zip(columns.items(), _COLUMN_TYPES)}
    columns.clear()
    # Dataset-wide rules can raise a line's worst severity after its chunk was reported. Set in
    # place (a join would copy the whole table, the largest thing a big lint holds).
    worst_by_line: dict[int, int] = {}
    for d in diags:
        if d.line is not None and d.path == path:
            sev = int(config.severity_for(d.code, d.severity))
            if sev > worst_by_line.get(d.line, 0):
                worst_by_line[d.line] = sev
    worst = merged["worst"]
    worst[:] = 0
    if worst_by_line and len(worst):
        lines = np.fromiter(worst_by_line, dtype=np.int64, count=len(worst_by_line))
        at = np.minimum(np.searchsorted(merged["line"], lines), len(worst) - 1)  # lines ascend
        on_record = merged["line"][at] == lines
        worst[at[on_record]] = np.fromiter(worst_by_line.values(), dtype=np.uint8)[on_record]
    parsed = merged["kind"] != KIND_CODES[None]
    stats = token_stats(merged["tokens"][parsed], merged["trained_tokens"][parsed])
    # The polars table is built from these arrays when (if) a caller reads report.records.
    records = RecordColumns(merged)
    report = FileReport(path, file_kind, len(records), size, encoding, config.model, context, stats, records,
                        separator=completion.separator if completion else None,
                        stop=completion.stop if completion else None, role=role,
                        examples=int(np.count_nonzero(parsed)))
    return report, diags


_prestarted: list[ProcessPoolExecutor] = []


def _noop() -> None:
    return None


def start_workers(paths, jobs: int | None = None, model: str | None = None) -> None:
    """Start, now, what a lint of ``paths`` for ``model`` will tokenize with: the worker
    processes if any of ``paths`` is big enough to use them, else (small files are linted
    in this process) this process's tokenizer, loaded in a background thread.

    Starting a worker (a Python process that imports the linter and loads its
    tokenizer) takes most of a second, loading a tokenizer a few tenths; a caller that
    still has configuration to read can overlap that with its own work. The next lint
    picks the pool or the tokenizer up; an unused pool ends with the process."""
    jobs = jobs or os.cpu_count() or 1
    try:
        encoding = encoding_name_for_model(model) if model else "o200k_base"
        sizes = [os.path.getsize(p) for p in paths if os.path.isfile(p)]
    except (OSError, FtPreflightError):
        return
    if not (jobs > 1 and any(size >= _PARALLEL_MIN_BYTES for size in sizes)):
        if sizes:
            _load_soon(encoding, sum(sizes))
        return
    if _prestarted:
        return
    try:
        executor = _start_pool(jobs, encoding)
        for _ in range(jobs):
            _submit(executor, _noop)
    except (OSError, ValueError):
        return
    executor._ftpreflight_jobs = jobs  # type: ignore[attr-defined]
    _prestarted.append(executor)


@contextmanager
def _no_ctrl_c_in_new_processes():
    """Block SIGINT in this thread while it starts processes. They inherit the mask, so a
    Ctrl-C (sent to the whole process group) during a worker's start-up, a second of
    imports, cannot end it with a traceback; _worker_init then ignores SIGINT for good.
    This process gets the signal as soon as the block ends (it waits as pending).

    A Ctrl-C that arrived just before the block is already noted for Python's handler, which
    would raise KeyboardInterrupt in the middle of starting a process: between creating it
    and sending it what to run (the child then dies with an EOFError traceback). So, in the
    main thread, Python's default handler is also swapped for one that only notes the press;
    the KeyboardInterrupt is raised once the processes are started."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    pressed: list[int] = []
    handler = None
    if threading.current_thread() is threading.main_thread() \
            and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        handler = signal.signal(signal.SIGINT, lambda number, frame: pressed.append(number))
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        if handler is not None:
            signal.signal(signal.SIGINT, handler)
    if pressed:
        raise KeyboardInterrupt


def _start_pool(jobs: int, encoding: str) -> ProcessPoolExecutor:
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    # Creating the pool starts multiprocessing's resource tracker; submitting starts workers.
    with _no_ctrl_c_in_new_processes():
        return ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn"), initializer=_worker_init,
                                   initargs=(encoding,))


def _submit(executor: ProcessPoolExecutor, fn, *args) -> Future:
    """``executor.submit``: a submit can start a worker process (the pool grows on demand)."""
    with _no_ctrl_c_in_new_processes():
        return executor.submit(fn, *args)


def _take_prestarted(jobs: int) -> ProcessPoolExecutor | None:
    while _prestarted:
        executor = _prestarted.pop()
        if getattr(executor, "_ftpreflight_jobs", None) == jobs:
            return executor
        executor.shutdown(wait=False, cancel_futures=True)
    return None


def _stop_on_read_error(results, stopped: list[str]):
    """``results``, until reading the file fails; then why, in ``stopped``."""
    try:
        yield from results
    except _FileChanged:
        stopped.append("the file changed while it was being linted: lint it again")
    except OSError as exc:
        stopped.append(f"cannot read file: {exc.strerror or exc}")


def _run_chunks(setup: _FileSetup, size: int, config: LintConfig, observer: LintObserver, early_rows: bool = False):
    """Lint the file's chunks, yielding results in file order.

    If the worker pool cannot be used (it fails to start, or a worker dies, for
    example killed for memory), the remaining chunks are linted in this process:
    slower, but the report is complete."""
    jobs = config.jobs or os.cpu_count() or 1
    parallel = size >= _PARALLEL_MIN_BYTES and jobs > 1
    # Big chunks cost the main process less per byte; at least a few per worker keep the
    # cores evenly busy to the end.
    target = min(_CHUNK_BYTES, max(_MIN_CHUNK_BYTES, size // (jobs * _CHUNKS_PER_WORKER)))
    plan = _plan_chunks(setup.path, size, target, _FIRST_CHUNK_BYTES if parallel and early_rows else None,
                        tail=2 * jobs * target if parallel else 0)
    if not parallel:
        yield from _serial(setup, size, observer, plan)
        return
    from concurrent.futures.process import BrokenProcessPool

    if early_rows:
        # For an observer that shows rows, lint a small first chunk here before starting
        # the pool: the workers' start-up would otherwise compete with it for the cores.
        first = next(plan, None)
        if first is not None:
            if observer.is_cancelled():
                raise LintCancelled(setup.path)
            yield _lint_chunk(setup, first[0], first[1], first[2], first[1] >= size)
    try:
        # Workers load the encoding they are started with and any other on first use.
        executor = _take_prestarted(jobs) or _start_pool(jobs, setup.encoding)
    except (OSError, ValueError):
        yield from _serial(setup, size, observer, plan)
        return
    pending: deque[tuple[Future, tuple[int, int, int]]] = deque()
    # Keep the workers busy even when this process is slow to collect results (a UI
    # thread competing for the GIL, say): finished chunks wait here, a few MB each.
    window = max(jobs * 3, 24)
    fallback: list[tuple[int, int, int]] | None = None
    try:
        exhausted = False
        while True:
            while not exhausted and len(pending) < window:
                step = next(plan, None)
                if step is None:
                    exhausted = True
                    break
                start, end, first_line = step
                try:
                    future = _submit(executor, _lint_chunk, setup, start, end, first_line, end >= size)
                except BrokenProcessPool:
                    fallback = [*(s for _, s in pending), step]
                    pending.clear()
                    break
                pending.append((future, step))
            if fallback is not None:
                break
            if not pending:
                break
            if observer.is_cancelled():
                raise LintCancelled(setup.path)
            future, step = pending.popleft()
            try:
                while True:
                    try:
                        result = future.result(timeout=0.1)
                        break
                    except TimeoutError:
                        if observer.is_cancelled():
                            raise LintCancelled(setup.path) from None
            except BrokenProcessPool:
                fallback = [step, *(s for _, s in pending)]
                pending.clear()
                break
            yield result
    finally:
        for future, _ in pending:
            future.cancel()
        executor.shutdown(wait=fallback is None, cancel_futures=True)
    if fallback is not None:
        yield from _serial(setup, size, observer, iter([*fallback, *plan]))


def _serial(setup: _FileSetup, size: int, observer: LintObserver, steps):
    for start, end, first_line in steps:
        if observer.is_cancelled():
            raise LintCancelled(setup.path)
        yield _lint_chunk(setup, start, end, first_line, end >= size)
