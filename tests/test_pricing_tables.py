"""Price tables: the shipped data, lookups, and the errors a bad user file produces."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from decimal import Decimal

import pytest

import pricing
from pricing import PriceTableError, UnknownModelError, find_model, load_price_book, load_price_table

OPENAI_FINE_TUNABLE = {
    "gpt-4.1-2025-04-14",
    "gpt-4.1-mini-2025-04-14",
    "gpt-4.1-nano-2025-04-14",
    "gpt-4o-2024-08-06",
    "gpt-4o-mini-2024-07-18",
    "gpt-3.5-turbo-0125",
    "davinci-002",
    "babbage-002",
    "o4-mini-2025-04-16",
}

MINIMAL_ROW = """
[[models]]
id = "my-model"
methods = ["supervised"]
training_context_tokens = 8192
training_usd_per_1m_tokens = "1.00"
input_usd_per_1m = "0.10"
output_usd_per_1m = "0.20"
"""


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_openai_table_lists_every_fine_tunable_model_with_a_source():
    book = pricing.default_price_book()
    ids = {row.id for row in book.models("openai")}
    assert OPENAI_FINE_TUNABLE <= ids
    for row in book.models("openai"):
        assert row.row_source.startswith("https://"), row.id
        assert row.as_of == date(2026, 11, 23)


def test_openai_lifecycle_dates_of_the_2026_wind_down():
    assert find_model("gpt-4o-mini").fine_tuning_ends == date(2027, 1, 6)
    assert find_model("gpt-4.1").shutdown == date(2027, 1, 14)
    assert find_model("o4-mini").shutdown == date(2026, 10, 23)


def test_money_is_decimal_not_float():
    row = find_model("gpt-4o-2024-08-06")
    assert row.cached_input_usd_per_1m == Decimal("1.875")
    assert isinstance(row.training_usd_per_1m_tokens, Decimal)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("gpt-4o-mini", "gpt-4o-mini-2024-07-18"),
        ("GPT-4o-mini", "gpt-4o-mini-2024-07-18"),
        ("ft:gpt-4.1-mini-2025-04-14:org::abc123", "gpt-4.1-mini-2025-04-14"),
        ("ft:gpt-4o-mini-2024-07-18:my-org:support:AbC1", "gpt-4o-mini-2024-07-18"),
        ("gpt-4o-mini-2024-07-18.ft-0123abcd", "gpt-4o-mini-2024-07-18"),
        ("o4-mini", "o4-mini-2025-04-16"),
    ],
)
def test_find_model_resolves_aliases_and_fine_tuned_names(name, expected):
    assert find_model(name).id == expected


def test_training_context_for_the_linter():
    assert find_model("gpt-4o-mini").training_context_tokens == 65536
    assert find_model("gpt-3.5-turbo").training_context_tokens == 16385
    assert find_model("gpt-3.5-turbo").encoding == "cl100k_base"


def test_provider_prefix_picks_the_azure_row():
    assert find_model("gpt-4.1").provider == "openai"
    azure = find_model("azure_openai/gpt-4.1")
    assert azure.provider == "azure_openai"
    assert azure.hosting_usd_per_hour == Decimal("1.70")
    assert find_model("gpt-4.1", provider="azure_openai").id == "gpt-4.1-2025-04-14"


def test_unknown_model_lists_close_matches():
    with pytest.raises(UnknownModelError) as info:
        find_model("gpt-4o-mni")
    assert "gpt-4o-mini" in info.value.suggestions
    assert "gpt-4o-mini" in str(info.value)


def test_user_table_overrides_one_row_and_keeps_the_rest(tmp_path):
    path = write(tmp_path, "negotiated.toml", """
provider = "openai"
as_of = 2026-11-01
source = "https://example.com/our-contract"

[[models]]
id = "gpt-4o-mini-2024-07-18"
aliases = ["gpt-4o-mini"]
methods = ["supervised"]
training_context_tokens = 65536
training_usd_per_1m_tokens = 2.50
input_usd_per_1m = "0.30"
output_usd_per_1m = "1.20"
status = "verified"
""")
    book = load_price_book([path])
    row = book.find_model("gpt-4o-mini")
    assert row.training_usd_per_1m_tokens == Decimal("2.50")
    assert row.origin == str(path)
    assert row.as_of == date(2026, 11, 1)
    assert book.find_model("gpt-4.1").training_usd_per_1m_tokens == Decimal("25.00")


def test_unquoted_decimals_are_exact(tmp_path):
    path = write(tmp_path, "p.toml", 'provider = "acme"\nas_of = 2026-01-01\nsource = "x"\n'
                 + MINIMAL_ROW.replace('"0.10"', "0.1"))
    assert load_price_table(path).rows()[0].input_usd_per_1m == Decimal("0.1")


def test_json_tables_load(tmp_path):
    path = write(tmp_path, "p.json", """{"provider": "acme", "as_of": "2026-01-01", "source": "https://a.b",
      "models": [{"id": "m1", "methods": ["supervised"], "training_context_tokens": 100,
                  "training_usd_per_1m_tokens": 0.3, "input_usd_per_1m": "1", "output_usd_per_1m": "2"}]}""")
    row = load_price_book([path]).find_model("acme/m1")
    assert row.training_usd_per_1m_tokens == Decimal("0.3")


def test_missing_field_names_file_field_and_model(tmp_path):
    path = write(tmp_path, "bad.toml", 'provider = "acme"\nas_of = 2026-01-01\nsource = "x"\n'
                 + MINIMAL_ROW.replace('output_usd_per_1m = "0.20"\n', ""))
    with pytest.raises(PriceTableError) as info:
        load_price_table(path)
    message = str(info.value)
    assert str(path) in message
    assert "models[0].output_usd_per_1m" in message
    assert "my-model" in message and "missing field" in message


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda t: t.replace('as_of = 2026-01-01\n', ""), "as_of: missing field"),
        (lambda t: t.replace('"1.00"', '"-1.00"'), "training_usd_per_1m_tokens"),
        (lambda t: t.replace('"1.00"', '"cheap"'), "training_usd_per_1m_tokens"),
        (lambda t: t + 'colour = "red"\n', "models[0].colour (model my-model): unknown field"),
        (lambda t: t.replace('["supervised"]', '["reinforcement"]'), "training_usd_per_hour is required"),
        (lambda t: t.replace('["supervised"]', '["magic"]'), "methods"),
        (lambda t: t.replace("[[models]]", "[[models"), "not valid TOML"),
    ],
)
def test_malformed_tables_are_rejected_with_the_field(tmp_path, change, expected):
    text = change('provider = "acme"\nas_of = 2026-01-01\nsource = "x"\n' + MINIMAL_ROW)
    path = write(tmp_path, "bad.toml", text)
    with pytest.raises(PriceTableError) as info:
        load_price_table(path)
    assert str(path) in str(info.value)
    assert expected in str(info.value)
    assert "at least 1 item" not in str(info.value)  # no follow-on noise from the bad row


def test_duplicate_alias_is_rejected(tmp_path):
    text = 'provider = "acme"\nas_of = 2026-01-01\nsource = "x"\n' + MINIMAL_ROW + MINIMAL_ROW.replace(
        'id = "my-model"', 'id = "other"\naliases = ["my-model"]')
    with pytest.raises(PriceTableError, match="used by both"):
        load_price_table(write(tmp_path, "dup.toml", text))


def test_missing_price_file_names_it(tmp_path):
    with pytest.raises(PriceTableError, match="price file not found"):
        load_price_book([tmp_path / "nope.toml"])


def test_floats_are_refused_from_python():
    row = pricing.default_price_book().models()[0]
    data = row.model_dump()
    data["input_usd_per_1m"] = 0.1
    with pytest.raises(ValueError, match="not a float"):
        pricing.ModelPrice(**data)


def test_core_does_not_import_the_app_or_the_linter():
    code = (
        "import sys, pricing; pricing.default_price_book(); "
        "bad = [m for m in ('textual', 'openai', 'linter', 'tui') if m in sys.modules]; "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_find_model_with_extra_tables_and_model_names(tmp_path):
    path = write(tmp_path, "acme.toml", 'provider = "acme"\nas_of = 2026-01-01\nsource = "x"\n' + MINIMAL_ROW)
    assert find_model("my-model", extra_tables=[path]).training_context_tokens == 8192
    with pytest.raises(UnknownModelError):
        find_model("my-model")  # built-in tables only
    names = pricing.model_names()
    assert "gpt-4o-mini" in names and "gpt-4o-mini-2024-07-18" in names
