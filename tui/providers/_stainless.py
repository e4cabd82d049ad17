"""What the providers over SDKs generated the same way as ``openai`` (``together``,
``fireworks``) share: error translation (they raise the same exception family,
``APITimeoutError``, ``APIConnectionError``, ``RateLimitError``, ``APIStatusError`` ..., from
their own module), the client plumbing of ``SdkProvider`` (secrets registered, context
manager, ``close``), timestamps and the newest-first job listing."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from datetime import datetime
from types import ModuleType
from typing import Any

import httpx

from ._errors import (
    CredentialsError,
    ModelNotAvailable,
    OutcomeUnknown,
    ProviderError,
    RequestRejected,
    TransientError,
    register_secret,
    register_url_secrets,
)
from ._models import Job

__all__ = ["SdkProvider", "error_details", "newest_jobs", "retry_after", "timestamp", "translate"]


def error_details(exc: Any) -> tuple[str, str | None, str | None]:
    """``(message, code, param)`` from an SDK status error, whatever shape the body has
    (``{"error": {"message"}}``, ``{"message"}``, ``{"detail"}`` or plain text)."""
    body = getattr(exc, "body", None)
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        body = body["error"]
    message = None
    code = param = None
    if isinstance(body, dict):
        message = body.get("message") or body.get("detail") or body.get("error")
        code = body.get("code") if isinstance(body.get("code"), str) else None
        param = body.get("param") if isinstance(body.get("param"), str) else None
    elif isinstance(body, str) and body.strip():
        message = body.strip()
    return str(message or getattr(exc, "message", "") or exc), code, param


def retry_after(exc: Any) -> float | None:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None) or {}
    for header, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        try:
            return float(headers[header]) / divisor
        except (KeyError, ValueError, TypeError):
            continue
    return None


def _is_model_refusal(code: str | None, param: str | None, message: str) -> bool:
    text = message.lower()
    return (param in ("model", "base_model", "baseModel")
            or code in {"model_not_found", "model_not_available", "unsupported_model"}
            or ("model" in text and any(w in text for w in ("not available", "no longer", "not supported",
                                                              "does not exist", "not found", "deprecated",
                                                              "retired"))))


@contextlib.contextmanager
def translate(sdk: ModuleType, name: str, action: str, *, creates: bool = False) -> Iterator[None]:
    """Turn ``sdk``'s exceptions into ``ProviderError``s with one key-free sentence.
    ``creates``: the request makes something, so a timeout, a dropped connection or a 5xx
    leaves its outcome unknown (``OutcomeUnknown``) instead of merely failed."""
    try:
        yield
    except sdk.APITimeoutError:
        cls = OutcomeUnknown if creates else TransientError
        raise cls(f"{name}: {action} timed out") from None
    except sdk.APIConnectionError as exc:
        cls = OutcomeUnknown if creates else TransientError
        reason = f" ({exc.__cause__.__class__.__name__})" if exc.__cause__ else ""
        raise cls(f"{name}: could not reach the API while trying to {action}{reason}") from None
    except (sdk.AuthenticationError, sdk.PermissionDeniedError) as exc:
        message, code, param = error_details(exc)
        raise CredentialsError(f"{name} rejected the API key (HTTP {exc.status_code}): {message}",
                               status=exc.status_code, code=code, param=param) from None
    except sdk.RateLimitError as exc:
        message, code, param = error_details(exc)
        raise TransientError(f"{name}: rate limited while trying to {action}: {message}", status=429, code=code,
                             param=param, retry_after=retry_after(exc)) from None
    except sdk.InternalServerError as exc:
        message, code, param = error_details(exc)
        cls = OutcomeUnknown if creates else TransientError
        raise cls(f"{name}: server error (HTTP {exc.status_code}) while trying to {action}: {message}",
                  status=exc.status_code, code=code, param=param, retry_after=retry_after(exc)) from None
    except sdk.APIStatusError as exc:
        message, code, param = error_details(exc)
        if exc.status_code == 429 or exc.status_code >= 500:
            # Some SDK helpers (Together's upload) re-raise every status as the base class.
            transient = OutcomeUnknown if creates and exc.status_code >= 500 else TransientError
            raise transient(f"{name}: HTTP {exc.status_code} while trying to {action}: {message}",
                            status=exc.status_code, code=code, param=param, retry_after=retry_after(exc)) from None
        cls = ModelNotAvailable if _is_model_refusal(code, param, message) else RequestRejected
        where = f" [{param}]" if param else ""
        raise cls(f"{name} refused to {action} (HTTP {exc.status_code}){where}: {message}",
                  status=exc.status_code, code=code, param=param) from None
    except ProviderError:
        raise
    except httpx.TransportError as exc:  # requests an SDK helper sends with its own httpx client
        cls = OutcomeUnknown if creates else TransientError
        raise cls(f"{name}: the connection failed while trying to {action} ({exc.__class__.__name__})") from None
    except sdk.APIError as exc:
        raise ProviderError(f"{name}: {action} failed: {exc}") from None


class SdkProvider:
    """The part of a ``Provider`` that is the same for every SDK client: the key and any
    credential in the client's base URL are registered for redaction, the provider is a
    context manager that closes the client, and ``_translate`` maps the SDK's errors."""

    keeps_metadata = False
    """Neither Together nor Fireworks stores job metadata (``submit`` tags the job instead)."""

    def __init__(self, sdk: ModuleType, client: Any, *, name: str, secret: str | None) -> None:
        self._sdk = sdk
        self.name = name
        self.client = client
        register_secret(secret or getattr(client, "api_key", None))
        register_url_secrets(str(getattr(client, "base_url", "") or ""))

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _translate(self, action: str, *, creates: bool = False) -> contextlib.AbstractContextManager[None]:
        return translate(self._sdk, self.name, action, creates=creates)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.client.close()


def timestamp(value: Any) -> int:
    """Seconds since the epoch from a datetime, a number or an ISO 8601 string; 0 if none."""
    if isinstance(value, datetime):
        return int(value.timestamp())
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, str) and value:
        with contextlib.suppress(ValueError):
            return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())
    return 0


def newest_jobs(jobs: Iterable[Job], *, limit: int, metadata: dict[str, str] | None) -> list[Job]:
    """Newest first, at most ``limit``, filtered on ``metadata`` client-side (for a provider
    that keeps none, nothing matches a metadata filter)."""
    found = sorted(jobs, key=lambda job: job.created_at, reverse=True)
    if metadata:
        found = [job for job in found if all(job.metadata.get(k) == v for k, v in metadata.items())]
    return found[:limit]
