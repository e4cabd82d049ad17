"""The one ``ftpreflight`` command. Each subcommand lives in ``tui/commands/<name>.py``
with ``add_parser(subparsers)`` and ``run(args) -> ExitStatus``; this module only
dispatches. Data goes to stdout, messages to stderr."""

from __future__ import annotations

import argparse
import importlib
import sys

from . import __version__
from .exit_codes import ExitStatus

# Subcommand modules, in the order `ftpreflight --help` lists them, with their one-line help.
COMMANDS: dict[str, str] = {
    "lint": "lint fine-tuning JSONL files",
    "rules": "list every rule",
    "rule": "show a rule's documentation",
    "fix": "write a cleaned copy of a dataset",
    "cost": "estimate training and inference cost",
    "prices": "list the loaded price tables",
    "approve": "write a budget approval record",
    "submit": "upload the data and start a fine-tuning job",
    "jobs": "list, watch or cancel fine-tuning jobs",
    "app": "open the terminal app (also: ftpreflight FILE)",
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse exits 2 on usage errors, like us
        self.print_usage(sys.stderr)
        self.exit(ExitStatus.USAGE, f"ftpreflight: error: {message}\n")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser. With ``only``, just that subcommand's module is imported
    (the others get a help-only entry): `ftpreflight lint` need not load the
    provider SDK or the UI toolkit."""
    parser = _Parser(
        prog="ftpreflight",
        description="Lint, cost and submit fine-tuning datasets before you train.",
    )
    parser.add_argument("--version", action="version", version=f"ftpreflight {__version__}")
    parser.add_argument("--config", metavar="PATH", help="config file (default: nearest ftpreflight.toml "
                        "or pyproject.toml with [tool.ftpreflight])")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, summary in COMMANDS.items():
        if only is None or name == only:
            module = importlib.import_module(f"tui.commands.{name}")
            module.add_parser(subparsers)
        else:
            subparsers.add_parser(name, help=summary)
    return parser


def _command_in(argv: list[str]) -> str | None:
    """The subcommand named in ``argv`` (after global options), if any."""
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--config":
            i += 2
            continue
        if arg.startswith("--config="):
            i += 1
            continue
        return None if arg.startswith("-") else arg
    return None


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # `ftpreflight FILE ...` (or nothing) opens the app; everything else is a subcommand.
    if not argv or (argv[0] not in COMMANDS and not argv[0].startswith("-")) \
            or argv[0] in ("--validation", "--model"):
        argv = ["app", *argv]
    command = _command_in(argv)
    parser = build_parser(command if command in COMMANDS else None)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return ExitStatus.USAGE
    try:
        return int(args.run(args))
    except KeyboardInterrupt:
        print("ftpreflight: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return ExitStatus.SUCCESS


if __name__ == "__main__":
    sys.exit(main())
