"""Helpers shared by subcommands: settings, model resolution, error output."""

from __future__ import annotations

import argparse
import difflib
import sys

from linter import ConfigError, LintConfig, printable
from ..config import Settings, load_settings, resolve_lint_config
from ..exit_codes import ExitStatus
from ..services import input_problem


def fail(message: str, status: ExitStatus = ExitStatus.USAGE) -> ExitStatus:
    # Messages name files: a control character in a name is printed as an escape.
    message = "\n".join(printable(line) for line in message.split("\n"))
    print(f"ftpreflight: {message}", file=sys.stderr)
    return status


def settings_from(args: argparse.Namespace) -> Settings:
    settings, _ = load_settings(getattr(args, "config", None))
    return settings


def model_row(model: str, settings: Settings | None = None):
    """The model's training context from the price tables (built-in plus the user's).

    Raises ConfigError (exit 2) for a model no table lists, with close matches, and
    for a price file that cannot be loaded."""
    import pricing

    try:
        row = pricing.find_model(model, extra_tables=settings.prices if settings else ())
    except pricing.UnknownModelError as exc:
        raise ConfigError(str(exc)) from None
    except pricing.PricingError as exc:
        raise ConfigError(str(exc)) from None
    return row


def close_matches(name: str, candidates: list[str]) -> str:
    matches = difflib.get_close_matches(name, candidates, n=4, cutoff=0.5)
    return f" (did you mean {', '.join(matches)}?)" if matches else ""


def build_lint_config(args: argparse.Namespace, settings: Settings) -> LintConfig:
    """Lint settings for ``lint``, ``fix`` and the app: the flags in ``args`` over the config
    file, and the model's facts from the price tables (``resolve_lint_config``)."""
    overrides = {
        "model": getattr(args, "model", None),
        "provider": getattr(args, "provider", None),
        "format_kind": getattr(args, "format_kind", None),
        "select": _split(getattr(args, "select", None)),
        "ignore": (settings.ignore + _split(args.ignore)) if getattr(args, "ignore", None) else None,
        "jobs": getattr(args, "jobs", None),
    }
    model = overrides["model"] or settings.model
    return resolve_lint_config(settings, model_row(model, settings), **overrides)


def _split(value: str | None) -> list[str] | None:
    if not value:
        return None
    return [part.strip() for part in value.split(",") if part.strip()]


__all__ = ["ConfigError", "build_lint_config", "close_matches", "fail", "input_problem", "settings_from"]
