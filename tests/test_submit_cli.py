"""``ftpreflight submit`` end to end: gates, approval, idempotency and error messages, with
the real openai client talking to the local fake API."""

from __future__ import annotations

import json

import pytest
from fake_openai import DEFAULT_API_KEY, FakeOpenAI, fake_openai, write_chat_jsonl  # noqa: F401

from tui.cli import main

MODEL = "gpt-4o-mini"
RESOLVED = "gpt-4o-mini-2024-07-18"


@pytest.fixture(autouse=True)
def environment(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no config file from the checkout
    for name in ("OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID", "AZURE_OPENAI_API_KEY",
                 "AZURE_OPENAI_ENDPOINT", "OPENAI_API_VERSION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", DEFAULT_API_KEY)


@pytest.fixture
def train(tmp_path):
    path = tmp_path / "train.jsonl"
    write_chat_jsonl(path, 12)
    return path


def submit(server, *args):
    return main(["submit", *map(str, args), "--base-url", server.base_url, "--timeout", "5"])


def one_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, text
    return lines[0]


def test_submit_starts_one_tagged_job_and_prints_its_id(fake_openai, train, capsys):
    assert submit(fake_openai, train, "--model", MODEL, "--yes", "--suffix", "demo") == 0
    out, err = capsys.readouterr()
    (job,) = fake_openai.jobs.values()
    assert out.strip() == job.id
    assert f"Started fine-tuning job {job.id}" in err and f"ftpreflight jobs {job.id} --watch" in err
    assert job.model == RESOLVED and job.suffix == "demo"
    assert isinstance(job.hyperparameters["n_epochs"], int)  # auto pinned to the estimate's count
    assert {"ftpreflight_sha256", "ftpreflight_version", "ftpreflight_tokens_per_epoch"} <= set(job.metadata)
    assert "Traceback" not in err


def test_rerun_prints_the_existing_job_and_force_starts_another(fake_openai, train, capsys):
    submit(fake_openai, train, "--model", MODEL, "--yes")
    first = capsys.readouterr().out.strip()
    assert submit(fake_openai, train, "--model", MODEL, "--yes") == 0
    out, err = capsys.readouterr()
    assert out.strip() == first and "already exists" in err and "--force" in err
    assert len(fake_openai.jobs) == 1 and fake_openai.count("POST", "/files") == 1
    assert submit(fake_openai, train, "--model", MODEL, "--yes", "--force") == 0
    assert len(fake_openai.jobs) == 2


def test_lint_errors_stop_everything(fake_openai, tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    write_chat_jsonl(bad, 12)
    with bad.open("a") as handle:
        handle.write('{"messages": [ not json\n')
    assert submit(fake_openai, bad, "--model", MODEL, "--yes") == 1
    err = capsys.readouterr().err
    assert "not submitting: the lint found" in err and "bad.jsonl:13" in err
    assert fake_openai.requests == []


def test_warnings_need_confirmation(fake_openai, train, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert submit(fake_openai, train, "--model", MODEL) == 1
    err = capsys.readouterr().err
    assert "warning" in err and "pass --yes" in err and "estimated at $" in err
    assert fake_openai.requests == []


def test_interactive_confirmation(fake_openai, train, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    assert submit(fake_openai, train, "--model", MODEL) == 1
    assert fake_openai.requests == []
    monkeypatch.setattr("builtins.input", lambda prompt: "y")
    assert submit(fake_openai, train, "--model", MODEL) == 0
    assert len(fake_openai.jobs) == 1


def approve(path, tmp_path, *extra):
    out_dir = tmp_path / "approvals"
    assert main(["approve", str(path), "--model", MODEL, "--budget", "5", "--approver", "Dana Reviewer",
                 "-o", str(out_dir), *extra]) == 0
    (record,) = out_dir.glob("*.approval.json")
    return record


def test_matching_approval_lets_the_job_through(fake_openai, train, tmp_path, capsys):
    record = approve(train, tmp_path)
    capsys.readouterr()
    assert submit(fake_openai, train, "--model", MODEL, "--approval", record, "--yes") == 0
    (job,) = fake_openai.jobs.values()
    assert job.hyperparameters["n_epochs"] == json.loads(record.read_text())["settings"]["epochs"]


def test_changed_file_does_not_match_the_approval(fake_openai, train, tmp_path, capsys):
    record = approve(train, tmp_path)
    write_chat_jsonl(train, 14)
    capsys.readouterr()
    assert submit(fake_openai, train, "--model", MODEL, "--approval", record, "--yes") == 1
    err = capsys.readouterr().err
    assert "approval does not match" in err and "sha256" in err
    assert fake_openai.requests == []


def test_other_settings_do_not_match_the_approval(fake_openai, train, tmp_path, capsys):
    record = approve(train, tmp_path, "--epochs", "3")
    capsys.readouterr()
    assert submit(fake_openai, train, "--model", MODEL, "--approval", record, "--epochs", "4", "--yes") == 1
    assert "setting epochs: approved 3, now 4" in capsys.readouterr().err
    assert fake_openai.requests == []


def test_expired_approval_is_refused(fake_openai, train, tmp_path, capsys):
    record = approve(train, tmp_path)
    data = json.loads(record.read_text())
    data["approved_at"] = "2020-01-01T00:00:00Z"
    record.write_text(json.dumps(data))
    capsys.readouterr()
    assert submit(fake_openai, train, "--model", MODEL, "--approval", record, "--yes") == 1
    assert "expired" in capsys.readouterr().err
    assert fake_openai.requests == []


def test_unreadable_approval_is_a_usage_error(fake_openai, train, tmp_path, capsys):
    assert submit(fake_openai, train, "--model", MODEL, "--approval", tmp_path / "nope.json", "--yes") == 2
    assert "approval record not found" in capsys.readouterr().err


def test_required_approval(fake_openai, train, tmp_path, capsys):
    (tmp_path / "pyproject.toml").write_text("[tool.ftpreflight]\nrequire_approval = true\n")
    assert submit(fake_openai, train, "--model", MODEL, "--yes") == 2
    assert "requires an approval record" in capsys.readouterr().err
    assert fake_openai.requests == []


def test_model_the_provider_stopped_fine_tuning_is_refused_early(fake_openai, train, capsys):
    assert submit(fake_openai, train, "--model", "gpt-3.5-turbo", "--yes") == 1
    err = capsys.readouterr().err
    assert "can no longer be fine-tuned" in one_line(err)
    assert fake_openai.requests == []


def test_api_refusal_of_the_model_gets_the_same_clear_message(train, capsys):
    with FakeOpenAI(retired_models=frozenset({RESOLVED})) as server:
        assert submit(server, train, "--model", MODEL, "--yes") == 1
        err = capsys.readouterr().err
        line = err.strip().splitlines()[-1]
        assert "does not accept fine-tuning jobs" in line and "deleted" in line
        assert server.live_files() == [] and server.jobs == {}


def test_unknown_model_is_one_sentence(fake_openai, train, capsys):
    assert submit(fake_openai, train, "--model", "gpt-nonexistent", "--yes") == 2
    assert "unknown model" in one_line(capsys.readouterr().err)


def test_missing_training_file(fake_openai, tmp_path, capsys):
    assert submit(fake_openai, tmp_path / "nope.jsonl", "--model", MODEL, "--yes") == 2
    assert "training file not found" in one_line(capsys.readouterr().err)


def test_missing_api_key(fake_openai, train, capsys, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY")
    assert submit(fake_openai, train, "--model", MODEL, "--yes") == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "no OpenAI API key" in err
    assert fake_openai.requests == []


def test_rejected_key_is_one_line_without_the_key(fake_openai, train, capsys, monkeypatch):
    wrong = "sk-proj-NotTheRightKey0123456789abcdef"
    monkeypatch.setenv("OPENAI_API_KEY", wrong)
    assert submit(fake_openai, train, "--model", MODEL, "--yes") == 2
    err = capsys.readouterr().err
    line = err.strip().splitlines()[-1]
    assert "rejected the API key (HTTP 401)" in line
    assert wrong not in err and wrong[:10] not in err
    assert fake_openai.files == {}


def test_400_from_the_api_is_one_line(fake_openai, tmp_path, capsys):
    few = tmp_path / "few.jsonl"
    write_chat_jsonl(few, 12)
    fake_openai_min = 13
    import fake_openai.server as server_module

    original = server_module.MIN_EXAMPLES
    server_module.MIN_EXAMPLES = fake_openai_min
    try:
        assert submit(fake_openai, few, "--model", MODEL, "--yes") == 1
    finally:
        server_module.MIN_EXAMPLES = original
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert "refused" in line and "HTTP 400" in line and "at least 13 examples" in line
    assert fake_openai.live_files() == []


def test_rate_limits_and_server_errors_are_retried(fake_openai, train, capsys):
    fake_openai.inject("429", "POST", "/files")
    fake_openai.inject("500", "GET", "/fine_tuning/jobs")
    assert submit(fake_openai, train, "--model", MODEL, "--yes") == 0
    assert len(fake_openai.jobs) == 1


def test_network_down(train, capsys):
    server = FakeOpenAI().start()
    url = server.base_url
    server.stop()
    assert main(["submit", str(train), "--model", MODEL, "--yes", "--base-url", url, "--timeout", "1"]) == 1
    assert "could not reach the API" in capsys.readouterr().err.strip().splitlines()[-1]


def test_approval_age_limit_comes_from_the_config(fake_openai, train, tmp_path, capsys):
    from datetime import datetime, timedelta, timezone

    record = approve(train, tmp_path)
    data = json.loads(record.read_text())
    data["approved_at"] = (datetime.now(timezone.utc) - timedelta(days=40)).isoformat()
    record.write_text(json.dumps(data))
    assert submit(fake_openai, train, "--model", MODEL, "--approval", record, "--yes") == 1
    assert "expired (40 days old, the limit is 30)" in capsys.readouterr().err
    (tmp_path / "pyproject.toml").write_text("[tool.ftpreflight]\napproval_max_age_days = 60\n")
    assert submit(fake_openai, train, "--model", MODEL, "--approval", record, "--yes") == 0
    assert len(fake_openai.jobs) == 1
