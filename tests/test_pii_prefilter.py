"""The PII prefilter (`linter.pii.may_contain`) may only ever skip texts that have no
findings: checked against every detector's corpus, per kind, and on random text."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linter import LintConfig, lint_path, pii
from linter.pii import KINDS, find_sensitive, may_contain
from tests import test_pii
from tests.quality.generate import chat_text, lookalike, pii_corpus

pytestmark = pytest.mark.skipif(pii._prefilter_database(frozenset(KINDS)) is None,
                                reason="hyperscan is not available on this platform")


def _corpus() -> list[str]:
    texts = [sample.text for sample in pii_corpus(per_kind=120, clean=600)]
    for case in ("test_detects", "test_lookalikes_stay_quiet"):
        for mark in getattr(test_pii, case).pytestmark:
            if mark.name == "parametrize":
                texts += [args[0] if isinstance(args, tuple) else args for args in mark.args[1]]
    rng = random.Random(5)
    texts += [lookalike(rng) for _ in range(300)]
    # Full-width digits and other scripts' digits fold onto ASCII before detection.
    texts += ["card ４１１１ １１１１ １１１１ １１１１", "tel ٠٢٠ ٧٩٤٦ ٠٩٥٨", "mail ｊａｎｅ＠ａｃｍｅ．ｃｏｍ"]
    return texts


CORPUS = _corpus()


def _missed(texts: list[str], kinds: frozenset[str] | None = None) -> list[str]:
    kept = set(may_contain(texts, kinds))
    return [text for i, text in enumerate(texts) if i not in kept and find_sensitive(text, kinds=kinds)]


def test_corpus_really_has_findings() -> None:
    with_findings = sum(1 for text in CORPUS if find_sensitive(text))
    assert with_findings > 800


def test_never_skips_a_text_with_findings() -> None:
    assert _missed(CORPUS) == []


@pytest.mark.parametrize("kind", KINDS)
def test_never_skips_a_text_with_findings_per_kind(kind: str) -> None:
    assert _missed(CORPUS, frozenset({kind})) == []


def test_skips_ordinary_prose() -> None:
    rng = random.Random(11)
    prose = [chat_text(rng) for _ in range(500)]
    prose = [text for text in prose if not find_sensitive(text)]
    assert len(may_contain(prose)) <= len(prose) // 20


def test_indices_map_back_through_non_ascii_texts() -> None:
    texts = ["héllo wörld " * 3, "日本語のテキスト", "mail me at jane.doe@acme.com", "ok", "🙂 call +44 20 7946 0958"]
    found = may_contain(texts)
    assert 2 in found and 4 in found and 0 not in found and 1 not in found


_ALPHABET = "0123456789 -.()/:@+_abcdeADEGKIXYZskxoghpyJ" + "４１＠٣"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(alphabet=_ALPHABET, min_size=0, max_size=60), min_size=1, max_size=8))
def test_random_texts(texts: list[str]) -> None:
    assert _missed(texts) == []


def test_lint_reports_the_same_with_and_without_prefilter(tmp_path, monkeypatch) -> None:
    import orjson

    rng = random.Random(3)
    lines = []
    for i, sample in enumerate(pii_corpus(per_kind=20, clean=100)):
        lines.append(orjson.dumps({"messages": [{"role": "user", "content": f"q{i} {chat_text(rng)}"},
                                                {"role": "assistant", "content": sample.text}]}))
    path = tmp_path / "data.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")

    def pii_diagnostics():
        report = lint_path(path, LintConfig(select=["FT6"], jobs=1))
        return [(d.code, d.line, d.pointer, d.span, d.message) for d in report.diagnostics]

    from linter import _engine

    # A file this small is linted without the prefilter (compiling it costs more than it
    # saves): have the engine treat it as a big one.
    monkeypatch.setattr(_engine, "_QUICK_FILE_BYTES", 0)
    scanned = []
    real_match_ends = pii.match_ends
    monkeypatch.setattr(pii, "match_ends", lambda data, kinds=None: scanned.append(len(data))
                        or real_match_ends(data, kinds))
    with_prefilter = pii_diagnostics()
    assert scanned  # the engine prefiltered whole chunks of lines
    calls = []
    monkeypatch.setattr(pii, "match_ends", lambda data, kinds=None: None)
    monkeypatch.setattr(pii, "may_contain", lambda texts, kinds=None: calls.append(len(texts)))
    assert with_prefilter == pii_diagnostics()
    assert calls  # the fallback really ran in this process
    assert len(with_prefilter) > 100


def test_a_small_file_is_checked_without_compiling_the_prefilter(tmp_path, monkeypatch) -> None:
    import orjson

    rng = random.Random(5)
    lines = [orjson.dumps({"messages": [{"role": "user", "content": f"q{i} {chat_text(rng)}"},
                                        {"role": "assistant", "content": sample.text}]})
             for i, sample in enumerate(pii_corpus(per_kind=5, clean=20))]
    path = tmp_path / "data.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    compiled = []
    monkeypatch.setattr(pii, "_prefilter_database", lambda kinds: compiled.append(kinds))
    findings = _pii_findings(path)
    assert compiled == []
    assert len(findings) > 20
    monkeypatch.undo()
    from linter import _engine

    monkeypatch.setattr(_engine, "_QUICK_FILE_BYTES", 0)
    assert _pii_findings(path) == findings  # what the prefiltered lint of a big file finds


def _lint_without_prefilter(path):
    """The findings of a lint in which every string goes to the exact detectors."""
    real_match_ends, real_may_contain = pii.match_ends, pii.may_contain
    pii.match_ends = lambda data, kinds=None: None
    pii.may_contain = lambda texts, kinds=None: None
    try:
        return _pii_findings(path)
    finally:
        pii.match_ends, pii.may_contain = real_match_ends, real_may_contain


def _pii_findings(path):
    report = lint_path(path, LintConfig(select=["FT6"], jobs=1))
    return [(d.code, d.line, d.pointer, d.span, d.message) for d in report.diagnostics]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.text(alphabet=_ALPHABET, max_size=50), st.text(alphabet=_ALPHABET, max_size=50),
                          st.booleans()), min_size=1, max_size=6))
def test_whole_line_prefilter_never_skips_a_finding(tmp_path, rows) -> None:
    """Plain lines are prefiltered as raw bytes, the JSON syntax around their strings
    included; lines with escapes or non-ASCII by their decoded strings."""
    import orjson

    lines = []
    for question, answer, escaped in rows:
        record = {"messages": [{"role": "user", "content": question or "q"},
                               {"role": "assistant", "content": answer or "a"}]}
        line = orjson.dumps(record)
        # An escaped space in front of the answer makes the line non-plain.
        lines.append(line.replace(b'"content":"', b'"content":"\\u0020', 2) if escaped else line)
    path = tmp_path / "rows.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    assert _pii_findings(path) == _lint_without_prefilter(path)
