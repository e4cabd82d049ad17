"""The rule registry: every rule, in code order, in one tuple."""

from __future__ import annotations

from ._base import Rule
from .completion_rules import (
    CommonPromptPrefix, CompletionWithoutLeadingSpace, EmptyPromptOrCompletion, MissingPromptSeparator,
    MissingStopSequence, SeparatorInsidePrompt, StopInsideCompletion, StopInsidePrompt,
)
from .dataset_rules import (
    ConflictingTargets, DuplicateExample, ExampleTooLong, FormatNotTrainable, InconsistentSystemPrompt,
    NearDuplicate, SplitLeakage, TooFewExamples,
)
from .provider_rules import (
    BedrockMessage, BedrockRecordCount, BedrockRecordShape, BedrockTurnOrder, FireworksExampleCount, FireworksSystemPosition,
    FireworksUploadSize, TogetherImage, TogetherMessage, TogetherRecordShape, TogetherTurnOrder, VertexContent,
    VertexExampleTooLong, VertexNoModelTurn, VertexPreferencePair, VertexRecordShape, VertexTooManyExamples,
    VertexValidationTooLarge,
)
from .privacy_rules import PiiCreditCard, PiiEmail, PiiIban, PiiIpAddress, PiiNationalId, PiiPhone, SecretApiKey
from .file_rules import FileTooLarge, TextEncoding, UnreadableFile
from .record_rules import (
    InvalidContent, InvalidImage, InvalidJson, InvalidPreferencePair, InvalidRole, InvalidToolCall,
    InvalidWeight, MissingField, MixedFormats, NotAnObject, NoTrainableTarget, NoUserMessage, TurnOrder,
    UnexpectedField, UnknownFormat,
)

RULES: tuple[Rule, ...] = (
    UnreadableFile,
    InvalidJson,
    NotAnObject,
    UnknownFormat,
    MixedFormats,
    MissingField,
    UnexpectedField,
    InvalidRole,
    InvalidContent,
    NoTrainableTarget,
    InvalidWeight,
    InvalidToolCall,
    InvalidImage,
    InvalidPreferencePair,
    TextEncoding,
    TurnOrder,
    NoUserMessage,
    TooFewExamples,
    FileTooLarge,
    InconsistentSystemPrompt,
    SplitLeakage,
    FormatNotTrainable,
    DuplicateExample,
    NearDuplicate,
    ConflictingTargets,
    MissingPromptSeparator,
    SeparatorInsidePrompt,
    MissingStopSequence,
    StopInsideCompletion,
    CompletionWithoutLeadingSpace,
    CommonPromptPrefix,
    EmptyPromptOrCompletion,
    StopInsidePrompt,
    ExampleTooLong,
    PiiEmail,
    PiiPhone,
    PiiCreditCard,
    PiiNationalId,
    PiiIpAddress,
    PiiIban,
    SecretApiKey,
    TogetherRecordShape,
    TogetherMessage,
    TogetherTurnOrder,
    TogetherImage,
    FireworksExampleCount,
    FireworksSystemPosition,
    FireworksUploadSize,
    VertexRecordShape,
    VertexContent,
    VertexNoModelTurn,
    VertexExampleTooLong,
    VertexValidationTooLarge,
    VertexTooManyExamples,
    VertexPreferencePair,
    BedrockRecordShape,
    BedrockMessage,
    BedrockTurnOrder,
    BedrockRecordCount,
)

PII_RULES: tuple[Rule, ...] = tuple(r for r in RULES if r.pii_kind is not None)
"""The rules that find personal data and secrets, one per kind, in code order."""

_BY_CODE = {r.code: r for r in RULES}
_BY_NAME = {r.name: r for r in RULES}


def get_rule(code_or_name: str) -> Rule | None:
    """Look a rule up by code (``FT105``, any case) or name (``missing-field``)."""
    key = code_or_name.strip()
    return _BY_CODE.get(key.upper()) or _BY_NAME.get(key.lower())


def all_codes() -> frozenset[str]:
    return frozenset(_BY_CODE)


__all__ = ["PII_RULES", "RULES", "Rule", "get_rule", "all_codes"]
