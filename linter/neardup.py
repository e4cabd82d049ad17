"""Near-duplicate detection: MinHash over token shingles, banded LSH, streaming in batches.

The engine already tokenizes every string to count it, so near-duplicates are
compared on those tokens rather than on re-split words: each token is mapped
to its text stripped and lower-cased (whitespace-only tokens are dropped, so
case and runs of spaces and newlines do not matter) and each example becomes
the set of its 3-token shingles, ``rensa`` computes the MinHash digests of a
whole chunk of examples in one call, and band keys are derived with numpy.

Work is split to fit the engine's process model:

* :func:`signature_matrix` (worker processes): token-id arrays in, a
  ``(n, num_perm)`` uint32 MinHash matrix out, for a chunk at a time.
* :class:`NearDuplicateIndex` (main process): ``add_batch`` / ``query_batch``
  return, for each example, the earlier keys whose estimated Jaccard
  similarity is at least the threshold.

The index stores, per band, sorted runs of band keys (a small log-structured
merge), and each signature's low 16 bits for verification: about 300 bytes
per example, 60 MB for 200,000 examples.

``rensa`` was chosen over ``datasketch`` by measurement: on 20,000 chat texts
it hashed about 25x faster.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import chain
from typing import Iterable, Sequence

import numpy as np
import rensa

__all__ = [
    "DEFAULT_NUM_PERM",
    "DEFAULT_THRESHOLD",
    "NearDuplicateIndex",
    "band_layout",
    "find_leaks",
    "jaccard",
    "signature",
    "signature_matrix",
    "signatures",
]

DEFAULT_THRESHOLD = 0.8
DEFAULT_NUM_PERM = 128
DEFAULT_SHINGLE = 3
DEFAULT_ENCODING = "o200k_base"
_SEED = 1_234_567
_EMPTY = np.uint32(0xFFFFFFFF)

# Odd 64-bit multipliers that mix a token's position inside a shingle.
_MIX = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F), np.uint64(0x165667B19E3779F9),
        np.uint64(0xD6E8FEB86659FD93), np.uint64(0xFF51AFD7ED558CCD))


class _Canonical:
    """Token id -> 64-bit hash of the token's text stripped and lower-cased (0 for
    whitespace-only tokens, which are dropped), so ``" Order"``, ``"order"`` and
    ``"ORDER"`` (one token each) compare equal and spacing does not matter.

    Filled lazily for the ids actually seen: a whole vocabulary takes ~0.2 s,
    a chunk's new ids a few milliseconds."""

    def __init__(self, encoding: str):
        from ._tokens import get_encoding

        enc = get_encoding(encoding)
        self._decode = enc.decode_single_token_bytes
        self.values = np.zeros(enc.n_vocab + 1, dtype=np.uint64)
        self.known = np.zeros(enc.n_vocab + 1, dtype=bool)

    def __call__(self, ids: np.ndarray) -> np.ndarray:
        unseen = ~self.known[ids]
        if unseen.any():
            import zlib

            for token in np.unique(ids[unseen]).tolist():
                try:
                    text = self._decode(token).strip().lower()
                except KeyError:
                    text = b""
                self.values[token] = ((zlib.crc32(text) << 32) | zlib.crc32(text, 0x9E3779B9) | 1) if text else 0
                self.known[token] = True
        return self.values[ids]


@lru_cache(maxsize=4)
def _canonical_tokens(encoding: str) -> _Canonical:
    return _Canonical(encoding)


def signature_matrix(token_rows: Sequence[np.ndarray], *, encoding: str = DEFAULT_ENCODING,
                     num_perm: int = DEFAULT_NUM_PERM, shingle_size: int = DEFAULT_SHINGLE) -> np.ndarray:
    """MinHash digests of many token sequences: a ``(len(token_rows), num_perm)`` uint32
    matrix. Rows without a single token are all ``0xFFFFFFFF`` (they match nothing)."""
    n = len(token_rows)
    if n == 0:
        return np.zeros((0, num_perm), dtype=np.uint32)
    canonical = _canonical_tokens(encoding)
    raw_lengths = np.fromiter(map(len, token_rows), dtype=np.int64, count=n)
    raw = (np.concatenate(token_rows).astype(np.uint32, copy=False) if raw_lengths.sum()
           else np.zeros(0, dtype=np.uint32))
    values = canonical(raw)
    keep_token = values != 0
    if keep_token.all():
        flat, lengths = values, raw_lengths
    else:
        flat = values[keep_token]
        # Tokens kept per row: a cumulative count read at the row boundaries.
        kept_before = np.zeros(len(raw) + 1, dtype=np.int64)
        np.cumsum(keep_token, out=kept_before[1:])
        raw_starts = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(raw_lengths, out=raw_starts[1:])
        lengths = np.diff(kept_before[raw_starts])
    starts = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=starts[1:])
    # Shingle i of a row combines tokens i .. i+k-1 (computed across the whole chunk, then
    # the ones that run past their row's end are dropped); a row shorter than k gives one
    # shingle of what it has.
    k = shingle_size
    total = len(flat)
    combined = flat * _MIX[0]
    for offset in range(1, k):
        if total > offset:
            combined[:-offset] ^= flat[offset:] * _MIX[offset % len(_MIX)]
    counts = np.where(lengths >= k, lengths - (k - 1), (lengths > 0).astype(np.int64))
    keep = np.ones(total, dtype=bool)
    row_ends = starts[1:][lengths >= k]
    for back in range(1, k):
        keep[row_ends - back] = False
    short = np.nonzero((lengths > 0) & (lengths < k))[0]
    if len(short):
        mixers = np.array(_MIX, dtype=np.uint64)
        for r in short.tolist():
            s, e = int(starts[r]), int(starts[r + 1])
            keep[s + 1 : e] = False
            combined[s] = np.bitwise_xor.reduce(flat[s:e] * mixers[: e - s])
    shingles = combined if total == int(counts.sum()) else combined[keep]
    offsets = np.zeros(n + 1, dtype=np.uint64)
    np.cumsum(counts, out=offsets[1:])
    matrix = rensa.RMinHash.digest_matrix_from_flat_token_hashes(shingles, offsets, num_perm, _SEED)
    rows = np.fromiter(chain.from_iterable(matrix.to_rows()), dtype=np.uint32, count=n * num_perm)
    rows = rows.reshape(n, num_perm)
    rows[counts == 0] = _EMPTY
    return rows


def _tokens(text: str, encoding: str) -> np.ndarray:
    from ._tokens import get_encoding

    return np.asarray(get_encoding(encoding).encode_ordinary(text), dtype=np.uint32)


def signatures(texts: Iterable[str], *, encoding: str = DEFAULT_ENCODING, num_perm: int = DEFAULT_NUM_PERM,
               shingle_size: int = DEFAULT_SHINGLE) -> list[bytes]:
    """:func:`signature` of many texts (one rensa call)."""
    rows = signature_matrix([_tokens(t, encoding) for t in texts], encoding=encoding, num_perm=num_perm,
                            shingle_size=shingle_size)
    return [row.tobytes() for row in rows]


def signature(text: str, *, encoding: str = DEFAULT_ENCODING, num_perm: int = DEFAULT_NUM_PERM,
              shingle_size: int = DEFAULT_SHINGLE) -> bytes:
    """The MinHash signature of ``text`` as bytes (``num_perm`` uint32 values):
    compact, picklable and the same in every process."""
    return signatures([text], encoding=encoding, num_perm=num_perm, shingle_size=shingle_size)[0]


def jaccard(first: bytes, second: bytes) -> float:
    """Estimated Jaccard similarity of two signatures (the share of equal MinHash values)."""
    a = np.frombuffer(first, dtype=np.uint32)
    b = np.frombuffer(second, dtype=np.uint32)
    return float(np.count_nonzero(a == b)) / len(a)


def band_layout(threshold: float, num_perm: int = DEFAULT_NUM_PERM, target_recall: float = 0.98) -> tuple[int, int]:
    """(bands, rows): the most selective banding that still finds pairs at ``threshold``
    with ``target_recall``."""
    best = (num_perm, 1)
    for rows in range(1, num_perm + 1):
        bands = num_perm // rows
        if bands < 1:
            break
        if 1.0 - (1.0 - threshold**rows) ** bands >= target_recall:
            best = (bands, rows)
    return best


def band_keys(matrix: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """``(n, bands)`` uint32 keys: one hash per band of ``rows`` MinHash values; 0 marks an empty signature."""
    n = len(matrix)
    if n == 0:
        return np.zeros((0, bands), dtype=np.uint32)
    parts = matrix[:, : bands * rows].astype(np.uint64).reshape(n, bands, rows)
    mixers = np.array([int(_MIX[i % len(_MIX)]) ^ (i * 0x100000001B3) for i in range(rows)], dtype=np.uint64)
    keys = (parts * mixers).sum(axis=2, dtype=np.uint64)
    keys ^= (np.arange(bands, dtype=np.uint64) + np.uint64(1)) * _MIX[3]
    keys ^= keys >> np.uint64(31)
    # 32 bits per band key are plenty: a chance match is caught by the Jaccard check.
    folded = ((keys ^ (keys >> np.uint64(32))) & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    folded[folded == 0] = 1
    folded[(matrix == _EMPTY).all(axis=1)] = 0
    return folded


class NearDuplicateIndex:
    """Streaming near-duplicate index (MinHash + banded LSH, verified by estimated Jaccard).

    >>> index = NearDuplicateIndex(threshold=0.8)
    >>> index.add(1, "the quick brown fox jumps over the lazy dog near the river bank today")
    []
    >>> index.add(2, "the quick brown fox jumps over the lazy dog near the river bank today")
    [1]
    """

    def __init__(self, threshold: float = DEFAULT_THRESHOLD, *, num_perm: int = DEFAULT_NUM_PERM,
                 shingle_size: int = DEFAULT_SHINGLE, encoding: str = DEFAULT_ENCODING, **_ignored):
        if not 0.0 < threshold <= 1.0:
            raise ValueError("threshold must be in (0, 1]")
        self.threshold = threshold
        self.num_perm = num_perm
        self.shingle_size = shingle_size
        self.encoding = encoding
        self.bands, self.rows = band_layout(threshold, num_perm)
        # Per band: sorted runs of (key, ordinal).
        self._runs: list[list[tuple[np.ndarray, np.ndarray]]] = [[] for _ in range(self.bands)]
        self._sig16: list[np.ndarray] = []
        self._count = 0
        self._keys: list[int] = []

    def __len__(self) -> int:
        return self._count

    def signature(self, text: str) -> bytes:
        """:func:`signature` with this index's parameters."""
        return signature(text, encoding=self.encoding, num_perm=self.num_perm, shingle_size=self.shingle_size)

    # -- public --------------------------------------------------------------

    def add(self, key: int, text_or_signature: str | bytes) -> list[int]:
        """Add one example; return the earlier keys it nearly duplicates, in insertion order."""
        return self.add_batch([key], self._matrix([text_or_signature]))[0]

    def query(self, text_or_signature: str | bytes) -> list[int]:
        """Earlier keys that are near-duplicates of this example, without adding it."""
        return self.query_batch(self._matrix([text_or_signature]))[0]

    def add_batch(self, keys: Sequence[int], matrix: np.ndarray) -> list[list[int]]:
        """Add examples in order; for each, the earlier keys (this batch included) it nearly duplicates."""
        matrix = np.asarray(matrix, dtype=np.uint32)
        n = len(keys)
        if n == 0:
            return []
        bkeys = band_keys(matrix, self.bands, self.rows)
        base = self._count
        ordinals = np.arange(base, base + n, dtype=np.uint32)
        self._store(matrix)
        # One stable sort per band serves the lookup, the in-batch pairs and the insert.
        orders = [np.argsort(bkeys[:, band], kind="stable") for band in range(self.bands)]
        candidates = self._lookup(bkeys, orders)
        # Pairs inside the batch: equal band keys, earlier ordinal first.
        for band in range(self.bands):
            column = bkeys[:, band]
            order = orders[band]
            sorted_keys = column[order]
            same = (sorted_keys[1:] == sorted_keys[:-1]) & (sorted_keys[1:] != 0)
            for pos in np.nonzero(same)[0]:
                later, earlier = order[pos + 1], order[pos]
                # Link to the first of the run of equal keys.
                first = pos
                while first > 0 and sorted_keys[first - 1] == sorted_keys[pos]:
                    first -= 1
                candidates.setdefault(int(later), set()).add(int(base + order[first]))
                if earlier != order[first]:
                    candidates[int(later)].add(int(base + earlier))
        self._insert(bkeys, ordinals, orders)
        self._keys.extend(int(k) for k in keys)
        self._count += n
        results: list[list[int]] = [[] for _ in range(n)]
        for i, found in candidates.items():
            results[i] = self._verify(base + i, found, matrix[i])
        return results

    def query_batch(self, matrix: np.ndarray) -> list[list[int]]:
        matrix = np.asarray(matrix, dtype=np.uint32)
        bkeys = band_keys(matrix, self.bands, self.rows)
        candidates = self._lookup(bkeys, None)
        results: list[list[int]] = [[] for _ in range(len(matrix))]
        for i, found in candidates.items():
            results[i] = self._verify(None, found, matrix[i])
        return results

    # -- internals -----------------------------------------------------------

    def _matrix(self, items: list[str | bytes]) -> np.ndarray:
        rows = []
        for item in items:
            if isinstance(item, str):
                item = self.signature(item)
            digest = np.frombuffer(item, dtype=np.uint32)
            if len(digest) != self.num_perm:
                raise ValueError(f"signature has {len(digest)} values, index expects {self.num_perm}")
            rows.append(digest)
        return np.stack(rows)

    def _store(self, matrix: np.ndarray) -> None:
        self._sig16.append(matrix.astype(np.uint16))

    def _row16(self, ordinal: int) -> np.ndarray:
        # Batches are appended in order; find the batch holding this ordinal.
        start = 0
        for block in self._sig16:
            if ordinal < start + len(block):
                return block[ordinal - start]
            start += len(block)
        raise IndexError(ordinal)

    def _lookup(self, bkeys: np.ndarray, orders: list[np.ndarray] | None) -> dict[int, set[int]]:
        found: dict[int, set[int]] = {}
        for band in range(self.bands):
            column = bkeys[:, band]
            if not self._runs[band]:
                continue
            # Sorted queries walk the runs in order: far fewer cache misses than random probes.
            query_order = orders[band] if orders is not None else np.argsort(column)
            queries = column[query_order]
            for run_keys, run_ords in self._runs[band]:
                if not len(run_keys):
                    continue
                pos = np.searchsorted(run_keys, queries)
                inside = pos < len(run_keys)
                hit = np.zeros(len(queries), dtype=bool)
                hit[inside] = run_keys[pos[inside]] == queries[inside]
                hit &= queries != 0
                for q in np.nonzero(hit)[0]:
                    p = int(pos[q])
                    key = queries[q]
                    bucket = found.setdefault(int(query_order[q]), set())
                    # Every earlier example with that band key (a few at most; cap the scan).
                    end = min(len(run_keys), p + 8)
                    while p < end and run_keys[p] == key:
                        bucket.add(int(run_ords[p]))
                        p += 1
        return found

    def _insert(self, bkeys: np.ndarray, ordinals: np.ndarray, orders: list[np.ndarray]) -> None:
        for band in range(self.bands):
            order = orders[band]
            keys = bkeys[order, band]
            ords = ordinals[order]
            # Empty signatures have key 0 in every band and sort first: leave them out.
            skip = int(np.searchsorted(keys, 0, side="right"))
            runs = self._runs[band]
            runs.append((keys[skip:], ords[skip:]))
            # Tiered merging keeps O(log n) runs of geometric sizes. Older runs come first,
            # so a stable sort keeps equal keys in insertion order.
            while len(runs) >= 2 and len(runs[-2][0]) <= 2 * len(runs[-1][0]):
                (k1, o1), (k2, o2) = runs[-2], runs[-1]
                merged_keys = np.concatenate((k1, k2))
                merged_ords = np.concatenate((o1, o2))
                order = np.argsort(merged_keys, kind="stable")
                runs[-2:] = [(merged_keys[order], merged_ords[order])]

    def _verify(self, ordinal: int | None, candidates: set[int] | None, digest: np.ndarray) -> list[int]:
        if not candidates:
            return []
        ords = sorted(c for c in candidates if ordinal is None or c < ordinal)
        if not ords:
            return []
        digest16 = digest.astype(np.uint16)
        rows = np.stack([self._row16(o) for o in ords])
        equal = np.count_nonzero(rows == digest16, axis=1) / self.num_perm
        # The low 16 bits also agree by chance with probability 2**-16.
        chance = 1.0 / 65536.0
        estimate = (equal - chance) / (1.0 - chance)
        return [self._keys[o] for o, e in zip(ords, estimate) if e >= self.threshold - 1e-9]


def find_leaks(train_index: NearDuplicateIndex, validation: Iterable[tuple[int, str | bytes]]
               ) -> list[tuple[int, list[int]]]:
    """Split leakage (FT204): for each ``(key, text_or_signature)`` of the validation
    set, the training keys it duplicates exactly or nearly. Only leaking keys are listed."""
    leaks: list[tuple[int, list[int]]] = []
    for key, item in validation:
        matches = train_index.query(item)
        if matches:
            leaks.append((key, matches))
    return leaks
