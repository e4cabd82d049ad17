"""A small, stateful stand-in for the parts of the OpenAI HTTP API that ftpreflight uses.

It listens on 127.0.0.1 only, on a free port the OS picks, and is started by the tests
themselves. It validates requests roughly the way the real API does (API key, purpose,
JSONL content, at least 10 examples, model name) and moves jobs through
``validating_files -> queued -> running -> succeeded|failed`` one step at a time.
Time is controlled by the tests: each ``GET`` of a job (or of a file) advances it one
step when ``advance_on_poll`` is true, and ``advance()`` does it explicitly.

The server itself is ``fake_http.HttpFake`` (shared with the Together and Fireworks fakes).
Faults are queued with ``inject(...)`` and consumed by the first matching request; the error
replies use OpenAI's wording and error shape:

* ``"429"``  rate limit, with ``Retry-After`` and ``retry-after-ms`` headers (or only
  ``Retry-After: <retry_after>`` when the fault has ``retry_after``)
* ``"500"``, ``"503"``  server errors (with a short ``retry-after-ms``, or ``retry_after``)
* ``"401"``  rejected API key
* ``"403_training"`` OpenAI's wind-down refusal: HTTP 403 ``training_not_available``
* ``"echo"``  a badly behaved gateway: HTTP 400 whose message repeats the request URL and
  the bearer token
* ``"drop"`` read part of the request body, then close the connection without a reply
* ``"drop_after"`` handle the request fully (state changes happen), then close the
  connection without a reply
* ``"hang_after"`` handle the request fully (state changes happen), then wait
  ``hang_seconds`` and close without replying: the client sees a timeout although the
  server did the work.
* ``"hang_before"`` wait ``hang_seconds`` without doing anything, then close.

Other misbehaviour is configured on the server: ``keeps_metadata=False`` (a compatible
server that drops job metadata), ``unsupported_fields`` (create fields such as ``metadata``
or ``method`` it refuses with HTTP 400, and ``dpo`` for the method), ``list_lag`` (a job shows up in job lists only that many
seconds of ``clock`` after it was created) and ``upload_delay`` (each file upload takes that
long, so concurrent clients overlap).
"""

from __future__ import annotations

import itertools
import json
import re
import time
from dataclasses import dataclass, field

import fake_http
from fake_http import HttpFake, parse_multipart, wait_until

__all__ = ["DEFAULT_API_KEY", "ApiError", "FakeOpenAI", "parse_multipart", "wait_until"]

DEFAULT_API_KEY = "sk-test-fakeKEY0123456789abcdefABCDEF"

FINE_TUNABLE_MODELS = frozenset({
    "gpt-4o-mini-2024-07-18",
    "gpt-4o-2024-08-06",
    "gpt-4.1-2025-04-14",
    "gpt-4.1-mini-2025-04-14",
    "gpt-4.1-nano-2025-04-14",
    "gpt-3.5-turbo-0125",
})
MIN_EXAMPLES = 10
MAX_BODY_BYTES = 64 * 1024 * 1024
LIFECYCLE = ("validating_files", "queued", "running", "succeeded")
FINAL = frozenset({"succeeded", "failed", "cancelled"})


@dataclass
class StoredFile:
    id: str
    filename: str
    purpose: str
    content: bytes
    created_at: int
    status: str = "uploaded"
    examples: int = 0
    words: int = 0
    deleted: bool = False

    def as_json(self) -> dict:
        return {"id": self.id, "object": "file", "bytes": len(self.content), "created_at": self.created_at,
                "filename": self.filename, "purpose": self.purpose, "status": self.status,
                "status_details": None}


@dataclass
class StoredJob:
    id: str
    model: str
    training_file: str
    validation_file: str | None
    created_at: int
    method: dict
    hyperparameters: dict
    metadata: dict | None
    suffix: str | None
    seed: int
    training_words: int
    listed_from: float = 0.0
    status: str = "validating_files"
    fail: bool = False
    trained_tokens: int | None = None
    fine_tuned_model: str | None = None
    finished_at: int | None = None
    error: dict | None = None
    events: list[dict] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "id": self.id, "object": "fine_tuning.job", "created_at": self.created_at,
            "error": self.error, "fine_tuned_model": self.fine_tuned_model, "finished_at": self.finished_at,
            "hyperparameters": self.hyperparameters, "model": self.model, "organization_id": "org-fake",
            "result_files": [], "seed": self.seed, "status": self.status, "trained_tokens": self.trained_tokens,
            "training_file": self.training_file, "validation_file": self.validation_file,
            "estimated_finish": None if self.status in FINAL else self.created_at + 600,
            "integrations": [], "metadata": self.metadata, "method": self.method,
        }


class ApiError(fake_http.ApiError):
    """OpenAI's error shape: ``{"error": {"message", "type", "param", "code"}}``."""

    def __init__(self, status: int, message: str, *, code: str | None = None, param: str | None = None,
                 type_: str = "invalid_request_error"):
        super().__init__(status, message, type=type_, param=param, code=code)
        self.code, self.param, self.type = code, param, type_


class FakeOpenAI(HttpFake):
    """The server's state and controls. Use as a context manager, or ``start()``/``stop()``.
    Fault paths are below ``/v1`` (e.g. ``/fine_tuning/jobs``)."""

    name = "openai"
    max_body_bytes = MAX_BODY_BYTES

    def __init__(self, *, api_key: str = DEFAULT_API_KEY, advance_on_poll: bool = True,
                 models: frozenset[str] = FINE_TUNABLE_MODELS, retired_models: frozenset[str] = frozenset(),
                 supports_metadata_filter: bool = True, keeps_metadata: bool = True, list_lag: float = 0.0,
                 upload_delay: float = 0.0, clock=time.monotonic, unsupported_fields: frozenset[str] = frozenset()):
        super().__init__(api_key=api_key, clock=clock)
        self.unsupported_fields = unsupported_fields
        """Create-job fields refused with HTTP 400, like a compatible server that lacks them."""
        self.advance_on_poll = advance_on_poll
        self.models = models
        self.retired_models = retired_models
        self.supports_metadata_filter = supports_metadata_filter
        self.keeps_metadata = keeps_metadata
        self.list_lag = list_lag
        self.upload_delay = upload_delay
        self.files: dict[str, StoredFile] = {}
        self.jobs: dict[str, StoredJob] = {}
        self.uploads: dict[str, dict] = {}
        self.fail_next_job = False
        self._ids = itertools.count(1)
        self._clock = itertools.count(1_750_000_000, 7)

    @property
    def base_url(self) -> str:
        return f"{self.root_url}/v1"

    # ----------------------------------------------------------------- fake_http hooks
    def local_path(self, path: str) -> str:
        if "/v1/" in path or path.endswith("/v1"):  # OpenAI, or a gateway with a prefix before /v1
            path = path[path.index("/v1") + 3:]
        return path.removeprefix("/openai").rstrip("/") or "/"  # Azure

    def fault_error(self, kind: str, method: str, raw_path: str, headers) -> ApiError | None:
        if kind == "echo":
            token = (headers.get("Authorization") or "").removeprefix("Bearer ")
            return ApiError(400, f"Gateway refused {method} {raw_path} for credentials '{token}'.",
                            code="gateway_error")
        factory = _FAULT_ERRORS.get(kind)
        return factory() if factory else None

    def authorized(self, headers) -> bool:
        return ((headers.get("Authorization", "") or "") == f"Bearer {self.api_key}"
                or (headers.get("api-key", "") or "") == self.api_key)

    def unauthorized(self, headers) -> ApiError:
        shown = ((headers.get("Authorization", "") or "").removeprefix("Bearer ") or headers.get("api-key", "")
                 or "")[:8]
        return ApiError(401, f"Incorrect API key provided: {shown}****. You can find your API key at "
                        "https://platform.openai.com/account/api-keys.", code="invalid_api_key")

    def internal_error(self, exc: Exception) -> ApiError:
        return ApiError(500, f"fake server error: {exc!r}", type_="server_error")

    def before_route(self, method: str, path: str) -> None:
        if method == "POST" and path == "/files" and self.upload_delay:
            self._stopping.wait(self.upload_delay)

    # ----------------------------------------------------------------- controls
    def advance(self, job_id: str | None = None, steps: int = 1) -> None:
        with self._lock:
            targets = [self.jobs[job_id]] if job_id else list(self.jobs.values())
            for job in targets:
                for _ in range(steps):
                    self._step(job)

    def live_files(self) -> list[StoredFile]:
        return [f for f in self.files.values() if not f.deleted]

    def _now(self) -> int:
        return next(self._clock)

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}-fake{next(self._ids):06d}"

    # ----------------------------------------------------------------- state machine
    def _event(self, job: StoredJob, message: str, *, level: str = "info", type_: str = "message",
               data: dict | None = None) -> None:
        job.events.append({"id": f"ftevent-{job.id}-{len(job.events) + 1}", "object": "fine_tuning.job.event",
                           "created_at": self._now(), "level": level, "message": message, "type": type_,
                           "data": data or {}})

    def _step(self, job: StoredJob) -> None:
        if job.status in FINAL:
            return
        if job.status == "running" and job.fail:
            job.status, job.finished_at = "failed", self._now()
            job.error = {"code": "invalid_training_file", "message": "The job failed during training.",
                         "param": "training_file"}
            self._event(job, "The job failed during training.", level="error")
            return
        job.status = LIFECYCLE[LIFECYCLE.index(job.status) + 1]
        if job.status == "queued":
            self._event(job, "Files validated, moving job to queued state")
        elif job.status == "running":
            self._event(job, "Fine-tuning job started")
            for step in (1, 2, 3):
                self._event(job, f"Step {step}/3: training loss={1.0 / step:.2f}", type_="metrics",
                            data={"step": step, "total_steps": 3, "train_loss": round(1.0 / step, 4)})
        elif job.status == "succeeded":
            epochs = job.hyperparameters.get("n_epochs")
            epochs = epochs if isinstance(epochs, int) else 3
            job.hyperparameters = {**job.hyperparameters, "n_epochs": epochs}
            job.trained_tokens = job.training_words * epochs
            job.fine_tuned_model = f"ft:{job.model}:org-fake:{job.suffix or ''}:{job.id[-6:]}"
            job.finished_at = self._now()
            self._event(job, f"New fine-tuned model created: {job.fine_tuned_model}")
            self._event(job, "The job has successfully completed")

    # ----------------------------------------------------------------- endpoints
    def route(self, method: str, path: str, query: dict[str, str], headers, body: bytes):
        status, payload = self._handle(method, path, query, headers, body)
        return status, payload, {}

    def _handle(self, method: str, path: str, query: dict[str, str], headers, body: bytes) -> tuple[int, dict]:
        if method == "POST" and path == "/files":
            return 200, self._create_file(headers, body)
        if method == "GET" and path == "/files":
            files = sorted((f for f in self.files.values() if not f.deleted
                            and query.get("purpose") in (None, f.purpose)), key=lambda f: f.created_at,
                           reverse=query.get("order", "desc") == "desc")
            return 200, self._page([f.as_json() for f in files], query)
        if method == "POST" and path == "/uploads":
            return 200, self._create_upload(json.loads(body or b"{}"))
        if m := re.fullmatch(r"/uploads/([^/]+)/parts", path):
            if method == "POST":
                return 200, self._add_part(m[1], headers, body)
        if m := re.fullmatch(r"/uploads/([^/]+)/complete", path):
            if method == "POST":
                return 200, self._complete_upload(m[1], json.loads(body or b"{}"))
        if m := re.fullmatch(r"/uploads/([^/]+)/cancel", path):
            if method == "POST" and m[1] in self.uploads:
                upload = self.uploads[m[1]]
                upload["status"], upload["_parts"] = "cancelled", {}
                return 200, {k: v for k, v in upload.items() if not k.startswith("_")}
        if m := re.fullmatch(r"/files/([^/]+)", path):
            stored = self.files.get(m[1])
            if stored is None or stored.deleted:
                raise ApiError(404, f"No such File object: {m[1]}", param="id")
            if method == "GET":
                if self.advance_on_poll and stored.status == "uploaded":
                    stored.status = "processed"
                return 200, stored.as_json()
            if method == "DELETE":
                stored.deleted = True
                return 200, {"id": stored.id, "object": "file", "deleted": True}
        if path == "/fine_tuning/jobs":
            if method == "POST":
                return 200, self._create_job(json.loads(body or b"{}"))
            if method == "GET":
                return 200, self._list_jobs(query)
        if m := re.fullmatch(r"/fine_tuning/jobs/([^/]+)(/[a-z]+)?", path):
            job = self.jobs.get(m[1])
            if job is None:
                raise ApiError(404, f"Could not find fine-tuning job {m[1]}.", code="fine_tune_not_found")
            action = m[2]
            if action is None and method == "GET":
                if self.advance_on_poll:
                    self._step(job)
                return 200, job.as_json()
            if action == "/cancel" and method == "POST":
                if job.status in FINAL:
                    raise ApiError(400, f"Job {job.id} has already completed and cannot be cancelled.")
                job.status, job.finished_at = "cancelled", self._now()
                self._event(job, "Fine-tuning job cancelled")
                return 200, job.as_json()
            if action == "/events" and method == "GET":
                return 200, self._page(list(reversed(job.events)), query)
            if action == "/checkpoints" and method == "GET":
                return 200, {"object": "list", "data": [], "has_more": False}
        raise ApiError(404, f"Unknown request URL: {method} /v1{path}.", code="unknown_url")

    def _page(self, items: list[dict], query: dict[str, str]) -> dict:
        limit = max(1, min(int(query.get("limit", 20)), 100))
        after = query.get("after")
        if after:
            ids = [item["id"] for item in items]
            items = items[ids.index(after) + 1:] if after in ids else []
        return {"object": "list", "data": items[:limit], "has_more": len(items) > limit}

    def _validate_jsonl(self, filename: str, content: bytes) -> tuple[int, int]:
        if not filename.endswith(".jsonl"):
            raise ApiError(400, "Invalid file format for Fine-Tuning API. Must be .jsonl", param="file")
        examples = words = 0
        for number, line in enumerate(content.decode("utf-8", "replace").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError:
                raise ApiError(400, f"Invalid file format: line {number} is not valid JSON.",
                               param="file") from None
            if not isinstance(record, dict):
                raise ApiError(400, f"Invalid file format: line {number} is not a JSON object.", param="file")
            examples += 1
            words += len(json.dumps(record).split())
        return examples, words

    def _store_file(self, filename: str, purpose: str, content: bytes) -> StoredFile:
        if purpose != "fine-tune":
            raise ApiError(400, f"'{purpose}' is not one of the supported purposes.", param="purpose")
        examples, words = self._validate_jsonl(filename, content)
        stored = StoredFile(self._new_id("file"), filename, purpose, content, self._now(),
                            examples=examples, words=words)
        self.files[stored.id] = stored
        return stored

    def _create_file(self, headers, body: bytes) -> dict:
        fields = parse_multipart(headers.get("Content-Type", ""), body)
        if "file" not in fields:
            raise ApiError(400, "Missing required parameter: 'file'.", param="file")
        filename, content = fields["file"]
        purpose = fields.get("purpose", (None, b""))[1].decode()
        return self._store_file(filename or "upload", purpose, content).as_json()

    def _create_upload(self, params: dict) -> dict:
        upload = {"id": self._new_id("upload"), "object": "upload", "bytes": int(params.get("bytes", 0)),
                  "filename": params.get("filename", ""), "purpose": params.get("purpose", ""),
                  "created_at": self._now(), "expires_at": self._now() + 3600, "status": "pending",
                  "file": None, "_parts": {}}
        self.uploads[upload["id"]] = upload
        return {k: v for k, v in upload.items() if not k.startswith("_")}

    def _add_part(self, upload_id: str, headers, body: bytes) -> dict:
        upload = self.uploads.get(upload_id)
        if upload is None:
            raise ApiError(404, f"No such Upload: {upload_id}")
        fields = parse_multipart(headers.get("Content-Type", ""), body)
        part_id = self._new_id("part")
        upload["_parts"][part_id] = fields["data"][1]
        return {"id": part_id, "object": "upload.part", "created_at": self._now(), "upload_id": upload_id}

    def _complete_upload(self, upload_id: str, params: dict) -> dict:
        upload = self.uploads.get(upload_id)
        if upload is None:
            raise ApiError(404, f"No such Upload: {upload_id}")
        content = b"".join(upload["_parts"][part_id] for part_id in params.get("part_ids", []))
        if len(content) != upload["bytes"]:
            raise ApiError(400, f"Upload has {len(content)} bytes, expected {upload['bytes']}.")
        stored = self._store_file(upload["filename"], upload["purpose"], content)
        upload["status"], upload["file"] = "completed", stored.as_json()
        return {k: v for k, v in upload.items() if not k.startswith("_")}

    def _ready_file(self, file_id: str | None, param: str) -> StoredFile:
        stored = self.files.get(file_id or "")
        if stored is None or stored.deleted:
            raise ApiError(400, f"Invalid file ID: {file_id}", param=param)
        if stored.status != "processed":
            raise ApiError(400, f"File {file_id} is still being processed.", param=param,
                           code="file_not_ready")
        return stored

    def _create_job(self, params: dict) -> dict:
        model = params.get("model")
        if model in self.retired_models:
            raise ApiError(400, f"Fine-tuning is no longer available for model {model}.", param="model",
                           code="model_not_available")
        if model not in self.models:
            raise ApiError(400, f"Model {model} is not available for fine-tuning or does not exist.",
                           param="model", code="model_not_available")
        for name in sorted(self.unsupported_fields & set(params)):
            raise ApiError(400, f"Unrecognized request argument supplied: {name}", param=name)
        if "dpo" in self.unsupported_fields and (params.get("method") or {}).get("type") == "dpo":
            raise ApiError(400, "Invalid method type: dpo is not supported", param="method.type")
        training = self._ready_file(params.get("training_file"), "training_file")
        if training.examples < MIN_EXAMPLES:
            raise ApiError(400, f"Training file has {training.examples} example(s), but must have at least "
                           f"{MIN_EXAMPLES} examples", param="training_file", code="invalid_training_file")
        if params.get("validation_file"):
            self._ready_file(params["validation_file"], "validation_file")
        metadata = params.get("metadata")
        if metadata is not None:
            if not isinstance(metadata, dict) or len(metadata) > 16 or any(
                    not isinstance(v, str) or len(k) > 64 or len(v) > 512 for k, v in metadata.items()):
                raise ApiError(400, "Invalid metadata: at most 16 string pairs, keys <= 64 and values <= 512 "
                               "characters.", param="metadata")
        method = params.get("method") or {"type": "supervised", "supervised": {}}
        kind = method.get("type")
        if kind not in ("supervised", "dpo"):
            raise ApiError(400, f"Invalid method type: {kind}", param="method.type")
        hyperparameters = dict((method.get(kind) or {}).get("hyperparameters") or params.get("hyperparameters") or {})
        for name in ("n_epochs", "batch_size"):
            value = hyperparameters.get(name, "auto")
            if value != "auto" and (not isinstance(value, int) or value < 1):
                raise ApiError(400, f"Invalid value for {name}: {value!r}", param=f"hyperparameters.{name}")
        suffix = params.get("suffix")
        if suffix is not None and (len(suffix) > 64 or not re.fullmatch(r"[A-Za-z0-9_-]*", suffix)):
            raise ApiError(400, "Invalid suffix.", param="suffix")
        job = StoredJob(self._new_id("ftjob"), model, training.id, params.get("validation_file"), self._now(),
                        method={"type": kind, kind: {"hyperparameters": hyperparameters}},
                        hyperparameters=hyperparameters, metadata=metadata if self.keeps_metadata else None,
                        suffix=suffix, seed=int(params.get("seed") or 42), training_words=training.words,
                        listed_from=self.clock() + self.list_lag, fail=self.fail_next_job)
        self.fail_next_job = False
        self._event(job, f"Created fine-tuning job: {job.id}")
        self._event(job, f"Validating training file: {training.id}")
        self.jobs[job.id] = job
        return job.as_json()

    def _list_jobs(self, query: dict[str, str]) -> dict:
        now = self.clock()
        jobs = sorted((j for j in self.jobs.values() if j.listed_from <= now), key=lambda j: j.created_at,
                      reverse=True)
        wanted = {k[len("metadata["):-1]: v for k, v in query.items() if k.startswith("metadata[")}
        if wanted and self.supports_metadata_filter:
            jobs = [j for j in jobs if all((j.metadata or {}).get(k) == v for k, v in wanted.items())]
        return self._page([j.as_json() for j in jobs], query)


_FAULT_ERRORS = {
    "429": lambda: ApiError(429, "Rate limit reached for requests.", type_="requests", code="rate_limit_exceeded"),
    "500": lambda: ApiError(500, "The server had an error while processing your request.", type_="server_error"),
    "503": lambda: ApiError(503, "The engine is currently overloaded, please try again later.",
                            type_="server_error"),
    "401": lambda: ApiError(401, "Incorrect API key provided.", code="invalid_api_key"),
    "403_training": lambda: ApiError(403, "OpenAI is winding down the fine-tuning platform. Creating fine-tuning "
                                     "jobs is no longer available to your organization.",
                                     code="training_not_available"),
}
"""The error faults this fake adds to ``fake_http``'s (``401``, ``403_training``), in OpenAI's wording."""
