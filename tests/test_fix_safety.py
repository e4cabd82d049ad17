"""Fix safety classes (issue 11 §2): safe fixes never change what the model learns,
unsafe ones need an opt-in, fixing is idempotent, and ``--check`` notices any new finding.

The cases are data the tests generate, shaped like real exports: mixed JSON spacing,
non-ASCII text, CRLF lines, a BOM, blank lines, duplicates and metadata numbers.
"""

from __future__ import annotations

import dataclasses
import json
import random
from pathlib import Path

import orjson
import pytest

import linter._fix as fixmod
from linter import FixOptions, LintConfig, check_fix, fix_file, lint_for_fix, lint_path
from tui.cli import main

SEP, STOP = "\n\n###\n\n", " END"
TICKETS = ["The seam on my rain jacket split after one hike.", "Where is my order 1042? It said Tuesday.",
           "Can I swap the boots for a size 44?", "I was charged twice for the same parka.",
           "Le colis est arrivé abîmé, je veux un remboursement.", "Die Lieferung ist seit zwei Wochen überfällig.",
           "My gift card code does not work at checkout.", "The zipper pull came off on day one."]
LABELS = ["defect", "order_status", "sizing", "payment", "refund", "shipping"]


def _dump(record: dict, rng: random.Random) -> str:
    """One JSON line the way different exporters write them."""
    style = rng.randrange(3)
    if style == 0:
        return json.dumps(record, ensure_ascii=False)
    if style == 1:
        return json.dumps(record, ensure_ascii=True, separators=(",", ":"))
    return json.dumps(record, ensure_ascii=False, indent=None, separators=(", ", ":  "))


def _write(path: Path, lines: list[str], *, bom: bool = False, crlf_every: int = 0, blank_at=()) -> Path:
    out = []
    for i, line in enumerate(lines):
        if i in blank_at:
            out.append(b"   \n")
        end = b"\r\n" if crlf_every and i % crlf_every == 0 else b"\n"
        out.append(line.encode("utf-8") + end)
    data = b"".join(out)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def completion_file(path: Path, seed: int, n: int = 130, *, twins: bool = False,
                    spaced_separator: bool = False) -> Path:
    """A legacy prompt/completion file: most prompts end with the separator and most
    completions with the stop; some lack one, some lack the leading space."""
    rng = random.Random(seed)
    lines = []
    for i in range(n):
        ticket = f"{rng.choice(TICKETS)} Ref {1000 + i}"
        prompt = f"Ticket: {ticket}{SEP}"
        completion = f" {rng.choice(LABELS)}{STOP}"
        if i % 9 == 4:
            prompt = prompt[:-len(SEP)]
        if i % 11 == 5:
            completion = completion[:-len(STOP)]
        if i % 13 == 6:
            completion = completion.lstrip()
        record = {"prompt": prompt, "completion": completion}
        if i % 7 == 0:
            record["meta"] = {"order": 123456789012345678901234567890, "score": 0.1000000000000000000001}
        lines.append(_dump(record, rng))
    if twins:
        # Two records that differ only by the missing separator: one after the fix.
        lines.append(_dump({"prompt": f"Ticket: My parcel is lost.{SEP}", "completion": " shipping END"}, rng))
        lines.append(_dump({"prompt": "Ticket: My parcel is lost.", "completion": " shipping END"}, rng))
    if spaced_separator:
        lines.append(_dump({"prompt": f"Ticket: Wrong colour sent.{SEP} ", "completion": " defect END"}, rng))
    return _write(path, lines, crlf_every=17, blank_at=(40,))


def chat_file(path: Path, seed: int, n: int = 130, *, emails: bool = False) -> Path:
    """A chat export with a BOM, CRLF lines, a blank line, exact duplicates and, with
    ``emails``, pairs of tickets that differ only in the customer's address."""
    rng = random.Random(seed)
    lines = []
    for i in range(n):
        user = f"{rng.choice(TICKETS)} Order {2000 + i}."
        if emails and i % 10 == 3:
            user += " Reach me at customer@" + rng.choice(["acme.io", "northwind.de"])
        record = {"messages": [{"role": "system", "content": "You are Northwind's support agent."},
                               {"role": "user", "content": user},
                               {"role": "assistant", "content": f"Thanks, I have logged it as {rng.choice(LABELS)}."}]}
        lines.append(_dump(record, rng))
        if emails and i % 10 == 3:
            twin = json.loads(lines[-1])
            twin["messages"][1]["content"] = twin["messages"][1]["content"].replace("customer@", "someone.else@")
            lines.append(_dump(twin, rng))
    lines.insert(20, lines[5])
    lines.insert(60, lines[33])
    return _write(path, lines, bom=True, crlf_every=9, blank_at=(12, 77))


ALL_UNSAFE = frozenset({"FT401", "FT403", "FT405"})
"""The unsafe fixes that add text (what ``--unsafe-fixes`` adds to the dedicated switches)."""
CASES = {
    "chat export, safe fixes": (chat_file, {}, FixOptions()),
    "chat export, redaction makes twins equal": (chat_file, {"emails": True}, FixOptions(redact_pii=True)),
    "completion file, safe fixes only": (completion_file, {}, FixOptions()),
    "completion file, unsafe fixes": (completion_file, {"spaced_separator": True},
                                      FixOptions(unsafe_fixes=ALL_UNSAFE)),
    "completion file, append makes twins equal": (completion_file, {"twins": True},
                                                  FixOptions(unsafe_fixes=ALL_UNSAFE)),
    "completion file, every opt-in": (completion_file, {"twins": True},
                                      FixOptions(unsafe_fixes=ALL_UNSAFE, drop_near_duplicates=True,
                                                 drop_invalid=True, redact_pii=True)),
}


def _records(path: Path) -> list[dict]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip(b" \r\xef\xbb\xbf")]


@pytest.mark.parametrize("name", list(CASES))
def test_fixing_a_fixed_file_changes_nothing_and_adds_no_finding(tmp_path, name):
    make, kwargs, options = CASES[name]
    src = make(tmp_path / "in.jsonl", seed=len(name), **kwargs)
    config = LintConfig(jobs=1)
    once, twice = tmp_path / "once.jsonl", tmp_path / "twice.jsonl"
    fix_file(src, once, config, options)
    fix_file(once, twice, config, options)
    assert twice.read_bytes() == once.read_bytes()
    new, remaining = check_fix(lint_for_fix(src, config), lint_for_fix(once, config), options)
    assert new == {} and remaining == [], (new, remaining)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_safe_fixes_keep_every_training_text(tmp_path, seed):
    src = completion_file(tmp_path / "in.jsonl", seed, spaced_separator=True)
    out = tmp_path / "out.jsonl"
    summary = fix_file(src, out, LintConfig(jobs=1))
    assert not {"separator-added", "stop-added", "leading-space-added"} & set(summary.changed)
    before = {(r["prompt"], r["completion"]) for r in _records(src)}
    after = [(r["prompt"], r["completion"]) for r in _records(out)]
    assert set(after) == before and len(after) == len(set(after))
    codes = lint_path(out, LintConfig(jobs=1)).by_rule()
    assert codes.get("FT401") and codes.get("FT403") and codes.get("FT405"), "unsafe problems stay until opted in"


def test_unsafe_fixes_apply_only_to_the_rules_opted_in(tmp_path):
    src = completion_file(tmp_path / "in.jsonl", 5)
    out = tmp_path / "out.jsonl"
    summary = fix_file(src, out, LintConfig(jobs=1), FixOptions(unsafe_fixes=frozenset({"FT403"})))
    assert summary.changed["stop-added"] > 0
    assert "separator-added" not in summary.changed and "leading-space-added" not in summary.changed
    codes = lint_path(out, LintConfig(jobs=1)).by_rule()
    assert "FT403" not in codes and codes.get("FT401") and codes.get("FT405")


def test_a_delimiter_is_never_appended_twice(tmp_path):
    src = completion_file(tmp_path / "in.jsonl", 7, spaced_separator=True)
    out = tmp_path / "out.jsonl"
    fix_file(src, out, LintConfig(jobs=1), FixOptions(unsafe_fixes=ALL_UNSAFE))
    for record in _records(out):
        assert record["prompt"].count("###") == 1, record["prompt"]
        assert record["completion"].count("END") == 1, record["completion"]
    assert "FT402" not in lint_path(out, LintConfig(jobs=1)).by_rule()


def _signature_report(src: Path, stop: str):
    """The lint of ``src`` as the app hands it to ``fix_file``, with ``stop`` as the
    stop sequence the inference settled on."""
    report = lint_for_fix(src, LintConfig(jobs=1))
    return dataclasses.replace(report, files=[dataclasses.replace(report.files[0], stop=stop)])


def _signed_file(path: Path) -> Path:
    rng = random.Random(11)
    sign = "\n-- ana.lima@nwoutfit.com END"
    lines = []
    for i in range(120):
        completion = f" {rng.choice(LABELS)}" + ("" if i % 6 == 0 else sign)
        user = f"Ticket: {rng.choice(TICKETS)} ({i}){SEP}"
        if i == 3:
            user = f"Ticket: from jo.park@acme.io ({i}){SEP}"
        lines.append(_dump({"prompt": user, "completion": completion}, rng))
    return _write(path, lines)


def test_an_appended_stop_never_copies_personal_data_into_other_records(tmp_path):
    src = _signed_file(tmp_path / "in.jsonl")
    report = _signature_report(src, "\n-- ana.lima@nwoutfit.com END")
    out = tmp_path / "out.jsonl"
    summary = fix_file(src, out, LintConfig(jobs=1), FixOptions(unsafe_fixes=frozenset({"FT403"})), report=report)
    before = sum(r["completion"].count("ana.lima@") for r in _records(src))
    assert sum(r["completion"].count("ana.lima@") for r in _records(out)) == before
    assert summary.skipped["stop sequence holds personal data"] == 20


def test_a_redacting_fix_redacts_what_it_appends(tmp_path):
    src = _signed_file(tmp_path / "in.jsonl")
    report = _signature_report(src, "\n-- ana.lima@nwoutfit.com END")
    out = tmp_path / "out.jsonl"
    summary = fix_file(src, out, LintConfig(jobs=1), FixOptions(unsafe_fixes=frozenset({"FT403"}), redact_pii=True),
                       report=report)
    data = out.read_bytes()
    assert b"ana.lima" not in data and b"jo.park" not in data
    assert all(r["completion"].endswith("\n-- [EMAIL] END") for r in _records(out))
    assert summary.changed["stop-added"] == 20 and summary.redacted["email"] == 121


def test_check_fails_on_a_finding_the_input_did_not_have(tmp_path, monkeypatch, capsys):
    src = completion_file(tmp_path / "in.jsonl", 9)
    out = tmp_path / "out.jsonl"
    # A bad append that writes an email-like string (what issue 11 saw), past the PII guard.
    monkeypatch.setattr(fixmod._Plan, "_append", lambda self, text, suffix, summary, what: text + " jo.park@acme.io")
    code = main(["fix", str(src), "-o", str(out), "--unsafe-fixes", "FT403", "--check"])
    captured = capsys.readouterr()
    assert code == 1
    assert "new in the output: FT601 pii-email (0 in the input" in captured.out
    assert "jo.park" not in captured.out + captured.err


def test_check_passes_with_a_one_line_message(tmp_path, capsys):
    src = chat_file(tmp_path / "in.jsonl", 4)
    code = main(["fix", str(src), "-o", str(tmp_path / "out.jsonl"), "--check"])
    captured = capsys.readouterr()
    assert code == 0
    assert captured.err.count("\n") == 1 and "check passed" in captured.err


def test_messages_use_singular_for_one(tmp_path, capsys):
    src = tmp_path / "one.jsonl"
    src.write_text('{"prompt": "Q\\n\\n###\\n\\n", "completion": " a END"}\n\n')
    main(["fix", str(src), "-o", str(tmp_path / "out.jsonl")])
    out = capsys.readouterr().out
    assert "wrote 1 line to" in out and "dropped 1 line:" in out
    assert "1 lines" not in out


def test_unsafe_fixes_flag_names_rules(tmp_path, capsys):
    src = completion_file(tmp_path / "in.jsonl", 2)
    assert main(["fix", str(src), "-o", str(tmp_path / "o.jsonl"), "--unsafe-fixes", "FT301"]) == 2
    assert "safe and always applied" in capsys.readouterr().err
    assert main(["fix", str(src), "-o", str(tmp_path / "o.jsonl"), "--unsafe-fixes", "missing-stop-sequence",
                 "--format", "json"]) == 0
    data = orjson.loads(capsys.readouterr().out)
    assert data["changed"].get("stop-added") and "separator-added" not in data["changed"]


def test_post_fix_deduplication_keeps_lines_that_are_not_examples(tmp_path):
    src = chat_file(tmp_path / "in.jsonl", 8, emails=True)
    bare = b'{"role": "assistant", "content": "Thanks, I have logged it."}'
    src.write_bytes(src.read_bytes() + bare + b"\n" + bare + b"\n")
    out = tmp_path / "out.jsonl"
    summary = fix_file(src, out, LintConfig(jobs=1), FixOptions(redact_pii=True))
    assert summary.redacted["email"] > 0
    assert out.read_bytes().splitlines()[-2:] == [bare, bare]
