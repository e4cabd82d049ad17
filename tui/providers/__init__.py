"""Fine-tuning providers (OpenAI, Azure OpenAI, OpenAI-compatible endpoints) behind one
small interface. No Textual here: the CLI and the app share these calls."""

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
from ._openai import DEFAULT_TIMEOUT, OPENAI_LAST_JOB_CREATION, PROVIDERS, OpenAIProvider, Provider, make_provider
from ._secrets import KEYRING_SERVICE, find_api_key

__all__ = [
    "DEFAULT_TIMEOUT",
    "FINAL_JOB_STATUSES",
    "KEYRING_SERVICE",
    "OPENAI_LAST_JOB_CREATION",
    "PROVIDERS",
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
    "find_api_key",
    "make_provider",
    "redact",
    "register_secret",
    "register_url_secrets",
]
