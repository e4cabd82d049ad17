"""The model tables as the linter, the estimate and the command line use them: every provider's
rows agree with the linter's model facts, rows with no sourced price are refused rather than
priced at zero, and a new provider's model can be costed from the command line."""

from __future__ import annotations

import json
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

import pricing
from linter import ENCODINGS, context_for_model, encoding_name_for_model
from linter import UnknownModelError as LinterUnknownModel
from pricing import DatasetTokens, EstimateInputError, Traffic, compare_models, estimate, find_model
from tui.cli import main
from tui.commands import cost

TODAY = date(2026, 11, 29)
SAMPLES = Path(__file__).resolve().parent.parent / "sample_data"


def test_training_context_and_encoding_agree_with_price_tables():
    book = pricing.load_price_book()
    checked = 0
    for row in book.models():
        if row.provider != "openai":
            continue
        if row.encoding:
            assert encoding_name_for_model(row.id) == row.encoding, row.id
        linter_context = context_for_model(row.id)
        if linter_context is not None and row.training_context_tokens:
            assert linter_context == row.training_context_tokens, row.id
            checked += 1
    assert checked >= 5


def test_every_provider_row_agrees_with_the_linters_tokenizer_where_it_knows_the_model():
    """A row's encoding must not contradict the linter's own guess from the model name (the
    linter falls back to that guess when the row's encoding is not bundled)."""
    compared = 0
    for row in pricing.default_price_book().models():
        if row.provider == "openai" or not row.encoding:
            continue
        try:
            guessed = encoding_name_for_model(row.id)
        except LinterUnknownModel:
            continue
        if guessed is not None:
            assert guessed == row.encoding, f"{row.provider}/{row.id}"
            compared += 1
    assert compared >= 5  # the Azure rows at least


def flat(examples: int, tokens: int) -> DatasetTokens:
    return DatasetTokens.from_counts([tokens] * examples, [tokens // 2] * examples, [tokens // 4] * examples)


def test_a_row_without_a_sourced_price_is_refused_not_priced_at_zero():
    row = find_model("azure_openai/gpt-4o-mini")
    assert row.price_unknown
    with pytest.raises(EstimateInputError) as info:
        estimate(row, flat(100, 1000), today=TODAY, epochs=1)
    assert "azure_openai" in str(info.value) and "--prices" in str(info.value)


def test_compare_lists_unpriced_rows_last_with_the_reason():
    rows = compare_models(pricing.default_price_book().models("azure_openai"), flat(100, 1000), today=TODAY,
                          epochs=1, traffic=Traffic(1000, 500, 100))
    priced = [r for r in rows if r.estimate is not None]
    assert [r.model.id for r in priced] == ["gpt-4.1-2025-04-14"]
    refused = {r.model.id: r.refused for r in rows if r.estimate is None}
    assert "no sourced training price" in refused["gpt-4o-mini-2024-07-18"]
    assert rows[0].estimate is not None


def test_a_user_price_file_fills_an_unknown_price(tmp_path):
    path = tmp_path / "our-azure.toml"
    path.write_text("\n".join([
        'provider = "azure_openai"', "as_of = 2026-11-20", 'source = "https://example.com/agreement"',
        "[[models]]", 'id = "gpt-4o-mini-2024-07-18"', 'aliases = ["gpt-4o-mini"]', 'methods = ["supervised"]',
        "training_context_tokens = 65536", 'training_usd_per_1m_tokens = "1.10"',
        'input_usd_per_1m = "0.15"', 'output_usd_per_1m = "0.60"', 'hosting_usd_per_hour = "1.70"',
    ]) + "\n", encoding="utf-8")
    row = pricing.load_price_book([path]).find_model("azure_openai/gpt-4o-mini")
    est = estimate(row, flat(100, 1000), today=TODAY, epochs=2)
    assert est.to_dict()["training_cost_usd"] == "0.22"  # 200,000 tokens x $1.10 / 1M


def test_dpo_is_priced_at_the_dpo_rate():
    row = find_model("together/openai/gpt-oss-20b")
    data = flat(1000, 1000)  # 1M tokens per epoch
    sft = estimate(row, data, today=TODAY, epochs=1)
    dpo = estimate(row, data, today=TODAY, epochs=1, method="dpo")
    assert (sft.to_dict()["training_cost_usd"], dpo.to_dict()["training_cost_usd"]) == ("0.40", "1.00")


def test_dpo_examples_are_billed_up_to_the_dpo_context():
    row = find_model("together/openai/gpt-oss-20b")  # SFT 16,384 tokens, DPO 8,192
    long_examples = DatasetTokens.from_counts([10_000] * 10)
    assert estimate(row, long_examples, today=TODAY, epochs=1).billed_tokens_per_epoch == 100_000
    dpo = estimate(row, long_examples, today=TODAY, epochs=1, method="dpo")
    assert dpo.billed_tokens_per_epoch == 81_920 and dpo.truncated_examples == 10
    assert any("8,192 tokens (the DPO limit)" in a for a in dpo.assumptions)


def test_band_row_says_which_band_priced_it():
    est = estimate(find_model("fireworks/accounts/fireworks/models/qwen3-8b"), flat(10, 100), today=TODAY, epochs=1)
    assert any("up to 16B band" in a for a in est.assumptions)
    assert any("full-parameter training is $1.00 per 1M" in a for a in est.assumptions)


def test_bedrock_storage_is_a_monthly_fee_and_unknown_serving_is_said():
    row = find_model("bedrock/nova-micro")
    est = estimate(row, flat(100, 1000), today=TODAY, epochs=2, traffic=Traffic(10_000, 800, 200))
    inference = est.to_dict()["inference"]
    assert inference["hosting_cost_usd"] == "1.95"
    assert inference["monthly_cost_usd"] is None  # no per-token price: not silently $1.95
    assert any("no inference price" in w for w in est.warnings)
    assert any("storage: $1.95 a month" in a for a in est.assumptions)
    assert est.to_dict()["training_cost_usd"] == "0.20"  # 200,000 tokens x $1.00 / 1M


def test_traffic_ranking_puts_unknown_serving_cost_after_known(tmp_path):
    book = pricing.default_price_book()
    models = [find_model("together/openai/gpt-oss-20b"), find_model("gpt-4o-mini")]
    rows = compare_models(models, flat(50, 500), today=TODAY, epochs=1, traffic=Traffic(100, 200, 50))
    assert [r.model.provider for r in rows] == ["openai", "together"]
    assert book.providers[0] == "openai"


# --- The command line ------------------------------------------------------------------------


@pytest.fixture()
def cli_day(monkeypatch, tmp_path):
    monkeypatch.setattr(cost, "today", lambda: TODAY)
    monkeypatch.chdir(tmp_path)


def run_cli(capsys, *argv):
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def test_prices_lists_the_new_tables_and_fields(cli_day, capsys):
    code, out, err = run_cli(capsys, "prices", "--models")
    assert code == 0 and err == ""
    for provider in ("openai", "azure_openai", "together", "fireworks", "vertex", "bedrock"):
        assert f"\n{provider} " in out
    assert "together/meta-llama/Meta-Llama-3.1-70B-Instruct-Reference" in out
    assert "bedrock/amazon.nova-lite-v1:0:300k" in out and "unknown" in out
    code, out, _ = run_cli(capsys, "prices", "--provider", "bedrock", "--format", "json")
    micro = next(m for m in json.loads(out)["models"] if m["id"] == "amazon.nova-micro-v1:0:128k")
    assert micro["storage_usd_per_month"] == "1.95" and micro["price_unknown"] is False
    assert micro["input_usd_per_1m"] is None


def test_cost_refuses_an_unpriced_model_with_exit_2(cli_day, capsys, tmp_path):
    data = shutil.copy(SAMPLES / "support_chat.jsonl", tmp_path / "train.jsonl")
    code, out, err = run_cli(capsys, "cost", str(data), "--model", "azure_openai/gpt-4o-mini")
    assert code == 2 and out == ""
    assert "no sourced training price for gpt-4o-mini-2024-07-18" in err and "--prices" in err


@pytest.mark.parametrize("model", ["together/openai/gpt-oss-20b", "fireworks/accounts/fireworks/models/qwen3-8b",
                                   "together/meta-llama/Meta-Llama-3.1-8B-Instruct-Reference"])
def test_cost_prices_a_new_providers_model_with_its_own_tokenizer(cli_day, capsys, tmp_path, model):
    row = find_model(model)
    if row.encoding not in ENCODINGS:  # runs as soon as the open-model tokenizers are bundled
        pytest.skip(f"the {row.encoding} tokenizer is not bundled in this checkout")
    data = shutil.copy(SAMPLES / "messy.jsonl", tmp_path / "train.jsonl")
    code, out, err = run_cli(capsys, "cost", str(data), "--model", model, "--epochs", "2", "--format", "json")
    assert code in (0, 1), err  # 1: the messy file has lint errors, the estimate still comes
    result = json.loads(out)
    assert (result["provider"], result["model"]) == (row.provider, row.id)
    assert result["epochs"] == 2 and result["training_tokens"] == 2 * result["billed_tokens_per_epoch"] > 0
    expected = Decimal(result["training_tokens"]) * row.training_usd_per_1m_tokens / Decimal(1_000_000)
    assert Decimal(result["training_cost_usd"]) == expected


def test_cost_on_a_model_without_offline_tokenizer_counts_with_the_configured_encoding(cli_day, capsys, tmp_path):
    """Nova has no offline tokenizer: with ``encoding`` set in the config the estimate runs, adds
    the monthly storage fee and says the serving price is unknown, instead of a $0 month."""
    (tmp_path / "ftpreflight.toml").write_text('encoding = "o200k_base"\n', encoding="utf-8")
    data = shutil.copy(SAMPLES / "support_chat.jsonl", tmp_path / "train.jsonl")
    code, out, err = run_cli(capsys, "cost", str(data), "--model", "bedrock/nova-micro", "--epochs", "1",
                             "--requests-per-month", "1000", "--format", "json")
    assert code == 0, err
    result = json.loads(out)
    assert (result["provider"], result["model"]) == ("bedrock", "amazon.nova-micro-v1:0:128k")
    assert Decimal(result["training_cost_usd"]) == Decimal(result["training_tokens"]) / Decimal(1_000_000)
    assert result["inference"]["hosting_cost_usd"] == "1.95" and result["inference"]["monthly_cost_usd"] is None
    assert any("Provisioned Throughput" in w for w in result["warnings"])
