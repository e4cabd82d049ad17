"""A small, stateful stand-in for the parts of Fireworks AI's API that the ``fireworks-ai``
SDK (1.2.30) calls for fine-tuning, modelled on what the SDK sends and parses:

* ``POST /v1/accounts/<a>/datasets`` (``{"datasetId", "dataset"}``; HTTP 409 for an id that
  exists), ``GET``/``DELETE .../datasets/<id>``, ``GET .../datasets``;
* ``POST .../datasets/<id>:upload`` (multipart ``file``, up to 150 MB) and the signed-URL
  path: ``:getUploadEndpoint`` -> ``PUT`` to the URL -> ``:validateUpload``. A dataset is
  ``UPLOADING`` until its content is validated, then ``READY`` (or carries an error status);
* ``POST .../supervisedFineTuningJobs?supervisedFineTuningJobId=<id>`` and
  ``.../dpoJobs?dpoJobId=<id>`` (HTTP 409 for an id that exists), ``GET`` one (each GET
  advances it: CREATING -> VALIDATING -> RUNNING -> COMPLETED), list, ``POST ...:cancel``.
  Supervised jobs carry ``estimatedCost`` (google.type.Money) and, once running,
  ``jobProgress`` (percent, epoch from 0, inputTokens); like the real API, no event list
  and no loss.

Faults: see ``fake_http``; paths are full, e.g. ``/v1/accounts/acme/datasets``.
"""

from __future__ import annotations

import itertools
import json
import re
import time
from dataclasses import dataclass
from datetime import datetime, timezone

from fake_http import ApiError, HttpFake, parse_multipart, validate_chat_jsonl

DEFAULT_API_KEY = "fw_fakeFireworksKey0123456789abcdefGHIJ"
ACCOUNT = "acme-labs"
MODELS = frozenset({"accounts/fireworks/models/llama-v3p1-8b-instruct", "accounts/fireworks/models/gpt-oss-20b"})
LIFECYCLE = ("JOB_STATE_CREATING", "JOB_STATE_VALIDATING", "JOB_STATE_RUNNING", "JOB_STATE_COMPLETED")
FINAL = frozenset({"JOB_STATE_COMPLETED", "JOB_STATE_FAILED", "JOB_STATE_CANCELLED"})
KINDS = {"supervisedFineTuningJobs": "supervisedFineTuningJobId", "dpoJobs": "dpoJobId"}
NANODOLLARS_PER_TOKEN = 500
"""$0.50 per 1M tokens (Fireworks' LoRA rate up to 16B), for the fake's ``estimatedCost``."""


def _iso(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).isoformat().replace("+00:00", "Z")


@dataclass
class FwDataset:
    id: str
    account: str
    display_name: str
    created_at: int
    content: bytes | None = None
    state: str = "UPLOADING"
    error: str | None = None
    examples: int = 0
    words: int = 0

    def as_json(self) -> dict:
        data = {"name": f"accounts/{self.account}/datasets/{self.id}", "displayName": self.display_name,
                "createTime": _iso(self.created_at), "state": self.state, "exampleCount": str(self.examples),
                "format": "CHAT"}
        if self.error:
            data["status"] = {"code": "INVALID_ARGUMENT", "message": self.error}
        return data


@dataclass
class FwJob:
    id: str
    kind: str
    account: str
    params: dict
    created_at: int
    state: str = "JOB_STATE_CREATING"
    fail: bool = False
    completed_at: int | None = None
    message: str | None = None
    words: int = 0
    """The dataset's size, for the fake's cost estimate and progress counts."""

    @property
    def name(self) -> str:
        return f"accounts/{self.account}/{self.kind}/{self.id}"

    def as_json(self) -> dict:
        data = {**self.params, "name": self.name, "state": self.state, "createTime": _iso(self.created_at)}
        if self.completed_at:
            data["completedTime"] = _iso(self.completed_at)
        if self.state == "JOB_STATE_COMPLETED":
            model = f"accounts/{self.account}/models/{self.id}"
            if self.kind == "dpoJobs":
                data["trainingConfig"] = {**data.get("trainingConfig", {}), "outputModel": model}
            else:
                data["outputModel"] = model
        if self.message:
            data["status"] = {"code": "INTERNAL" if self.state == "JOB_STATE_FAILED" else "OK", "message": self.message}
        if self.kind == "supervisedFineTuningJobs":  # DpoJob has neither field (fireworks-ai 1.2.30)
            epochs = int(self.params.get("epochs") or 1)
            nanos = self.words * epochs * NANODOLLARS_PER_TOKEN
            data["estimatedCost"] = {"currencyCode": "USD", "units": str(nanos // 10**9), "nanos": nanos % 10**9}
            if self.state in ("JOB_STATE_RUNNING", "JOB_STATE_COMPLETED"):
                done = self.state == "JOB_STATE_COMPLETED"
                data["jobProgress"] = {"percent": 100 if done else 50, "epoch": epochs - 1 if done else 0,
                                       "inputTokens": self.words * epochs if done else self.words // 2}
        return data


class FakeFireworks(HttpFake):
    name = "fireworks"
    unauthenticated_prefixes = ("/upload/",)

    def __init__(self, *, api_key: str = DEFAULT_API_KEY, account: str = ACCOUNT, models: frozenset[str] = MODELS,
                 advance_on_poll: bool = True):
        super().__init__(api_key=api_key)
        self.account = account
        self.models = models
        self.advance_on_poll = advance_on_poll
        self.datasets: dict[str, FwDataset] = {}
        self.jobs: dict[str, FwJob] = {}
        self.fail_next_job = False
        self._clock = itertools.count(1)

    @property
    def base_url(self) -> str:
        return self.root_url

    def _now(self) -> int:
        return int(time.time()) + next(self._clock)

    def _step(self, job: FwJob) -> None:
        if job.state in FINAL:
            return
        if job.state == "JOB_STATE_RUNNING" and job.fail:
            job.state, job.completed_at, job.message = "JOB_STATE_FAILED", self._now(), "Training diverged."
            return
        job.state = LIFECYCLE[LIFECYCLE.index(job.state) + 1]
        if job.state == "JOB_STATE_COMPLETED":
            job.completed_at = self._now()

    def _validate(self, dataset: FwDataset) -> None:
        examples, words, problem = validate_chat_jsonl(dataset.content or b"")
        dataset.examples, dataset.words = examples, words
        if problem is None and examples < 3:
            problem = f"the dataset has {examples} examples; at least 3 are required"
        dataset.error = problem
        dataset.state = "UPLOADING" if problem else "READY"

    # ----------------------------------------------------------------- routes
    def route(self, method, path, query, headers, body):
        if m := re.fullmatch(r"/upload/signed/([^/]+)/([^/]+)", path):
            dataset = self.datasets.get(m[1])
            if method != "PUT" or dataset is None:
                raise ApiError(404, "No such upload.")
            if headers.get("Authorization"):
                raise ApiError(400, "Signed URLs must not carry credentials.")
            dataset.content = body
            return 200, None, {}
        m = re.fullmatch(r"/v1/accounts/([^/]+)/(.*)", path)
        if m is None:
            raise ApiError(404, f"Unknown route {method} {path}.")
        if m[1] != self.account:
            raise ApiError(403, f"Account {m[1]} is not accessible with this key.")
        rest = m[2]
        if rest == "datasets":
            if method == "POST":
                params = json.loads(body or b"{}")
                dataset_id = params.get("datasetId", "")
                if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,62}", dataset_id):
                    raise ApiError(400, f"Invalid dataset id {dataset_id!r}.")
                if dataset_id in self.datasets:
                    raise ApiError(409, f"Dataset {dataset_id} already exists.")
                info = params.get("dataset") or {}
                self.datasets[dataset_id] = FwDataset(dataset_id, self.account, info.get("displayName", dataset_id),
                                                      self._now())
                return 200, self.datasets[dataset_id].as_json(), {}
            if method == "GET":
                return 200, {"datasets": [d.as_json() for d in self.datasets.values()], "nextPageToken": ""}, {}
        if d := re.fullmatch(r"datasets/([^/:]+)(:[A-Za-z]+)?", rest):
            dataset = self.datasets.get(d[1])
            if dataset is None:
                raise ApiError(404, f"Dataset {d[1]} not found.")
            action = d[2]
            if action is None and method == "GET":
                return 200, dataset.as_json(), {}
            if action is None and method == "DELETE":
                del self.datasets[d[1]]
                return 200, {}, {}
            if action == ":upload" and method == "POST":
                fields = parse_multipart(headers.get("Content-Type", ""), body)
                filename, content = fields["file"]
                dataset.content = content
                self._validate(dataset)
                return 200, {"id": dataset.id, "bytes": len(content), "filename": filename, "object": "file"}, {}
            if action == ":getUploadEndpoint" and method == "POST":
                names = json.loads(body or b"{}").get("filenameToSize", {})
                urls = {name: f"{self.root_url}/upload/signed/{dataset.id}/{name}" for name in names}
                return 200, {"filenameToSignedUrls": urls}, {}
            if action == ":validateUpload" and method == "POST":
                if dataset.content is None:
                    raise ApiError(400, f"Dataset {dataset.id} has no uploaded file.")
                self._validate(dataset)
                return 200, {}, {}
        if (k := re.fullmatch(r"(supervisedFineTuningJobs|dpoJobs)", rest)) is not None:
            kind = k[1]
            if method == "POST":
                return 200, self._create_job(kind, query.get(KINDS[kind], ""), json.loads(body or b"{}")), {}
            if method == "GET":
                jobs = [j.as_json() for j in self.jobs.values() if j.kind == kind]
                return 200, {kind: jobs, "nextPageToken": ""}, {}
        if j := re.fullmatch(r"(supervisedFineTuningJobs|dpoJobs)/([^/:]+)(:cancel)?", rest):
            job = self.jobs.get(f"{j[1]}/{j[2]}")
            if job is None:
                raise ApiError(404, f"Job {j[2]} not found.")
            if j[3] == ":cancel" and method == "POST":
                if job.state in FINAL:
                    raise ApiError(400, f"Job {job.id} already ended.")
                job.state, job.completed_at = "JOB_STATE_CANCELLED", self._now()
                return 200, {}, {}
            if j[3] is None and method == "GET":
                if self.advance_on_poll:
                    self._step(job)
                return 200, job.as_json(), {}
        raise ApiError(404, f"Unknown route {method} {path}.")

    def _create_job(self, kind: str, job_id: str, params: dict) -> dict:
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,62}", job_id or ""):
            raise ApiError(400, f"Invalid job id {job_id!r}.")
        if f"{kind}/{job_id}" in self.jobs:
            raise ApiError(409, f"Job {job_id} already exists.")
        base_model = params.get("baseModel") or (params.get("trainingConfig") or {}).get("baseModel")
        if base_model not in self.models:
            raise ApiError(400, f"Model {base_model} is not supported for fine-tuning.")
        dataset_name = params.get("dataset", "")
        dataset = self.datasets.get(dataset_name.rsplit("/", 1)[-1])
        if dataset is None or dataset.state != "READY":
            raise ApiError(400, f"Dataset {dataset_name} is not ready.")
        job = FwJob(job_id, kind, self.account, params, self._now(), fail=self.fail_next_job, words=dataset.words)
        self.fail_next_job = False
        self.jobs[f"{kind}/{job_id}"] = job
        return job.as_json()
