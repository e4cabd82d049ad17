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
    if not p.is_file():
        return f"{path}: {what} is not a regular file (a device, FIFO or socket): save the data to a file"
    try:
        with open(p, "rb") as handle:
            head = handle.read(8192)
    except OSError as exc:
        return f"{path}: cannot read the {what}: {exc.strerror or exc}"
    from linter import sniff_binary

    binary = sniff_binary(head)
    if binary is not None:
        return f"{path}: {what} looks like {binary}, not JSON Lines text"
    return None
