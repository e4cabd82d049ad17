"""Reading a JSONL file line by line, shared by the passes that walk a file's records after
(or instead of) the main lint: the provider rules' pass and ``convert``."""

from __future__ import annotations

from typing import BinaryIO, Iterator

import orjson

NOT_JSON = object()
"""Stands for a line that does not parse as JSON."""


def json_lines(handle: BinaryIO) -> Iterator[tuple[int, object]]:
    """``(1-based line, parsed value)`` for every line that is not blank, or
    ``(line, NOT_JSON)`` when it does not parse. A UTF-8 byte order mark before the first
    line is skipped; bad UTF-8 is a line that does not parse."""
    for line_no, raw in enumerate(handle, start=1):
        body = raw.strip()
        if line_no == 1 and body.startswith(b"\xef\xbb\xbf"):
            body = body[3:]
        if not body:
            continue
        try:
            yield line_no, orjson.loads(body)
        except orjson.JSONDecodeError:
            yield line_no, NOT_JSON
