"""Bridges from the Textual-free cores to the app: observers and callbacks that turn
progress into Textual messages. Nothing here touches a widget; workers post these
messages and ``@on`` handlers in the screens change state.

Messages, by the work that posts them::

    lint       LintRows, LintProgress (coalesced), LintFinished, LintFailed
    search     SearchDone
    save       SaveDone, WorkFailed
    export     ExportDone, WorkFailed
    approve    ApprovalWritten, WorkFailed
    submit     CredentialsChecked, PreflightDone, SubmitProgressed (coalesced), Submitted, WorkFailed
    job        JobUpdated, WorkFailed
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable

from textual.message import Message

from linter import LintObserver

PROGRESS_INTERVAL = 0.2
"""Seconds between two progress messages of one lint: the screen cannot show more."""
ROWS_INTERVAL = 0.25
"""Rows are batched for this long before they are posted (the first batch goes at once):
every message costs the UI thread time, and the UI thread shares the GIL with the lint."""


@dataclass
class LintRows(Message):
    """A chunk of the records table arrived (``linter.RECORD_COLUMNS`` order)."""

    generation: int
    path: str
    rows: list[tuple]


@dataclass
class LintProgress(Message):
    """How far the lint has read. A newer one replaces an unprocessed older one."""

    generation: int
    path: str
    done: int
    total: int

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, LintProgress) and message.generation == self.generation


@dataclass
class LintFinished(Message):
    """The lint of ``generation`` ended with ``report`` (a ``linter.LintReport``)."""

    generation: int
    report: Any
    seconds: float


@dataclass
class LintFailed(Message):
    """The lint of ``generation`` could not run (unreadable file, bad settings)."""

    generation: int
    error: str


@dataclass
class SearchDone(Message):
    """The lines whose raw JSON contains ``query``."""

    query: str
    lines: frozenset[int]


@dataclass
class SaveDone(Message):
    """The cleaned copy was written (``summary`` is a ``linter.FixSummary``)."""

    summary: Any


@dataclass
class ExportDone(Message):
    """``written`` records were exported to ``path``."""

    path: str
    written: int


@dataclass
class ApprovalWritten(Message):
    """The approval record and its reports were written to ``paths``."""

    paths: list[str]
    record: Any


@dataclass
class PreflightDone(Message):
    """The submission gates ran (``preflight`` says what blocks, if anything)."""

    preflight: Any


@dataclass
class SubmitProgressed(Message):
    """A submission stage moved on. A newer one replaces an unprocessed older one of the same stage."""

    stage: str
    text: str
    done: int | None
    total: int | None

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, SubmitProgressed) and message.stage == self.stage


@dataclass
class Submitted(Message):
    """The job was created (``result`` is a ``SubmissionResult``)."""

    result: Any
    kind: str = "openai"
    """The provider the job went to."""
    connection: dict | None = None
    """Its connection settings (a base URL); ``None``: the provider's defaults."""


@dataclass
class JobUpdated(Message):
    """A poll of the job: its state and the events not seen before."""

    job: Any
    events: list


@dataclass
class CredentialsChecked(Message):
    """Whether a provider of ``kind`` can be built (its API key is configured)."""

    kind: str
    problem: str | None
    connection: tuple = ()
    """The connection settings checked (sorted items), e.g. an endpoint's base URL."""


@dataclass
class WorkFailed(Message):
    """Any worker's expected failure, as one readable sentence."""

    what: str
    error: str


@dataclass
class LintRelay(LintObserver):
    """A ``LintObserver`` for a thread worker: rows and progress become messages,
    cancellation is the worker's. Progress is throttled to ``PROGRESS_INTERVAL``."""

    post: Callable[[Message], Any]
    generation: int
    cancelled: Callable[[], bool]
    main_path: str
    clock: Callable[[], float] = time.monotonic
    _last: float = 0.0
    _last_rows: float | None = None
    _pending: list[tuple] | None = None

    def on_file_start(self, path: str, total_bytes: int) -> None:
        self.post(LintProgress(self.generation, path, 0, total_bytes))

    def on_progress(self, path: str, done_bytes: int, total_bytes: int) -> None:
        now = self.clock()
        if done_bytes >= total_bytes:
            self.flush()
        if done_bytes >= total_bytes or now - self._last >= PROGRESS_INTERVAL:
            self._last = now
            self.post(LintProgress(self.generation, path, done_bytes, total_bytes))

    def on_records(self, path: str, rows: list[tuple]) -> None:
        if path != self.main_path or not rows:
            return
        if self._pending is None:
            self._pending = []
        self._pending.extend(rows)
        now = self.clock()
        if self._last_rows is None or now - self._last_rows >= ROWS_INTERVAL:
            self.flush()

    def flush(self) -> None:
        """Post the rows batched so far."""
        if self._pending:
            self.post(LintRows(self.generation, self.main_path, self._pending))
            self._pending = None
            self._last_rows = self.clock()

    def is_cancelled(self) -> bool:
        return self.cancelled()


def search_file(path: str, query: str, cancelled: Callable[[], bool]) -> frozenset[int] | None:
    """Line numbers (1-based) whose raw JSON text contains ``query``, ignoring case;
    ``None`` when cancelled. Reads the file in binary, one line at a time."""
    needle = query.lower().encode("utf-8")
    escaped = query.lower().encode("ascii", "backslashreplace").replace(b"\\x", b"\\u00")
    found: set[int] = set()
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if number % 4096 == 0 and cancelled():
                return None
            low = raw.lower()
            if needle in low or escaped in low:
                found.add(number)
    return frozenset(found)




def export_records(source: str, target: str, spans: list[tuple[int, int]]) -> int:
    """Copy the records at ``spans`` (byte offset, length; in file order) of ``source`` to
    a new JSONL file ``target``, one per line, atomically: a temporary file in the same
    folder, renamed over ``target`` only when complete. Returns the records written."""
    from linter._atomic import atomic_output

    with open(source, "rb") as data, atomic_output(target) as out:
        for offset, length in spans:
            data.seek(offset)
            out.write(data.read(length).rstrip(b"\r\n") + b"\n")
    return len(spans)
