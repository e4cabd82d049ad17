"""Fine-tuning providers (OpenAI, Azure OpenAI, OpenAI-compatible endpoints, Together AI,
Fireworks AI) behind one small interface (``_base.Provider``), found by name through a
registry. No Textual here: the CLI and the app share these calls."""

from ._errors import (
    CredentialsError,
    ModelNotAvailable,
    OutcomeUnknown,
    ProviderConfigError,
    ProviderError,
    RequestRejected,
    TrainingNotAvailable,
    TransientError,
    redact,
    register_secret,
    register_url_secrets,
)
from ._models import FINAL_JOB_STATUSES, Job, JobEvent, JobSpec, RemoteFile, UploadProgress
from ._base import DEFAULT_TIMEOUT, ConnectionSettings, Provider, ProviderKind, get_kind, make_provider, provider_kinds, register
from ._openai import OPENAI_LAST_JOB_CREATION, OpenAIProvider
from ._secrets import KEYRING_SERVICE, delete_stored_key, find_api_key, keyring_backend, missing_key_message, store_key

__all__ = [
    "DEFAULT_TIMEOUT",
    "FINAL_JOB_STATUSES",
    "KEYRING_SERVICE",
    "OPENAI_LAST_JOB_CREATION",
    "ConnectionSettings",
    "ProviderKind",
    "get_kind",
    "provider_kinds",
    "register",
    "CredentialsError",
    "Job",
    "JobEvent",
    "JobSpec",
    "ModelNotAvailable",
    "OpenAIProvider",
    "OutcomeUnknown",
    "Provider",
    "ProviderConfigError",
    "ProviderError",
    "RemoteFile",
    "RequestRejected",
    "TrainingNotAvailable",
    "TransientError",
    "UploadProgress",
    "delete_stored_key",
    "find_api_key",
    "keyring_backend",
    "missing_key_message",
    "store_key",
    "make_provider",
    "redact",
    "register_secret",
    "register_url_secrets",
]
