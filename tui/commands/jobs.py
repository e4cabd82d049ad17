"""``ftpreflight jobs``: list recent fine-tuning jobs, show one, stream its events until it
ends, or cancel it. After completion, compares ``trained_tokens`` with the estimate that
``ftpreflight submit`` stored in the job's metadata (or in the local submission record, for
providers that keep no metadata), and shows the provider's own price where it reports one."""

from __future__ import annotations

import argparse
import json
from datetime import datetime, timezone
from decimal import Decimal

from ..exit_codes import ExitStatus
from ..providers import Job, JobEvent, ProviderError
from ..services.submit import compare_trained_tokens, watch_job
from .submit import add_provider_arguments, fail, positive_float, positive_int, provider_error_status, provider_from, say


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "jobs", help="list, show, watch or cancel fine-tuning jobs",
        description="Without ID: list recent jobs. With ID: show the job; --events prints its events, "
                    "--watch follows it until it succeeds, fails or is cancelled, --cancel cancels it.")
    p.add_argument("job_id", metavar="ID", nargs="?", help="fine-tuning job id as `submit` printed it (ftjob-..., ft-..., accounts/.../supervisedFineTuningJobs/...)")
    action = p.add_mutually_exclusive_group()
    action.add_argument("--watch", action="store_true", help="follow the job's status and events until it ends")
    action.add_argument("--cancel", action="store_true", help="cancel the job")
    action.add_argument("--events", action="store_true", help="print the job's events")
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    p.add_argument("--limit", type=positive_int, default=20, metavar="N", help="jobs to list (default: 20)")
    p.add_argument("--interval", type=positive_float, default=15.0, metavar="SECONDS",
                   help="--watch polling interval (default: 15)")
    add_provider_arguments(p)
    p.set_defaults(run=run)


def _when(timestamp: int | None) -> str:
    if not timestamp:
        return "-"
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _usd(amount: Decimal) -> str:
    # Cents hide a small job's price ($0.0042 would read $0.00).
    return f"${amount:,.2f}" if amount >= 1 else f"${amount:.4f}"


def job_to_dict(job: Job) -> dict:
    data = job.as_dict()
    comparison = compare_trained_tokens(job)
    data["token_comparison"] = None if comparison is None else {
        "estimated": comparison.estimated, "trained": comparison.trained, "difference": comparison.difference,
        "percent": None if comparison.percent is None else round(comparison.percent, 2)}
    return data


def render_job(job: Job) -> str:
    rows = [("id", job.id), ("status", job.status), ("model", job.model),
            ("fine-tuned model", job.fine_tuned_model or "-"), ("method", job.method or "-"),
            ("epochs", str(job.n_epochs) if job.n_epochs else "auto"),
            ("trained tokens", f"{job.trained_tokens:,}" if job.trained_tokens is not None else "-"),
            ("billed", "-" if job.billed_usd is None else f"{_usd(job.billed_usd)} (the provider's price"
             + (")" if job.is_final else " so far)")),
            ("created", _when(job.created_at)),
            ("estimated finish" if not job.is_final else "finished",
             _when(job.finished_at if job.is_final else job.estimated_finish)),
            ("training file", job.training_file)]
    if job.validation_file:
        rows.append(("validation file", job.validation_file))
    if job.error_message:
        rows.append(("error", job.error_message))
    comparison = compare_trained_tokens(job)
    if comparison is not None:
        rows.append(("vs estimate", comparison.describe()))
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


def render_list(jobs: list[Job]) -> str:
    if not jobs:
        return ""
    header = ("ID", "STATUS", "MODEL", "CREATED", "FINE-TUNED MODEL")
    rows = [header] + [(j.id, j.status, j.model, _when(j.created_at), j.fine_tuned_model or "-") for j in jobs]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows)


def render_event(event: JobEvent) -> str:
    level = "" if event.level == "info" else f"[{event.level}] "
    return f"{_when(event.created_at)}  {level}{event.message}"


def run(args: argparse.Namespace) -> ExitStatus:
    as_json = args.format == "json"
    if (args.watch or args.cancel or args.events) and not args.job_id:
        return fail("--watch, --cancel and --events need a job ID", ExitStatus.USAGE)
    provider = None
    try:
        provider = provider_from(args)
        if not args.job_id:
            jobs = provider.list_jobs(limit=args.limit)
            output = json.dumps([job_to_dict(j) for j in jobs], indent=2) if as_json else render_list(jobs)
            if output:
                print(output)
            elif not as_json:
                say("No fine-tuning jobs yet.")
            return ExitStatus.SUCCESS
        if args.cancel:
            job = provider.cancel_job(args.job_id)
            print(json.dumps(job_to_dict(job), indent=2) if as_json else render_job(job))
            say(f"Cancelled {job.id}." if job.status == "cancelled" else f"{job.id} is {job.status}.")
            return ExitStatus.SUCCESS
        if args.events:
            events = provider.list_events(args.job_id)
            if as_json:
                print(json.dumps([e.as_dict() for e in events], indent=2))
            else:
                for event in events:
                    print(render_event(event))
            return ExitStatus.SUCCESS
        if args.watch:
            return _watch(provider, args, as_json)
        job = provider.retrieve_job(args.job_id)
        print(json.dumps(job_to_dict(job), indent=2) if as_json else render_job(job))
        return ExitStatus.SUCCESS
    except ProviderError as exc:
        return fail(str(exc), provider_error_status(exc))
    finally:
        if provider is not None:
            provider.close()


def _watch(provider, args: argparse.Namespace, as_json: bool) -> ExitStatus:
    last_status = None

    def on_update(job: Job, events: list[JobEvent]) -> None:
        nonlocal last_status
        for event in events:
            print(json.dumps({"event": event.as_dict()}) if as_json else render_event(event), flush=True)
        if job.status != last_status:
            say(f"{job.id}: {job.status}")
            last_status = job.status

    job = watch_job(provider, args.job_id, on_update=on_update, poll_interval=args.interval)
    if as_json:
        print(json.dumps({"job": job_to_dict(job)}))
    else:
        print(render_job(job))
    if not job.is_final:
        say(f"{job.id} is still {job.status}; stopped watching.")
        return ExitStatus.PROBLEMS
    return ExitStatus.SUCCESS if job.status == "succeeded" else ExitStatus.PROBLEMS
