"""How a lint reports progress and learns it should stop.

The CLI passes nothing, the app passes an adapter that posts Textual messages,
tests pass a recorder. Every method is optional: subclass LintObserver and
override what you need."""

from __future__ import annotations


class LintObserver:
    def on_file_start(self, path: str, total_bytes: int) -> None:
        """A file is about to be read."""

    def on_progress(self, path: str, done_bytes: int, total_bytes: int) -> None:
        """Called after each chunk of the file, in file order."""

    def on_records(self, path: str, rows: list[tuple]) -> None:
        """Rows of the records table (``RECORD_COLUMNS`` order, ``worst`` as known so far),
        in file order, as soon as each chunk is done, so a viewer can show them early."""

    def is_cancelled(self) -> bool:
        """Polled between chunks; return True to stop the lint (raises LintCancelled)."""
        return False
