"""Issue 12 ("Money"): a job is created once, whatever fails, and keys never leak.

The real ``openai`` SDK talks to the stateful fake in ``tests/fake_openai`` with injected
faults; waits go through an injected ``sleep`` (and the fake's clock) so nothing really
sleeps for long."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from fake_openai import DEFAULT_API_KEY, FakeOpenAI, fake_openai, make_test_provider, wait_until, write_chat_jsonl  # noqa: F401

from tui.cli import main
from tui.services.submit import MAX_RETRY_WAIT, SubmissionError, SubmissionPlan, submit

MODEL = "gpt-4o-mini-2024-07-18"
ROOT = Path(__file__).resolve().parent.parent


class FakeClock:
    """Shared by the fake server (when a lagging job shows up) and ``submit`` (its sleeps)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def no_sleep(seconds: float) -> None:
    pass


@pytest.fixture
def plan(tmp_path) -> SubmissionPlan:
    path = tmp_path / "train.jsonl"
    write_chat_jsonl(path, 12)
    return SubmissionPlan(training_path=path, model=MODEL, n_epochs=2)


def run(provider, plan, **kwargs):
    progress = []
    kwargs.setdefault("sleep", no_sleep)
    kwargs.setdefault("check_delays", (0.0, 0.0, 0.0))
    result = submit(provider, plan, on_progress=progress.append, retry_delay=0.0, **kwargs)
    return result, progress


def break_job_lists_once_creating(server: FakeOpenAI, kind: str):
    """Make every job-list request fail from the moment the create is sent."""

    def on_progress(progress):
        if progress.stage == "create":
            server.inject(kind, "GET", "/fine_tuning/jobs", times=1000, hang_seconds=1.0)
    return on_progress


# --------------------------------------------------------------------------- unknown outcomes

@pytest.mark.parametrize("create_fault", ["drop_after", "hang_after"])
@pytest.mark.parametrize("check_fault", ["503", "drop", "hang_before"])
def test_unknown_create_with_failing_checks_makes_one_job_and_a_rerun_finds_it(tmp_path, plan, create_fault,
                                                                                check_fault):
    with FakeOpenAI() as server:
        provider = make_test_provider(server, timeout=0.5, max_retries=0)
        server.inject(create_fault, "POST", "/fine_tuning/jobs", hang_seconds=1.5)
        with pytest.raises(SubmissionError) as info:
            submit(provider, plan, on_progress=break_job_lists_once_creating(server, check_fault), sleep=no_sleep,
                   check_delays=(0.0, 0.0))
        message = str(info.value)
        assert "A re-run is safe" in message and "\n" not in message
        assert len(server.jobs) == 1 and server.count("POST", "/fine_tuning/jobs") == 1

        server.clear_faults()
        uploads = server.count("POST", "/files")
        again, _ = run(make_test_provider(server), plan)
        assert again.reused and again.job.id in server.jobs
        assert len(server.jobs) == 1 and server.count("POST", "/files") == uploads


def test_500_on_create_is_not_resent_and_the_rerun_creates_from_the_same_upload(fake_openai, plan):
    provider = make_test_provider(fake_openai, max_retries=0)
    fake_openai.inject("500", "POST", "/fine_tuning/jobs")
    with pytest.raises(SubmissionError, match="A re-run is safe") as info:
        run(provider, plan)
    assert fake_openai.count("POST", "/fine_tuning/jobs") == 1 and fake_openai.jobs == {}
    (kept,) = info.value.leftover_file_ids

    result, progress = run(provider, plan)
    assert not result.reused and result.job.training_file == kept
    assert "reuse" in [p.stage for p in progress]
    assert fake_openai.count("POST", "/files") == 1 and [f.id for f in fake_openai.live_files()] == [kept]
    assert len(fake_openai.jobs) == 1


def test_a_job_list_that_lags_a_few_seconds_still_finds_the_job(plan):
    clock = FakeClock()
    with FakeOpenAI(list_lag=5.0, clock=clock) as server:
        provider = make_test_provider(server, timeout=2.0)
        server.inject("drop_after", "POST", "/fine_tuning/jobs")
        result, progress = run(provider, plan, sleep=clock.sleep, check_delays=(1.0, 2.0, 4.0, 8.0))
        assert len(server.jobs) == 1 and result.job.id in server.jobs
        assert server.count("POST", "/fine_tuning/jobs") == 1
        assert "existing" in [p.stage for p in progress] and sum(clock.slept) >= 5.0


# --------------------------------------------------------------------------- metadata dropped

def test_a_server_that_drops_metadata_gets_a_local_record_and_a_warning(tmp_path, plan):
    with FakeOpenAI(keeps_metadata=False) as server:
        provider = make_test_provider(server)
        first, _ = run(provider, plan)
        assert first.job.metadata == {}
        (warning,) = first.warnings
        assert "did not keep the job's metadata" in warning and str(tmp_path / "state") in warning

        again, _ = run(provider, plan)
        assert again.reused and again.job.id == first.job.id
        assert len(server.jobs) == 1 and server.count("POST", "/files") == 1


def test_the_estimate_comes_back_from_the_local_record_when_the_metadata_was_dropped(plan):
    from dataclasses import replace

    from tui.services.submit import compare_trained_tokens

    with FakeOpenAI(keeps_metadata=False) as server:
        provider = make_test_provider(server)
        result, _ = run(provider, replace(plan, tokens_per_epoch=777, estimated_epochs=2))
        server.advance(result.job.id, steps=4)
        done = provider.retrieve_job(result.job.id)
    assert done.status == "succeeded" and done.metadata == {} and done.trained_tokens
    comparison = compare_trained_tokens(done)
    assert (comparison.estimated, comparison.trained) == (777 * 2, done.trained_tokens)


def test_cli_warns_when_the_metadata_was_dropped(tmp_path, plan, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OPENAI_API_KEY", DEFAULT_API_KEY)
    with FakeOpenAI(keeps_metadata=False) as server:
        args = ["submit", str(plan.training_path), "--model", "gpt-4o-mini", "--yes", "--base-url", server.base_url]
        assert main(args) == 0
        out, err = capsys.readouterr()
        assert "warning: the provider did not keep the job's metadata" in err
        assert main(args) == 0
        assert capsys.readouterr().out == out and len(server.jobs) == 1


# --------------------------------------------------------------------------- concurrency, crashes

def cli_env(tmp_path: Path, key: str = DEFAULT_API_KEY) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AZURE_"))}
    env.update(OPENAI_API_KEY=key, XDG_STATE_HOME=str(tmp_path / "state"), PYTHONPATH=str(ROOT))
    return env


def test_two_concurrent_submits_of_the_same_file_make_one_job(tmp_path, plan):
    # Uploads take 3 s, so without the lock both runs look, find nothing, upload and create.
    with FakeOpenAI(upload_delay=3.0) as server:
        command = [sys.executable, "-m", "tui.cli", "submit", str(plan.training_path), "--model", "gpt-4o-mini",
                   "--yes", "--base-url", server.base_url]
        runs = [subprocess.Popen(command, cwd=tmp_path, env=cli_env(tmp_path), stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for _ in range(2)]
        outputs = [proc.communicate(timeout=120) for proc in runs]
        assert [proc.returncode for proc in runs] == [0, 0], outputs
        assert len(server.jobs) == 1 and server.count("POST", "/files") == 1
        (job_id,) = server.jobs
        assert [out.strip() for out, _ in outputs] == [job_id, job_id]
        assert any("already exists" in err for _, err in outputs)


def test_a_run_killed_between_upload_and_create_is_resumed_with_the_same_file(tmp_path, plan, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OPENAI_API_KEY", DEFAULT_API_KEY)
    with FakeOpenAI() as server:
        server.inject("hang_before", "POST", "/fine_tuning/jobs", hang_seconds=60)
        command = [sys.executable, "-m", "tui.cli", "submit", str(plan.training_path), "--model", "gpt-4o-mini",
                   "--yes", "--base-url", server.base_url]
        proc = subprocess.Popen(command, cwd=tmp_path, env=cli_env(tmp_path), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        try:
            assert wait_until(lambda: server.count("POST", "/fine_tuning/jobs") == 1, timeout=60)
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        server.clear_faults()
        (orphan,) = server.live_files()
        assert server.jobs == {}

        assert main(["submit", str(plan.training_path), "--model", "gpt-4o-mini", "--yes",
                     "--base-url", server.base_url]) == 0
        err = capsys.readouterr().err
        assert f"Reusing {orphan.id}" in err
        (job,) = server.jobs.values()
        assert job.training_file == orphan.id
        assert server.count("POST", "/files") == 1 and [f.id for f in server.live_files()] == [orphan.id]


# --------------------------------------------------------------------------- keys

ODD_KEY = "gateway-token-9f8e7d6c5b4a39281706"


def test_a_key_of_any_shape_is_never_printed(tmp_path, plan, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OPENAI_API_KEY", ODD_KEY)
    with FakeOpenAI(api_key=ODD_KEY) as server:
        # The key is also part of the URL, as some gateways want it, and the gateway echoes both.
        base_url = server.base_url.replace("/v1", f"/gw/{ODD_KEY}/v1")
        server.inject("echo", "POST", "/files")
        status = main(["submit", str(plan.training_path), "--model", "gpt-4o-mini", "--yes", "--base-url", base_url])
        out, err = capsys.readouterr()
        assert status == 1
        assert "Gateway refused" in err and "[redacted]" in err
        assert ODD_KEY not in out + err and ODD_KEY[-12:] not in out + err

        server.inject("echo", "GET", "/fine_tuning/jobs")
        assert main(["jobs", "--base-url", base_url]) == 1
        out, err = capsys.readouterr()
        assert "Gateway refused" in err and ODD_KEY[-12:] not in out + err


# --------------------------------------------------------------------------- refusals

def test_the_wind_down_refusal_is_one_sentence_with_the_date_and_exit_1(fake_openai, plan, capsys, monkeypatch,
                                                                         tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OPENAI_API_KEY", DEFAULT_API_KEY)
    fake_openai.inject("403_training", "POST", "/fine_tuning/jobs")
    status = main(["submit", str(plan.training_path), "--model", "gpt-4o-mini", "--yes",
                   "--base-url", fake_openai.base_url])
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert status == 1
    assert "2027-01-06" in line and "training_not_available" in line and "API key" not in line
    assert line.endswith(".") and ". " not in line  # one sentence
    assert fake_openai.jobs == {} and fake_openai.live_files() == []


def test_429_until_the_end_says_no_job_was_created_and_deletes_the_upload(fake_openai, plan, capsys, monkeypatch,
                                                                           tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OPENAI_API_KEY", DEFAULT_API_KEY)
    fake_openai.inject("429", "POST", "/fine_tuning/jobs", times=100)
    status = main(["submit", str(plan.training_path), "--model", "gpt-4o-mini", "--yes",
                   "--base-url", fake_openai.base_url])
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert status == 1
    assert "no job was created" in line and "were deleted" in line and "could not confirm" not in line.lower()
    assert fake_openai.jobs == {} and fake_openai.live_files() == []


def test_retry_after_is_obeyed_up_to_a_cap(fake_openai, plan):
    provider = make_test_provider(fake_openai)
    slept: list[float] = []
    fake_openai.inject("429", "POST", "/fine_tuning/jobs", retry_after="7")
    result, _ = run(provider, plan, sleep=slept.append)
    assert 7.0 in slept and max(slept) == 7.0 and len(fake_openai.jobs) == 1

    other = SubmissionPlan(plan.training_path, MODEL, n_epochs=3)
    fake_openai.inject("429", "POST", "/fine_tuning/jobs", retry_after="86400")
    slept.clear()
    with pytest.raises(SubmissionError) as info:
        run(provider, other, sleep=slept.append)
    assert all(seconds <= MAX_RETRY_WAIT for seconds in slept)
    assert "wait 24 h" in str(info.value) and "no job was created" in str(info.value)
    assert len(fake_openai.jobs) == 1 and len(fake_openai.live_files()) == 1


# --------------------------------------------------------------------------- limits before upload

@pytest.mark.parametrize("flags, expected", [
    (["--suffix", "x" * 65], "--suffix must be 1 to 64 characters"),
    (["--seed", "-1"], "--seed must be between 0 and 2,147,483,647"),
    (["--seed", str(2**31)], "--seed must be between 0 and 2,147,483,647"),
    (["--batch-size", "257"], "--batch-size must be between 1 and 256"),
    (["--model", "gpt-4.1-mini", "--method", "dpo", "--beta", "2.5"], "--beta must be greater than 0 and at most 2"),
])
def test_api_limits_are_checked_before_any_upload(fake_openai, plan, capsys, monkeypatch, tmp_path, flags, expected):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OPENAI_API_KEY", DEFAULT_API_KEY)
    status = main(["submit", str(plan.training_path), "--model", "gpt-4o-mini", "--yes",
                   "--base-url", fake_openai.base_url, *flags])
    err = capsys.readouterr().err
    assert status == 2 and expected in err
    assert fake_openai.requests == []


def test_the_engine_checks_the_limits_too(fake_openai, plan):
    with pytest.raises(SubmissionError, match="--batch-size must be between 1 and 256"):
        run(make_test_provider(fake_openai), SubmissionPlan(plan.training_path, MODEL, batch_size=300))
    assert fake_openai.requests == []


# --------------------------------------------------------------------------- uploads nobody is told about

def test_an_upload_whose_answer_was_lost_is_adopted_not_duplicated(fake_openai, plan):
    provider = make_test_provider(fake_openai)
    fake_openai.inject("drop_after", "POST", "/files")
    result, _ = run(provider, plan)
    assert fake_openai.count("POST", "/files") == 1
    assert [f.id for f in fake_openai.live_files()] == [result.job.training_file]


def test_a_failed_multi_part_upload_is_cancelled(fake_openai, plan):
    provider = make_test_provider(fake_openai, max_retries=0, chunked_upload_threshold=100, part_size=400)
    provider.sleep = no_sleep
    fake_openai.inject("500", "POST", r"^/uploads/[^/]+/parts$", times=1000)
    with pytest.raises(Exception):
        run(provider, plan)
    created = [upload for upload in fake_openai.uploads.values()]
    assert created and all(upload["status"] == "cancelled" for upload in created)
    assert fake_openai.live_files() == [] and fake_openai.jobs == {}


def test_an_unwritable_state_directory_stops_before_anything_is_sent(fake_openai, plan, capsys, monkeypatch,
                                                                      tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OPENAI_API_KEY", DEFAULT_API_KEY)
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    monkeypatch.setenv("XDG_STATE_HOME", str(blocker))
    status = main(["submit", str(plan.training_path), "--model", "gpt-4o-mini", "--yes",
                   "--base-url", fake_openai.base_url])
    err = capsys.readouterr().err
    assert status == 1 and "cannot create the lock" in err and "XDG_STATE_HOME" in err and "Traceback" not in err
    assert fake_openai.count("POST", "/files") == 0 and fake_openai.jobs == {}
