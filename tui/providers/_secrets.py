"""Where API keys come from: the provider's environment variable first, then the OS keyring
(the ``keyring`` package: macOS Keychain, Windows Credential Locker, the Secret Service on
Linux desktops). Keys are only ever held in memory, and every key found is registered for
redaction before it is returned.

Keyring entries are service ``ftpreflight``, user name = the ``--provider`` name (``openai``,
``azure``, ``openai-compatible``, ``together``, ``fireworks``): the name a user already types,
so ``ftpreflight key set together`` and ``keyring set ftpreflight together`` store the same
entry, and two providers that share an SDK (openai, azure) never share a key by accident.

A machine without a usable keyring (headless CI: ``keyring`` picks its "fail" backend, or
the backend raises, or a locked D-Bus service never answers) is the same as an empty keyring:
lookups are silent and give up after ``KEYRING_TIMEOUT`` seconds at the most.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from ._errors import CredentialsError, register_secret

__all__ = ["KEYRING_SERVICE", "KEYRING_TIMEOUT", "delete_stored_key", "find_api_key", "keyring_backend",
           "missing_key_message", "require_api_key", "store_key"]

KEYRING_SERVICE = "ftpreflight"
"""Keyring service name; the user name is the provider name (see the module docstring)."""
KEYRING_TIMEOUT = 10.0
"""Seconds a keyring lookup may take before it counts as "no key" (a backend that waits on a
service which never answers must not hang ``submit``)."""

_UNUSABLE_BACKENDS = ("keyring.backends.fail", "keyring.backends.null")


def find_api_key(provider: str, env_var: str, environ: dict[str, str] | None = None) -> tuple[str | None, str]:
    """Return ``(key, where)`` with ``where`` naming the source for messages (never the key):
    ``$ENV_VAR``, ``the OS keyring`` or ``nowhere``."""
    environ = os.environ if environ is None else environ
    value = (environ.get(env_var) or "").strip()
    if value:
        register_secret(value)
        return value, f"${env_var}"
    value = _read_keyring(provider)
    if value:
        register_secret(value)
        return value, "the OS keyring"
    return None, "nowhere"


def require_api_key(given: str | None, provider: str, label: str, env_var: str, environ: dict[str, str]) -> str:
    """``given`` (an explicit key), else the environment variable, else the keyring; registered
    for redaction. Raises ``CredentialsError`` naming both places when there is none."""
    key = given or find_api_key(provider, env_var, environ)[0]
    if not key:
        raise CredentialsError(missing_key_message(label, provider, env_var))
    register_secret(key)
    return key


def missing_key_message(label: str, provider: str, env_var: str) -> str:
    """The one sentence for "no key anywhere": it names both places a key is looked for."""
    return (f"no {label} API key: set {env_var}, or store one in the OS keyring with "
            f"`ftpreflight key set {provider}` (service {KEYRING_SERVICE!r}, user {provider!r}).")


def keyring_backend() -> Any | None:
    """The keyring backend ``keyring`` chose, or ``None`` when there is no usable one."""
    try:
        import keyring

        backend = keyring.get_keyring()
    except Exception:  # a broken keyring configuration is the same as none
        return None
    return None if _unusable(backend) else backend


def store_key(provider: str, key: str) -> str:
    """Store ``key`` for ``provider`` in the OS keyring; returns the backend's name. Raises
    ``CredentialsError`` (with a key-free message) when there is no usable keyring."""
    register_secret(key)
    backend = keyring_backend()
    if backend is None:
        raise CredentialsError("There is no usable OS keyring on this machine (no Keychain, Credential Locker "
                               "or Secret Service found); set the provider's environment variable instead.")
    try:
        backend.set_password(KEYRING_SERVICE, provider, key)
    except Exception as exc:
        raise CredentialsError(f"The OS keyring refused to store the key ({exc.__class__.__name__}).") from None
    return _backend_name(backend)


def delete_stored_key(provider: str) -> bool:
    """Remove ``provider``'s key from the OS keyring; ``False`` when there was none to remove."""
    backend = keyring_backend()
    if backend is None:
        return False
    try:
        if backend.get_password(KEYRING_SERVICE, provider) is None:
            return False
        backend.delete_password(KEYRING_SERVICE, provider)
    except Exception as exc:
        raise CredentialsError(f"The OS keyring refused to delete the key ({exc.__class__.__name__}).") from None
    return True


def _unusable(backend: Any) -> bool:
    module = type(backend).__module__
    if module.startswith(_UNUSABLE_BACKENDS):
        return True
    # A chain of no backends (every candidate was rejected) cannot hold anything either.
    return module.startswith("keyring.backends.chainer") and not getattr(backend, "backends", None)


def _backend_name(backend: Any) -> str:
    return getattr(backend, "name", None) or type(backend).__name__


def _read_keyring(provider: str, timeout: float | None = None) -> str | None:
    """The stored key, or ``None`` for no key, no usable keyring, any backend error, or an
    answer that takes longer than ``timeout`` (the lookup runs in a daemon thread)."""
    try:
        import keyring  # noqa: F401  (imported here: only when no environment variable is set)
    except ImportError:
        return None
    outcome: dict[str, str | None] = {}

    def lookup() -> None:
        backend = keyring_backend()
        if backend is None:
            return
        try:
            outcome["key"] = backend.get_password(KEYRING_SERVICE, provider)
        except Exception:  # locked, missing or broken: the same as no key
            return

    worker = threading.Thread(target=lookup, name="ftpreflight-keyring", daemon=True)
    worker.start()
    worker.join(KEYRING_TIMEOUT if timeout is None else timeout)
    value = (outcome.get("key") or "").strip()
    return value or None
