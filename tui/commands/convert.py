"""``ftpreflight convert FILE --to vertex|bedrock|bedrock-haiku -o OUT``: write OpenAI chat
(or preference) JSONL in another provider's format, then lint the output for that provider."""

from __future__ import annotations

import argparse
import os
import sys

from linter import ConfigError, pointer_to_path, printable, render_json, render_text
from linter.convert import TARGET_PROVIDER, TARGETS, ConvertError, convert_file
from ..exit_codes import ExitStatus
from ._common import build_lint_config, fail, input_problem, settings_from


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "convert", help="convert OpenAI chat or DPO JSONL to Vertex AI or Bedrock format",
        description="Convert OpenAI chat JSONL to Vertex AI (Gemini contents), Bedrock "
                    "(bedrock-conversation-2024) or Bedrock's Claude 3 Haiku format, then lint the output for "
                    "that provider. A record the target has no place for (tool calls on Bedrock, web image URLs "
                    "on Vertex, ...) is reported and left out. Preference (DPO) files convert to Vertex AI's preference-tuning "
                    "format; Bedrock has none, so they are refused for it. "
                    "Exit 0: converted and clean, 1: problems, 2: usage.")
    p.add_argument("path", metavar="FILE")
    p.add_argument("--to", dest="target", choices=TARGETS, required=True, help="target format")
    p.add_argument("-o", "--output", metavar="OUT", required=True, help="where to write the converted file")
    p.add_argument("--format", dest="output_format", choices=("text", "json"), default="text")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> ExitStatus:
    problem = input_problem(args.path, "input file")
    if problem:  # nothing is written
        return fail(problem)
    try:
        settings = settings_from(args)
        args.provider = TARGET_PROVIDER[args.target]
        config = build_lint_config(args, settings)
    except ConfigError as exc:
        return fail(str(exc))
    try:
        summary = convert_file(args.path, args.output, args.target)
    except ConvertError as exc:
        return fail(str(exc))
    from linter import lint_path

    report = lint_path(args.output, config)
    errors = [p for p in summary.problems if p.severity.label == "error"]
    if args.output_format == "json":
        import orjson

        data = {
            "source": summary.source, "output": summary.destination, "target": summary.target,
            "written": summary.written, "skipped": summary.skipped,
            "problems": [{"line": p.line, "pointer": p.pointer or None, "severity": p.severity.label,
                          "message": p.message} for p in summary.problems],
            "lint": orjson.loads(render_json(report)),
        }
        sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        out = []
        for p in summary.problems:
            where = f" [{pointer_to_path(p.pointer)}]" if p.pointer else ""
            out.append(f"{printable(summary.source)}:{p.line}: {p.severity.label}: {p.message}{where}")
        out.append(f"converted {summary.written} of {summary.written + summary.skipped} records to "
                   f"{summary.target} -> {printable(summary.destination)}")
        color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
        sys.stdout.write("\n".join(out) + "\n" + render_text(report, color=color))
    sys.stdout.flush()
    if errors or report.has_errors:
        return ExitStatus.PROBLEMS
    return ExitStatus.SUCCESS
