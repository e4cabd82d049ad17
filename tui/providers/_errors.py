"""Errors raised by providers, each with a one-sentence, key-free message.

    ProviderError                 anything that went wrong talking to the provider
    ├── ProviderConfigError       incomplete connection settings (Azure endpoint, API version)
    ├── CredentialsError          no API key, or the key was rejected (401/403)
    ├── RequestRejected           the API refused the request (400/404/409/422); not retried
    │   ├── ModelNotAvailable     the model cannot be fine-tuned (unknown, retired, wound down)
    │   └── TrainingNotAvailable  the provider no longer accepts new jobs at all (HTTP 403
    │                             ``training_not_available``, OpenAI's wind-down)
    └── TransientError            network down, timeout, 429 or 5xx still failing after retries
        └── OutcomeUnknown        a create request may or may not have taken effect

``str(error)`` is safe to print: it never contains an API key (see ``redact``).

Redaction works two ways: by shape (anything that looks like a key) and by value. A key's
shape cannot be relied on (a gateway may hand out ``gateway-token-...`` keys), so every key a
provider is built with, and any credential inside its base URL, is registered with
``register_secret`` and replaced wherever it appears, whatever it looks like.
"""

from __future__ import annotations

import re
import threading
from urllib.parse import parse_qsl, unquote, urlsplit

__all__ = [
    "CredentialsError",
    "ModelNotAvailable",
    "OutcomeUnknown",
    "ProviderConfigError",
    "ProviderError",
    "RequestRejected",
    "TrainingNotAvailable",
    "TransientError",
    "redact",
    "register_secret",
    "register_url_secrets",
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


_MIN_SECRET_LENGTH = 6
"""Shorter values are not registered: replacing every "abc" in a message would garble it, and
nothing that short is a credential."""
_known_secrets: set[str] = set()
_known_lock = threading.Lock()


def register_secret(value: str | None) -> None:
    """Remember ``value`` so that ``redact`` replaces it everywhere from now on (process-wide:
    a key must not leak through any message, whichever module prints it)."""
    if not value or len(value.strip()) < _MIN_SECRET_LENGTH:
        return
    with _known_lock:
        _known_secrets.add(value.strip())


_TOKEN_RUN = re.compile(r"[A-Za-z0-9]{16,}")
_URL_PATH_WORDS = frozenset({"v1", "v2", "openai", "api", "deployments", "chat", "completions"})


def register_url_secrets(url: str | None) -> None:
    """Register the credentials a base URL may carry: the user name and password, every query
    value, and path segments that look like tokens (long, with a digit), e.g. a gateway's
    ``https://gw.example/t/gateway-token-9f8e.../v1``."""
    if not url:
        return
    try:
        parts = urlsplit(url)
    except ValueError:
        return
    for value in (parts.username, parts.password):
        if value:
            register_secret(unquote(value))
    for _name, value in parse_qsl(parts.query, keep_blank_values=False):
        register_secret(value)
    for segment in parts.path.split("/"):
        segment = unquote(segment)
        # A token has a long unbroken alphanumeric run with digits in it; a model or
        # deployment name (gpt-4o-mini-2024-07-18) has short runs between dashes.
        if segment.lower() not in _URL_PATH_WORDS and _TOKEN_RUN.search(segment) and any(
                ch.isdigit() for ch in segment):
            register_secret(segment)


def redact(text: str, *secrets: str | None) -> str:
    """Replace registered secrets, the given ones and anything key-shaped in ``text`` with
    ``[redacted]``."""
    with _known_lock:
        known = set(_known_secrets)
    extra = {s.strip() for s in secrets if s and len(s.strip()) >= 4}
    # Longest first, so a key that contains another registered value is replaced whole.
    for secret in sorted(known | extra, key=len, reverse=True):
        if secret in text:
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


class TrainingNotAvailable(RequestRejected):
    """The provider refuses to create any new fine-tuning job for this account (OpenAI's
    wind-down answers HTTP 403 with code ``training_not_available``). Not a key problem:
    the same key still lists, watches and cancels jobs."""


class TransientError(ProviderError):
    """A failure that may go away: network, timeout, rate limit, server error."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class OutcomeUnknown(TransientError):
    """A request that creates something failed in a way that leaves it unclear whether
    the provider acted on it (timeout or dropped connection after sending)."""
