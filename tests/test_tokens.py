"""Token counts must equal tiktoken's own, offline."""

from __future__ import annotations

import gzip
import hashlib
import random
import shutil
from pathlib import Path

import orjson
import pytest
import tiktoken

from linter import (
    EncodingIntegrityError, LintConfig, TokenCounter, UnknownModelError, base_model_name, encoding_name_for_model,
    lint_path,
)
from linter._tokens import parse_ranks

ENCODINGS_DIR = Path(__file__).resolve().parent.parent / "linter" / "encodings"
_URLS = {
    "o200k_base": "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
    "cl100k_base": "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
}


@pytest.fixture(scope="module")
def official(tmp_path_factory):
    """tiktoken's own get_encoding, fed from a cache dir so it never downloads."""
    cache = tmp_path_factory.mktemp("tiktoken-cache")
    for name, url in _URLS.items():
        blob = gzip.decompress((ENCODINGS_DIR / f"{name}.tiktoken.gz").read_bytes())
        (cache / hashlib.sha1(url.encode()).hexdigest()).write_bytes(blob)
    mp = pytest.MonkeyPatch()
    mp.setenv("TIKTOKEN_CACHE_DIR", str(cache))
    import tiktoken.registry

    saved = dict(tiktoken.registry.ENCODINGS)
    tiktoken.registry.ENCODINGS.clear()
    try:
        yield {name: tiktoken.get_encoding(name) for name in _URLS}
    finally:
        tiktoken.registry.ENCODINGS.clear()
        tiktoken.registry.ENCODINGS.update(saved)
        mp.undo()


def _random_texts(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    pieces = ["hello", " world", "Größe", "日本語のテキスト", "😀🎉", "مرحبا بالعالم", "e\u0301", "１２３４",
              "\n\n", "\t", "   ", "def f(x):\n    return x**2", "<|endoftext|>", "'s", "I'll", "1234567",
              "https://example.org/a?b=c", "\u200b", "ÅÆØ", "—", "...", "{\"a\": [1, 2]}", "\r\n"]
    texts = []
    for _ in range(n):
        texts.append("".join(rng.choice(pieces) for _ in range(rng.randint(0, 60))))
        texts.append("".join(chr(rng.randint(32, 0x2FFF)) for _ in range(rng.randint(1, 80))))
    return texts


@pytest.mark.parametrize("name", sorted(_URLS))
def test_counts_equal_tiktoken_on_a_large_sample(official, name):
    counter = TokenCounter(name)
    texts = _random_texts(2500, seed=11) + [("shared system prompt " * 10)] * 50
    mismatches = [t for t in texts if counter.count(t) != len(official[name].encode(t, disallowed_special=()))]
    assert mismatches == []


def test_long_texts_are_counted_exactly_when_they_have_spaces(official):
    rng = random.Random(5)
    words = ["alpha", "beta", "  ", "gamma\n", "δέλτα", "😀", "x" * 40]
    text = " ".join(rng.choice(words) for _ in range(400_000))
    assert len(text) > 1_000_000
    assert TokenCounter("o200k_base").count(text) == len(official["o200k_base"].encode_ordinary(text))


def _reference_chat_tokens(record: dict, enc) -> tuple[int, int]:
    """OpenAI cookbook recipe, written independently of the linter."""
    total = 3
    trained = 0
    for message in record["messages"]:
        n = 3 + len(enc.encode_ordinary(message["role"])) + len(enc.encode_ordinary(message.get("content") or ""))
        if "name" in message:
            n += 1 + len(enc.encode_ordinary(message["name"]))
        for call in message.get("tool_calls") or []:
            n += 3 + len(enc.encode_ordinary(call["function"]["name"])) + len(
                enc.encode_ordinary(call["function"]["arguments"]))
        total += n
        if message["role"] == "assistant" and message.get("weight", 1):
            trained += n
    return total, trained


@pytest.mark.parametrize("sample", ["support_chat.jsonl", "tool_calls.jsonl"])
def test_record_counts_follow_the_published_recipe(official, sample):
    path = Path(__file__).resolve().parent.parent / "sample_data" / sample
    report = lint_path(path, LintConfig(jobs=1))
    rows = report.files[0].records.to_dicts()
    enc = official["o200k_base"]
    lines = path.read_bytes().splitlines()
    checked = 0
    for row in rows:
        record = orjson.loads(lines[row["line"] - 1])
        if record.get("tools"):
            continue  # tool definitions add the published per-function constants, tested below
        total, trained = _reference_chat_tokens(record, enc)
        assert (row["tokens"], row["trained_tokens"]) == (total, trained), row["line"]
        checked += 1
    if sample == "support_chat.jsonl":
        assert checked == len(rows) >= 60


def test_tool_definition_constants():
    counter = TokenCounter("o200k_base")
    enc = counter._encoding
    fn = {"name": "get_order", "description": "Look up an order.",
          "parameters": {"type": "object", "properties": {
              "order_id": {"type": "string", "description": "The order number."},
              "kind": {"type": "string", "description": "Kind", "enum": ["a", "bb"]}}}}
    expected = (7 + len(enc.encode("get_order:Look up an order")) + 3
                + 3 + len(enc.encode("order_id:string:The order number"))
                + 3 - 3 + 3 + len(enc.encode("a")) + 3 + len(enc.encode("bb")) + len(enc.encode("kind:string:Kind"))
                + 12)
    assert counter.count_tool_definitions([fn]) == expected


@pytest.mark.parametrize(("model", "encoding"), [
    ("gpt-4o-mini-2024-07-18", "o200k_base"),
    ("gpt-4.1-2025-04-14", "o200k_base"),
    ("ft:gpt-4.1-mini-2025-04-14:org::abc", "o200k_base"),
    ("ft:gpt-4o-mini-2024-07-18:acme:support-v2:9xYz", "o200k_base"),
    ("o4-mini-2025-04-16", "o200k_base"),
    ("gpt-3.5-turbo-0125", "cl100k_base"),
    ("ft:gpt-3.5-turbo-0125:org::x1", "cl100k_base"),
    ("gpt-4-0613", "cl100k_base"),
    ("davinci-002", "cl100k_base"),
    ("babbage-002", "cl100k_base"),
])
def test_model_to_encoding(model, encoding):
    assert encoding_name_for_model(model) == encoding


def test_fine_tuned_names_reduce_to_their_base():
    assert base_model_name("ft:gpt-4.1-mini-2025-04-14:org::abc") == "gpt-4.1-mini-2025-04-14"


@pytest.mark.parametrize("model", ["gpt-4q", "llama-2-7b", "qwen3.5-27b", "Qwen/Qwen3.6-27B", "mistral-small-2501", "", "ft:"])
def test_unknown_models_raise(model):
    with pytest.raises(UnknownModelError):
        encoding_name_for_model(model)


def test_corrupt_rank_file_is_refused():
    blob = gzip.decompress((ENCODINGS_DIR / "cl100k_base.tiktoken.gz").read_bytes())
    good = hashlib.sha256(blob).hexdigest()
    assert parse_ranks(blob, good, "x")  # the pinned file parses
    with pytest.raises(EncodingIntegrityError):
        parse_ranks(blob[:-10] + b"AAAA 1\n", good, "cl100k_base.tiktoken.gz")


def test_pinned_hashes_match_tiktoken():
    import inspect

    import tiktoken_ext.openai_public as public

    source = inspect.getsource(public)
    from linter._tokens import _SPECS

    for spec in _SPECS.values():
        if spec.file in ("o200k_base.tiktoken.gz", "cl100k_base.tiktoken.gz"):
            assert spec.sha256 in source
