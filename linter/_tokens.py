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
import gzip
import hashlib
import threading
from dataclasses import dataclass
from importlib import resources

import tiktoken

from ._errors import EncodingIntegrityError, UnknownModelError

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


@dataclass(frozen=True)
class _EncodingSpec:
    file: str
    sha256: str
    pattern: str
    special_tokens: dict[str, int]


_SPECS: dict[str, _EncodingSpec] = {
    "o200k_base": _EncodingSpec(
        "o200k_base.tiktoken.gz",
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
        _O200K_PATTERN,
        {"<|endoftext|>": 199999, "<|endofprompt|>": 200018},
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
    ),
}

ENCODINGS: tuple[str, ...] = tuple(_SPECS)

_lock = threading.Lock()
_loaded: dict[str, tiktoken.Encoding] = {}


def get_encoding(name: str) -> tiktoken.Encoding:
    """Load a bundled encoding (cached per process), verifying its sha256."""
    with _lock:
        if name in _loaded:
            return _loaded[name]
        spec = _SPECS.get(name)
        if spec is None:
            raise UnknownModelError(f"unknown encoding {name!r} (bundled: {', '.join(ENCODINGS)})")
        blob = gzip.decompress(resources.files("linter.encodings").joinpath(spec.file).read_bytes())
        ranks = parse_ranks(blob, spec.sha256, spec.file)
        encoding = tiktoken.Encoding(
            name=name, pat_str=spec.pattern, mergeable_ranks=ranks, special_tokens=spec.special_tokens
        )
        # tiktoken keeps the rank dict only to pickle the Encoding, which we never do;
        # the Rust core has its own copy, so dropping ours saves ~30 MB per process.
        encoding._mergeable_ranks = {}
        del ranks
        _loaded[name] = encoding
        return encoding


def parse_ranks(blob: bytes, sha256: str, label: str) -> dict[bytes, int]:
    """Verify a rank file against its pinned sha256 and parse it."""
    digest = hashlib.sha256(blob).hexdigest()
    if digest != sha256:
        raise EncodingIntegrityError(f"bundled encoding {label} is corrupt: sha256 {digest} != {sha256}")
    rows = [row.split() for row in blob.splitlines() if row]
    # binascii's decoder without base64.b64decode's argument checks: about 40% faster,
    # which is most of a small file's lint.
    decode = binascii.a2b_base64
    return {decode(token): int(rank) for token, rank in rows}


# Model name prefixes to encodings; longest prefix wins. Fine-tuned names
# (``ft:gpt-4.1-mini-2025-04-14:org::abc``) are reduced to their base model first.
_MODEL_PREFIXES: tuple[tuple[str, str], ...] = (
    ("gpt-4.1", "o200k_base"),
    ("gpt-4o", "o200k_base"),
    ("gpt-4.5", "o200k_base"),
    ("gpt-5", "o200k_base"),
    ("chatgpt-4o", "o200k_base"),
    ("o1", "o200k_base"),
    ("o3", "o200k_base"),
    ("o4", "o200k_base"),
    ("gpt-oss", "o200k_base"),
    ("gpt-4", "cl100k_base"),
    ("gpt-3.5", "cl100k_base"),
    ("gpt-35", "cl100k_base"),
    ("davinci-002", "cl100k_base"),
    ("babbage-002", "cl100k_base"),
    ("text-embedding-3", "cl100k_base"),
)


def base_model_name(model: str) -> str:
    """Strip the fine-tune wrapper: ``ft:gpt-4o-mini-2024-07-18:org:suffix:id`` -> ``gpt-4o-mini-2024-07-18``."""
    name = model.strip()
    if name.startswith("ft:"):
        name = name[3:].split(":", 1)[0]
    return name


def encoding_name_for_model(model: str) -> str:
    """The encoding a model uses. Raises UnknownModelError for names we cannot map."""
    name = base_model_name(model).lower()
    best = ""
    found = None
    for prefix, encoding in _MODEL_PREFIXES:
        matches = name == prefix or (name.startswith(prefix) and name[len(prefix)] in "-_.:@")
        if matches and len(prefix) > len(best):
            best, found = prefix, encoding
    if found is None:
        raise UnknownModelError(f"no known tokenizer for model {model!r}")
    return found


# Published per-message constants for chat models.
TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
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


_SEPARATORS = {name: ("<|endoftext|>", spec.special_tokens["<|endoftext|>"]) for name, spec in _SPECS.items()}
"""Per encoding, the special token :meth:`TokenCounter.count_many` joins texts with, and its id."""

_LONG_TEXT = 1_000_000
_PIECE = 256_000
_RUN_PIECE = 32_768


class TokenCounter:
    """Counts tokens of strings with a bounded memo for repeated ones.

    Long strings that repeat (a shared system prompt, tool schemas) are the
    costly ones, so only strings of 64+ characters are memoised.
    """

    _MEMO_LIMIT = 4096

    def __init__(self, encoding_name: str):
        self.encoding_name = encoding_name
        self._encoding = get_encoding(encoding_name)
        self._encode = self._encoding.encode_ordinary
        core = self._encoding._core_bpe
        no_special: set[str] = set()
        # The Rust buffer API skips building a Python list of ints: faster for long texts.
        # With no special tokens allowed it encodes exactly like encode_ordinary.
        self._buffer = (lambda text: core.encode_to_tiktoken_buffer(text, no_special)) \
            if hasattr(core, "encode_to_tiktoken_buffer") else None
        self._memo: dict[str, int] = {}
        self._tool = _TOOL_CONSTANTS[encoding_name]

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

    def count_many(self, texts: list[str]):
        """Tokenize many texts in one call: ``(tokens per text, all token ids back to back)``
        as numpy arrays, exactly as one ``encode_ordinary`` per text would give them.

        The texts are joined with the ``<|endoftext|>`` special token, which the tokenizer
        splits on before anything else, so each text is encoded on its own; one call
        saves the per-call cost of thousands of short ones. A text that itself holds the
        marker shows up as an extra separator, and then each text is encoded separately."""
        import numpy as np

        n = len(texts)
        if n and self._buffer is not None:
            separator, marker = _SEPARATORS[self.encoding_name]
            ids = np.frombuffer(self._encoding._core_bpe.encode_to_tiktoken_buffer(separator.join(texts),
                                                                                    {separator}), dtype=np.uint32)
            cuts = np.flatnonzero(ids == marker)
            if len(cuts) == n - 1:
                bounds = np.empty(n + 1, dtype=np.int64)
                bounds[0] = -1
                bounds[1:n] = cuts
                bounds[n] = len(ids)
                return np.diff(bounds) - 1, (np.delete(ids, cuts) if n > 1 else ids)
        parts = [self.tokens(text) for text in texts]
        counts = np.fromiter(map(len, parts), dtype=np.int64, count=n)
        return counts, (np.concatenate(parts) if n else np.zeros(0, dtype=np.uint32))

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
