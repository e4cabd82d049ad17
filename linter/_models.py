"""Training context lengths of fine-tunable models, for FT501 when the caller
(the CLI, from the price tables) does not pass one.

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
