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
    assert "missing.jsonl: file not found" in capsys.readouterr().err
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
