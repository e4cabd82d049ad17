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


def model_context(model: str, settings: Settings | None = None) -> int | None:
    """The model's training context from the price tables, when they know the model."""
    try:
        import pricing
    except ImportError:  # pragma: no cover - pricing ships with the package
        return None
    finder = getattr(pricing, "find_model", None)
    if finder is None:
        return None
    try:
        kwargs = {"extra_tables": settings.prices} if settings and settings.prices else {}
        row = finder(model, **kwargs)
    except TypeError:
        row = finder(model)
    except Exception:  # noqa: BLE001 - unknown to the price tables: the linter's own table decides
        return None
    return getattr(row, "training_context_tokens", None) if row is not None else None


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
    if config.context_tokens is None:
        context = model_context(config.model, settings)
        if context:
            config = config.model_copy(update={"context_tokens": context})
    return config


def _split(value: str | None) -> list[str] | None:
    if not value:
        return None
    return [part.strip() for part in value.split(",") if part.strip()]


__all__ = ["ConfigError", "build_lint_config", "close_matches", "fail", "settings_from"]
