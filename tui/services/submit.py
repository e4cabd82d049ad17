"""Submitting fine-tuning jobs safely: the idempotency lookup, upload + create, and watching.

No Textual and no printing here: the CLI and the app call the same functions and
receive progress through a callback. Everything that talks to the provider loops a
bounded number of times.

    SubmissionError          the submission stopped; ``leftover_file_ids`` names uploaded
                             files that are still on the provider (if any)

Provider failures (``tui.providers.ProviderError``) that happen before anything was
uploaded propagate unchanged.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from linter import plural
from pricing import file_sha256

from .. import __version__
from ..providers import (
    Job,
    JobEvent,
    JobSpec,
    ModelNotAvailable,
    OutcomeUnknown,
    Provider,
    ProviderError,
    RemoteFile,
    RequestRejected,
    TrainingNotAvailable,
    TransientError,
    UploadProgress,
    redact,
)
from .plan import PlanError, load_book, measure
from .plan import estimate as estimate_plan

__all__ = [
    "APPROVAL_MAX_AGE_DAYS",
    "META_SETTINGS",
    "META_SHA256",
    "META_TOKENS_PER_EPOCH",
    "META_VALIDATION_SHA256",
    "META_VERSION",
    "Fingerprint",
    "Preflight",
    "SubmissionError",
    "SubmissionPlan",
    "SubmitProgress",
    "SubmitResult",
    "TokenComparison",
    "compare_trained_tokens",
    "plan_problems",
    "price_table_problem",
    "pricing_provider",
    "provider_choices",
    "provider_for_table",
    "training_alternatives",
    "wind_down_message",
    "file_sha256",
    "find_existing_job",
    "fingerprint",
    "preflight",
    "submit",
    "watch_job",
]

META_SHA256 = "ftpreflight_sha256"
META_VALIDATION_SHA256 = "ftpreflight_validation_sha256"
META_SETTINGS = "ftpreflight_settings"
"""A digest of everything that makes two submissions "the same job" besides the data."""
META_VERSION = "ftpreflight_version"
META_TOKENS_PER_EPOCH = "ftpreflight_tokens_per_epoch"
"""The lint's billed-token count for one epoch, kept to compare with ``trained_tokens``."""
META_EPOCHS = "ftpreflight_epochs"
"""The epoch count the estimate assumed (resolved from ``auto``)."""

NOT_REUSABLE = frozenset({"failed", "cancelled"})


class SubmissionError(Exception):
    """The submission stopped. The message is one or two plain sentences."""

    def __init__(self, message: str, *, leftover_file_ids: tuple[str, ...] = (), cause: Exception | None = None,
                 outcome_known: bool = True):
        super().__init__(redact(message))
        self.leftover_file_ids = leftover_file_ids
        self.cause = cause
        """The ``ProviderError`` behind it, if any (e.g. ``ModelNotAvailable``)."""
        self.outcome_known = outcome_known
        """False when a create was sent and nobody knows whether the job exists: a re-run
        (never a blind retry) settles it."""


@dataclass(frozen=True)
class SubmissionPlan:
    """What to submit. ``None`` hyperparameters mean "let the provider choose" (auto)."""

    training_path: Path
    model: str
    validation_path: Path | None = None
    method: Literal["supervised", "dpo"] = "supervised"
    n_epochs: int | None = None
    batch_size: int | None = None
    learning_rate_multiplier: float | None = None
    beta: float | None = None
    """DPO only."""
    suffix: str | None = None
    seed: int | None = None
    learning_rate: float | None = None
    """Absolute learning rate (Together, Fireworks); OpenAI takes ``learning_rate_multiplier``."""
    training_type: Literal["lora", "full"] | None = None
    """LoRA or full fine-tuning (Together); ``None`` is the provider's default (LoRA)."""
    tokens_per_epoch: int | None = None
    """Estimated billed tokens per epoch (informational: stored in the job's metadata)."""
    estimated_epochs: int | None = None
    """Epochs the estimate assumed (informational, like ``tokens_per_epoch``)."""

    def hyperparameters(self) -> dict[str, Any]:
        chosen = {"n_epochs": self.n_epochs, "batch_size": self.batch_size,
                  "learning_rate_multiplier": self.learning_rate_multiplier, "learning_rate": self.learning_rate}
        if self.method == "dpo":
            chosen["beta"] = self.beta
        return {name: value for name, value in chosen.items() if value is not None}


@dataclass(frozen=True)
class Fingerprint:
    """Identifies a submission: the data bytes plus the settings that shape the job."""

    training_sha256: str
    validation_sha256: str | None
    settings_digest: str
    extra_metadata: dict[str, str] = field(default_factory=dict)

    def metadata(self) -> dict[str, str]:
        data = {META_SHA256: self.training_sha256, META_SETTINGS: self.settings_digest,
                META_VERSION: __version__}
        if self.validation_sha256:
            data[META_VALIDATION_SHA256] = self.validation_sha256
        data.update(self.extra_metadata)
        return data

    @property
    def tag(self) -> str:
        """``fp`` + 18 hex digits (training sha256 and settings digest, which covers the
        validation file): short enough for Together's 40-character suffix and a Fireworks id,
        for providers that keep no metadata."""
        return f"fp{self.training_sha256[:10]}{self.settings_digest[:8]}"

    def matches(self, job: Job) -> bool:
        if job.tag is not None and job.tag == self.tag:
            return True
        meta = job.metadata
        return (meta.get(META_SHA256) == self.training_sha256
                and meta.get(META_SETTINGS) == self.settings_digest
                and meta.get(META_VALIDATION_SHA256) == self.validation_sha256)


def fingerprint(plan: SubmissionPlan, *, provider_name: str = "openai") -> Fingerprint:
    training = file_sha256(plan.training_path)
    validation = file_sha256(plan.validation_path) if plan.validation_path else None
    settings = {"provider": provider_name, "model": plan.model, "method": plan.method,
                "hyperparameters": plan.hyperparameters(), "suffix": plan.suffix, "seed": plan.seed,
                "validation_sha256": validation}
    if plan.training_type is not None:  # only when chosen, so earlier digests stay the same
        settings["training_type"] = plan.training_type
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:32]
    extra = {}
    if plan.tokens_per_epoch is not None:
        extra[META_TOKENS_PER_EPOCH] = str(plan.tokens_per_epoch)
    if plan.estimated_epochs is not None:
        extra[META_EPOCHS] = str(plan.estimated_epochs)
    return Fingerprint(training, validation, digest, extra)


def find_existing_job(provider: Provider, print_: Fingerprint) -> Job | None:
    """The newest job for the same data and settings that has not failed or been cancelled
    (found by metadata, or by the tag for providers that keep no metadata)."""
    metadata = {META_SHA256: print_.training_sha256} if getattr(provider, "keeps_metadata", True) else None
    for job in provider.list_jobs(limit=100, metadata=metadata):
        if print_.matches(job) and job.status not in NOT_REUSABLE:
            return job
    return None


@dataclass(frozen=True)
class SubmitProgress:
    """One step of a submission, for progress displays.

    ``stage`` is one of ``lookup``, ``existing``, ``wait``, ``upload``, ``reuse``,
    ``processing``, ``create``, ``retry``, ``check``, ``created``, ``cleanup``."""

    stage: str
    message: str
    done: int | None = None
    total: int | None = None


@dataclass(frozen=True)
class SubmitResult:
    job: Job
    reused: bool
    """True when an earlier matching job was found and nothing was uploaded or created."""
    fingerprint: Fingerprint
    file_ids: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    """Things the user must know although the job exists (e.g. the provider dropped the
    job's metadata, so only the local record finds it again)."""


MAX_RETRY_WAIT = 60.0
"""The longest ``Retry-After`` obeyed. A provider asking for longer (``Retry-After: 86400``)
ends the attempts at once instead of hanging a terminal for a day."""
CHECK_DELAYS = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0)
"""Waits between the checks after a create whose outcome is unknown (about a minute in
all): job lists can show a new job seconds late."""


def submit(provider: Provider, plan: SubmissionPlan, *, force: bool = False,
           on_progress: Callable[[SubmitProgress], None] | None = None,
           print_: Fingerprint | None = None, sleep: Callable[[float], None] = time.sleep,
           file_poll_interval: float = 2.0, file_wait_timeout: float = 30 * 60,
           create_attempts: int = 4, retry_delay: float = 2.0, check_delays: tuple[float, ...] = CHECK_DELAYS,
           max_retry_wait: float = MAX_RETRY_WAIT, state_dir: Path | None = None,
           lock_timeout: float = 3600.0) -> SubmitResult:
    """Upload the plan's files and create the job, unless a matching job already exists.

    A job is created at most once, whatever fails:

    * the settings are checked against the API's limits before anything is uploaded;
    * a per-user lock on the training file's digest makes concurrent runs take turns;
    * a create refused with 429 is retried after ``Retry-After`` (capped); a create whose
      outcome is unknown (timeout, dropped connection, 5xx) is never sent again: the job
      list is checked with backoff, and if that cannot tell, ``SubmissionError`` says a
      re-run is safe;
    * a local record (``tui.services.ledger``) finds the job, or reuses the uploaded
      files, when the provider dropped the metadata or the process died midway.

    Gates (lint, approval, lifecycle) are the caller's and must run before this. Raises
    ``SubmissionError`` once files are uploaded (and for invalid settings), ``ProviderError``
    before that."""
    from .ledger import LedgerUnavailable, SubmissionLedger, SubmissionLocked, default_state_dir

    problems = plan_problems(plan, provider_name=getattr(provider, "name", "openai"))
    if problems:
        raise SubmissionError(f"not submitting: {'; '.join(problems)}.")
    report = on_progress or (lambda progress: None)
    print_ = print_ or fingerprint(plan, provider_name=getattr(provider, "name", "openai"))
    ledger = SubmissionLedger(state_dir or default_state_dir())

    def waiting() -> None:
        report(SubmitProgress("wait", "Another `ftpreflight submit` of this file is running; waiting for it "
                                      "to finish"))
    try:
        with ledger.lock(print_.training_sha256, on_wait=waiting, timeout=lock_timeout):
            return _submit_locked(provider, plan, print_, ledger, force=force, report=report, sleep=sleep,
                                  file_poll_interval=file_poll_interval, file_wait_timeout=file_wait_timeout,
                                  create_attempts=create_attempts, retry_delay=retry_delay,
                                  check_delays=check_delays, max_retry_wait=max_retry_wait)
    except SubmissionLocked as exc:
        raise SubmissionError(f"{exc}; nothing was submitted.") from None
    except LedgerUnavailable as exc:
        # Without the record a crash could leave a job or a file nobody finds again: stop.
        raise SubmissionError(f"{exc}; stopped before creating a job (set XDG_STATE_HOME to a writable "
                              "directory).") from None


def _submit_locked(provider: Provider, plan: SubmissionPlan, print_: Fingerprint, ledger, *, force: bool,
                   report, sleep, file_poll_interval: float, file_wait_timeout: float, create_attempts: int,
                   retry_delay: float, check_delays: tuple[float, ...], max_retry_wait: float) -> SubmitResult:
    from .ledger import LedgerEntry

    entry = ledger.read(print_.training_sha256, print_.settings_digest)
    if not force:
        report(SubmitProgress("lookup", "Looking for an existing job for this file and settings"))
        existing = find_existing_job(provider, print_)
        if existing is None and entry is not None:
            existing = _job_from_record(provider, entry)
        if existing is not None:
            report(SubmitProgress("existing", f"Job {existing.id} ({existing.status}) already exists for this "
                                              "file and settings"))
            return SubmitResult(existing, True, print_,
                                warnings=_metadata_warnings(print_, existing, ledger, provider.name))

    paths = [Path(path) for path in (plan.training_path, plan.validation_path) if path is not None]
    uploaded: list[RemoteFile] = []
    if entry is not None and entry.stage in ("uploaded", "creating"):
        uploaded = _reuse_uploads(provider, paths, entry.file_ids, report)
    if entry is not None and entry.stage == "uploading":
        _sweep_interrupted_upload(provider, entry, paths, report)
    try:
        if len(uploaded) < len(paths):
            # Written before the first byte goes out: a run killed mid-upload leaves a record
            # that tells the next run to remove what the provider kept of it.
            ledger.write(LedgerEntry(print_.training_sha256, print_.settings_digest, provider.name, "uploading",
                                     [remote.id for remote in uploaded]))
        for path in paths[len(uploaded):]:
            def on_upload(progress: UploadProgress) -> None:
                report(SubmitProgress("upload", f"Uploading {progress.filename}", progress.sent_bytes,
                                      progress.total_bytes))
            uploaded.append(provider.upload_file(path, on_progress=on_upload))
            ledger.write(LedgerEntry(print_.training_sha256, print_.settings_digest, provider.name,
                                     "uploaded", [remote.id for remote in uploaded]))
        for remote in uploaded:
            _wait_processed(provider, remote, report, sleep, file_poll_interval, file_wait_timeout)
    except (ProviderError, SubmissionError) as exc:
        ledger.forget(print_.training_sha256, print_.settings_digest)
        raise _abandon(provider, uploaded, report, exc) from None

    spec = JobSpec(model=plan.model, training_file_id=uploaded[0].id,
                   validation_file_id=uploaded[1].id if len(uploaded) > 1 else None, method=plan.method,
                   hyperparameters=plan.hyperparameters(), suffix=plan.suffix, seed=plan.seed,
                   metadata=print_.metadata(), tag=print_.tag, training_type=plan.training_type)
    file_ids = [remote.id for remote in uploaded]
    record = LedgerEntry(print_.training_sha256, print_.settings_digest, provider.name, "creating", file_ids,
                         metadata=print_.metadata())
    ledger.write(record)
    try:
        job = _create_once(provider, spec, print_, report, sleep, create_attempts, retry_delay, uploaded,
                           check_delays, max_retry_wait)
    except SubmissionError as exc:
        if not exc.leftover_file_ids and exc.outcome_known:  # certainly no job, files gone: nothing to resume
            ledger.forget(print_.training_sha256, print_.settings_digest)
        raise
    record.stage, record.job_id = "created", job.id
    ledger.write(record)
    report(SubmitProgress("created", f"Created job {job.id}"))
    return SubmitResult(job, False, print_, tuple(file_ids), warnings=_metadata_warnings(print_, job, ledger, provider.name))


def _metadata_warnings(print_: Fingerprint, job: Job, ledger, provider_name: str) -> tuple[str, ...]:
    from .ledger import LedgerEntry

    if print_.matches(job):
        return ()
    path = ledger.write(LedgerEntry(print_.training_sha256, print_.settings_digest, provider_name, "created",
                                    [job.training_file], job.id, metadata=print_.metadata()))
    return (f"the provider did not keep the job's metadata, so a re-run finds job {job.id} only through the "
            f"local record {path}; keep that file (another machine, or a deleted record, would start a "
            "second job)",)


def _job_from_record(provider: Provider, entry) -> Job | None:
    """The job a local record points at: by id once it was created, by its training file
    while the create's outcome was unknown."""
    try:
        if entry.job_id:
            job = provider.retrieve_job(entry.job_id)
            return job if job.status not in NOT_REUSABLE else None
        if entry.stage == "creating" and entry.file_ids:
            for job in provider.list_jobs(limit=100):
                if job.training_file == entry.file_ids[0] and job.status not in NOT_REUSABLE:
                    return job
    except RequestRejected:
        return None  # 404: the record belongs to another endpoint, or the job is gone
    return None


UPLOAD_SWEEP_SLACK = 60
"""Seconds of clock difference allowed between this machine and the provider when deciding
which files an interrupted upload left behind."""


def _sweep_interrupted_upload(provider: Provider, entry, paths: list[Path], report) -> None:
    """Delete what a run killed mid-upload left on the provider: incomplete files (not
    processed, or not the local file's size) with the same name, created since that run wrote
    its ``uploading`` record (give or take a minute of clock difference), except the ones the
    record already lists. A complete copy is left alone: the upload that follows finds it
    (Together recognises the checksum) or it is a file someone else uploaded."""
    from datetime import datetime

    try:
        since = int(datetime.fromisoformat(entry.updated_at).timestamp()) - UPLOAD_SWEEP_SLACK
    except (TypeError, ValueError):
        return
    sizes = {path.name: path.stat().st_size for path in paths}
    try:
        leftovers = [remote for remote in provider.list_files()
                     if remote.filename in sizes and (remote.created_at or 0) >= since
                     and remote.id not in entry.file_ids
                     and (remote.status != "processed" or remote.bytes != sizes[remote.filename])]
    except ProviderError:
        return
    for remote in leftovers:
        report(SubmitProgress("cleanup", f"Deleting {remote.id}, left by an upload that was interrupted"))
        try:
            provider.delete_file(remote.id)
        except ProviderError:
            continue


def _reuse_uploads(provider: Provider, paths: list[Path], file_ids: list[str], report) -> list[RemoteFile]:
    """The files an interrupted run uploaded that are still there, in plan order (the
    training file first); the rest is uploaded again."""
    found: list[RemoteFile] = []
    for file_id, path in zip(file_ids, paths):
        try:
            remote = provider.retrieve_file(file_id)
        except RequestRejected:  # deleted meanwhile, or another endpoint's record
            break
        if remote.status == "error" or remote.bytes != path.stat().st_size:
            break
        found.append(remote)
    if found:
        report(SubmitProgress("reuse", f"Reusing {', '.join(r.id for r in found)}, uploaded by an earlier run "
                                       "that stopped before the job was created"))
    return found


def _create_once(provider: Provider, spec: JobSpec, print_: Fingerprint, report, sleep, attempts: int,
                 retry_delay: float, uploaded: list[RemoteFile], check_delays: tuple[float, ...],
                 max_retry_wait: float) -> Job:
    refused: TransientError | None = None
    for attempt in range(1, max(attempts, 1) + 1):
        report(SubmitProgress("create", f"Creating the fine-tuning job (attempt {attempt})"))
        try:
            return provider.create_job(spec)
        except OutcomeUnknown as exc:
            if getattr(provider, "create_is_idempotent", False) and attempt < attempts:
                # A caller-chosen id: sending the same create again returns the job if the
                # first one made it, so this is a plain retry.
                report(SubmitProgress("retry", f"{exc} - sending the same create again (it carries its own id)"))
                sleep(retry_delay * 2 ** (attempt - 1))
                continue
            # The provider may have made the job. Sending the create again could make a
            # second one, so from here on only look.
            return _confirm_created(provider, spec, print_, report, sleep, check_delays, exc, uploaded)
        except TransientError as exc:  # 429: refused, so the job was certainly not created
            refused = exc
        except ProviderError as exc:  # refused outright: no job exists, so remove the files
            raise _abandon(provider, uploaded, report, exc) from None
        if attempt == attempts:
            break
        wait = refused.retry_after
        if wait is not None and wait > max_retry_wait:
            raise _abandon(provider, uploaded, report, refused, reason=(
                f"the provider asked to wait {_duration(wait)} before trying again, longer than the "
                f"{_duration(max_retry_wait)} ftpreflight waits, so no job was created")) from None
        delay = wait if wait is not None else retry_delay * 2 ** (attempt - 1)
        report(SubmitProgress("retry", f"{refused} - retrying in {delay:.1f}s"))
        sleep(delay)
    assert refused is not None
    raise _abandon(provider, uploaded, report, refused, reason=(
        f"the provider refused the create {plural(attempts, 'time')}, so no job was created")) from None


def _confirm_created(provider: Provider, spec: JobSpec, print_: Fingerprint, report, sleep,
                     check_delays: tuple[float, ...], cause: OutcomeUnknown, uploaded: list[RemoteFile]) -> Job:
    report(SubmitProgress("check", f"{cause}; checking whether the job was created (it is not sent again)"))
    for delay in (0.0, *check_delays):
        if delay:
            sleep(delay)
        try:
            jobs = provider.list_jobs(limit=100)
        except ProviderError:
            continue
        for job in jobs:
            if job.training_file == spec.training_file_id or print_.matches(job):
                if job.status in NOT_REUSABLE and job.training_file != spec.training_file_id:
                    continue
                report(SubmitProgress("existing", f"The job was created despite the error: {job.id}"))
                return job
    kept = ", ".join(remote.id for remote in uploaded)
    raise SubmissionError(
        f"{str(cause).rstrip('. ')}; ftpreflight could not tell whether the job was created, so it did not send the request "
        f"again. A re-run is safe: the same `ftpreflight submit` finds the job if it exists, and otherwise "
        f"creates it from the uploaded file(s) {kept} without uploading again.",
        leftover_file_ids=tuple(remote.id for remote in uploaded), cause=cause, outcome_known=False)


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:g} h"
    if seconds >= 60:
        return f"{seconds / 60:g} min"
    return f"{seconds:g} s"


def _wait_processed(provider: Provider, remote: RemoteFile, report, sleep, interval: float, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    polls = max(1, int(timeout / max(interval, 0.001)) + 10)
    delay = min(0.25, interval)  # small files are usually processed within a second
    current = remote
    for _ in range(polls):
        if current.status == "processed":
            return
        if current.status == "error":
            detail = f": {current.status_details}" if current.status_details else ""
            raise SubmissionError(f"The provider could not process {remote.filename} ({remote.id}){detail}.")
        report(SubmitProgress("processing", f"Waiting for {remote.filename} to be processed"))
        if time.monotonic() >= deadline:
            break
        sleep(delay)
        delay = min(delay * 2, interval)
        current = provider.retrieve_file(remote.id)
    if current.status != "processed":
        raise SubmissionError(f"{remote.filename} ({remote.id}) was still not processed after {timeout:.0f}s.")


def _abandon(provider: Provider, uploaded: list[RemoteFile], report, cause: Exception,
             reason: str | None = None) -> SubmissionError:
    """Delete the files uploaded for a job that will not exist, and say so in the same
    sentence as why (``reason`` continues ``cause``'s sentence, e.g. "so no job was created")."""
    kept = []
    for remote in uploaded:
        report(SubmitProgress("cleanup", f"Deleting uploaded file {remote.id}"))
        try:
            provider.delete_file(remote.id)
        except ProviderError:
            kept.append(remote.id)
    message = str(cause).rstrip(". ")
    if isinstance(cause, ModelNotAvailable):
        message = f"The provider does not accept fine-tuning jobs for this model: {message}"
    if isinstance(cause, TrainingNotAvailable):
        reason = reason or "so no job was created"
    if reason:
        message = f"{message}, {reason}" if reason.startswith("so ") else f"{message}: {reason}"
    if kept:
        note = f", and the uploaded file(s) {', '.join(kept)} could not be deleted; delete them by hand."
    elif uploaded:
        note = ", and the uploaded file(s) were deleted."
    else:
        note = "."
    return SubmissionError(f"{message}{note}", leftover_file_ids=tuple(kept), cause=cause)


# --------------------------------------------------------------------------- watching

def watch_job(provider: Provider, job_id: str, *, on_update: Callable[[Job, list[JobEvent]], None] | None = None,
              poll_interval: float = 15.0, timeout: float = 7 * 24 * 3600,
              sleep: Callable[[float], None] = time.sleep, should_stop: Callable[[], bool] | None = None,
              max_consecutive_errors: int = 5, with_events: bool = True) -> Job:
    """Poll the job until it is final (``succeeded``, ``failed``, ``cancelled``), ``timeout``
    passes or ``should_stop()`` is true; return the last state seen. ``on_update`` gets the
    job and the events not seen before, oldest first."""
    seen: set[str] = set()
    errors = 0
    job: Job | None = None
    polls = max(1, int(timeout / max(poll_interval, 0.001)) + 1)
    for poll in range(polls):
        try:
            job = provider.retrieve_job(job_id)
            new = []
            if with_events:
                new = [event for event in provider.list_events(job_id) if event.id not in seen]
                seen.update(event.id for event in new)
            errors = 0
        except TransientError:
            errors += 1
            if errors >= max_consecutive_errors:
                raise
        else:
            if on_update is not None:
                on_update(job, new)
            if job.is_final:
                return job
        if (should_stop and should_stop()) or poll == polls - 1:
            break
        sleep(poll_interval)
    if job is None:
        job = provider.retrieve_job(job_id)
    return job


@dataclass(frozen=True)
class TokenComparison:
    estimated: int
    trained: int

    @property
    def difference(self) -> int:
        return self.trained - self.estimated

    @property
    def percent(self) -> float | None:
        return None if not self.estimated else 100.0 * self.difference / self.estimated

    def describe(self) -> str:
        percent = f" ({self.percent:+.1f}%)" if self.percent is not None else ""
        return (f"trained {self.trained:,} tokens; estimated {self.estimated:,}; "
                f"difference {self.difference:+,}{percent}")


def compare_trained_tokens(job: Job) -> TokenComparison | None:
    """Compare the provider's ``trained_tokens`` with the estimate stored in the job's
    metadata at submission (or, for providers that keep no metadata, in the local submission
    record); ``None`` when either is unknown."""
    if job.trained_tokens is None:
        return None
    metadata = job.metadata
    if META_TOKENS_PER_EPOCH not in metadata:
        from .ledger import SubmissionLedger, default_state_dir

        entry = SubmissionLedger(default_state_dir()).find_job(job.id)
        metadata = entry.metadata if entry is not None else {}
    per_epoch = metadata.get(META_TOKENS_PER_EPOCH)
    if not per_epoch or not per_epoch.isdigit():
        return None
    epochs = job.n_epochs
    if epochs is None:
        assumed = metadata.get(META_EPOCHS, "")
        epochs = int(assumed) if assumed.isdigit() else None
    if not epochs:
        return None
    return TokenComparison(int(per_epoch) * epochs, job.trained_tokens)



# --------------------------------------------------------------------------- gates

APPROVAL_MAX_AGE_DAYS = 30
"""Approval records older than this are refused as expired: prices and lifecycle dates move."""
def provider_choices() -> list[tuple[str, str]]:
    """``(name, label)`` of every registered provider, for a picker (the app's Submit tab)."""
    from ..providers import provider_kinds

    return [(kind.name, kind.label) for kind in provider_kinds()]


def pricing_provider(provider_name: str) -> str | None:
    """The price-table provider whose rows ``provider_name`` trains (from the registry)."""
    from ..providers import get_kind

    try:
        return get_kind(provider_name).pricing_provider
    except ProviderError:
        return None
MAX_LISTED_DIAGNOSTICS = 20


@dataclass
class Preflight:
    """The outcome of the gates that run before anything is sent to a provider.

    ``blockers`` stop the submission outright (lint errors, an approval that does not
    match, a model the provider no longer fine-tunes). ``confirmations`` are what a
    person must accept first (lint warnings, an estimate without an approval record).
    ``plan`` is the plan to submit, with the estimate's token counts filled in."""

    plan: SubmissionPlan
    blockers: list[str] = field(default_factory=list)
    confirmations: list[str] = field(default_factory=list)
    usage_error: bool = False
    """True when a blocker is a usage problem (unknown model, unreadable approval file)."""
    report: Any = None
    """The ``linter.LintReport`` of the training (and validation) file."""
    estimate: Any = None
    """The ``pricing.Estimate``, when the model is priced."""
    approval: Any = None
    """The ``pricing.ApprovalRecord`` that was checked, if any."""
    alternatives: list[str] = field(default_factory=list)
    """Other registered providers whose price tables have a model that still takes
    ``plan.method`` jobs today, to suggest when this provider refuses all new jobs."""

    @property
    def ok(self) -> bool:
        return not self.blockers


def preflight(plan: SubmissionPlan, settings: Any, *, provider_name: str = "openai",
              approval_path: Path | None = None, require_approval: bool = False, today: Any = None,
              now: Any = None, price_tables: tuple[str, ...] = (),
              max_approval_age_days: int = APPROVAL_MAX_AGE_DAYS, lint_observer: Any = None) -> Preflight:
    """Run the gates in order: model and lifecycle (price tables), lint, estimate, approval.

    ``settings`` is a ``tui.config.Settings``. Raises ``linter.ConfigError`` and
    ``PlanError`` (price tables, tokenizer) for unusable configuration; everything about the data,
    the model or the approval comes back in the result."""
    from datetime import date, datetime, timezone

    import pricing
    from linter import Severity

    today = today or date.today()
    now = now or datetime.now(timezone.utc)
    result = Preflight(plan)
    problems = plan_problems(plan, provider_name=provider_name)
    if problems:
        from ..providers import get_kind

        source = get_kind(provider_name).limits_source
        result.blockers.append(f"{'; '.join(problems)} (limits of {source})")
        result.usage_error = True
        return result
    for path, what in ((plan.training_path, "training file"), (plan.validation_path, "validation file")):
        if path is not None and not Path(path).is_file():
            result.blockers.append(f"{path}: {what} not found")
            result.usage_error = True
    if result.blockers:
        return result

    book = load_book(settings, price_tables)
    try:
        row = _find_row(book, plan.model, provider_name)
    except pricing.UnknownModelError as exc:
        result.blockers.append(f"{exc}; add it with --prices if your provider fine-tunes it")
        result.usage_error = True
        return result
    result.alternatives = training_alternatives(book, provider_name, plan.method, today)
    problem = price_table_problem(provider_name, row.provider, plan.model)
    if problem:
        result.blockers.append(problem)
        result.usage_error = True
        return result
    try:
        pricing.check_accepts_jobs(row, today)
    except pricing.JobNotAcceptedError as exc:
        result.blockers.append(f"{exc}, so nothing was submitted")
        return result
    if plan.method not in row.methods:
        result.blockers.append(f"{row.id} supports {', '.join(row.methods)} fine-tuning, not {plan.method}")
        result.usage_error = True
        return result

    measured = measure(plan.training_path, row, settings, plan.validation_path, observer=lint_observer)
    report = measured.report
    result.report = report
    if report.has_errors:
        errors = [d for d in report.diagnostics if d.severity == Severity.ERROR]
        lines = [_describe(d) for d in errors[:MAX_LISTED_DIAGNOSTICS]]
        more = report.errors - len(lines)
        result.blockers.append(f"the lint found {plural(report.errors, 'error')}; fix {'it' if report.errors == 1 else 'them'} before submitting:")
        result.blockers.extend(f"  {line}" for line in lines)
        if more > 0:
            result.blockers.append(f"  ... and {more} more (run `ftpreflight lint`)")
        return result
    if report.warnings:
        warnings = [d for d in report.diagnostics if d.severity == Severity.WARNING]
        result.confirmations.append(f"the lint found {plural(report.warnings, 'warning')}:")
        result.confirmations.extend(f"  {_describe(d)}" for d in warnings[:5])
        if report.warnings > 5:
            result.confirmations.append("  ... (run `ftpreflight lint` to see them all)")

    try:
        estimate = estimate_plan(row, measured, method=plan.method, today=today, epochs=plan.n_epochs or "auto")
    except PlanError as exc:
        result.blockers.append(f"cannot estimate the job: {exc}")
        result.usage_error = exc.usage
        return result
    except pricing.JobNotAcceptedError as exc:
        result.blockers.append(f"{exc}, so nothing was submitted")
        return result
    result.estimate = estimate
    cost = pricing.format_money(estimate.job_cost_usd)

    approval = None
    if approval_path is not None:
        try:
            approval = pricing.read_approval_record(approval_path)
        except pricing.ApprovalError as exc:
            result.blockers.append(str(exc))
            result.usage_error = True
            return result
        result.approval = approval
        validation_sha = file_sha256(plan.validation_path) if plan.validation_path else None
        wanted = pricing.ApprovalSettings.from_estimate(estimate, validation_sha)
        problems = pricing.verify_approval(approval, data_path=plan.training_path, settings=wanted,
                                           fresh_job_cost_usd=estimate.job_cost_usd,
                                           validation_path=plan.validation_path)
        approved_at = approval.approved_at if approval.approved_at.tzinfo else approval.approved_at.replace(
            tzinfo=timezone.utc)
        age_days = (now - approved_at).days
        if age_days > max_approval_age_days:
            problems.append(f"the approval from {approved_at.date().isoformat()} has expired ({age_days} days old, "
                            f"the limit is {max_approval_age_days}); approve the job again")
        if problems:
            result.blockers.append(f"{approval_path}: the approval does not match this submission:")
            result.blockers.extend(f"  {problem}" for problem in problems)
            return result
    elif require_approval:
        result.blockers.append("the configuration requires an approval record (require_approval = true): "
                               "pass --approval FILE from `ftpreflight approve`")
        result.usage_error = True
        return result
    else:
        result.confirmations.append(f"no approval record: the job is estimated at {cost} "
                                    f"({estimate.training_tokens:,} training tokens, {estimate.epochs} epochs)")

    # Pin the epoch count the estimate (and any approval) assumed, so what is billed is
    # what was priced; "auto" could resolve differently on the provider's side.
    result.plan = _replace(plan, model=row.id, n_epochs=plan.n_epochs or estimate.epochs,
                           tokens_per_epoch=estimate.billed_tokens_per_epoch, estimated_epochs=estimate.epochs)
    return result


def _find_row(book: Any, model: str, provider_name: str) -> Any:
    """The price row for ``model`` as ``provider_name`` trains it. A provider without a table
    of its own (an OpenAI-compatible endpoint) looks in the tables no other provider owns
    first (``--prices`` files such as a Nebius table), by exact name, since open-model ids
    such as ``openai/gpt-oss-20b`` contain a slash."""
    import pricing

    wanted = pricing_provider(provider_name)
    if wanted is not None:
        return book.find_model(model, provider=wanted)
    for table in book.providers:
        if _kind_owning_table(table) is None:
            try:
                return book.find_model(model, provider=table)
            except pricing.UnknownModelError:
                continue
    return book.find_model(model)


def price_table_problem(provider_name: str, table_provider: str, model_id: str) -> str | None:
    """Why an estimate from ``table_provider``'s price table cannot stand for a job on
    ``provider_name`` (the approval would be for another provider's prices), or None."""
    wanted = pricing_provider(provider_name)
    if wanted is not None:
        return None if wanted == table_provider else (
            f"the estimate is for the {table_provider} price table: pick a {provider_name} model")
    owner = _kind_owning_table(table_provider)
    if owner is not None and owner != provider_name:
        return (f"{model_id} is priced in the {table_provider} table, which is {owner}'s; give the {provider_name} "
                "endpoint its own price table with --prices (or `prices` in the config) so that the estimate and "
                "the approval are for it")
    return None


def provider_for_table(table_provider: str) -> str | None:
    """The ``--provider`` name that trains the rows of a price table's provider (``together``
    for ``together``, ``azure`` for ``azure_openai``); ``None`` when no registered provider
    owns that table (e.g. a ``--prices`` table for an OpenAI-compatible endpoint)."""
    return _kind_owning_table(table_provider)


def _kind_owning_table(table_provider: str) -> str | None:
    from ..providers import provider_kinds

    return next((kind.name for kind in provider_kinds() if kind.pricing_provider == table_provider), None)


def training_alternatives(book: Any, provider_name: str, method: str, today: Any) -> list[str]:
    """Registered providers (other than ``provider_name``) with a priced model that takes
    ``method`` jobs on ``today``, from the price tables."""
    import pricing
    from ..providers import provider_kinds

    found = []
    for kind in provider_kinds():
        if kind.name == provider_name or kind.pricing_provider is None or kind.pricing_provider not in book.providers:
            continue
        for row in book.models(kind.pricing_provider):
            try:
                pricing.check_accepts_jobs(row, today)
            except pricing.JobNotAcceptedError:
                continue
            if method in row.methods:
                found.append(kind.name)
                break
    return found


def wind_down_message(error: "SubmissionError | ProviderError", alternatives: list[str]) -> str:
    """The wind-down refusal as one sentence: what happened, the date, and where to go."""
    text = str(error).rstrip(". ")
    if alternatives:
        text += (f"; according to the price tables {', '.join(alternatives)} still train this method "
                 "(submit again with --provider NAME and a new approval)")
    return text + "."


def _describe(diagnostic: Any) -> str:
    where = diagnostic.path if diagnostic.line is None else f"{diagnostic.path}:{diagnostic.line}"
    return f"{where}: {diagnostic.code} {diagnostic.message}"


def _replace(plan: SubmissionPlan, **changes: Any) -> SubmissionPlan:
    from dataclasses import replace

    return replace(plan, **changes)




# --------------------------------------------------------------------------- API limits

# The OpenAI API reference's limits for creating a fine-tuning job (OpenAPI spec,
# CreateFineTuningJobRequest and the method hyperparameters; the SDK's docstring for
# ``suffix`` in openai/types/fine_tuning/job_create_params.py says "A string of up to 64
# characters"). Checked here, before anything is uploaded, instead of by the server after.
SUFFIX_MAX_CHARS = 64
"""``suffix``: minLength 1, maxLength 64."""
SEED_RANGE = (0, 2_147_483_647)
"""``seed``: minimum 0, maximum 2147483647."""
BATCH_SIZE_RANGE = (1, 256)
"""``batch_size``: minimum 1, maximum 256 (supervised and DPO)."""
N_EPOCHS_RANGE = (1, 50)
"""``n_epochs``: minimum 1, maximum 50."""
BETA_MAX = 2.0
"""DPO ``beta``: greater than 0, at most 2."""


def plan_problems(plan: SubmissionPlan, *, provider_name: str = "openai") -> list[str]:
    """Settings the provider's API would refuse, each as a short phrase naming the flag;
    empty when fine. The shared limits are here; what differs by provider (the learning
    rate's shape, the suffix length, its own refusals) comes from its registry entry."""
    from ..providers import get_kind

    kind = get_kind(provider_name)
    problems = []
    if plan.suffix is not None and not 1 <= len(plan.suffix) <= kind.suffix_max_chars:
        problems.append(f"--suffix must be 1 to {kind.suffix_max_chars} characters for {provider_name}, "
                        f"not {len(plan.suffix)}")
    if kind.learning_rate == "multiplier":
        if plan.learning_rate is not None:
            problems.append(f"--learning-rate does not apply to {provider_name}; use --lr-multiplier")
        if plan.training_type is not None:
            problems.append(f"--training-type does not apply to {provider_name}")
    else:
        if plan.learning_rate_multiplier is not None:
            problems.append(f"--lr-multiplier does not apply to {provider_name}; use --learning-rate")
        if plan.learning_rate is not None and not plan.learning_rate > 0:
            problems.append(f"--learning-rate must be greater than 0, not {plan.learning_rate:g}")
    if kind.check_plan is not None:
        problems.extend(kind.check_plan(plan))
    if plan.seed is not None and not SEED_RANGE[0] <= plan.seed <= SEED_RANGE[1]:
        problems.append(f"--seed must be between {SEED_RANGE[0]} and {SEED_RANGE[1]:,}, not {plan.seed:,}")
    if plan.batch_size is not None and not BATCH_SIZE_RANGE[0] <= plan.batch_size <= BATCH_SIZE_RANGE[1]:
        problems.append(f"--batch-size must be between {BATCH_SIZE_RANGE[0]} and {BATCH_SIZE_RANGE[1]}, "
                        f"not {plan.batch_size}")
    if plan.n_epochs is not None and not N_EPOCHS_RANGE[0] <= plan.n_epochs <= N_EPOCHS_RANGE[1]:
        problems.append(f"--epochs must be between {N_EPOCHS_RANGE[0]} and {N_EPOCHS_RANGE[1]}, not {plan.n_epochs}")
    if plan.learning_rate_multiplier is not None and not plan.learning_rate_multiplier > 0:
        problems.append(f"--lr-multiplier must be greater than 0, not {plan.learning_rate_multiplier:g}")
    if plan.beta is not None:
        if plan.method != "dpo":
            problems.append("--beta only applies to --method dpo")
        elif not 0 < plan.beta <= BETA_MAX:
            problems.append(f"--beta must be greater than 0 and at most {BETA_MAX:g}, not {plan.beta:g}")
    return problems
