"""Training context lengths and trainable data formats of fine-tunable models, for
FT501 and FT205 when the caller (the CLI, from the price tables) does not pass them.

Source: OpenAI fine-tuning guide, "Token limits" (platform.openai.com/docs/guides/fine-tuning).
The price tables in ``pricing/`` carry the same numbers; a test keeps them equal.
"""

from __future__ import annotations

from ._tokens import base_model_name

_TRAINING_CONTEXT: tuple[tuple[str, int], ...] = (
    ("gpt-4.1-nano", 65_536),
    ("gpt-4.1-mini", 65_536),
    ("gpt-4.1", 65_536),
    ("gpt-4o-mini", 65_536),
    ("gpt-4o", 65_536),
    ("gpt-3.5-turbo-0613", 4_096),
    ("gpt-3.5-turbo", 16_385),
    ("davinci-002", 16_384),
    ("babbage-002", 16_384),
)


def context_for_model(model: str) -> int | None:
    """The model's training context in tokens, or None when unknown (FT501 then stays silent)."""
    name = base_model_name(model).lower()
    for prefix, tokens in _TRAINING_CONTEXT:
        if name.startswith(prefix):
            return tokens
    return None


_TRAINABLE_FORMATS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("gpt-4.1-nano", ("chat", "preference")),
    ("gpt-4.1-mini", ("chat", "preference")),
    ("gpt-4.1", ("chat", "preference")),
    ("gpt-4o-mini", ("chat",)),
    ("gpt-4o", ("chat",)),
    ("gpt-3.5-turbo", ("chat",)),
    ("davinci-002", ("completion",)),
    ("babbage-002", ("completion",)),
    ("o4-mini", ("reinforcement",)),
)
"""Formats a job on the model trains on (chat: supervised; preference: DPO; reinforcement:
RFT; completion: the legacy base models). The built-in OpenAI price table carries the same
facts as ``data_formats`` and ``methods``; a test keeps them equal."""


def formats_for_model(model: str) -> tuple[str, ...] | None:
    """The data formats the model can be fine-tuned on, or None when unknown (FT205 then stays silent)."""
    name = base_model_name(model).lower()
    for prefix, formats in _TRAINABLE_FORMATS:
        if name.startswith(prefix):
            return formats
    return None


def models_for_format(kind: str) -> list[str]:
    """Built-in model families that train on ``kind`` data, for FT205's hint."""
    return [prefix for prefix, formats in _TRAINABLE_FORMATS if kind in formats]
