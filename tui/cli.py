"""The one ``ftpreflight`` command. Each subcommand lives in ``tui/commands/<name>.py``
with ``add_parser(subparsers)`` and ``run(args) -> ExitStatus``; this module only
dispatches. Data goes to stdout, messages to stderr."""

from __future__ import annotations

import argparse
import difflib
from contextlib import contextmanager
import importlib
import os
import sys
from pathlib import Path

from . import __version__
from .exit_codes import ExitStatus

# Subcommand modules, in the order `ftpreflight --help` lists them, with their one-line help.
COMMANDS: dict[str, str] = {
    "lint": "lint fine-tuning JSONL files",
    "rules": "list every rule",
    "rule": "show a rule's documentation",
    "fix": "write a cleaned copy of a dataset",
    "convert": "convert OpenAI chat JSONL to Vertex AI or Bedrock format",
    "cost": "estimate training and inference cost",
    "prices": "list the loaded price tables",
    "approve": "write a budget approval record",
    "submit": "upload the data and start a fine-tuning job",
    "jobs": "list, watch or cancel fine-tuning jobs",
    "key": "store a provider's API key in the OS keyring",
    "app": "open the terminal app (also: ftpreflight FILE)",
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse exits 2 on usage errors, like us
        self.print_usage(sys.stderr)
        self.exit(ExitStatus.USAGE, f"ftpreflight: error: {message}\n")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser. Only the subcommand named by ``only`` is imported (the
    others get a help-only entry), so `ftpreflight lint` need not load the provider
    SDK or the UI toolkit, and `ftpreflight --help` loads no subcommand at all."""
    parser = _Parser(
        prog="ftpreflight",
        description="Lint, cost and submit fine-tuning datasets before you train.",
    )
    parser.add_argument("--version", action="version", version=f"ftpreflight {__version__}")
    parser.add_argument("--config", metavar="PATH", help="config file (default: nearest ftpreflight.toml "
                        "or pyproject.toml with [tool.ftpreflight])")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, summary in COMMANDS.items():
        if name == only:
            module = importlib.import_module(f"tui.commands.{name}")
            module.add_parser(subparsers)
        else:
            subparsers.add_parser(name, help=summary)
    return parser


def _after_globals(argv: list[str]) -> list[str]:
    """``argv`` without the leading global ``--config`` options."""
    i = 0
    while i < len(argv):
        if argv[i] == "--config":
            i += 2
        elif argv[i].startswith("--config="):
            i += 1
        else:
            break
    return argv[i:]


def _command_in(argv: list[str]) -> str | None:
    """The subcommand (or the app's FILE) named in ``argv`` after global options, if any."""
    rest = _after_globals(argv)
    if not rest or rest[0].startswith("-"):
        return None
    return rest[0]


def _hoist_config(argv: list[str]) -> list[str]:
    """Move ``--config PATH`` to the front, so it works before or after the subcommand."""
    hoisted: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            rest.extend(argv[i:])
            break
        if arg == "--config" and i + 1 < len(argv):
            hoisted += argv[i:i + 2]
            i += 2
            continue
        if arg.startswith("--config="):
            hoisted.append(arg)
        else:
            rest.append(arg)
        i += 1
    return hoisted + rest


@contextmanager
def _ctrl_c_after_imports():
    """Hold a Ctrl-C that arrives while the command's modules load until they have loaded,
    then raise it: inside a C extension's import (numpy's) a KeyboardInterrupt comes out
    as an ImportError, a traceback instead of "interrupted". (A SIGINT the process was
    started ignoring stays ignored.)"""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread() \
            or signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        yield
        return
    pressed: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda number, frame: pressed.append(number))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if pressed:
        raise KeyboardInterrupt


def _unknown_command(word: str) -> str | None:
    """The message for ``ftpreflight WORD`` when WORD is neither a command nor a file,
    but looks like a mistyped command (``lnt``), else None (it is a file for the app)."""
    if Path(word).exists() or "/" in word or "." in word or os.sep in word:
        return None
    matches = difflib.get_close_matches(word, list(COMMANDS), n=3, cutoff=0.6)
    if not matches:
        return None
    return (f"unknown command {word!r} (did you mean {' or '.join(matches)}?); "
            f"commands: {', '.join(COMMANDS)}")


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except KeyboardInterrupt:  # also while a subcommand's modules load, before it runs
        print("ftpreflight: interrupted", file=sys.stderr)
        return 130


def _main(argv: list[str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--config" in argv and argv.index("--config") == len(argv) - 1 and "--" not in argv:
        print("ftpreflight: --config needs a path: --config FILE (a ftpreflight.toml or pyproject.toml)",
              file=sys.stderr)
        return ExitStatus.USAGE
    argv = _hoist_config(argv)
    first = _command_in(argv)
    if _after_globals(argv)[:1] == ["--version"]:
        # Answer before building the parser: nothing else needs loading.
        print(f"ftpreflight {__version__}")
        return ExitStatus.SUCCESS
    if first is not None and first not in COMMANDS:
        message = _unknown_command(first)
        if message:
            print(f"ftpreflight: {message}", file=sys.stderr)
            return ExitStatus.USAGE
    # `ftpreflight FILE ...` (or nothing) opens the app; everything else is a subcommand.
    if first is None and not any(a in ("-h", "--help", "--version") for a in argv) \
            or (first is not None and first not in COMMANDS):
        index = len(argv) - len(_after_globals(argv))
        argv = [*argv[:index], "app", *argv[index:]]
    command = _command_in(argv)
    with _ctrl_c_after_imports():
        parser = build_parser(command if command in COMMANDS else None)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return ExitStatus.USAGE
    try:
        return int(args.run(args))
    except BrokenPipeError:
        return ExitStatus.SUCCESS


def entry() -> None:
    """The ``ftpreflight`` command (and ``python -m tui.cli``): :func:`main`, then leave
    without tearing the interpreter down.

    Freeing a loaded tokenizer (hundreds of thousands of small allocations in tiktoken's
    Rust core and in Python) and every imported module at exit took 0.1-0.15 s, a fifth
    of a small file's lint, for nothing the user sees. What exiting must still do is done
    first: output flushed, ``atexit`` handlers run (a worker pool stopped, temporary
    files removed, logs flushed), threads that are not daemons finished."""
    try:
        code = main()
    except SystemExit as exc:  # argparse's usage errors and --help
        if not (exc.code is None or isinstance(exc.code, int)):
            raise
        code = exc.code or 0
    leave(code)


def leave(code: int) -> None:
    """End the process now with ``code``, after what a normal exit must not skip, in the
    interpreter's own order: output flushed; threading's exit hooks (a process pool's, which
    wakes its manager thread to stop the workers) and the wait for threads that are not
    daemons; then the ``atexit`` handlers (temporary files, multiprocessing's children).
    A Ctrl-C meanwhile ends the process at once, with 130 and no traceback."""
    import atexit
    import signal
    import threading

    def flush() -> None:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):  # a closed pipe: nothing more can be said there
                pass

    flush()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, lambda *_: os._exit(130))
    shutdown = getattr(threading, "_shutdown", None)
    if shutdown is not None:
        shutdown()
    else:  # pragma: no cover - every CPython has it; join as it would
        for thread in threading.enumerate():
            if thread is not threading.current_thread() and not thread.daemon:
                thread.join()
    atexit._run_exitfuncs()
    flush()
    os._exit(code)


if __name__ == "__main__":
    entry()
