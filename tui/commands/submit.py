"""``ftpreflight submit``: lint, check the approval and the estimate, then upload the data
and start the fine-tuning job, never twice for the same file and settings. A thin front
end over ``tui.services.submit``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from linter import ConfigError, FtPreflightError
from pricing import PricingError

from ..config import load_settings
from ..exit_codes import ExitStatus
from ..providers import (
    DEFAULT_TIMEOUT,
    CredentialsError,
    ModelNotAvailable,
    ProviderConfigError,
    ProviderError,
    TrainingNotAvailable,
    make_provider,
    provider_kinds,
    redact,
)
from ..services.plan import PlanError
from ..services.submit import SubmissionError, SubmissionPlan, SubmitProgress, preflight, submit, wind_down_message


def say(message: str) -> None:
    print(redact(message), file=sys.stderr)


def fail(message: str, status: ExitStatus) -> ExitStatus:
    say(f"ftpreflight: {message}")
    return status


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive number")
    return value


def add_provider_arguments(p: argparse.ArgumentParser) -> None:
    """Connection options shared by ``submit`` and ``jobs``. The API key is never a flag: it
    comes from the provider's own variable (OPENAI_API_KEY, AZURE_OPENAI_API_KEY,
    OPENAI_COMPATIBLE_API_KEY, TOGETHER_API_KEY, FIREWORKS_API_KEY) or the OS keyring."""
    kinds = provider_kinds()
    group = p.add_argument_group("provider")
    group.add_argument("--provider", choices=[kind.name for kind in kinds], default="openai",
                       help="where to fine-tune (default: openai); the key comes from "
                            + ", ".join(f"${kind.key_variable}" for kind in kinds) + " respectively, or the OS keyring")
    group.add_argument("--base-url", metavar="URL",
                       help="the API's address: required for openai-compatible (e.g. Nebius Token Factory), "
                            "otherwise the provider's own (default: $OPENAI_BASE_URL / $TOGETHER_BASE_URL / "
                            "$FIREWORKS_BASE_URL)")
    group.add_argument("--account-id", metavar="ID", help="Fireworks account (default: $FIREWORKS_ACCOUNT_ID)")
    group.add_argument("--organization", metavar="ID", help="OpenAI organization (default: $OPENAI_ORG_ID)")
    group.add_argument("--project", metavar="ID", help="OpenAI project (default: $OPENAI_PROJECT_ID)")
    group.add_argument("--azure-endpoint", metavar="URL", help="Azure OpenAI endpoint (default: "
                       "$AZURE_OPENAI_ENDPOINT)")
    group.add_argument("--api-version", metavar="VERSION", help="Azure OpenAI API version (default: "
                       "$OPENAI_API_VERSION)")
    group.add_argument("--timeout", type=positive_float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                       help=f"per-request timeout (default: {DEFAULT_TIMEOUT:g})")


def provider_from(args: argparse.Namespace):
    """Build the provider; raises ``ProviderError`` (e.g. ``CredentialsError``)."""
    return make_provider(args.provider, base_url=args.base_url, organization=args.organization,
                         project=args.project, azure_endpoint=args.azure_endpoint, api_version=args.api_version,
                         account_id=args.account_id, timeout=args.timeout)


def provider_error_status(exc: Exception) -> ExitStatus:
    """Missing or rejected keys and incomplete settings are configuration problems (2);
    refusals, network trouble and the rest are problems (1)."""
    if isinstance(exc, (CredentialsError, ProviderConfigError)):
        return ExitStatus.USAGE
    return ExitStatus.PROBLEMS


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "submit", help="lint, check the approval and start a fine-tuning job (never twice)",
        description="Gate the data (lint errors stop here; warnings need confirmation), check the approval "
                    "record or confirm the estimate, then upload the files and create the fine-tuning job. "
                    "A job already started for the same file and settings is reported instead of "
                    "starting another.")
    p.add_argument("path", metavar="PATH", help="training file (JSONL)")
    p.add_argument("--model", required=True, help="base model to fine-tune")
    p.add_argument("--validation", metavar="PATH", help="validation file (JSONL)")
    p.add_argument("--approval", metavar="FILE", help="approval record from `ftpreflight approve`")
    p.add_argument("--method", choices=("supervised", "dpo"), default="supervised",
                   help="fine-tuning method (default: supervised)")
    p.add_argument("--epochs", type=positive_int, metavar="N", help="epochs (default: auto, resolved by the "
                   "estimate and sent explicitly)")
    p.add_argument("--batch-size", type=positive_int, metavar="N", help="batch size, 1 to 256 (default: auto)")
    p.add_argument("--lr-multiplier", type=positive_float, metavar="X",
                   help="learning rate multiplier, OpenAI and compatible endpoints (default: auto)")
    p.add_argument("--learning-rate", type=positive_float, metavar="X",
                   help="absolute learning rate, Together and Fireworks (default: the provider's)")
    p.add_argument("--training-type", choices=("lora", "full"),
                   help="LoRA adapters or full fine-tuning, Together (default: the provider's, LoRA)")
    p.add_argument("--beta", type=positive_float, metavar="X", help="DPO beta, above 0 and at most 2 (default: auto)")
    p.add_argument("--suffix", metavar="S", help="1 to 64 characters added to the fine-tuned model's name")
    p.add_argument("--seed", type=int, metavar="N", help="training seed (0 to 2147483647)")
    p.add_argument("--prices", action="append", default=[], metavar="PATH",
                   help="extra price table (TOML/JSON) overriding the built-in ones; repeatable")
    p.add_argument("--yes", "-y", action="store_true", help="accept lint warnings and the estimate without asking")
    p.add_argument("--force", action="store_true",
                   help="start a new job even if one for the same file and settings exists")
    add_provider_arguments(p)
    p.set_defaults(run=run)


def confirm(lines: list[str], assume_yes: bool) -> bool:
    for line in lines:
        say(line if line.startswith("  ") else f"ftpreflight: {line}")
    if assume_yes:
        return True
    if not sys.stdin.isatty():
        say("ftpreflight: not submitting without confirmation: pass --yes to accept the above")
        return False
    try:
        answer = input("Submit this job? [y/N] ")
    except EOFError:
        answer = ""
    return answer.strip().lower() in ("y", "yes")


class _ProgressPrinter:
    """Progress on stderr: each step once, upload percentages in 25% steps."""

    def __init__(self) -> None:
        self._last = ""
        self._shown_percent = -1

    def __call__(self, progress: SubmitProgress) -> None:
        if progress.stage == "upload" and progress.total:
            percent = int(100 * (progress.done or 0) / progress.total)
            if percent // 25 == self._shown_percent // 25 and percent != 100:
                return
            self._shown_percent = percent if percent != 100 else -1
            message = f"{progress.message}: {percent}% of {progress.total:,} bytes"
        else:
            message = progress.message
        if message != self._last:
            say(message)
            self._last = message


def run(args: argparse.Namespace) -> ExitStatus:
    try:
        settings, _ = load_settings(args.config)
    except ConfigError as exc:
        return fail(str(exc), ExitStatus.USAGE)
    if args.beta is not None and args.method != "dpo":
        return fail("--beta only applies to --method dpo", ExitStatus.USAGE)
    plan = SubmissionPlan(
        training_path=Path(args.path), model=args.model,
        validation_path=Path(args.validation) if args.validation else None, method=args.method,
        n_epochs=args.epochs, batch_size=args.batch_size, learning_rate_multiplier=args.lr_multiplier,
        beta=args.beta, suffix=args.suffix, seed=args.seed, learning_rate=args.learning_rate,
        training_type=args.training_type)

    try:
        checked = preflight(plan, settings, provider_name=args.provider,
                            approval_path=Path(args.approval) if args.approval else None,
                            require_approval=settings.require_approval, price_tables=tuple(args.prices),
                            max_approval_age_days=settings.approval_max_age_days)
    except (FtPreflightError, PricingError, PlanError) as exc:  # unusable configuration: price tables, lint settings
        return fail(str(exc), ExitStatus.USAGE)
    if not checked.ok:
        say(f"ftpreflight: not submitting: {checked.blockers[0]}")
        for line in checked.blockers[1:]:
            say(line)
        return ExitStatus.USAGE if checked.usage_error else ExitStatus.PROBLEMS
    if checked.confirmations and not confirm(checked.confirmations, args.yes):
        return ExitStatus.PROBLEMS

    provider = None
    try:
        provider = provider_from(args)
        result = submit(provider, checked.plan, force=args.force, on_progress=_ProgressPrinter())
    except SubmissionError as exc:
        if isinstance(exc.cause, TrainingNotAvailable):
            return fail(wind_down_message(exc, checked.alternatives), ExitStatus.PROBLEMS)
        status = ExitStatus.USAGE if isinstance(exc.cause, CredentialsError) else ExitStatus.PROBLEMS
        return fail(str(exc), status)
    except TrainingNotAvailable as exc:
        return fail(wind_down_message(exc, checked.alternatives), ExitStatus.PROBLEMS)
    except ModelNotAvailable as exc:
        return fail(f"the provider does not accept fine-tuning jobs for {checked.plan.model}: {exc}",
                    ExitStatus.PROBLEMS)
    except ProviderError as exc:
        return fail(str(exc), provider_error_status(exc))
    finally:
        if provider is not None:
            provider.close()

    job = result.job
    print(job.id)
    for warning in result.warnings:
        say(f"ftpreflight: warning: {warning}")
    if result.reused:
        say(f"A job for this file and settings already exists: {job.id} ({job.status}); not starting another "
            "(use --force to start one anyway).")
    else:
        say(f"Started fine-tuning job {job.id} on {job.model}.")
    say(f"Watch it with: ftpreflight jobs {job.id} --watch")
    return ExitStatus.SUCCESS
