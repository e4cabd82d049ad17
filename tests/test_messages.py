"""Issue 11 §2, §3 and §5: what the lint, fix and cost commands say, on files shaped like
the ones users reported (bare message exports, a parse error among good lines)."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from datetime import date

import pytest

from linter import plural
from tui.cli import main
from tui.commands import cost


@pytest.fixture(autouse=True)
def fixed_day(monkeypatch, tmp_path):
    monkeypatch.setattr(cost, "today", lambda: date(2026, 11, 23))
    monkeypatch.chdir(tmp_path)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def chat_lines(n: int, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    items = ["Ridgeline Shell", "Summit 35 pack", "Trailhead Fleece", "Driftwood jacket"]
    lines = []
    for i in range(n):
        item = rng.choice(items)
        lines.append(json.dumps({"messages": [
            {"role": "system", "content": "You are the support assistant for Northwind Outfitters."},
            {"role": "user", "content": f"Order {2000 + i}: is the {item} back in stock in size {rng.choice('SML')}?"},
            {"role": "assistant", "content": f"The {item} is back on {rng.randint(1, 28)} December; "
                                             f"I can reserve one for order {2000 + i}."},
        ]}, ensure_ascii=rng.random() < 0.5))
    return lines


def bare_message_file(path, conversations: int):
    """A chat export that wrote one message per line: the same system prompt and
    greeting repeat once per conversation."""
    with open(path, "w", encoding="utf-8") as handle:
        for line in chat_lines(conversations):
            for message in json.loads(line)["messages"]:
                handle.write(json.dumps(message) + "\n")
        handle.write(json.dumps({"role": "assistant", "content": "Anything else I can help with?"}) + "\n")
    return path


@pytest.mark.parametrize(("count", "word", "expected"), [
    (0, "error", "0 errors"), (1, "error", "1 error"), (2, "error", "2 errors"), (1, "epoch", "1 epoch"),
    (1200, "line", "1,200 lines"), (1, "info", "1 info"), (3, "info", "3 infos"),
    (1, "more line", "1 more line"), (619, "more line", "619 more lines")])
def test_plural(count, word, expected):
    assert plural(count, word) == expected


def test_bare_message_file_says_how_to_wrap_it_once(tmp_path, capsys):
    path = bare_message_file(tmp_path / "export.jsonl", 200)  # 601 lines
    code, out, _ = run(capsys, "lint", str(path))
    assert code == 1
    ft103 = [line for line in out.splitlines() if "error   FT103" in line]
    assert len(ft103) == 1
    assert 'wrap each conversation as {"messages": [...]}' in ft103[0]
    assert "and 600 more lines like it (2, 3, 4, 5, 6, 7, 8, 9, ...)" in out
    assert "by rule: FT103 unknown-format x601" in out
    # The JSON output keeps every diagnostic.
    code, out, _ = run(capsys, "lint", str(path), "--format", "json")
    assert json.loads(out)["summary"]["by_rule"]["FT103"] == 601


def test_bare_message_file_keeps_its_repeated_turns_when_fixed(tmp_path, capsys):
    """Exact duplicates are dropped only among examples: here the repeated system prompts
    are turns of different conversations, needed to re-wrap them (README, Fix)."""
    path = bare_message_file(tmp_path / "export.jsonl", 12)
    out_path = tmp_path / "clean.jsonl"
    code, out, _ = run(capsys, "fix", str(path), "-o", str(out_path))
    assert out_path.read_bytes() == path.read_bytes()
    assert "dropped 0 lines" in out and "wrote 37 lines" in out


def test_fix_counts_in_words(tmp_path, capsys):
    lines = chat_lines(12)
    path = tmp_path / "train.jsonl"
    path.write_text("\n".join(lines + [lines[4]]) + "\n", encoding="utf-8")
    code, out, _ = run(capsys, "fix", str(path), "-o", str(tmp_path / "clean.jsonl"))
    assert "read 13 lines" in out and "wrote 12 lines" in out
    assert "dropped 1 line:" in out and "1 lines" not in out


def test_lint_summary_in_words(tmp_path, capsys):
    lines = chat_lines(120)
    lines[7] = lines[7][:-3]  # truncated record
    path = tmp_path / "train.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, _ = run(capsys, "lint", str(path))
    assert code == 1
    assert "1 error, 0 warnings, 0 infos" in out
    assert "line 8  error   FT101 invalid JSON at column" in out


def test_cost_says_what_the_lint_means_only_when_true(tmp_path, capsys):
    clean = tmp_path / "clean.jsonl"
    clean.write_text("\n".join(chat_lines(30)) + "\n", encoding="utf-8")
    code, out, err = run(capsys, "cost", str(clean))
    assert code == 0
    assert "lint found" not in err and "not counted" not in err and "failed to parse" not in err

    lines = chat_lines(30)
    lines[3] = lines[3].replace('"messages"', '"mesages"')  # valid JSON, unknown format
    lines[9] = lines[9][:-2]  # not JSON
    broken = tmp_path / "broken.jsonl"
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = run(capsys, "cost", str(broken), "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["examples"] == 28
    assert data["warnings"][0] == (f"the lint found 2 errors; run `ftpreflight lint {broken}`; 2 lines of the "
                                   "training file are not counted (not valid JSON, or in no known format)")


def test_cost_of_a_file_in_no_known_format_says_why(tmp_path, capsys):
    path = bare_message_file(tmp_path / "export.jsonl", 20)
    code, out, err = run(capsys, "cost", str(path))
    assert code == 1 and out == ""
    assert "no examples to estimate: none of its 61 lines is a record in a known fine-tuning format" in err
    assert 'line 1: line is a single chat message (role, content), not a training example' in err
    assert "no parseable examples" not in err


def test_records_and_examples_are_counted_the_same_everywhere(capsys):
    """Issue 16: the header said 39 records, FT201 36 examples, cost 36, Stats 35 chat.
    A record is a non-blank line; an example is a record in a known fine-tuning format."""
    import json as _json

    from tui.cli import main as cli

    messy = str(Path(__file__).resolve().parent.parent / "sample_data" / "messy.jsonl")
    assert cli(["lint", messy, "--format", "json"]) == 1
    data = _json.loads(capsys.readouterr().out)
    facts = data["files"][0]
    assert (facts["records"], facts["examples"]) == (39, 36)
    ft201 = [d for d in data["diagnostics"] if d["code"] == "FT201"]
    assert ft201 and "36 " in ft201[0]["message"]
    cli(["lint", messy])
    assert "39 records, 36 examples (chat)" in capsys.readouterr().out
    cli(["cost", messy, "--model", "gpt-4o-mini-2024-07-18"])
    out = capsys.readouterr().out
    assert re.search(r"examples\s+36\b", out), out
