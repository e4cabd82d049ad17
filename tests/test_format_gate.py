"""Issue 11 §4: a data format the target model cannot train on fails the lint, and
`approve` and `submit` refuse through the same lint errors."""

from __future__ import annotations

import json
from datetime import date

import pytest

import pricing
from linter import formats_for_model
from tui.cli import main
from tui.commands import approve, cost
from tui.config import Settings
from tui.services.submit import SubmissionPlan, preflight

TODAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def fixed_day(monkeypatch, tmp_path):
    monkeypatch.setattr(cost, "today", lambda: TODAY)
    monkeypatch.chdir(tmp_path)


def ticket_file(path, n: int = 24):
    """Legacy prompt/completion ticket triage as exported from a helpdesk: separator and
    stop sequence, uneven whitespace, a few unicode names."""
    labels = ["defect", "shipping", "refund", "sizing"]
    names = ["Zoë", "Mara", "Jonas", "Amélie"]
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(n):
            text = f"Ticket #{4100 + i} from {names[i % 4]}:  my order   {1000 + i} " + \
                   ["leaks at the seam", "never arrived", "was charged twice", "runs small"][i % 4]
            handle.write(json.dumps({"prompt": f"{text}\n\n###\n\n", "completion": f" {labels[i % 4]}\nEND"},
                                    ensure_ascii=i % 2 == 0) + "\n")
    return path


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def test_lint_of_completion_data_for_the_default_chat_model_fails(tmp_path, capsys):
    path = ticket_file(tmp_path / "tickets.jsonl")
    code, out, _ = run(capsys, "lint", str(path))
    assert code == 1
    assert "FT205 gpt-4o-mini-2024-07-18 cannot be fine-tuned on completion" in out
    code, out, _ = run(capsys, "lint", str(path), "--model", "davinci-002")
    assert code == 0 and "FT205" not in out


def test_approve_refuses_and_writes_nothing(tmp_path, capsys):
    path = ticket_file(tmp_path / "tickets.jsonl")
    out_dir = tmp_path / "approvals"
    code, out, err = run(capsys, "approve", str(path), "--budget", "100", "--approver", "Dana",
                         "-o", str(out_dir))
    assert code == 1
    assert "not approved: the lint found 1 error;" in err
    assert not out_dir.exists() or not any(out_dir.iterdir())
    # The same tickets as chat records are approved for the same model.
    chat = tmp_path / "tickets_chat.jsonl"
    with open(chat, "w", encoding="utf-8") as handle:
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            handle.write(json.dumps({"messages": [
                {"role": "user", "content": record["prompt"].removesuffix("\n\n###\n\n")},
                {"role": "assistant", "content": record["completion"].strip().removesuffix("END").strip()}]}) + "\n")
    code, out, err = run(capsys, "approve", str(chat), "--budget", "100", "--approver", "Dana", "-o", str(out_dir))
    assert code == 0, err


def test_submit_gate_refuses_before_anything_is_uploaded(tmp_path):
    path = ticket_file(tmp_path / "tickets.jsonl")
    result = preflight(SubmissionPlan(path, "gpt-4o-mini"), Settings(), today=TODAY)
    assert not result.ok and not result.usage_error
    assert any("FT205" in line or "cannot be fine-tuned on completion" in line for line in result.blockers)


def test_cost_still_prices_it_but_says_the_provider_rejects_it(tmp_path, capsys):
    path = ticket_file(tmp_path / "tickets.jsonl")
    code, out, err = run(capsys, "cost", str(path))
    assert code == 0
    assert "the lint found 1 error;" in err and "not counted" not in err


def test_builtin_formats_agree_with_the_price_tables():
    checked = 0
    for row in pricing.load_price_book().models():
        if row.provider != "openai":
            continue
        assert formats_for_model(row.id) == row.trainable_formats, row.id
        checked += 1
    assert checked >= 8
