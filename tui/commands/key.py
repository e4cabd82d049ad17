"""``ftpreflight key``: store, remove or locate a provider's API key in the OS keyring.

The key is read from the terminal without echo (or from standard input when it is piped),
never from the command line, where it would land in the shell history and the process list.
Nothing here prints a key: ``key status`` names where each provider's key would come from."""

from __future__ import annotations

import argparse
import getpass
import json
import sys

from ..exit_codes import ExitStatus
from ..providers import (
    KEYRING_SERVICE,
    ProviderError,
    delete_stored_key,
    find_api_key,
    get_kind,
    keyring_backend,
    provider_kinds,
    store_key,
)
from ._common import fail

MAX_KEY_CHARS = 4096
"""Longer input is not a key (a file piped by mistake)."""


def add_parser(subparsers) -> None:
    names = [kind.name for kind in provider_kinds()]
    p = subparsers.add_parser(
        "key", help="store a provider's API key in the OS keyring",
        description=f"Keys are looked up in the provider's environment variable first, then in the OS keyring "
                    f"(service {KEYRING_SERVICE!r}, user = the provider name). `set` reads the key without echo "
                    "from the terminal, or from standard input when it is piped; never from the command line.")
    actions = p.add_subparsers(dest="key_action", metavar="ACTION", required=True)
    store = actions.add_parser("set", help="store PROVIDER's key (read from the terminal or stdin)")
    store.add_argument("provider", metavar="PROVIDER", choices=names, help=", ".join(names))
    # Caught here rather than by argparse, whose "unrecognized arguments" error would print them.
    store.add_argument("command_line_key", nargs="*", help=argparse.SUPPRESS)
    delete = actions.add_parser("delete", help="remove PROVIDER's key from the keyring")
    delete.add_argument("provider", metavar="PROVIDER", choices=names, help=", ".join(names))
    status = actions.add_parser("status", help="where each provider's key comes from (never the key)")
    status.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    p.set_defaults(run=run)


def read_key(prompt: str) -> str:
    """The key from the terminal without echo, or the first line of piped standard input."""
    if sys.stdin is not None and sys.stdin.isatty():
        return getpass.getpass(prompt)
    return (sys.stdin.read(MAX_KEY_CHARS + 1) if sys.stdin is not None else "")


def run(args: argparse.Namespace) -> ExitStatus:
    try:
        if args.key_action == "status":
            return _status(args.format == "json")
        kind = get_kind(args.provider)
        if getattr(args, "command_line_key", None):
            return fail("a key is never taken from the command line (it would stay in the shell history); "
                        f"run `ftpreflight key set {kind.name}` and type or pipe it; nothing stored",
                        ExitStatus.USAGE)
        if args.key_action == "delete":
            if delete_stored_key(kind.name):
                print(f"Removed the {kind.label} key from the OS keyring.", file=sys.stderr)
            else:
                print(f"The OS keyring holds no {kind.label} key.", file=sys.stderr)
            return ExitStatus.SUCCESS
        try:
            raw = read_key(f"{kind.label} API key (input hidden): ")
        except (EOFError, KeyboardInterrupt):
            return fail("no key given; nothing stored", ExitStatus.USAGE)
        key = raw.strip()
        if not key:
            return fail("no key given; nothing stored", ExitStatus.USAGE)
        if len(key) > MAX_KEY_CHARS or any(ch.isspace() for ch in key):
            return fail("that is not one API key (it spans lines, has spaces or is too long); nothing stored",
                        ExitStatus.USAGE)
        backend = store_key(kind.name, key)
    except ProviderError as exc:
        return fail(str(exc), ExitStatus.USAGE)
    print(f"Stored the {kind.label} key in the OS keyring ({backend}; service {KEYRING_SERVICE!r}, "
          f"user {kind.name!r}).", file=sys.stderr)
    if find_api_key(kind.name, kind.key_variable)[1] != "the OS keyring":
        print(f"Note: ${kind.key_variable} is set and is used before the keyring.", file=sys.stderr)
    return ExitStatus.SUCCESS


def _status(as_json: bool) -> ExitStatus:
    rows = []
    for kind in provider_kinds():
        _key, where = find_api_key(kind.name, kind.key_variable)
        rows.append({"provider": kind.name, "variable": kind.key_variable, "source": where})
    backend = keyring_backend()
    keyring_name = None if backend is None else (getattr(backend, "name", None) or type(backend).__name__)
    if as_json:
        print(json.dumps({"keyring": keyring_name, "providers": rows}, indent=2))
        return ExitStatus.SUCCESS
    width = max(len(row["provider"]) for row in rows)
    for row in rows:
        print(f"{row['provider']:<{width}}  {row['source']}")
    print(f"OS keyring: {keyring_name or 'none usable on this machine'}", file=sys.stderr)
    return ExitStatus.SUCCESS
