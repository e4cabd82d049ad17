"""Write the pre-parsed rank files (``*.ranks.pickle``) from the bundled rank files, and
(on a Python whose Unicode database is 14.0.0, i.e. 3.11) ``linter/_assigned.py``.

    python -m tests.tools.write_rank_pickles

Each pickle is the tokens' bytes in rank order, one pickled tuple (pickle protocol 5,
which every supported Python reads). Run it after changing a rank file, then pin the
sha256 it prints in ``_PARSED_RANKS`` (linter/_tokens.py); tests/test_quick_tokens.py
checks each pickle against its rank file, and the Python encoder against tiktoken for
every code point ``_assigned.py`` lists.
"""

from __future__ import annotations

import gzip
import hashlib
import pickle
import unicodedata
from pathlib import Path

from linter._atomic import atomic_output
from linter._tokens import _PARSED_RANKS, _SPECS, parse_ranks

ENCODINGS = Path(__file__).resolve().parents[2] / "linter" / "encodings"


def tokens_in_rank_order(source: str) -> tuple[bytes, ...]:
    """The tokens of the bundled rank file ``source``, in rank order (its ranks must run
    0, 1, 2, ... without a gap, as in every bundled file)."""
    spec = next(spec for spec in _SPECS.values() if spec.file == source)
    blob = gzip.decompress((ENCODINGS / source).read_bytes())
    ranks = parse_ranks(blob, spec.sha256, source)
    tokens = sorted(ranks, key=ranks.__getitem__)
    if [ranks[token] for token in tokens] != list(range(len(tokens))):
        raise SystemExit(f"{source}: ranks are not 0..{len(tokens) - 1}")
    return tuple(tokens)


ASSIGNED_VERSION = "14.0.0"


def assigned_ranges() -> list[tuple[int, int]]:
    """The code points this Python's Unicode database has assigned (surrogates left out),
    as inclusive ranges."""
    ranges: list[tuple[int, int]] = []
    start = None
    for point in range(0x110001):
        assigned = point <= 0x10FFFF and not 0xD800 <= point < 0xE000 and unicodedata.category(chr(point)) != "Cn"
        if assigned and start is None:
            start = point
        elif not assigned and start is not None:
            ranges.append((start, point - 1))
            start = None
    return ranges


def write_assigned(path: Path) -> None:
    pairs = " ".join(f"{a:x}-{b:x}" for a, b in assigned_ranges())
    lines = [pairs[i:i + 96] for i in range(0, len(pairs), 96)]
    body = "\n".join(f"    {line!r}" for line in lines)
    text = (
        f'"""Code points assigned in Unicode {ASSIGNED_VERSION} (written by ``python -m tests.tools.write_rank_pickles``\n'
        'from Python 3.11\'s unicodedata): inclusive ranges, hexadecimal. The Python encoder\n'
        '(linter._bpe) splits only text made of these; tiktoken, whose Unicode tables may be\n'
        'older or newer than the ``regex`` module\'s, classifies later ones differently."""\n\n'
        f"RANGES = (\n{body}\n)\n"
    )
    with atomic_output(path, text=True, mode=0o644) as out:
        out.write(text)


def main() -> None:
    assigned = ENCODINGS.parent / "_assigned.py"
    if unicodedata.unidata_version == ASSIGNED_VERSION:
        write_assigned(assigned)
        print(f"{assigned.name}: code points assigned in Unicode {ASSIGNED_VERSION}")
    else:
        print(f"{assigned.name} kept: this Python's Unicode database is {unicodedata.unidata_version}, "
              f"not {ASSIGNED_VERSION} (use Python 3.11)")
    for source, (target, _) in _PARSED_RANKS.items():
        data = pickle.dumps(tokens_in_rank_order(source), protocol=5)
        with atomic_output(ENCODINGS / target, mode=0o644) as out:
            out.write(data)
        print(f"{target}: {len(data):,} bytes, sha256 {hashlib.sha256(data).hexdigest()}")


if __name__ == "__main__":
    main()
