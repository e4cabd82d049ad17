"""Fireworks AI through its official SDK (``fireworks-ai``, imported as ``fireworks``).

Fireworks takes caller-chosen ids, and that is the idempotency key here: the dataset id
is derived from the file's sha256 (``ftp-<sha256[:24]>``) and the job id from the data and
settings tag (``ftp-<18 hex>``). A re-run, or a create sent again after a lost answer,
finds the same dataset and job (creating an existing id answers HTTP 409, which is read as
"already there"). A job id that failed or was cancelled moves on to ``-r2``, ``-r3`` ...

Datasets up to 150 MB go up in one request (``datasets.upload``); larger ones through a
signed URL (``get_upload_endpoint``, a plain ``PUT`` that carries no Fireworks credentials,
then ``validate_upload``). Supervised jobs are ``supervisedFineTuningJobs``, DPO jobs
``dpoJobs``; a ``Job.id`` is the job's full resource name so either kind is found again.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from pricing import file_sha256

from ._base import ConnectionSettings, ProviderKind, register
from ._errors import (
    ProviderConfigError,
    ProviderError,
    RequestRejected,
    register_url_secrets,
)
from ._models import FINAL_JOB_STATUSES, Job, JobEvent, JobSpec, RemoteFile, UploadProgress
from ._secrets import require_api_key
from ._stainless import SdkProvider, newest_jobs, timestamp

__all__ = ["SIMPLE_UPLOAD_LIMIT", "FireworksProvider", "dataset_id_for", "job_id_for"]

SIMPLE_UPLOAD_LIMIT = 150 * 1024 * 1024
"""``datasets.upload`` "can handle file sizes up to 150Mb"; larger files use a signed URL."""
MAX_GENERATIONS = 20
"""Job ids tried per data and settings (``ftp-<tag>``, ``-r2`` ...) before giving up."""

_STATE = {"JOB_STATE_COMPLETED": "succeeded", "JOB_STATE_EARLY_STOPPED": "succeeded",
          "JOB_STATE_FAILED": "failed", "JOB_STATE_EXPIRED": "failed", "JOB_STATE_CANCELLED": "cancelled",
          "JOB_STATE_RUNNING": "running", "JOB_STATE_WRITING_RESULTS": "running", "JOB_STATE_CANCELLING": "running",
          "JOB_STATE_VALIDATING": "validating_files", "JOB_STATE_CREATING_INPUT_DATASET": "validating_files"}
"""Fireworks job states in the common vocabulary; the rest (creating, pending, ...) is ``queued``."""
_JOB_NAME = re.compile(r"accounts/([^/]+)/(supervisedFineTuningJobs|dpoJobs)/([^/]+)$")
_ID_TAG = re.compile(r"^ftp-([0-9a-f]{18})(?:-r\d+)?$")


def dataset_id_for(sha256: str) -> str:
    return f"ftp-{sha256[:24]}"


def job_id_for(tag: str, generation: int = 1) -> str:
    base = f"ftp-{tag.removeprefix('fp')}"
    return base if generation == 1 else f"{base}-r{generation}"


class FireworksProvider(SdkProvider):
    """A ``Provider`` over a ``fireworks.Fireworks`` client (``account_id`` set on it)."""

    create_is_idempotent = True

    def __init__(self, client: Any, *, name: str = "fireworks", secret: str | None = None,
                 simple_upload_limit: int = SIMPLE_UPLOAD_LIMIT, sleep: Callable[[float], None] = time.sleep):
        import fireworks

        super().__init__(fireworks, client, name=name, secret=secret)
        self.account_id = client.account_id
        self.simple_upload_limit = simple_upload_limit
        self.sleep = sleep

    # ------------------------------------------------------------ datasets
    def upload_file(self, path: Path, *, on_progress: Callable[[UploadProgress], None] | None = None
                    ) -> RemoteFile:
        path = Path(path)
        size = path.stat().st_size
        report = on_progress or (lambda progress: None)
        dataset_id = dataset_id_for(file_sha256(path))
        report(UploadProgress(path.name, 0, size))
        existing = self._get_dataset(dataset_id)
        if existing is not None and existing.status == "processed":
            # The id is the content's digest: the same bytes are already there (an earlier
            # run, or an attempt whose answer was lost).
            report(UploadProgress(path.name, size, size))
            return RemoteFile(existing.id, path.name, size, existing.status, created_at=existing.created_at)
        if existing is None:
            with open(path, "rb") as handle:
                examples = sum(1 for line in handle if line.strip())
            with self._translate(f"create dataset {dataset_id}", creates=True):
                try:
                    self.client.datasets.create(dataset_id=dataset_id, dataset={
                        "display_name": path.name, "example_count": str(examples), "user_uploaded": {},
                        "format": "CHAT"})
                except self._sdk.ConflictError:
                    pass  # made by an attempt whose answer was lost: upload into it
        # A dataset left half-uploaded by an interrupted run is uploaded into again: the
        # upload replaces its files, so nothing is left behind.
        if size <= self.simple_upload_limit:
            with self._translate(f"upload {path.name}"), open(path, "rb") as handle:
                self.client.datasets.upload(dataset_id, file=(path.name, handle))
        else:
            self._upload_signed(dataset_id, path, size)
        report(UploadProgress(path.name, size, size))
        remote = self.retrieve_file(dataset_id)
        return RemoteFile(remote.id, path.name, size, remote.status, remote.status_details, remote.created_at)

    def _upload_signed(self, dataset_id: str, path: Path, size: int) -> None:
        import httpx

        with self._translate(f"get an upload URL for {path.name}"):
            response = self.client.datasets.get_upload_endpoint(dataset_id, filename_to_size={path.name: str(size)})
        url = (response.filename_to_signed_urls or {}).get(path.name)
        if not url:
            raise ProviderError(f"{self.name} returned no upload URL for {path.name}")
        scheme = httpx.URL(url).scheme
        api_is_local_http = str(self.client.base_url).startswith(("http://127.0.0.1", "http://localhost"))
        if scheme != "https" and not api_is_local_http:
            raise ProviderError(f"{self.name} returned a non-https upload URL for {path.name}; not sending the data")
        # A plain client: the signed URL must never receive the Fireworks key.
        try:
            with httpx.Client(timeout=httpx.Timeout(600.0, connect=30.0)) as http, open(path, "rb") as handle:
                answer = http.put(url, content=handle, headers={
                    "Content-Type": "application/octet-stream", "X-Goog-Content-Length-Range": f"{size},{size}"})
        except httpx.HTTPError as exc:
            raise ProviderError(f"{self.name}: the upload of {path.name} failed ({exc.__class__.__name__})") from None
        if answer.status_code >= 300:
            raise ProviderError(f"{self.name}: the upload of {path.name} was refused (HTTP {answer.status_code})")
        with self._translate(f"validate the upload of {path.name}"):
            self.client.datasets.validate_upload(dataset_id, body={})

    def _get_dataset(self, dataset_id: str) -> RemoteFile | None:
        try:
            return self.retrieve_file(dataset_id)
        except RequestRejected as exc:
            if exc.status == 404:
                return None
            raise

    def retrieve_file(self, file_id: str) -> RemoteFile:
        with self._translate(f"check dataset {file_id}"):
            return _remote_file(self.client.datasets.get(_short(file_id)))

    def delete_file(self, file_id: str) -> None:
        with self._translate(f"delete dataset {file_id}"):
            self.client.datasets.delete(_short(file_id))

    def list_files(self, *, limit: int = 100) -> list[RemoteFile]:
        with self._translate("list datasets"):
            files = [_remote_file(item) for item in self.client.datasets.list(page_size=min(limit, 200))]
        return sorted(files, key=lambda f: f.created_at or 0, reverse=True)[:limit]

    # ------------------------------------------------------------ jobs
    def create_job(self, spec: JobSpec) -> Job:
        if not spec.tag:
            raise ProviderConfigError(f"{self.name}: a job needs its data-and-settings tag for its id")
        for generation in range(1, MAX_GENERATIONS + 1):
            job_id = job_id_for(spec.tag, generation)
            existing = self._find_job(job_id, spec.method)
            if existing is not None:
                if existing.status in ("failed", "cancelled"):
                    continue  # that attempt is over; the next id starts a fresh one
                return existing
            try:
                with self._translate(f"create a fine-tuning job for {spec.model}", creates=True):
                    return _job(self._create(job_id, spec))
            except RequestRejected as exc:
                if exc.status != 409:
                    raise
                found = self._find_job(job_id, spec.method)  # made by an attempt whose answer was lost
                if found is not None and found.status not in ("failed", "cancelled"):
                    return found
        raise RequestRejected(f"{self.name}: {MAX_GENERATIONS} jobs for this data and settings already ended; "
                              "change a setting to start another")

    def _create(self, job_id: str, spec: JobSpec) -> Any:
        client = self.client.with_options(max_retries=0)  # the caller decides about re-sending
        hyper = spec.hyperparameters
        dataset = self._dataset_name(spec.training_file_id)
        if spec.method == "dpo":
            config: dict[str, Any] = {"base_model": spec.model}
            if "n_epochs" in hyper:
                config["epochs"] = int(hyper["n_epochs"])
            if "learning_rate" in hyper:
                config["learning_rate"] = float(hyper["learning_rate"])
            if "batch_size" in hyper:
                config["batch_size_samples"] = int(hyper["batch_size"])
            kwargs: dict[str, Any] = {"dpo_job_id": job_id, "dataset": dataset, "training_config": config}
            if spec.suffix:
                kwargs["display_name"] = spec.suffix
            return client.dpo_jobs.create(**kwargs)
        kwargs = {"supervised_fine_tuning_job_id": job_id, "dataset": dataset, "base_model": spec.model}
        if "n_epochs" in hyper:
            kwargs["epochs"] = int(hyper["n_epochs"])
        if "learning_rate" in hyper:
            kwargs["learning_rate"] = float(hyper["learning_rate"])
        if "batch_size" in hyper:
            kwargs["batch_size_samples"] = int(hyper["batch_size"])
        if spec.validation_file_id:
            kwargs["evaluation_dataset"] = self._dataset_name(spec.validation_file_id)
        if spec.suffix:
            kwargs["display_name"] = spec.suffix
        return client.supervised_fine_tuning_jobs.create(**kwargs)

    def _dataset_name(self, dataset_id: str) -> str:
        return dataset_id if dataset_id.startswith("accounts/") else f"accounts/{self.account_id}/datasets/{dataset_id}"

    def _find_job(self, job_id: str, method: str) -> Job | None:
        kind = "dpoJobs" if method == "dpo" else "supervisedFineTuningJobs"
        try:
            return self.retrieve_job(f"accounts/{self.account_id}/{kind}/{job_id}")
        except RequestRejected as exc:
            if exc.status == 404:
                return None
            raise

    def _resource(self, job_id: str) -> tuple[Any, str]:
        found = _JOB_NAME.search(job_id)
        if found is None:
            return self.client.supervised_fine_tuning_jobs, job_id
        resource = self.client.dpo_jobs if found.group(2) == "dpoJobs" else self.client.supervised_fine_tuning_jobs
        return resource, found.group(3)

    def retrieve_job(self, job_id: str) -> Job:
        resource, short = self._resource(job_id)
        with self._translate(f"get job {job_id}"):
            return _job(resource.get(short))

    def list_jobs(self, *, limit: int = 20, metadata: dict[str, str] | None = None) -> list[Job]:
        jobs: list[Job] = []
        with self._translate("list fine-tuning jobs"):
            for resource in (self.client.supervised_fine_tuning_jobs, self.client.dpo_jobs):
                for count, item in enumerate(resource.list(page_size=min(max(limit, 1), 200))):
                    jobs.append(_job(item))
                    if count + 1 >= limit:
                        break
        return newest_jobs(jobs, limit=limit, metadata=metadata)

    def cancel_job(self, job_id: str) -> Job:
        resource, short = self._resource(job_id)
        with self._translate(f"cancel job {job_id}"):
            resource.cancel(short, body={})
        return self.retrieve_job(job_id)

    def list_events(self, job_id: str, *, limit: int = 100) -> list[JobEvent]:
        """Fireworks keeps no event list and reports no loss through its API (see ``_events``):
        what the job itself reports becomes the events."""
        resource, short = self._resource(job_id)
        with self._translate(f"get job {job_id}"):
            obj = resource.get(short)
        return _events(short, obj)[-limit:]



def _short(name: str) -> str:
    return name.rsplit("/", 1)[-1]


def _remote_file(obj: Any) -> RemoteFile:
    status = getattr(obj, "status", None)
    code = getattr(status, "code", None)
    if code not in (None, "", "OK"):
        state, details = "error", getattr(status, "message", None) or code
    else:
        state, details = ("processed" if getattr(obj, "state", None) == "READY" else "uploaded"), None
    # A dataset reports no byte size; 0 means "unknown" (``upload_file`` fills in the local size).
    return RemoteFile(id=_short(obj.name or ""), filename=obj.display_name or _short(obj.name or ""),
                      bytes=0, status=state, status_details=details,
                      created_at=timestamp(getattr(obj, "create_time", None)) or None)


def _events(short: str, obj: Any) -> list[JobEvent]:
    """The job's state with its status message, its progress (``jobProgress``: percent, epoch,
    input tokens; supervised jobs only) and Fireworks' own cost estimate (``estimatedCost``),
    as events whose ids change only when the reported values do.

    There is no loss here: a supervised job carries a ``metricsFileSignedUrl`` and a DPO job
    answers ``:getMetricsFileEndpoint`` with a signed URL, but the file's format is not
    documented (fireworks-ai 1.2.30 types; docs.fireworks.ai API reference), so it is not read."""
    state = getattr(obj, "state", None) or ""
    updated = timestamp(getattr(obj, "update_time", None) or getattr(obj, "create_time", None))
    message = getattr(getattr(obj, "status", None), "message", None) or f"state {state or 'unknown'}"
    level = "error" if _STATE.get(state) == "failed" else "info"
    events = [JobEvent(id=f"{short}-{state}-{updated}", created_at=updated, level=level, message=message,
                       type="status")]
    cost = _money(getattr(obj, "estimated_cost", None))
    if cost is not None:
        amount, currency = cost
        events.append(JobEvent(id=f"{short}-estimated-cost-{amount}", created_at=timestamp(
            getattr(obj, "create_time", None)) or updated, level="info",
            message=f"Fireworks estimates the job at {currency} {amount}", type="estimated_cost",
            data={"estimated_cost": str(amount), "currency": currency}))
    progress = getattr(obj, "job_progress", None)
    percent = getattr(progress, "percent", None)
    if isinstance(percent, int):
        epoch = getattr(progress, "epoch", None)
        tokens = getattr(progress, "input_tokens", None)
        text = f"progress {percent}%"
        if isinstance(epoch, int):
            text += f", epoch {epoch + 1}"  # Fireworks counts epochs from 0
        if isinstance(tokens, int):
            text += f", {tokens:,} input tokens processed"
        data = {"percent": percent, "epoch": epoch, "input_tokens": tokens}
        events.append(JobEvent(id=f"{short}-progress-{epoch}-{percent}", created_at=updated, level="info",
                               message=text, type="progress",
                               data={k: v for k, v in data.items() if v is not None}))
    return sorted(events, key=lambda event: (event.created_at, event.type != "status"))


def _money(value: Any) -> tuple[Decimal, str] | None:
    """``(amount, currency)`` from a google.type.Money (``units`` as a string, ``nanos``)."""
    if value is None:
        return None
    units, nanos = getattr(value, "units", None), getattr(value, "nanos", None)
    try:
        amount = Decimal(units or 0) + Decimal(nanos or 0) / Decimal(10**9)
    except (ArithmeticError, ValueError, TypeError):
        return None
    if amount <= 0:
        return None
    return amount, getattr(value, "currency_code", None) or "USD"


def _job(obj: Any) -> Job:
    name = obj.name or ""
    short = _short(name)
    found = _ID_TAG.match(short)
    config = getattr(obj, "training_config", None)
    base_model = getattr(obj, "base_model", None) or getattr(config, "base_model", None) or ""
    epochs = getattr(obj, "epochs", None) or getattr(config, "epochs", None)
    state = getattr(obj, "state", None) or ""
    status = _STATE.get(state, "queued")
    message = getattr(getattr(obj, "status", None), "message", None)
    output = getattr(obj, "output_model", None) or getattr(config, "output_model", None)
    return Job(id=name, status=status, model=base_model, created_at=timestamp(getattr(obj, "create_time", None)),
               training_file=_short(obj.dataset or ""),
               validation_file=_short(getattr(obj, "evaluation_dataset", None) or "") or None,
               fine_tuned_model=output if status == "succeeded" else None,
               finished_at=timestamp(getattr(obj, "completed_time", None)) or None if status in FINAL_JOB_STATUSES
               else None,
               n_epochs=epochs if isinstance(epochs, int) else None,
               method="dpo" if "/dpoJobs/" in name else "supervised",
               error_message=message if status == "failed" else None,
               tag=f"fp{found.group(1)}" if found else None)


def _build(settings: ConnectionSettings) -> FireworksProvider:
    import fireworks

    environ = settings.environ
    key = require_api_key(settings.api_key, "fireworks", "Fireworks AI", "FIREWORKS_API_KEY", environ)
    account = settings.account_id or environ.get("FIREWORKS_ACCOUNT_ID")
    if not account:
        raise ProviderConfigError("Fireworks AI needs the account id: pass --account-id or set FIREWORKS_ACCOUNT_ID.")
    url = settings.base_url or environ.get("FIREWORKS_BASE_URL") or None
    register_url_secrets(url)
    client = fireworks.Fireworks(api_key=key, account_id=account, base_url=url, timeout=settings.timeout,
                                 max_retries=settings.max_retries)
    return FireworksProvider(client, secret=key, **settings.options)


def _plan_problems(plan: Any) -> list[str]:
    """Settings Fireworks' supervised fine-tuning job does not have (``CreateSupervisedFineTuningJob``
    takes LoRA settings and no seed)."""
    problems = []
    if plan.training_type == "full":
        problems.append("fireworks fine-tunes LoRA adapters only; drop --training-type full")
    if plan.seed is not None:
        problems.append("--seed does not apply to fireworks")
    return problems


register(ProviderKind(
    name="fireworks", label="Fireworks AI", key_variable="FIREWORKS_API_KEY", build=_build,
    pricing_provider="fireworks", methods=("supervised", "dpo"),
    idempotency="caller-chosen ids: the dataset id from the file sha256, the job id from the file sha256 and "
                "settings digest; a create is simply sent again after a timeout",
    events="state and status message, progress (percent, epoch, input tokens) and Fireworks' cost estimate "
           "(estimatedCost); Fireworks has no event list",
    loss="no: the API only offers a metrics file (metricsFileSignedUrl) whose format is not documented",
    cost_check="none: a job reports no trained or billed token count (jobProgress.inputTokens is a progress "
               "counter, not documented as billed); Fireworks' own estimatedCost is shown instead",
    learning_rate="absolute", limits_source="the fireworks API", check_plan=_plan_problems))
