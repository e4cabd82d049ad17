"""The app's lint in a process of its own, for big files.

A lint in a thread of the app's process shares the interpreter (the GIL) with the UI:
merging the workers' results, building the records table and the report take it for
tens to hundreds of milliseconds at a time, and a key pressed then waits. ``lint_in_process``
has the same signature as ``linter.lint_path``; for a file of ``PROCESS_MIN_BYTES`` or
more it runs ``lint_path`` in a child process (which starts the lint's worker processes
as usual) and relays the observer's calls and the report through a pipe. Smaller files
are linted here: a process costs more than their whole lint.

Nothing here touches the UI: the observer is the caller's (``LintRelay``, ``EarlyLint``)."""

from __future__ import annotations

import os
from typing import Any

from linter import RECORD_COLUMNS

PROCESS_MIN_BYTES = 4 * 1024 * 1024
"""From this size the lint runs in its own process (the linter's own threshold for
using worker processes: below it the whole lint takes a fraction of a second)."""
NICENESS = 10
"""How much lower the lint's processes run than the app's: a key press never waits
for the lint's turn on a core."""
POLL = 0.1
_LINE = RECORD_COLUMNS.index("line")
"""Seconds between two looks at the observer's cancellation while waiting for the child."""


def uses_process(path: str, validation: str | None = None) -> bool:
    """Whether ``lint_in_process`` lints these files in a child process."""
    try:
        size = os.path.getsize(path) + (os.path.getsize(validation) if validation else 0)
    except OSError:
        return False  # the lint itself reports what is wrong with the file
    return size >= PROCESS_MIN_BYTES


class _Enough(Exception):
    """Ends the lint that only gets the first rows."""


def _first_rows_here(path: str, config: Any, observer: Any) -> int:
    """Lint the file's first chunk in this process and give its rows to ``observer``
    (a process's start-up costs more than that whole first chunk); returns the last
    line given, 0 if none."""
    from linter import LintObserver, lint_path

    given = [0]

    class FirstRows(LintObserver):
        def on_file_start(self, path: str, total_bytes: int) -> None:
            if observer is not None:
                observer.on_file_start(path, total_bytes)

        def on_records(self, rows_path: str, rows: list[tuple]) -> None:
            if rows_path == path and rows and observer is not None:
                observer.on_records(rows_path, rows)
                given[0] = max(row[_LINE] for row in rows)
            raise _Enough

        def is_cancelled(self) -> bool:
            return observer is not None and observer.is_cancelled()

    try:
        lint_path(path, config, FirstRows())
    except _Enough:
        pass
    return given[0]


def lint_in_process(path: str, config: Any = None, observer: Any = None, *, validation: str | None = None):
    """``linter.lint_path`` in a child process for big files (see the module's docstring)."""
    from linter import lint_path

    if not uses_process(path, validation):
        return lint_path(path, config, observer, validation=validation)
    shown = _first_rows_here(str(path), config, observer)
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=True)
    cancel = context.Event()
    # Not a daemon: the child starts the lint's worker processes.
    child = context.Process(target=_child, args=(send, cancel, str(path), config, validation),
                            name="ftpreflight-lint", daemon=False)
    try:
        child.start()
    except (OSError, ValueError):  # cannot start a process here: lint in this one
        receive.close()
        send.close()
        return lint_path(path, config, observer, validation=validation)
    send.close()
    try:
        return _relay(receive, cancel, child, observer, str(path), shown)
    finally:
        cancel.set()  # whatever happened here, the child stops
        receive.close()
        child.join(timeout=5)
        if child.is_alive():
            child.kill()
            child.join(timeout=5)


def _relay(receive, cancel, child, observer, path: str, shown: int):
    """Forward the child's observer calls to ``observer`` (without the rows of lines up
    to ``shown``, given already) until it sends the report."""
    from linter import FtPreflightError, LintCancelled

    while True:
        if observer is not None and observer.is_cancelled():
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
            if name == "on_records" and args[0] == path and shown:
                rows = [row for row in args[1] if row[_LINE] > shown]
                args = (path, rows)
                if not rows:
                    name = None
            elif name == "on_file_start" and args[0] == path and shown:
                name = None  # said already
            if observer is not None and name is not None:
                getattr(observer, name)(*args)
            if payload[0] == "on_records":
                receive.send(True)  # the child waits for this: see _Forward.on_records
        elif kind == "report":
            return payload
        elif kind == "cancelled":
            raise LintCancelled(path)
        elif kind == "error":
            raise payload


class _Forward:
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
    from linter import LintCancelled, LintObserver, lint_path

    observer = type("ForwardObserver", (_Forward, LintObserver), {})(send, cancel)
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
                from linter import FtPreflightError

                send.send(("error", FtPreflightError(f"{type(exc).__name__}: {exc}")))
            return
        send.send(("report", report))
    except (BrokenPipeError, EOFError, OSError):
        pass  # the parent has gone (quit, cancelled): nothing to tell
