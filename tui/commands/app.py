"""``ftpreflight [FILE]`` (the ``app`` subcommand): open the terminal app."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from ..exit_codes import ExitStatus

# Nothing heavy at import time: the splash must be on screen before the lint engine and
# the UI toolkit are imported (`run` imports them).


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


PREVIEW_WAIT = 1.0
"""Longest ``ftpreflight FILE`` waits for the lint's first rows (to draw them on the
splash) before it imports the UI toolkit: until then the lint has the interpreter to
itself, instead of sharing it with the imports. (The first rows are always linted in
this process; see ``tui.lintproc``.)"""


def _start_lint_early(args: argparse.Namespace, settings, lint, splash=None):
    """Start the lint before the UI toolkit loads (the app adopts it); its first rows go
    to the splash. Any problem with the settings is left to the app, which shows it in a
    dialog."""
    if args.path is None:
        return None
    from linter import RECORD_COLUMNS, FtPreflightError

    from ..config import resolve_lint_config
    from ..startup import EarlyLint
    from ._common import model_row

    try:  # the same settings as the app's FtPreflightApp.lint_config (else the app lints anew)
        config = resolve_lint_config(settings, model_row(args.model or settings.model, settings))
    except (FtPreflightError, ValueError):
        return None
    preview = None if splash is None else (lambda rows: splash.show_rows(rows, RECORD_COLUMNS))
    return EarlyLint(lint, args.path, config, args.validation, on_first_rows=preview)


def fail(message: str) -> ExitStatus:
    print(f"ftpreflight: {message}", file=sys.stderr)
    return ExitStatus.USAGE


def run(args: argparse.Namespace) -> ExitStatus:
    for path, what in ((args.path, "training file"), (args.validation, "validation file")):
        if path is not None and not Path(path).is_file():  # cheap; the full check only when it fails
            from ._common import input_problem

            return fail(input_problem(path, what) or f"{path}: {what} is not a file")
    if not has_terminal():
        target = shlex.quote(args.path) if args.path else "FILE"
        return fail(f"the app needs a terminal (stdin and stdout must be a TTY); in scripts and CI use "
                    f"`ftpreflight lint {target}` (or `ftpreflight fix`, `cost`, `approve`, `submit`)")
    from ..startup import Splash

    splash = Splash(args.path).show()
    try:
        from linter import ConfigError

        from ..lintproc import lint_in_process
        from ._common import settings_from

        try:
            settings = settings_from(args)
        except ConfigError as exc:
            splash.abandon()
            return fail(str(exc))
        early = _start_lint_early(args, settings, lint_in_process, splash)
        if early is not None:
            early.wait_first_rows(PREVIEW_WAIT)
        from ..app import FtPreflightApp

        app = FtPreflightApp(args.path, validation=args.validation, model=args.model, settings=settings,
                             early_lint=early)
    except BaseException:
        splash.abandon()
        raise
    splash.close()
    app.run()
    return ExitStatus(app.return_code or 0) if (app.return_code or 0) in (0, 1, 2) else ExitStatus.PROBLEMS
