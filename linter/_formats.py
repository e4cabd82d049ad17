"""Format detection for fine-tuning records."""

from __future__ import annotations

from typing import Iterator

import orjson

CHAT = "chat"
COMPLETION = "completion"
PREFERENCE = "preference"
REINFORCEMENT = "reinforcement"
KINDS = (CHAT, COMPLETION, PREFERENCE, REINFORCEMENT)

CHAT_TOP_KEYS = frozenset({"messages", "tools", "parallel_tool_calls", "functions", "function_call"})
COMPLETION_KEYS = frozenset({"prompt", "completion"})
PREFERENCE_KEYS = frozenset({"input", "preferred_output", "non_preferred_output"})


def detect_kind(record: dict) -> str | None:
    """The format a record looks like, or None when it matches none."""
    if "messages" in record:
        # Reinforcement records are prompts for a grader: extra keys and no assistant turn.
        # A record with an assistant answer is supervised chat, extra keys or not (FT106).
        for key in record:
            if key not in CHAT_TOP_KEYS:
                messages = record["messages"]
                if isinstance(messages, list) and any(
                        isinstance(m, dict) and m.get("role") == "assistant" for m in messages):
                    return CHAT
                return REINFORCEMENT
        return CHAT
    if "input" in record or "preferred_output" in record or "non_preferred_output" in record:
        return PREFERENCE
    if "prompt" in record or "completion" in record:
        return COMPLETION
    return None


def compatible(record_kind: str, file_kind: str) -> bool:
    """Whether a record of ``record_kind`` belongs in a ``file_kind`` file.

    Chat and reinforcement records are both ``messages`` records: a chat-shaped
    record (no grader keys) is a valid reinforcement record, and a reinforcement-
    shaped record in a chat file is a chat record with unexpected keys (FT106).
    """
    if record_kind == file_kind:
        return True
    return {record_kind, file_kind} == {CHAT, REINFORCEMENT}


def majority_kind(kinds: list[str]) -> str | None:
    """The file's format from a sample of record kinds."""
    counts: dict[str, int] = {}
    for kind in kinds:
        counts[kind] = counts.get(kind, 0) + 1
    if not counts:
        return None
    messages_records = counts.get(CHAT, 0) + counts.get(REINFORCEMENT, 0)
    best = max(counts, key=lambda k: (counts[k], k == CHAT))
    if best in (CHAT, REINFORCEMENT) or messages_records >= counts[best]:
        # Most messages records carrying grader keys make it a reinforcement file.
        return REINFORCEMENT if counts.get(REINFORCEMENT, 0) > counts.get(CHAT, 0) else CHAT
    return best


def iter_objects(path: str) -> Iterator[dict]:
    """The JSON objects of a JSONL file, skipping what does not parse: for quick
    first passes (format sampling, separator inference). The main pass reports
    every bad line."""
    with open(path, "rb") as handle:
        for raw in handle:
            body = raw.strip()
            if body.startswith(b"\xef\xbb\xbf"):
                body = body[3:]
            if not body:
                continue
            try:
                record = orjson.loads(body)
            except Exception:  # noqa: BLE001 - reported by the main pass
                continue
            if isinstance(record, dict):
                yield record
