"""The one ``ftpreflight`` command. Each subcommand lives in ``tui/commands/<name>.py``
with ``add_parser(subparsers)`` and ``run(args) -> ExitStatus``; this module only
dispatches. Data goes to stdout, messages to stderr."""

from __future__ import annotations

import argparse
import importlib
import sys

from . import __version__
from .exit_codes import ExitStatus

# Subcommand modules, in the order `ftpreflight --help` lists them.
COMMANDS: tuple[str, ...] = (
    "lint",
    "rules",
    "rule",
    "fix",
    "cost",
    "prices",
    "approve",
    "submit",
    "jobs",
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse exits 2 on usage errors, like us
        self.print_usage(sys.stderr)
        self.exit(ExitStatus.USAGE, f"ftpreflight: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="ftpreflight",
        description="Lint, cost and submit fine-tuning datasets before you train.",
    )
    parser.add_argument("--version", action="version", version=f"ftpreflight {__version__}")
    parser.add_argument("--config", metavar="PATH", help="config file (default: nearest ftpreflight.toml "
                        "or pyproject.toml with [tool.ftpreflight])")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        module = importlib.import_module(f"tui.commands.{name}")
        module.add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    # `ftpreflight FILE ...` (or nothing) opens the app; everything else is a subcommand.
    if not argv or (argv[0] not in parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
                    and not argv[0].startswith("-")) or argv[0] in ("--validation", "--model"):
        if "app" in COMMANDS:
            argv = ["app", *argv]
        elif not argv:
            parser.print_help(sys.stderr)
            return ExitStatus.USAGE
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
