"""Estimate arithmetic against hand-computed cases (every expected figure worked out by hand)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

import pricing
from pricing import (
    DatasetTokens,
    EstimateInputError,
    JobNotAcceptedError,
    Traffic,
    auto_epochs,
    estimate,
    find_model,
    format_usd,
    load_price_book,
)

TODAY = date(2026, 11, 23)


def flat(examples: int, tokens: int, prompt: int = 0, completion: int = 0) -> DatasetTokens:
    return DatasetTokens.from_counts([tokens] * examples, [prompt] * examples, [completion] * examples)


def test_published_example_gpt_4o_mini_100k_tokens_3_epochs_is_90_cents():
    # OpenAI's own example: a 100,000-token file trained for 3 epochs at $3 per 1M tokens.
    est = estimate(find_model("gpt-4o-mini"), flat(100, 1000), today=TODAY, epochs=3)
    assert est.billed_tokens_per_epoch == 100_000
    assert est.training_tokens == 300_000
    assert est.to_dict()["training_cost_usd"] == "0.90"


@pytest.mark.parametrize(
    ("examples", "epochs"),
    [
        (1, 25),        # 100 // 1 = 100, capped at 25
        (3, 25),        # 100 // 3 = 33, capped at 25
        (4, 25),        # 100 // 4 = 25
        (5, 20),        # 100 // 5 = 20
        (9, 11),        # 100 // 9 = 11 (the published rule divides down: 99 examples seen, not 12)
        (10, 10),       # 10 x 10 = 100
        (20, 5),        # 100 // 20 = 5
        (30, 3),        # 30 x 3 = 90 < 100 -> 100 // 30 = 3
        (33, 3),        # 33 x 3 = 99 < 100 -> 100 // 33 = 3
        (34, 3),        # 34 x 3 = 102
        (8_333, 3),     # 24,999 <= 25,000
        (8_334, 2),     # 25,002 > 25,000 -> 25,000 // 8,334 = 2
        (12_501, 1),    # 25,000 // 12,501 = 1
        (30_000, 1),    # 25,000 // 30,000 = 0 -> at least 1
    ],
)
def test_auto_epochs_follow_openais_rule(examples, epochs):
    assert auto_epochs(examples)[0] == epochs


def test_auto_epochs_say_why():
    assert auto_epochs(9)[1] == ("auto (OpenAI cookbook chat_finetuning_data_prep): examples x 3 < 100, "
                                 "so min(25, 100 // 9) = 11")
    assert auto_epochs(10_000)[1].endswith("examples x 3 > 25,000, so max(1, 25,000 // 10,000) = 2")
    assert auto_epochs(50)[1].endswith("the default 3")
    est = estimate(find_model("gpt-4o-mini"), flat(10, 100), today=TODAY)
    assert est.epochs == 10 and est.epochs_rule.startswith("auto")
    assert est.to_dict()["training_cost_usd"] == "0.03"  # 1,000 tokens x 10 epochs x $3 / 1M


def test_examples_are_capped_at_the_training_context():
    data = DatasetTokens.from_counts([70_000, 1_000])
    est = estimate(find_model("gpt-4o-mini"), data, today=TODAY, epochs=1)
    assert est.billed_tokens_per_epoch == 65_536 + 1_000
    assert est.truncated_examples == 1
    assert any("truncated" in w for w in est.warnings)
    # 66,536 tokens x $3 / 1M = $0.199608
    assert est.to_dict()["training_cost_usd"] == "0.199608"


def test_inference_uses_the_datasets_median_prompt_and_answer():
    # gpt-4o-mini fine-tuned: $0.30 in, $1.20 out. 10,000 x (600 x 0.30 + 400 x 1.20) / 1M = $6.60
    est = estimate(find_model("gpt-4o-mini"), flat(100, 1000, 600, 400), today=TODAY, epochs=3,
                   traffic=Traffic(requests_per_month=10_000))
    inference = est.to_dict()["inference"]
    assert inference["input_tokens_per_request"] == 600
    assert inference["output_tokens_per_request"] == 400
    assert inference["monthly_cost_usd"] == "6.60"
    assert inference["hosting_cost_usd"] == "0.00"
    assert inference["cost_per_1000_requests_usd"] == "0.66"


def test_one_huge_prompt_does_not_set_the_size_of_every_request():
    # 35 prompts of 100 tokens and one of 84,000: the mean (2,430) is no request anyone sends.
    data = DatasetTokens.from_counts([200] * 35 + [84_100], prompt_tokens=[100] * 35 + [84_000],
                                     completion_tokens=[100] * 36)
    est = estimate(find_model("gpt-4o-mini"), data, today=TODAY, epochs=3, traffic=Traffic(requests_per_month=1_000))
    assert est.to_dict()["inference"]["input_tokens_per_request"] == 100
    assert any("100 tokens (the dataset's median)" in a for a in est.assumptions)


def test_cached_share_and_batch_prices():
    model = find_model("gpt-4.1-mini")  # $0.80 in, $0.20 cached, $3.20 out; batch $0.40 / $1.60
    data = flat(100, 1000)
    cached = estimate(model, data, today=TODAY, epochs=1, traffic=Traffic(
        1_000, input_tokens_per_request=2_000, output_tokens_per_request=500, cached_share=Decimal("0.5")))
    # 1,000 x (2,000 x (0.5 x 0.80 + 0.5 x 0.20) + 500 x 3.20) / 1M = 1,000 x (1,000 + 1,600) / 1M = $2.60
    assert cached.to_dict()["inference"]["monthly_cost_usd"] == "2.60"
    batch = estimate(model, data, today=TODAY, epochs=1, traffic=Traffic(
        1_000, input_tokens_per_request=2_000, output_tokens_per_request=500, batch=True))
    # 1,000 x (2,000 x 0.40 + 500 x 1.60) / 1M = $1.60
    assert batch.to_dict()["inference"]["monthly_cost_usd"] == "1.60"


def test_azure_hosting_fee_is_added_to_the_monthly_cost():
    model = find_model("azure_openai/gpt-4.1")  # $2 in, $8 out, $1.70/hour hosting
    est = estimate(model, flat(100, 1000), today=TODAY, epochs=2, traffic=Traffic(
        10_000, input_tokens_per_request=1_000, output_tokens_per_request=100))
    inference = est.to_dict()["inference"]
    # hosting 1.70 x 730 = 1,241.00; tokens 10,000 x (1,000 x 2 + 100 x 8) / 1M = 28.00
    assert inference["hosting_cost_usd"] == "1241.00"
    assert inference["monthly_cost_usd"] == "1269.00"
    # training: 100,000 x 2 epochs x $2 / 1M = $0.40
    assert est.to_dict()["training_cost_usd"] == "0.40"


def test_reinforcement_is_billed_by_the_hour():
    model = find_model("azure_openai/o4-mini")
    est = estimate(model, flat(50, 500), today=TODAY, method="reinforcement", hours="2.5")
    assert est.to_dict()["training_cost_usd"] == "250.00"
    assert any("billed by time" in a for a in est.assumptions)
    with pytest.raises(EstimateInputError) as info:
        estimate(model, flat(50, 500), today=TODAY, method="reinforcement")
    assert info.value.field == "hours"


def test_lifetime_counts_usable_days_and_cost_per_day():
    est = estimate(find_model("gpt-4o-mini"), flat(100, 1000), today=date(2026, 12, 1), epochs=3)
    lifetime = est.to_dict()["lifetime"]
    assert lifetime["usable_until"] == "2027-01-13"
    assert lifetime["days"] == 44  # 2026-12-01 .. 2027-01-13 inclusive
    assert lifetime["training_cost_per_day_usd"] == "0.020455"  # 0.90 / 44 = 0.0204545...


def test_refuses_a_model_the_provider_no_longer_accepts():
    with pytest.raises(JobNotAcceptedError, match="shut gpt-4.1-nano-2025-04-14 down on 2026-10-23"):
        estimate(find_model("gpt-4.1-nano"), flat(100, 10), today=TODAY)
    with pytest.raises(JobNotAcceptedError, match="stopped accepting fine-tuning jobs"):
        estimate(find_model("gpt-4o-mini"), flat(100, 10), today=date(2027, 1, 6))
    last_day = estimate(find_model("gpt-4o-mini"), flat(100, 10), today=date(2027, 1, 5))
    assert any("(1 day from today)" in w for w in last_day.warnings)


@pytest.mark.parametrize(
    ("traffic", "field"),
    [
        (Traffic(-1), "requests_per_month"),
        (Traffic(10**15), "requests_per_month"),
        (Traffic(10, input_tokens_per_request=-5), "input_tokens_per_request"),
        (Traffic(10, output_tokens_per_request=50_000_000), "output_tokens_per_request"),
        (Traffic(10, cached_share=Decimal("1.5")), "cached_share"),
    ],
)
def test_negative_or_absurd_traffic_names_the_field(traffic, field):
    with pytest.raises(EstimateInputError) as info:
        estimate(find_model("gpt-4o-mini"), flat(100, 10, 5, 5), today=TODAY, traffic=traffic)
    assert info.value.field == field


@pytest.mark.parametrize("epochs", [0, 51, -3])
def test_epochs_out_of_range(epochs):
    with pytest.raises(EstimateInputError, match="epochs"):
        estimate(find_model("gpt-4o-mini"), flat(100, 10), today=TODAY, epochs=epochs)


def test_method_must_be_supported():
    with pytest.raises(EstimateInputError, match="supports supervised"):
        estimate(find_model("gpt-4o-mini"), flat(100, 10), today=TODAY, method="dpo")
    assert estimate(find_model("gpt-4.1-mini"), flat(100, 10), today=TODAY, method="dpo").method == "dpo"


def test_validation_tokens_shown_and_billed_only_when_the_table_says_so(tmp_path):
    validation = flat(10, 200)
    openai_est = estimate(find_model("gpt-4o-mini"), flat(100, 1000), today=TODAY, epochs=3, validation=validation)
    assert openai_est.validation_tokens == 2_000
    assert openai_est.validation_cost_usd is None
    assert any("validation" in w for w in openai_est.warnings)

    path = tmp_path / "v.toml"
    path.write_text("""provider = "acme"\nas_of = 2026-11-01\nsource = "https://acme.example"
[[models]]
id = "acme-1"
methods = ["supervised"]
training_context_tokens = 4096
training_usd_per_1m_tokens = "10"
validation_billed = true
input_usd_per_1m = "1"
output_usd_per_1m = "2"
""")
    acme = load_price_book([path]).find_model("acme-1")
    est = estimate(acme, flat(100, 1000), today=TODAY, epochs=2, validation=validation)
    # training 200,000 x $10 / 1M = $2.00; validation 2,000 x 2 epochs x $10 / 1M = $0.04
    assert est.to_dict()["validation_cost_usd"] == "0.04"
    assert est.to_dict()["job_cost_usd"] == "2.04"


def test_stale_table_warns():
    est = estimate(find_model("gpt-4o-mini"), flat(100, 10), today=date(2027, 1, 1))
    assert not any("days old" in w for w in est.warnings)  # 39 days
    model = find_model("gpt-4o-mini").model_copy(update={"as_of": date(2026, 8, 1)})
    est = estimate(model, flat(100, 10), today=TODAY)
    assert any("114 days old" in w for w in est.warnings)


def test_json_has_the_issue_schema():
    est = estimate(find_model("gpt-4o-mini"), flat(100, 1000, 10, 10), today=TODAY,
                   traffic=Traffic(100))
    data = est.to_dict()
    for key in ("model", "provider", "examples", "billed_tokens_per_epoch", "epochs", "epochs_rule",
                "training_tokens", "training_cost_usd", "validation_tokens", "inference", "lifetime",
                "prices", "warnings"):
        assert key in data
    for key in ("requests_per_month", "input_tokens_per_request", "output_tokens_per_request",
                "monthly_cost_usd", "hosting_cost_usd"):
        assert key in data["inference"]
    assert set(data["lifetime"]) >= {"usable_until", "days"}
    assert data["prices"]["as_of"] == "2026-11-23"
    assert data["prices"]["source"].startswith("https://")
    assert isinstance(data["training_cost_usd"], str)


def test_compare_sorts_cheapest_first_and_lists_closed_models_last():
    rows = pricing.compare_models(pricing.default_price_book().models("openai"), flat(100, 1000, 500, 100),
                                  today=TODAY, traffic=Traffic(1_000))
    open_rows = [r for r in rows if r.estimate is not None]
    monthly = [r.estimate.inference.monthly_cost_usd for r in open_rows]
    assert monthly == sorted(monthly)
    assert rows[-1].estimate is None and "shut" in rows[-1].refused
    assert {r.model.id for r in open_rows} >= {"gpt-4o-mini-2024-07-18", "gpt-4.1-2025-04-14"}
    assert "o4-mini-2025-04-16" not in {r.model.id for r in rows}  # supervised only


@pytest.mark.parametrize(
    ("amount", "text"),
    [("0.9", "0.90"), ("1422", "1422.00"), ("0.003", "0.003"), ("0.0204545", "0.0204545"), ("12.50", "12.50")],
)
def test_format_usd(amount, text):
    assert format_usd(Decimal(amount)) == text


def test_negative_token_counts_are_rejected():
    with pytest.raises(EstimateInputError, match="negative"):
        DatasetTokens.from_counts([10, -1])
