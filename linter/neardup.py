"""Near-duplicate detection: MinHash signatures over word shingles, banded LSH, streaming.

Work is split so it fits the engine's process model:

* :func:`signature` (pure, picklable ``bytes``) runs in worker processes: it
  lower-cases and splits the text, hashes the words with ``rensa`` and combines
  neighbouring word hashes into shingle hashes, then lets ``rensa`` compute the
  MinHash digest (``num_perm`` little-endian ``uint32`` values).
* :class:`NearDuplicateIndex` lives in the main process. ``add(key, text_or_signature)``
  returns the earlier keys whose estimated Jaccard similarity is at least the
  threshold, then remembers the new signature.

Callers pass only the text that distinguishes an example (not a system prompt
every example shares), otherwise everything looks alike.

Memory is bounded and compact: band keys live in a fixed-width numpy hash table
(8 bytes a slot, at most ``max_per_bucket`` keys per band value) and signatures
are kept as their low 16 bits (b-bit MinHash), about 330 bytes per example.
For 200,000 examples that is roughly 100 MB.

``rensa`` was chosen over ``datasketch`` by measurement (see the closing note of
issue 3): on 20,000 chat texts rensa's hashing was about 25x faster.
"""

from __future__ import annotations

import math
from typing import Iterable

import numpy as np
import rensa

__all__ = [
    "DEFAULT_NUM_PERM",
    "DEFAULT_THRESHOLD",
    "NearDuplicateIndex",
    "find_leaks",
    "jaccard",
    "signature",
]

DEFAULT_THRESHOLD = 0.8
DEFAULT_NUM_PERM = 128
DEFAULT_SHINGLE = 3
_SEED = 1_234_567

# Odd 64-bit multipliers that mix a word's position inside a shingle.
_MIX = (
    np.uint64(0x9E3779B97F4A7C15),
    np.uint64(0xC2B2AE3D27D4EB4F),
    np.uint64(0x165667B19E3779F9),
    np.uint64(0xD6E8FEB86659FD93),
    np.uint64(0xFF51AFD7ED558CCD),
)


def _shingle_hashes(text: str, shingle_size: int) -> np.ndarray:
    words = text.lower().split()
    if not words:
        return np.zeros(0, dtype=np.uint64)
    word_hashes = np.asarray(rensa.RMinHash.hash_token_sets([words])[0], dtype=np.uint64)
    k = min(shingle_size, len(word_hashes))
    count = len(word_hashes) - k + 1
    combined = word_hashes[:count] * _MIX[0]
    for offset in range(1, k):
        combined = combined ^ (word_hashes[offset : offset + count] * _MIX[offset % len(_MIX)])
    return combined


def signature(text: str, *, num_perm: int = DEFAULT_NUM_PERM, shingle_size: int = DEFAULT_SHINGLE) -> bytes:
    """The MinHash signature of ``text``: ``num_perm`` uint32 values as bytes.

    Compact (512 bytes by default), picklable and deterministic across processes.
    Text is compared as lower-cased, whitespace-split words in shingles of
    ``shingle_size`` consecutive words. Empty text gets an all-ones signature.
    """
    return signatures([text], num_perm=num_perm, shingle_size=shingle_size)[0]


def signatures(
    texts: Iterable[str], *, num_perm: int = DEFAULT_NUM_PERM, shingle_size: int = DEFAULT_SHINGLE
) -> list[bytes]:
    """:func:`signature` for many texts in one ``rensa`` call (faster in bulk)."""
    parts = [_shingle_hashes(text, shingle_size) for text in texts]
    if not parts:
        return []
    offsets = np.zeros(len(parts) + 1, dtype=np.uint64)
    np.cumsum([len(p) for p in parts], out=offsets[1:])
    flat = np.concatenate(parts) if any(len(p) for p in parts) else np.zeros(0, dtype=np.uint64)
    matrix = rensa.RMinHash.digest_matrix_from_flat_token_hashes(flat, offsets, num_perm, _SEED)
    rows = np.asarray(matrix.to_rows(), dtype=np.uint32).reshape(len(parts), num_perm)
    empty = offsets[1:] == offsets[:-1]
    rows[empty] = np.uint32(0xFFFFFFFF)
    return [row.tobytes() for row in rows]


def jaccard(first: bytes, second: bytes) -> float:
    """Estimated Jaccard similarity of two signatures (the share of equal MinHash values)."""
    a = np.frombuffer(first, dtype=np.uint32)
    b = np.frombuffer(second, dtype=np.uint32)
    return float(np.count_nonzero(a == b)) / len(a)


def _choose_bands(threshold: float, num_perm: int, target_recall: float = 0.98) -> tuple[int, int]:
    """(bands, rows): the most selective banding that still finds pairs at ``threshold`` with ``target_recall``."""
    best = (num_perm, 1)
    for rows in range(1, num_perm + 1):
        bands = num_perm // rows
        if bands < 1:
            break
        if 1.0 - (1.0 - threshold**rows) ** bands >= target_recall:
            best = (bands, rows)
    return best


class NearDuplicateIndex:
    """Streaming near-duplicate index (MinHash + LSH, verified by estimated Jaccard).

    >>> index = NearDuplicateIndex(threshold=0.8)
    >>> index.add(1, "the quick brown fox jumps over the lazy dog near the river bank today")
    []
    >>> index.add(2, "the quick brown fox jumps over the lazy dog near the river bank today")
    [1]
    """

    def __init__(
        self,
        threshold: float = DEFAULT_THRESHOLD,
        *,
        num_perm: int = DEFAULT_NUM_PERM,
        shingle_size: int = DEFAULT_SHINGLE,
        max_per_bucket: int = 4,
        initial_capacity: int = 1 << 16,
    ):
        if not 0.0 < threshold <= 1.0:
            raise ValueError("threshold must be in (0, 1]")
        self.threshold = threshold
        self.num_perm = num_perm
        self.shingle_size = shingle_size
        self.bands, self.rows = _choose_bands(threshold, num_perm)
        self._max_per_bucket = max_per_bucket
        # A bucketed hash table: _slots columns per bucket, 0 marks an empty slot.
        self._slots = max(4, max_per_bucket)
        buckets = 1 << max(4, math.ceil(math.log2(max(16, initial_capacity // self._slots))))
        self._table_keys = np.zeros((buckets, self._slots), dtype=np.uint32)
        self._table_vals = np.zeros((buckets, self._slots), dtype=np.uint32)
        self._filled = 0
        self._band_offsets = (np.arange(self.bands, dtype=np.uint64) + np.uint64(1)) * _MIX[3]
        self._row_mix = np.array([int(_MIX[i % len(_MIX)]) ^ (i * 0x100000001B3) for i in range(self.rows)], dtype=np.uint64)
        # Signatures kept as their low 16 bits, in fixed-size blocks (no doubling copies).
        self._block_rows = 4096
        self._blocks: list[np.ndarray] = []
        self._keys: list[int] = []

    def __len__(self) -> int:
        return len(self._keys)

    def signature(self, text: str) -> bytes:
        """:func:`signature` with this index's parameters."""
        return signature(text, num_perm=self.num_perm, shingle_size=self.shingle_size)

    # -- band keys and table -------------------------------------------------

    def _band_keys(self, digest: np.ndarray) -> np.ndarray:
        bands = digest[: self.bands * self.rows].astype(np.uint64).reshape(self.bands, self.rows)
        mixed = (bands * self._row_mix).sum(axis=1, dtype=np.uint64) ^ self._band_offsets
        folded = (mixed ^ (mixed >> np.uint64(29))) & np.uint64(0xFFFFFFFF)
        folded[folded == 0] = 1
        return folded.astype(np.uint32)

    def _lookup(self, band_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        buckets = band_keys & np.uint32(len(self._table_keys) - 1)
        stored = self._table_keys[buckets]
        hits = stored == band_keys[:, None]
        return buckets, stored, hits

    def _insert(self, band_keys: np.ndarray, ordinal: int, buckets: np.ndarray, stored: np.ndarray, hits: np.ndarray) -> None:
        empty = stored == 0
        room = empty.any(axis=1) & (hits.sum(axis=1) < self._max_per_bucket)
        if not room.any():
            return
        columns = empty.argmax(axis=1)
        self._table_keys[buckets[room], columns[room]] = band_keys[room]
        self._table_vals[buckets[room], columns[room]] = ordinal
        self._filled += int(room.sum())
        if self._filled * 2 > self._table_keys.size:
            self._grow()

    def _grow(self) -> None:
        keys, vals = self._table_keys.ravel(), self._table_vals.ravel()
        used = keys != 0
        keys, vals = keys[used], vals[used]
        buckets_count = len(self._table_keys) * 2
        buckets = keys & np.uint32(buckets_count - 1)
        order = np.argsort(buckets, kind="stable")
        buckets, keys, vals = buckets[order], keys[order], vals[order]
        first = np.searchsorted(buckets, buckets, side="left")
        column = np.arange(len(buckets)) - first
        fits = column < self._slots
        self._table_keys = np.zeros((buckets_count, self._slots), dtype=np.uint32)
        self._table_vals = np.zeros((buckets_count, self._slots), dtype=np.uint32)
        self._table_keys[buckets[fits], column[fits]] = keys[fits]
        self._table_vals[buckets[fits], column[fits]] = vals[fits]
        self._filled = int(fits.sum())

    def _stored_row(self, ordinal: int) -> np.ndarray:
        return self._blocks[ordinal // self._block_rows][ordinal % self._block_rows]

    def _estimate(self, digest16: np.ndarray, ordinals: np.ndarray) -> np.ndarray:
        rows = np.stack([self._stored_row(int(o)) for o in ordinals])
        equal = np.count_nonzero(rows == digest16, axis=1) / self.num_perm
        # Low 16 bits also agree by chance with probability 2**-16.
        chance = 1.0 / 65536.0
        return (equal - chance) / (1.0 - chance)

    # -- public --------------------------------------------------------------

    def query(self, text_or_signature: str | bytes) -> list[int]:
        """Earlier keys that are near-duplicates of this text, without adding it."""
        digest = self._digest(text_or_signature)
        return self._matches(digest, *self._lookup(self._band_keys(digest)))

    def add(self, key: int, text_or_signature: str | bytes) -> list[int]:
        """Add an example; return the earlier keys it nearly duplicates, in insertion order."""
        digest = self._digest(text_or_signature)
        band_keys = self._band_keys(digest)
        buckets, stored, hits = self._lookup(band_keys)
        matches = self._matches(digest, buckets, stored, hits)
        ordinal = len(self._keys) + 1  # 0 is never a valid ordinal
        self._insert(band_keys, ordinal, buckets, stored, hits)
        index = ordinal - 1
        if index % self._block_rows == 0:
            self._blocks.append(np.zeros((self._block_rows, self.num_perm), dtype=np.uint16))
        self._blocks[-1][index % self._block_rows] = digest.astype(np.uint16)
        self._keys.append(key)
        return matches

    def _digest(self, text_or_signature: str | bytes) -> np.ndarray:
        if isinstance(text_or_signature, str):
            text_or_signature = self.signature(text_or_signature)
        digest = np.frombuffer(text_or_signature, dtype=np.uint32)
        if len(digest) != self.num_perm:
            raise ValueError(f"signature has {len(digest)} values, index expects {self.num_perm}")
        return digest

    def _matches(self, digest: np.ndarray, buckets: np.ndarray, stored: np.ndarray, hits: np.ndarray) -> list[int]:
        if not hits.any():
            return []
        candidates = np.unique(self._table_vals[buckets][hits]) - 1
        estimates = self._estimate(digest.astype(np.uint16), candidates)
        return [self._keys[int(o)] for o in candidates[estimates >= self.threshold - 1e-9]]


def find_leaks(
    train_index: NearDuplicateIndex, validation: Iterable[tuple[int, str | bytes]]
) -> list[tuple[int, list[int]]]:
    """Split leakage (FT204): for each ``(key, text_or_signature)`` of the validation
    set, the training keys it duplicates exactly or nearly. Only leaking keys are listed.
    """
    leaks: list[tuple[int, list[int]]] = []
    for key, item in validation:
        matches = train_index.query(item)
        if matches:
            leaks.append((key, matches))
    return leaks
