"""The provider interface, and the registry that finds an implementation by name.

A provider is a context manager over one SDK client. Each implementation lives in its own
module (``_openai``, ``_together``, ``_fireworks``) and translates its SDK's exceptions into
the ``ProviderError`` family in one place (its ``_translate``), so callers never see an SDK
type or an API key.

Implementations register a ``ProviderKind`` with ``register``; ``make_provider(name)``
builds one and ``provider_kinds()`` lists them (for ``--provider`` and the app's picker).
The SDK of a provider is imported only when that provider is built.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from ._errors import ProviderConfigError
from ._models import Job, JobEvent, JobSpec, RemoteFile, UploadProgress

__all__ = ["DEFAULT_TIMEOUT", "ConnectionSettings", "Provider", "ProviderKind", "make_provider", "provider_kinds",
           "register"]

DEFAULT_TIMEOUT = 120.0
"""Seconds per request; uploads of big files go in parts, so this bounds each part too."""


@runtime_checkable
class Provider(Protocol):
    """What ftpreflight needs from a fine-tuning provider. Methods raise ``ProviderError``.

    ``create_is_idempotent`` is true when sending the same ``create_job`` twice cannot make
    two jobs (the provider takes a caller-chosen id or an idempotency token): the submission
    may then re-send a create whose outcome is unknown instead of only looking for it."""

    name: str
    create_is_idempotent: bool

    def upload_file(self, path: Path, *, on_progress: Callable[[UploadProgress], None] | None = None
                    ) -> RemoteFile: ...
    def retrieve_file(self, file_id: str) -> RemoteFile: ...
    def delete_file(self, file_id: str) -> None: ...
    def list_files(self, *, limit: int = 100) -> list[RemoteFile]:
        """Recent fine-tuning files, newest first (used to find uploads a retry left behind)."""
    def create_job(self, spec: JobSpec) -> Job:
        """Create a job with no automatic retry: a timeout raises ``OutcomeUnknown`` so the
        caller can look the job up instead of risking a duplicate."""
    def retrieve_job(self, job_id: str) -> Job: ...
    def list_jobs(self, *, limit: int = 20, metadata: dict[str, str] | None = None) -> list[Job]:
        """Newest first. ``metadata`` filters on the server when supported and always
        client-side as well."""
    def cancel_job(self, job_id: str) -> Job: ...
    def list_events(self, job_id: str, *, limit: int = 100) -> list[JobEvent]:
        """The newest ``limit`` events, oldest first."""
    def close(self) -> None: ...
    def __enter__(self) -> "Provider": ...
    def __exit__(self, *exc: object) -> None: ...


@dataclass(frozen=True)
class ConnectionSettings:
    """Everything a builder may need; each provider reads the fields it understands."""

    api_key: str | None = None
    base_url: str | None = None
    organization: str | None = None
    project: str | None = None
    azure_endpoint: str | None = None
    api_version: str | None = None
    account_id: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    max_retries: int = 3
    environ: dict[str, str] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    """Keyword arguments for the provider class (upload thresholds, ``sleep`` ...)."""


@dataclass(frozen=True)
class ProviderKind:
    """One entry of the registry: what ``--provider NAME`` builds, and what it guarantees."""

    name: str
    label: str
    key_variable: str
    """The environment variable the API key comes from (else the OS keyring: service
    ``ftpreflight``, user ``name``)."""
    build: Callable[[ConnectionSettings], Provider]
    pricing_provider: str | None
    """The price-table provider whose rows this provider trains (``None``: any table)."""
    methods: tuple[str, ...]
    idempotency: str
    """One sentence for the README and ``--help``: how a re-run finds its job."""
    events: str
    """What ``jobs --watch`` / ``--events`` shows while the job runs."""
    loss: str
    """Whether (and from where) the training loss is shown."""
    cost_check: str
    """What the provider reports after the job to compare with the estimate."""
    learning_rate: str = "multiplier"
    """``multiplier``: the OpenAI API shape (``--lr-multiplier``, no ``--training-type``);
    ``absolute``: an absolute learning rate and LoRA/full (``--learning-rate``)."""
    suffix_max_chars: int = 64
    """The longest ``--suffix`` the provider takes (after anything ftpreflight appends)."""
    limits_source: str = "the OpenAI API reference"
    """Where the job-setting limits come from, named when a setting is refused."""
    check_plan: Callable[[Any], list[str]] | None = None
    """The provider's own refusals of a submission's settings (phrases naming the flag),
    beyond the shared limits; given the ``SubmissionPlan``."""

    @property
    def key_sources(self) -> str:
        """Where the API key is looked for, in order (for the README and ``--help``)."""
        return f"`{self.key_variable}`, then the OS keyring (user `{self.name}`)"


_REGISTRY: dict[str, ProviderKind] = {}


def register(kind: ProviderKind) -> ProviderKind:
    _REGISTRY[kind.name] = kind
    return kind


def provider_kinds() -> tuple[ProviderKind, ...]:
    """Registered providers in registration order (OpenAI first): for ``--provider`` choices
    and the app's provider picker."""
    _load_builtin()
    return tuple(_REGISTRY.values())


def get_kind(name: str) -> ProviderKind:
    _load_builtin()
    kind = _REGISTRY.get(name)
    if kind is None:
        raise ProviderConfigError(f"Unknown provider {name!r}: use one of {', '.join(_REGISTRY)}.")
    return kind


def _load_builtin() -> None:
    # Importing the modules registers them; each imports its SDK lazily, inside ``build``.
    from . import _openai, _together, _fireworks  # noqa: F401,I001  (registration order = listing order)


def make_provider(kind: str = "openai", *, api_key: str | None = None, base_url: str | None = None,
                  organization: str | None = None, project: str | None = None,
                  azure_endpoint: str | None = None, api_version: str | None = None,
                  account_id: str | None = None, timeout: float = DEFAULT_TIMEOUT, max_retries: int = 3,
                  environ: dict[str, str] | None = None, **provider_options: Any) -> Provider:
    """Build the provider registered as ``kind``. The key comes from ``api_key``, else the
    provider's environment variable, else the OS keyring; it (and any credential in the base
    URL) is registered for redaction before anything can fail. Raises ``CredentialsError``
    when there is none and ``ProviderConfigError`` for incomplete settings."""
    entry = get_kind(kind)
    settings = ConnectionSettings(api_key=api_key, base_url=base_url, organization=organization, project=project,
                                  azure_endpoint=azure_endpoint, api_version=api_version, account_id=account_id,
                                  timeout=timeout, max_retries=max_retries,
                                  environ=dict(os.environ if environ is None else environ),
                                  options=dict(provider_options))
    return entry.build(settings)
