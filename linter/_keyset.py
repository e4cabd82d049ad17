"""Compact sets of 64-bit keys for the dataset rules: millions of keys at a few
bytes each, probed a chunk at a time with numpy instead of one dict lookup per
record."""

from __future__ import annotations

import numpy as np

_FANOUT = 8
_MAX_RUN = 1 << 20
"""Runs stop merging at this many keys: merging copies, and a copy of one huge run
would be the largest allocation of a lint. The filter keeps extra runs cheap."""


class BitFilter:
    """A one-hash Bloom filter over the top ``bits`` bits of a key's ``width``-bit value:
    "certainly new" for most keys, so lookups skip the sorted runs."""

    def __init__(self, bits: int, width: int):
        self._shift = np.uint64(width - bits)
        self._bytes = np.zeros(1 << (bits - 3), dtype=np.uint8)

    def _slots(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        slot = keys >> self._shift
        return (slot >> np.uint64(3)).astype(np.int64), np.left_shift(1, (slot & np.uint64(7)).astype(np.uint8),
                                                                        dtype=np.uint8)

    def may_contain(self, keys: np.ndarray) -> np.ndarray:
        byte, bit = self._slots(keys)
        return (self._bytes[byte] & bit) != 0

    def add_sorted(self, keys: np.ndarray) -> None:
        """Add keys given in ascending order (so their filter bytes are ascending too)."""
        if not len(keys):
            return
        byte, bit = self._slots(keys)
        starts = np.flatnonzero(np.diff(byte, prepend=-1))
        self._bytes[byte[starts]] |= np.bitwise_or.reduceat(bit, starts)


def merge_runs(runs: list, merge, size=len) -> None:
    """Size-tiered merging: once the last ``_FANOUT`` runs are of about the same size they
    become one (up to ``_MAX_RUN`` keys). Each key is merged O(log n / log fanout) times,
    and there are at most ``_FANOUT`` runs per size tier."""
    while (len(runs) >= _FANOUT and size(runs[-_FANOUT]) <= 2 * size(runs[-1])
           and sum(size(run) for run in runs[-_FANOUT:]) <= _MAX_RUN):
        runs[-_FANOUT:] = [merge(runs[-_FANOUT:])]


class FirstSeen:
    """64-bit key -> the values stored at its first occurrence, for millions of keys.

    Keys live in sorted runs (merged geometrically, so there are O(log n) of them)
    with their values in parallel arrays, behind a 2**24-bit filter: about 8 bytes
    per key plus the values, where a Python dict takes over 100."""

    def __init__(self, dtypes: tuple = (np.int64,)):
        self._dtypes = dtypes
        self._runs: list[tuple[np.ndarray, tuple[np.ndarray, ...]]] = []
        self._filter = BitFilter(24, 64)
        self.size = 0

    def get(self, keys: np.ndarray) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
        """(found mask, values) for ``keys``; values are 0 where not found."""
        found = np.zeros(len(keys), dtype=bool)
        values = tuple(np.zeros(len(keys), dtype=dtype) for dtype in self._dtypes)
        if not self._runs or not len(keys):
            return found, values
        maybe = np.flatnonzero(self._filter.may_contain(keys))
        if not len(maybe):
            return found, values
        # Sorted queries walk each run forwards: far fewer cache misses.
        maybe = maybe[np.argsort(keys[maybe])]
        queries = keys[maybe]
        for run_keys, run_values in self._runs:
            pos = np.searchsorted(run_keys, queries)
            inside = pos < len(run_keys)
            hit = np.zeros(len(queries), dtype=bool)
            hit[inside] = run_keys[pos[inside]] == queries[inside]
            if hit.any():
                where = maybe[hit]
                found[where] = True
                for target, source in zip(values, run_values):
                    target[where] = source[pos[hit]]
        return found, values

    def add(self, keys: np.ndarray, values: tuple[np.ndarray, ...]) -> None:
        """Store new keys (unique, and not stored before) with their values."""
        if not len(keys):
            return
        order = np.argsort(keys)
        run_keys = keys[order]
        self._filter.add_sorted(run_keys)
        self._runs.append((run_keys, tuple(np.asarray(v, dtype=d)[order] for v, d in zip(values, self._dtypes))))
        self.size += len(keys)
        merge_runs(self._runs, size=lambda run: len(run[0]), merge=_merge_valued)


def _merge_valued(runs):
    merged = np.concatenate([keys for keys, _ in runs])
    order = np.argsort(merged, kind="stable")  # sorted runs: timsort merges them
    return merged[order], tuple(np.concatenate(parts)[order] for parts in zip(*(values for _, values in runs)))


def first_in_batch(keys: np.ndarray) -> np.ndarray:
    """For each position, the position of the first equal key in ``keys``."""
    n = len(keys)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    starts = np.ones(n, dtype=bool)
    starts[1:] = ordered[1:] != ordered[:-1]
    group_first = order[np.maximum.accumulate(np.where(starts, np.arange(n), 0))]
    first = np.empty(n, dtype=np.int64)
    first[order] = group_first
    return first
