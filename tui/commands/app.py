"""``ftpreflight [FILE]`` (the ``app`` subcommand): open the terminal app."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from linter import ConfigError

from ..exit_codes import ExitStatus
from ._common import fail, settings_from


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "app", help="open the terminal app (the default: `ftpreflight FILE`)",
        description="Review a dataset interactively, plan the cost, approve and submit. Without FILE, "
                    "pick a .jsonl file from the current directory.")
    p.add_argument("path", nargs="?", metavar="FILE", help="training file (JSONL)")
    p.add_argument("--validation", metavar="PATH", help="validation file, linted too")
    p.add_argument("--model", help="target model (tokenizer, context limit, cost)")
    p.set_defaults(run=run)


def has_terminal() -> bool:
    """Whether the app can talk to a person: both stdin and stdout are terminals.
    Without one Textual would wait for input that never comes (and spin)."""
    try:
        return sys.stdin is not None and sys.stdout is not None and sys.stdin.isatty() and sys.stdout.isatty()
    except (AttributeError, ValueError, OSError):
        return False


def run(args: argparse.Namespace) -> ExitStatus:
    if not has_terminal():
        target = shlex.quote(args.path) if args.path else "FILE"
        return fail(f"the app needs a terminal (stdin and stdout must be a TTY); in scripts and CI use "
                    f"`ftpreflight lint {target}` (or `ftpreflight fix`, `cost`, `approve`, `submit`)")
    try:
        settings = settings_from(args)
    except ConfigError as exc:
        return fail(str(exc))
    for path, what in ((args.path, "training file"), (args.validation, "validation file")):
        if path is not None and not Path(path).is_file():
            return fail(f"{path}: {what} not found")
    from ..app import FtPreflightApp

    app = FtPreflightApp(args.path, validation=args.validation, model=args.model, settings=settings)
    app.run()
    return ExitStatus(app.return_code or 0) if (app.return_code or 0) in (0, 1, 2) else ExitStatus.PROBLEMS
