"""Error translation shared by SDKs generated the same way as ``openai`` (``together``,
``fireworks``): they raise the same exception family (``APITimeoutError``,
``APIConnectionError``, ``RateLimitError``, ``APIStatusError`` ...) from their own module.
Each provider calls ``translate`` from its single ``_translate`` method with its SDK module."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
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
)

__all__ = ["error_details", "retry_after", "translate"]


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
    return (param in ("model", "base_model", "baseModel") or code in {"model_not_found", "model_not_available"}
            or ("model" in text and any(w in text for w in ("not available", "no longer", "not supported",
                                                              "does not exist", "not found", "retired"))))


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
