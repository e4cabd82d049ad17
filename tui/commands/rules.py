"""``ftpreflight rules``: list every rule."""

from __future__ import annotations

import argparse
import sys

import orjson

from linter import RULES
from ..exit_codes import ExitStatus


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("rules", help="list every rule")
    p.add_argument("--format", dest="output_format", choices=("text", "json"), default="text")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> ExitStatus:
    if args.output_format == "json":
        data = [{"code": r.code, "name": r.name, "severity": r.severity_text, "summary": r.summary,
                 "fixable": r.fixable,
                 "fix": r.fix_applicability.value if r.fix_applicability is not None else None} for r in RULES]
        sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")
        return ExitStatus.SUCCESS
    width = max(len(r.name) for r in RULES)
    for r in RULES:
        sys.stdout.write(f"{r.code}  {r.name:<{width}}  {r.severity_text:<13}  {r.summary}\n")
    return ExitStatus.SUCCESS
