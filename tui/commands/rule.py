"""``ftpreflight rule CODE``: print one rule's documentation."""

from __future__ import annotations

import argparse
import sys

from linter import RULES, render_rule
from ..exit_codes import ExitStatus
from ._common import close_matches, fail


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("rule", help="show a rule's documentation")
    p.add_argument("code", help="rule code (FT105) or name (missing-field)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> ExitStatus:
    text = render_rule(args.code)
    if text is None:
        names = [r.code for r in RULES] + [r.name for r in RULES]
        return fail(f"unknown rule {args.code!r}{close_matches(args.code, names)}; "
                    "`ftpreflight rules` lists them all")
    sys.stdout.write(text)
    return ExitStatus.SUCCESS
