"""Together AI end to end: the real ``together`` SDK against the local fake in
``tests/fake_together`` (127.0.0.1, started here), through the provider, the submission
service and the CLI. No test talks to Together."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from fake_together import DEFAULT_API_KEY, FakeTogether, fake_together, make_together_provider, wait_until  # noqa: F401

from tui.cli import main
from tui.providers import JobSpec, ModelNotAvailable, OutcomeUnknown, Provider, TransientError
from tui.services.submit import SubmissionError, SubmissionPlan, fingerprint, submit

ROOT = Path(__file__).resolve().parent.parent
MODEL = "openai/gpt-oss-20b"
PRICES = """
provider = "together"
as_of = 2026-11-20
source = "https://www.together.ai/pricing"

[[models]]
id = "openai/gpt-oss-20b"
methods = ["supervised", "dpo"]
training_context_tokens = 16384
encoding = "o200k_base"
training_usd_per_1m_tokens = "0.48"
input_usd_per_1m = "0.20"
output_usd_per_1m = "0.20"
source = "https://www.together.ai/pricing"
"""


CREATE = "^/v1/fine-tunes$"
"""The create request only (not ``/v1/fine-tunes/estimate-price``)."""


def creates(server) -> int:
    return server.requests.count(("POST", "/v1/fine-tunes"))


def messy_chat_lines() -> list[str]:
    """Chat records the way real exports look: unicode, tool calls, a system prompt on some
    rows only, odd spacing inside the JSON."""
    lines = []
    for number in range(12):
        messages = []
        if number % 3 == 0:
            messages.append({"role": "system", "content": "Réponds brièvement.  "})
        messages.append({"role": "user", "content": f"Combien font {number} × 2 ? 🙂"})
        if number % 4 == 1:
            messages.append({"role": "assistant", "content": None, "tool_calls": [
                {"id": f"call_{number}", "type": "function",
                 "function": {"name": "multiply", "arguments": json.dumps({"a": number, "b": 2})}}]})
            messages.append({"role": "tool", "tool_call_id": f"call_{number}", "content": str(number * 2)})
        messages.append({"role": "assistant", "content": f"Ça fait {number * 2}."})
        record = {"messages": messages}
        if number % 4 == 1:
            record["tools"] = [{"type": "function", "function": {
                "name": "multiply", "parameters": {"type": "object", "properties": {
                    "a": {"type": "number"}, "b": {"type": "number"}}}}}]
        lines.append(json.dumps(record, ensure_ascii=number % 2 == 0, separators=(", ", ": ")))
    return lines


@pytest.fixture
def train(tmp_path) -> Path:
    path = tmp_path / "train.jsonl"
    path.write_bytes(("\r\n".join(messy_chat_lines()) + "\r\n").encode("utf-8"))
    return path


@pytest.fixture
def prices(tmp_path) -> Path:
    path = tmp_path / "together-prices.toml"
    path.write_text(PRICES, encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def environment(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("TOGETHER_API_KEY", DEFAULT_API_KEY)
    for name in ("TOGETHER_BASE_URL", "TOGETHER_PROJECT_ID"):
        monkeypatch.delenv(name, raising=False)


def no_sleep(seconds: float) -> None:
    pass


def run_submit(provider, plan, **kwargs):
    progress = []
    kwargs.setdefault("check_delays", (0.0, 0.0))
    result = submit(provider, plan, on_progress=progress.append, sleep=no_sleep, retry_delay=0.0,
                    file_poll_interval=0.01, **kwargs)
    return result, progress


def cli(server, *args):
    return main([*map(str, args), "--provider", "together", "--base-url", server.base_url, "--timeout", "5"])


# --------------------------------------------------------------------------- provider

def test_the_provider_implements_the_protocol_and_tags_the_suffix(fake_together, train):
    with make_together_provider(fake_together) as provider:
        assert isinstance(provider, Provider)
        remote = provider.upload_file(train)
        assert provider.retrieve_file(remote.id).status == "processed"
        job = provider.create_job(JobSpec(model=MODEL, training_file_id=remote.id, hyperparameters={"n_epochs": 2},
                                          suffix="demo", tag="fp0123456789abcdef01", training_type="full"))
    stored = fake_together.jobs[job.id]
    assert stored.params["suffix"] == "demo-fp0123456789abcdef01"
    assert stored.params["training_type"] == {"type": "Full"} and stored.params["n_epochs"] == 2
    assert job.tag == "fp0123456789abcdef01" and job.status == "queued"


def test_the_same_file_uploaded_twice_is_stored_once(fake_together, train):
    with make_together_provider(fake_together) as provider:
        first = provider.upload_file(train)
        second = provider.upload_file(train)
    assert first.id == second.id and len(fake_together.live_files()) == 1


@pytest.mark.parametrize("fault, where", [("500", "^/v1/files$"), ("drop", "/upload/"), ("429", "^/v1/files$")])
def test_a_failed_upload_attempt_is_retried_and_leaves_no_copy(fake_together, train, fault, where):
    fake_together.inject(fault, "", where)
    with make_together_provider(fake_together, sleep=no_sleep) as provider:
        remote = provider.upload_file(train)
    assert [f.id for f in fake_together.live_files()] == [remote.id]
    assert fake_together.files[remote.id].content == train.read_bytes()


def test_unknown_model_is_model_not_available(fake_together, train):
    with make_together_provider(fake_together) as provider:
        remote = provider.upload_file(train)
        with pytest.raises(ModelNotAvailable, match="not available for fine-tuning"):
            provider.create_job(JobSpec(model="gpt-4o-mini", training_file_id=remote.id))


def test_a_create_that_times_out_is_outcome_unknown_and_never_resent(fake_together, train):
    with make_together_provider(fake_together, timeout=1.0, max_retries=3) as provider:
        remote = provider.upload_file(train)
        assert provider.retrieve_file(remote.id).status == "processed"
        fake_together.inject("hang_after", "POST", CREATE, hang_seconds=3)
        with pytest.raises(OutcomeUnknown):
            provider.create_job(JobSpec(model=MODEL, training_file_id=remote.id))
    assert creates(fake_together) == 1
    assert len(fake_together.jobs) == 1


def test_rate_limits_on_reads_are_retried_by_the_sdk_and_reported_when_they_last(fake_together, train):
    with make_together_provider(fake_together, max_retries=2) as provider:
        fake_together.inject("429", "GET", "/v1/fine-tunes", times=1)
        assert provider.list_jobs() == []
        fake_together.inject("503", "GET", "/v1/fine-tunes", times=10, retry_after="7")
        with pytest.raises(TransientError) as caught:
            provider.list_jobs()
    assert caught.value.status == 503 and caught.value.retry_after == 7.0


# --------------------------------------------------------------------------- submission

def test_submit_runs_once_and_a_rerun_finds_the_job_by_its_suffix_tag(fake_together, train):
    plan = SubmissionPlan(training_path=train, model=MODEL, n_epochs=2, suffix="faq")
    with make_together_provider(fake_together) as provider:
        result, _ = run_submit(provider, plan)
        again, progress = run_submit(provider, plan)
    assert not result.reused and again.reused and again.job.id == result.job.id
    assert len(fake_together.jobs) == 1 and len(fake_together.live_files()) == 1
    tag = fingerprint(plan, provider_name="together").tag
    assert fake_together.jobs[result.job.id].params["suffix"] == f"faq-{tag}"
    assert any(p.stage == "existing" for p in progress)


def test_a_file_together_marks_invalid_is_reported_with_its_reason_and_no_job(fake_together, tmp_path):
    path = tmp_path / "bad.jsonl"
    rows = [{"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"},
                          {"role": "assistant", "content": "c"}]}] * 3
    path.write_text("\n".join(json.dumps(row) for row in rows) + "\n", encoding="utf-8")
    plan = SubmissionPlan(training_path=path, model=MODEL)
    with make_together_provider(fake_together, check_files=False) as provider, \
            pytest.raises(SubmissionError) as caught:
        run_submit(provider, plan)
    message = str(caught.value)
    assert "two consecutive 'user' messages" in message and "deleted" in message
    assert fake_together.jobs == {} and fake_together.live_files() == []


def test_429_then_success_on_create_makes_one_job(fake_together, train):
    fake_together.inject("429", "POST", CREATE, times=2)
    plan = SubmissionPlan(training_path=train, model=MODEL)
    with make_together_provider(fake_together) as provider:
        result, progress = run_submit(provider, plan)
    assert len(fake_together.jobs) == 1 and [p.stage for p in progress].count("retry") == 2
    assert result.job.id in fake_together.jobs


@pytest.mark.parametrize("fault", ["hang_after", "drop_after", "500"])
def test_timeout_or_server_error_after_create_looks_before_anything_else(fake_together, train, fault):
    # hang_after / drop_after: the job exists but the answer is lost. 500: nothing happened.
    fake_together.inject(fault, "POST", CREATE, hang_seconds=3)
    plan = SubmissionPlan(training_path=train, model=MODEL)
    with make_together_provider(fake_together, timeout=1.0) as provider:
        if fault == "500":
            with pytest.raises(SubmissionError, match="A re-run is safe"):
                run_submit(provider, plan)
            assert fake_together.jobs == {}
            result, _ = run_submit(provider, plan)  # the re-run creates it from the same upload
        else:
            result, _ = run_submit(provider, plan)
    assert len(fake_together.jobs) == 1 and result.job.id in fake_together.jobs
    assert len(fake_together.live_files()) == 1
    assert creates(fake_together) == (2 if fault == "500" else 1)


def test_cancel_and_follow_through_the_cli(fake_together, train, prices, capsys):
    assert cli(fake_together, "submit", train, "--model", MODEL, "--prices", prices, "--yes", "--epochs", "2") == 0
    job_id = capsys.readouterr().out.strip()
    assert job_id in fake_together.jobs
    assert cli(fake_together, "jobs", job_id, "--cancel") == 0
    assert fake_together.jobs[job_id].status == "cancelled"
    assert "Cancelled" in capsys.readouterr().err


def test_watch_shows_events_and_loss_until_done(fake_together, train, prices, capsys):
    assert cli(fake_together, "submit", train, "--model", MODEL, "--prices", prices, "--yes") == 0
    job_id = capsys.readouterr().out.strip()
    assert cli(fake_together, "jobs", job_id, "--watch", "--interval", "0.01") == 0
    out = capsys.readouterr().out
    assert "Training started" in out and "training loss 0.6667" in out and "succeeded" in out


def test_after_the_job_the_trained_tokens_and_price_are_compared_with_the_estimate(fake_together, train, prices,
                                                                                  capsys):
    # Together keeps no metadata: the estimate comes back from the local submission record.
    assert cli(fake_together, "submit", train, "--model", MODEL, "--prices", prices, "--yes", "--epochs", "3") == 0
    job_id = capsys.readouterr().out.strip()
    assert cli(fake_together, "jobs", job_id, "--watch", "--interval", "0.01", "--format", "json") == 0
    final = json.loads(capsys.readouterr().out.splitlines()[-1])["job"]
    words = fake_together.jobs[job_id].words
    assert final["trained_tokens"] == words * 3
    assert Decimal(final["billed_usd"]) == Decimal(words * 3 * 480) / 10**9  # nanodollars, as a string
    comparison = final["token_comparison"]
    assert comparison["trained"] == words * 3 and comparison["estimated"] > 0
    assert comparison["estimated"] % 3 == 0 and comparison["difference"] == words * 3 - comparison["estimated"]
    assert cli(fake_together, "jobs", job_id) == 0
    out = capsys.readouterr().out
    assert "vs estimate" in out and f"trained {words * 3:,} tokens" in out
    assert "billed" in out and "$0.0" in out and "(the provider's price)" in out


def test_cli_rerun_prints_the_same_job_and_a_key_is_never_printed(fake_together, train, prices, capsys):
    assert cli(fake_together, "submit", train, "--model", MODEL, "--prices", prices, "--yes") == 0
    first = capsys.readouterr()
    assert cli(fake_together, "submit", train, "--model", MODEL, "--prices", prices, "--yes") == 0
    second = capsys.readouterr()
    assert first.out == second.out and "already exists" in second.err
    fake_together.inject("echo", "GET", "/v1/fine-tunes")
    assert cli(fake_together, "jobs") == 1
    err = capsys.readouterr().err
    assert DEFAULT_API_KEY not in err and "[redacted]" in err


def test_a_suffix_too_long_for_the_tag_is_refused_before_upload(fake_together, train, prices, capsys):
    assert cli(fake_together, "submit", train, "--model", MODEL, "--prices", prices, "--yes",
               "--suffix", "x" * 20) == 2
    assert "--suffix must be 1 to 19 characters for together" in capsys.readouterr().err
    assert fake_together.requests == []


def test_missing_key_names_the_variable(fake_together, train, prices, capsys, monkeypatch):
    monkeypatch.delenv("TOGETHER_API_KEY")
    assert cli(fake_together, "submit", train, "--model", MODEL, "--prices", prices, "--yes") == 2
    assert "TOGETHER_API_KEY" in capsys.readouterr().err


def test_an_approval_for_another_provider_is_refused(fake_together, train, prices, tmp_path, capsys):
    out_dir = tmp_path / "approvals"
    assert main(["approve", str(train), "--model", "gpt-4o-mini", "--budget", "50", "--approver", "Ana",
                 "-o", str(out_dir)]) == 0
    (approval,) = out_dir.glob("*.approval.json")
    capsys.readouterr()
    assert cli(fake_together, "submit", train, "--model", MODEL, "--prices", prices, "--yes",
               "--approval", approval) == 1
    err = capsys.readouterr().err
    assert "setting provider: approved 'openai', now 'together'" in err
    assert fake_together.requests == []


def cli_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AZURE_", "TOGETHER_"))}
    env.update(TOGETHER_API_KEY=DEFAULT_API_KEY, XDG_STATE_HOME=str(tmp_path / "state"), PYTHONPATH=str(ROOT))
    return env


def test_a_run_killed_mid_upload_leaves_nothing_behind_after_the_rerun(tmp_path, train, prices, capsys):
    with FakeTogether() as server:
        server.inject("hang_before", "PUT", "/upload/", hang_seconds=60)
        command = [sys.executable, "-m", "tui.cli", "submit", str(train), "--model", MODEL, "--yes",
                   "--prices", str(prices), "--provider", "together", "--base-url", server.base_url]
        proc = subprocess.Popen(command, cwd=tmp_path, env=cli_env(tmp_path), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        try:
            assert wait_until(lambda: server.count("PUT", "/upload/") == 1, timeout=60)
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        server.clear_faults()
        (partial,) = server.live_files()
        assert partial.content is None and server.jobs == {}

        assert cli(server, "submit", train, "--model", MODEL, "--prices", prices, "--yes") == 0
        err = capsys.readouterr().err
        assert f"Deleting {partial.id}" in err
        (job,) = server.jobs.values()
        (kept,) = server.live_files()
        assert job.training_file == kept.id != partial.id
