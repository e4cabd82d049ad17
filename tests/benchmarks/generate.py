"""Generate the benchmark dataset: ~200,000 chat examples (~350 MB) with a shared
system prompt, multi-turn conversations and a few examples over 65,536 tokens.

    python -m tests.benchmarks.generate tests/benchmarks/data/bench.jsonl [--examples N] [--messy F]

With ``--messy F`` a share F of the examples gets an email address and a phone number in its
last answer, and another share F is a copy of an earlier example with one word changed (a
near-duplicate): data with findings, to see what they cost next to the clean benchmark.

Deterministic for a given seed; written atomically.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile

import orjson

_WORDS = (
    "order shipping return refund jacket boots size exchange delivery tracking warranty invoice account "
    "password email address package store online discount coupon payment card receipt weather trail hiking "
    "tent sleeping bag waterproof zipper stitching colour colour fabric cotton wool merino layer insulated "
    "please thanks could would should sorry help question issue problem today tomorrow week month days "
    "the a an to of and in for on with at by from about as into like through after over between out against "
    "during without before under around among is are was were be been being have has had do does did can "
    "will just not no yes we you they it this that these those my your our their which who what when where "
    "why how all any both each few more most other some such only own same so than too very one two three"
).split()
_SYSTEM = ("You are Northwind Outfitters' support assistant. Answer politely and concisely, cite the order "
           "number when the customer gives one, never promise refunds before the return is received, and "
           "hand over to a human agent when the customer asks for one.")


def _sentence(rng: random.Random, low: int, high: int) -> str:
    words = rng.choices(_WORDS, k=rng.randint(low, high))
    text = " ".join(words)
    return text[0].upper() + text[1:] + rng.choice(".?!.")


def _paragraph(rng: random.Random, sentences: int) -> str:
    return " ".join(_sentence(rng, 6, 22) for _ in range(sentences))


def example(rng: random.Random, index: int, huge: bool = False) -> dict:
    messages = [{"role": "system", "content": _SYSTEM}]
    turns = rng.choice((1, 1, 2, 2, 3))
    for _ in range(turns):
        messages.append({"role": "user", "content": f"#{index} " + _paragraph(rng, rng.randint(1, 5))})
        messages.append({"role": "assistant", "content": _paragraph(rng, rng.randint(2, 9))})
    if huge:
        messages[1]["content"] += " " + _paragraph(rng, 6000)
    return {"messages": messages}


def _messy(rng: random.Random, index: int, record: dict, earlier: list[dict], share: float) -> dict:
    if earlier and rng.random() < share:
        record = orjson.loads(orjson.dumps(rng.choice(earlier)))
        answer = record["messages"][-1]
        words = answer["content"].split(" ")
        words[rng.randrange(len(words))] = "changed"
        answer["content"] = " ".join(words)
    if rng.random() < share:
        record["messages"][-1]["content"] += (f" Write to customer{index}@acme-outdoor.com or call "
                                              f"+44 20 7946 {rng.randint(1000, 9999)}.")
    if len(earlier) < 5_000:
        earlier.append(record)
    elif rng.random() < 0.01:
        earlier[rng.randrange(len(earlier))] = record
    return record


def generate(path: str, examples: int = 200_000, seed: int = 7, huge_every: int = 50_000,
             messy: float = 0.0) -> None:
    rng = random.Random(seed)
    earlier: list[dict] = []
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            for i in range(examples):
                huge = huge_every > 0 and i % huge_every == huge_every // 2
                record = example(rng, i, huge)
                if messy:
                    record = _messy(rng, i, record, earlier, messy)
                handle.write(orjson.dumps(record) + b"\n")
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path")
    parser.add_argument("--examples", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--messy", type=float, default=0.0, metavar="F",
                        help="share of examples with planted PII, and share that are near-duplicates")
    args = parser.parse_args()
    generate(args.path, args.examples, args.seed, messy=args.messy)


if __name__ == "__main__":
    main()
