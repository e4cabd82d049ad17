"""``fix``: write a cleaned copy of a dataset.

The input is never modified. The output is written to a temporary file in the
destination folder and renamed over the destination only when complete, so an
interrupted run leaves either the old file or the new one, never half of one.

Which fixes run comes from one place, each rule's ``fixable`` applicability
(``linter/rules``):

- **safe** fixes keep what the model learns and are always applied: drop exact
  duplicates (keep the first), strip the BOM (all of a doubled one), normalise
  CRLF (and stray CRs), drop blank lines.
- **unsafe** fixes change the training data and run only for the rules the caller
  opts into (:attr:`FixOptions.unsafe_fixes`, or the dedicated switches): add the
  inferred separator / stop sequence, add the completion's leading space, drop
  near-duplicates, redact personal data and secrets.

Dropping lines with errors (``drop_invalid``), lines the user marked and splitting
off a validation set are choices, not rule fixes.

Lines no fix touches are copied byte for byte; a line a fix rewrites is parsed and
written again keeping every number exactly as it was written. Temporary files
carry the :data:`TEMP_PREFIX` prefix and the writer's process id, so a later run
removes the ones a killed run left behind.
"""

from __future__ import annotations

import errno
import json
import os
import random
import re
import stat
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import orjson

from ._config import LintConfig
from ._diagnostic import Applicability, Diagnostic, Severity
from ._engine import lint_path
from ._errors import FtPreflightError
from ._report import LintReport
from ._validate import normalised_hash
from .pii import KIND_FOR_CODE, find_sensitive, placeholder, redact, redact_json
from .rules import (
    PII_RULES, RULES, CompletionWithoutLeadingSpace, DuplicateExample, MissingPromptSeparator, MissingStopSequence,
    NearDuplicate, TextEncoding, UnreadableFile, get_rule,
)

BOM = b"\xef\xbb\xbf"
TEMP_PREFIX = ".ftpreflight-tmp-"
"""Every temporary file a fix writes starts with this, followed by the writer's pid."""


class FixError(FtPreflightError):
    """The fix cannot be written (bad destination, same file as the input)."""


def fix_applicability(code: str) -> Applicability | None:
    """The applicability of a rule's fix, from the rule table (``None``: no fix)."""
    rule = get_rule(code)
    return rule.fix_applicability if rule is not None else None


def codes_with_fix(applicability: Applicability) -> frozenset[str]:
    return frozenset(r.code for r in RULES if r.fix_applicability is applicability)


_PII_CODES = frozenset(r.code for r in PII_RULES if r.fix_applicability is not None)
_APPEND_CODES = (MissingPromptSeparator.code, MissingStopSequence.code, CompletionWithoutLeadingSpace.code)


@dataclass(frozen=True)
class FixOptions:
    unsafe_fixes: frozenset[str] = frozenset()
    """Rule codes whose unsafe fixes to apply (``--unsafe-fixes``); safe fixes always apply."""
    drop_near_duplicates: bool = False
    """Apply FT302's unsafe fix (same as listing FT302 in ``unsafe_fixes``)."""
    drop_invalid: bool = False
    """Drop every line with an error diagnostic."""
    redact_pii: bool = False
    """Apply the FT6xx unsafe fixes (same as listing them in ``unsafe_fixes``)."""
    split_validation: float | None = None
    """Fraction of examples to move to a validation file, keeping near-duplicate groups together."""
    seed: int = 0
    drop_lines: frozenset[int] = frozenset()
    """Lines the user marked to drop (the app's clean-up view)."""

    def applies(self, code: str) -> bool:
        """Whether ``fix_file`` applies the fix of rule ``code`` with these options."""
        applicability = fix_applicability(code)
        if applicability is Applicability.SAFE:
            return True
        if applicability is not Applicability.UNSAFE:
            return False
        return (code in self.unsafe_fixes or (code == NearDuplicate.code and self.drop_near_duplicates)
                or (code in _PII_CODES and self.redact_pii))


@dataclass
class FixSummary:
    input: str
    output: str
    validation_output: str | None = None
    lines_read: int = 0
    written: int = 0
    validation_written: int = 0
    dropped: Counter = field(default_factory=Counter)
    """Dropped lines by reason."""
    changed: Counter = field(default_factory=Counter)
    """Lines changed in place, by fix."""
    redacted: Counter = field(default_factory=Counter)
    """Values replaced by a placeholder, by kind."""
    skipped: Counter = field(default_factory=Counter)
    """Fixes not applied, by reason (an append that would copy personal data)."""
    removed_temp_files: int = 0
    """Stale temporary files of killed runs removed from the output folders."""

    def to_dict(self) -> dict:
        return {
            "input": self.input,
            "output": self.output,
            "validation_output": self.validation_output,
            "lines_read": self.lines_read,
            "lines_written": self.written,
            "validation_lines_written": self.validation_written,
            "dropped": dict(sorted(self.dropped.items())),
            "changed": dict(sorted(self.changed.items())),
            "redacted": dict(sorted(self.redacted.items())),
            "skipped": dict(sorted(self.skipped.items())),
        }


def fix_file(source: str | os.PathLike, output: str | os.PathLike, config: LintConfig | None = None,
             options: FixOptions | None = None, *, validation_output: str | os.PathLike | None = None,
             report: LintReport | None = None, allow_overwrite_input: bool = False) -> FixSummary:
    """Write a fixed copy of ``source`` to ``output``; returns what was done.

    ``report`` may be a lint of ``source`` made with the same config (the app has
    one); otherwise the file is linted here with every rule the options need.
    ``output`` may be a new path, a regular file or a symlink to one (the link's
    target is replaced, the link kept); anything else is refused.
    """
    options = options or FixOptions()
    config = config or LintConfig()
    source = Path(source)
    output = destination(output)
    if _same_file(source, output) and not allow_overwrite_input:
        raise FixError(f"{output}: refusing to overwrite the input file (use --in-place)")
    if options.split_validation is not None:
        if not 0.0 < options.split_validation < 1.0:
            raise FixError("--split-validation must be a fraction between 0 and 1")
        if validation_output is None:
            validation_output = output.with_name(output.stem + ".validation" + (output.suffix or ".jsonl"))
        validation_output = destination(validation_output)
        if _same_file(source, validation_output) or _same_file(output, validation_output):
            raise FixError(f"{validation_output}: the validation output must be a new file")
    if report is None:
        report = lint_for_fix(source, config)
    if report.files and report.files[0].format is None and not report.files[0].examples:
        bad = [d for d in report.diagnostics if d.code == UnreadableFile.code]
        if bad:
            raise FixError(f"{source}: {bad[0].message}")
    summary = FixSummary(str(source), str(output), str(validation_output) if validation_output else None)
    plan = _Plan(report, str(source), options, config)
    file_report = report.files[0] if report.files else None
    separator = file_report.separator if file_report else None
    stop = file_report.stop if file_report else None

    validation_lines: set[int] = set()
    if options.split_validation is not None and file_report is not None:
        kept = [line for line in file_report.records["line"].to_list() if plan.drop_reason(line) is None]
        validation_lines = _choose_validation(kept, plan, options.split_validation, options.seed)
    folders = {output.parent} | ({validation_output.parent} if validation_output is not None else set())
    summary.removed_temp_files = sum(remove_stale_temp_files(folder) for folder in folders)
    writers: list[_AtomicWriter] = []
    try:
        train_out = _AtomicWriter(output)
        writers.append(train_out)
        valid_out = None
        if options.split_validation is not None:
            valid_out = _AtomicWriter(validation_output)
            writers.append(valid_out)
        with open(source, "rb") as handle:
            line_no = 0
            for raw in handle:
                line_no += 1
                summary.lines_read += 1
                body = raw[:-1] if raw.endswith(b"\n") else raw
                if body.endswith(b"\r"):
                    body = body.rstrip(b"\r")
                    summary.changed["crlf-to-lf"] += 1
                if line_no == 1 and body.startswith(BOM):
                    while body.startswith(BOM):
                        body = body[3:]
                    summary.changed["bom-removed"] += 1
                if not body.strip():
                    summary.dropped["blank"] += 1
                    continue
                reason = plan.drop_reason(line_no)
                if reason:
                    summary.dropped[reason] += 1
                    continue
                body = plan.rewrite(line_no, body, separator, stop, summary)
                if not plan.keep_unique(line_no, body):
                    summary.dropped["duplicate"] += 1
                    continue
                if valid_out is not None and line_no in validation_lines:
                    valid_out.write(body)
                    summary.validation_written += 1
                else:
                    train_out.write(body)
                    summary.written += 1
        for writer in writers:
            writer.commit()
    finally:
        for writer in writers:
            writer.abort()
    return summary


def lint_for_fix(source: str | os.PathLike, config: LintConfig) -> LintReport:
    """Lint ``source`` with every rule, whatever the user's select/ignore say: the fixes
    depend on them, and ``--check`` compares all findings before and after."""
    config = config.model_copy(update={"select": None, "ignore": [], "max_diagnostics_per_rule": 10**9})
    return lint_path(source, config)


def check_fix(before: LintReport, after: LintReport, options: FixOptions
              ) -> tuple[dict[str, tuple[int, int]], list[str]]:
    """What ``fix --check`` fails on: findings the output has more of than the input
    (``{code: (before, after)}``, by rule and count) and the rules whose applied fix
    still has something to fix in the output."""
    counts_before, counts_after = before.by_rule(), after.by_rule()
    new = {code: (counts_before.get(code, 0), n) for code, n in counts_after.items()
           if n > counts_before.get(code, 0)}
    remaining = sorted({d.code for d in after.diagnostics
                        if options.applies(d.code) and d.line is not None
                        and (d.code != TextEncoding.code or d.fix is not None)})
    return new, remaining


class _Plan:
    """What to do with each line, from the lint diagnostics."""

    def __init__(self, report: LintReport, path: str, options: FixOptions, config: LintConfig):
        self.options = options
        self.allow = (frozenset(config.allow_values), frozenset(config.allow_domains))
        """The config's allow_values and allow_domains (for redactions found by a re-scan)."""
        self.drop: dict[int, str] = {}
        self.edits: dict[int, list[Diagnostic]] = {}
        self.near_groups: dict[int, int] = {}
        self.duplicate_of: dict[int, int] = {}
        self.written_for_first: dict[int, int] = {}
        """First line of a duplicate group -> the line written for it."""
        applies = {r.code: options.applies(r.code) for r in RULES}
        for d in report.diagnostics:
            if d.path != path or d.line is None:
                continue
            line = d.line
            if d.code == DuplicateExample.code and applies[d.code]:
                self.duplicate_of[line] = d.related_lines[0] if d.related_lines else line
            elif d.code == NearDuplicate.code:
                root = d.related_lines[0] if d.related_lines else line
                self.near_groups[line] = self.near_groups.get(root, root)
                if applies[d.code]:
                    self.drop.setdefault(line, "near-duplicate")
            elif d.code in _APPEND_CODES and applies[d.code]:
                self.edits.setdefault(line, []).append(d)
            elif d.code in _PII_CODES and applies[d.code]:
                self.edits.setdefault(line, []).append(d)
            if options.drop_invalid and d.severity == Severity.ERROR and not (
                    d.fix is not None and applies.get(d.code, False)):
                self.drop.setdefault(line, "invalid")
        for line in options.drop_lines:
            self.drop.setdefault(line, "marked")
        # A rewrite can make two records equal (two tickets that differ only in the
        # email redacted, a prompt that gains the separator its twin has): then every
        # written record is hashed, so the second copy is dropped as a duplicate and a
        # second fix of the output finds nothing to do.
        # Only examples count: a line in no known format (bare message objects) is kept as it is.
        self.hashes: set[bytes] | None = set() if self.edits else None
        self.examples: frozenset[int] | None = None
        if self.hashes is not None and report.files and len(report.files[0].records):
            records = report.files[0].records
            self.examples = frozenset(records.filter(records["kind"].is_not_null())["line"].to_list())

    def drop_reason(self, line: int) -> str | None:
        return self.drop.get(line)

    def keep_unique(self, line: int, body: bytes) -> bool:
        """False for a duplicate of a line already written. An FT301 duplicate whose first
        copy was dropped (marked, invalid) is kept in its place, so one copy survives."""
        first = self.duplicate_of.get(line)
        if first is not None and first != line:
            if first in self.written_for_first or self.drop.get(first) in (None, "near-duplicate"):
                return False
            self.written_for_first[first] = line
        if self.hashes is not None and (self.examples is None or line in self.examples):
            try:
                key = normalised_hash(orjson.loads(body))
            except orjson.JSONDecodeError:
                return True
            if key in self.hashes:
                return False
            self.hashes.add(key)
        return True

    def rewrite(self, line: int, body: bytes, separator: str | None, stop: str | None,
                summary: FixSummary) -> bytes:
        edits = self.edits.get(line)
        if not edits:
            return body
        try:
            record = _loads_exact(body)
        except ValueError:
            return self._redact_unparsed(body, edits, summary)
        changed = False
        # Redactions first, right to left within each string so spans stay valid.
        spans: dict[str, list[Diagnostic]] = {}
        for d in edits:
            if d.code in _PII_CODES and d.span is not None:
                spans.setdefault(d.pointer, []).append(d)
        rescan: set[str] = set()
        for pointer, found in spans.items():
            try:
                text = _get(record, pointer)
            except (KeyError, IndexError, ValueError, TypeError):
                text = None
            if not isinstance(text, str):
                # A finding in a key name, or under one: its pointer is shown masked and
                # does not resolve, so the record is searched again for those kinds.
                rescan.update(KIND_FOR_CODE[d.code] for d in found)
                continue
            if not pointer:  # the record is a bare string
                record = _redact_spans(text, found, summary)
                changed = True
                continue
            _set(record, pointer, _redact_spans(text, found, summary))
            changed = True
        if rescan:
            counts: dict[str, int] = {}
            try:
                record = redact_json(record, kinds=frozenset(rescan), counts=counts, allow_values=self.allow[0],
                                     allow_domains=self.allow[1])
            except RecursionError:
                return body
            summary.redacted.update(counts)
            changed = True
        codes = {d.code for d in edits}
        if isinstance(record, dict):
            prompt = record.get("prompt")
            completion = record.get("completion")
            if MissingPromptSeparator.code in codes and separator and isinstance(prompt, str):
                new = self._append(prompt, separator, summary, "separator")
                if new != prompt:
                    record["prompt"] = new
                    summary.changed["separator-added"] += 1
                    changed = True
            if (CompletionWithoutLeadingSpace.code in codes and isinstance(completion, str) and completion
                    and not completion[0].isspace()):
                completion = " " + completion
                record["completion"] = completion
                summary.changed["leading-space-added"] += 1
                changed = True
            if MissingStopSequence.code in codes and stop and isinstance(completion, str):
                new = self._append(completion, stop, summary, "stop sequence")
                if new != completion:
                    record["completion"] = new
                    summary.changed["stop-added"] += 1
                    changed = True
        return _dumps_exact(record) if changed else body

    def _append(self, text: str, suffix: str, summary: FixSummary, what: str) -> str:
        """``text`` ending with ``suffix`` (completing a partial one), unless it already
        does. The delimiter was learnt from other records, so what is appended is scanned
        for personal data: redacted when redacting, otherwise the append is skipped, so a
        fix never copies one record's value into another."""
        new = _complete_suffix(text, suffix)
        if new == text:
            if not text.endswith(suffix):
                summary.skipped[f"{what} already there, spaced differently"] += 1
            return text
        findings = [f for f in find_sensitive(new, allow_values=self.allow[0], allow_domains=self.allow[1])
                    if f.end > len(text)]
        if not findings:
            return new
        if not all(self.options.applies(found.code) for found in findings):
            summary.skipped[f"{what} holds personal data"] += 1
            return text
        for found in sorted(findings, key=lambda f: f.start, reverse=True):
            new = new[:found.start] + placeholder(found.kind) + new[found.end:]
            summary.redacted[found.kind] += 1
        return new


    def _redact_unparsed(self, body: bytes, edits: list[Diagnostic], summary: FixSummary) -> bytes:
        """Redact a line that is not valid JSON as text (it is kept as it is otherwise)."""
        kinds = frozenset(KIND_FOR_CODE[d.code] for d in edits if d.code in KIND_FOR_CODE)
        if not kinds:
            return body
        text = body.decode("utf-8", "replace")
        findings = find_sensitive(text, kinds=kinds, allow_values=self.allow[0], allow_domains=self.allow[1])
        if not findings:
            return body
        for finding in findings:
            summary.redacted[finding.kind] += 1
        return redact(text, findings).encode("utf-8")



def _redact_spans(text: str, found: list[Diagnostic], summary: FixSummary) -> str:
    for d in sorted(found, key=lambda d: d.span.start, reverse=True):
        kind = KIND_FOR_CODE[d.code]
        text = text[:d.span.start] + placeholder(kind) + text[d.span.end:]
        summary.redacted[kind] += 1
    return text


def _complete_suffix(text: str, suffix: str) -> str:
    """``text`` ending with ``suffix``. Unchanged when it already ends with it. A text that
    ends with the suffix's visible part give or take whitespace (``...###\\n\\n `` for
    ``\\n\\n###\\n\\n``) already has the delimiter: appending would write it twice, so only
    its trailing whitespace is made right (or nothing is done). A text ending in part of
    the suffix (half the separator) gets the rest."""
    if text.endswith(suffix):
        return text
    visible = suffix.strip()
    if visible:
        head = text.rstrip()
        if head.endswith(visible):
            new = head + suffix[suffix.rindex(visible) + len(visible):]
            return new if new.endswith(suffix) else text
        if head.endswith(visible.split()[-1]):
            # It ends with the delimiter's marker (``###``, ``END``) but not with all the
            # inferred suffix, which took in text before it (``)\n\n###\n\n``): the true
            # delimiter is there already.
            return text
    for k in range(len(suffix) - 1, 0, -1):
        if text.endswith(suffix[:k]):
            return text + suffix[k:]
    return text + suffix


# -- exact JSON: rewritten lines keep every number as written ----------------------------------

class _Number:
    """A JSON number kept as its source text (``1e400``, ``0.10000000000000000001``)."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text


_exact_decoder = json.JSONDecoder(parse_float=_Number, parse_int=_Number, parse_constant=_Number)
_NEEDS_ASCII = re.compile("[\ud800-\udfff]")


def _loads_exact(body: bytes):
    """Parse one JSON line; every number keeps its text (``-0``, 30-digit ids, ``1e400``)."""
    try:
        return _exact_decoder.decode(body.decode("utf-8"))
    except (ValueError, RecursionError) as exc:  # bad UTF-8 or JSON, an int of 4,300+ digits
        raise ValueError(str(exc)) from None


def _dumps_exact(value) -> bytes:
    parts: list[str] = []
    _write(value, parts)
    return "".join(parts).encode("utf-8")


def _write(value, parts: list[str]) -> None:
    if isinstance(value, str):
        # A lone surrogate cannot be UTF-8: keep it as the \\u escape it was read from.
        parts.append(json.dumps(value, ensure_ascii=bool(_NEEDS_ASCII.search(value))))
    elif isinstance(value, dict):
        parts.append("{")
        for i, (key, item) in enumerate(value.items()):
            if i:
                parts.append(",")
            _write(key, parts)
            parts.append(":")
            _write(item, parts)
        parts.append("}")
    elif isinstance(value, list):
        parts.append("[")
        for i, item in enumerate(value):
            if i:
                parts.append(",")
            _write(item, parts)
        parts.append("]")
    elif isinstance(value, _Number):
        parts.append(value.text)
    elif value is True:
        parts.append("true")
    elif value is False:
        parts.append("false")
    else:
        parts.append("null")


def _parts(pointer: str) -> list[str]:
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer.lstrip("/").split("/")] if pointer else []


def _get(value, pointer: str):
    for part in _parts(pointer):
        if isinstance(value, list):
            value = value[int(part)]
        else:
            value = value[part]
    return value


def _set(record, pointer: str, new) -> None:
    parts = _parts(pointer)
    holder = record
    for part in parts[:-1]:
        holder = holder[int(part)] if isinstance(holder, list) else holder[part]
    last = parts[-1]
    if isinstance(holder, list):
        holder[int(last)] = new
    else:
        holder[last] = new


def _choose_validation(lines: list[int], plan: _Plan, fraction: float, seed: int) -> set[int]:
    """Pick whole near-duplicate groups for validation until ``fraction`` of the examples,
    so no validation example has a near-copy in the training file."""
    groups: dict[int, list[int]] = {}
    for line in lines:
        root = plan.near_groups.get(line, line)
        groups.setdefault(root, []).append(line)
    roots = sorted(groups)
    random.Random(seed).shuffle(roots)
    target = max(1, round(len(lines) * fraction)) if lines else 0
    chosen: set[int] = set()
    for root in roots:
        if len(chosen) >= target:
            break
        chosen.update(groups[root])
    return chosen


# -- destinations, temporary files and backups ------------------------------------------------

def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (b.exists() and os.path.samefile(a, b))
    except OSError:
        return False


def destination(path: str | os.PathLike) -> Path:
    """The file to replace when writing to ``path``: ``path`` itself when it is new or a
    regular file; the target of a symlink to a regular file (so the link stays a link).
    Device nodes, FIFOs, sockets, directories, dangling links and missing folders are
    refused: replacing them with a regular file would destroy them."""
    path = Path(path)
    if path.is_symlink():
        target = Path(os.path.realpath(path))
        if not target.exists():
            raise FixError(f"{path}: is a symlink to a missing file ({target}); refusing to follow it")
        path = target
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise FixError(f"{path}: cannot use as output: {exc.strerror or exc}") from None
    if mode is not None and not stat.S_ISREG(mode):
        kind = "a directory" if stat.S_ISDIR(mode) else "not a regular file (a device, FIFO or socket)"
        raise FixError(f"{path}: is {kind}; write the cleaned copy to a new path or a regular file")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise FixError(f"{path}: folder {folder} does not exist")
    return path


def _temp_name(folder: Path, name: str) -> Path:
    return folder / f"{TEMP_PREFIX}{os.getpid()}-{os.urandom(4).hex()}-{name}.tmp"


_TEMP_PATTERN = re.compile(re.escape(TEMP_PREFIX) + r"(\d+)-[0-9a-f]{8}-.*\.tmp\Z", re.S)


def remove_stale_temp_files(folder: str | os.PathLike) -> int:
    """Delete the temporary files of fix runs that no longer exist (killed mid-write) in
    ``folder``; a running writer's files (its pid is alive) are left alone. Returns how
    many were removed."""
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        match = _TEMP_PATTERN.match(entry.name)
        if not match or not entry.is_file(follow_symlinks=False):
            continue
        if _pid_alive(int(match.group(1))):
            continue
        try:
            os.unlink(entry.path)
            removed += 1
        except OSError:
            pass
    return removed


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True
    return True


class _AtomicWriter:
    """Lines to a temporary file beside ``path``; ``commit`` renames it into place."""

    def __init__(self, path: Path):
        folder = path.parent if str(path.parent) else Path(".")
        if not folder.is_dir():
            raise FixError(f"{path}: folder {folder} does not exist")
        if path.is_dir():
            raise FixError(f"{path}: is a directory")
        self.path = path
        self.tmp = _temp_name(folder, path.name)
        fd = os.open(self.tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        self.handle = os.fdopen(fd, "wb")
        self.done = False

    def write(self, line: bytes) -> None:
        self.handle.write(line)
        self.handle.write(b"\n")

    def commit(self) -> None:
        self.handle.flush()
        os.fsync(self.handle.fileno())
        self.handle.close()
        mode = self.path.stat().st_mode & 0o777 if self.path.exists() else 0o666 & ~_umask()
        os.chmod(self.tmp, mode)
        os.replace(self.tmp, self.path)
        self.done = True

    def abort(self) -> None:
        if self.done:
            return
        self.handle.close()
        try:
            os.unlink(self.tmp)
        except OSError:
            pass
        self.done = True


def backup_file(path: str | os.PathLike, *, on_chunk: Callable[[int], None] | None = None) -> Path:
    """Copy ``path`` to ``PATH.bak`` (or ``PATH.bak.1``, ``.2``, ... when that exists) and
    return the backup's path.

    The copy goes to a temporary file first and is linked into place only when complete
    and synced, so a killed run never leaves a truncated backup; an existing backup, or a
    symlink with a backup's name, is never written through or replaced. ``on_chunk`` is
    called with the bytes copied so far (progress; tests slow the copy down with it)."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    remove_stale_temp_files(folder)
    tmp = _temp_name(folder, path.name + ".bak")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        with os.fdopen(fd, "wb") as out, open(path, "rb") as src:
            copied = 0
            while chunk := src.read(1 << 20):
                out.write(chunk)
                copied += len(chunk)
                if on_chunk is not None:
                    on_chunk(copied)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, os.stat(path).st_mode & 0o777)
        for number in range(0, 10_000):
            backup = path.with_name(path.name + ".bak" + (f".{number}" if number else ""))
            try:
                os.link(tmp, backup)  # fails if anything, even a dangling symlink, has that name
            except FileExistsError:
                continue
            except OSError as exc:
                if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
                    raise
                if os.path.lexists(backup):  # no hard links on this file system
                    continue
                os.rename(tmp, backup)
            return backup
        raise FixError(f"{path}: 10,000 backups already exist; remove some")
    finally:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def fix_class(diagnostic: Diagnostic) -> Applicability | None:
    """How ``fix_file`` treats ``diagnostic``: ``SAFE`` (always fixed), ``UNSAFE`` (fixed
    only with the rule's opt-in) or ``None`` (no automatic fix), from the rule table.
    Diagnostics of a fixable rule that no fix can repair (invalid bytes, a NUL; a
    separator suggestion for the whole file) have none."""
    applicability = fix_applicability(diagnostic.code)
    if applicability is None or diagnostic.line is None:
        return None
    if diagnostic.code == TextEncoding.code and diagnostic.fix is None:
        return None
    return applicability
