"""The Python encoder (linter._bpe) that counts a small file's tokens must give tiktoken's
ids exactly, for every encoding; its pre-parsed rank files must be their rank files."""

from __future__ import annotations

import gzip
import hashlib
import pickle
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linter import EncodingIntegrityError, LintConfig, TokenCounter, lint_path
from linter import _bpe, _engine, _tokens
from linter._assigned import RANGES
from linter._tokens import ENCODINGS, _PARSED_RANKS, _SPECS, parse_ranks
from tests.sample_strings import sample_strings

ROOT = Path(__file__).resolve().parents[1]
ENCODINGS_DIR = ROOT / "linter" / "encodings"
# One per distinct (ranks, pattern): o200k_harmony and gemini-estimate are o200k_base's.
DISTINCT = ["o200k_base", "cl100k_base", "qwen2", "tekken", "llama3", "llama4"]


def _both(name: str):
    return _tokens.get_quick_encoding(name), _tokens.get_encoding(name)


def _sample_texts() -> list[str]:
    return sample_strings(keys=True, unparseable=True)


EDGE_CASES = [
    "", " ", "  ", "\n", "\r\n", "\n\n\n", " \n ", "\t\t", "a  b", "a \n b", "x" * 5000, " " * 3000,
    "-" * 2500, "=" * 40 + "\n" + "=" * 40, "!!!???..." * 300, "1234567890" * 50, "I'll've 'S 'T 'RE 'Ve 'M 'LL 'D",
    "don't can't WON'T", "'ſ 'K", "e\u0301 \u00e9", "\u200b\u200d\ufeff", "\u00a0\u2028\u2029\u3000\u0085",
    "👩‍👩‍👧 🙂🙂🙂", "日本語のテキストです。", "مرحبا بالعالم", "Größe ÅÆØ İı", "١٢٣٤٥ ①②③ Ⅻ", "\x00\x01\x1f",
    "def f(x):\n    return x ** 2\n", '{"a": [1, 2, {"b": null}]}', "<|endoftext|> <|im_start|>", "a\ud800b",
    "\udfff", "new in Unicode 15: \U0001FAE8 and 16: \U0001FAE9",
]


def test_each_pre_parsed_rank_file_is_its_rank_file():
    for source, (target, sha256) in _PARSED_RANKS.items():
        spec = next(spec for spec in _SPECS.values() if spec.file == source)
        ranks = parse_ranks(gzip.decompress((ENCODINGS_DIR / source).read_bytes()), spec.sha256, source)
        blob = (ENCODINGS_DIR / target).read_bytes()
        assert hashlib.sha256(blob).hexdigest() == sha256
        tokens = pickle.loads(blob)
        assert isinstance(tokens, tuple) and len(tokens) == len(ranks)
        assert all(ranks[token] == rank for rank, token in enumerate(tokens)), source


def test_a_corrupt_pre_parsed_rank_file_is_refused(monkeypatch):
    source = "cl100k_base.tiktoken.gz"
    for cache in ("_loaded", "_quick", "_ranks"):
        monkeypatch.setattr(_tokens, cache, {})
    monkeypatch.setitem(_PARSED_RANKS, source, (_PARSED_RANKS[source][0], "0" * 64))
    with pytest.raises(EncodingIntegrityError, match="cl100k_base.ranks.pickle is corrupt"):
        _tokens.get_quick_encoding("cl100k_base")
    with pytest.raises(EncodingIntegrityError, match="corrupt"):
        _tokens.get_encoding("cl100k_base")


@pytest.mark.parametrize("name", DISTINCT)
def test_sample_data_and_edge_cases_match_tiktoken(name):
    quick, full = _both(name)
    for text in _sample_texts() + EDGE_CASES:
        assert quick.encode_ordinary(text) == full.encode_ordinary(text), repr(text[:200])


@pytest.mark.parametrize("name", ["o200k_base", "cl100k_base", "qwen2"])
def test_every_code_point_it_splits_itself_matches_tiktoken(name):
    """Each code point assigned in Unicode 14, inside words, after a space and a digit,
    repeated, before a contraction and a line break: the ids are tiktoken's. (The three
    patterns cover the six encodings: tekken and llama4 split like o200k_base, llama3
    like qwen2 but for digits, which are ASCII.)"""
    quick, full = _both(name)
    points = [point for pair in RANGES.split() for point in range(int(pair.split("-")[0], 16),
                                                                   int(pair.split("-")[1], 16) + 1)]
    assert len(points) > 280_000
    for start in range(0, len(points), 512):
        text = "".join(f"a{c}b {c}{c} 1{c}'s\n{c}  " for c in map(chr, points[start:start + 512]))
        assert quick.encode_ordinary(text) == full.encode_ordinary(text), hex(points[start])


def test_text_from_a_newer_unicode_or_with_a_lone_surrogate_goes_to_tiktoken(monkeypatch):
    for cache in ("_loaded", "_quick", "_ranks"):
        monkeypatch.setattr(_tokens, cache, {})
    quick = _tokens.get_quick_encoding("o200k_base")
    assert quick.encode_ordinary("plain text, é and 日本") and not quick.used_tiktoken
    assert not _tokens.is_loaded("o200k_base")
    # U+1FAE8 (Unicode 15): the regex module and tiktoken's Rust regex may class it apart.
    assert quick.encode_ordinary("a \U0001FAE8 b") == _tokens.get_encoding("o200k_base").encode_ordinary("a \U0001FAE8 b")
    assert quick.used_tiktoken
    counter = TokenCounter("o200k_base", quick_chars=1_000_000)  # the same process: tiktoken is built
    assert counter.raw_buffer is not None


def test_a_quick_counter_moves_to_tiktoken_once_another_built_it(monkeypatch):
    for cache in ("_loaded", "_quick", "_ranks"):
        monkeypatch.setattr(_tokens, cache, {})
    counter = TokenCounter("cl100k_base", quick_chars=1_000_000)
    assert counter.count("hello there") == 2 and counter.raw_buffer is None
    _tokens.get_encoding("cl100k_base")
    assert counter.count("hello there") == 2 and counter.raw_buffer is not None


_TRICKY = st.sampled_from(list("'sStTrReEvVmMlLdD1234567890 -=/!?.,:;_\"#") + [
    "ſ", "K", "ß", "İ", "ı", "\n", "\r", "\t", "\u00a0", "\u2028", "\u3000", "\u0085", "\x0b", "é", "e\u0301", "中",
    "😀", "\u200d", "\ufeff", "٣", "①", "  ", "\n\n", "ing", " the", "The", "HTTP", "λ", "ё", "ﬁ"])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_TRICKY, max_size=40).map("".join) | st.text(max_size=60))
def test_random_text_matches_tiktoken(text):
    for name in DISTINCT:
        quick, full = _both(name)
        assert quick.encode_ordinary(text) == full.encode_ordinary(text), name


def test_decoding_ids_matches_tiktoken():
    for name in ("o200k_base", "llama3", "o200k_harmony"):
        quick, full = _both(name)
        assert quick.n_vocab == full.n_vocab
        for token in [0, 1, 255, 1000, 50_000, full.n_vocab - 1, *full._special_tokens.values()][:60]:
            assert quick.decode_single_token_bytes(token) == full.decode_single_token_bytes(token)
        with pytest.raises(KeyError):
            quick.decode_single_token_bytes(full.n_vocab + 5)


@pytest.mark.parametrize("name", [n for n in ENCODINGS])
def test_a_counter_that_starts_quick_counts_like_one_on_tiktoken(name, monkeypatch):
    full = TokenCounter(name)
    for cache in ("_loaded", "_quick", "_ranks"):  # as in a process that has not built tiktoken's
        monkeypatch.setattr(_tokens, cache, {})
    quick = TokenCounter(name, quick_chars=10_000_000)
    assert not _tokens.is_loaded(name)
    # (Texts reach a counter from parsed JSON, which never holds a lone surrogate; text
    # from a newer Unicode moves the counter to tiktoken, tested below.)
    texts = [text for text in _sample_texts()[:400] + EDGE_CASES
             if not _has_surrogate(text) and "Unicode 15" not in text]
    ordinary = [text for text in texts if len(text) < 2000]
    assert [quick.count(text) for text in ordinary] == [full.count(text) for text in ordinary]
    assert quick.raw_buffer is None  # counted by the Python encoder
    for text in texts:
        for role in ("user", "assistant", "system"):
            assert quick.count_content(text, role) == full.count_content(text, role), repr(text[:80])
    q_counts, q_ids = quick.count_many(texts, contents=True)
    f_counts, f_ids = full.count_many(texts, contents=True)
    assert q_counts.tolist() == f_counts.tolist() and q_ids.tolist() == f_ids.tolist()
    assert quick.tokens(texts[0]).tolist() == full.tokens(texts[0]).tolist()
    tools = [{"name": "get_weather", "description": "Weather.", "parameters": {"type": "object", "properties": {
        "city": {"type": "string", "description": "City."}, "unit": {"type": "string", "enum": ["c", "f"]}}}}]
    assert quick.count_tool_definitions(tools) == full.count_tool_definitions(tools)


def _has_surrogate(text: str) -> bool:
    return any(0xD800 <= ord(char) < 0xE000 for char in text)


def test_a_quick_counter_moves_to_tiktoken_once_its_text_outgrows_it(monkeypatch):
    for cache in ("_loaded", "_quick", "_ranks"):
        monkeypatch.setattr(_tokens, cache, {})
    counter = TokenCounter("o200k_base", quick_chars=1000)
    texts = [f"Example {i}: the customer asks about order {i * 7919} and gets an answer." for i in range(60)]
    counts = [counter.count(text) for text in texts[:5]]
    assert not _tokens.is_loaded("o200k_base") and counter.raw_buffer is None
    counts += [counter.count(text) for text in texts[5:]]
    assert _tokens.is_loaded("o200k_base") and counter.raw_buffer is not None
    reference = TokenCounter("o200k_base")
    assert counts == [reference.count(text) for text in texts]


def test_a_small_file_s_report_is_the_same_as_with_tiktoken_alone(monkeypatch):
    def report_of(path, python_encoder: bool):
        monkeypatch.setattr(_engine, "_counters", {})
        for cache in ("_loaded", "_quick", "_ranks"):  # a fresh process: nothing built yet
            monkeypatch.setattr(_tokens, cache, {})
        monkeypatch.setattr(_engine, "_QUICK_CHARS", 400_000 if python_encoder else 0)
        report = lint_path(path, LintConfig(jobs=1))
        assert (_engine._counters["o200k_base"].raw_buffer is None) == python_encoder
        stats = report.files[0].tokens
        return ([(d.code, d.line, d.message) for d in report.diagnostics],
                (stats.total, stats.trained, stats.max_example, stats.p50, stats.p95))

    for path in (ROOT / "sample_data" / "messy.jsonl", ROOT / "sample_data" / "tool_calls.jsonl",
                 ROOT / "sample_data" / "support_chat.jsonl"):
        assert report_of(path, python_encoder=True) == report_of(path, python_encoder=False)


def test_a_long_run_is_merged_by_tiktoken():
    quick, full = _both("o200k_base")
    text = "=" * (_bpe._LONG_PIECE * 3) + " end"
    assert quick.encode_ordinary(text) == full.encode_ordinary(text)


def test_texts_from_real_shaped_data_match(tmp_path):
    rng = random.Random(11)
    words = ["refund", "order", "#A-1029", "shipping", "naïve", "café", "—", "…", "“quoted”", "€12.50", "  ", "\t"]
    for name in ("o200k_base", "tekken"):
        quick, full = _both(name)
        for _ in range(300):
            text = " ".join(rng.choice(words) for _ in range(rng.randint(1, 50)))
            assert quick.encode_ordinary(text) == full.encode_ordinary(text)


def test_the_assigned_table_is_this_python_s_unicode_14(tmp_path):
    import unicodedata

    from tests.tools.write_rank_pickles import ASSIGNED_VERSION, write_assigned

    if unicodedata.unidata_version != ASSIGNED_VERSION:
        pytest.skip(f"Unicode {unicodedata.unidata_version} here; the table is of {ASSIGNED_VERSION}")
    write_assigned(tmp_path / "_assigned.py")
    assert (tmp_path / "_assigned.py").read_text() == (ROOT / "linter" / "_assigned.py").read_text()
