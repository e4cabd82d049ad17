"""Unit tests for linter.neardup."""

from __future__ import annotations

import pickle
import random

from linter.neardup import NearDuplicateIndex, find_leaks, jaccard, signature, signatures

WORDS = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa quebec romeo sierra tango".split()


def text(rng: random.Random, n: int = 120) -> str:
    return " ".join(rng.choice(WORDS) + str(rng.randint(0, 50)) for _ in range(n))


def test_signature_is_compact_deterministic_and_picklable() -> None:
    sig = signature("the same words in the same order")
    assert isinstance(sig, bytes) and len(sig) == 512
    assert sig == signature("The  same words\nin the same   ORDER")  # case and spacing do not matter
    assert pickle.loads(pickle.dumps(sig)) == sig
    assert signatures(["a b c", "d e f"]) == [signature("a b c"), signature("d e f")]


def test_exact_and_near_duplicates_found_distinct_not() -> None:
    rng = random.Random(3)
    base = text(rng)
    words = base.split()
    words[10] = "changed"
    words[70] = "edited"
    index = NearDuplicateIndex()
    assert index.add(10, base) == []
    assert index.add(11, text(rng)) == []
    assert index.add(12, base) == [10]
    assert index.add(13, " ".join(words)) == [10, 12]
    assert len(index) == 4


def test_signatures_from_workers_match_text_path() -> None:
    rng = random.Random(5)
    base = text(rng)
    by_text, by_sig = NearDuplicateIndex(), NearDuplicateIndex()
    for key, item in enumerate([base, text(rng), base]):
        assert by_text.add(key, item) == by_sig.add(key, by_text.signature(item))


def test_threshold_is_configurable() -> None:
    rng = random.Random(9)
    base = text(rng, 40)
    words = base.split()
    for i in range(0, 40, 5):
        words[i] = "x"
    other = " ".join(words)
    assert jaccard(signature(base), signature(other)) < 0.8
    strict, loose = NearDuplicateIndex(0.8), NearDuplicateIndex(0.15)
    strict.add(1, base)
    loose.add(1, base)
    assert strict.add(2, other) == []
    assert loose.add(2, other) == [1]


def test_find_leaks_does_not_modify_index() -> None:
    rng = random.Random(11)
    train = [text(rng) for _ in range(20)]
    index = NearDuplicateIndex()
    for key, item in enumerate(train):
        index.add(key, item)
    validation = [(100, train[4]), (101, text(rng)), (102, signature(train[7]))]
    assert find_leaks(index, validation) == [(100, [4]), (102, [7])]
    assert len(index) == 20


def test_index_grows_and_stays_correct() -> None:
    rng = random.Random(13)
    index = NearDuplicateIndex(initial_capacity=64)
    texts = [text(rng, 30) for _ in range(3000)]
    for key, item in enumerate(texts):
        assert index.add(key, item) == []
    assert index.add(9999, texts[1234]) == [1234]
    assert index.add(10000, "") == []


def test_band_keys_mark_only_empty_signatures() -> None:
    import numpy as np

    from linter.neardup import band_keys

    matrix = np.random.default_rng(4).integers(0, 2**32 - 1, size=(4, 128), dtype=np.uint64).astype(np.uint32)
    matrix[1] = 0xFFFFFFFF  # an example without a single shingle
    matrix[2, 0] = 0xFFFFFFFF  # a real signature that happens to start with the sentinel
    keys = band_keys(matrix, 18, 7)
    assert (keys[1] == 0).all()
    assert (keys[[0, 2, 3]] != 0).all()
    # Equal bands give equal keys, different bands different ones.
    twin = matrix[0].copy()
    twin[7:] = matrix[3, 7:]
    twin_keys = band_keys(np.stack([matrix[0], twin]), 18, 7)
    assert twin_keys[0, 0] == twin_keys[1, 0] and (twin_keys[0, 1:] != twin_keys[1, 1:]).all()


def _brute_force(bkeys, sig8, threshold):
    """Earlier rows sharing a band key whose 8-bit signatures agree enough, row by row."""
    import numpy as np

    out = []
    for i in range(len(bkeys)):
        found = []
        for j in range(i):
            if np.intersect1d(bkeys[i][bkeys[i] != 0], bkeys[j][bkeys[j] != 0]).size:
                equal = np.count_nonzero(sig8[i] == sig8[j]) / sig8.shape[1]
                if (equal - 1 / 256) / (1 - 1 / 256) >= threshold - 1e-9:
                    found.append(j)
        out.append(found)
    return out


def test_index_batches_match_a_brute_force_search() -> None:
    """Clusters of close copies (up to 6 of each), added in uneven batches: every batch
    split finds exactly the pairs a row-by-row search finds."""
    import numpy as np

    rng = np.random.default_rng(3)
    originals = 120
    bkeys = rng.integers(1, 2**32, size=(originals, 18), dtype=np.uint64).astype(np.uint32)
    sig8 = rng.integers(0, 256, size=(originals, 128), dtype=np.uint8)
    rows_b, rows_s = [bkeys], [sig8]
    for _ in range(5):  # copies: some band keys kept, some signature values changed
        pick = rng.integers(0, originals, size=originals // 3)
        copy_b, copy_s = bkeys[pick].copy(), sig8[pick].copy()
        copy_b[rng.random(copy_b.shape) < 0.5] = rng.integers(1, 2**32, dtype=np.uint64)
        changed = rng.random(copy_s.shape) < rng.choice([0.05, 0.4], size=(len(pick), 1))
        copy_s[changed] = rng.integers(0, 256, size=int(changed.sum()), dtype=np.uint8)
        rows_b.append(copy_b)
        rows_s.append(copy_s)
    order = rng.permutation(sum(len(b) for b in rows_b))
    bkeys, sig8 = np.concatenate(rows_b)[order], np.concatenate(rows_s)[order]
    expected = _brute_force(bkeys, sig8, 0.8)
    assert sum(map(len, expected)) > 50
    for cuts in ([len(bkeys)], [1] * len(bkeys), [7, 50, 3, 100, 1000]):
        index = NearDuplicateIndex(threshold=0.8)
        got, at = [], 0
        for size in cuts:
            if at >= len(bkeys):
                break
            got += index.add_compact(list(range(at, min(len(bkeys), at + size))), bkeys[at:at + size],
                                     sig8[at:at + size])
            at += size
        assert got == expected
        queried = index.query_compact(bkeys[:40], sig8[:40])
        assert all(i in found for i, found in enumerate(queried))  # each row finds itself


def test_signatures_are_the_same_however_the_rows_are_grouped(monkeypatch) -> None:
    import numpy as np

    from linter import neardup

    rng = np.random.default_rng(8)
    lengths = rng.integers(0, 400, size=300)
    lengths[[5, 6, 100]] = [0, 2, 5000]  # empty, shorter than a shingle, longer than a group
    raw = rng.integers(0, 150_000, size=int(lengths.sum()), dtype=np.uint32)
    whole = neardup.flat_signature_matrix(raw, lengths)
    monkeypatch.setattr(neardup, "_SLICE_TOKENS", 1000)
    assert np.array_equal(neardup.flat_signature_matrix(raw, lengths), whole)


def _clusters(seed: int, originals: int = 120, copies: int = 5):
    """Band keys and 8-bit signatures of originals and their close copies, shuffled."""
    import numpy as np

    rng = np.random.default_rng(seed)
    bkeys = rng.integers(1, 2**32, size=(originals, 18), dtype=np.uint64).astype(np.uint32)
    sig8 = rng.integers(0, 256, size=(originals, 128), dtype=np.uint8)
    rows_b, rows_s = [bkeys], [sig8]
    for _ in range(copies):  # some band keys kept, some signature values changed
        pick = rng.integers(0, originals, size=originals // 3)
        copy_b, copy_s = bkeys[pick].copy(), sig8[pick].copy()
        copy_b[rng.random(copy_b.shape) < 0.5] = rng.integers(1, 2**32, dtype=np.uint64)
        changed = rng.random(copy_s.shape) < rng.choice([0.05, 0.4], size=(len(pick), 1))
        copy_s[changed] = rng.integers(0, 256, size=int(changed.sum()), dtype=np.uint8)
        rows_b.append(copy_b)
        rows_s.append(copy_s)
    order = rng.permutation(sum(len(b) for b in rows_b))
    return np.concatenate(rows_b)[order], np.concatenate(rows_s)[order]


def test_spilled_index_matches_a_brute_force_search_in_memory_and_on_disk() -> None:
    """However the rows are batched and however early the keys spill to disk, the
    end-of-file search finds exactly the pairs a row-by-row search finds."""
    from linter.neardup import SpilledNearDuplicates

    bkeys, sig8 = _clusters(3)
    bkeys[17] = 0  # an example without a single shingle matches nothing
    expected = [(i, found) for i, found in enumerate(_brute_force(bkeys, sig8, 0.8)) if found]
    assert len(expected) > 40
    for cuts, spill_entries, spill_bytes in (([len(bkeys)], None, None), ([1] * len(bkeys), 7, 100),
                                             ([7, 50, 3, 100, 1000], 300, 4096), ([64] * 10, 1, 1)):
        index = SpilledNearDuplicates(0.8, spill_entries=spill_entries, spill_bytes=spill_bytes)
        at = 0
        for size in cuts:
            rows = range(at, min(len(bkeys), at + size))
            index.add_compact([1000 + i for i in rows], bkeys[rows.start:rows.stop], sig8[rows.start:rows.stop])
            at = rows.stop
        assert index.spilled == (spill_entries is not None)
        assert index.near_duplicates() == [(1000 + i, [1000 + j for j in found]) for i, found in expected]
        index.close()


def test_spilled_leaks_match_a_brute_force_search() -> None:
    """A validation set's rows are matched against every training row, spilled or not."""
    import numpy as np

    from linter.neardup import SpilledNearDuplicates

    bkeys, sig8 = _clusters(5)
    train, valid = slice(0, 150), slice(150, None)
    full = _brute_force(bkeys, sig8, 0.8)
    expected = [(i, [j for j in full[i] if j < 150]) for i in range(150, len(bkeys))]
    expected = [(i, found) for i, found in expected if found]
    assert len(expected) > 10
    for spill_entries in (None, 5):
        train_index = SpilledNearDuplicates(0.8, spill_entries=spill_entries, spill_bytes=spill_entries)
        queries = SpilledNearDuplicates(0.8, spill_entries=spill_entries, spill_bytes=spill_entries)
        train_index.add_compact(list(range(150)), bkeys[train], sig8[train])
        assert train_index.near_duplicates() == [(i, found) for i, found in enumerate(full[:150]) if found]
        for start in range(150, len(bkeys), 40):
            rows = np.arange(start, min(start + 40, len(bkeys)))
            queries.add_compact(rows.tolist(), bkeys[rows], sig8[rows])
        assert queries.leaks(train_index) == expected
        train_index.close()
        queries.close()


def test_big_clusters_pair_each_copy_with_the_earliest_ones() -> None:
    """30 identical signatures: each copy is checked against the 8 earliest, not all before it."""
    import numpy as np

    from linter.neardup import SpilledNearDuplicates

    rng = np.random.default_rng(9)
    bkeys = np.repeat(rng.integers(1, 2**32, size=(1, 18), dtype=np.uint64).astype(np.uint32), 30, axis=0)
    sig8 = np.repeat(rng.integers(0, 256, size=(1, 128), dtype=np.uint8), 30, axis=0)
    for spill_entries in (None, 20):
        index = SpilledNearDuplicates(0.8, spill_entries=spill_entries)
        index.add_compact(list(range(30)), bkeys, sig8)
        assert index.near_duplicates() == [(i, list(range(min(i, 8)))) for i in range(1, 30)]
        index.close()


def _messy_files(tmp_path):
    """A training file with exact and near copies, PII, a blank line and a broken line, and a
    validation file with exact, near and unrelated copies of its examples."""
    import orjson

    from tests.benchmarks.generate import generate

    train = tmp_path / "train.jsonl"
    generate(str(train), 2500, seed=3, huge_every=0, messy=0.2)
    lines = train.read_bytes().splitlines()
    lines[40:40] = [b"", b'{"messages": [{"role": "user", "content": "broken'] + lines[5:8]
    train.write_bytes(b"\n".join(lines) + b"\n")
    rng = random.Random(4)
    valid = []
    for i in range(400):
        record = orjson.loads(lines[rng.randrange(45, len(lines))])
        answer = record["messages"][-1]
        if i % 3 == 1:
            words = answer["content"].split(" ")
            words[rng.randrange(len(words))] = "different"
            answer["content"] = " ".join(words)
        elif i % 3 == 2:
            answer["content"] = f"Unrelated {i}: " + answer["content"][::-1]
        valid.append(orjson.dumps(record))
    validation = tmp_path / "valid.jsonl"
    validation.write_bytes(b"\n".join(valid) + b"\n")
    return train, validation


def _dataset_findings(report) -> list[tuple]:
    return sorted((d.path, d.line or 0, d.code, d.message, d.related_lines) for d in report.diagnostics
                  if d.code in ("FT204", "FT301", "FT302", "FT303"))


def test_lint_reports_the_same_whether_or_not_keys_spill(tmp_path, monkeypatch) -> None:
    """Forcing the dataset keys to disk after 1,000 entries changes no finding, and every
    spill file is closed (so deleted) by the end of the lint."""
    from linter import LintConfig, lint_path
    from linter import _keyset

    train, validation = _messy_files(tmp_path)
    config = LintConfig(jobs=1, max_diagnostics_per_rule=100_000)
    in_memory = _dataset_findings(lint_path(train, config, validation=validation))
    codes = {finding[2] for finding in in_memory}
    assert codes == {"FT204", "FT301", "FT302", "FT303"}
    assert sum(f[2] == "FT204" and f[3].startswith("nearly") for f in in_memory) > 50
    assert sum(f[2] == "FT302" for f in in_memory) > 100

    opened = []

    def spill_file():
        handle = real_spill_file()
        opened.append(handle)
        return handle

    real_spill_file = _keyset.spill_file
    monkeypatch.setattr(_keyset, "spill_file", spill_file)
    monkeypatch.setattr(_keyset, "SPILL_ENTRIES", 1_000)
    monkeypatch.setattr(_keyset, "SPILL_ROWS_BYTES", 4_096)
    assert _dataset_findings(lint_path(train, config, validation=validation)) == in_memory
    assert len(opened) >= 6  # band keys, signatures and line numbers of both files
    assert all(handle.closed for handle in opened)


def test_cancelled_lint_deletes_its_spill_files(tmp_path, monkeypatch) -> None:
    import pytest

    from linter import LintCancelled, LintConfig, LintObserver, lint_path
    from linter import _keyset

    train, _ = _messy_files(tmp_path)
    opened = []
    real_spill_file = _keyset.spill_file
    monkeypatch.setattr(_keyset, "spill_file", lambda: opened.append(real_spill_file()) or opened[-1])
    monkeypatch.setattr(_keyset, "SPILL_ENTRIES", 1_000)

    class StopAfterOneChunk(LintObserver):
        chunks = 0

        def on_progress(self, path, done, total):
            self.chunks += 1

        def is_cancelled(self):
            return self.chunks >= 2

    with pytest.raises(LintCancelled):
        lint_path(train, LintConfig(jobs=1), StopAfterOneChunk())
    assert opened and all(handle.closed for handle in opened)
