"""The compact key sets behind FT301, FT303 and FT204 answer exactly like a dict would."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from linter._keyset import BitFilter, FirstSeen, first_in_batch

_keys = st.integers(min_value=2, max_value=2**64 - 1)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(_keys | st.integers(min_value=2, max_value=40), max_size=60), max_size=30))
def test_first_seen_matches_a_dict(batches: list[list[int]]) -> None:
    index = FirstSeen((np.int64,))
    reference: dict[int, int] = {}
    line = 0
    for batch in batches:
        keys = np.array(batch, dtype=np.uint64)
        lines = np.arange(line + 1, line + 1 + len(batch), dtype=np.int64)
        line += len(batch)
        found, (first_line,) = index.get(keys)
        first = first_in_batch(keys)
        for i, key in enumerate(batch):
            assert found[i] == (key in reference)
            if found[i]:
                assert first_line[i] == reference[key]
            assert batch[first[i]] == key and first[i] == batch.index(key)
        new = ~found & (first == np.arange(len(batch)))
        index.add(keys[new], (lines[new],))
        for i, key in enumerate(batch):
            reference.setdefault(key, int(lines[i]))
    assert index.size == len(reference)


def test_first_seen_many_keys_stay_compact() -> None:
    rng = np.random.default_rng(1)
    index = FirstSeen((np.int64,))
    all_keys = rng.integers(2, 2**63, size=200_000, dtype=np.uint64)
    for start in range(0, len(all_keys), 1_000):
        keys = all_keys[start : start + 1_000]
        index.add(keys, (np.arange(start, start + len(keys)),))
    found, (lines,) = index.get(all_keys[::97])
    assert found.all() and (lines == np.arange(0, 200_000, 97)).all()
    found, _ = index.get(rng.integers(2, 2**63, size=10_000, dtype=np.uint64))
    assert not found.any()
    assert len(index._runs) <= 30  # tiered merging keeps the run count logarithmic
    stored = sum(keys.nbytes + sum(v.nbytes for v in values) for keys, values in index._runs)
    assert stored <= 16 * 200_000


@given(st.lists(_keys, max_size=300))
def test_bit_filter_has_no_false_negatives(keys: list[int]) -> None:
    bit_filter = BitFilter(20, 64)
    array = np.array(sorted(keys), dtype=np.uint64)
    bit_filter.add_sorted(array)
    assert bit_filter.may_contain(array).all()
