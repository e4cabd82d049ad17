"""Compact sets of 64-bit keys for the dataset rules: millions of keys at a few
bytes each, probed a chunk at a time with numpy instead of one dict lookup per
record."""

from __future__ import annotations

import os

import numpy as np

_FANOUT = 8
_MAX_RUN = 1 << 19
"""Runs stop merging at this many keys: merging copies (keys, values and the sort order, some
30 MB at this size), and the copy of one huge run would be the largest allocation of a lint.
The filter keeps extra runs cheap."""


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


# -- spilling to disk ------------------------------------------------------------------------

SPILL_PREFIX = "ftpreflight-spill-"
"""Name prefix of the temporary files that hold spilled keys (where the OS gives them a name
at all: on Linux they are unnamed, see :func:`spill_file`)."""

SPILL_ENTRIES = 1 << 20
"""Keys a :class:`SortedRuns` keeps in memory before writing them to disk as a sorted run (8 MB)."""

SPILL_ROWS_BYTES = 4 << 20
"""Bytes of rows a :class:`SpilledRows` keeps in memory before appending them to its file."""


def spill_file():
    """A temporary file in the OS temp directory (``TMPDIR``) that is gone once closed.

    On Linux it is created unnamed (``O_TMPFILE``), elsewhere named ``ftpreflight-spill-*``
    and unlinked at once: either way nothing is left behind, however the process ends."""
    import tempfile

    return tempfile.TemporaryFile(prefix=SPILL_PREFIX)


def _pwrite_all(fd: int, data: memoryview, offset: int) -> None:
    while len(data):
        written = os.pwrite(fd, data, offset)
        data = data[written:]
        offset += written


def _pread_array(fd: int, dtype, offset: int, count: int) -> np.ndarray:
    size = count * np.dtype(dtype).itemsize
    buffer = bytearray(size)
    view = memoryview(buffer)
    done = 0
    while done < size:
        got = os.preadv(fd, [view[done:]], offset + done)
        if got == 0:
            raise OSError(f"spill file ended early ({done} of {size} bytes at offset {offset})")
        done += got
    return np.frombuffer(buffer, dtype=dtype)


class SortedRuns:
    """A growing set of distinct uint64 entries, read back at the end one key range at a time,
    sorted.

    Entries gather in a buffer of ``spill_entries``; each time it is full it is sorted in
    place and appended to one temporary file as a run, with the position where each of
    ``2**PART_BITS`` key ranges (the top bits of an entry) begins. :meth:`read` takes a range
    of parts from every run and sorts them together: each entry is read once at the end, so
    the runs never need compacting, and memory holds the buffer and one key range, however
    many entries there are. Without spilling (fewer entries than ``spill_entries``) no file
    is made."""

    PART_BITS = 10

    def __init__(self, spill_entries: int | None = None):
        self._capacity = spill_entries or SPILL_ENTRIES
        self._buffer = np.zeros(0, dtype=np.uint64)
        self._buffered = 0
        self._buffer_starts: np.ndarray | None = None
        """Where each part begins in the buffer, once it is sorted for reading."""
        self._file = None
        self._runs: list[tuple[int, np.ndarray]] = []
        """(byte offset in the file, where each part begins in the run: PARTS + 1 positions)."""
        self._end = 0
        self.size = 0

    @property
    def parts(self) -> int:
        return 1 << self.PART_BITS

    @property
    def spilled_runs(self) -> int:
        return len(self._runs)

    def add(self, entries: np.ndarray) -> None:
        entries = np.asarray(entries, dtype=np.uint64)
        self.size += len(entries)
        self._buffer_starts = None
        while len(entries):
            if self._buffered == self._capacity:
                self._spill()
            take = min(len(entries), self._capacity - self._buffered)
            end = self._buffered + take
            if end > len(self._buffer):  # grown by doubling up to its capacity: small sets stay small
                grown = np.zeros(min(self._capacity, max(end, 2 * len(self._buffer))), dtype=np.uint64)
                grown[:self._buffered] = self._buffer[:self._buffered]
                self._buffer = grown
            self._buffer[self._buffered:end] = entries[:take]
            self._buffered = end
            entries = entries[take:]

    def _spill(self) -> None:
        run = self._buffer[:self._buffered]
        run.sort()
        if self._file is None:
            self._file = spill_file()
        _pwrite_all(self._file.fileno(), memoryview(run).cast("B"), self._end)
        self._runs.append((self._end, self._part_starts(run)))
        self._end += run.nbytes
        self._buffered = 0

    def _part_starts(self, run: np.ndarray) -> np.ndarray:
        firsts = np.arange(self.parts, dtype=np.uint64) << np.uint64(64 - self.PART_BITS)
        return np.append(np.searchsorted(run, firsts), len(run))

    def _sorted_buffer(self) -> tuple[np.ndarray, np.ndarray]:
        memory = self._buffer[:self._buffered]
        if self._buffer_starts is None:
            memory.sort()
            self._buffer_starts = self._part_starts(memory)
        return memory, self._buffer_starts

    def part_sizes(self) -> np.ndarray:
        """How many entries each part holds."""
        sizes = np.diff(self._sorted_buffer()[1])
        for _, starts in self._runs:
            sizes = sizes + np.diff(starts)
        return sizes

    def read(self, first: int, end: int) -> np.ndarray:
        """All entries of parts ``first`` .. ``end - 1``, sorted (a new array)."""
        memory, memory_starts = self._sorted_buffer()
        pieces = [memory[memory_starts[first]:memory_starts[end]]]
        for offset, starts in self._runs:
            lo, hi = int(starts[first]), int(starts[end])
            if hi > lo:
                pieces.append(_pread_array(self._file.fileno(), np.uint64, offset + 8 * lo, hi - lo))
        if len(pieces) == 1:
            return pieces[0].copy()
        merged = np.concatenate(pieces)
        merged.sort(kind="stable")  # sorted pieces: timsort merges them
        return merged

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._runs.clear()
        self._buffer = np.zeros(0, dtype=np.uint64)
        self._buffered = 0
        self._buffer_starts = None


def part_ranges(sizes: np.ndarray, target: int) -> list[tuple[int, int]]:
    """Consecutive parts grouped into ranges of about ``target`` entries (one part at least)."""
    ranges = []
    first = 0
    total = 0
    for part, size in enumerate(sizes.tolist()):
        if total and total + size > target:
            ranges.append((first, part))
            first, total = part, 0
        total += size
    ranges.append((first, len(sizes)))
    return ranges


class SpilledRows:
    """Rows of ``width`` values appended in order and read back by position: gathered in a
    buffer of ``spill_bytes``, which is appended to a temporary file each time it is full."""

    _READ_SLICE = 2048
    """Rows gathered from the file per mapping: bounds the mapped pages counted as resident."""

    def __init__(self, dtype, width: int, spill_bytes: int | None = None):
        self._dtype = np.dtype(dtype)
        self._width = width
        self._capacity = max(1, (spill_bytes or SPILL_ROWS_BYTES) // (self._dtype.itemsize * width))
        self._buffer = np.zeros((0, width), dtype=self._dtype)
        self._buffered = 0
        self._file = None
        self._flushed = 0
        self.size = 0

    @property
    def spilled(self) -> int:
        """Rows written to the file."""
        return self._flushed

    def append(self, rows: np.ndarray) -> None:
        rows = np.asarray(rows, dtype=self._dtype).reshape(-1, self._width)
        self.size += len(rows)
        while len(rows):
            if self._buffered == self._capacity:
                self._flush()
            take = min(len(rows), self._capacity - self._buffered)
            end = self._buffered + take
            if end > len(self._buffer):  # grown by doubling up to its capacity
                grown = np.zeros((min(self._capacity, max(end, 2 * len(self._buffer))), self._width),
                                 dtype=self._dtype)
                grown[:self._buffered] = self._buffer[:self._buffered]
                self._buffer = grown
            self._buffer[self._buffered:end] = rows[:take]
            self._buffered = end
            rows = rows[take:]

    def _flush(self) -> None:
        if self._file is None:
            self._file = spill_file()
        row_bytes = self._dtype.itemsize * self._width
        block = self._buffer[:self._buffered]
        _pwrite_all(self._file.fileno(), memoryview(block).cast("B"), self._flushed * row_bytes)
        self._flushed += self._buffered
        self._buffered = 0

    def take(self, positions: np.ndarray) -> np.ndarray:
        """The rows at ``positions`` (any order, repeats allowed), as a ``(n, width)`` array."""
        import mmap

        positions = np.asarray(positions, dtype=np.int64)
        out = np.empty((len(positions), self._width), dtype=self._dtype)
        in_memory = positions >= self._flushed
        if in_memory.any():
            out[in_memory] = self._buffer[positions[in_memory] - self._flushed]
        on_disk = np.flatnonzero(~in_memory)
        if len(on_disk):
            on_disk = on_disk[np.argsort(positions[on_disk], kind="stable")]  # walk the file forwards
            length = self._flushed * self._width * self._dtype.itemsize
            for lo in range(0, len(on_disk), self._READ_SLICE):
                where = on_disk[lo:lo + self._READ_SLICE]
                mapped = mmap.mmap(self._file.fileno(), length, access=mmap.ACCESS_READ)
                try:
                    rows = np.frombuffer(mapped, dtype=self._dtype).reshape(-1, self._width)
                    out[where] = rows[positions[where]]
                    del rows
                finally:
                    mapped.close()
        return out

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._buffer = np.zeros((0, self._width), dtype=self._dtype)
        self._buffered = 0
