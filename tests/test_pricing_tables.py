"""Price tables: the shipped data, lookups, and the errors a bad user file produces."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

import pricing
from pricing import PriceTableError, UnknownModelError, find_model, format_usd, load_price_book, load_price_table

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


# --- Built-in tables for the providers teams move to (issue 14) ---------------------------------

NEW_PROVIDERS = ("azure_openai", "together", "fireworks", "vertex", "bedrock")
PRIMARY_DOMAINS = {
    "openai": ("openai.com",),
    "azure_openai": ("microsoft.com", "github.com/MicrosoftDocs/"),
    "together": ("together.ai",),
    "fireworks": ("fireworks.ai",),
    "vertex": ("cloud.google.com",),
    "bedrock": ("aws.amazon.com",),
}
AGREED_ENCODINGS = {"o200k_base", "cl100k_base", "o200k_harmony", "llama3", "qwen2", "tekken", "gemini-estimate"}
TABLES_DIR = Path(pricing.__file__).parent / "tables"


def test_every_built_in_table_is_loaded_and_listed():
    assert set(pricing.BUILTIN_TABLES) == {p.name for p in TABLES_DIR.glob("*.toml")}
    assert pricing.default_price_book().providers == ["openai", *NEW_PROVIDERS]


def test_every_row_has_a_source_url_a_status_and_a_note():
    for row in pricing.default_price_book().models():
        assert row.row_source.startswith("https://"), row.id
        assert row.lifecycle_row_source.startswith("https://"), row.id
        assert row.status in ("verified", "unverified"), row.id
        assert row.note, f"{row.provider}/{row.id} says nothing about where its figures came from"
        assert row.training_context_tokens > 0


def test_verified_rows_quote_their_primary_source():
    verified = [r for r in pricing.default_price_book().models() if r.status == "verified"]
    assert verified  # Together's gpt-oss rows
    for row in verified:
        assert any(domain in row.row_source for domain in PRIMARY_DOMAINS[row.provider]), row.id
        assert not row.price_unknown
        # A quotation: the figure's text between quote marks, with the price in it.
        quoted = re.findall(r"'([^']+)'", row.note)
        price = format_usd(row.training_usd_per_1m_tokens)
        assert any(price in q for q in quoted), f"{row.id}: the note quotes no text with {price}"


def test_dates_parse_and_run_in_order():
    for table in pricing.builtin_tables():
        assert isinstance(table.as_of, date) and date(2026, 11, 1) <= table.as_of <= date(2026, 11, 29)
    for row in pricing.default_price_book().models():
        for value in (row.fine_tuning_ends, row.shutdown):
            assert value is None or isinstance(value, date)
        if row.fine_tuning_ends and row.shutdown:
            assert row.fine_tuning_ends <= row.shutdown, row.id


def test_no_duplicate_ids_within_a_provider_in_the_files():
    # Read the files directly: the loader refuses duplicates, this shows none were written.
    for path in TABLES_DIR.glob("*.toml"):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        names = [n.lower() for row in data["models"] for n in (row["id"], *row.get("aliases", []))]
        assert len(names) == len(set(names)), path.name


def test_a_model_listed_twice_is_refused(tmp_path):
    text = 'provider = "acme"\nas_of = 2026-01-01\nsource = "x"\n' + MINIMAL_ROW + MINIMAL_ROW
    with pytest.raises(PriceTableError, match="listed twice"):
        load_price_table(write(tmp_path, "twice.toml", text))


def test_encodings_are_the_agreed_tokenizer_names():
    rows = pricing.default_price_book().models()
    assert {r.encoding for r in rows if r.encoding} <= AGREED_ENCODINGS
    by_id = {(r.provider, r.id): r.encoding for r in rows}
    assert by_id[("together", "openai/gpt-oss-20b")] == "o200k_harmony"
    assert by_id[("fireworks", "accounts/fireworks/models/qwen3-8b")] == "qwen2"
    assert by_id[("bedrock", "meta.llama3-1-8b-instruct-v1:0:128k")] == "llama3"
    assert by_id[("vertex", "gemini-2.5-flash")] == "gemini-estimate"
    assert by_id[("bedrock", "amazon.nova-micro-v1:0:128k")] is None  # no offline Nova tokenizer


def test_azure_lists_the_foundry_models_with_their_retirement_dates():
    book = pricing.default_price_book()
    rows = {r.id: r for r in book.models("azure_openai")}
    assert set(rows) == {"gpt-4.1-2025-04-14", "gpt-4.1-mini-2025-04-14", "gpt-4.1-nano-2025-04-14",
                         "gpt-4o-2024-08-06", "gpt-4o-mini-2024-07-18", "o4-mini-2025-04-16", "Qwen-32B"}
    assert rows["gpt-4o-2024-08-06"].methods == ("supervised", "dpo")
    assert rows["gpt-4o-mini-2024-07-18"].methods == ("supervised",)
    assert rows["gpt-4.1-nano-2025-04-14"].training_context_tokens == 32768
    assert (rows["gpt-4.1-mini-2025-04-14"].fine_tuning_ends, rows["gpt-4.1-mini-2025-04-14"].shutdown) == (
        date(2027, 4, 14), date(2027, 10, 14))
    assert (rows["gpt-4o-mini-2024-07-18"].fine_tuning_ends, rows["gpt-4o-mini-2024-07-18"].shutdown) == (
        date(2027, 4, 1), date(2027, 10, 1))
    assert all(r.hosting_usd_per_hour == Decimal("1.70") for r in rows.values() if r.id.startswith(("gpt", "o4")))
    assert "model-retirement-schedule" in rows["gpt-4o-2024-08-06"].lifecycle_row_source
    # Azure trains gpt-4o after OpenAI stops: the planner must see the later date.
    assert rows["gpt-4o-2024-08-06"].fine_tuning_ends > find_model("openai/gpt-4o").fine_tuning_ends


def test_together_prices_dpo_apart_and_says_what_packing_off_bills():
    row = find_model("together/openai/gpt-oss-20b")
    assert row.training_price_per_1m("supervised") == Decimal("0.40")
    assert row.training_price_per_1m("dpo") == Decimal("1.00")
    band = find_model("together/meta-llama/Meta-Llama-3.1-8B-Instruct-Reference")
    assert band.size_band == "up to 16B"
    assert band.training_price_per_1m("supervised", full=True) == Decimal("0.54")
    assert band.training_price_per_1m("dpo", full=True) == Decimal("1.35")
    assert any("packing off" in n and "max_seq_length" in n for n in row.table_notices)


def test_fireworks_rows_carry_their_band():
    bands = {r.id.rsplit("/", 1)[1]: (r.size_band, r.training_usd_per_1m_tokens)
             for r in pricing.default_price_book().models("fireworks")}
    assert bands["llama-v3p1-8b-instruct"] == ("up to 16B", Decimal("0.50"))
    assert bands["llama-v3p3-70b-instruct"] == ("16.1B-80B", Decimal("3.00"))
    assert bands["gpt-oss-120b"] == ("80B-300B", Decimal("6.00"))


def test_bedrock_storage_and_provisioned_throughput_note():
    micro = find_model("nova-micro")
    assert micro.provider == "bedrock" and micro.storage_usd_per_month == Decimal("1.95")
    assert micro.training_usd_per_1m_tokens == Decimal("1.00")  # $0.001 per 1,000 tokens
    assert any("Provisioned Throughput" in n for n in micro.table_notices)


@pytest.mark.parametrize(
    ("name", "provider", "model_id"),
    [
        ("openai/gpt-oss-20b", "together", "openai/gpt-oss-20b"),  # not "gpt-oss-20b at OpenAI"
        ("together/openai/gpt-oss-120b", "together", "openai/gpt-oss-120b"),
        ("openai/gpt-4.1", "openai", "gpt-4.1-2025-04-14"),
        ("fireworks/accounts/fireworks/models/qwen3-8b", "fireworks", "accounts/fireworks/models/qwen3-8b"),
        ("bedrock/amazon.nova-micro-v1:0", "bedrock", "amazon.nova-micro-v1:0:128k"),
        ("azure_openai/gpt-4o", "azure_openai", "gpt-4o-2024-08-06"),
    ],
)
def test_ids_with_a_slash_or_colon_resolve(name, provider, model_id):
    row = find_model(name)
    assert (row.provider, row.id) == (provider, model_id)


def test_unknown_prefixed_name_suggests_that_providers_models():
    with pytest.raises(UnknownModelError) as info:
        find_model("openai/gpt-4.2")
    assert "gpt-4.1" in info.value.suggestions


# --- Schema: rows without a sourced price ------------------------------------------------------

UNPRICED_ROW = """
[[models]]
id = "mystery"
methods = ["supervised", "dpo"]
training_context_tokens = 4096
price_unknown = true
inference_price_unknown = true
"""


def test_a_row_may_say_its_price_is_unknown(tmp_path):
    path = write(tmp_path, "p.toml", 'provider = "acme"\nas_of = 2026-01-01\nsource = "https://a.b"\n'
                 + UNPRICED_ROW)
    row = load_price_book([path]).find_model("acme/mystery")
    assert row.price_unknown and row.training_usd_per_1m_tokens is None
    assert row.input_usd_per_1m is None and not row.billed_by_time


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda t: t.replace("price_unknown = true\ninference", 'price_unknown = true\ntraining_usd_per_1m_tokens = "1"\ninference'),
         "price_unknown = true carries no training price (training_usd_per_1m_tokens)"),
        (lambda t: t + 'input_usd_per_1m = "0.10"\n', "inference_price_unknown = true carries no inference price"),
        (lambda t: t.replace("\nprice_unknown = true\n", "\n"), "training_usd_per_1m_tokens is required"),
        (lambda t: t.replace("inference_price_unknown = true\n", ""), "models[0].input_usd_per_1m (model mystery): missing field"),
        (lambda t: t.replace("price_unknown = true\n", 'price_unknown = "maybe"\n', 1), "price_unknown"),
        (lambda t: t + 'storage_usd_per_month = "-1"\n', "storage_usd_per_month"),
        (lambda t: t + 'fine_tuning_ends = "soon"\n', "fine_tuning_ends"),
    ],
)
def test_unpriced_rows_are_validated(tmp_path, change, expected):
    text = change('provider = "acme"\nas_of = 2026-01-01\nsource = "x"\n' + UNPRICED_ROW)
    with pytest.raises(PriceTableError) as info:
        load_price_table(write(tmp_path, "bad.toml", text))
    assert str(tmp_path / "bad.toml") in str(info.value)
    assert expected in str(info.value)


def test_readme_lists_every_built_in_row():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- price-tables:start -->\n(.*?)<!-- price-tables:end -->", readme, re.S)
    assert block, "README has no price-tables block"
    assert block.group(1) == pricing.render_price_tables_markdown()
