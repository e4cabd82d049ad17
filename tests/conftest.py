from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_data"


@pytest.fixture
def write_jsonl(tmp_path):
    """Write text (or bytes) to a .jsonl file in tmp_path and return its path."""

    def write(content: str | bytes, name: str = "data.jsonl") -> Path:
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        return path

    return write


@pytest.fixture(autouse=True)
def _no_network_env(monkeypatch):
    # Tests never talk to a real provider.
    for key in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "AZURE_OPENAI_API_KEY", "AZURE_OPENAI_ENDPOINT",
                "OPENAI_COMPATIBLE_API_KEY", "OPENAI_COMPATIBLE_BASE_URL", "TOGETHER_API_KEY", "TOGETHER_BASE_URL",
                "FIREWORKS_API_KEY", "FIREWORKS_BASE_URL", "FIREWORKS_ACCOUNT_ID"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    yield


@pytest.fixture(autouse=True)
def _private_submission_state(monkeypatch, tmp_path):
    # `submit` keeps local records and locks under $XDG_STATE_HOME; never the user's own.
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    yield


def pytest_configure(config):
    os.environ.setdefault("FTPREFLIGHT_TEST", "1")
