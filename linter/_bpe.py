"""A byte-pair encoder in Python that gives the same token ids as tiktoken's, for small
amounts of text.

tiktoken's Rust core is fast once built, but building it (hashing 200,000 ranks into its
own tables, holding the GIL) takes 0.12-0.14 s, and so does freeing it: more than all the
tokenizing a small file needs. This encoder works on the rank dict itself, which loads in
~0.03 s from the bundled pickle, and tokenizes a few MB a second: ahead for anything up
to about a megabyte of text (``python -m tests.benchmarks.bench_quick_tokens`` measures
both side by side). :class:`linter._tokens.TokenCounter` starts with it and moves to
tiktoken once its text outgrows that.

The algorithm is tiktoken's (as its ``encode_ordinary`` runs it): split the text with the
encoding's pattern; a piece that is itself a token is that token; otherwise start from its
single bytes and merge, again and again, the adjacent pair whose joined bytes have the
lowest rank (the leftmost of equal ones) until no pair is a token.

The split uses the ``regex`` module, whose Unicode tables are newer than those of
tiktoken's Rust regex: they disagree on some 17,500 code points, every one unassigned in
Unicode 14. So text made only of code points assigned in Unicode 14 (``linter._assigned``)
is split here; any other text (a character from a newer Unicode version, a lone
surrogate) goes to tiktoken. Tests compare the ids with tiktoken's for every code point
admitted, on the sample data, random text and edge cases, for every encoding.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence

import regex

_LONG_PIECE = 2048
"""Pieces longer than this many bytes (a run of thousands of dashes, say) are merged by
tiktoken: the merge loop here is quadratic in a piece's length."""

_MEMO_LIMIT = 1 << 16
_NOT_A_TOKEN = 1 << 62
"""Above every rank: the rank of a pair whose joined bytes are not a token."""


class QuickEncoding:
    """The part of ``tiktoken.Encoding`` that counting uses (``encode_ordinary``,
    ``decode_single_token_bytes``, ``n_vocab``, ``name``), over a rank dict."""

    def __init__(self, name: str, pattern: str, ranks: dict[bytes, int], special_tokens: dict[str, int],
                 tiktoken_encoding: Callable[[], object], *, tokens: Sequence[bytes] | None = None):
        """``tiktoken_encoding()``: tiktoken's encoding (built when first called), for the text
        and pieces this encoder leaves to it. ``tokens``: the tokens in rank order (ranks 0,
        1, 2, ...), if at hand."""
        self.name = name
        self._ranks = ranks
        self._split = regex.compile(pattern).findall
        self._special_tokens = special_tokens
        self._tiktoken = tiktoken_encoding
        self.used_tiktoken = False
        """Whether some text needed tiktoken (which is then built)."""
        self._known: set[str] = set()
        """Characters met and found assigned in Unicode 14."""
        self._memo: dict[bytes, list[int]] = {}
        self._tokens = tokens
        self._decoder: dict[int, bytes] | None = None
        self.n_vocab = max(len(ranks), max(special_tokens.values(), default=-1) + 1)

    def encode_ordinary(self, text: str) -> list[int]:
        """Token ids of ``text``, special tokens read as plain text."""
        if not (text.isascii() or self._settled(text)):
            self.used_tiktoken = True
            return self._tiktoken().encode_ordinary(text)
        pieces = [piece.encode("utf-8") for piece in self._split(text)]
        ids = list(map(self._ranks.get, pieces))
        if None not in ids:
            return ids  # every piece is a token (most of ordinary prose)
        out: list[int] = []
        memo = self._memo
        for piece, rank in zip(pieces, ids):
            if rank is not None:
                out.append(rank)
                continue
            merged = memo.get(piece)
            if merged is None:
                if len(piece) <= _LONG_PIECE:
                    merged = self._merge(piece)
                else:
                    self.used_tiktoken = True
                    merged = self._tiktoken()._encode_single_piece(piece)
                if len(memo) >= _MEMO_LIMIT:
                    memo.clear()
                memo[piece] = merged
            out.extend(merged)
        return out

    def _settled(self, text: str) -> bool:
        """Whether every character of ``text`` was assigned in Unicode 14."""
        new = set(text) - self._known
        if new:
            starts, ends = _assigned()
            for char in new:
                point = ord(char)
                i = bisect_right(starts, point) - 1
                if i < 0 or point > ends[i]:
                    return False
            self._known |= new
        return True

    def _merge(self, piece: bytes) -> list[int]:
        ranks = self._ranks
        parts = [piece[i:i + 1] for i in range(len(piece))]
        missing = _NOT_A_TOKEN
        pair_ranks = [ranks.get(parts[i] + parts[i + 1], missing) for i in range(len(parts) - 1)]
        while pair_ranks:
            best = min(pair_ranks)
            if best == missing:
                break
            i = pair_ranks.index(best)  # the leftmost of equal ranks, as tiktoken merges
            parts[i:i + 2] = [parts[i] + parts[i + 1]]
            del pair_ranks[i]
            if i < len(pair_ranks):
                pair_ranks[i] = ranks.get(parts[i] + parts[i + 1], missing)
            if i:
                pair_ranks[i - 1] = ranks.get(parts[i - 1] + parts[i], missing)
        return [ranks[part] for part in parts]

    def decode_single_token_bytes(self, token: int) -> bytes:
        """The bytes of token ``token``; KeyError for an id that is not one."""
        tokens = self._tokens
        if tokens is not None and 0 <= token < len(tokens):
            return tokens[token]
        decoder = self._decoder
        if decoder is None:
            decoder = {rank: name.encode("utf-8") for name, rank in self._special_tokens.items()}
            if tokens is None:
                decoder.update((rank, piece) for piece, rank in self._ranks.items())
            self._decoder = decoder
        return decoder[token]


_ranges: tuple[list[int], list[int]] | None = None


def _assigned() -> tuple[list[int], list[int]]:
    """(starts, ends) of the code point ranges assigned in Unicode 14."""
    global _ranges
    if _ranges is None:
        from ._assigned import RANGES

        pairs = [pair.split("-") for pair in RANGES.split()]
        _ranges = [int(a, 16) for a, _ in pairs], [int(b, 16) for _, b in pairs]
    return _ranges
