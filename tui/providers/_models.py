"""Plain value types the providers return, so callers never depend on SDK classes."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

__all__ = ["FINAL_JOB_STATUSES", "Job", "JobEvent", "JobSpec", "RemoteFile", "UploadProgress"]

FINAL_JOB_STATUSES = frozenset({"succeeded", "failed", "cancelled"})
"""Statuses after which a job never changes; everything else (validating_files, queued,
running, paused, ...) is still in progress."""


@dataclass(frozen=True)
class RemoteFile:
    id: str
    filename: str
    bytes: int
    status: str
    """``uploaded`` (still being checked), ``processed`` (ready) or ``error``."""
    status_details: str | None = None
    created_at: int | None = None


@dataclass(frozen=True)
class UploadProgress:
    filename: str
    sent_bytes: int
    total_bytes: int


@dataclass(frozen=True)
class JobSpec:
    """Everything needed to create a fine-tuning job from already uploaded files."""

    model: str
    training_file_id: str
    validation_file_id: str | None = None
    method: Literal["supervised", "dpo"] = "supervised"
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    """Only the explicitly chosen values (``n_epochs``, ``batch_size``,
    ``learning_rate_multiplier``, ``beta`` for DPO); omitted ones mean "auto"."""
    suffix: str | None = None
    seed: int | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    tag: str | None = None
    """A short digest of the data and settings, for providers that keep no metadata: Together
    appends it to the suffix, Fireworks derives the job id from it."""
    training_type: Literal["lora", "full"] | None = None
    """LoRA adapters or full fine-tuning, where the provider offers both (None: its default)."""


@dataclass(frozen=True)
class Job:
    id: str
    status: str
    model: str
    created_at: int
    training_file: str
    validation_file: str | None = None
    fine_tuned_model: str | None = None
    trained_tokens: int | None = None
    finished_at: int | None = None
    estimated_finish: int | None = None
    n_epochs: int | None = None
    """The epoch count the provider resolved, once known (``None`` while "auto")."""
    method: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    error_message: str | None = None
    tag: str | None = None
    """The ``JobSpec.tag`` read back from the job (suffix or id), when the provider keeps no
    metadata."""
    billed_usd: Decimal | None = None
    """The job's price in US dollars as the provider itself reports it (Together's
    ``total_price``), final once the job has ended; ``None`` where the provider reports none."""

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_JOB_STATUSES

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: money as a string, like everywhere else in ftpreflight."""
        return {name: str(value) if isinstance(value, Decimal) else value
                for name in self.__dataclass_fields__ for value in (getattr(self, name),)}


@dataclass(frozen=True)
class JobEvent:
    id: str
    created_at: int
    level: str
    message: str
    type: str | None = None
    data: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}
