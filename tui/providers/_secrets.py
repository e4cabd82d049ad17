"""Where API keys come from: the environment first, then the OS keyring if the optional
``keyring`` package is installed. Keys are only ever held in memory."""

from __future__ import annotations

import os

__all__ = ["KEYRING_SERVICE", "find_api_key"]

KEYRING_SERVICE = "ftpreflight"
"""Keyring service name; the username is the provider name (``openai`` or ``azure``).
Store a key with ``keyring set ftpreflight openai``."""


def find_api_key(provider: str, env_var: str, environ: dict[str, str] | None = None) -> tuple[str | None, str]:
    """Return ``(key, where)`` with ``where`` naming the source for messages (never the key)."""
    environ = os.environ if environ is None else environ
    value = (environ.get(env_var) or "").strip()
    if value:
        return value, f"${env_var}"
    try:
        import keyring  # optional: not a dependency of ftpreflight
    except ImportError:
        return None, "nowhere"
    try:
        value = (keyring.get_password(KEYRING_SERVICE, provider) or "").strip()
    except Exception:  # a locked or missing keyring backend is the same as no key
        return None, "nowhere"
    return (value, "the OS keyring") if value else (None, "nowhere")
