"""`ftpreflight convert`: OpenAI chat to Vertex AI / Bedrock, round trips through the
provider's lint, and what cannot be converted reported on its line."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from linter import LintConfig, lint_path
from linter.convert import ConvertError, convert_file
from tui.cli import main

SAMPLES = Path(__file__).resolve().parent.parent / "sample_data"
TOOLS = [{"type": "function", "function": {"name": "get_order_status", "description": "Look up an order.",
                                           "parameters": {"type": "object",
                                                          "properties": {"order_id": {"type": "string"}}}}}]


def _call(call_id: str, order: str) -> dict:
    return {"id": call_id, "type": "function",
            "function": {"name": "get_order_status", "arguments": orjson.dumps({"order_id": order}).decode()}}


def _records() -> list[dict]:
    """Chat records shaped like real exports: system prompts, multi-turn, unicode, content parts."""
    out = []
    for i in range(30):
        messages = []
        if i % 3:
            messages.append({"role": "system", "content": "Tu es l'agent de Northwind — réponds brièvement."})
        messages.append({"role": "user", "content": f"Où est ma commande NW-{4000 + i} ? 🙏"})
        messages.append({"role": "assistant", "content": f"La commande NW-{4000 + i} est partie le jour {i}."})
        if i % 4 == 0:
            messages.append({"role": "user", "content": [{"type": "text", "text": "Et le retour ?"},
                                                         {"type": "text", "text": " Sous 30 jours ?"}]})
            messages.append({"role": "assistant", "content": "Oui, 30 jours.\n\nÉtiquette incluse."})
        out.append({"messages": messages})
    return out


def _tool_record() -> dict:
    return {"messages": [
        {"role": "system", "content": "Use the tools."},
        {"role": "user", "content": "Status of NW-1042 and NW-1043?"},
        {"role": "assistant", "content": None, "tool_calls": [_call("call_a", "NW-1042"), _call("call_b", "NW-1043")]},
        {"role": "tool", "tool_call_id": "call_a", "content": '{"status": "shipped"}'},
        {"role": "tool", "tool_call_id": "call_b", "content": "still packing"},
        {"role": "assistant", "content": "One shipped, one is being packed."}], "tools": TOOLS}


def _write(path: Path, records: list) -> Path:
    path.write_bytes(b"".join((r if isinstance(r, bytes) else orjson.dumps(r)) + b"\n" for r in records))
    return path


def _read(path: Path) -> list[dict]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def _errors(path: Path, provider: str) -> list:
    report = lint_path(path, LintConfig(jobs=1, provider=provider))
    return [(d.line, d.code, d.message) for d in report.diagnostics if d.severity.label == "error"]


def _texts_openai(record: dict) -> list[tuple[str, str]]:
    out = []
    for m in record["messages"]:
        content = m.get("content")
        text = content if isinstance(content, str) else "".join(p["text"] for p in content or [])
        out.append(({"developer": "system"}.get(m["role"], m["role"]), text))
    return out


def test_vertex_round_trip_keeps_every_text_and_lints_clean(tmp_path):
    source = _write(tmp_path / "train.jsonl", _records() + [_tool_record()])
    before = source.read_bytes()
    out = tmp_path / "train.vertex.jsonl"
    summary = convert_file(source, out, "vertex")
    assert (summary.written, summary.skipped, summary.problems) == (31, 0, [])
    assert source.read_bytes() == before
    assert _errors(out, "vertex") == []
    converted = _read(out)
    for original, record in zip(_records(), converted):
        got = [("system", p["text"]) for p in record.get("systemInstruction", {}).get("parts", [])]
        got += [({"model": "assistant"}.get(c["role"], c["role"]), "".join(p["text"] for p in c["parts"]))
                for c in record["contents"]]
        assert got == _texts_openai(original)
    tool = converted[-1]
    assert tool["tools"] == [{"functionDeclarations": [{"name": "get_order_status", "description": "Look up an order.",
                                                        "parameters": TOOLS[0]["function"]["parameters"]}]}]
    assert tool["contents"][1] == {"role": "model", "parts": [
        {"functionCall": {"name": "get_order_status", "args": {"order_id": "NW-1042"}}},
        {"functionCall": {"name": "get_order_status", "args": {"order_id": "NW-1043"}}}]}
    # Parallel tool results go back in one user turn, JSON parsed, plain text wrapped.
    assert tool["contents"][2] == {"role": "user", "parts": [
        {"functionResponse": {"name": "get_order_status", "response": {"status": "shipped"}}},
        {"functionResponse": {"name": "get_order_status", "response": {"content": "still packing"}}}]}


@pytest.mark.parametrize("target", ["bedrock", "bedrock-haiku"])
def test_bedrock_round_trip_keeps_every_text_and_lints_clean(tmp_path, target):
    source = _write(tmp_path / "train.jsonl", _records())
    out = tmp_path / f"train.{target}.jsonl"
    summary = convert_file(source, out, target)
    assert (summary.written, summary.skipped, summary.problems) == (30, 0, [])
    assert _errors(out, "bedrock") == []
    for original, record in zip(_records(), _read(out)):
        if target == "bedrock":
            assert record["schemaVersion"] == "bedrock-conversation-2024"
            got = [("system", b["text"]) for b in record.get("system", [])]
            got += [(m["role"], "".join(b["text"] for b in m["content"])) for m in record["messages"]]
        else:
            assert set(record) <= {"system", "messages"}
            got = [("system", record["system"])] if "system" in record else []
            got += [(m["role"], m["content"]) for m in record["messages"]]
        assert got == _texts_openai(original)


def test_the_sample_files_convert_and_lint_clean(tmp_path):
    out = tmp_path / "support.bedrock.jsonl"
    summary = convert_file(SAMPLES / "support_chat.jsonl", out, "bedrock")
    assert summary.written == 120 and summary.skipped == 0
    assert _errors(out, "bedrock") == []
    out = tmp_path / "tools.vertex.jsonl"
    summary = convert_file(SAMPLES / "tool_calls.jsonl", out, "vertex")
    assert summary.written == 24 and summary.skipped == 0
    assert _errors(out, "vertex") == []
    # `parallel_tool_calls` is a setting Vertex has no place for: said, not silently dropped.
    assert {p.pointer for p in summary.problems} == {"/parallel_tool_calls"}
    assert all(p.severity.label == "warning" for p in summary.problems)


def test_what_cannot_be_converted_is_reported_on_its_line(tmp_path):
    records = [
        _records()[1],                                                                   # 1 fine
        _tool_record(),                                                                  # 2 tools: not Bedrock
        {"messages": [{"role": "user", "content": [
            {"type": "text", "text": "Which boot?"},
            {"type": "image_url", "image_url": {"url": "https://cdn.example.com/boot.png"}}]},
            {"role": "assistant", "content": "Trail 2."}]},                              # 3 web image
        {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello", "weight": 0},
                      {"role": "user", "content": "Return?"}, {"role": "assistant", "content": "30 days."}]},  # 4
        {"messages": [{"role": "user", "content": "Hi"}, {"role": "system", "content": "Be brief."},
                      {"role": "assistant", "content": "Hello"}]},                       # 5 system mid-way
        b'{"messages": [{"role": "user", "content": "Hi"}',                              # 6 broken JSON
        {"input": {"messages": [{"role": "user", "content": "Hi"}]},
         "preferred_output": [{"role": "assistant", "content": "Hello!"}],
         "non_preferred_output": [{"role": "assistant", "content": "k"}]},                # 7 DPO
    ]
    source = _write(tmp_path / "mixed.jsonl", records)
    vertex = convert_file(source, tmp_path / "v.jsonl", "vertex")
    bedrock = convert_file(source, tmp_path / "b.jsonl", "bedrock")
    vertex_errors = {p.line: p for p in vertex.problems if p.severity.label == "error"}
    bedrock_errors = {p.line: p for p in bedrock.problems if p.severity.label == "error"}
    assert sorted(vertex_errors) == [3, 4, 5, 6, 7]
    assert sorted(bedrock_errors) == [2, 3, 4, 5, 6, 7]
    assert "cannot fetch" in vertex_errors[3].message and vertex_errors[3].pointer == "/messages/0/content/1"
    assert "tool" in bedrock_errors[2].message
    assert "weight 0" in vertex_errors[4].message
    assert (vertex.written, vertex.skipped) == (2, 5)
    assert (bedrock.written, bedrock.skipped) == (1, 6)
    assert len(_read(tmp_path / "v.jsonl")) == 2


def test_cli_convert_exit_codes_and_output(tmp_path, capsys):
    clean = _write(tmp_path / "clean.jsonl", _records())
    out = tmp_path / "clean.vertex.jsonl"
    assert main(["convert", str(clean), "--to", "vertex", "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "converted 30 of 30 records to vertex" in text and "0 errors" in text
    tools = _write(tmp_path / "tools.jsonl", [_records()[0], _tool_record()])
    code = main(["convert", str(tools), "--to", "bedrock", "-o", str(tmp_path / "t.jsonl"), "--format", "json"])
    data = orjson.loads(capsys.readouterr().out)
    assert code == 1
    assert (data["written"], data["skipped"]) == (1, 1)
    assert data["problems"][0]["line"] == 2 and data["lint"]["provider"] == "bedrock"


def test_cli_convert_usage_errors_leave_files_alone(tmp_path, capsys):
    source = _write(tmp_path / "train.jsonl", _records())
    before = source.read_bytes()
    assert main(["convert", str(source), "--to", "vertex", "-o", str(source)]) == 2
    assert "overwrite the input" in capsys.readouterr().err
    assert source.read_bytes() == before
    assert main(["convert", str(tmp_path / "missing.jsonl"), "--to", "vertex", "-o", str(tmp_path / "o.jsonl")]) == 2
    assert "missing.jsonl: input file not found" in capsys.readouterr().err
    assert main(["convert", str(source), "--to", "vertex", "-o", str(tmp_path / "no" / "dir" / "o.jsonl")]) == 2
    assert "cannot write" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:  # argparse: usage error
        main(["convert", str(source), "--to", "mistral", "-o", str(tmp_path / "o.jsonl")])
    assert exc.value.code == 2
    capsys.readouterr()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["train.jsonl"]


def test_a_failed_conversion_leaves_no_partial_output(tmp_path, monkeypatch):
    source = _write(tmp_path / "train.jsonl", _records())
    out = tmp_path / "out.jsonl"
    out.write_bytes(b"previous\n")
    import linter.convert as convert

    def boom(record, warn):
        raise KeyboardInterrupt

    monkeypatch.setattr(convert, "_to_vertex", boom)
    with pytest.raises(KeyboardInterrupt):
        convert.convert_file(source, out, "vertex")
    assert out.read_bytes() == b"previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl", "train.jsonl"]
    with pytest.raises(ConvertError):
        convert.convert_file(source, out, "gemini")


def test_readme_examples_are_what_convert_writes(tmp_path):
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Conversion", 1)[1].split("\n## ", 1)[0]
    source_line = section.split("One record of each shape, from\n`", 1)[1].split("`:", 1)[0]
    shown = [orjson.loads(line) for line in section.split("```json\n", 1)[1].split("```", 1)[0].splitlines()]
    source = tmp_path / "one.jsonl"
    source.write_text(source_line + "\n", encoding="utf-8")
    written = []
    for target in ("vertex", "bedrock", "bedrock-haiku"):
        convert_file(source, tmp_path / f"{target}.jsonl", target)
        written.extend(_read(tmp_path / f"{target}.jsonl"))
    assert written == shown


def test_malformed_tool_calls_are_a_problem_not_a_crash(tmp_path, capsys):
    """Regression: `tool_calls: true` raised TypeError out of the Vertex converter."""
    source = _write(tmp_path / "odd.jsonl", [
        {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello", "tool_calls": True}]},
        {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "tool_calls": 1}]},
        _records()[0]])
    code = main(["convert", str(source), "--to", "vertex", "-o", str(tmp_path / "o.jsonl"), "--format", "json"])
    data = orjson.loads(capsys.readouterr().out)
    assert code == 1
    assert [(p["line"], p["pointer"]) for p in data["problems"]] == [(1, "/messages/1/tool_calls"),
                                                                      (2, "/messages/1/tool_calls")]
    assert (data["written"], data["skipped"]) == (1, 2)


# -- preference (DPO) records -------------------------------------------------------------------

def _dpo_records() -> list[dict]:
    """OpenAI DPO records shaped like real exports: system prompts, multi-turn inputs, text parts, unicode."""
    out = []
    for i in range(20):
        messages = []
        if i % 2:
            messages.append({"role": "developer" if i % 5 == 0 else "system",
                             "content": "Tu es l'agent de Northwind — réponds brièvement."})
        if i % 3 == 0:
            messages += [{"role": "user", "content": f"Commande NW-{5000 + i} ?"},
                         {"role": "assistant", "content": "Laquelle ? Donnez-moi le numéro."}]
        messages.append({"role": "user", "content": [{"type": "text", "text": f"Où est NW-{5000 + i} ? "},
                                                     {"type": "text", "text": "🙏"}]})
        out.append({"input": {"messages": messages},
                    "preferred_output": [{"role": "assistant", "content": f"Partie le jour {i}.\n\nSuivi joint."}],
                    "non_preferred_output": [{"role": "assistant", "content": "Aucune idée."}]})
    return out


def _dpo_texts(record: dict) -> tuple[list[tuple[str, str]], str, str]:
    turns = _texts_openai(record["input"])
    return turns, record["preferred_output"][0]["content"], record["non_preferred_output"][0]["content"]


def _vertex_preference_texts(example: dict) -> tuple[list[tuple[str, str]], str, str]:
    turns = [("system", p["text"]) for p in example.get("system_instruction", {}).get("parts", [])]
    turns += [({"model": "assistant"}.get(c["role"], c["role"]), "".join(p["text"] for p in c["parts"]))
              for c in example["contents"]]
    by_score = {c["score"]: "".join(p["text"] for p in c["completion"]["parts"]) for c in example["completions"]}
    return turns, by_score[1], by_score[0]


def test_dpo_to_vertex_round_trip_keeps_every_text_and_lints_clean(tmp_path):
    records = _dpo_records()
    source = _write(tmp_path / "dpo.jsonl", records)
    before = source.read_bytes()
    out = tmp_path / "dpo.vertex.jsonl"
    summary = convert_file(source, out, "vertex")
    assert (summary.written, summary.skipped, summary.problems) == (20, 0, [])
    assert source.read_bytes() == before
    written = _read(out)
    for record, example in zip(records, written):
        assert _vertex_preference_texts(example) == _dpo_texts(record)
        assert example["contents"][-1]["role"] == "user"
        assert sorted(set(example) - {"system_instruction"}) == ["completions", "contents"]
    assert _errors(out, "vertex") == []
    # the repository's own preference samples too
    summary = convert_file(SAMPLES / "preference_dpo.jsonl", tmp_path / "sample.vertex.jsonl", "vertex")
    assert (summary.written, summary.skipped) == (24, 0)
    assert _errors(tmp_path / "sample.vertex.jsonl", "vertex") == []


def test_dpo_what_vertex_cannot_take_is_reported_on_its_line(tmp_path):
    good = _dpo_records()[1]
    records = [
        good,                                                                                      # 1 fine
        {**good, "input": {"messages": [{"role": "user", "content": "Hi"},
                                        {"role": "assistant", "content": "Hello"}]}},              # 2 ends on assistant
        {**good, "input": {"messages": [{"role": "user", "content": [
            {"type": "text", "text": "Which boot?"},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBO"}}]}]}},        # 3 image
        {**good, "preferred_output": [{"role": "assistant", "content": "a"},
                                      {"role": "assistant", "content": "b"}]},                    # 4 two turns
        {**good, "input": {"messages": good["input"]["messages"], "tools": TOOLS}},                # 5 tools
        _records()[0],                                                                             # 6 chat record
        b"{not json",                                                                              # 7
        {**good, "metadata": {"source": "ui"}},                                                    # 8 warning only
        {"input": {"messages": [{"role": "user", "content": "Hi", "name": "ana"}]},
         "preferred_output": [{"role": "assistant", "content": "Hello!", "weight": 1}],
         "non_preferred_output": [{"role": "assistant", "content": "k"}]},                         # 9 warnings only
    ]
    source = _write(tmp_path / "messy_dpo.jsonl", records)
    summary = convert_file(source, tmp_path / "v.jsonl", "vertex")
    errors = {p.line: p for p in summary.problems if p.severity.label == "error"}
    warnings = [(p.line, p.pointer) for p in summary.problems if p.severity.label == "warning"]
    assert sorted(errors) == [2, 3, 4, 5, 6, 7]
    assert "end with a user message" in errors[2].message
    assert errors[3].pointer == "/input/messages/0/content/1" and "text only" in errors[3].message
    assert errors[4].pointer == "/preferred_output" and "single model turn" in errors[4].message
    assert errors[5].pointer == "/input/tools"
    assert "one kind of example" in errors[6].message
    assert warnings == [(8, "/metadata"), (9, "/input/messages/0/name"), (9, "/preferred_output/0/weight")]
    assert (summary.written, summary.skipped) == (3, 6)
    assert _errors(tmp_path / "v.jsonl", "vertex") == []


def test_dpo_to_bedrock_is_refused_naming_the_target_and_the_source(tmp_path, capsys):
    source = _write(tmp_path / "dpo.jsonl", _dpo_records())
    for target in ("bedrock", "bedrock-haiku"):
        out = tmp_path / f"{target}.jsonl"
        assert main(["convert", str(source), "--to", target, "-o", str(out)]) == 2
        err = capsys.readouterr().err
        assert f"cannot be converted to {target}" in err and "Amazon Bedrock has no preference" in err
        assert "customizationType" in err and "nova/latest/userguide/customization.html" in err
        assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dpo.jsonl"]
    # a stray preference record in a chat file is a problem on its line, not a refusal of the file
    mixed = _write(tmp_path / "mixed.jsonl", _records()[:5] + _dpo_records()[:1])
    summary = convert_file(mixed, tmp_path / "m.jsonl", "bedrock")
    assert [(p.line, "one kind" in p.message) for p in summary.problems] == [(6, True)]
    assert summary.written == 5


def test_cli_convert_dpo_to_vertex(tmp_path, capsys):
    source = _write(tmp_path / "dpo.jsonl", _dpo_records())
    out = tmp_path / "dpo.vertex.jsonl"
    assert main(["convert", str(source), "--to", "vertex", "-o", str(out), "--format", "json"]) == 0
    data = orjson.loads(capsys.readouterr().out)
    assert (data["written"], data["skipped"], data["problems"]) == (20, 0, [])
    assert data["lint"]["provider"] == "vertex" and data["lint"]["summary"]["errors"] == 0


def test_readme_preference_example_is_what_convert_writes(tmp_path):
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Conversion", 1)[1].split("\n## ", 1)[0]
    source_line = section.split("A preference record, from\n`", 1)[1].split("`,", 1)[0]
    shown = [orjson.loads(line) for line in section.split("```json\n")[2].split("```", 1)[0].splitlines()]
    source = tmp_path / "one.jsonl"
    source.write_text(source_line + "\n", encoding="utf-8")
    convert_file(source, tmp_path / "vertex.jsonl", "vertex")
    assert _read(tmp_path / "vertex.jsonl") == shown
    assert _errors(tmp_path / "vertex.jsonl", "vertex") == []


def test_convert_and_the_provider_pass_read_lines_alike(tmp_path):
    """One line reader serves `convert` and the provider rules' pass: a byte order mark is
    skipped, a line of bad UTF-8 or broken JSON is a problem on its line, blank lines are not records."""
    from linter._provider_check import iter_records

    summary = convert_file(SAMPLES / "bom.jsonl", tmp_path / "bom.jsonl", "bedrock")
    assert (summary.written, summary.skipped) == (3, 0)
    summary = convert_file(SAMPLES / "invalid_utf8.jsonl", tmp_path / "utf8.jsonl", "bedrock")
    assert [(p.line, p.message) for p in summary.problems] == [(2, "line is not valid JSON; not converted")]
    messy = tmp_path / "messy.jsonl"
    messy.write_bytes(b"\xef\xbb\xbf" + orjson.dumps(_records()[0]) + b"\n\n  \n[1, 2]\n{broken\n"
                      + orjson.dumps(_records()[1]) + b"\n")
    summary = convert_file(messy, tmp_path / "messy.vertex.jsonl", "vertex")
    assert [(p.line, p.message) for p in summary.problems] == [
        (4, "line is not a JSON object; not converted"), (5, "line is not valid JSON; not converted")]
    assert [line for line, _ in iter_records(str(messy))] == [1, 6]
