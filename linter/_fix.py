"""``fix``: write a cleaned copy of a dataset.

The input is never modified. The output is written to a temporary file in the
destination folder and renamed over the destination only when complete, so an
interrupted run leaves either the old file or the new one, never half of one.

Safe fixes keep what the model learns and are always applied: drop exact
duplicates (keep the first), strip a BOM, normalise CRLF, drop blank lines, add
the separator/stop sequence the linter inferred, add the completion's leading
space. Unsafe fixes change the training data and are opt-in: drop
near-duplicates, drop lines with errors, redact personal data and secrets,
split off a validation set.
"""

from __future__ import annotations

import os
import random
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from ._config import LintConfig
from ._diagnostic import Diagnostic, Severity
from ._engine import lint_path
from ._errors import FtPreflightError
from ._report import LintReport
from .pii import find_sensitive, redact, redact_json

BOM = b"\xef\xbb\xbf"


class FixError(FtPreflightError):
    """The fix cannot be written (bad destination, same file as the input)."""


@dataclass(frozen=True)
class FixOptions:
    drop_near_duplicates: bool = False
    drop_invalid: bool = False
    """Drop every line with an error diagnostic."""
    redact_pii: bool = False
    split_validation: float | None = None
    """Fraction of examples to move to a validation file, keeping near-duplicate groups together."""
    seed: int = 0
    drop_lines: frozenset[int] = frozenset()
    """Lines the user marked to drop (the app's clean-up view)."""


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
        }


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (b.exists() and os.path.samefile(a, b))
    except OSError:
        return False


def fix_file(source: str | os.PathLike, output: str | os.PathLike, config: LintConfig | None = None,
             options: FixOptions | None = None, *, validation_output: str | os.PathLike | None = None,
             report: LintReport | None = None, allow_overwrite_input: bool = False) -> FixSummary:
    """Write a fixed copy of ``source`` to ``output``; returns what was done.

    ``report`` may be a lint of ``source`` made with the same config (the app has
    one); otherwise the file is linted here with every rule the options need.
    """
    options = options or FixOptions()
    config = config or LintConfig()
    source, output = Path(source), Path(output)
    if _same_file(source, output) and not allow_overwrite_input:
        raise FixError(f"{output}: refusing to overwrite the input file (use --in-place)")
    if options.split_validation is not None:
        if not 0.0 < options.split_validation < 1.0:
            raise FixError("--split-validation must be a fraction between 0 and 1")
        if validation_output is None:
            validation_output = output.with_name(output.stem + ".validation" + (output.suffix or ".jsonl"))
        if _same_file(source, Path(validation_output)) or _same_file(output, Path(validation_output)):
            raise FixError(f"{validation_output}: the validation output must be a new file")
    if report is None:
        # Every rule a fix depends on is needed, whatever the user's select/ignore say.
        config = config.model_copy(update={"select": None, "ignore": [], "max_diagnostics_per_rule": 10**9})
        report = lint_path(source, config)
    if report.files and report.files[0].format is None and not report.files[0].examples:
        bad = [d for d in report.diagnostics if d.code == "FT100"]
        if bad:
            raise FixError(f"{source}: {bad[0].message}")
    plan = _Plan(report, str(source), options)
    plan.allow = (frozenset(config.allow_values), frozenset(config.allow_domains))
    summary = FixSummary(str(source), str(output), str(validation_output) if validation_output else None)
    file_report = report.files[0] if report.files else None
    separator = file_report.separator if file_report else None
    stop = file_report.stop if file_report else None

    validation_lines: set[int] = set()
    if options.split_validation is not None and file_report is not None:
        kept = [line for line in file_report.records["line"].to_list() if plan.drop_reason(line) is None]
        validation_lines = _choose_validation(kept, plan, options.split_validation, options.seed)
    train_out = _AtomicWriter(output)
    valid_out = _AtomicWriter(Path(validation_output)) if options.split_validation is not None else None
    try:
        with open(source, "rb") as handle:
            line_no = 0
            for raw in handle:
                line_no += 1
                summary.lines_read += 1
                body = raw.rstrip(b"\n")
                if body.endswith(b"\r"):
                    body = body[:-1]
                    summary.changed["crlf-to-lf"] += 1
                if line_no == 1 and body.startswith(BOM):
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
                if valid_out is not None and line_no in validation_lines:
                    valid_out.write(body)
                    summary.validation_written += 1
                else:
                    train_out.write(body)
                    summary.written += 1
        train_out.commit()
        if valid_out is not None:
            valid_out.commit()
    finally:
        train_out.abort()
        if valid_out is not None:
            valid_out.abort()
    return summary


class _Plan:
    """What to do with each line, from the lint diagnostics."""

    allow: tuple[frozenset[str], frozenset[str]] = (frozenset(), frozenset())
    """The config's allow_values and allow_domains (for redactions found by a re-scan)."""

    def __init__(self, report: LintReport, path: str, options: FixOptions):
        self.options = options
        self.drop: dict[int, str] = {}
        self.edits: dict[int, list[Diagnostic]] = {}
        self.near_groups: dict[int, int] = {}
        for d in report.diagnostics:
            if d.path != path or d.line is None:
                continue
            line = d.line
            if d.code == "FT301":
                self.drop.setdefault(line, "duplicate")
            elif d.code == "FT302":
                root = d.related_lines[0] if d.related_lines else line
                self.near_groups[line] = self.near_groups.get(root, root)
                if options.drop_near_duplicates:
                    self.drop.setdefault(line, "near-duplicate")
            elif d.code in ("FT401", "FT403", "FT405"):
                self.edits.setdefault(line, []).append(d)
            elif d.code.startswith("FT60") and options.redact_pii:
                self.edits.setdefault(line, []).append(d)
            if options.drop_invalid and d.severity == Severity.ERROR and d.code not in _FIXABLE_ERRORS:
                if not (options.redact_pii and d.code.startswith("FT60")):
                    self.drop.setdefault(line, "invalid")
        for line in options.drop_lines:
            self.drop.setdefault(line, "marked")

    def drop_reason(self, line: int) -> str | None:
        return self.drop.get(line)

    def rewrite(self, line: int, body: bytes, separator: str | None, stop: str | None,
                summary: FixSummary) -> bytes:
        edits = self.edits.get(line)
        if not edits:
            return body
        try:
            record = orjson.loads(body)
        except orjson.JSONDecodeError:
            return self._redact_unparsed(body, edits, summary)
        changed = False
        # Redactions first, right to left within each string so spans stay valid.
        spans: dict[str, list[Diagnostic]] = {}
        for d in edits:
            if d.code.startswith("FT60") and d.span is not None:
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
                rescan.update(_KIND_FOR_CODE[d.code] for d in found)
                continue
            if not pointer:  # the record is a bare string
                record = _redact_spans(text, found, summary)
                changed = True
                continue
            for d in sorted(found, key=lambda d: d.span.start, reverse=True):
                kind = _KIND_FOR_CODE[d.code]
                text = text[:d.span.start] + _placeholder(kind) + text[d.span.end:]
                summary.redacted[kind] += 1
            _set(record, pointer, text)
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
            if "FT401" in codes and separator and isinstance(prompt, str) and not prompt.endswith(separator):
                record["prompt"] = _complete_suffix(prompt, separator)
                summary.changed["separator-added"] += 1
                changed = True
            if "FT405" in codes and isinstance(completion, str) and completion and not completion[0].isspace():
                completion = " " + completion
                record["completion"] = completion
                summary.changed["leading-space-added"] += 1
                changed = True
            if "FT403" in codes and stop and isinstance(completion, str) and not completion.endswith(stop):
                record["completion"] = _complete_suffix(completion, stop)
                summary.changed["stop-added"] += 1
                changed = True
        return orjson.dumps(record) if changed else body


    def _redact_unparsed(self, body: bytes, edits: list[Diagnostic], summary: "FixSummary") -> bytes:
        """Redact a line that is not valid JSON as text (it is kept as it is otherwise)."""
        kinds = frozenset(_KIND_FOR_CODE[d.code] for d in edits if d.code in _KIND_FOR_CODE)
        if not kinds:
            return body
        text = body.decode("utf-8", "replace")
        findings = find_sensitive(text, kinds=kinds, allow_values=self.allow[0], allow_domains=self.allow[1])
        if not findings:
            return body
        for finding in findings:
            summary.redacted[finding.kind] += 1
        return redact(text, findings).encode("utf-8")


def _redact_spans(text: str, found: list[Diagnostic], summary: "FixSummary") -> str:
    for d in sorted(found, key=lambda d: d.span.start, reverse=True):
        kind = _KIND_FOR_CODE[d.code]
        text = text[:d.span.start] + _placeholder(kind) + text[d.span.end:]
        summary.redacted[kind] += 1
    return text


_FIXABLE_ERRORS = frozenset({"FT114"})
_KIND_FOR_CODE = {"FT601": "email", "FT602": "phone", "FT603": "credit-card", "FT604": "national-id",
                  "FT605": "ip-address", "FT606": "iban", "FT607": "secret"}


def _placeholder(kind: str) -> str:
    from .pii import placeholder

    return placeholder(kind)


def _complete_suffix(text: str, suffix: str) -> str:
    """Append what is missing of ``suffix``: a prompt ending in half the separator gets the other half."""
    for k in range(len(suffix) - 1, 0, -1):
        if text.endswith(suffix[:k]):
            return text + suffix[k:]
    return text + suffix


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
    holder = _get(record, "/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts[:-1])) \
        if len(parts) > 1 else record
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


class _AtomicWriter:
    """Lines to a temporary file beside ``path``; ``commit`` renames it into place."""

    def __init__(self, path: Path):
        folder = path.parent if str(path.parent) else Path(".")
        if not folder.is_dir():
            raise FixError(f"{path}: folder {folder} does not exist")
        if path.is_dir():
            raise FixError(f"{path}: is a directory")
        self.path = path
        fd, self.tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
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


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
