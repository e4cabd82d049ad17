"""The provider interface and its implementation over the ``openai`` SDK, for OpenAI itself,
Azure OpenAI (``AzureOpenAI``) and other OpenAI-compatible endpoints (``base_url``).

Every SDK exception is translated into the ``ProviderError`` family at this boundary, so
callers see one-sentence, key-free messages and never an SDK type."""

from __future__ import annotations

import contextlib
import os
import time
from datetime import date
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openai

from ._errors import (
    CredentialsError,
    ProviderConfigError,
    ProviderError,
    RequestRejected,
    TrainingNotAvailable,
    TransientError,
    register_secret,
    register_url_secrets,
)
from ._models import Job, JobEvent, JobSpec, RemoteFile, UploadProgress
from ._base import ConnectionSettings, ProviderKind, register
from ._secrets import require_api_key
from ._stainless import translate

__all__ = ["OPENAI_LAST_JOB_CREATION", "OpenAIProvider"]
CHUNKED_UPLOAD_THRESHOLD = 64 * 1024 * 1024
"""Files larger than this go through the Uploads API in parts (with per-part progress)."""
PART_SIZE = 64 * 1024 * 1024
MAX_LIST_PAGES = 20
"""Upper bound on pages fetched when listing jobs, so a huge history cannot hang us."""
OPENAI_LAST_JOB_CREATION = date(2027, 1, 6)
"""OpenAI's wind-down: "Active existing customers will no longer be able to create new
fine-tuning jobs on this date" (row "Jan 6, 2027", "Update to OpenAI's self-serve
fine-tuning", https://developers.openai.com/api/docs/deprecations, notice of May 7, 2026).
Organizations that were not active fine-tuning customers lost job creation earlier, which
is why the refusal can arrive before this date."""
UPLOAD_ATTEMPTS = 4
"""Upload attempts. Uploads are retried here, not by the SDK, because an upload whose answer
was lost may still have stored the file: each retry first looks for it (see ``upload_file``)."""
MAX_RETRY_WAIT = 60.0
"""The longest wait obeyed from a ``Retry-After`` header; a longer one ends the retries."""
TRAINING_NOT_AVAILABLE = "training_not_available"
"""The error code of OpenAI's HTTP 403 refusal to create jobs during the wind-down."""


def _refused_field(exc: ProviderError) -> str | None:
    """``metadata`` or ``method`` when a 400 names that field as the problem."""
    text = str(exc).lower()
    for name in ("metadata", "method"):
        if exc.param == name or exc.param == f"method.{name}" or (
                f"'{name}'" in text or f'"{name}"' in text or f" {name} " in f" {text} ".replace(":", " ")):
            return name
    return None


class OpenAIProvider:
    """A ``Provider`` over an ``openai.OpenAI`` (or ``AzureOpenAI``) client.

    ``chunked_upload_threshold`` and ``part_size`` choose when the Uploads API is used;
    ``None`` threshold means never (Azure)."""

    def __init__(self, client: openai.OpenAI, *, name: str = "openai",
                 chunked_upload_threshold: int | None = CHUNKED_UPLOAD_THRESHOLD, part_size: int = PART_SIZE,
                 secret: str | None = None, upload_attempts: int = UPLOAD_ATTEMPTS,
                 sleep: Callable[[float], None] = time.sleep, optional_fields: bool = False):
        self.name = name
        self.create_is_idempotent = False
        self.optional_fields = optional_fields
        """True for compatible endpoints: a create refused because of ``metadata`` (or, for
        supervised jobs, the ``method`` object) is sent again without it. A 400 means no job
        was made, so re-sending cannot duplicate one."""
        self.notes: list[str] = []
        """What was left out of a create for this endpoint, one sentence each."""
        self.upload_attempts = max(1, upload_attempts)
        self.sleep = sleep
        self.client = client
        self.chunked_upload_threshold = chunked_upload_threshold
        self.part_size = part_size
        self._secret = secret or (client.api_key if isinstance(client.api_key, str) else None)
        register_secret(self._secret)
        register_url_secrets(str(getattr(client, "base_url", "") or ""))

    def __enter__(self) -> OpenAIProvider:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ error mapping
    @contextlib.contextmanager
    def _translate(self, action: str, *, creates: bool = False) -> Iterator[None]:
        """The SDK's errors as ours (``_stainless.translate``: the openai SDK is built like
        Together's and Fireworks'), plus OpenAI's wind-down refusal."""
        try:
            with translate(openai, self.name, action, creates=creates):
                yield
        except CredentialsError as exc:
            if exc.status == 403 and (exc.code == TRAINING_NOT_AVAILABLE or TRAINING_NOT_AVAILABLE in str(exc)):
                raise TrainingNotAvailable(
                    f"{self.name} refused to {action} (HTTP 403 {TRAINING_NOT_AVAILABLE}): OpenAI is winding down "
                    "self-serve fine-tuning and no longer accepts new jobs from this organization (from "
                    f"{OPENAI_LAST_JOB_CREATION.isoformat()} it accepts none at all)",
                    status=403, code=TRAINING_NOT_AVAILABLE, param=exc.param) from None
            raise
        except openai.OpenAIError as exc:  # not an API error (translate maps those)
            raise ProviderError(f"{self.name}: {action} failed: {exc}") from None

    # ------------------------------------------------------------ files
    def upload_file(self, path: Path, *, on_progress: Callable[[UploadProgress], None] | None = None
                    ) -> RemoteFile:
        path = Path(path)
        size = path.stat().st_size
        report = on_progress or (lambda progress: None)
        # Files present before the first attempt; anything new with this name and size that
        # appears later came from one of our attempts (the per-file lock keeps other
        # ftpreflight runs of the same data out meanwhile).
        before: set[str] | None
        try:
            before = {remote.id for remote in self.list_files()}
        except CredentialsError:
            raise
        except ProviderError:  # no listing (an older Azure API version): no adoption either
            before = None
        failure: TransientError | None = None
        remote: RemoteFile | None = None
        for attempt in range(1, self.upload_attempts + 1):
            report(UploadProgress(path.name, 0, size))
            try:
                remote = self._upload_once(path, size, report)
                break
            except TransientError as exc:
                failure = exc
            # The request may have stored the file although no answer came back: adopt it
            # rather than upload a second copy nobody would know about.
            with contextlib.suppress(ProviderError):
                found = self._new_copies(path.name, size, before)
                if found:
                    remote = found[0]
                    break
            if attempt < self.upload_attempts:
                wait = failure.retry_after
                if wait is not None and wait > MAX_RETRY_WAIT:
                    break
                self.sleep(wait if wait is not None else min(0.5 * 2 ** (attempt - 1), MAX_RETRY_WAIT))
        if remote is None:
            assert failure is not None
            raise failure
        if failure is not None:  # a retry happened: remove copies an unanswered attempt stored
            with contextlib.suppress(ProviderError):
                for extra in self._new_copies(path.name, size, before):
                    if extra.id != remote.id:
                        with contextlib.suppress(ProviderError):
                            self.delete_file(extra.id)
        report(UploadProgress(path.name, size, size))
        return remote

    def _new_copies(self, filename: str, size: int, before: set[str] | None) -> list[RemoteFile]:
        """Files with this name and size that were not there before, newest first."""
        if before is None:
            return []
        return [remote for remote in self.list_files()
                if remote.id not in before and remote.filename == filename and remote.bytes == size
                and remote.status != "error"]

    def _upload_once(self, path: Path, size: int, report: Callable[[UploadProgress], None]) -> RemoteFile:
        if self.chunked_upload_threshold is not None and size > self.chunked_upload_threshold:
            return self._upload_in_parts(path, size, report)
        client = self.client.with_options(max_retries=0)
        with self._translate(f"upload {path.name}"), path.open("rb") as handle:
            return _remote_file(client.files.create(file=(path.name, handle), purpose="fine-tune"))

    def _upload_in_parts(self, path: Path, size: int, report: Callable[[UploadProgress], None]) -> RemoteFile:
        with self._translate(f"upload {path.name}"):
            upload = self.client.uploads.create(bytes=size, filename=path.name, mime_type="application/jsonl",
                                                purpose="fine-tune")
        try:
            with self._translate(f"upload {path.name}"):
                part_ids: list[str] = []
                sent = 0
                with path.open("rb") as handle:
                    while chunk := handle.read(self.part_size):
                        part = self.client.uploads.parts.create(upload.id, data=chunk)
                        part_ids.append(part.id)
                        sent += len(chunk)
                        report(UploadProgress(path.name, sent, size))
                completed = self.client.uploads.complete(upload.id, part_ids=part_ids)
        except (ProviderError, OSError):
            # A half-sent upload keeps its parts on the provider until it expires; cancel it so
            # nothing is left behind (a completed-but-unanswered upload is swept by the caller).
            with contextlib.suppress(ProviderError), self._translate(f"cancel upload {upload.id}"):
                self.client.uploads.cancel(upload.id)
            raise
        if completed.file is None:
            raise ProviderError(f"{self.name}: the upload of {path.name} completed without a file")
        return _remote_file(completed.file)

    def retrieve_file(self, file_id: str) -> RemoteFile:
        with self._translate(f"check file {file_id}"):
            return _remote_file(self.client.files.retrieve(file_id))

    def delete_file(self, file_id: str) -> None:
        with self._translate(f"delete file {file_id}"):
            self.client.files.delete(file_id)

    def list_files(self, *, limit: int = 100) -> list[RemoteFile]:
        with self._translate("list files"):
            page = self.client.files.list(purpose="fine-tune", limit=min(max(limit, 1), 10_000), order="desc")
            return [_remote_file(item) for item in page.data][:limit]

    # ------------------------------------------------------------ jobs
    def create_job(self, spec: JobSpec) -> Job:
        method: dict[str, Any] = {"type": spec.method}
        if spec.hyperparameters:
            method[spec.method] = {"hyperparameters": dict(spec.hyperparameters)}
        kwargs: dict[str, Any] = {"model": spec.model, "training_file": spec.training_file_id, "method": method}
        if spec.validation_file_id:
            kwargs["validation_file"] = spec.validation_file_id
        if spec.suffix:
            kwargs["suffix"] = spec.suffix
        if spec.seed is not None:
            kwargs["seed"] = spec.seed
        if spec.metadata:
            kwargs["metadata"] = dict(spec.metadata)
        # No SDK retry here: a retried POST after a timeout could start a second job.
        action = f"create a fine-tuning job for {spec.model}"
        for _ in range(3):
            try:
                with self._translate(action, creates=True):
                    return _job(self.client.with_options(max_retries=0).fine_tuning.jobs.create(**kwargs))
            except RequestRejected as exc:
                if isinstance(exc, TrainingNotAvailable) or not self.optional_fields or exc.status not in (400, 422):
                    raise
                refused = _refused_field(exc)
                if refused == "metadata" and "metadata" in kwargs:
                    del kwargs["metadata"]
                    self.notes.append(f"{self.name} does not accept job metadata, so the job was created without "
                                      "it; only the local record finds it again")
                    continue
                if refused == "method" and "method" in kwargs:
                    if spec.method != "supervised":
                        raise RequestRejected(f"{self.name} does not support the {spec.method} fine-tuning method "
                                              f"(HTTP {exc.status}): {exc}", status=exc.status, code=exc.code,
                                              param=exc.param) from None
                    del kwargs["method"]
                    if spec.hyperparameters:
                        kwargs["hyperparameters"] = dict(spec.hyperparameters)
                    self.notes.append(f"{self.name} does not accept the `method` field, so the supervised job was "
                                      "created with the older top-level hyperparameters")
                    continue
                raise
        raise RequestRejected(f"{self.name} refused to {action}")

    def retrieve_job(self, job_id: str) -> Job:
        with self._translate(f"get job {job_id}"):
            return _job(self.client.fine_tuning.jobs.retrieve(job_id))

    def list_jobs(self, *, limit: int = 20, metadata: dict[str, str] | None = None) -> list[Job]:
        found: list[Job] = []
        with self._translate("list fine-tuning jobs"):
            kwargs: dict[str, Any] = {"limit": min(max(limit, 1), 100)}
            if metadata:
                kwargs["metadata"] = dict(metadata)
            page = self.client.fine_tuning.jobs.list(**kwargs)
            for _ in range(MAX_LIST_PAGES):
                for item in page.data:
                    job = _job(item)
                    if not metadata or all(job.metadata.get(k) == v for k, v in metadata.items()):
                        found.append(job)
                if len(found) >= limit or not page.has_next_page():
                    break
                page = page.get_next_page()
        return found[:limit]

    def cancel_job(self, job_id: str) -> Job:
        with self._translate(f"cancel job {job_id}"):
            return _job(self.client.fine_tuning.jobs.cancel(job_id))

    def list_events(self, job_id: str, *, limit: int = 100) -> list[JobEvent]:
        with self._translate(f"get events of job {job_id}"):
            page = self.client.fine_tuning.jobs.list_events(job_id, limit=min(max(limit, 1), 100))
            events = [_event(item) for item in page.data]
        return sorted(events, key=lambda e: (e.created_at, e.id))

    def close(self) -> None:
        self.client.close()


def _remote_file(obj: Any) -> RemoteFile:
    return RemoteFile(id=obj.id, filename=obj.filename, bytes=obj.bytes, status=obj.status,
                      status_details=getattr(obj, "status_details", None),
                      created_at=getattr(obj, "created_at", None))


def _job(obj: Any) -> Job:
    n_epochs = None
    method_type = None
    hyper = getattr(obj, "hyperparameters", None)
    method = getattr(obj, "method", None)
    if method is not None:
        method_type = method.type
        detail = getattr(method, method.type, None)
        if detail is not None and getattr(detail, "hyperparameters", None) is not None:
            hyper = detail.hyperparameters
    if hyper is not None and isinstance(getattr(hyper, "n_epochs", None), int):
        n_epochs = hyper.n_epochs
    error = getattr(obj, "error", None)
    return Job(id=obj.id, status=obj.status, model=obj.model, created_at=obj.created_at,
               training_file=obj.training_file, validation_file=obj.validation_file,
               fine_tuned_model=obj.fine_tuned_model, trained_tokens=obj.trained_tokens,
               finished_at=obj.finished_at, estimated_finish=getattr(obj, "estimated_finish", None),
               n_epochs=n_epochs, method=method_type, metadata=dict(obj.metadata or {}),
               error_message=getattr(error, "message", None) if error else None)


def _event(obj: Any) -> JobEvent:
    data = obj.data if isinstance(obj.data, dict) else None
    return JobEvent(id=obj.id, created_at=obj.created_at, level=obj.level, message=obj.message,
                    type=getattr(obj, "type", None), data=data)


def _build_openai(settings: ConnectionSettings) -> OpenAIProvider:
    environ = settings.environ
    key = require_api_key(settings.api_key, "openai", "OpenAI", "OPENAI_API_KEY", environ)
    url = settings.base_url or environ.get("OPENAI_BASE_URL") or None
    register_url_secrets(url)
    client = openai.OpenAI(api_key=key, base_url=url,
                           organization=settings.organization or environ.get("OPENAI_ORG_ID") or None,
                           project=settings.project or environ.get("OPENAI_PROJECT_ID") or None,
                           timeout=settings.timeout, max_retries=settings.max_retries)
    return OpenAIProvider(client, name="openai", secret=key, **settings.options)


def _build_azure(settings: ConnectionSettings) -> OpenAIProvider:
    environ = settings.environ
    key = require_api_key(settings.api_key, "azure", "Azure OpenAI", "AZURE_OPENAI_API_KEY", environ)
    endpoint = settings.azure_endpoint or environ.get("AZURE_OPENAI_ENDPOINT")
    register_url_secrets(endpoint)
    register_url_secrets(settings.base_url)
    version = settings.api_version or environ.get("OPENAI_API_VERSION")
    if not endpoint and not settings.base_url:
        raise ProviderConfigError("Azure OpenAI needs an endpoint: pass --azure-endpoint or set "
                                  "AZURE_OPENAI_ENDPOINT.")
    if not version:
        raise ProviderConfigError("Azure OpenAI needs an API version: pass --api-version or set "
                                  "OPENAI_API_VERSION (fine-tuning needs 2024-10-21 or later).")
    client = openai.AzureOpenAI(api_key=key, azure_endpoint=None if settings.base_url else endpoint,
                                base_url=settings.base_url, api_version=version, timeout=settings.timeout,
                                max_retries=settings.max_retries)
    options = dict(settings.options)
    options.setdefault("chunked_upload_threshold", None)
    return OpenAIProvider(client, name="azure", secret=key, **options)


OPENAI_COMPATIBLE_KEY_VARIABLE = "OPENAI_COMPATIBLE_API_KEY"
"""The compatible endpoint's own key variable: an OpenAI key must never be sent to another
company's server by accident."""


def _build_openai_compatible(settings: ConnectionSettings) -> OpenAIProvider:
    environ = settings.environ
    url = settings.base_url or environ.get("OPENAI_COMPATIBLE_BASE_URL") or None
    register_url_secrets(url)
    if not url:
        raise ProviderConfigError("--provider openai-compatible needs the endpoint: pass --base-url URL (for "
                                  "example https://api.tokenfactory.nebius.com/v1/) or set "
                                  "OPENAI_COMPATIBLE_BASE_URL.")
    key = require_api_key(settings.api_key, "openai-compatible", "OpenAI-compatible endpoint",
                          OPENAI_COMPATIBLE_KEY_VARIABLE, environ)
    client = openai.OpenAI(api_key=key, base_url=url, timeout=settings.timeout, max_retries=settings.max_retries)
    options = dict(settings.options)
    # Compatible servers rarely implement the multi-part Uploads API; one request per file.
    options.setdefault("chunked_upload_threshold", None)
    options.setdefault("optional_fields", True)
    return OpenAIProvider(client, name="openai-compatible", secret=key, **options)


register(ProviderKind(
    name="openai", label="OpenAI", key_variable="OPENAI_API_KEY", build=_build_openai, pricing_provider="openai",
    methods=("supervised", "dpo"),
    idempotency="job metadata (file sha256 + settings digest) looked up before every create, plus the local record",
    events="status and events", loss="yes: the events' metrics (step, training loss)",
    cost_check="trained_tokens compared with the estimate"))
register(ProviderKind(
    name="azure", label="Azure OpenAI", key_variable="AZURE_OPENAI_API_KEY", build=_build_azure,
    pricing_provider="azure_openai", methods=("supervised", "dpo"),
    idempotency="job metadata (file sha256 + settings digest) looked up before every create, plus the local record",
    events="status and events", loss="yes: the events' metrics (step, training loss)",
    cost_check="trained_tokens compared with the estimate"))
register(ProviderKind(
    name="openai-compatible", label="OpenAI-compatible endpoint", key_variable=OPENAI_COMPATIBLE_KEY_VARIABLE,
    build=_build_openai_compatible, pricing_provider=None, methods=("supervised", "dpo"),
    idempotency="job metadata when the endpoint keeps it, else the local record (a warning says so)",
    events="status, and events where the endpoint implements them",
    loss="where the endpoint's events carry metrics",
    cost_check="trained_tokens, when the endpoint reports it, compared with the estimate (kept in the local "
               "record when the endpoint drops metadata)"))
