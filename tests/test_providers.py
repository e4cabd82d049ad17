"""The provider layer against the local fake API, through the real ``openai`` client."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import openai
import pytest
from fake_openai import DEFAULT_API_KEY, FakeOpenAI, fake_openai, write_chat_jsonl  # noqa: F401

from tui.providers import (
    CredentialsError,
    JobSpec,
    ModelNotAvailable,
    OpenAIProvider,
    OutcomeUnknown,
    Provider,
    ProviderError,
    RequestRejected,
    TransientError,
    TrainingNotAvailable,
    find_api_key,
    make_provider,
    redact,
    register_url_secrets,
)

MODEL = "gpt-4o-mini-2024-07-18"


@pytest.fixture
def provider(fake_openai):
    client = openai.OpenAI(api_key=DEFAULT_API_KEY, base_url=fake_openai.base_url, max_retries=2, timeout=2.0)
    yield OpenAIProvider(client, chunked_upload_threshold=4096, part_size=1024)
    client.close()


@pytest.fixture
def train_path(tmp_path) -> Path:
    path = tmp_path / "train.jsonl"
    write_chat_jsonl(path, 12)
    return path


def test_implements_the_protocol(provider):
    assert isinstance(provider, Provider)


def test_upload_create_watch_events_and_list(provider, fake_openai, train_path):
    progress = []
    remote = provider.upload_file(train_path, on_progress=progress.append)
    assert remote.status == "uploaded" and remote.bytes == train_path.stat().st_size
    assert progress[0].sent_bytes == 0 and progress[-1].sent_bytes == progress[-1].total_bytes
    assert provider.retrieve_file(remote.id).status == "processed"

    job = provider.create_job(JobSpec(model=MODEL, training_file_id=remote.id, hyperparameters={"n_epochs": 2},
                                      suffix="demo", seed=7, metadata={"ftpreflight_sha256": "abc"}))
    assert job.status == "validating_files" and job.metadata == {"ftpreflight_sha256": "abc"}
    statuses = [provider.retrieve_job(job.id).status for _ in range(3)]
    assert statuses == ["queued", "running", "succeeded"]
    done = provider.retrieve_job(job.id)
    assert done.is_final and done.trained_tokens and done.n_epochs == 2
    assert done.fine_tuned_model.startswith(f"ft:{MODEL}")

    events = provider.list_events(job.id)
    assert [e.created_at for e in events] == sorted(e.created_at for e in events)
    assert any(e.type == "metrics" and "train_loss" in e.data for e in events)

    assert [j.id for j in provider.list_jobs(metadata={"ftpreflight_sha256": "abc"})] == [job.id]
    assert provider.list_jobs(metadata={"ftpreflight_sha256": "other"}) == []


def test_metadata_filter_also_applies_client_side(train_path):
    with FakeOpenAI(supports_metadata_filter=False) as server:
        client = openai.OpenAI(api_key=DEFAULT_API_KEY, base_url=server.base_url, max_retries=0)
        provider = OpenAIProvider(client)
        remote = provider.upload_file(train_path)
        provider.retrieve_file(remote.id)
        job = provider.create_job(JobSpec(model=MODEL, training_file_id=remote.id, metadata={"k": "1"}))
        provider.create_job(JobSpec(model=MODEL, training_file_id=remote.id, metadata={"k": "2"}))
        assert [j.id for j in provider.list_jobs(metadata={"k": "1"})] == [job.id]
        client.close()


def test_large_files_go_up_in_parts_with_progress(provider, fake_openai, tmp_path):
    path = tmp_path / "big.jsonl"
    write_chat_jsonl(path, 60)
    assert path.stat().st_size > 4096
    progress = []
    remote = provider.upload_file(path, on_progress=progress.append)
    assert fake_openai.files[remote.id].content == path.read_bytes()
    assert fake_openai.count("POST", "/uploads/") > 3
    sent = [p.sent_bytes for p in progress]
    assert sent == sorted(sent) and len(sent) > 3


def test_cancel(provider, train_path):
    remote = provider.upload_file(train_path)
    provider.retrieve_file(remote.id)
    job = provider.create_job(JobSpec(model=MODEL, training_file_id=remote.id))
    assert provider.cancel_job(job.id).status == "cancelled"
    with pytest.raises(RequestRejected, match="cannot be cancelled"):
        provider.cancel_job(job.id)


@pytest.mark.parametrize("fault", ["429", "500", "drop"])
def test_upload_retries_and_succeeds(provider, fake_openai, train_path, fault):
    fake_openai.inject(fault, "POST", "/files")
    remote = provider.upload_file(train_path)
    assert fake_openai.count("POST", "/files") == 2
    assert [f.id for f in fake_openai.live_files()] == [remote.id]


def test_rate_limit_that_outlasts_retries_is_transient_with_retry_after(provider, fake_openai):
    fake_openai.inject("429", "GET", "/fine_tuning/jobs", times=5)
    with pytest.raises(TransientError) as info:
        provider.list_jobs()
    assert info.value.status == 429 and info.value.retry_after == pytest.approx(0.02)


def test_create_job_is_never_retried_by_the_sdk(provider, fake_openai, train_path):
    remote = provider.upload_file(train_path)
    provider.retrieve_file(remote.id)
    fake_openai.inject("hang_after", "POST", "/fine_tuning/jobs", hang_seconds=5)
    impatient = OpenAIProvider(provider.client.with_options(timeout=0.5))
    with pytest.raises(OutcomeUnknown, match="timed out"):
        impatient.create_job(JobSpec(model=MODEL, training_file_id=remote.id))
    assert fake_openai.count("POST", "/fine_tuning/jobs") == 1
    assert len(fake_openai.jobs) == 1  # the server did create it


def test_401_is_one_clear_line_without_the_key(fake_openai):
    wrong = "sk-proj-WRONGkey1234567890abcdefXYZ"
    client = openai.OpenAI(api_key=wrong, base_url=fake_openai.base_url, max_retries=0)
    with pytest.raises(CredentialsError) as info:
        OpenAIProvider(client).list_jobs()
    message = str(info.value)
    assert "\n" not in message and "rejected the API key" in message and "401" in message
    assert wrong not in message and wrong[:12] not in message


def test_400_is_one_clear_line(provider, tmp_path):
    few = tmp_path / "few.jsonl"
    write_chat_jsonl(few, 3)
    remote = provider.upload_file(few)
    provider.retrieve_file(remote.id)
    with pytest.raises(RequestRejected) as info:
        provider.create_job(JobSpec(model=MODEL, training_file_id=remote.id))
    assert info.value.status == 400 and "\n" not in str(info.value)
    assert "at least 10 examples" in str(info.value) and "training_file" in str(info.value)


def test_unknown_or_retired_model_is_model_not_available(train_path):
    with FakeOpenAI(retired_models=frozenset({"gpt-3.5-turbo-0613"})) as server:
        client = openai.OpenAI(api_key=DEFAULT_API_KEY, base_url=server.base_url, max_retries=0)
        provider = OpenAIProvider(client)
        remote = provider.upload_file(train_path)
        provider.retrieve_file(remote.id)
        for model in ("gpt-3.5-turbo-0613", "no-such-model"):
            with pytest.raises(ModelNotAvailable, match="model"):
                provider.create_job(JobSpec(model=model, training_file_id=remote.id))
        client.close()


def test_wrong_file_is_rejected(provider, tmp_path):
    bad = tmp_path / "train.txt"
    bad.write_text("hello\n")
    with pytest.raises(RequestRejected, match="jsonl"):
        provider.upload_file(bad)


def test_network_down_is_transient(train_path):
    server = FakeOpenAI().start()
    url = server.base_url
    server.stop()
    client = openai.OpenAI(api_key=DEFAULT_API_KEY, base_url=url, max_retries=0, timeout=1.0)
    with pytest.raises(TransientError, match="could not reach"):
        OpenAIProvider(client).list_jobs()


def test_missing_key_and_incomplete_azure_settings():
    with pytest.raises(CredentialsError, match="OPENAI_API_KEY"):
        make_provider("openai", environ={})
    with pytest.raises(CredentialsError, match="AZURE_OPENAI_API_KEY"):
        make_provider("azure", environ={})
    with pytest.raises(ProviderError, match="endpoint"):
        make_provider("azure", environ={"AZURE_OPENAI_API_KEY": "x" * 32})
    with pytest.raises(ProviderError, match="API version"):
        make_provider("azure", environ={"AZURE_OPENAI_API_KEY": "x" * 32,
                                        "AZURE_OPENAI_ENDPOINT": "https://example.invalid"})
    with pytest.raises(ProviderError, match="Unknown provider"):
        make_provider("bedrock", api_key="k")


def test_key_from_environment_wins():
    assert find_api_key("openai", "OPENAI_API_KEY", {"OPENAI_API_KEY": " sk-abc "}) == ("sk-abc", "$OPENAI_API_KEY")


def test_azure_through_the_same_interface(fake_openai, train_path):
    provider = make_provider("azure", api_key=DEFAULT_API_KEY, api_version="2025-04-01-preview",
                             azure_endpoint=fake_openai.base_url.removesuffix("/v1"), timeout=2.0, environ={})
    assert provider.name == "azure" and provider.chunked_upload_threshold is None
    remote = provider.upload_file(train_path)
    assert provider.retrieve_file(remote.id).status == "processed"
    job = provider.create_job(JobSpec(model=MODEL, training_file_id=remote.id))
    assert provider.retrieve_job(job.id).status == "queued"
    provider.close()


def test_openai_compatible_base_url(fake_openai):
    provider = make_provider("openai", base_url=fake_openai.base_url, environ={"OPENAI_API_KEY": DEFAULT_API_KEY})
    assert provider.list_jobs() == []


@pytest.mark.parametrize("secret", [
    "sk-proj-abcDEF1234567890xyz", "sk-abcdefghijkl", "Bearer abc.def-ghi_jkl012",
    "0123456789abcdef0123456789ABCDEF", "api-key: s3cr3tvalue",
])
def test_redact_hides_key_shaped_text(secret):
    assert secret.split()[-1] not in redact(f"failed with {secret} here")


def test_redact_keeps_ids_and_digests():
    text = "job ftjob-abc123 file file-XYZ789 sha256 " + "ab" * 32 + " model ft:gpt-4o-mini-2024-07-18:org::x"
    assert redact(text) == text


def test_providers_do_not_import_textual():
    code = "import sys, tui.providers, tui.services.submit; assert 'textual' not in sys.modules, 'textual imported'"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parent.parent)


def test_key_from_the_os_keyring(memory_keyring):
    memory_keyring.set_password("ftpreflight", "openai", "sk-from-keyring-123456")
    assert find_api_key("openai", "OPENAI_API_KEY", {}) == ("sk-from-keyring-123456", "the OS keyring")
    assert find_api_key("azure", "AZURE_OPENAI_API_KEY", {}) == (None, "nowhere")


def test_a_registered_key_is_redacted_whatever_its_shape(fake_openai):
    odd = "corp-gw.7f3a9c21e4b8d605"  # no key shape: only its value identifies it
    assert redact(f"refused {odd}") == f"refused {odd}"
    make_provider("openai", base_url=fake_openai.base_url, environ={"OPENAI_API_KEY": odd})
    assert odd not in redact(f"refused {odd} and {odd}")
    assert odd not in str(ProviderError(f"echo: {odd}"))


def test_credentials_inside_a_base_url_are_registered():
    register_url_secrets("https://svc-user:pa55-word-xyz@gw.example/t/tok9f8e7d6c5b4a3928/v1?key=qk-77aa88bb99")
    text = redact("user svc-user pw pa55-word-xyz path tok9f8e7d6c5b4a3928 query qk-77aa88bb99")
    for secret in ("svc-user", "pa55-word-xyz", "tok9f8e7d6c5b4a3928", "qk-77aa88bb99"):
        assert secret not in text
    # Deployment and model names in a path stay readable.
    register_url_secrets("https://x.example/openai/deployments/gpt-4o-mini-2024-07-18")
    assert redact("model gpt-4o-mini-2024-07-18") == "model gpt-4o-mini-2024-07-18"


def test_wind_down_403_is_not_a_key_problem(provider, fake_openai, train_path):
    remote = provider.upload_file(train_path)
    provider.retrieve_file(remote.id)
    fake_openai.inject("403_training", "POST", "/fine_tuning/jobs")
    with pytest.raises(TrainingNotAvailable) as info:
        provider.create_job(JobSpec(model=MODEL, training_file_id=remote.id))
    assert not isinstance(info.value, CredentialsError) and "2027-01-06" in str(info.value)
