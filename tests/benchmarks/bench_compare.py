"""Benchmark: ``ftpreflight cost FILE --compare`` (every loaded provider, each row counted
with its own tokenizer) against ``ftpreflight cost FILE`` on the same chat-with-tools file,
measured side by side in one run.

    python -m tests.benchmarks.bench_compare [--examples 20000] [--repeat 3]

The comparison counts the file once more with every other bundled encoding among the
models still taking jobs, all in one counting-only pass (``linter.count_examples``), so the
ratio is roughly 1 + (that pass / a full lint); the output names the encodings it counted
with. The two commands run in turn within each round (the machine is shared: load affects
both alike), and the best of the rounds is kept for each.

It then times the counting alone, the same way: the other encodings counted with one
counting-only lint each (what ``cost --compare`` did before) against one counting pass.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import random
import tempfile
import time
from pathlib import Path

from tui.cli import main as cli

_WORDS = ("order parcel jacket size return refund courier tracking stock colour boots warranty invoice "
          "address delivery exchange discount loyalty points Größe Rücksendung 配送 返品").split()


def generate(path: Path, examples: int, seed: int = 14) -> None:
    """Support chats with a tool call, its result and an answer (what a migration file looks like)."""
    rng = random.Random(seed)
    tools = [{"type": "function", "function": {"name": "get_order_status", "description": "Look up an order.",
                                                "parameters": {"type": "object",
                                                               "properties": {"order_id": {"type": "string"}}}}}]
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(examples):
            question = " ".join(rng.choices(_WORDS, k=rng.randint(8, 60)))
            answer = " ".join(rng.choices(_WORDS, k=rng.randint(10, 120)))
            handle.write(json.dumps({"tools": tools, "messages": [
                {"role": "system", "content": "You are Northwind's support assistant."},
                {"role": "user", "content": f"NW-{i}: {question}?"},
                {"role": "assistant", "tool_calls": [{"id": f"call_{i}", "type": "function", "function": {
                    "name": "get_order_status", "arguments": json.dumps({"order_id": f"NW-{i}"})}}]},
                {"role": "tool", "tool_call_id": f"call_{i}", "content": '{"status": "in_transit"}'},
                {"role": "assistant", "content": answer + "."},
            ]}, ensure_ascii=False) + "\n")


def _once(argv: list[str]) -> tuple[float, str]:
    buffer = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(io.StringIO()):
        code = cli(argv)
    took = time.perf_counter() - started
    assert code == 0, f"{argv} exited {code}"
    return took, buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tools.jsonl"
        generate(path, args.examples)
        base = ["cost", str(path), "--model", "gpt-4o-mini", "--requests-per-month", "10000", "--format", "json"]
        single = compared = float("inf")
        out = ""
        for _ in range(args.repeat):
            took, _ = _once(base)
            single = min(single, took)
            took, out = _once([*base, "--compare"])
            compared = min(compared, took)
        rows = json.loads(out)["compare"]
        encodings = sorted({r["counted_with"] for r in rows if r["counted_with"]})
        size = path.stat().st_size / 1e6
        print(f"file: {args.examples:,} chat-with-tools examples, {size:.1f} MB")
        print(f"cost            {single:7.2f} s")
        print(f"cost --compare  {compared:7.2f} s  ({len(rows)} rows from "
              f"{len({r['provider'] for r in rows})} providers; counted with {', '.join(encodings)})")
        print(f"ratio           {compared / single:7.2f}x")
        from linter import LintConfig, count_examples, lint_path

        others = [e for e in encodings if e != "o200k_base"]
        plain = Path(tmp) / "chat.jsonl"
        from .generate import generate as generate_chat

        generate_chat(str(plain), args.examples)
        for label, target in (("chat-with-tools", path), ("plain chat (generate.py)", plain)):
            lints = one_pass = float("inf")
            for _ in range(args.repeat):
                started = time.perf_counter()
                for encoding in others:
                    lint_path(target, LintConfig(encoding=encoding, select=["FT101"]))
                lints = min(lints, time.perf_counter() - started)
                started = time.perf_counter()
                count_examples(target, others, LintConfig())
                one_pass = min(one_pass, time.perf_counter() - started)
            print(f"counting {', '.join(others)} on the {label} file ({target.stat().st_size / 1e6:.1f} MB): "
                  f"a lint each {lints:.2f} s, one pass {one_pass:.2f} s ({lints / one_pass:.2f}x)")


if __name__ == "__main__":
    main()
