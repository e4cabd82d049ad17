"""The service layer between the front ends (``tui.commands`` and the app) and the cores
(``linter``, ``pricing``) and providers: plan (lint -> token counts -> estimate), approve
(refusals -> record -> reports) and submit (gates -> upload -> job, never twice).

Textual-free and print-free; a CLI command and an app pane parse input, call one of
these and render what it returns."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["input_problem"]


def input_problem(path: str | os.PathLike, what: str) -> str | None:
    """Why ``path`` cannot be read as the ``what`` (a sentence naming the path), or None."""
    p = Path(path)
    if p.is_dir():
        return f"{path}: {what} is a directory, not a JSONL file"
    if not p.exists():
        return f"{path}: {what} not found"
    return None
