"""Reading a JSONL file line by line, shared by the passes that walk a file's records after
(or instead of) the main lint: the provider rules' pass and ``convert``."""

from __future__ import annotations

from typing import Iterable, Iterator

import orjson

NOT_JSON = object()
"""Stands for a line that does not parse as JSON."""


def json_lines(lines: Iterable[bytes], first_line: int = 1, file_start: bool = True) -> Iterator[tuple[int, object]]:
    """``(1-based line, parsed value)`` for every line of ``lines`` (a binary file, or a
    chunk's ``split(b"\\n")``) that is not blank, or ``(line, NOT_JSON)`` when it does not
    parse. A UTF-8 byte order mark before the file's first line is skipped; bad UTF-8 is a
    line that does not parse."""
    for line_no, raw in enumerate(lines, start=first_line):
        body = raw.strip()
        if file_start and line_no == first_line and body.startswith(b"\xef\xbb\xbf"):
            body = body[3:]
        if not body:
            continue
        try:
            yield line_no, orjson.loads(body)
        except orjson.JSONDecodeError:
            yield line_no, NOT_JSON
