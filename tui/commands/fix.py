"""``ftpreflight fix PATH -o OUT``: write a cleaned copy, never touching the input."""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import orjson

from linter import ConfigError, FixError, FixOptions, UnknownModelError, fix_file, lint_path, plural, printable
from ..exit_codes import ExitStatus
from ._common import build_lint_config, fail, settings_from


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "fix", help="write a cleaned copy of a dataset",
        description="Write a cleaned copy. Safe fixes (exact duplicates, BOM, CRLF, blank lines, missing "
                    "separator/stop, completion leading space) are always applied; the rest are opt-in.")
    p.add_argument("path", metavar="PATH")
    p.add_argument("-o", "--output", metavar="OUT", help="where to write the cleaned copy")
    p.add_argument("--in-place", action="store_true", help="replace PATH (after writing PATH.bak)")
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
    p.add_argument("--check", action="store_true", help="re-lint the output and fail if fixed problems remain")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> ExitStatus:
    source = Path(args.path)
    if args.in_place and args.output:
        return fail("use either -o OUT or --in-place, not both")
    if not args.in_place and not args.output:
        return fail("say where to write the cleaned copy: -o OUT (or --in-place)")
    if not source.is_file():
        return fail(f"{source}: file not found", ExitStatus.PROBLEMS if source.exists() else ExitStatus.USAGE)
    output = source if args.in_place else Path(args.output)
    if args.split_validation is not None and not 0 < args.split_validation < 1:
        return fail("--split-validation must be a fraction between 0 and 1, e.g. 0.1")
    try:
        settings = settings_from(args)
        config = build_lint_config(args, settings)
    except ConfigError as exc:
        return fail(str(exc))
    options = FixOptions(drop_near_duplicates=args.drop_near_duplicates, drop_invalid=args.drop_invalid,
                         redact_pii=args.redact_pii, split_validation=args.split_validation, seed=args.seed)
    backup = None
    try:
        if args.in_place:
            backup = source.with_name(source.name + ".bak")
            shutil.copy2(source, backup)
        summary = fix_file(source, output, config, options, validation_output=args.validation_output,
                           allow_overwrite_input=args.in_place)
    except (FixError, UnknownModelError, ConfigError) as exc:
        return fail(str(exc))
    except OSError as exc:
        return fail(f"{output}: cannot write: {exc.strerror or exc}", ExitStatus.PROBLEMS)
    data = summary.to_dict()
    if backup is not None:
        data["backup"] = str(backup)
    status = ExitStatus.SUCCESS
    if args.check:
        recheck = lint_path(output, config.model_copy(update={"select": None, "ignore": []}))
        fixed_codes = {"FT301", "FT114"} | ({"FT302"} if args.drop_near_duplicates else set()) | (
            {"FT601", "FT602", "FT603", "FT604", "FT605", "FT606", "FT607"} if args.redact_pii else set())
        remaining = sorted({d.code for d in recheck.diagnostics
                            if d.code in fixed_codes and (d.code != "FT114" or d.fix is not None)})
        data["remaining_after_fix"] = remaining
        if remaining:
            status = ExitStatus.PROBLEMS
    if args.output_format == "json":
        sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        _print_text(data)
    return status


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
    if "backup" in data:
        out.write(f"backup of the original: {printable(data['backup'])}\n")
    if data.get("remaining_after_fix"):
        out.write("still present after the fix: " + ", ".join(data["remaining_after_fix"]) + "\n")
