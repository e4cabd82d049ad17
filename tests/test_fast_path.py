"""The engine's shortcut for the usual chat record (`RecordChecker.simple_chat`) must
compute exactly what the full checker computes, and decline every record on which the
full checker has something to say. The whole-chunk line scan must classify lines exactly
like `plain_line`."""

from __future__ import annotations

import numpy as np
import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linter import LintConfig, lint_path
from linter import _engine as engine
from linter._formats import detect_kind
from linter._validate import RecordChecker, RecordFacts, pending_token_counts, plain_line

ALL = frozenset({"FT101", "FT104", "FT105", "FT106", "FT107", "FT108", "FT109", "FT110", "FT111", "FT112",
                 "FT115"})


def _checker(**kwargs) -> RecordChecker:
    return RecordChecker("x.jsonl", engine._counter("o200k_base"), kwargs.pop("file_kind", None), enabled=ALL,
                         max_images=10, collect_tokens=True, collect_texts=True, **kwargs)


def _full(record, plain: bool):
    checker = _checker()
    checker.plain = plain
    facts = RecordFacts(1, 0, 0)
    checker.check(record, facts, detect_kind(record) if isinstance(record, dict) else None)
    return checker.out, facts


def _fast(record, plain: bool):
    """simple_chat's facts for one record, token counts completed as the engine does."""
    checker = _checker()
    pending, flags = ["earlier text"], bytearray(b"\x00")  # as if another record came first
    got = checker.simple_chat(record, plain, True, pending, flags)
    if got is None:
        assert pending == ["earlier text"] and flags == b"\x00", "a declined record left texts behind"
        return None
    messages, constants, last, dup, system, inp, target, texts = got
    counts, tokens = checker.counter.count_many(pending)
    total, trained, prompt, completion = (int(v[0]) for v in pending_token_counts(
        counts, flags, np.array([1]), np.array([len(pending)]), np.array([last]), [constants]))
    own = tokens[int(counts[0]):]
    return messages, total, trained, prompt, completion, dup, system, inp, target, texts, own


def _compare(record) -> bool:
    """Assert the shortcut agrees with the full checker; True when it took the record."""
    raw = orjson.dumps(record)
    plain = plain_line(raw)
    record = orjson.loads(raw)
    fast = _fast(record, plain)
    diagnostics, facts = _full(record, plain)
    if fast is None:
        return False
    assert diagnostics == [], "the shortcut took a record the full checker reports on"
    messages, tokens, trained, prompt, completion, dup, system, inp, target, texts, neardup = fast
    assert facts.kind == "chat"
    assert (messages, tokens, trained, prompt, completion, facts.images) == (
        facts.messages, facts.tokens, facts.trained_tokens, facts.prompt_tokens, facts.completion_tokens, 0)
    assert (dup, system, inp, target) == (facts.dup_hash, facts.system_hash, facts.input_hash, facts.target_hash)
    assert texts == facts.texts
    assert neardup.tobytes() == b"".join(bytes(part) for part in facts.neardup_tokens)
    return True


_ROLES = st.sampled_from(["system", "developer", "user", "assistant", "tool", "function", "User", ""])
_TEXT = st.one_of(
    st.sampled_from(["", " ", "\n", "hi", "Hello  there", " padded ", "a\tb", "line\nbreak", "ünïcödé 🙂",
                     "<|endoftext|>", "a <|endofprompt|> b", "call +1 415 555 0100", "x" * 300]),
    st.text(max_size=40),
)
_CONTENT = st.one_of(_TEXT, _TEXT, st.none(), st.integers(-2**63, 2**63 - 1), st.lists(st.fixed_dictionaries({"type": st.just("text"),
                                                                                               "text": _TEXT})))
_MESSAGE = st.one_of(
    st.fixed_dictionaries({"role": _ROLES, "content": _CONTENT}),
    st.fixed_dictionaries({"role": _ROLES, "content": _CONTENT}, optional={"weight": st.sampled_from([0, 1, 2]),
                                                                          "name": st.sampled_from(["bob", ""])}),
    st.fixed_dictionaries({"content": _CONTENT}),
    st.just("not a message"),
)
_RECORD = st.one_of(
    st.fixed_dictionaries({"messages": st.lists(_MESSAGE, max_size=6)}),
    st.fixed_dictionaries({"messages": st.lists(_MESSAGE, max_size=6)},
                          optional={"tools": st.just([]), "extra": st.just(1)}),
    st.fixed_dictionaries({"messages": st.just("nope")}),
)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_RECORD)
def test_shortcut_matches_the_full_checker(record) -> None:
    _compare(record)


_CONVERSATION = st.lists(st.sampled_from(["Hi there", "Where is my order #1234?", "It ships  tomorrow.",
                                          "Thanks!\nBye", " ok", "ünïcödé 🙂", "x" * 500]), min_size=2, max_size=8)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_CONVERSATION, st.sampled_from([None, "system", "developer"]))
def test_shortcut_takes_well_formed_conversations(turns, system) -> None:
    messages = [{"role": "system" if system is None else system, "content": "You are helpful."}] if system else []
    messages += [{"role": "user" if i % 2 == 0 else "assistant", "content": text} for i, text in enumerate(turns)]
    assert _compare({"messages": messages})


def test_shortcut_declines_what_the_checker_reports() -> None:
    good = [{"role": "system", "content": "s"}, {"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]
    assert _compare({"messages": good})
    declined = [
        {"messages": good[:2]},  # no assistant turn (FT109)
        {"messages": [good[1], good[0], good[2]]},  # system after the conversation started (FT115)
        {"messages": [good[1], good[1], good[2]]},  # two user turns in a row (FT115)
        {"messages": good + [{"role": "assistant", "content": "   "}]},  # blank content (FT108)
        {"messages": good, "tools": []},  # another top-level key
        {"messages": good[:2] + [{"role": "assistant", "content": "a", "weight": 0}]},  # weight: full checker
        {"messages": [{"role": "tool", "content": "r"}] + good},
    ]
    for record in declined:
        assert _fast(record, True) is None
        _compare(record)


def _lines_data(lines: list[bytes], terminated: bool) -> bytes:
    return b"\n".join(lines) + (b"\n" if terminated else b"")


@settings(max_examples=400, deadline=None)
@given(st.lists(st.binary(max_size=30).map(lambda b: b.replace(b"\n", b"")) | st.sampled_from(
    [b'{"a": "b  c"}', b'{"a": "\\n"}', b"\xc3\xa9", b"plain text", b"", b"x\x00y", b" ", b"  "]), min_size=1,
    max_size=8), st.booleans())
def test_chunk_scan_classifies_lines_like_plain_line(lines, terminated) -> None:
    data = _lines_data(lines, terminated)
    count = len(lines) if terminated or lines[-1] else len(lines) - 1
    plain, flagged = engine._scan_lines(data, count, None)
    assert flagged is None
    for index in range(count):
        assert plain[index] == (plain_line(lines[index]) and b"\x00" not in lines[index])


def test_the_benchmark_shape_takes_the_shortcut(tmp_path, monkeypatch) -> None:
    """The usual chat record really goes through the shortcut (else it silently costs speed)."""
    lines = [orjson.dumps({"messages": [{"role": "system", "content": "Be brief."},
                                        {"role": "user", "content": f"Question {i}?"},
                                        {"role": "assistant", "content": f"Answer {i}."}]}) for i in range(120)]
    path = tmp_path / "chat.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    full_calls = []
    real_check = RecordChecker.check
    monkeypatch.setattr(RecordChecker, "check", lambda self, *a: full_calls.append(1) or real_check(self, *a))
    report = lint_path(path, LintConfig(jobs=1))
    assert report.files[0].examples == 120
    assert full_calls == []


def test_shortcut_and_full_checker_give_the_same_lint(tmp_path, monkeypatch) -> None:
    """Whole-file check: the same report with the shortcut switched off."""
    import random

    rng = random.Random(5)
    words = ["order", "refund", "jane@acme.com", "4111 1111 1111 1111", "hello", "ünï", "  ", "\n", "sk-" + "a" * 40,
             "<|endoftext|>", "<|endofprompt|>"]
    lines = []
    for i in range(300):
        turns = [{"role": "user" if j % 2 == 0 else "assistant", "content": " ".join(rng.choices(words, k=6))}
                 for j in range(rng.choice([1, 2, 4]))]
        if rng.random() < 0.5:
            turns.insert(0, {"role": "system", "content": "You help customers."})
        if rng.random() < 0.1:
            turns.append(dict(turns[-1]))
        lines.append(orjson.dumps({"messages": turns}))
    lines += lines[:20]  # exact duplicates
    for i in range(10):  # near-duplicates: long valid examples, then copies with one word changed
        question = " ".join(rng.choices(words[:5] + [f"item{i}", "boots", "jacket", "return"], k=40))
        for ending in ("thanks", "cheers"):
            lines.append(orjson.dumps({"messages": [{"role": "user", "content": f"{question} {ending}"},
                                                    {"role": "assistant", "content": f"Answer {i}: {question}"}]}))
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")

    def lint():
        results = []
        for context in (None, 40):  # a small context makes FT501 fire too
            report = lint_path(path, LintConfig(jobs=1, context_tokens=context))
            results.append(([(d.code, d.line, d.pointer, d.span, d.message) for d in report.diagnostics],
                            report.files[0].records.to_dicts()))
        return results

    fast = lint()
    monkeypatch.setattr(RecordChecker, "simple_chat", lambda self, *args: None)
    assert lint() == fast
    codes = {code for code, *_ in fast[1][0]}
    assert {"FT301", "FT302", "FT501", "FT601", "FT603"} <= codes


def test_rule_caps_keep_the_first_lines_whichever_path_a_record_took(tmp_path) -> None:
    """FT501 of shortcut records is decided after their chunk: the per-rule cap must still
    keep the file's first findings."""
    long = " ".join(f"word{i}" for i in range(60))
    lines = []
    for i in range(40):
        user = {"role": "user", "content": long}
        if i % 2:
            user["name"] = "customer"  # the full checker takes this one
        lines.append(orjson.dumps({"messages": [user, {"role": "assistant", "content": f"answer {i}"}]}))
    path = tmp_path / "long.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    report = lint_path(path, LintConfig(jobs=1, context_tokens=50, max_diagnostics_per_rule=5, select=["FT501"]))
    assert [d.line for d in report.diagnostics] == [1, 2, 3, 4, 5]
