"""``ftpreflight lint``: lint files and print a report."""

from __future__ import annotations

import argparse
import os
import sys

from linter import (
    start_workers,
    KINDS, ConfigError, lint_paths, render_github, render_json, render_sarif, render_text,
)
from linter.profiles import PROVIDERS
# The price tables (which find the model's context) load with the command, inside the CLI's
# window that holds a Ctrl-C until imports finish: building their pydantic models turns a
# KeyboardInterrupt into a SchemaError traceback.
import pricing  # noqa: F401,E402
from .. import __version__
from ..exit_codes import ExitStatus
from ._common import build_lint_config, fail, settings_from


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("lint", help="lint fine-tuning JSONL files",
                              description="Lint fine-tuning JSONL files. Exit 0: no errors, 1: errors, 2: usage.")
    p.add_argument("paths", nargs="+", metavar="PATH", help="training file(s)")
    p.add_argument("--model", help="target model (tokenizer, context limit); default from config, "
                   "else gpt-4o-mini-2024-07-18")
    p.add_argument("--provider", choices=PROVIDERS, help="target provider: its profile picks the rules and "
                   "limits (default from config, else openai)")
    p.add_argument("--validation", metavar="PATH", help="validation file, linted too")
    p.add_argument("--format", dest="output_format", choices=("text", "json", "github", "sarif"), default="text")
    p.add_argument("--format-kind", choices=KINDS, help="force the dataset format instead of detecting it")
    p.add_argument("--select", metavar="CODES", help="comma-separated rule codes, names or prefixes to report")
    p.add_argument("--ignore", metavar="CODES", help="comma-separated rule codes, names or prefixes to skip")
    p.add_argument("--exit-zero", action="store_true", help="exit 0 even when errors are found")
    p.add_argument("--jobs", type=int, metavar="N", help="worker processes (default: all cores)")
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> ExitStatus:
    if args.jobs is not None and args.jobs < 1:
        return fail("--jobs must be at least 1")
    try:
        settings = settings_from(args)
        # Start the tokenizing while the model is looked up in the price tables: worker
        # processes for big files, else this process's tokenizer (in a background thread).
        start_workers([*args.paths, *([args.validation] if args.validation else [])], args.jobs,
                      args.model or settings.model)
        config = build_lint_config(args, settings)
    except ConfigError as exc:  # includes unknown models, with the price tables' close matches
        return fail(str(exc))
    paths = list(args.paths)
    validation_index = None
    if args.validation:
        paths.append(args.validation)
        validation_index = len(paths) - 1
    try:
        report = lint_paths(paths, config, validation_index=validation_index)
    except ConfigError as exc:
        return fail(str(exc))
    fmt = args.output_format
    if fmt == "json":
        out = render_json(report)
    elif fmt == "github":
        out = render_github(report)
    elif fmt == "sarif":
        out = render_sarif(report, __version__)
    else:
        color = args.color == "always" or (args.color == "auto" and sys.stdout.isatty()
                                           and "NO_COLOR" not in os.environ)
        out = render_text(report, color=color)
    sys.stdout.write(out)
    sys.stdout.flush()
    if report.has_errors and not args.exit_zero:
        return ExitStatus.PROBLEMS
    return ExitStatus.SUCCESS
