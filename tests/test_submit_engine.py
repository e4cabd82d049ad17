"""The submission engine (tui.services.submit) against the local fake API: idempotency,
retries, crash recovery and cleanup."""

from __future__ import annotations

import pytest
from fake_openai import fake_openai, make_test_provider, write_chat_jsonl  # noqa: F401

from tui import __version__
from tui.providers import CredentialsError
from tui.services.submit import (
    META_SHA256,
    META_TOKENS_PER_EPOCH,
    META_VERSION,
    SubmissionError,
    SubmissionPlan,
    compare_trained_tokens,
    file_sha256,
    find_existing_job,
    fingerprint,
    submit,
    watch_job,
)

MODEL = "gpt-4o-mini-2024-07-18"


def no_sleep(seconds: float) -> None:
    pass


@pytest.fixture
def provider(fake_openai):
    provider = make_test_provider(fake_openai)
    yield provider
    provider.close()


@pytest.fixture
def plan(tmp_path) -> SubmissionPlan:
    path = tmp_path / "train.jsonl"
    write_chat_jsonl(path, 12)
    return SubmissionPlan(training_path=path, model=MODEL, n_epochs=2, tokens_per_epoch=200, estimated_epochs=2)


def run(provider, plan, **kwargs):
    progress = []
    kwargs.setdefault("check_delays", (0.0,))
    result = submit(provider, plan, on_progress=progress.append, sleep=no_sleep, retry_delay=0.0, **kwargs)
    return result, progress


def test_submit_uploads_waits_and_creates_a_tagged_job(provider, fake_openai, plan):
    result, progress = run(provider, plan)
    assert not result.reused and result.job.status == "validating_files"
    assert result.job.metadata[META_SHA256] == file_sha256(plan.training_path)
    assert result.job.metadata[META_VERSION] == __version__
    stages = [p.stage for p in progress]
    assert stages[0] == "lookup" and "upload" in stages and "processing" in stages and stages[-1] == "created"
    uploads = [p for p in progress if p.stage == "upload"]
    assert uploads[-1].done == uploads[-1].total == plan.training_path.stat().st_size
    assert len(fake_openai.jobs) == 1


def test_rerun_finds_the_job_and_uploads_nothing(provider, fake_openai, plan):
    first, _ = run(provider, plan)
    uploads = fake_openai.count("POST", "/files")
    again, progress = run(provider, plan)
    assert again.reused and again.job.id == first.job.id
    assert [p.stage for p in progress] == ["lookup", "existing"]
    assert fake_openai.count("POST", "/files") == uploads and len(fake_openai.jobs) == 1


def test_other_settings_or_data_are_a_different_job(provider, fake_openai, plan, tmp_path):
    run(provider, plan)
    other, _ = run(provider, SubmissionPlan(plan.training_path, MODEL, n_epochs=3))
    assert not other.reused
    changed = tmp_path / "changed.jsonl"
    write_chat_jsonl(changed, 13)
    assert not run(provider, SubmissionPlan(changed, MODEL, n_epochs=2))[0].reused
    assert len(fake_openai.jobs) == 3


def test_failed_or_cancelled_jobs_are_not_reused(provider, fake_openai, plan):
    fake_openai.fail_next_job = True
    first, _ = run(provider, plan)
    fake_openai.advance(first.job.id, steps=3)
    assert provider.retrieve_job(first.job.id).status == "failed"
    second, _ = run(provider, plan)
    assert not second.reused
    provider.cancel_job(second.job.id)
    third, _ = run(provider, plan)
    assert not third.reused and len(fake_openai.jobs) == 3
    assert find_existing_job(provider, fingerprint(plan)).id == third.job.id


def test_force_starts_another_job(provider, fake_openai, plan):
    run(provider, plan)
    forced, progress = run(provider, plan, force=True)
    assert not forced.reused and "lookup" not in [p.stage for p in progress]
    assert len(fake_openai.jobs) == 2


def test_create_retries_after_429_and_makes_one_job(provider, fake_openai, plan):
    # A 429 means the job was not made, so the create may be sent again.
    fake_openai.inject("429", "POST", "/fine_tuning/jobs", times=2)
    result, progress = run(provider, plan)
    assert result.job.status == "validating_files"
    assert "retry" in [p.stage for p in progress]
    assert len(fake_openai.jobs) == 1


def test_dropped_connection_mid_upload_is_retried(provider, fake_openai, plan):
    fake_openai.inject("drop", "POST", "/files")
    result, _ = run(provider, plan)
    assert fake_openai.count("POST", "/files") == 2
    assert [f.id for f in fake_openai.live_files()] == list(result.file_ids)


def test_timeout_after_server_side_create_finds_the_job_instead_of_a_second_one(fake_openai, plan):
    provider = make_test_provider(fake_openai, timeout=0.5)
    fake_openai.inject("hang_after", "POST", "/fine_tuning/jobs", hang_seconds=3)
    result, progress = run(provider, plan)
    assert len(fake_openai.jobs) == 1 and result.job.id in fake_openai.jobs
    assert fake_openai.count("POST", "/fine_tuning/jobs") == 1
    assert "existing" in [p.stage for p in progress]


def test_crash_after_create_then_rerun_does_not_create_a_second_job(fake_openai, plan):
    provider = make_test_provider(fake_openai, timeout=0.5)
    # The create times out after the server made the job, and the follow-up lookups
    # fail too: from this process's point of view it "crashed" without knowing.
    fake_openai.inject("hang_after", "POST", "/fine_tuning/jobs", hang_seconds=3)

    def break_lookups(progress):
        if progress.stage == "create":
            fake_openai.inject("500", "GET", "/fine_tuning/jobs", times=100)
    with pytest.raises(SubmissionError) as info:
        submit(provider, plan, on_progress=break_lookups, sleep=no_sleep, create_attempts=1)
    assert "A re-run is safe" in str(info.value)
    assert info.value.leftover_file_ids == tuple(f.id for f in fake_openai.live_files())
    assert len(fake_openai.jobs) == 1

    fake_openai.clear_faults()
    uploads = fake_openai.count("POST", "/files")
    again, _ = run(make_test_provider(fake_openai), plan)
    assert again.reused and again.job.id in fake_openai.jobs
    assert len(fake_openai.jobs) == 1 and fake_openai.count("POST", "/files") == uploads


def test_refused_create_deletes_the_uploaded_file(provider, fake_openai, tmp_path):
    few = tmp_path / "few.jsonl"
    write_chat_jsonl(few, 4)
    with pytest.raises(SubmissionError) as info:
        run(provider, SubmissionPlan(few, MODEL))
    message = str(info.value)
    assert "at least 10 examples" in message and "deleted" in message and "\n" not in message
    assert fake_openai.live_files() == [] and fake_openai.jobs == {}
    assert info.value.leftover_file_ids == ()


def test_refused_create_reports_files_it_could_not_delete(provider, fake_openai, tmp_path):
    few = tmp_path / "few.jsonl"
    write_chat_jsonl(few, 4)
    fake_openai.inject("500", "DELETE", "/files/", times=10)
    with pytest.raises(SubmissionError) as info:
        run(provider, SubmissionPlan(few, MODEL))
    kept = [f.id for f in fake_openai.live_files()]
    assert info.value.leftover_file_ids == tuple(kept) and kept[0] in str(info.value)


def test_unknown_model_is_refused_and_cleaned_up(provider, fake_openai, plan):
    with pytest.raises(SubmissionError, match="not available for fine-tuning"):
        run(provider, SubmissionPlan(plan.training_path, "gpt-nope"))
    assert fake_openai.live_files() == []


def test_rejected_key_stops_before_anything_is_uploaded(fake_openai, plan):
    provider = make_test_provider(fake_openai)
    fake_openai.api_key = "sk-a-different-key-00000000"
    with pytest.raises(CredentialsError):
        run(provider, plan)
    assert fake_openai.files == {}


def test_validation_file_is_uploaded_and_part_of_the_identity(provider, fake_openai, plan, tmp_path):
    valid = tmp_path / "valid.jsonl"
    write_chat_jsonl(valid, 10)
    with_validation = SubmissionPlan(plan.training_path, MODEL, validation_path=valid, n_epochs=2)
    result, _ = run(provider, with_validation)
    assert len(result.file_ids) == 2 and result.job.validation_file == result.file_ids[1]
    assert not run(provider, plan)[0].reused  # same training file, no validation: another job


def test_watch_streams_events_until_final_and_compares_tokens(provider, fake_openai, plan):
    result, _ = run(provider, plan)
    updates = []
    final = watch_job(provider, result.job.id, on_update=lambda job, events: updates.append((job.status, events)),
                      poll_interval=0, sleep=no_sleep)
    assert final.status == "succeeded" and final.trained_tokens
    assert [status for status, _ in updates] == ["queued", "running", "succeeded"]
    messages = [e.message for _, events in updates for e in events]
    assert len(messages) == len(set(messages))  # each event delivered once
    assert any("loss" in m for m in messages)
    comparison = compare_trained_tokens(final)
    assert comparison.estimated == 200 * 2 and comparison.trained == final.trained_tokens
    assert "difference" in comparison.describe()
    assert final.metadata[META_TOKENS_PER_EPOCH] == "200"


def test_watch_is_bounded_and_can_be_stopped(provider, fake_openai, plan):
    result, _ = run(provider, plan)
    fake_openai.advance_on_poll = False
    job = watch_job(provider, result.job.id, poll_interval=1, timeout=3, sleep=no_sleep)
    assert job.status == "validating_files"
    assert watch_job(provider, result.job.id, should_stop=lambda: True, sleep=no_sleep).status == "validating_files"


def test_watch_survives_a_blip(provider, fake_openai, plan):
    result, _ = run(provider, plan)
    fake_openai.inject("500", "GET", f"/fine_tuning/jobs/{result.job.id}", times=3)
    assert watch_job(provider, result.job.id, poll_interval=0, sleep=no_sleep).status == "succeeded"
