"""The bundled samples are generated, deterministic and shaped as documented.

Lint behaviour on these files is tested with the engine; this file only checks the data."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample_data"
GENERATOR = SAMPLE_DIR / "generate.py"
GENERATED = sorted(p.name for p in SAMPLE_DIR.iterdir() if p.suffix in {".jsonl", ".md"})


def records(name: str) -> list[dict]:
    return [json.loads(line) for line in (SAMPLE_DIR / name).read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("samples")
    subprocess.run([sys.executable, str(GENERATOR), str(out)], check=True)
    return out


def test_generator_reproduces_every_committed_file(regenerated: Path) -> None:
    produced = sorted(p.name for p in regenerated.iterdir())
    assert produced == GENERATED
    for name in produced:
        assert (regenerated / name).read_bytes() == (SAMPLE_DIR / name).read_bytes(), name


@pytest.mark.parametrize(
    ("name", "minimum"),
    [("support_chat.jsonl", 60), ("tool_calls.jsonl", 20), ("completion_legacy.jsonl", 30),
     ("preference_dpo.jsonl", 20), ("reinforcement.jsonl", 20)],
)
def test_clean_samples_have_enough_examples(name: str, minimum: int) -> None:
    assert len(records(name)) >= minimum


def test_support_chat_shares_one_system_prompt_and_has_no_repeats() -> None:
    data = records("support_chat.jsonl")
    assert len({r["messages"][0]["content"] for r in data}) == 1
    assert all(r["messages"][0]["role"] == "system" and r["messages"][-1]["role"] == "assistant" for r in data)
    assert len({json.dumps(r, sort_keys=True) for r in data}) == len(data)
    inputs = [json.dumps(r["messages"][:-1]) for r in data]
    assert len(set(inputs)) == len(inputs)


def test_tool_calls_are_well_formed() -> None:
    for record in records("tool_calls.jsonl"):
        names = {tool["function"]["name"] for tool in record["tools"]}
        calls = {}
        for message in record["messages"]:
            for call in message.get("tool_calls", []):
                assert call["function"]["name"] in names
                assert isinstance(json.loads(call["function"]["arguments"]), dict)
                calls[call["id"]] = call
            if message["role"] == "tool":
                assert message["tool_call_id"] in calls
        assert record["messages"][-1]["role"] == "assistant" and record["messages"][-1]["content"]


def test_completion_sample_uses_one_separator_and_stop() -> None:
    for record in records("completion_legacy.jsonl"):
        assert record["prompt"].endswith("\n\n###\n\n") and record["prompt"].count("###") == 1
        assert record["completion"].startswith(" ") and record["completion"].endswith("\nEND")
        assert record["completion"].count("\nEND") == 1


def test_preference_outputs_are_single_distinct_assistant_messages() -> None:
    for record in records("preference_dpo.jsonl"):
        preferred, rejected = record["preferred_output"], record["non_preferred_output"]
        assert len(preferred) == len(rejected) == 1
        assert preferred[0]["role"] == rejected[0]["role"] == "assistant"
        assert preferred != rejected


def test_reinforcement_prompts_end_on_the_user_with_a_reference_answer() -> None:
    for record in records("reinforcement.jsonl"):
        assert [m["role"] for m in record["messages"]] == ["system", "user"]
        assert record["reference_answer"]


def test_byte_level_samples() -> None:
    assert (SAMPLE_DIR / "bom.jsonl").read_bytes().startswith(b"\xef\xbb\xbf")
    with pytest.raises(UnicodeDecodeError):
        (SAMPLE_DIR / "invalid_utf8.jsonl").read_bytes().decode("utf-8")
    assert (SAMPLE_DIR / "binary.jsonl").read_bytes().startswith(b"\x89PNG")
    messy = (SAMPLE_DIR / "messy.jsonl").read_bytes()
    assert b"\r\n" in messy and b"\n\n" in messy
    assert len(messy) < 1_000_000
    assert len(records("tiny.jsonl")) == 5


def test_readme_table_lists_every_messy_line_with_a_rule() -> None:
    readme = (SAMPLE_DIR / "README.md").read_text(encoding="utf-8")
    messy_lines = (SAMPLE_DIR / "messy.jsonl").read_bytes().split(b"\n")[:-1]
    assert "| 40 | FT501 |" in readme and len(messy_lines) == 40
    for code in ["FT101", "FT102", "FT103", "FT104", "FT105", "FT106", "FT107", "FT108", "FT109", "FT110",
                 "FT111", "FT112", "FT114", "FT115", "FT203", "FT301", "FT302", "FT303", "FT501",
                 "FT601", "FT602", "FT603", "FT604", "FT605", "FT606", "FT607", "FT204", "FT113", "FT201",
                 "FT401", "FT402", "FT403", "FT404", "FT405", "FT406", "FT407", "FT100"]:
        assert code in readme, code
