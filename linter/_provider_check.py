"""The provider rules' pass over one file (FT7xx): runs after the main pass, only when the
target provider (``--provider``) has rules of its own that are enabled."""

from __future__ import annotations

import os
from typing import Iterator

from ._config import LintConfig
from ._diagnostic import Diagnostic, Severity
from ._lines import json_lines
from ._provider_formats import (
    FIREWORKS_DIRECT_UPLOAD_BYTES, FIREWORKS_MAX_EXAMPLES, FIREWORKS_MIN_EXAMPLES, VERTEX_MAX_MULTIMODAL_EXAMPLES,
    VERTEX_MAX_TEXT_EXAMPLES, VERTEX_MAX_VALIDATION_EXAMPLES, bedrock_record_quota, check_bedrock,
    check_bedrock_record_counts, check_fireworks, check_together, check_vertex, is_vertex_preference,
    together_shape, vertex_has_media,
)
from ._text import plural
from .rules import provider_rules as pr

ERROR, WARNING = Severity.ERROR, Severity.WARNING


def iter_records(path: str) -> Iterator[tuple[int, dict]]:
    """(1-based line, record) for every line that parses to a JSON object; the main pass
    reports the others (FT101, FT102, FT114)."""
    with open(path, "rb") as handle:
        for line_no, value in json_lines(handle):
            if isinstance(value, dict):
                yield line_no, value


def provider_diagnostics(path: str, config: LintConfig, enabled: frozenset[str], role: str,
                         counter, cross=None) -> list[Diagnostic]:
    provider = config.provider
    out: list[Diagnostic] = []

    def emit(rule, line, pointer, message, related=()):
        if rule.code in enabled:
            out.append(Diagnostic(rule.code, message, rule.severity, path, line,
                                  pointer, related_lines=tuple(related)))

    try:
        size = os.path.getsize(path)
    except OSError:
        return out
    if provider == "fireworks" and size > FIREWORKS_DIRECT_UPLOAD_BYTES:
        emit(pr.FireworksUploadSize, None, "", f"file is {size / 1e6:,.1f} MB: a direct upload takes at most "
             f"{FIREWORKS_DIRECT_UPLOAD_BYTES / 1e6:,.1f} MB; upload it through signed URLs")
    check = {"together": check_together, "fireworks": check_fireworks, "bedrock": check_bedrock}.get(provider)
    if provider == "vertex":
        count_tokens = counter.count if pr.VertexExampleTooLong.code in enabled else None

        def check(record):
            return check_vertex(record, count_tokens)
    examples = 0
    preference = 0
    media = False
    first_shape: tuple[str, int] | None = None
    try:
        for line_no, record in iter_records(path):
            examples += 1
            if provider == "vertex":
                media = media or vertex_has_media(record)
                preference += is_vertex_preference(record)
            if check is not None:
                for rule, pointer, message in check(record):
                    emit(rule, line_no, pointer, message)
            if provider == "together":
                shape, _ = together_shape(record)
                if shape is not None:
                    if first_shape is None:
                        first_shape = (shape, line_no)
                    elif shape != first_shape[0]:
                        emit(pr.TogetherRecordShape, line_no, "", f"a {shape} record in a file of {first_shape[0]} "
                             f"records (line {first_shape[1]}): Together takes one shape per file", (first_shape[1],))
    except OSError:
        return out  # the main pass reported the unreadable file (FT100)
    if provider == "fireworks" and role == "train" and not (
            FIREWORKS_MIN_EXAMPLES <= examples <= FIREWORKS_MAX_EXAMPLES):
        bound = (f"at least {FIREWORKS_MIN_EXAMPLES}" if examples < FIREWORKS_MIN_EXAMPLES
                 else f"at most {FIREWORKS_MAX_EXAMPLES:,}")
        emit(pr.FireworksExampleCount, None, "", f"{plural(examples, 'example')}; Fireworks takes {bound}")
    # The dataset limits below are Gemini supervised tuning's; the preference-tuning page
    # states none, so a file of preference examples is not held to them.
    supervised = examples - preference
    if provider == "vertex" and role == "validation" and supervised > VERTEX_MAX_VALIDATION_EXAMPLES:
        emit(pr.VertexValidationTooLarge, None, "", f"{plural(examples, 'validation example')}; Vertex AI takes "
             f"at most {VERTEX_MAX_VALIDATION_EXAMPLES:,}")
    if provider == "vertex" and role == "train":
        limit = VERTEX_MAX_MULTIMODAL_EXAMPLES if media else VERTEX_MAX_TEXT_EXAMPLES
        if supervised > limit:
            kind = "with images or files" if media else "of text"
            emit(pr.VertexTooManyExamples, None, "", f"{plural(examples, 'example')} {kind}; a Gemini tuning job "
                 f"takes at most {limit:,}")
    if provider == "bedrock" and cross is not None and pr.BedrockRecordCount.code in enabled:
        quota = bedrock_record_quota(config.model)
        cross.provider_records[role] = examples
        # Checked once both counts are known: after the validation file, or after the training
        # file when the lint has no validation file.
        if quota is not None and (role == "validation" or cross.validation_path is None):
            training = cross.provider_records.get("train", 0)
            validation = cross.provider_records.get("validation")
            for message in check_bedrock_record_counts(quota, training, validation):
                emit(pr.BedrockRecordCount, None, "", f"{message} ({config.model})")
    return out
