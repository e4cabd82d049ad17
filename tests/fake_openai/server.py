"""A small, stateful stand-in for the parts of the OpenAI HTTP API that ftpreflight uses.

It listens on 127.0.0.1 only, on a free port the OS picks, and is started by the tests
themselves. It validates requests roughly the way the real API does (API key, purpose,
JSONL content, at least 10 examples, model name) and moves jobs through
``validating_files -> queued -> running -> succeeded|failed`` one step at a time.
Time is controlled by the tests: each ``GET`` of a job (or of a file) advances it one
step when ``advance_on_poll`` is true, and ``advance()`` does it explicitly.

Faults are queued with ``inject(...)`` and consumed by the first matching request:

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
import threading
import time
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

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
class Fault:
    kind: str
    method: str
    path_prefix: str
    times: int = 1
    hang_seconds: float = 2.0
    retry_after: str | None = None


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


class ApiError(Exception):
    def __init__(self, status: int, message: str, *, code: str | None = None, param: str | None = None,
                 type_: str = "invalid_request_error"):
        super().__init__(message)
        self.status, self.message, self.code, self.param, self.type = status, message, code, param, type_

    def body(self) -> dict:
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}


class FakeOpenAI:
    """The server's state and controls. Use as a context manager, or ``start()``/``stop()``."""

    def __init__(self, *, api_key: str = DEFAULT_API_KEY, advance_on_poll: bool = True,
                 models: frozenset[str] = FINE_TUNABLE_MODELS, retired_models: frozenset[str] = frozenset(),
                 supports_metadata_filter: bool = True, keeps_metadata: bool = True, list_lag: float = 0.0,
                 upload_delay: float = 0.0, clock=time.monotonic, unsupported_fields: frozenset[str] = frozenset()):
        self.api_key = api_key
        self.unsupported_fields = unsupported_fields
        """Create-job fields refused with HTTP 400, like a compatible server that lacks them."""
        self.advance_on_poll = advance_on_poll
        self.models = models
        self.retired_models = retired_models
        self.supports_metadata_filter = supports_metadata_filter
        self.keeps_metadata = keeps_metadata
        self.list_lag = list_lag
        self.upload_delay = upload_delay
        self.clock = clock
        self.files: dict[str, StoredFile] = {}
        self.jobs: dict[str, StoredJob] = {}
        self.uploads: dict[str, dict] = {}
        self.requests: list[tuple[str, str]] = []
        self.fail_next_job = False
        self._faults: list[Fault] = []
        self._ids = itertools.count(1)
        self._clock = itertools.count(1_750_000_000, 7)
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ----------------------------------------------------------------- lifecycle
    @property
    def base_url(self) -> str:
        assert self._httpd is not None, "server not started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> FakeOpenAI:
        handler = type("BoundHandler", (_Handler,), {"fake": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-openai", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ----------------------------------------------------------------- controls
    def inject(self, kind: str, method: str = "", path_prefix: str = "", *, times: int = 1,
               hang_seconds: float = 2.0, retry_after: str | None = None) -> None:
        """Make the next ``times`` requests matching ``method`` and ``path_prefix`` (below
        ``/v1``, e.g. ``/fine_tuning/jobs``; a regular expression when it starts with ``^``)
        fail with ``kind``."""
        with self._lock:
            self._faults.append(Fault(kind, method.upper(), path_prefix, times, hang_seconds, retry_after))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def advance(self, job_id: str | None = None, steps: int = 1) -> None:
        with self._lock:
            targets = [self.jobs[job_id]] if job_id else list(self.jobs.values())
            for job in targets:
                for _ in range(steps):
                    self._step(job)

    def live_files(self) -> list[StoredFile]:
        return [f for f in self.files.values() if not f.deleted]

    def count(self, method: str, path_prefix: str) -> int:
        return sum(1 for m, p in self.requests if m == method and p.startswith(path_prefix))

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                where = fault.path_prefix
                matches = re.match(where, path) if where.startswith("^") else path.startswith(where)
                if (not fault.method or fault.method == method) and matches:
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

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
    def handle(self, method: str, path: str, query: dict[str, str], headers, body: bytes) -> tuple[int, dict]:
        auth = headers.get("Authorization", "") or ""
        api_key_header = headers.get("api-key", "") or ""
        if auth != f"Bearer {self.api_key}" and api_key_header != self.api_key:
            shown = (auth.removeprefix("Bearer ") or api_key_header)[:8]
            raise ApiError(401, f"Incorrect API key provided: {shown}****. You can find your API key at "
                           "https://platform.openai.com/account/api-keys.", code="invalid_api_key")
        with self._lock:
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


def parse_multipart(content_type: str, body: bytes) -> dict[str, tuple[str | None, bytes]]:
    """Map each form field name to ``(filename, content)``."""
    if not content_type.startswith("multipart/form-data"):
        raise ApiError(400, "Expected a multipart/form-data body.")
    message = BytesParser(policy=policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body)
    fields: dict[str, tuple[str | None, bytes]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name:
            fields[str(name)] = (part.get_filename(), part.get_payload(decode=True) or b"")
    return fields


class _Handler(BaseHTTPRequestHandler):
    fake: FakeOpenAI
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # keep test output quiet
        pass

    def _dispatch(self) -> None:
        fake = self.fake
        split = urlsplit(self.path)
        path = split.path
        if "/v1/" in path or path.endswith("/v1"):  # OpenAI, or a gateway with a prefix before /v1
            path = path[path.index("/v1") + 3:]
        path = path.removeprefix("/openai").rstrip("/") or "/"  # Azure
        query = dict(parse_qsl(split.query))
        fake.requests.append((self.command, path))
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            self._reply(413, ApiError(413, "Request body too large.").body())
            return
        fault = fake._take_fault(self.command, path)
        if fault and fault.kind == "drop":
            self.rfile.read(min(length, 512))
            self.close_connection = True
            self.connection.shutdown(2)
            return
        body = self.rfile.read(length) if length else b""
        if fault and fault.kind == "hang_before":
            fake._stopping.wait(fault.hang_seconds)
            self.close_connection = True
            return
        if fault and fault.kind in ("429", "500", "503", "401", "403_training", "echo"):
            error = {"429": ApiError(429, "Rate limit reached for requests.", type_="requests",
                                     code="rate_limit_exceeded"),
                     "500": ApiError(500, "The server had an error while processing your request.",
                                     type_="server_error"),
                     "503": ApiError(503, "The engine is currently overloaded, please try again later.",
                                     type_="server_error"),
                     "401": ApiError(401, "Incorrect API key provided.", code="invalid_api_key"),
                     "403_training": ApiError(403, "OpenAI is winding down the fine-tuning platform. Creating "
                                              "fine-tuning jobs is no longer available to your organization.",
                                              code="training_not_available"),
                     "echo": ApiError(400, f"Gateway refused {self.command} {self.path} for credentials "
                                      f"'{(self.headers.get('Authorization') or '').removeprefix('Bearer ')}'.",
                                      code="gateway_error"),
                     }[fault.kind]
            extra = {}
            if fault.kind in ("429", "500", "503"):
                extra = ({"Retry-After": fault.retry_after} if fault.retry_after is not None
                         else {"Retry-After": "1", "retry-after-ms": "20"})
            self._reply(error.status, error.body(), extra)
            return
        if self.command == "POST" and path == "/files" and fake.upload_delay:
            fake._stopping.wait(fake.upload_delay)
        try:
            status, payload = fake.handle(self.command, path, query, self.headers, body)
        except ApiError as exc:
            status, payload = exc.status, exc.body()
        except Exception as exc:  # a bug in the fake must show up as a 500, not a hung client
            status, payload = 500, ApiError(500, f"fake server error: {exc!r}", type_="server_error").body()
        if fault and fault.kind in ("hang_after", "drop_after"):
            if fault.kind == "hang_after":
                fake._stopping.wait(fault.hang_seconds)
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self._reply(status, payload)

    def _reply(self, status: int, payload: dict, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_DELETE = _dispatch


def wait_until(predicate, timeout: float = 5.0, interval: float = 0.01) -> bool:
    """Poll ``predicate`` until it is true or ``timeout`` passes; for tests."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())
