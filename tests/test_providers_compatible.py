"""``--provider openai-compatible`` (the OpenAI API shape at another base URL, such as Nebius
Token Factory) and OpenAI's wind-down refusal, with the real ``openai`` SDK against the local
fake in ``tests/fake_openai``; plus the provider registry the app's picker uses."""

from __future__ import annotations

import pytest
from fake_openai import DEFAULT_API_KEY, FakeOpenAI, write_chat_jsonl

from tui.cli import main
from tui.providers import ProviderConfigError, make_provider, provider_kinds
from tui.services.submit import provider_choices

MODEL = "openai/gpt-oss-20b"
COMPATIBLE_PRICES = """
provider = "nebius"
as_of = 2026-11-20
source = "https://nebius.com/token-factory/prices"

[[models]]
id = "openai/gpt-oss-20b"
methods = ["supervised", "dpo"]
training_context_tokens = 16384
encoding = "o200k_base"
training_usd_per_1m_tokens = "0.40"
input_usd_per_1m = "0.05"
output_usd_per_1m = "0.20"
source = "https://nebius.com/token-factory/prices"
"""
TOGETHER_PRICES = COMPATIBLE_PRICES.replace('provider = "nebius"', 'provider = "together"')


@pytest.fixture(autouse=True)
def environment(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    for name in ("OPENAI_API_KEY", "OPENAI_COMPATIBLE_API_KEY", "OPENAI_COMPATIBLE_BASE_URL", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def train(tmp_path):
    path = tmp_path / "train.jsonl"
    write_chat_jsonl(path, 12)
    return path


@pytest.fixture
def prices(tmp_path):
    path = tmp_path / "nebius.toml"
    path.write_text(COMPATIBLE_PRICES, encoding="utf-8")
    return path


def compatible(server, *args):
    return main(["submit", *map(str, args), "--provider", "openai-compatible", "--base-url", server.base_url,
                 "--timeout", "5", "--yes"])


def test_the_registry_lists_every_provider_for_the_picker():
    names = [kind.name for kind in provider_kinds()]
    assert names[:3] == ["openai", "azure", "openai-compatible"]
    assert {"together", "fireworks"} <= set(names)
    assert dict(provider_choices())["together"] == "Together AI"
    assert len({kind.key_variable for kind in provider_kinds()}) == len(names)


def test_a_compatible_endpoint_needs_its_url_and_its_own_key(monkeypatch):
    with pytest.raises(ProviderConfigError, match="--base-url"):
        make_provider("openai-compatible", environ={"OPENAI_COMPATIBLE_API_KEY": "k" * 20})
    # An OpenAI key is never sent to another company's endpoint.
    with pytest.raises(Exception, match="OPENAI_COMPATIBLE_API_KEY"):
        make_provider("openai-compatible", base_url="http://127.0.0.1:9/v1",
                      environ={"OPENAI_API_KEY": DEFAULT_API_KEY})


def test_an_endpoint_without_metadata_gets_the_job_once_with_a_warning(train, prices, capsys, monkeypatch):
    monkeypatch.setenv("OPENAI_COMPATIBLE_API_KEY", DEFAULT_API_KEY)
    with FakeOpenAI(models=frozenset({MODEL}), unsupported_fields=frozenset({"metadata"})) as server:
        assert compatible(server, train, "--model", MODEL, "--prices", prices) == 0
        first = capsys.readouterr()
        (job,) = server.jobs.values()
        assert job.metadata is None and first.out.strip() == job.id
        assert "did not keep the job's metadata" in first.err
        assert compatible(server, train, "--model", MODEL, "--prices", prices) == 0
        second = capsys.readouterr()
        assert second.out.strip() == job.id and len(server.jobs) == 1 and "already exists" in second.err


def test_a_method_the_endpoint_lacks_is_one_sentence_and_cleans_up(train, prices, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("OPENAI_COMPATIBLE_API_KEY", DEFAULT_API_KEY)
    dpo = tmp_path / "dpo.jsonl"
    import json

    rows = [{"input": {"messages": [{"role": "user", "content": f"Say {n}"}]},
             "preferred_output": [{"role": "assistant", "content": f"{n}"}],
             "non_preferred_output": [{"role": "assistant", "content": f"{n + 1}"}]} for n in range(12)]
    dpo.write_text("\n".join(json.dumps(row) for row in rows) + "\n", encoding="utf-8")
    with FakeOpenAI(models=frozenset({MODEL}), unsupported_fields=frozenset({"dpo"})) as server:
        assert compatible(server, dpo, "--model", MODEL, "--prices", prices, "--method", "dpo") == 1
        err = capsys.readouterr().err
        assert server.jobs == {} and server.live_files() == []
    (line,) = [line for line in err.splitlines() if "does not support" in line]
    assert "does not support the dpo fine-tuning method" in line and line.endswith("were deleted.")


def test_openai_prices_do_not_stand_in_for_a_compatible_endpoint(train, capsys, monkeypatch):
    monkeypatch.setenv("OPENAI_COMPATIBLE_API_KEY", DEFAULT_API_KEY)
    with FakeOpenAI() as server:
        assert compatible(server, train, "--model", "gpt-4o-mini") == 2
        assert server.requests == []
    assert "its own price table with --prices" in capsys.readouterr().err


def test_the_wind_down_refusal_names_the_date_and_the_providers_that_still_train(train, tmp_path, capsys,
                                                                                   monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", DEFAULT_API_KEY)
    together = tmp_path / "together.toml"
    together.write_text(TOGETHER_PRICES, encoding="utf-8")
    with FakeOpenAI() as server:
        server.inject("403_training", "POST", "/fine_tuning/jobs")
        status = main(["submit", str(train), "--model", "gpt-4o-mini", "--yes", "--base-url", server.base_url,
                       "--prices", str(together)])
        assert server.jobs == {} and server.live_files() == []
    err = capsys.readouterr().err
    (line,) = [line for line in err.splitlines() if "training_not_available" in line]
    assert status == 1 and "2027-01-06" in line and "together" in line and "azure" in line
    assert "--provider NAME" in line
    assert line.count(". ") == 0 and line.endswith(".")


def test_the_readme_providers_table_is_the_registry():
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n### Submission providers\n", 1)[1].strip("\n").split("\n\n", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")][1:]  # after the header
    expected = [f"| `{k.name}` | {k.label} | {k.key_sources} | {', '.join(k.methods)} | {k.idempotency} | "
                f"{k.events} | {k.loss} | {k.cost_check} |" for k in provider_kinds()]
    assert rows == expected
