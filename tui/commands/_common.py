"""Helpers shared by subcommands: settings, model resolution, error output."""

from __future__ import annotations

import argparse
import difflib
import sys

from linter import ConfigError, LintConfig
from ..config import Settings, load_settings
from ..exit_codes import ExitStatus


def fail(message: str, status: ExitStatus = ExitStatus.USAGE) -> ExitStatus:
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
    overrides = {
        "model": getattr(args, "model", None),
        "format_kind": getattr(args, "format_kind", None),
        "select": _split(getattr(args, "select", None)),
        "ignore": (settings.ignore + _split(args.ignore)) if getattr(args, "ignore", None) else None,
        "jobs": getattr(args, "jobs", None),
    }
    config = settings.lint_config(**overrides)
    row = model_row(config.model, settings)
    update = {}
    if config.context_tokens is None and row.training_context_tokens:
        update["context_tokens"] = row.training_context_tokens
    if config.encoding is None and row.encoding in ("o200k_base", "cl100k_base"):
        update["encoding"] = row.encoding
    if config.data_formats is None:
        update["data_formats"] = list(row.trainable_formats)
    return config.model_copy(update=update) if update else config


def _split(value: str | None) -> list[str] | None:
    if not value:
        return None
    return [part.strip() for part in value.split(",") if part.strip()]


__all__ = ["ConfigError", "build_lint_config", "close_matches", "fail", "settings_from"]
