"""Provider profiles: what each fine-tuning provider accepts, and which rules apply to it.

``--provider`` (or ``provider = "..."`` in the config) picks one profile. A profile sets the
provider's own limits (upload size, fewest examples) and decides which rules are in scope:

- generic rules (the file as bytes, JSON syntax, personal data and secrets) apply everywhere;
- the OpenAI-format rules (FT1xx record checks, FT2xx/FT3xx dataset checks, FT501) apply to
  the providers that take OpenAI chat/DPO JSONL: ``openai``, ``azure``, ``together``,
  ``fireworks``;
- the legacy separator/stop rules (FT401-FT406, FT408) apply only to OpenAI's and Azure's
  legacy completion models, which need them;
- provider rules (FT7xx) apply to the one provider they were taken from; each names its
  source in its documentation.

Vertex AI and Bedrock take their own formats (Gemini ``contents``, Bedrock conversation
records), checked by their FT7xx rules instead of the OpenAI-format rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .rules import (
    CommonPromptPrefix, CompletionWithoutLeadingSpace, FileTooLarge, InvalidJson, MissingPromptSeparator,
    MissingStopSequence, NotAnObject, SeparatorInsidePrompt, StopInsideCompletion, StopInsidePrompt, TextEncoding,
    UnknownFormat, UnreadableFile,
)

Provider = Literal["openai", "azure", "together", "fireworks", "vertex", "bedrock"]
PROVIDERS: tuple[str, ...] = ("openai", "azure", "together", "fireworks", "vertex", "bedrock")

_MB = 1024 * 1024
_GB = 1024 * _MB


@dataclass(frozen=True)
class Profile:
    name: str
    title: str
    record_format: Literal["openai", "vertex", "bedrock"]
    """The record shape the provider takes: OpenAI chat/DPO JSONL, Gemini ``contents``, or
    Bedrock conversation records."""
    upload_limit_bytes: int | None
    """Largest training file the provider accepts (FT202); ``None`` when it documents none."""
    min_examples: int
    """Fewer examples is an error (FT201 for OpenAI-format providers)."""
    excluded: frozenset[str] = frozenset()
    """OpenAI-format rule codes that do not hold for this provider although it takes
    OpenAI-format records (the provider's own FT7xx rule says what it wants instead)."""
    source: str = ""


PROFILES: dict[str, Profile] = {
    "openai": Profile("openai", "OpenAI", "openai", 512 * _MB, 10,
                      source="https://platform.openai.com/docs/guides/supervised-fine-tuning"),
    "azure": Profile("azure", "Azure OpenAI / Microsoft Foundry", "openai", 512 * _MB, 10,
                     source="https://learn.microsoft.com/azure/ai-foundry/openai/how-to/fine-tuning"),
    # Together takes plain `text` records too (FT701 checks the shape), so FT103 does not hold.
    "together": Profile("together", "Together AI", "openai", int(50.1 * _GB), 1, frozenset({UnknownFormat.code}),
                        source="together 3.1.1 together/lib/constants.py (MAX_FILE_SIZE_GB, MIN_SAMPLES)"),
    # Fireworks has no hard upload limit: files over 150 MB go through a signed URL (FT713).
    "fireworks": Profile("fireworks", "Fireworks AI", "openai", None, 3,
                         source="https://docs.fireworks.ai/fine-tuning/fine-tuning-models"),
    "vertex": Profile("vertex", "Google Vertex AI (Gemini)", "vertex", 1 * _GB, 1,
                      source="https://cloud.google.com/vertex-ai/generative-ai/docs/models/gemini-supervised-tuning"),
    "bedrock": Profile("bedrock", "Amazon Bedrock", "bedrock", None, 1,
                       source="https://docs.aws.amazon.com/bedrock/latest/userguide/preparing-text-data.html"),
}

OPENAI_FORMAT = ("openai", "azure", "together", "fireworks")
LEGACY_COMPLETION = ("openai", "azure")
_GENERIC = frozenset(r.code for r in (UnreadableFile, InvalidJson, NotAnObject, TextEncoding, FileTooLarge))
_LEGACY = frozenset(r.code for r in (MissingPromptSeparator, SeparatorInsidePrompt, MissingStopSequence,
                                     StopInsideCompletion, CompletionWithoutLeadingSpace, CommonPromptPrefix,
                                     StopInsidePrompt))


def get_profile(name: str) -> Profile:
    return PROFILES[name]


def rule_providers(rule) -> tuple[str, ...]:
    """The providers a rule applies to (its provider scope), from the rule table."""
    if rule.providers:
        return rule.providers
    code = rule.code
    if code in _GENERIC or rule.pii_kind is not None:
        return PROVIDERS
    if code in _LEGACY:
        return LEGACY_COMPLETION
    return tuple(p for p in OPENAI_FORMAT if code not in PROFILES[p].excluded)


def scope_label(rule) -> str:
    """The README rule table's provider-scope column."""
    providers = rule_providers(rule)
    if providers == PROVIDERS:
        return "all"
    if providers == OPENAI_FORMAT:
        return "OpenAI format"
    return ", ".join(providers)


def in_scope(rule, provider: str) -> bool:
    return provider in rule_providers(rule)


__all__ = ["PROFILES", "PROVIDERS", "Profile", "Provider", "get_profile", "in_scope", "rule_providers",
           "scope_label"]
