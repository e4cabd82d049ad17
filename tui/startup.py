"""What ``ftpreflight FILE`` does before the app exists, so that a person sees something
at once and the first rows are on screen long before the app is:

* ``Splash``: the first frame, drawn with plain escape codes before the UI toolkit and
  the lint engine are imported (about a second on a busy machine); a small thread turns
  a spinner until the app takes over the terminal. Once the lint has its first rows the
  splash draws them where the app's table will show them, with the table's own row text
  (``tui.widgets.rowtext``), so the app's first frame replaces them in place.
* ``EarlyLint``: the lint, started before the UI toolkit is imported; ``ftpreflight
  FILE`` waits (briefly) for its first rows before importing the toolkit, and the app
  adopts it.

Imports nothing beyond the standard library."""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import Any, Callable

FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
SHOW_WAIT = 10.0
"""Longest an early lint waits for the app to draw its first rows before going on."""
INTERVAL = 0.08
TABLE_TOP = 4
"""Screen row of the app's table header while a lint runs (status, tabs, tab underline
and the filter bar are above it); the splash draws the first rows below it."""
WIDE = 120
TABLE_WIDTH_WIDE = 80
"""From ``WIDE`` columns on, the app's table is ``TABLE_WIDTH_WIDE`` wide (``app.tcss``)."""
SCROLLBAR = 2
"""The table's vertical scrollbar (a file with more rows than fit has one): the rows'
text is this much narrower than the table."""
SEVERITY_COLOURS = {0: "32", 1: "36", 2: "33", 3: "31"}


class Splash:
    """Alternate screen with the file name and a spinner; ``close`` stops the spinner
    (the app then draws over it) and ``abandon`` also restores the normal screen (for
    an error before the app started)."""

    def __init__(self, path: str | None, stream=None, size: tuple[int, int] | None = None) -> None:
        self.stream = stream or sys.stdout
        self.path = path
        self.size = size
        """The terminal's (columns, lines); None: ask the terminal."""
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._started = time.monotonic()
        self.rows_drawn: float | None = None
        """``time.monotonic()`` when the first rows were drawn (None: never)."""

    def _line(self, frame: str) -> str:
        what = f"opening {os.path.basename(self.path)}" if self.path else "choosing a file"
        size = ""
        if self.path:
            try:
                size = f" ({os.path.getsize(self.path) / 1e6:,.1f} MB)"
            except OSError:
                size = ""
        return f"\x1b[1mftpreflight\x1b[0m  {frame} {what}{size}…"

    def show(self) -> Splash:
        self._write("\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J" + self._line(FRAMES[0]))
        self._thread = threading.Thread(target=self._spin, name="ftpreflight-splash", daemon=True)
        self._thread.start()
        return self

    def _spin(self) -> None:
        index = 1
        while not self._stop.wait(INTERVAL):
            self._write("\x1b[H\x1b[2K" + self._line(FRAMES[index % len(FRAMES)]))
            index += 1

    def _size(self) -> tuple[int, int]:
        if self.size is not None:
            return self.size
        try:
            size = os.get_terminal_size(self.stream.fileno())
            return size.columns, size.lines
        except (AttributeError, OSError, ValueError):
            return 80, 24

    def show_rows(self, rows: list[tuple], columns: tuple[str, ...]) -> None:
        """Draw the first rows of the records table (``linter.RECORD_COLUMNS`` tuples)
        where the app's table will show them. Does nothing once the app has the screen."""
        from .widgets.rowtext import header_text, record_text

        width, height = self._size()
        width = (TABLE_WIDTH_WIDE if width >= WIDE else width) - SCROLLBAR
        room = max(0, height - TABLE_TOP - 2)  # the app's footer is below the table
        at = {name: i for i, name in enumerate(columns)}
        parts = [f"\x1b[{TABLE_TOP + 1};1H\x1b[1m{header_text(width)}\x1b[0m"]
        for offset, row in enumerate(rows[:room]):
            text = record_text(row[at["line"]], row[at["kind"]], row[at["messages"]], row[at["tokens"]],
                               row[at["worst"]], width)
            colour = SEVERITY_COLOURS.get(row[at["worst"]] or 0, "0")
            parts.append(f"\x1b[{TABLE_TOP + 2 + offset};1H{text[:2]}\x1b[{colour}m{text[2:3]}\x1b[0m{text[3:]}")
        if self._write("".join(parts)):
            self.rows_drawn = time.monotonic()

    def _write(self, text: str) -> bool:
        """Write ``text`` unless the splash is closed; whether it was written."""
        with self._lock:  # the spinner thread and the lint thread both draw; never after `close`
            if self._stop.is_set():
                return False
            try:
                self.stream.write(text)
                self.stream.flush()
            except (OSError, ValueError):
                self._stop.set()
                return False
            return True

    def close(self) -> None:
        with self._lock:
            self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=1)

    def abandon(self) -> None:
        self.close()
        try:
            self.stream.write("\x1b[2J\x1b[?25h\x1b[?1049l")
            self.stream.flush()
        except (OSError, ValueError):
            pass


class EarlyLint:
    """A lint started before the app exists (``ftpreflight FILE`` starts it before the UI
    toolkit is imported), so the first rows are on the splash at once and ready when the
    app draws its first frame. Until the app attaches its ``LintRelay`` the observer
    calls are kept; ``attach`` replays them in order and forwards the rest. Runs in its own thread and
    touches nothing of the app's. It implements ``linter.LintObserver``'s methods without
    importing ``linter`` (this module must not delay the splash)."""

    def __init__(self, lint: Callable[..., Any], path: str, config: Any, validation: str | None = None,
                 on_first_rows: Callable[[list[tuple]], Any] | None = None) -> None:
        self.path = path
        self.on_first_rows = on_first_rows
        """Called (in the lint's thread) with the first rows, before they go to the app."""
        self._first_rows_seen = threading.Event()
        self.validation = validation
        self.config = config
        self._lock = threading.Lock()
        self._kept: list[tuple[str, tuple]] = []
        self._target: Any = None
        self._cancelled = False
        self._done = threading.Event()
        self._shown = threading.Event()
        self._first_rows = True
        self._report: Any = None
        self._error: BaseException | None = None
        self.started = time.perf_counter()
        self._thread = threading.Thread(target=self._run, args=(lint,), name="ftpreflight-early-lint",
                                        daemon=True)
        self._thread.start()

    def _run(self, lint: Callable[..., Any]) -> None:
        try:
            self._report = lint(self.path, self.config, self, validation=self.validation)
        except BaseException as exc:  # noqa: BLE001 - handed to whoever waits, raised there
            self._error = exc
        finally:
            self._done.set()
            self._first_rows_seen.set()

    def _relay(self, name: str, *args) -> None:
        with self._lock:
            target = self._target
            if target is None:
                self._kept.append((name, args))
                return
        getattr(target, name)(*args)

    def on_file_start(self, path: str, total_bytes: int) -> None:
        self._relay("on_file_start", path, total_bytes)

    def on_progress(self, path: str, done_bytes: int, total_bytes: int) -> None:
        self._relay("on_progress", path, done_bytes, total_bytes)

    def on_records(self, path: str, rows: list[tuple]) -> None:
        if self._first_rows and path == self.path and self.on_first_rows is not None:
            try:
                self.on_first_rows(rows)
            except Exception:  # noqa: BLE001 - a preview that fails must not stop the lint
                pass
        self._first_rows_seen.set()
        self._relay("on_records", path, rows)
        if self._first_rows:
            # Hold the lint here (before it starts its worker processes) until the app has
            # drawn these rows: the workers' start-up would take the cores from the app's
            # own start-up and delay the first rows by seconds on a busy machine.
            self._first_rows = False
            deadline = time.monotonic() + SHOW_WAIT
            while not self._shown.wait(0.05) and not self.is_cancelled() and time.monotonic() < deadline:
                pass

    def wait_first_rows(self, timeout: float) -> bool:
        """Wait until the lint has its first rows (or has ended); whether it has."""
        return self._first_rows_seen.wait(timeout)

    def rows_shown(self) -> None:
        """The app has drawn the first rows: let the lint go on."""
        self._shown.set()

    def is_cancelled(self) -> bool:
        target = self._target
        return self._cancelled or (target is not None and target.is_cancelled())

    def matches(self, path: str | None, validation: str | None, config: Any) -> bool:
        """Whether this lint is the one the app would start now."""
        return path == self.path and validation == self.validation and config == self.config

    def attach(self, target: Any) -> None:
        """Replay what happened so far to ``target`` and forward everything after."""
        with self._lock:
            kept, self._kept = self._kept, []
            for name, args in kept:
                getattr(target, name)(*args)
            self._target = target

    def result(self) -> Any:
        """The report, once the lint has finished (re-raises the lint's exception)."""
        self._done.wait()
        if self._error is not None:
            raise self._error
        return self._report

    def cancel(self) -> None:
        self._cancelled = True
        self._shown.set()
