"""``ftpreflight [FILE]`` (the ``app`` subcommand): open the terminal app."""

from __future__ import annotations

import argparse

from linter import ConfigError

from ..exit_codes import ExitStatus
from ._common import fail, input_problem, settings_from


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "app", help="open the terminal app (the default: `ftpreflight FILE`)",
        description="Review a dataset interactively, plan the cost, approve and submit. Without FILE, "
                    "pick a .jsonl file from the current directory.")
    p.add_argument("path", nargs="?", metavar="FILE", help="training file (JSONL)")
    p.add_argument("--validation", metavar="PATH", help="validation file, linted too")
    p.add_argument("--model", help="target model (tokenizer, context limit, cost)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> ExitStatus:
    try:
        settings = settings_from(args)
    except ConfigError as exc:
        return fail(str(exc))
    for path, what in ((args.path, "training file"), (args.validation, "validation file")):
        problem = input_problem(path, what) if path is not None else None
        if problem:
            return fail(problem)
    from ..app import FtPreflightApp

    app = FtPreflightApp(args.path, validation=args.validation, model=args.model, settings=settings)
    app.run()
    return ExitStatus(app.return_code or 0) if (app.return_code or 0) in (0, 1, 2) else ExitStatus.PROBLEMS
