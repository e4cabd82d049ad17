"""``ftpreflight jobs``: list, show, events, watch and cancel against the local fake API."""

from __future__ import annotations

import json

import pytest
from fake_openai import DEFAULT_API_KEY, fake_openai, write_chat_jsonl  # noqa: F401

from tui.cli import main


@pytest.fixture(autouse=True)
def environment(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    for name in ("OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", DEFAULT_API_KEY)


def jobs(server, *args):
    return main(["jobs", *map(str, args), "--base-url", server.base_url, "--timeout", "5"])


@pytest.fixture
def job_id(fake_openai, tmp_path, capsys):
    path = tmp_path / "train.jsonl"
    write_chat_jsonl(path, 12)
    assert main(["submit", str(path), "--model", "gpt-4o-mini", "--yes", "--base-url", fake_openai.base_url]) == 0
    out = capsys.readouterr().out.strip()
    return out


def test_empty_list(fake_openai, capsys):
    assert jobs(fake_openai) == 0
    out, err = capsys.readouterr()
    assert out == "" and "No fine-tuning jobs yet" in err


def test_list_text_and_json(fake_openai, job_id, capsys):
    assert jobs(fake_openai) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("ID") and job_id in out and "validating_files" in out
    assert jobs(fake_openai, "--format", "json") == 0
    (listed,) = json.loads(capsys.readouterr().out)
    assert listed["id"] == job_id and listed["metadata"]["ftpreflight_sha256"]


def test_show(fake_openai, job_id, capsys):
    assert jobs(fake_openai, job_id) == 0
    out = capsys.readouterr().out
    assert "id  " in out and "estimated finish" in out and "status" in out
    assert jobs(fake_openai, job_id, "--format", "json") == 0
    assert json.loads(capsys.readouterr().out)["id"] == job_id


def test_watch_until_done_and_compare_tokens(fake_openai, job_id, capsys):
    assert jobs(fake_openai, job_id, "--watch", "--interval", "0.01") == 0
    out, err = capsys.readouterr()
    assert "training loss" in out and "successfully completed" in out
    assert "succeeded" in err and "running" in err
    assert "vs estimate" in out and "difference" in out
    events = [line for line in out.splitlines() if "Step" in line]
    assert len(events) == len(set(events)) == 3


def test_watch_json_lines(fake_openai, job_id, capsys):
    assert jobs(fake_openai, job_id, "--watch", "--interval", "0.01", "--format", "json") == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert "event" in lines[0] and lines[-1]["job"]["status"] == "succeeded"
    comparison = lines[-1]["job"]["token_comparison"]
    assert comparison["trained"] == comparison["estimated"] + comparison["difference"]


def test_watch_a_failing_job_exits_1(fake_openai, job_id, capsys):
    fake_openai.jobs[job_id].fail = True
    assert jobs(fake_openai, job_id, "--watch", "--interval", "0.01") == 1
    assert "failed" in capsys.readouterr().out


def test_events(fake_openai, job_id, capsys):
    assert jobs(fake_openai, job_id, "--events") == 0
    out = capsys.readouterr().out
    assert "Created fine-tuning job" in out
    assert jobs(fake_openai, job_id, "--events", "--format", "json") == 0
    assert json.loads(capsys.readouterr().out)[0]["message"].startswith("Created")


def test_cancel(fake_openai, job_id, capsys):
    assert jobs(fake_openai, job_id, "--cancel") == 0
    assert "Cancelled" in capsys.readouterr().err
    assert fake_openai.jobs[job_id].status == "cancelled"
    assert jobs(fake_openai, job_id, "--cancel") == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "cannot be cancelled" in err


def test_unknown_job(fake_openai, capsys):
    assert jobs(fake_openai, "ftjob-nope") == 1
    assert "Could not find fine-tuning job" in capsys.readouterr().err


def test_actions_need_an_id(fake_openai, capsys):
    assert jobs(fake_openai, "--watch") == 2
    assert "need a job ID" in capsys.readouterr().err


def test_server_error_after_retries_is_one_line(fake_openai, capsys):
    fake_openai.inject("500", "GET", "/fine_tuning/jobs", times=10)
    assert jobs(fake_openai) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "HTTP 500" in err
