"""``ftpreflight fix PATH -o OUT``: write a cleaned copy, never touching the input."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import orjson

from linter import (
    RULES, Applicability, ConfigError, FixError, FixOptions, UnknownModelError, backup_file, check_fix, destination,
    fix_file, get_rule, lint_for_fix, plural, printable,
)
from ..exit_codes import ExitStatus
from ._common import build_lint_config, fail, input_problem, settings_from

_TEST_COPY_DELAY = "FTPREFLIGHT_TEST_BACKUP_DELAY"
"""Test-only: seconds to sleep after each MiB of the backup copy (kill -9 tests)."""


def _codes(applicability: Applicability) -> str:
    return ", ".join(r.code for r in RULES if r.fix_applicability is applicability)


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "fix", help="write a cleaned copy of a dataset",
        description=f"Write a cleaned copy. Safe fixes keep what the model learns and are always applied "
                    f"({_codes(Applicability.SAFE)}: exact duplicates, BOM, CRLF, blank lines). Unsafe fixes "
                    f"change the training data and need an opt-in ({_codes(Applicability.UNSAFE)}).")
    p.add_argument("path", metavar="PATH")
    p.add_argument("-o", "--output", metavar="OUT", help="where to write the cleaned copy")
    p.add_argument("--in-place", action="store_true",
                   help="replace PATH (after copying it to PATH.bak, or PATH.bak.N when that exists)")
    p.add_argument("--unsafe-fixes", nargs="?", const="all", metavar="CODES",
                   help="also apply unsafe fixes, which change the training text: all of them, or only these "
                        "comma-separated rule codes or names (e.g. FT401,FT403)")
    p.add_argument("--model", help="target model (tokenizer, context limit)")
    p.add_argument("--drop-near-duplicates", action="store_true", help="drop FT302 near-duplicates, keep the first")
    p.add_argument("--drop-invalid", action="store_true", help="drop every line with an error")
    p.add_argument("--redact-pii", action="store_true",
                   help="replace personal data and secrets with [EMAIL], [PHONE], ... placeholders")
    p.add_argument("--split-validation", type=float, metavar="FRACTION",
                   help="also write a validation file with this fraction of the examples (no leakage)")
    p.add_argument("--validation-output", metavar="PATH", help="validation file (default: OUT with .validation)")
    p.add_argument("--seed", type=int, default=0, help="seed for --split-validation")
    p.add_argument("--format", dest="output_format", choices=("text", "json"), default="text")
    p.add_argument("--check", action="store_true",
                   help="re-lint the output; fail if a fixed problem remains or the output has a finding "
                        "the input did not have")
    p.set_defaults(run=run)


def _unsafe_codes(value: str | None) -> frozenset[str]:
    unsafe = [r.code for r in RULES if r.fix_applicability is Applicability.UNSAFE]
    if value is None:
        return frozenset()
    if value.strip().lower() == "all":
        return frozenset(unsafe)
    codes = set()
    for item in filter(None, (part.strip() for part in value.split(","))):
        rule = get_rule(item)
        if rule is None:
            raise ConfigError(f"--unsafe-fixes: unknown rule {item!r}")
        if rule.fix_applicability is not Applicability.UNSAFE:
            what = "its fix is safe and always applied" if rule.fixable else "it has no automatic fix"
            raise ConfigError(f"--unsafe-fixes: {rule.code} {rule.name}: {what} (unsafe: {', '.join(unsafe)})")
        codes.add(rule.code)
    return frozenset(codes)


def run(args: argparse.Namespace) -> ExitStatus:
    source = Path(args.path)
    if args.in_place and args.output:
        return fail("use either -o OUT or --in-place, not both")
    if not args.in_place and not args.output:
        return fail("say where to write the cleaned copy: -o OUT (or --in-place)")
    problem = input_problem(source, "input file")
    if problem:
        return fail(problem)
    if args.split_validation is not None and not 0 < args.split_validation < 1:
        return fail("--split-validation must be a fraction between 0 and 1, e.g. 0.1")
    try:
        settings = settings_from(args)
        config = build_lint_config(args, settings)
        unsafe = _unsafe_codes(args.unsafe_fixes)
    except ConfigError as exc:
        return fail(str(exc))
    options = FixOptions(unsafe_fixes=unsafe, drop_near_duplicates=args.drop_near_duplicates,
                         drop_invalid=args.drop_invalid, redact_pii=args.redact_pii,
                         split_validation=args.split_validation, seed=args.seed)
    backup = None
    output = source if args.in_place else Path(args.output)
    try:
        # --in-place on a symlink fixes the file it points to and keeps the link.
        output = destination(output)
        before = lint_for_fix(source, config)
        if args.in_place:
            backup = backup_file(source, on_chunk=_test_delay())
        summary = fix_file(source, output, config, options, validation_output=args.validation_output,
                           report=before, allow_overwrite_input=args.in_place)
    except (FixError, UnknownModelError, ConfigError) as exc:
        return fail(str(exc))
    except OSError as exc:
        return fail(f"{exc.filename or output}: cannot write: {exc.strerror or exc}", ExitStatus.PROBLEMS)
    data = summary.to_dict()
    if backup is not None:
        data["backup"] = str(backup)
    status = ExitStatus.SUCCESS
    if args.check:
        after = lint_for_fix(output, config)
        new, remaining = check_fix(before, after, options)
        data["remaining_after_fix"] = remaining
        data["new_after_fix"] = {code: {"input": a, "output": b} for code, (a, b) in sorted(new.items())}
        if remaining or new:
            status = ExitStatus.PROBLEMS
        else:
            print(f"ftpreflight: check passed: {printable(str(output))} has none of the fixed problems "
                  "and no new findings", file=sys.stderr)
    if args.output_format == "json":
        sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        _print_text(data)
    return status


def _test_delay():
    delay = os.environ.get(_TEST_COPY_DELAY)
    if not delay:
        return None
    seconds = float(delay)
    return lambda copied: time.sleep(seconds)


def _print_text(data: dict) -> None:
    out = sys.stdout
    out.write(f"read {plural(data['lines_read'], 'line')} from {printable(data['input'])}\n")
    out.write(f"wrote {plural(data['lines_written'], 'line')} to {printable(data['output'])}\n")
    if data.get("validation_output"):
        out.write(f"wrote {plural(data['validation_lines_written'], 'line')} to {printable(data['validation_output'])}\n")
    dropped = data["dropped"]
    if dropped:
        parts = ", ".join(f"{n:,} {reason}" for reason, n in dropped.items())
        out.write(f"dropped {plural(sum(dropped.values()), 'line')}: {parts}\n")
    else:
        out.write("dropped 0 lines\n")
    if data["changed"]:
        out.write("changed: " + ", ".join(f"{n:,} {what}" for what, n in data["changed"].items()) + "\n")
    redacted = data["redacted"]
    if redacted:
        out.write(f"redacted {plural(sum(redacted.values()), 'value')}: "
                  + ", ".join(f"{n:,} {kind}" for kind, n in redacted.items()) + "\n")
    if data.get("skipped"):
        out.write("not applied: " + ", ".join(f"{n:,} {why}" for why, n in data["skipped"].items()) + "\n")
    if "backup" in data:
        out.write(f"backup of the original: {printable(data['backup'])}\n")
    if data.get("remaining_after_fix"):
        out.write("still present after the fix: " + ", ".join(data["remaining_after_fix"]) + "\n")
    for code, counts in (data.get("new_after_fix") or {}).items():
        rule = get_rule(code)
        out.write(f"new in the output: {code} {rule.name if rule else ''} "
                  f"({counts['input']:,} in the input, {counts['output']:,} in the output)\n")
