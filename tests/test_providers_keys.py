"""API keys from the environment or the OS keyring, and ``ftpreflight key``. Every test runs
with conftest's in-memory keyring backend (``memory_keyring``), never the real one."""

from __future__ import annotations

import io
import sys
import threading
import time

import keyring
import pytest
from fake_together import fake_together  # noqa: F401
from keyring.backends import fail as fail_backend

from tui.cli import main
from tui.providers import CredentialsError, find_api_key, make_provider
from tui.providers import _secrets

KEY_VARIABLES = {"openai": "OPENAI_API_KEY", "azure": "AZURE_OPENAI_API_KEY",
                 "openai-compatible": "OPENAI_COMPATIBLE_API_KEY", "together": "TOGETHER_API_KEY",
                 "fireworks": "FIREWORKS_API_KEY"}


def test_the_environment_variable_comes_before_the_keyring(memory_keyring):
    memory_keyring.set_password("ftpreflight", "together", "tgp_from_keyring_0001")
    assert find_api_key("together", "TOGETHER_API_KEY", {"TOGETHER_API_KEY": " tgp_from_env_0002 "}) == (
        "tgp_from_env_0002", "$TOGETHER_API_KEY")
    assert find_api_key("together", "TOGETHER_API_KEY", {"TOGETHER_API_KEY": ""}) == (
        "tgp_from_keyring_0001", "the OS keyring")
    # The entry is per provider name: another provider's key is never picked up.
    assert find_api_key("fireworks", "FIREWORKS_API_KEY", {}) == (None, "nowhere")


def test_a_keyring_key_reaches_the_provider_and_is_redacted_when_echoed(fake_together, memory_keyring):
    key = "corp.vault-opaque7f3a9c21e4b8"  # no key shape: only its value identifies it
    fake_together.api_key = key
    memory_keyring.set_password("ftpreflight", "together", key)
    with make_provider("together", base_url=fake_together.base_url, environ={}, timeout=5, max_retries=0) as provider:
        assert provider.list_jobs() == []
        fake_together.inject("echo", "GET", "/v1/fine-tunes")
        with pytest.raises(Exception) as caught:
            provider.list_jobs()
    assert key not in str(caught.value) and "[redacted]" in str(caught.value)


@pytest.mark.parametrize("name", sorted(KEY_VARIABLES))
def test_no_key_anywhere_names_both_places(name):
    keyring.set_keyring(fail_backend.Keyring())  # a headless machine: no backend at all
    with pytest.raises(CredentialsError) as caught:
        make_provider(name, environ={}, base_url="https://example.invalid/v1", account_id="acme",
                      azure_endpoint="https://example.invalid", api_version="2024-10-21")
    message = str(caught.value)
    assert KEY_VARIABLES[name] in message and f"ftpreflight key set {name}" in message


class _BrokenBackend(keyring.backend.KeyringBackend):
    priority = 1

    def get_password(self, service, username):
        raise RuntimeError("the Secret Service is locked")

    def set_password(self, service, username, password):
        raise RuntimeError("the Secret Service is locked")

    def delete_password(self, service, username):
        raise RuntimeError("the Secret Service is locked")


class _HangingBackend(_BrokenBackend):
    def __init__(self):
        super().__init__()
        self.release = threading.Event()

    def get_password(self, service, username):
        self.release.wait(30)
        return "tgp_far_too_late_0003"


def test_a_failing_or_hanging_keyring_is_the_same_as_no_key(capsys):
    keyring.set_keyring(_BrokenBackend())
    assert find_api_key("together", "TOGETHER_API_KEY", {}) == (None, "nowhere")
    hanging = _HangingBackend()
    keyring.set_keyring(hanging)
    started = time.monotonic()
    try:
        assert _secrets._read_keyring("together", timeout=0.2) is None
    finally:
        hanging.release.set()
    assert time.monotonic() - started < 10  # bounded by the timeout, not by the backend's 30 s
    assert capsys.readouterr() == ("", "")  # silent: no traceback, no warning


# --------------------------------------------------------------------------- ftpreflight key

def run_key(monkeypatch, *args: str, stdin: str = "") -> int:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return main(["key", *args])


def test_key_set_reads_stdin_stores_it_and_never_prints_it(monkeypatch, memory_keyring, capsys):
    key = "fw_piped_key_7Hq2Lr9xKc"
    assert run_key(monkeypatch, "set", "fireworks", stdin=key + "\n") == 0
    out, err = capsys.readouterr()
    assert memory_keyring.entries == {("ftpreflight", "fireworks"): key}
    assert key not in out + err and "Stored the Fireworks AI key in the OS keyring" in err
    assert find_api_key("fireworks", "FIREWORKS_API_KEY", {}) == (key, "the OS keyring")

    assert run_key(monkeypatch, "status") == 0
    out, err = capsys.readouterr()
    rows = dict(line.split(None, 1) for line in out.splitlines())
    assert rows["fireworks"] == "the OS keyring" and rows["together"] == "nowhere" and key not in out + err

    assert run_key(monkeypatch, "delete", "fireworks") == 0
    assert memory_keyring.entries == {} and "Removed the Fireworks AI key" in capsys.readouterr().err
    assert run_key(monkeypatch, "delete", "fireworks") == 0
    assert "holds no Fireworks AI key" in capsys.readouterr().err


def test_key_set_says_when_the_environment_variable_wins(monkeypatch, memory_keyring, capsys):
    monkeypatch.setenv("TOGETHER_API_KEY", "tgp_env_key_0004")
    assert run_key(monkeypatch, "set", "together", stdin="tgp_keyring_key_0005") == 0
    err = capsys.readouterr().err
    assert "$TOGETHER_API_KEY is set and is used before the keyring" in err and "tgp_" not in err


@pytest.mark.parametrize("stdin", ["", "  \n", "tgp_one_0006\ntgp_two_0007\n", "tgp with spaces 0008"])
def test_key_set_refuses_empty_or_several_lines(monkeypatch, memory_keyring, capsys, stdin):
    assert run_key(monkeypatch, "set", "together", stdin=stdin) == 2
    err = capsys.readouterr().err
    assert "nothing stored" in err and "tgp_" not in err and memory_keyring.entries == {}


def test_a_key_on_the_command_line_is_refused_and_not_echoed(monkeypatch, memory_keyring, capsys):
    assert run_key(monkeypatch, "set", "together", "tgp_on_argv_0009") == 2
    out, err = capsys.readouterr()
    assert "never taken from the command line" in err and "tgp_on_argv_0009" not in out + err
    assert memory_keyring.entries == {}


def test_key_set_without_a_usable_keyring_is_a_clear_usage_error(monkeypatch, capsys):
    keyring.set_keyring(fail_backend.Keyring())
    assert run_key(monkeypatch, "set", "openai", stdin="sk-nowhere-to-put-it-0010") == 2
    err = capsys.readouterr().err
    assert "no usable OS keyring" in err and "Traceback" not in err and "sk-nowhere" not in err


def test_key_status_on_a_machine_without_a_keyring_runs_clean(tmp_path):
    # A real process with keyring's own "no backend" choice (conftest sets the null backend).
    import json
    import os
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.update(PYTHONPATH=str(root), PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    done = subprocess.run([sys.executable, "-m", "tui.cli", "key", "status", "--format", "json"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    report = json.loads(done.stdout)
    assert report["keyring"] is None
    assert {row["provider"]: row["source"] for row in report["providers"]} == dict.fromkeys(KEY_VARIABLES, "nowhere")
