"""``ftpreflight cost`` as a user runs it: real files, real lint, checked stdout/stderr/exit code."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from linter import LintConfig, lint_path
from tui.cli import main
from tui.commands import cost

TODAY = date(2026, 11, 23)
SAMPLES = Path(__file__).resolve().parent.parent / "sample_data"


@pytest.fixture(autouse=True)
def fixed_day(monkeypatch, tmp_path):
    monkeypatch.setattr(cost, "today", lambda: TODAY)
    monkeypatch.chdir(tmp_path)  # no stray config files


def chat_file(path, examples: int, answer: str = "positive"):
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(examples):
            handle.write(json.dumps({"messages": [
                {"role": "system", "content": "Classify the sentiment of the review."},
                {"role": "user", "content": f"Review {i}: the product works as described."},
                {"role": "assistant", "content": answer},
            ]}) + "\n")
    return path


def price_file(path, price="1.00", **extra):
    lines = [
        'provider = "acme"', "as_of = 2026-11-01", 'source = "https://acme.example/prices"', "",
        "[[models]]", 'id = "gpt-4o-mini-2024-07-18"', 'methods = ["supervised"]',
        "training_context_tokens = 65536", f'training_usd_per_1m_tokens = "{price}"',
        'input_usd_per_1m = "2.00"', 'output_usd_per_1m = "10.00"', 'status = "verified"',
    ]
    lines += [f"{k} = {v}" for k, v in extra.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_cli(capsys, *argv):
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse rejects malformed arguments itself
        code = exc.code
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def linted_tokens(path):
    report = lint_path(path, LintConfig(model="gpt-4o-mini-2024-07-18", context_tokens=65536))
    return report.files[0].records["tokens"].to_list()


def test_json_estimate_matches_the_hand_computation(tmp_path, capsys):
    data = chat_file(tmp_path / "train.jsonl", 100)
    code, out, err = run_cli(capsys, "cost", str(data), "--model", "gpt-4o-mini", "--epochs", "3",
                             "--requests-per-month", "20000", "--format", "json")
    assert code == 0, err
    result = json.loads(out)
    per_epoch = sum(linted_tokens(data))
    assert result["billed_tokens_per_epoch"] == per_epoch
    assert result["training_tokens"] == per_epoch * 3
    # $3.00 per 1M training tokens, exact in decimal.
    assert Decimal(result["training_cost_usd"]) == Decimal(per_epoch * 3) * Decimal("3.00") / 1_000_000
    assert result["model"] == "gpt-4o-mini-2024-07-18"
    assert result["provider"] == "openai"
    assert result["prices"] == {**result["prices"], "as_of": "2026-11-23"}
    assert result["inference"]["requests_per_month"] == 20000
    assert result["lifetime"] == {**result["lifetime"], "usable_until": "2027-01-13", "days": 52}
    assert err == ""  # JSON mode: warnings are in the document, not on stderr


def test_user_price_file_changes_the_number_and_is_named(tmp_path, capsys):
    data = chat_file(tmp_path / "train.jsonl", 100)
    prices = price_file(tmp_path / "acme.toml", price="1.00")
    code, out, _ = run_cli(capsys, "cost", str(data), "--model", "acme/gpt-4o-mini-2024-07-18",
                           "--epochs", "2", "--format", "json", "--prices", str(prices))
    assert code == 0
    result = json.loads(out)
    per_epoch = sum(linted_tokens(data))
    assert Decimal(result["training_cost_usd"]) == Decimal(per_epoch * 2) / 1_000_000
    assert result["prices"]["origin"] == str(prices)
    assert result["prices"]["status"] == "verified"


def test_config_price_files_are_loaded(tmp_path, capsys):
    data = chat_file(tmp_path / "train.jsonl", 100)
    price_file(tmp_path / "acme.toml")
    (tmp_path / "ftpreflight.toml").write_text('prices = ["acme.toml"]\n', encoding="utf-8")
    code, out, err = run_cli(capsys, "cost", str(data), "--model", "gpt-4o-mini-2024-07-18",
                             "--provider", "acme", "--format", "json")
    assert code == 0, err
    assert json.loads(out)["provider"] == "acme"
    # The acme row has no aliases, so the undated name is not an acme model.
    code, _, err = run_cli(capsys, "cost", str(data), "--model", "gpt-4o-mini", "--provider", "acme")
    assert code == 2 and "unknown model" in err


def test_text_output_shows_table_date_source_and_assumptions(tmp_path, capsys):
    data = chat_file(tmp_path / "train.jsonl", 20)
    code, out, err = run_cli(capsys, "cost", str(data), "--model", "gpt-4o-mini")
    assert code == 0
    assert "openai table of 2026-11-23" in out
    assert "https://developers.openai.com/api/docs/pricing" in out
    assert "examples x 3 < 100, so min(25, 100 // 20) = 5" in out  # 20 examples -> 5 epochs
    assert "Assumptions:" in out
    assert "warning: prices for gpt-4o-mini-2024-07-18 are unverified" in err


def test_unknown_model_lists_close_matches(tmp_path, capsys):
    data = chat_file(tmp_path / "train.jsonl", 10)
    code, out, err = run_cli(capsys, "cost", str(data), "--model", "gpt-4o-mni")
    assert code == 2
    assert out == ""
    assert "unknown model 'gpt-4o-mni'" in err and "gpt-4o-mini" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--requests-per-month", "-5"], "--requests-per-month: cannot be negative"),
        (["--requests-per-month", "100000000000000"], "--requests-per-month:"),
        (["--requests-per-month", "10", "--cached-share", "1.5"], "--cached-share: must be between 0 and 1"),
        (["--requests-per-month", "10", "--avg-output-tokens", "-1"], "--avg-output-tokens: cannot be negative"),
        (["--epochs", "0"], "--epochs: must be between 1 and 50"),
        (["--avg-input-tokens", "100"], "--requests-per-month: is needed"),
        (["--requests-per-month", "lots"], "'lots' is not a whole number"),
        (["--method", "dpo"], "--method: gpt-4o-mini-2024-07-18 supports supervised"),
    ],
)
def test_bad_numbers_exit_2_naming_the_flag(tmp_path, capsys, args, message):
    data = chat_file(tmp_path / "train.jsonl", 10)
    code, out, err = run_cli(capsys, "cost", str(data), "--model", "gpt-4o-mini", *args)
    assert code == 2
    assert out == ""
    assert message in err


def test_malformed_price_file_exits_2_naming_file_and_field(tmp_path, capsys):
    data = chat_file(tmp_path / "train.jsonl", 10)
    bad = price_file(tmp_path / "bad.toml").read_text().replace('output_usd_per_1m = "10.00"\n', "")
    (tmp_path / "bad.toml").write_text(bad)
    code, out, err = run_cli(capsys, "cost", str(data), "--prices", str(tmp_path / "bad.toml"))
    assert code == 2 and out == ""
    assert f"{tmp_path / 'bad.toml'}: models[0].output_usd_per_1m (model gpt-4o-mini-2024-07-18): missing field" in err


def test_refuses_a_model_no_longer_accepting_jobs(tmp_path, capsys):
    data = chat_file(tmp_path / "train.jsonl", 10)
    code, out, err = run_cli(capsys, "cost", str(data), "--model", "gpt-3.5-turbo")
    assert code == 1 and out == ""
    assert "refusing to plan this job" in err and "2026-10-23" in err


def test_missing_file_exits_2(tmp_path, capsys):
    code, _, err = run_cli(capsys, "cost", str(tmp_path / "nope.jsonl"))
    assert code == 2 and "training file not found" in err


def test_preference_files_default_to_dpo(tmp_path, capsys):
    path = tmp_path / "prefs.jsonl"
    with open(path, "w") as handle:
        for i in range(12):
            handle.write(json.dumps({
                "input": {"messages": [{"role": "user", "content": f"Say hello number {i}"}]},
                "preferred_output": [{"role": "assistant", "content": "Hello there, friend."}],
                "non_preferred_output": [{"role": "assistant", "content": "Go away."}],
            }) + "\n")
    code, out, err = run_cli(capsys, "cost", str(path), "--model", "gpt-4.1-mini", "--format", "json")
    assert code == 0, err
    result = json.loads(out)
    assert result["method"] == "dpo"
    assert any("both outputs" in a for a in result["assumptions"])


def test_compare_lists_every_openai_model_cheapest_first(tmp_path, capsys):
    data = chat_file(tmp_path / "train.jsonl", 50)
    code, out, _ = run_cli(capsys, "cost", str(data), "--model", "gpt-4o-mini", "--requests-per-month", "1000",
                           "--compare", "--format", "json")
    assert code == 0
    rows = [r for r in json.loads(out)["compare"] if r["provider"] == "openai"]
    priced = [r for r in rows if r["refused"] is None]
    monthly = [Decimal(r["monthly_cost_usd"]) for r in priced]
    assert monthly == sorted(monthly)
    assert priced[0]["model"] == "gpt-4o-mini-2024-07-18"  # cheapest per token of the open models
    assert {r["model"] for r in rows if r["refused"]} >= {"gpt-3.5-turbo-0125", "gpt-4.1-nano-2025-04-14"}


def test_validation_tokens_are_shown_separately(tmp_path, capsys):
    data = chat_file(tmp_path / "train.jsonl", 50)
    valid = chat_file(tmp_path / "valid.jsonl", 5, answer="negative")
    code, out, _ = run_cli(capsys, "cost", str(data), "--model", "gpt-4o-mini", "--validation", str(valid),
                           "--format", "json")
    assert code == 0
    result = json.loads(out)
    assert result["validation_tokens"] == sum(linted_tokens(valid))
    assert result["validation_cost_usd"] is None
    assert any("validation tokens are billed" in w for w in result["warnings"])


def test_compare_counts_each_row_with_its_own_models_tokenizer(tmp_path, capsys):
    """Issue 11 §4: a cl100k model's row must not be priced with o200k counts."""
    path = tmp_path / "train.jsonl"
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(30):  # multilingual support chat: the two encodings split it differently
            handle.write(json.dumps({"messages": [
                {"role": "system", "content": "Du bist der Kundendienst von Nordwind Outfitters."},
                {"role": "user", "content": f"Bestellung {1000 + i}: Die Jacke ist zu groß, können Sie sie "
                                            f"umtauschen? 注文番号 {i} の返品について教えてください。"},
                {"role": "assistant", "content": "Gern! Wählen Sie im Kundenkonto „Rücksendung“ und die "
                                                 "Größe M; の交換は無料です。"},
            ]}, ensure_ascii=False) + "\n")
    prices = price_file(tmp_path / "acme.toml", encoding='"o200k_base"')
    with prices.open("a", encoding="utf-8") as handle:
        handle.write("\n".join(["", "[[models]]", 'id = "acme-legacy-chat"', 'methods = ["supervised"]',
                                "training_context_tokens = 16385", 'training_usd_per_1m_tokens = "1.00"',
                                'input_usd_per_1m = "2.00"', 'output_usd_per_1m = "10.00"',
                                'encoding = "cl100k_base"', 'status = "verified"']) + "\n")
    code, out, err = run_cli(capsys, "cost", str(path), "--model", "gpt-4o-mini-2024-07-18", "--prices",
                             str(prices), "--provider", "acme", "--compare", "--format", "json")
    assert code == 0, err
    rows = {r["model"]: r for r in json.loads(out)["compare"] if r["provider"] == "acme"}

    def billed(encoding):
        report = lint_path(path, LintConfig(model="gpt-4o-mini-2024-07-18", encoding=encoding))
        return sum(report.files[0].records["tokens"].to_list())

    o200k, cl100k = billed("o200k_base"), billed("cl100k_base")
    assert abs(o200k - cl100k) / o200k > 0.03  # the encodings really differ on this file
    assert rows["gpt-4o-mini-2024-07-18"]["billed_tokens_per_epoch"] == o200k
    assert rows["acme-legacy-chat"]["billed_tokens_per_epoch"] == cl100k
    assert rows["acme-legacy-chat"]["encoding"] == "cl100k_base"


def test_compare_counts_again_only_for_models_it_can_price(tmp_path, capsys, monkeypatch):
    """gpt-3.5-turbo (cl100k_base) is shut down: its row is refused, so the file is not
    tokenized a second time for it."""
    import tui.tokens

    calls = []
    monkeypatch.setattr(tui.tokens, "lint_path", lambda *a, **k: calls.append(a) or lint_path(*a, **k))
    data = chat_file(tmp_path / "train.jsonl", 50)
    code, out, _ = run_cli(capsys, "cost", str(data), "--model", "gpt-4o-mini", "--compare", "--format", "json")
    assert code == 0
    rows = {r["model"]: r for r in json.loads(out)["compare"]}
    assert rows["gpt-3.5-turbo-0125"]["refused"]
    assert "cl100k_base" not in {config.encoding for _, config in calls}


def test_usable_day_warning_is_in_cents_like_the_body_and_exact_in_json(capsys):
    data = SAMPLES / "messy.jsonl"
    code, out, err = run_cli(capsys, "cost", str(data))
    per_day = next(line for line in out.splitlines() if "training per usable day" in line).split()[-1]
    warning = next(line for line in err.splitlines() if "of training per usable day" in line)
    # The body and the warning name the same amount, in dollars and cents.
    assert f"; {per_day} of training per usable day)" in warning and per_day.startswith("$")
    assert len(per_day.split(".")[1]) == 2
    code, out, err = run_cli(capsys, "cost", str(data), "--format", "json")
    exact = json.loads(out)["lifetime"]["training_cost_per_day_usd"]
    assert len(exact.split(".")[1]) > 2  # machines keep every digit
