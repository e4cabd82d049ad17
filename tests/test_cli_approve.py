"""``ftpreflight approve``: the record and reports it writes, and when it refuses."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

import pricing
from tui.cli import main
from tui.commands import approve, cost


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch, tmp_path):
    monkeypatch.setattr(cost, "today", lambda: date(2026, 11, 23))
    monkeypatch.setattr(approve, "now", lambda: datetime(2026, 11, 23, 9, 30, tzinfo=timezone.utc))
    monkeypatch.chdir(tmp_path)


def run_cli(capsys, *argv):
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def chat_file(path, examples: int, broken_line: bool = False):
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(examples):
            handle.write(json.dumps({"messages": [
                {"role": "user", "content": f"What is {i} plus {i}?"},
                {"role": "assistant", "content": f"{i + i}"},
            ]}) + "\n")
        if broken_line:
            handle.write('{"messages": [\n')
    return path


def test_approval_writes_record_and_reports(tmp_path, capsys):
    data = chat_file(tmp_path / "train.jsonl", 100)
    code, out, err = run_cli(capsys, "approve", str(data), "--model", "gpt-4o-mini", "--budget", "10",
                             "--approver", "Dana", "-o", str(tmp_path / "approvals"))
    assert code == 0, err
    written = out.split()
    assert [p.rsplit("/", 1)[-1] for p in written] == [
        "train.approval.json", "train.approval.md", "train.approval.html"]

    raw = json.loads(open(written[0]).read())
    assert raw["file"]["sha256"] == hashlib.sha256(data.read_bytes()).hexdigest()
    assert raw["file"]["size_bytes"] == data.stat().st_size
    assert raw["file"]["examples"] == 100
    assert raw["settings"]["model"] == "gpt-4o-mini-2024-07-18"
    assert raw["settings"]["method"] == "supervised"
    assert raw["settings"]["epochs"] == 3
    assert raw["budget_usd"] == "10"  # as typed, a decimal string
    assert raw["prices"]["as_of"] == "2026-11-23"
    assert raw["lint"]["errors"] == 0
    assert raw["approver"] == "Dana"
    assert raw["approved_at"].startswith("2026-11-23T09:30:00")

    record = pricing.read_approval_record(written[0])
    assert record.job_cost_usd == Decimal(raw["estimate"]["training_cost_usd"])
    # The submission step's check passes for the same file and settings ...
    assert pricing.verify_approval(record, data_path=data, settings=record.settings,
                                   fresh_job_cost_usd=record.job_cost_usd) == []
    # ... and fails once the file changes.
    data.write_text(data.read_text().replace("plus", "added to"))
    assert pricing.verify_approval(record, data_path=data, settings=record.settings,
                                   fresh_job_cost_usd=record.job_cost_usd)

    html = open(written[2]).read()
    assert "<svg" in html and "Dana" in html and "<script" not in html
    assert record.file.sha256 in open(written[1]).read()


def test_over_budget_is_refused_and_nothing_is_written(tmp_path, capsys):
    data = chat_file(tmp_path / "train.jsonl", 100)
    code, out, err = run_cli(capsys, "approve", str(data), "--model", "gpt-4o-mini", "--budget", "0.0001",
                             "--approver", "Dana", "-o", str(tmp_path / "out"))
    assert code == 1 and out == ""
    assert "not approved: the estimate $" in err and "exceeds the budget $0.0001" in err
    assert not (tmp_path / "out").exists()


def test_lint_errors_are_refused(tmp_path, capsys):
    data = chat_file(tmp_path / "train.jsonl", 100, broken_line=True)
    code, out, err = run_cli(capsys, "approve", str(data), "--model", "gpt-4o-mini", "--budget", "100",
                             "--approver", "Dana", "-o", str(tmp_path / "out"))
    assert code == 1 and out == ""
    assert "not approved: the lint found" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("budget", "message"), [("-5", "--budget: cannot be negative"),
                                                 ("1e12", "--budget: $"),
                                                 ("plenty", "'plenty' is not a number")])
def test_bad_budget_exits_2(tmp_path, capsys, budget, message):
    data = chat_file(tmp_path / "train.jsonl", 20)
    code, out, err = run_cli(capsys, "approve", str(data), "--budget", budget, "--approver", "Dana")
    assert code == 2 and out == ""
    assert message in err


def test_refuses_a_model_that_is_shut_down(tmp_path, capsys):
    data = chat_file(tmp_path / "train.jsonl", 20)
    code, _, err = run_cli(capsys, "approve", str(data), "--model", "gpt-4.1-nano", "--budget", "100",
                           "--approver", "Dana")
    assert code == 1 and "refusing to plan this job" in err
