"""Errors raised by providers, each with a one-sentence, key-free message.

    ProviderError                 anything that went wrong talking to the provider
    ├── ProviderConfigError       incomplete connection settings (Azure endpoint, API version)
    ├── CredentialsError          no API key, or the key was rejected (401/403)
    ├── RequestRejected           the API refused the request (400/404/409/422); not retried
    │   └── ModelNotAvailable     the model cannot be fine-tuned (unknown, retired, wound down)
    └── TransientError            network down, timeout, 429 or 5xx still failing after retries
        └── OutcomeUnknown        a create request may or may not have taken effect

``str(error)`` is safe to print: it never contains an API key (see ``redact``).
"""

from __future__ import annotations

import re

__all__ = [
    "CredentialsError",
    "ModelNotAvailable",
    "OutcomeUnknown",
    "ProviderConfigError",
    "ProviderError",
    "RequestRejected",
    "TransientError",
    "redact",
]

# Things that look like secrets: OpenAI keys (sk-..., sk-proj-...), bearer tokens, Azure
# keys (32 hex digits, or long base64-ish runs), and `api-key=...` style assignments.
_SECRET_PATTERNS = (
    re.compile(r"\bsk-[A-Za-z0-9_\-]{6,}"),
    re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._\-~+/=]{8,}"),
    re.compile(r"(?i)\b(api[-_]?key|authorization|token|secret)(\s*[=:]\s*)[\"']?[^\s\"',;]{6,}"),
    re.compile(r"\b[0-9a-fA-F]{32}\b"),  # Azure keys; sha256 digests (64) stay readable
    re.compile(r"\b(?=[A-Za-z0-9+/_\-]*[0-9])(?=[A-Za-z0-9+/_\-]*[A-Z])[A-Za-z0-9+/_\-]{40,}={0,2}"),
)


def redact(text: str, *secrets: str | None) -> str:
    """Replace the given secrets and anything key-shaped in ``text`` with ``[redacted]``."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "[redacted]")
    for pattern in _SECRET_PATTERNS:
        if pattern.groups >= 2:
            text = pattern.sub(lambda m: f"{m[1]}{m[2]}[redacted]", text)
        else:
            text = pattern.sub("[redacted]", text)
    return text


class ProviderError(Exception):
    """Base class. ``status`` is the HTTP status when there was one."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None,
                 param: str | None = None):
        super().__init__(redact(" ".join(message.split())))
        self.status = status
        self.code = code
        self.param = param

    @property
    def message(self) -> str:
        return str(self)


class ProviderConfigError(ProviderError):
    """The connection settings are incomplete or contradictory."""


class CredentialsError(ProviderError):
    """The API key is missing or was not accepted."""


class RequestRejected(ProviderError):
    """The provider understood the request and said no; retrying will not help."""


class ModelNotAvailable(RequestRejected):
    """The provider does not (or no longer) fine-tune this model."""


class TransientError(ProviderError):
    """A failure that may go away: network, timeout, rate limit, server error."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class OutcomeUnknown(TransientError):
    """A request that creates something failed in a way that leaves it unclear whether
    the provider acted on it (timeout or dropped connection after sending)."""
