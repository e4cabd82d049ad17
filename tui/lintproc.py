"""The app's lint in a process of its own, for big files.

A lint in a thread of the app's process shares the interpreter (the GIL) with the UI:
merging the workers' results, building the records table and the report take it for
tens to hundreds of milliseconds at a time, and a key pressed then waits. ``lint_in_process``
has the same signature as ``linter.lint_path``; for a file of ``PROCESS_MIN_BYTES`` or
more it lints the first chunk here (the first rows come sooner than a process could
start), then runs ``lint_path`` in a child process (which starts the lint's worker
processes as usual) and relays the observer's calls, without the rows given already, and
the report through a pipe. Smaller files are linted here: a process costs more than
their whole lint.

Nothing here touches the UI: the observer is the caller's (``LintRelay``, ``EarlyLint``)."""

from __future__ import annotations

import os
from typing import Any

from linter import RECORD_COLUMNS, FtPreflightError, LintCancelled, LintObserver, lint_path

PROCESS_MIN_BYTES = 4 * 1024 * 1024
"""From this size the lint runs in its own process (the linter's own threshold for
using worker processes: below it the whole lint takes a fraction of a second)."""
NICENESS = 10
"""How much lower the lint's processes run than the app's: a key press never waits
for the lint's turn on a core."""
POLL = 0.1
"""Seconds between two looks at the observer's cancellation while waiting for the child."""
_LINE = RECORD_COLUMNS.index("line")


def uses_process(path: str, validation: str | None = None) -> bool:
    """Whether ``lint_in_process`` lints these files in a child process."""
    try:
        size = os.path.getsize(path) + (os.path.getsize(validation) if validation else 0)
    except OSError:
        return False  # the lint itself reports what is wrong with the file
    return size >= PROCESS_MIN_BYTES


class _Enough(Exception):
    """Ends the lint that only gets the first rows."""


class _FirstRows(LintObserver):
    """Forwards a lint's calls until its first rows, then ends it (``_Enough``)."""

    def __init__(self, path: str, observer: Any) -> None:
        self.path = path
        self.observer = observer
        self.last_line = 0
        """The last line of the rows given (0: none)."""

    def on_file_start(self, path: str, total_bytes: int) -> None:
        if self.observer is not None:
            self.observer.on_file_start(path, total_bytes)

    def on_progress(self, path: str, done_bytes: int, total_bytes: int) -> None:
        if self.observer is not None:
            self.observer.on_progress(path, done_bytes, total_bytes)

    def on_records(self, path: str, rows: list[tuple]) -> None:
        if path == self.path and rows:
            if self.observer is not None:
                self.observer.on_records(path, rows)
            self.last_line = max(row[_LINE] for row in rows)
            raise _Enough

    def is_cancelled(self) -> bool:
        return self.observer is not None and self.observer.is_cancelled()


class _AfterShown(LintObserver):
    """Forwards a lint's calls, without what ``_FirstRows`` gave already: the start of
    the file and its rows up to ``shown``."""

    def __init__(self, path: str, observer: Any, shown: int) -> None:
        self.path = path
        self.observer = observer
        self.shown = shown

    def on_file_start(self, path: str, total_bytes: int) -> None:
        if self.observer is not None and not (path == self.path and self.shown):
            self.observer.on_file_start(path, total_bytes)

    def on_progress(self, path: str, done_bytes: int, total_bytes: int) -> None:
        if self.observer is not None:
            self.observer.on_progress(path, done_bytes, total_bytes)

    def on_records(self, path: str, rows: list[tuple]) -> None:
        if path == self.path:
            rows = [row for row in rows if row[_LINE] > self.shown]
        if rows and self.observer is not None:
            self.observer.on_records(path, rows)

    def is_cancelled(self) -> bool:
        return self.observer is not None and self.observer.is_cancelled()


def lint_in_process(path: str, config: Any = None, observer: Any = None, *, validation: str | None = None):
    """``linter.lint_path`` in a child process for big files (see the module's docstring)."""
    path = str(path)
    if not uses_process(path, validation):
        return lint_path(path, config, observer, validation=validation)
    # The first rows from a lint here: a process's start-up costs more than that chunk.
    first = _FirstRows(path, observer)
    try:
        report = lint_path(path, config, first)
    except _Enough:
        pass
    else:
        if validation is None:
            return report  # the file had no rows: that lint was the whole lint
    rest = _AfterShown(path, observer, first.last_line)
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=True)
    cancel = context.Event()
    # Not a daemon: the child starts the lint's worker processes.
    child = context.Process(target=_child, args=(send, cancel, path, config, validation),
                            name="ftpreflight-lint", daemon=False)
    try:
        child.start()
    except (OSError, ValueError):  # cannot start a process here: lint in this one
        receive.close()
        send.close()
        return lint_path(path, config, rest, validation=validation)
    send.close()
    try:
        return _relay(receive, cancel, child, rest, path)
    finally:
        cancel.set()  # whatever happened here, the child stops
        receive.close()
        child.join(timeout=5)
        if child.is_alive():
            child.kill()
            child.join(timeout=5)


def _relay(receive, cancel, child, observer: LintObserver, path: str):
    """Forward the child's observer calls to ``observer`` until it sends the report."""
    while True:
        if observer.is_cancelled():
            cancel.set()
        if not receive.poll(POLL):
            if not child.is_alive() and not receive.poll(0):
                raise FtPreflightError(f"{path}: the lint process ended unexpectedly "
                                       f"(exit code {child.exitcode})")
            continue
        try:
            kind, payload = receive.recv()
        except (EOFError, OSError):
            child.join(timeout=5)
            raise FtPreflightError(f"{path}: the lint process ended unexpectedly "
                                   f"(exit code {child.exitcode})") from None
        if kind == "call":
            name, args = payload
            getattr(observer, name)(*args)
            if name == "on_records":
                receive.send(True)  # the child waits for this: see _Forward.on_records
        elif kind == "report":
            return payload
        elif kind == "cancelled":
            raise LintCancelled(path)
        elif kind == "error":
            raise payload


class _Forward(LintObserver):
    """The child's observer: every call goes to the parent. ``on_records`` waits until
    the parent's observer has taken the rows, so an observer that holds the lint (the
    early lint, until the app has drawn its first rows) holds this one too."""

    def __init__(self, send, cancel) -> None:
        self.send = send
        self.cancel = cancel
        self.niced = False

    def on_file_start(self, path: str, total_bytes: int) -> None:
        self.send.send(("call", ("on_file_start", (path, total_bytes))))

    def on_progress(self, path: str, done_bytes: int, total_bytes: int) -> None:
        self.send.send(("call", ("on_progress", (path, done_bytes, total_bytes))))

    def on_records(self, path: str, rows: list[tuple]) -> None:
        self.send.send(("call", ("on_records", (path, rows))))
        while not self.send.poll(POLL):
            if self.cancel.is_set():
                return
        self.send.recv()
        if not self.niced:
            # The first rows are on screen: from now on the person at the keyboard comes
            # first, and the lint (with the worker processes it is about to start, which
            # inherit this) takes the cores whenever the app does not want them.
            self.niced = True
            try:
                os.nice(NICENESS)
            except (AttributeError, OSError):
                pass

    def is_cancelled(self) -> bool:
        return self.cancel.is_set()


def _child(send, cancel, path: str, config: Any, validation: str | None) -> None:
    # The terminal belongs to the app: nothing of the child's may appear on it.
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    observer = _Forward(send, cancel)
    try:
        try:
            report = lint_path(path, config, observer, validation=validation)
        except LintCancelled:
            send.send(("cancelled", None))
            return
        except BaseException as exc:  # noqa: BLE001 - the parent raises it
            try:
                send.send(("error", exc))
            except Exception:  # noqa: BLE001 - an exception that does not pickle
                send.send(("error", FtPreflightError(f"{type(exc).__name__}: {exc}")))
            return
        send.send(("report", report))
    except (BrokenPipeError, EOFError, OSError):
        pass  # the parent has gone (quit, cancelled): nothing to tell
