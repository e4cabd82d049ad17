"""`ftpreflight` without a file: pick a JSONL file from the current directory."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from textual import on
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import DirectoryTree, Label

from ..actions import bindings
from ..widgets.footer import AdaptiveFooter


class JsonlTree(DirectoryTree):
    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        return [p for p in paths if not p.name.startswith(".") and (p.is_dir() or p.suffix == ".jsonl")]


class FilePickerScreen(Screen[str | None]):
    BINDINGS = bindings("picker")
    ENTER_LABEL = "Open"
    """Enter opens the highlighted file (or folder)."""

    def __init__(self, folder: str = ".") -> None:
        super().__init__()
        self.folder = folder

    def compose(self) -> ComposeResult:
        where = "the current folder" if self.folder in (".", "") else self.folder
        yield Label(f"Choose a fine-tuning file (.jsonl) in {where}", id="picker-title")
        yield JsonlTree(self.folder, id="picker-tree")
        yield AdaptiveFooter()

    def on_mount(self) -> None:
        self.query_one(JsonlTree).focus()

    @on(DirectoryTree.FileSelected)
    def _chosen(self, event: DirectoryTree.FileSelected) -> None:
        self.dismiss(str(event.path))

    def action_leave(self) -> None:
        self.dismiss(None)
