"""Diagnostics: the values every rule produces and every renderer consumes."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Severity(enum.IntEnum):
    """How bad a diagnostic is. Ordered so that ``max()`` gives the worst."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> "Severity":
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (use error, warning or info)") from None


class Applicability(enum.Enum):
    """Whether a fix keeps the meaning of the training data.

    SAFE fixes are applied by ``ftpreflight fix`` by default; UNSAFE ones change
    what the model learns and need an explicit opt-in.
    """

    SAFE = "safe"
    UNSAFE = "unsafe"


@dataclass(frozen=True, slots=True)
class Fix:
    """A machine-applicable change to one line, described by intent.

    ``action`` is one of: ``drop-line`` (remove the record), ``replace-line``
    (``replacement`` holds the new JSON line), ``strip-bom``, ``normalise-newline``.
    """

    action: str
    applicability: Applicability
    description: str
    replacement: str | None = None

    def __reduce__(self):  # workers send thousands: positional args pickle twice as fast
        return Fix, (self.action, self.applicability, self.description, self.replacement)


@dataclass(frozen=True, slots=True)
class Span:
    """A character span inside the string at ``pointer`` (0-based, end exclusive)."""

    start: int
    end: int

    def __reduce__(self):
        return Span, (self.start, self.end)


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem found in one place.

    ``line`` is 1-based and ``None`` for a file-level problem. ``pointer`` is a
    JSON pointer into the record (``/messages/2/content``), empty for the whole
    record. ``related_lines`` names other lines involved (the first copy of a
    duplicate, for example).
    """

    code: str
    message: str
    severity: Severity
    path: str
    line: int | None = None
    pointer: str = ""
    span: Span | None = None
    related_lines: tuple[int, ...] = ()
    fix: Fix | None = None

    def __reduce__(self):
        return Diagnostic, (self.code, self.message, self.severity, self.path, self.line, self.pointer, self.span,
                            self.related_lines, self.fix)

    def sort_key(self) -> tuple:
        return (self.path, self.line if self.line is not None else 0, self.code, self.pointer)

    def with_severity(self, severity: Severity) -> "Diagnostic":
        return Diagnostic(
            self.code, self.message, severity, self.path, self.line, self.pointer,
            self.span, self.related_lines, self.fix,
        )

    def with_line(self, line: int | None, related_lines: tuple[int, ...] | None = None) -> "Diagnostic":
        return Diagnostic(
            self.code, self.message, self.severity, self.path, line, self.pointer, self.span,
            self.related_lines if related_lines is None else related_lines, self.fix,
        )


def pointer_to_path(pointer: str) -> str:
    """Render a JSON pointer the way people read it: ``/messages/1/content`` -> ``messages[1].content``."""
    if not pointer:
        return ""
    out: list[str] = []
    for part in pointer.lstrip("/").split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if part.isdigit():
            out.append(f"[{part}]")
        else:
            out.append(("." if out else "") + part)
    return "".join(out)


# Control characters (C0, DEL, C1) and bidirectional overrides in a file name or a
# message would be obeyed by the terminal or the CI log that shows them: text and
# GitHub output, and the command line's messages, print them as escapes instead.
_UNSAFE_CHARS = {cp: f"\\x{cp:02x}" for cp in (*range(0x20), *range(0x7F, 0xA0))}
_UNSAFE_CHARS.update({cp: f"\\u{cp:04x}" for cp in (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F),
                                                      *range(0x2066, 0x206A))})


def printable(text: str) -> str:
    """``text`` with control characters and bidirectional overrides shown as escapes."""
    if text.isascii() and text.isprintable():
        return text
    return text.translate(_UNSAFE_CHARS)
