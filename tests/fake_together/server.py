"""A small, stateful stand-in for the parts of Together AI's API that the ``together`` SDK
(3.1.1) calls for fine-tuning, modelled on what the SDK sends and parses:

* ``POST /v1/files`` (multipart: purpose, file_name, file_type, checksum) answers ``302``
  with ``Location`` (where to ``PUT`` the bytes) and ``X-Together-File-Id``; a file whose
  checksum it already has answers ``409 {"file_id"}`` instead (the SDK then returns it).
* ``PUT /upload/<id>`` stores the bytes; ``POST /v1/files/<id>/preprocess`` starts the
  server-side validation: ``processing_status`` goes ``PENDING`` then ``COMPLETED`` (or
  ``INVALID_FORMAT`` with ``validation_report.error``) on the next ``GET``.
* ``GET /v1/fine-tunes/models/limits``, ``POST /v1/fine-tunes/estimate-price``,
  ``POST|GET /v1/fine-tunes``, ``GET /v1/fine-tunes/<id>`` (each GET advances the job one
  step: pending -> queued -> running -> completed), ``POST .../cancel``, ``GET .../events``,
  ``GET .../metrics``. Jobs keep no metadata; the suffix is all a caller can tag.

Faults: see ``fake_http``. Paths for faults are full paths, e.g. ``/v1/fine-tunes``.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import time
from dataclasses import dataclass, field

from fake_http import ApiError, HttpFake, parse_multipart, validate_chat_jsonl

DEFAULT_API_KEY = "tgp_v1_fakeTogetherKey0123456789abcdefXYZ"
MODELS = frozenset({"meta-llama/Meta-Llama-3.1-8B-Instruct-Reference", "Qwen/Qwen2.5-7B-Instruct", "openai/gpt-oss-20b"})
LIFECYCLE = ("pending", "queued", "running", "completed")
FINAL = frozenset({"completed", "error", "cancelled"})
NANODOLLARS_PER_TOKEN = 480
"""$0.48 per 1M tokens (Together's LoRA rate up to 16B)."""


@dataclass
class TogetherFile:
    id: str
    filename: str
    purpose: str
    checksum: str
    created_at: int
    content: bytes | None = None
    processing_status: str | None = None
    error: str | None = None
    examples: int = 0
    words: int = 0
    deleted: bool = False

    def as_json(self) -> dict:
        report = None
        if self.processing_status in ("COMPLETED", "INVALID_FORMAT"):
            report = {"valid": self.error is None, "file_id": self.id, "nlines": self.examples,
                      "error": self.error, "error_type": "INVALID_FORMAT" if self.error else None}
        return {"id": self.id, "object": "file", "bytes": len(self.content or b""), "created_at": self.created_at,
                "filename": self.filename, "purpose": self.purpose, "FileType": "jsonl",
                "processing_status": self.processing_status, "validation_report": report}


@dataclass
class TogetherJob:
    id: str
    model: str
    training_file: str
    validation_file: str | None
    params: dict
    created_at: int
    words: int
    status: str = "pending"
    fail: bool = False
    updated_at: int = 0
    events: list[dict] = field(default_factory=list)

    def as_json(self) -> dict:
        suffix = self.params.get("suffix")
        output = f"fakeuser/{self.model.split('/')[-1]}-{suffix or 'ft'}-{self.id[-6:]}"
        epochs = self.params.get("n_epochs", 1)
        return {"id": self.id, "status": self.status, "user_id": "user-fake", "model": self.model,
                "training_file": self.training_file, "validation_file": self.validation_file or "",
                "created_at": _iso(self.created_at), "updated_at": _iso(self.updated_at or self.created_at),
                "n_epochs": epochs, "suffix": suffix, "model_output_name": output,
                "batch_size": self.params.get("batch_size"), "learning_rate": self.params.get("learning_rate"),
                "training_method": self.params.get("training_method"), "training_type": self.params.get("training_type"),
                "token_count": self.words if self.status == "completed" else None,
                # Nanodollars, like the real API: token_count x epochs at $0.48 per 1M tokens.
                "total_price": self.words * epochs * NANODOLLARS_PER_TOKEN if self.status == "completed" else 0,
                "events": self.events}


def _iso(timestamp: int) -> str:
    from datetime import datetime, timezone

    return datetime.fromtimestamp(timestamp, tz=timezone.utc).isoformat().replace("+00:00", "Z")


class FakeTogether(HttpFake):
    name = "together"
    unauthenticated_prefixes = ("/upload/",)

    def __init__(self, *, api_key: str = DEFAULT_API_KEY, models: frozenset[str] = MODELS,
                 advance_on_poll: bool = True):
        super().__init__(api_key=api_key)
        self.models = models
        self.advance_on_poll = advance_on_poll
        self.files: dict[str, TogetherFile] = {}
        self.jobs: dict[str, TogetherJob] = {}
        self.fail_next_job = False
        self._ids = itertools.count(1)
        self._clock = itertools.count(1)

    @property
    def base_url(self) -> str:
        return self.root_url

    def live_files(self) -> list[TogetherFile]:
        return [f for f in self.files.values() if not f.deleted]

    def _now(self) -> int:
        # Wall-clock time like the real API (records are compared with local time), kept
        # strictly increasing so that list order is stable.
        return int(time.time()) + next(self._clock)

    def _event(self, job: TogetherJob, type_: str, message: str, level: str = "info", **data) -> None:
        job.events.append({"object": "fine-tune-event", "created_at": _iso(self._now()), "type": type_,
                           "message": message, "level": level, **data})

    def _step(self, job: TogetherJob) -> None:
        if job.status in FINAL:
            return
        job.updated_at = self._now()
        if job.status == "running" and job.fail:
            job.status = "error"
            self._event(job, "job_error", "Training failed: CUDA out of memory.", level="error")
            return
        job.status = LIFECYCLE[LIFECYCLE.index(job.status) + 1]
        if job.status == "running":
            self._event(job, "training_start", "Training started")
        elif job.status == "completed":
            self._event(job, "training_complete", "Training completed", token_count=job.words)
            self._event(job, "job_complete", "Job finished")

    # ----------------------------------------------------------------- routes
    def route(self, method, path, query, headers, body):
        if path == "/v1/files" and method == "POST":
            return self._register_file(headers, body)
        if path == "/v1/files" and method == "GET":
            files = sorted(self.live_files(), key=lambda f: f.created_at)
            return 200, {"data": [f.as_json() for f in files]}, {}
        if m := re.fullmatch(r"/upload/([^/]+)", path):
            stored = self.files.get(m[1])
            if method != "PUT" or stored is None:
                raise ApiError(404, "No such upload.")
            stored.content = body
            return 200, None, {}
        if m := re.fullmatch(r"/v1/files/([^/]+)/preprocess", path):
            stored = self._file(m[1])
            if stored.content is None:
                raise ApiError(400, f"File {stored.id} has no content yet.")
            stored.examples, stored.words, stored.error = validate_chat_jsonl(stored.content)
            stored.processing_status = "PENDING"
            return 200, stored.as_json(), {}
        if m := re.fullmatch(r"/v1/files/([^/]+)", path):
            stored = self._file(m[1])
            if method == "GET":
                if self.advance_on_poll and stored.processing_status == "PENDING":
                    stored.processing_status = "INVALID_FORMAT" if stored.error else "COMPLETED"
                return 200, stored.as_json(), {}
            if method == "DELETE":
                stored.deleted = True
                return 200, {"id": stored.id, "deleted": True}, {}
        if path == "/v1/fine-tunes/models/limits" and method == "GET":
            return 200, self._limits(query.get("model_name", "")), {}
        if path == "/v1/fine-tunes/estimate-price" and method == "POST":
            params = json.loads(body or b"{}")
            stored = self._file(params.get("training_file", ""))
            tokens = stored.words * int(params.get("n_epochs") or 1)
            return 200, {"estimation_available": True, "allowed_to_proceed": True,
                         "estimated_train_token_count": tokens, "estimated_total_price": tokens * 0.48 / 1e6}, {}
        if path == "/v1/fine-tunes":
            if method == "POST":
                return 200, self._create_job(json.loads(body or b"{}")), {}
            if method == "GET":
                jobs = sorted(self.jobs.values(), key=lambda j: j.created_at)
                return 200, {"data": [{k: v for k, v in j.as_json().items() if k != "events"} for j in jobs]}, {}
        if m := re.fullmatch(r"/v1/fine-tunes/([^/]+)(/[a-z]+)?", path):
            job = self.jobs.get(m[1])
            if job is None:
                raise ApiError(404, f"Fine-tune job {m[1]} not found.")
            action = m[2]
            if action is None and method == "GET":
                if self.advance_on_poll:
                    self._step(job)
                return 200, job.as_json(), {}
            if action == "/cancel" and method == "POST":
                if job.status in FINAL:
                    raise ApiError(400, f"Job {job.id} is already {job.status}.")
                job.status, job.updated_at = "cancelled", self._now()
                self._event(job, "cancel_requested", "Cancel requested")
                return 200, job.as_json(), {}
            if action == "/events" and method == "GET":
                return 200, {"data": job.events}, {}
            if action == "/metrics" and method == "GET":
                points = [] if job.status in ("pending", "queued") else [
                    {"global_step": step, "loss": round(2.0 / step, 4)} for step in (1, 2, 3)]
                return 200, {"metrics": points}, {}
        raise ApiError(404, f"Unknown route {method} {path}.")

    def _file(self, file_id: str) -> TogetherFile:
        stored = self.files.get(file_id)
        if stored is None or stored.deleted:
            raise ApiError(404, f"File {file_id} not found.")
        return stored

    def _register_file(self, headers, body: bytes):
        fields = parse_multipart(headers.get("Content-Type", ""), body)
        value = {name: content.decode() for name, (_, content) in fields.items()}
        if value.get("purpose") != "fine-tune":
            raise ApiError(400, f"Invalid purpose {value.get('purpose')!r}.")
        for stored in self.live_files():
            if stored.checksum == value.get("checksum") and stored.processing_status is not None:
                return 409, {"message": "File already exists", "file_id": stored.id}, {}
        file_id = f"file-{hashlib.sha256(str(next(self._ids)).encode()).hexdigest()[:24]}"
        self.files[file_id] = TogetherFile(file_id, value.get("file_name", "upload.jsonl"), "fine-tune",
                                           value.get("checksum", ""), self._now())
        return 302, None, {"Location": f"{self.root_url}/upload/{file_id}", "X-Together-File-Id": file_id}

    def _limits(self, model: str) -> dict:
        if model not in self.models:
            raise ApiError(404, f"Model {model} is not available for fine-tuning.")
        lora = {"default_rank": 16, "max_rank": 64, "max_batch_size": 96, "max_batch_size_dpo": 48,
                "min_batch_size": 8, "target_modules": ["q_proj", "v_proj"]}
        return {"model_name": model, "default_gradient_accumulation_steps": 1, "lora_training": lora,
                "full_training": {"max_batch_size": 96, "max_batch_size_dpo": 48, "min_batch_size": 8},
                "max_learning_rate": 1.0, "min_learning_rate": 0.0, "max_num_checkpoints": 10,
                "max_num_epochs": 20, "max_num_evals": 10, "max_seq_length_dpo": 8192, "max_seq_length_sft": 8192,
                "merge_output_lora": False, "min_max_seq_length": 512, "supports_full_training": True,
                "supports_reasoning": False, "supports_tools": True, "supports_vision": False}

    def _create_job(self, params: dict) -> dict:
        model = params.get("model", "")
        if model not in self.models:
            raise ApiError(400, f"Model {model} is not available for fine-tuning.")
        stored = self._file(params.get("training_file", ""))
        if stored.processing_status != "COMPLETED":
            raise ApiError(400, f"Training file {stored.id} is not validated ({stored.processing_status}).")
        suffix = params.get("suffix")
        if suffix is not None and len(suffix) > 40:
            raise ApiError(400, "Suffix must be at most 40 characters.")
        job_id = f"ft-{hashlib.sha256(str(next(self._ids)).encode()).hexdigest()[:8]}-fake"
        job = TogetherJob(job_id, model, stored.id, params.get("validation_file") or None, params, self._now(),
                          stored.words, fail=self.fail_next_job)
        self.fail_next_job = False
        self._event(job, "job_pending", "Fine-tune request created")
        self.jobs[job_id] = job
        return job.as_json()
