"""Together AI through its official SDK (``together``).

Files go up with ``client.files.upload(..., check=True)`` (the SDK checks the file first;
the server then validates it and reports ``processing_status``). Together keeps no job
metadata and takes no idempotency key, so the job is tagged through its ``suffix`` (the
``JobSpec.tag``: file sha256 and settings digest), jobs are looked up by that tag before
every create, and a create whose answer was lost is only ever looked for, never re-sent.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from ._base import ConnectionSettings, ProviderKind, register
from ._errors import (
    ProviderError,
    RequestRejected,
    TransientError,
    register_url_secrets,
)
from ._models import Job, JobEvent, JobSpec, RemoteFile, UploadProgress
from ._secrets import require_api_key
from ._stainless import SdkProvider, newest_jobs, timestamp

__all__ = ["SUFFIX_MAX_CHARS", "TAG_PATTERN", "TogetherProvider", "tagged_suffix"]

SUFFIX_MAX_CHARS = 40
"""``suffix``: "Up to 40 character suffix" (docstring of ``FineTuningResource.create``, together 3.1.1)."""
TAG_PATTERN = re.compile(r"fp[0-9a-f]{18}")
"""The tag ``submission.Fingerprint.tag`` makes: ``fp`` + 18 hex digits."""
USER_SUFFIX_MAX_CHARS = SUFFIX_MAX_CHARS - 21
"""What is left for ``--suffix`` once ``-<tag>`` is appended."""
MAX_RETRY_WAIT = 60.0
"""The longest ``Retry-After`` obeyed during an upload; a longer one ends the attempts."""

_STATUS = {"pending": "queued", "queued": "queued", "running": "running", "compressing": "running",
           "uploading": "running", "cancel_requested": "running", "cancelled": "cancelled", "error": "failed",
           "completed": "succeeded"}
"""Together's job statuses in the common vocabulary (``FINAL_JOB_STATUSES``)."""
_FILE_STATUS = {"COMPLETED": "processed", "INVALID_FORMAT": "error", "FAILED": "error"}
"""Anything else (``PENDING``, ``QUEUED``, ``RUNNING``, none yet) is still ``uploaded``."""


def tagged_suffix(suffix: str | None, tag: str | None) -> str | None:
    if tag and suffix:
        return f"{suffix}-{tag}"
    return tag or suffix


class TogetherProvider(SdkProvider):
    """A ``Provider`` over a ``together.Together`` client."""

    create_is_idempotent = False

    def __init__(self, client: Any, *, name: str = "together", secret: str | None = None,
                 check_files: bool = True, upload_attempts: int = 4, sleep: Callable[[float], None] = time.sleep):
        import together

        super().__init__(together, client, name=name, secret=secret)
        self.check_files = check_files
        self.upload_attempts = max(1, upload_attempts)
        self.sleep = sleep

    # ------------------------------------------------------------ files
    def upload_file(self, path: Path, *, on_progress: Callable[[UploadProgress], None] | None = None
                    ) -> RemoteFile:
        from together.lib.types.error import FileTypeError

        path = Path(path)
        size = path.stat().st_size
        report = on_progress or (lambda progress: None)
        report(UploadProgress(path.name, 0, size))

        def progress(event: Any) -> None:
            sent = getattr(event, "bytes_uploaded", None) or getattr(event, "uploaded_bytes", None)
            if isinstance(sent, int):
                report(UploadProgress(path.name, min(sent, size), size))
        # Together recognises a file it already has by its checksum (HTTP 409 with the
        # existing id; the SDK then returns that file), so sending an upload again after a
        # lost answer does not store a second copy: retried here, with Retry-After obeyed.
        client = self.client.with_options(max_retries=0)
        started = int(time.time()) - 60  # a minute of clock difference with the provider
        failed = False
        for attempt in range(1, self.upload_attempts + 1):
            try:
                with self._translate(f"upload {path.name}", creates=True):
                    try:
                        remote = _remote_file(client.files.upload(path, purpose="fine-tune", check=self.check_files,
                                                                  progress_callback=progress))
                    except FileTypeError as exc:
                        raise RequestRejected(f"{self.name}'s file check refused {path.name}: "
                                              f"{_check_summary(exc)}") from None
                break
            except TransientError as exc:
                failed = True
                wait = exc.retry_after if exc.retry_after is not None else min(0.5 * 2 ** (attempt - 1), 8.0)
                if attempt == self.upload_attempts or wait > MAX_RETRY_WAIT:
                    raise
                self.sleep(wait)
        if failed:  # an attempt that broke off may have registered a file that never got its bytes
            with contextlib.suppress(ProviderError):
                for extra in self.list_files():
                    if (extra.id != remote.id and extra.filename == path.name and extra.status != "processed"
                            and extra.bytes != size and (extra.created_at or 0) >= started):
                        with contextlib.suppress(ProviderError):
                            self.delete_file(extra.id)
        report(UploadProgress(path.name, size, size))
        return remote

    def retrieve_file(self, file_id: str) -> RemoteFile:
        with self._translate(f"check file {file_id}"):
            return _remote_file(self.client.files.retrieve(file_id))

    def delete_file(self, file_id: str) -> None:
        with self._translate(f"delete file {file_id}"):
            self.client.files.delete(file_id)

    def list_files(self, *, limit: int = 100) -> list[RemoteFile]:
        with self._translate("list files"):
            files = [_remote_file(item) for item in self.client.files.list().data]
        return sorted(files, key=lambda f: f.created_at or 0, reverse=True)[:limit]

    # ------------------------------------------------------------ jobs
    def create_job(self, spec: JobSpec) -> Job:
        kwargs: dict[str, Any] = {"training_file": spec.training_file_id, "model": spec.model,
                                  "training_method": "dpo" if spec.method == "dpo" else "sft"}
        if spec.method != "dpo":
            kwargs["train_on_inputs"] = "auto"  # Together's default, stated so the SDK does not log a warning
        hyper = spec.hyperparameters
        if "n_epochs" in hyper:
            kwargs["n_epochs"] = int(hyper["n_epochs"])
        if "batch_size" in hyper:
            kwargs["batch_size"] = int(hyper["batch_size"])
        if "learning_rate" in hyper:
            kwargs["learning_rate"] = float(hyper["learning_rate"])
        if spec.method == "dpo" and "beta" in hyper:
            kwargs["dpo_beta"] = float(hyper["beta"])
        if spec.validation_file_id:
            kwargs["validation_file"] = spec.validation_file_id
            kwargs["n_evals"] = 1
        if spec.training_type is not None:
            kwargs["lora"] = spec.training_type == "lora"
        suffix = tagged_suffix(spec.suffix, spec.tag)
        if suffix:
            kwargs["suffix"] = suffix
        if spec.seed is not None:
            kwargs["random_seed"] = spec.seed
        action = f"create a fine-tuning job for {spec.model}"
        # The model's limits are fetched first and on their own: a failure there certainly
        # created nothing, unlike a failure of the create itself.
        with self._translate(f"get the fine-tuning limits of {spec.model}"):
            kwargs["model_limits"] = self.client.fine_tuning.model_limits(model_name=spec.model)
        client = self.client.with_options(max_retries=0)  # a retried POST could start a second job
        with self._translate(action, creates=True):
            try:
                return _job(client.fine_tuning.create(**kwargs))
            except ValueError as exc:  # the SDK's own checks against the model's limits
                raise RequestRejected(f"{self.name} refused to {action}: {exc}") from None

    def retrieve_job(self, job_id: str) -> Job:
        with self._translate(f"get job {job_id}"):
            return _job(self.client.fine_tuning.retrieve(job_id))

    def list_jobs(self, *, limit: int = 20, metadata: dict[str, str] | None = None) -> list[Job]:
        with self._translate("list fine-tuning jobs"):
            jobs = [_job(item) for item in self.client.fine_tuning.list().data]
        return newest_jobs(jobs, limit=limit, metadata=metadata)

    def cancel_job(self, job_id: str) -> Job:
        with self._translate(f"cancel job {job_id}"):
            self.client.fine_tuning.cancel(job_id)
        return self.retrieve_job(job_id)

    def list_events(self, job_id: str, *, limit: int = 100) -> list[JobEvent]:
        with self._translate(f"get events of job {job_id}"):
            events = [_event(job_id, index, item)
                      for index, item in enumerate(self.client.fine_tuning.list_events(job_id).data)]
        with contextlib.suppress(RequestRejected), self._translate(f"get the loss of job {job_id}"):
            metrics = self.client.fine_tuning.list_metrics(job_id).metrics or []
            latest = max((event.created_at for event in events), default=0)
            events.extend(_loss_event(job_id, point, latest) for point in metrics
                          if "loss" in point or "train_loss" in point)
        events.sort(key=lambda e: (e.created_at, e.id))
        return events[-limit:]



def _check_summary(exc: Exception) -> str:
    text = str(exc)
    found = re.search(r"'message':\s*(['\"])(.*?)\1", text)
    return found.group(2) if found else text.splitlines()[0]


def _remote_file(obj: Any) -> RemoteFile:
    processing = getattr(obj, "processing_status", None)
    report = getattr(obj, "validation_report", None)
    details = getattr(report, "error", None) if report is not None else None
    if processing in ("INVALID_FORMAT", "FAILED") and not details:
        details = f"processing status {processing}"
    return RemoteFile(id=obj.id, filename=obj.filename, bytes=obj.bytes or 0,
                      status=_FILE_STATUS.get(processing or "", "uploaded"), status_details=details,
                      created_at=timestamp(getattr(obj, "created_at", None)) or None)


def _job(obj: Any) -> Job:
    suffix = getattr(obj, "suffix", None) or ""
    output = getattr(obj, "x_model_output_name", None) or ""
    found = TAG_PATTERN.search(suffix) or TAG_PATTERN.search(output)
    method = getattr(obj, "training_method", None)
    method_name = getattr(method, "method", None)
    epochs = getattr(obj, "n_epochs", None)
    # ``token_count`` is the tokenized training file, one epoch ("dataset token count" in
    # together 3.1.1 lib/types/fine_tuning.py); Together bills n_epochs x that, plus
    # n_evals x the validation file's tokens (docs.together.ai/docs/fine-tuning/pricing).
    tokens = getattr(obj, "token_count", None)
    status = _STATUS.get(obj.status, obj.status)
    events = getattr(obj, "events", None) or []
    error = next((e.message for e in reversed(events) if getattr(e, "type", None) == "job_error"), None)
    return Job(id=obj.id, status=status, model=getattr(obj, "model", None) or "",
               created_at=timestamp(getattr(obj, "created_at", None)),
               training_file=getattr(obj, "training_file", None) or "",
               validation_file=getattr(obj, "validation_file", None) or None,
               fine_tuned_model=output or None if status == "succeeded" else None,
               trained_tokens=tokens * epochs if isinstance(tokens, int) and isinstance(epochs, int) else None,
               finished_at=timestamp(getattr(obj, "updated_at", None)) if status in ("succeeded", "failed",
                                                                                       "cancelled") else None,
               n_epochs=epochs if isinstance(epochs, int) else None,
               method={"sft": "supervised", "dpo": "dpo"}.get(method_name or "", method_name),
               error_message=error if status == "failed" else None,
               tag=found.group(0) if found else None,
               billed_usd=_dollars(getattr(obj, "total_price", None)))


NANODOLLARS_PER_DOLLAR = Decimal(10**9)
"""``total_price`` is in nanodollars (the SDK's ``finetune_price_to_dollars`` divides by 10**9)."""


def _dollars(nanodollars: Any) -> Decimal | None:
    if isinstance(nanodollars, bool) or not isinstance(nanodollars, int) or nanodollars <= 0:
        return None  # 0 or nothing: no price computed yet (tokenization has not finished)
    return Decimal(nanodollars) / NANODOLLARS_PER_DOLLAR


def _event(job_id: str, index: int, obj: Any) -> JobEvent:
    data = {name: getattr(obj, name) for name in ("step", "total_steps", "token_count")
            if getattr(obj, name, None) is not None}
    level = getattr(obj, "level", None) or "info"
    return JobEvent(id=f"{job_id}-event-{index}", created_at=timestamp(obj.created_at),
                    level=level.replace("legacy_i", "").replace("legacy_", ""), message=obj.message,
                    type=getattr(obj, "type", None), data=data or None)


def _loss_event(job_id: str, point: dict[str, Any], latest: int) -> JobEvent:
    step = int(point.get("global_step", point.get("step", 0)))
    loss = point.get("loss", point.get("train_loss"))
    # Metric points may carry no time; they are then shown after the last event so far.
    when = timestamp(point.get("logged_at")) or latest
    return JobEvent(id=f"{job_id}-loss-{step}", created_at=when, level="info",
                    message=f"step {step}: training loss {loss:.4f}", type="metrics",
                    data={"step": step, "train_loss": loss})


def _build(settings: ConnectionSettings) -> TogetherProvider:
    import together

    environ = settings.environ
    key = require_api_key(settings.api_key, "together", "Together AI", "TOGETHER_API_KEY", environ)
    url = settings.base_url or environ.get("TOGETHER_BASE_URL") or None
    register_url_secrets(url)
    client = together.Together(api_key=key, base_url=url, timeout=settings.timeout, max_retries=settings.max_retries)
    return TogetherProvider(client, secret=key, **settings.options)


register(ProviderKind(
    name="together", label="Together AI", key_variable="TOGETHER_API_KEY", build=_build, pricing_provider="together",
    methods=("supervised", "dpo"),
    idempotency="no idempotency key: the job's suffix carries a tag of the file sha256 and settings digest, jobs are "
                "looked up by it before every create and again after a timeout, plus the local record",
    events="status and events", loss="yes: list_metrics (training loss per step)",
    cost_check="token_count x n_epochs compared with the estimate (kept in the local record: Together keeps no "
               "metadata), and Together's own price of the job (total_price)",
    learning_rate="absolute", suffix_max_chars=USER_SUFFIX_MAX_CHARS, limits_source="the together API"))
