"""Fireworks AI end to end: the real ``fireworks-ai`` SDK against the local fake in
``tests/fake_fireworks`` (127.0.0.1, started here). Caller-chosen ids make every create
safe to repeat: a re-run or a re-sent create finds the same dataset and job."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from fake_fireworks import ACCOUNT, DEFAULT_API_KEY, FakeFireworks, fake_fireworks, make_fireworks_provider  # noqa: F401
from fake_together import wait_until
from test_providers_together import messy_chat_lines

from tui.cli import main
from tui.providers import JobSpec, Provider, ProviderConfigError, make_provider
from tui.services.submit import SubmissionError, SubmissionPlan, fingerprint, submit

ROOT = Path(__file__).resolve().parent.parent
MODEL = "accounts/fireworks/models/gpt-oss-20b"
PRICES = """
provider = "fireworks"
as_of = 2026-11-20
source = "https://fireworks.ai/pricing"

[[models]]
id = "accounts/fireworks/models/gpt-oss-20b"
methods = ["supervised", "dpo"]
training_context_tokens = 16384
encoding = "o200k_base"
training_usd_per_1m_tokens = "0.50"
input_usd_per_1m = "0.07"
output_usd_per_1m = "0.30"
source = "https://fireworks.ai/pricing"
"""


@pytest.fixture
def train(tmp_path) -> Path:
    path = tmp_path / "train.jsonl"
    path.write_bytes(("\r\n".join(messy_chat_lines()) + "\r\n").encode("utf-8"))
    return path


@pytest.fixture
def prices(tmp_path) -> Path:
    path = tmp_path / "fireworks-prices.toml"
    path.write_text(PRICES, encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def environment(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("FIREWORKS_API_KEY", DEFAULT_API_KEY)
    monkeypatch.setenv("FIREWORKS_ACCOUNT_ID", ACCOUNT)
    monkeypatch.delenv("FIREWORKS_BASE_URL", raising=False)


def no_sleep(seconds: float) -> None:
    pass


def run_submit(provider, plan, **kwargs):
    progress = []
    kwargs.setdefault("check_delays", (0.0, 0.0))
    result = submit(provider, plan, on_progress=progress.append, sleep=no_sleep, retry_delay=0.0,
                    file_poll_interval=0.01, **kwargs)
    return result, progress


def cli(server, *args):
    return main([*map(str, args), "--provider", "fireworks", "--base-url", server.base_url, "--timeout", "5"])


CREATE = "^/v1/accounts/[^/]+/supervisedFineTuningJobs$"


def creates(server) -> int:
    return sum(1 for method, path in server.requests
               if method == "POST" and path == f"/v1/accounts/{ACCOUNT}/supervisedFineTuningJobs")


def test_ids_come_from_the_data_and_settings_and_a_rerun_finds_both(fake_fireworks, train):
    plan = SubmissionPlan(training_path=train, model=MODEL, n_epochs=2)
    with make_fireworks_provider(fake_fireworks) as provider:
        assert isinstance(provider, Provider)
        result, _ = run_submit(provider, plan)
        again, _ = run_submit(provider, plan)
    tag = fingerprint(plan, provider_name="fireworks").tag
    assert result.job.id == f"accounts/{ACCOUNT}/supervisedFineTuningJobs/ftp-{tag[2:]}"
    assert again.reused and again.job.id == result.job.id
    assert list(fake_fireworks.datasets) == [result.job.training_file] and len(fake_fireworks.jobs) == 1
    assert fake_fireworks.jobs[f"supervisedFineTuningJobs/ftp-{tag[2:]}"].params["epochs"] == 2


def test_a_large_file_goes_through_the_signed_url_without_the_key(fake_fireworks, train):
    with make_fireworks_provider(fake_fireworks, simple_upload_limit=100) as provider:
        remote = provider.upload_file(train)
    assert remote.status == "processed"
    assert ("PUT", f"/upload/signed/{remote.id}/train.jsonl") in fake_fireworks.requests
    assert not any(path.endswith(":upload") for _, path in fake_fireworks.requests)
    assert fake_fireworks.datasets[remote.id].content == train.read_bytes()


def test_an_invalid_dataset_is_reported_with_its_reason_and_no_job(fake_fireworks, tmp_path):
    path = tmp_path / "two.jsonl"
    path.write_text("\n".join(messy_chat_lines()[:2]) + "\n", encoding="utf-8")
    with make_fireworks_provider(fake_fireworks) as provider, pytest.raises(SubmissionError) as caught:
        run_submit(provider, SubmissionPlan(training_path=path, model=MODEL))
    assert "at least 3 are required" in str(caught.value) and "deleted" in str(caught.value)
    assert fake_fireworks.jobs == {} and fake_fireworks.datasets == {}


@pytest.mark.parametrize("fault", ["hang_after", "drop_after", "500"])
def test_a_lost_create_is_sent_again_with_the_same_id_and_makes_one_job(fake_fireworks, train, fault):
    fake_fireworks.inject(fault, "POST", CREATE, hang_seconds=3)
    with make_fireworks_provider(fake_fireworks, timeout=1.0) as provider:
        result, progress = run_submit(provider, SubmissionPlan(training_path=train, model=MODEL))
    assert len(fake_fireworks.jobs) == 1 and result.job.status != "failed"
    assert any("sending the same create again" in p.message for p in progress)


def test_429_on_create_is_retried(fake_fireworks, train):
    fake_fireworks.inject("429", "POST", CREATE, times=2)
    with make_fireworks_provider(fake_fireworks) as provider:
        run_submit(provider, SubmissionPlan(training_path=train, model=MODEL))
    assert len(fake_fireworks.jobs) == 1 and creates(fake_fireworks) == 3


def test_a_failed_job_is_followed_by_a_fresh_id(fake_fireworks, train):
    plan = SubmissionPlan(training_path=train, model=MODEL)
    fake_fireworks.fail_next_job = True
    with make_fireworks_provider(fake_fireworks) as provider:
        first, _ = run_submit(provider, plan)
        for _ in range(4):
            provider.retrieve_job(first.job.id)
        assert provider.retrieve_job(first.job.id).status == "failed"
        second, _ = run_submit(provider, plan)
    assert second.job.id == first.job.id + "-r2" and not second.reused


def test_dpo_jobs_are_created_found_and_cancelled(fake_fireworks, tmp_path):
    path = tmp_path / "dpo.jsonl"
    rows = [{"input": {"messages": [{"role": "user", "content": f"Say {n}"}]},
             "preferred_output": [{"role": "assistant", "content": f"{n}"}],
             "non_preferred_output": [{"role": "assistant", "content": f"{n + 1}"}]} for n in range(5)]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    with make_fireworks_provider(fake_fireworks) as provider:
        result, _ = run_submit(provider, SubmissionPlan(training_path=path, model=MODEL, method="dpo", n_epochs=1))
        assert "/dpoJobs/" in result.job.id and result.job.method == "dpo"
        assert [job.id for job in provider.list_jobs()] == [result.job.id]
        assert provider.cancel_job(result.job.id).status == "cancelled"


def test_cli_submit_watch_and_cancel(fake_fireworks, train, prices, capsys):
    assert cli(fake_fireworks, "submit", train, "--model", MODEL, "--prices", prices, "--yes") == 0
    job_id = capsys.readouterr().out.strip()
    assert job_id.startswith(f"accounts/{ACCOUNT}/supervisedFineTuningJobs/ftp-")
    assert cli(fake_fireworks, "jobs", job_id, "--cancel") == 0
    assert "Cancelled" in capsys.readouterr().err


def test_watch_shows_state_progress_and_fireworks_own_estimate(fake_fireworks, train, prices, capsys):
    assert cli(fake_fireworks, "submit", train, "--model", MODEL, "--prices", prices, "--yes", "--epochs", "2") == 0
    job_id = capsys.readouterr().out.strip()
    words = next(iter(fake_fireworks.jobs.values())).words
    assert cli(fake_fireworks, "jobs", job_id, "--watch", "--interval", "0.01") == 0
    out = capsys.readouterr().out
    expected_cost = Decimal(words * 2 * 500) / 10**9
    assert f"Fireworks estimates the job at USD {expected_cost}" in out
    assert "progress 50%, epoch 1" in out and f"progress 100%, epoch 2, {words * 2:,} input tokens processed" in out
    assert out.count("Fireworks estimates") == 1  # an unchanged report is not repeated
    # No trained-token count: nothing to compare, and nothing made up.
    assert "vs estimate" not in out and "succeeded" in out
    assert cli(fake_fireworks, "jobs", job_id, "--events", "--format", "json") == 0
    kinds = {event["type"]: event for event in json.loads(capsys.readouterr().out)}
    assert kinds["estimated_cost"]["data"] == {"estimated_cost": str(expected_cost), "currency": "USD"}
    assert kinds["progress"]["data"] == {"percent": 100, "epoch": 1, "input_tokens": words * 2}
    assert kinds["status"]["message"] == "state JOB_STATE_COMPLETED"


def test_missing_account_is_a_usage_error(fake_fireworks, train, prices, capsys, monkeypatch):
    monkeypatch.delenv("FIREWORKS_ACCOUNT_ID")
    with pytest.raises(ProviderConfigError, match="--account-id"):
        make_provider("fireworks", environ={"FIREWORKS_API_KEY": DEFAULT_API_KEY})
    assert cli(fake_fireworks, "submit", train, "--model", MODEL, "--prices", prices, "--yes") == 2
    assert "FIREWORKS_ACCOUNT_ID" in capsys.readouterr().err


def test_a_run_killed_mid_upload_is_finished_by_the_rerun(tmp_path, train, prices, capsys):
    with FakeFireworks() as server:
        server.inject("hang_before", "POST", "^/v1/accounts/[^/]+/datasets/[^/]+:upload$", hang_seconds=60)
        command = [sys.executable, "-m", "tui.cli", "submit", str(train), "--model", MODEL, "--yes",
                   "--prices", str(prices), "--provider", "fireworks", "--base-url", server.base_url]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "FIREWORKS_"))}
        env.update(FIREWORKS_API_KEY=DEFAULT_API_KEY, FIREWORKS_ACCOUNT_ID=ACCOUNT,
                   XDG_STATE_HOME=str(tmp_path / "state"), PYTHONPATH=str(ROOT))
        proc = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            assert wait_until(lambda: any(p.endswith(":upload") for _, p in server.requests), timeout=60)
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        server.clear_faults()
        (partial,) = server.datasets.values()
        assert partial.state == "UPLOADING" and server.jobs == {}

        assert cli(server, "submit", train, "--model", MODEL, "--prices", prices, "--yes") == 0
        (dataset,) = server.datasets.values()
        (job,) = server.jobs.values()
        assert dataset.id == partial.id and dataset.state == "READY"
        assert job.params["dataset"].endswith(dataset.id)
