"""The compact key sets behind FT301, FT303 and FT204 answer exactly like a dict would."""

from __future__ import annotations

import os

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


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(_keys, max_size=80), max_size=25), st.integers(min_value=1, max_value=200),
       st.integers(min_value=1, max_value=300))
def test_sorted_runs_read_back_every_entry_in_order(batches: list[list[int]], spill_entries: int,
                                                    target: int) -> None:
    from linter._keyset import SortedRuns, part_ranges

    runs = SortedRuns(spill_entries=spill_entries)
    distinct: set[int] = set()
    for batch in batches:
        fresh = [key for key in dict.fromkeys(batch) if key not in distinct]
        distinct.update(fresh)
        runs.add(np.array(fresh, dtype=np.uint64))
    try:
        sizes = runs.part_sizes()
        assert sizes.sum() == len(distinct) == runs.size
        ranges = part_ranges(sizes, target)
        assert ranges[0][0] == 0 and ranges[-1][1] == runs.parts
        assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:]))
        read = [runs.read(first, end) for first, end in ranges]
        assert np.concatenate(read).tolist() == sorted(distinct)
        if len(distinct) > spill_entries:
            assert runs.spilled_runs >= 1
        # Reading twice, and adding after reading, still give everything.
        runs.add(np.array([1], dtype=np.uint64))
        assert runs.read(0, runs.parts).tolist() == sorted(distinct | {1})
    finally:
        runs.close()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=40), max_size=30), st.integers(min_value=1, max_value=400),
       st.data())
def test_spilled_rows_give_back_what_was_appended(batch_sizes: list[int], spill_bytes: int, data) -> None:
    from linter._keyset import SpilledRows

    rng = np.random.default_rng(len(batch_sizes))
    rows = SpilledRows(np.uint8, 16, spill_bytes=spill_bytes)
    appended = []
    for size in batch_sizes:
        block = rng.integers(0, 256, size=(size, 16), dtype=np.uint8)
        rows.append(block)
        appended.append(block)
    everything = np.concatenate(appended) if appended else np.zeros((0, 16), dtype=np.uint8)
    try:
        assert rows.size == len(everything)
        if len(everything) > max(1, spill_bytes // 16):  # more rows than fit in the buffer
            assert rows.spilled > 0
        if len(everything):
            positions = np.array(data.draw(st.lists(st.integers(0, len(everything) - 1), max_size=50)),
                                 dtype=np.int64)
            assert np.array_equal(rows.take(positions), everything[positions])
    finally:
        rows.close()


def test_spill_files_are_unnamed_and_gone_when_closed(tmp_path, monkeypatch) -> None:
    """Spilled keys go to the OS temp directory and leave nothing behind there."""
    import tempfile

    from linter._keyset import SortedRuns, SpilledRows

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    runs, rows = SortedRuns(spill_entries=10), SpilledRows(np.int64, 1, spill_bytes=8)
    runs.add(np.arange(2, 100, dtype=np.uint64))
    rows.append(np.arange(50))
    assert runs.spilled_runs >= 1 and rows.spilled >= 1
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith("ftpreflight-spill-")] == []
    descriptors = [os.readlink(f"/proc/self/fd/{fd}") for fd in os.listdir("/proc/self/fd")
                   if os.path.exists(f"/proc/self/fd/{fd}")] if os.path.isdir("/proc/self/fd") else []
    runs.close()
    rows.close()
    assert list(tmp_path.iterdir()) == []
    if descriptors:
        after = [os.readlink(f"/proc/self/fd/{fd}") for fd in os.listdir("/proc/self/fd")
                 if os.path.exists(f"/proc/self/fd/{fd}")]
        assert sum(str(tmp_path) in d for d in after) == 0 < sum(str(tmp_path) in d for d in descriptors)
