"""Cost comparisons only list models that can train on the file's format."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pricing
from tui.cli import main

SAMPLES = Path(__file__).resolve().parent.parent / "sample_data"


def test_compare_skips_models_that_cannot_train_on_the_format():
    book = pricing.load_price_book()
    data = pricing.DatasetTokens.from_counts([1000] * 50, encoding="o200k_base")
    chat = {row.model.id for row in pricing.compare_models(book.models("openai"), data, today=date(2026, 11, 23),
                                                           data_format="chat")}
    completion = {row.model.id for row in pricing.compare_models(book.models("openai"), data,
                                                                 today=date(2026, 11, 23), data_format="completion")}
    assert "babbage-002" not in chat and "davinci-002" not in chat
    assert "gpt-4o-mini-2024-07-18" in chat
    assert completion == {"babbage-002", "davinci-002"}


def test_cost_warns_when_the_model_cannot_train_on_the_file(capsys):
    code = main(["cost", str(SAMPLES / "support_chat.jsonl"), "--model", "babbage-002", "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert any("trains on completion data, but this file is chat" in w for w in data["warnings"])
    code = main(["cost", str(SAMPLES / "support_chat.jsonl"), "--model", "gpt-4o-mini", "--compare", "--format",
                 "json"])
    data = json.loads(capsys.readouterr().out)
    assert {row["model"] for row in data["compare"]}.isdisjoint({"babbage-002", "davinci-002"})
