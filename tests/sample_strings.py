"""Every string in the bundled sample files: real-shaped text for tokenizer comparisons."""

from __future__ import annotations

from pathlib import Path

import orjson

SAMPLES = Path(__file__).resolve().parents[1] / "sample_data"


def sample_strings(names: tuple[str, ...] | None = None, *, keys: bool = False,
                   unparseable: bool = False) -> list[str]:
    """The strings of the sample files ``names`` (default: all), in file order. ``keys``: the
    objects' keys too; ``unparseable``: lines that are not JSON, as text."""
    out: list[str] = []

    def walk(value) -> None:
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, dict):
            for key, item in value.items():
                if keys:
                    out.append(key)
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    paths = sorted(SAMPLES.glob("*.jsonl")) if names is None else [SAMPLES / name for name in names]
    for path in paths:
        for line in path.read_bytes().splitlines():
            try:
                walk(orjson.loads(line))
            except orjson.JSONDecodeError:
                if unparseable:
                    out.append(line.decode("utf-8", "replace"))
    return out
