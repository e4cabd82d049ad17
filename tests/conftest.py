from __future__ import annotations

import functools
import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_data"


@pytest.fixture
def messy(tmp_path):
    """A copy of sample_data/messy.jsonl (39 records with findings of most kinds)."""
    target = tmp_path / "messy.jsonl"
    shutil.copy(SAMPLES / "messy.jsonl", target)
    return target


@pytest.fixture
def write_jsonl(tmp_path):
    """Write text (or bytes) to a .jsonl file in tmp_path and return its path."""

    def write(content: str | bytes, name: str = "data.jsonl") -> Path:
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        return path

    return write


@pytest.fixture(autouse=True)
def _no_network_env(monkeypatch, request):
    # Tests never talk to a real provider.
    for key in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "AZURE_OPENAI_API_KEY", "AZURE_OPENAI_ENDPOINT",
                "OPENAI_COMPATIBLE_API_KEY", "OPENAI_COMPATIBLE_BASE_URL", "TOGETHER_API_KEY", "TOGETHER_BASE_URL",
                "FIREWORKS_API_KEY", "FIREWORKS_BASE_URL", "FIREWORKS_ACCOUNT_ID"):
        monkeypatch.delenv(key, raising=False)
    if request.node.get_closest_marker("colour") is None:
        monkeypatch.setenv("NO_COLOR", "1")
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)
    yield


@pytest.fixture(autouse=True)
def _private_submission_state(monkeypatch, tmp_path):
    # `submit` keeps local records and locks under $XDG_STATE_HOME; never the user's own.
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    yield


@functools.cache
def _memory_keyring_class():
    from keyring.backend import KeyringBackend
    from keyring.errors import PasswordDeleteError

    class MemoryKeyring(KeyringBackend):
        """An in-memory OS keyring for tests: they never read or write the real one."""

        priority = 1

        def __init__(self):
            super().__init__()
            self.entries: dict[tuple[str, str], str] = {}

        def get_password(self, service: str, username: str) -> str | None:
            return self.entries.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            self.entries[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            if self.entries.pop((service, username), None) is None:
                raise PasswordDeleteError("not found")

    return MemoryKeyring


@pytest.fixture(autouse=True)
def memory_keyring(monkeypatch):
    """Every test gets an empty in-memory keyring (``keyring.set_keyring``); subprocesses get
    keyring's null backend through PYTHON_KEYRING_BACKEND."""
    import keyring
    import keyring.core

    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    monkeypatch.setattr(keyring.core, "_keyring_backend", keyring.core._keyring_backend)  # restored after
    backend = _memory_keyring_class()()
    keyring.set_keyring(backend)
    yield backend


def pytest_configure(config):
    config.addinivalue_line("markers", "colour: run without NO_COLOR (the app draws in colour)")
    os.environ.setdefault("FTPREFLIGHT_TEST", "1")
