"""``ftpreflight prices``: what is loaded, where from, how old."""

from __future__ import annotations

import json
from datetime import date

import pytest

from tui.cli import main
from tui.commands import cost


@pytest.fixture(autouse=True)
def fixed_day(monkeypatch, tmp_path):
    monkeypatch.setattr(cost, "today", lambda: date(2026, 11, 23))
    monkeypatch.chdir(tmp_path)


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


OLD_TABLE = """provider = "acme"
as_of = 2026-01-01
source = "https://acme.example/prices"

[[models]]
id = "acme-small"
methods = ["supervised"]
training_context_tokens = 8192
training_usd_per_1m_tokens = "0.50"
input_usd_per_1m = "0.10"
output_usd_per_1m = "0.40"
"""


def test_lists_the_built_in_tables_with_date_and_source(capsys):
    code, out, err = run_cli(capsys, "prices")
    assert code == 0
    assert "openai" in out and "azure_openai" in out
    assert "2026-11-23" in out
    assert "https://developers.openai.com/api/docs/pricing" in out
    assert err == ""  # checked today: nothing stale


def test_json_lists_tables_and_models(capsys):
    code, out, _ = run_cli(capsys, "prices", "--format", "json")
    assert code == 0
    data = json.loads(out)
    openai_table = next(t for t in data["tables"] if t["provider"] == "openai")
    assert openai_table["age_days"] == 0 and openai_table["stale"] is False
    assert openai_table["origin"] == "built-in (openai.toml)"
    mini = next(m for m in data["models"] if m["id"] == "gpt-4o-mini-2024-07-18")
    assert mini["training_usd_per_1m_tokens"] == "3.00"
    assert mini["shutdown"] == "2027-01-14"
    assert mini["aliases"] == ["gpt-4o-mini"]


def test_warns_when_a_table_is_older_than_90_days(tmp_path, capsys):
    table = tmp_path / "acme.toml"
    table.write_text(OLD_TABLE)
    code, out, err = run_cli(capsys, "prices", "--prices", str(table), "--models")
    assert code == 0
    assert str(table) in out
    assert "acme/acme-small" in out
    # 2026-01-01 to 2026-11-23 is 326 days.
    assert f"warning: the acme table from {table} is 326 days old" in err


def test_provider_filter_and_unknown_provider(capsys):
    code, out, _ = run_cli(capsys, "prices", "--provider", "azure_openai", "--format", "json")
    assert code == 0
    assert {m["provider"] for m in json.loads(out)["models"]} == {"azure_openai"}
    code, out, err = run_cli(capsys, "prices", "--provider", "nope")
    assert code == 2 and out == "" and "no table for 'nope'" in err


def test_malformed_user_table_exits_2_naming_file_and_field(tmp_path, capsys):
    table = tmp_path / "acme.toml"
    table.write_text(OLD_TABLE.replace('source = "https://acme.example/prices"\n', ""))
    code, out, err = run_cli(capsys, "prices", "--prices", str(table))
    assert code == 2 and out == ""
    assert f"{table}: source: missing field" in err
