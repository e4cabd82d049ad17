"""Record checks of the provider rules (FT7xx), one function per provider, and the record
shapes of Vertex AI (Gemini ``contents``) and Bedrock (conversation records).

Each ``check_*`` function takes one parsed record and yields ``(rule, pointer, message)``;
the file pass in ``_provider_check`` turns them into diagnostics. The rules' documentation
(and sources) is in ``rules/provider_rules.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from .rules import provider_rules as pr
from .rules._base import Rule

Finding = tuple[Rule, str, str]

# -- Together -------------------------------------------------------------------------------

TOGETHER_SHAPES: dict[str, frozenset[str]] = {
    "text": frozenset({"text"}),
    "conversation": frozenset({"messages"}),
    "instruction": frozenset({"prompt", "completion"}),
    "preference": frozenset({"input", "preferred_output", "non_preferred_output"}),
}
TOGETHER_EXTRA_KEYS = {"conversation": frozenset({"tools"})}
TOGETHER_ROLES = ("system", "user", "assistant", "tool")
TOGETHER_MAX_IMAGES = 10
TOGETHER_MAX_IMAGE_BYTES = 10 * 1024 * 1024
_DATA_URL_PREFIXES = tuple(f"data:image/{fmt};base64," for fmt in ("jpeg", "png", "webp"))
_MAX_BASE64_IMAGE_LENGTH = len("data:image/jpeg;base64,") + 4 * TOGETHER_MAX_IMAGE_BYTES // 3


def key_pointer(*parts) -> str:
    """A JSON pointer from keys and indices (``~`` and ``/`` escaped)."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def together_shape(record: dict) -> tuple[str | None, list[str]]:
    """The Together shape a record has (None when none or several) and the shapes it matches."""
    matched = [name for name, keys in TOGETHER_SHAPES.items() if keys <= record.keys()]
    return (matched[0] if len(matched) == 1 else None), matched


def check_together(record: dict) -> Iterator[Finding]:
    shape, matched = together_shape(record)
    if not matched:
        yield (pr.TogetherRecordShape, "", "record has none of Together's shapes: `text`, `messages`, "
               "`prompt` + `completion`, or `input` + `preferred_output` + `non_preferred_output`")
        return
    if shape is None:
        yield pr.TogetherRecordShape, "", f"record has the keys of two shapes: {' and '.join(matched)}"
        return
    allowed = TOGETHER_SHAPES[shape] | TOGETHER_EXTRA_KEYS.get(shape, frozenset())
    for key in record:
        if key not in allowed:
            yield (pr.TogetherRecordShape, key_pointer(key),
                   f"extra top-level key {key!r}: Together accepts only {', '.join(sorted(allowed))} in a {shape} record")
    if shape == "conversation":
        yield from _together_messages(record["messages"], "/messages", require_assistant=True)
    elif shape == "preference":
        inp = record["input"]
        if isinstance(inp, dict) and "messages" in inp:
            yield from _together_messages(inp["messages"], "/input/messages", require_assistant=False)


def _together_messages(messages, where: str, require_assistant: bool) -> Iterator[Finding]:
    if not isinstance(messages, list) or not messages:
        yield pr.TogetherMessage, where, "`messages` must be a non-empty list"
        return
    roles: list[str | None] = []
    images = 0
    for i, message in enumerate(messages):
        at = f"{where}/{i}"
        if not isinstance(message, dict):
            yield pr.TogetherMessage, at, "a message must be an object"
            roles.append(None)
            continue
        message = {k: v for k, v in message.items() if v is not None}
        role = message.get("role")
        roles.append(role if isinstance(role, str) else None)
        if "role" not in message:
            yield pr.TogetherMessage, at, "message has no `role`"
            continue
        if role not in TOGETHER_ROLES:
            yield pr.TogetherMessage, at + "/role", f"role {role!r} is not one of {', '.join(TOGETHER_ROLES)}"
            continue
        if "weight" in message and message["weight"] not in (0, 1):
            yield pr.TogetherMessage, at + "/weight", f"weight {message['weight']!r} is not 0 or 1"
        has_content, has_calls = "content" in message, "tool_calls" in message
        if role == "assistant" and not has_content and not has_calls:
            yield pr.TogetherMessage, at, "assistant message has neither `content` nor `tool_calls`"
        elif role != "assistant":
            if not has_content:
                yield pr.TogetherMessage, at, f"{role} message has no `content`"
            if has_calls:
                yield pr.TogetherMessage, at + "/tool_calls", f"a {role} message cannot have `tool_calls`"
        content = message.get("content")
        if isinstance(content, list):
            for j, part in enumerate(content):
                if not isinstance(part, dict) or part.get("type") != "image_url":
                    continue
                images += 1
                part_at = f"{at}/content/{j}"
                if role != "user":
                    yield pr.TogetherImage, part_at, f"an image in a {role} message: only user messages may hold images"
                image = part.get("image_url")
                url = image.get("url") if isinstance(image, dict) else None
                if not isinstance(url, str) or not url.startswith(_DATA_URL_PREFIXES):
                    yield (pr.TogetherImage, part_at, "image is not a base64 data URL of a JPEG, PNG or WEBP image "
                           "(Together does not fetch web URLs)")
                elif len(url) > _MAX_BASE64_IMAGE_LENGTH:
                    yield pr.TogetherImage, part_at, f"image is about {len(url) * 3 // 4 / 1e6:,.1f} MB, over 10 MB"
    if images > TOGETHER_MAX_IMAGES:
        yield pr.TogetherImage, where, f"{images} images in one example; Together accepts at most {TOGETHER_MAX_IMAGES}"
    if roles and roles[0] is not None and roles[0] not in ("system", "user"):
        yield pr.TogetherTurnOrder, f"{where}/0", f"conversation starts with {roles[0]!r}, not system or user"
    for i in range(1, len(roles)):
        if roles[i] is not None and roles[i] == roles[i - 1]:
            yield pr.TogetherTurnOrder, f"{where}/{i}", f"two {roles[i]} messages in a row"
    if require_assistant and "assistant" not in roles:
        yield pr.TogetherTurnOrder, where, "no assistant message: at least one is required"


# -- Fireworks ------------------------------------------------------------------------------

FIREWORKS_MIN_EXAMPLES = 3
FIREWORKS_MAX_EXAMPLES = 3_000_000
FIREWORKS_DIRECT_UPLOAD_BYTES = 150 * 1024 * 1024


def check_fireworks(record: dict) -> Iterator[Finding]:
    messages = record.get("messages")
    if not isinstance(messages, list):
        return
    for i, message in enumerate(messages):
        if i and isinstance(message, dict) and message.get("role") == "system":
            yield pr.FireworksSystemPosition, f"/messages/{i}", f"system message at position {i + 1}; it must be first"


# -- Vertex AI (Gemini) ---------------------------------------------------------------------

VERTEX_KEYS = frozenset({"contents", "systemInstruction", "tools", "toolConfig"})
VERTEX_ROLES = ("user", "model")
VERTEX_PART_FIELDS = frozenset({"text", "inlineData", "fileData", "functionCall", "functionResponse"})
VERTEX_MAX_EXAMPLE_TOKENS = 131_072
VERTEX_MAX_VALIDATION_EXAMPLES = 5_000
VERTEX_MAX_TEXT_EXAMPLES = 1_000_000
VERTEX_MAX_MULTIMODAL_EXAMPLES = 300_000
_VERTEX_MEDIA_FIELDS = ("inlineData", "fileData")


def vertex_has_media(record: dict) -> bool:
    """Whether any part of the record's contents holds an image, audio, video or document."""
    contents = record.get("contents")
    if not isinstance(contents, list):
        return False
    for content in contents:
        parts = content.get("parts") if isinstance(content, dict) else None
        if isinstance(parts, list) and any(isinstance(p, dict) and any(f in p for f in _VERTEX_MEDIA_FIELDS)
                                           for p in parts):
            return True
    return False


def check_vertex(record: dict, count_tokens=None) -> Iterator[Finding]:
    if "completions" in record:
        yield from _check_vertex_preference(record, count_tokens)
        return
    if "contents" not in record:
        if "messages" in record:
            yield (pr.VertexRecordShape, "", "an OpenAI chat record: Vertex AI needs Gemini `contents` "
                   "(convert it with `ftpreflight convert --to vertex`)")
        else:
            yield pr.VertexRecordShape, "", "record has no `contents` list"
        return
    for key in record:
        if key not in VERTEX_KEYS:
            yield pr.VertexRecordShape, key_pointer(key), f"unknown key {key!r} (Gemini examples have " \
                "`contents`, `systemInstruction`, `tools`, `toolConfig`)"
    contents = record["contents"]
    if not isinstance(contents, list) or not contents:
        yield pr.VertexContent, "/contents", "`contents` must be a non-empty list"
        return
    texts: list[str] = []
    yield from _vertex_contents(contents, texts)
    has_model = any(isinstance(c, dict) and c.get("role") == "model" for c in contents)
    system = record.get("systemInstruction")
    if system is not None:
        if not isinstance(system, dict):
            yield pr.VertexContent, "/systemInstruction", "`systemInstruction` must be an object with `parts`"
        else:
            yield from _vertex_parts(system.get("parts"), "/systemInstruction/parts", texts, text_only=True)
    if not has_model:
        yield pr.VertexNoModelTurn, "/contents", "no `model` turn: the example has nothing to learn"
    if count_tokens is not None and texts:
        tokens = sum(count_tokens(t) for t in texts)
        if tokens > VERTEX_MAX_EXAMPLE_TOKENS:
            yield (pr.VertexExampleTooLong, "", f"about {tokens:,} tokens (estimated), over the "
                   f"{VERTEX_MAX_EXAMPLE_TOKENS:,} input+output tokens of one example")


# Gemini preference tuning: https://cloud.google.com/vertex-ai/generative-ai/docs/models/gemini-preference-tuning-prepare
# The page's example writes the system prompt as `system_instruction`; protobuf's JSON mapping
# also reads the camelCase name, so both are accepted.
VERTEX_PREFERENCE_KEYS = frozenset({"contents", "completions", "system_instruction", "systemInstruction"})


def is_vertex_preference(record: dict) -> bool:
    return "completions" in record


def _check_vertex_preference(record: dict, count_tokens=None) -> Iterator[Finding]:
    for key in record:
        if key not in VERTEX_PREFERENCE_KEYS:
            yield (pr.VertexRecordShape, key_pointer(key), f"unknown key {key!r} (Gemini preference examples have "
                   "`contents`, `completions` and `system_instruction`)")
    texts: list[str] = []
    contents = record.get("contents")
    if not isinstance(contents, list) or not contents:
        yield pr.VertexContent, "/contents", "`contents` must be a non-empty list"
    else:
        yield from _vertex_contents(contents, texts, text_only="preference examples")
        last = contents[-1]
        if isinstance(last, dict) and last.get("role") in VERTEX_ROLES and last["role"] != "user":
            yield (pr.VertexPreferencePair, f"/contents/{len(contents) - 1}",
                   "the contents end on a model turn: a preference example's input ends with the user's turn")
    for name in ("system_instruction", "systemInstruction"):
        system = record.get(name)
        if system is None:
            continue
        if not isinstance(system, dict):
            yield pr.VertexContent, "/" + name, f"`{name}` must be an object with `parts`"
        else:
            yield from _vertex_parts(system.get("parts"), f"/{name}/parts", texts, text_only=True)
    completions = record["completions"]
    if not isinstance(completions, list) or len(completions) != 2:
        yield (pr.VertexPreferencePair, "/completions",
               "`completions` must be a pair: one preferred (score 1) and one dispreferred (score 0)")
        return
    scores = []
    longest = 0
    for k, entry in enumerate(completions):
        at = f"/completions/{k}"
        if not isinstance(entry, dict):
            yield pr.VertexPreferencePair, at, "a completion entry must be an object with `score` and `completion`"
            continue
        score = entry.get("score")
        if type(score) is not int or score not in (0, 1):
            yield pr.VertexPreferencePair, at + "/score", f"score {score!r} is not 0 or 1"
        else:
            scores.append(score)
        completion = entry.get("completion")
        if not isinstance(completion, dict) or completion.get("role") != "model":
            yield pr.VertexPreferencePair, at + "/completion", "`completion` must be one turn with the role `model`"
            continue
        own: list[str] = []
        yield from _vertex_parts(completion.get("parts"), at + "/completion/parts", own, text_only=True,
                                 what="preference completions")
        if count_tokens is not None:
            longest = max(longest, sum(count_tokens(t) for t in own))
    if len(scores) == 2 and sorted(scores) != [0, 1]:
        yield (pr.VertexPreferencePair, "/completions", f"both completions have score {scores[0]}: one must be "
               "preferred (1) and the other dispreferred (0)")
    if count_tokens is not None:
        tokens = sum(count_tokens(t) for t in texts) + longest
        if tokens > VERTEX_MAX_EXAMPLE_TOKENS:
            yield (pr.VertexExampleTooLong, "", f"about {tokens:,} tokens (estimated) of input and longest "
                   f"completion, over the {VERTEX_MAX_EXAMPLE_TOKENS:,} tokens of one example")


def _vertex_contents(contents: list, texts: list[str], text_only: str = "") -> Iterator[Finding]:
    """Check each ``contents`` entry (role and parts), collecting its texts; ``text_only``
    names the examples that take text parts only."""
    for i, content in enumerate(contents):
        at = f"/contents/{i}"
        if not isinstance(content, dict):
            yield pr.VertexContent, at, "a content entry must be an object"
            continue
        role = content.get("role")
        if role not in VERTEX_ROLES:
            shown = "no role" if role is None else f"role {role!r}"
            hint = " (the model's turns are `model`)" if role == "assistant" else ""
            yield pr.VertexContent, at + "/role", f"{shown}: must be user or model{hint}"
        if text_only:
            yield from _vertex_parts(content.get("parts"), at + "/parts", texts, text_only=True, what=text_only)
        else:
            yield from _vertex_parts(content.get("parts"), at + "/parts", texts)


def _vertex_parts(parts, at: str, texts: list[str], text_only: bool = False,
                  what: str = "`systemInstruction` parts") -> Iterator[Finding]:
    if not isinstance(parts, list) or not parts:
        yield pr.VertexContent, at, "`parts` must be a non-empty list"
        return
    for j, part in enumerate(parts):
        where = f"{at}/{j}"
        if not isinstance(part, dict):
            yield pr.VertexContent, where, "a part must be an object"
            continue
        fields = [k for k in part if k in VERTEX_PART_FIELDS]
        if len(fields) != 1:
            yield (pr.VertexContent, where, "a part must hold exactly one of text, inlineData, fileData, "
                   f"functionCall, functionResponse (found {', '.join(fields) or 'none'})")
            continue
        field = fields[0]
        if text_only and field != "text":
            yield pr.VertexContent, where, f"{what} hold text only"
        elif field == "text":
            if isinstance(part["text"], str):
                texts.append(part["text"])
            else:
                yield pr.VertexContent, where + "/text", "`text` must be a string"
        elif field == "fileData":
            data = part["fileData"]
            uri = data.get("fileUri") if isinstance(data, dict) else None
            if not isinstance(data, dict) or not isinstance(data.get("mimeType"), str):
                yield pr.VertexContent, where + "/fileData", "`fileData` needs `mimeType` and `fileUri`"
            elif not isinstance(uri, str) or not uri.startswith("gs://"):
                yield (pr.VertexContent, where + "/fileData/fileUri", "`fileUri` must be a Cloud Storage URI "
                       "(gs://...); the tuning service does not fetch web URLs")


# -- Bedrock --------------------------------------------------------------------------------

BEDROCK_SCHEMA = "bedrock-conversation-2024"
BEDROCK_CONVERSATION_KEYS = frozenset({"schemaVersion", "system", "messages"})
BEDROCK_HAIKU_KEYS = frozenset({"system", "messages"})
BEDROCK_BLOCK_FIELDS = frozenset({"text", "image", "video"})


def bedrock_shape(record: dict) -> str | None:
    """``conversation`` (bedrock-conversation-2024), ``haiku`` (Claude 3 Haiku), ``completion``
    (prompt/completion), or None."""
    if "schemaVersion" in record:
        return "conversation"
    if "prompt" in record or "completion" in record:
        return "completion"
    if "messages" in record:
        return "haiku"
    return None


def check_bedrock(record: dict) -> Iterator[Finding]:
    shape = bedrock_shape(record)
    if shape is None:
        yield (pr.BedrockRecordShape, "", "record has none of Bedrock's shapes (bedrock-conversation-2024, "
               "Claude 3 Haiku `system` + `messages`, or `prompt` + `completion`)")
        return
    allowed = {"conversation": BEDROCK_CONVERSATION_KEYS, "haiku": BEDROCK_HAIKU_KEYS,
               "completion": frozenset({"prompt", "completion"})}[shape]
    for key in record:
        if key not in allowed:
            yield pr.BedrockRecordShape, key_pointer(key), f"extra key {key!r}: not allowed in a {_SHAPE_NAMES[shape]} record"
    if shape == "completion":
        for key in ("prompt", "completion"):
            if not isinstance(record.get(key), str) or not record.get(key):
                yield pr.BedrockMessage, key_pointer(key), f"`{key}` must be a non-empty string"
        return
    if shape == "conversation" and record["schemaVersion"] != BEDROCK_SCHEMA:
        yield (pr.BedrockRecordShape, "/schemaVersion",
               f"schemaVersion {record['schemaVersion']!r} is not {BEDROCK_SCHEMA!r}")
    blocks = shape == "conversation"
    if "system" in record:
        system = record["system"]
        if blocks and not _text_blocks(system, text_only=True):
            yield pr.BedrockMessage, "/system", "`system` must be a list of text blocks ([{\"text\": ...}])"
        elif not blocks and (not isinstance(system, str) or not system):
            yield pr.BedrockMessage, "/system", "`system` must be a non-empty string in a Claude 3 Haiku record"
    messages = record.get("messages")
    if not isinstance(messages, list) or not messages:
        yield pr.BedrockMessage, "/messages", "`messages` must be a non-empty list"
        return
    roles: list[str | None] = []
    for i, message in enumerate(messages):
        at = f"/messages/{i}"
        if not isinstance(message, dict):
            yield pr.BedrockMessage, at, "a message must be an object"
            roles.append(None)
            continue
        role = message.get("role")
        roles.append(role if role in ("user", "assistant") else None)
        if role not in ("user", "assistant"):
            hint = " (the system prompt is the top-level `system`)" if role == "system" else ""
            yield pr.BedrockMessage, at + "/role", f"role {role!r} is not user or assistant{hint}"
        content = message.get("content")
        if blocks and not _text_blocks(content):
            yield (pr.BedrockMessage, at + "/content",
                   "`content` must be a list of blocks, each one of text, image or video ([{\"text\": ...}])")
        elif not blocks and (not isinstance(content, str) or not content):
            yield pr.BedrockMessage, at + "/content", "`content` must be a non-empty string in a Claude 3 Haiku record"
    if roles[0] is not None and roles[0] != "user":
        yield pr.BedrockTurnOrder, "/messages/0", f"the first message is {roles[0]}'s, not the user's"
    for i in range(1, len(roles)):
        if roles[i] is not None and roles[i] == roles[i - 1]:
            yield pr.BedrockTurnOrder, f"/messages/{i}", f"two {roles[i]} messages in a row"
    if roles[-1] is not None and roles[-1] != "assistant":
        yield pr.BedrockTurnOrder, f"/messages/{len(roles) - 1}", "the last message is not the assistant's"


_SHAPE_NAMES = {"conversation": BEDROCK_SCHEMA, "haiku": "Claude 3 Haiku", "completion": "prompt/completion"}


def _text_blocks(value, text_only: bool = False) -> bool:
    if not isinstance(value, list) or (not value and not text_only):
        return False
    for block in value:
        if not isinstance(block, dict) or len(block) != 1:
            return False
        (field, inner), = block.items()
        if field not in (("text",) if text_only else BEDROCK_BLOCK_FIELDS):
            return False
        if field == "text" and not isinstance(inner, str):
            return False
    return True



# Per-model record quotas of Bedrock fine-tuning, from AWS's "Model requirements for training
# and validation datasets" (https://docs.aws.amazon.com/bedrock/latest/userguide/model-customization-prepare.html,
# read as its markdown page model-customization-prepare.md). The maxima are default quotas
# ("adjustable using service quotas"); the minima are not. Amazon Nova's constraints live on
# another page that gives no record counts, so Nova models have no entry here.
BEDROCK_QUOTA_SOURCE = "https://docs.aws.amazon.com/bedrock/latest/userguide/model-customization-prepare.html"


@dataclass(frozen=True)
class BedrockRecordQuota:
    family: str
    prefixes: tuple[str, ...]
    """Bedrock model ids (``meta.llama3-1-8b-instruct-v1:0:128k``) this entry covers, by prefix."""
    min_records: int
    """Fewest records a job takes (training + validation, or training alone: ``min_counts_training``)."""
    max_total: int
    """Most training + validation records (a default quota AWS can raise)."""
    max_training: int | None = None
    max_validation: int | None = None
    min_counts_training: bool = False


BEDROCK_RECORD_QUOTAS: tuple[BedrockRecordQuota, ...] = (
    # "Anthropic Claude 3 Haiku": minimum number of records 32; maximum training records 10,000;
    # maximum validation records 1,000; maximum total records 10,000 (adjustable).
    BedrockRecordQuota("Claude 3 Haiku", ("anthropic.claude-3-haiku",), 32, 10_000, 10_000, 1_000,
                       min_counts_training=True),
    # "Meta Llama 3.1" / "3.2" / "3.3": sum of training and validation records 100 to 10,000 (adjustable).
    BedrockRecordQuota("Llama 3.1-3.3", ("meta.llama3-1", "meta.llama3-2", "meta.llama3-3"), 100, 10_000),
)


def bedrock_record_quota(model: str) -> BedrockRecordQuota | None:
    """The record quota of a Bedrock model id, or None when AWS publishes none we hold."""
    name = model.strip().lower()
    return next((q for q in BEDROCK_RECORD_QUOTAS if name.startswith(q.prefixes)), None)


def check_bedrock_record_counts(quota: BedrockRecordQuota, training: int, validation: int | None) -> Iterator[str]:
    """Messages for record counts outside ``quota`` (``validation`` None: no validation file)."""
    total = training + (validation or 0)
    counted = "training records" if quota.min_counts_training else "training and validation records"
    fewest = training if quota.min_counts_training else total
    if fewest < quota.min_records:
        yield f"{fewest:,} {counted}; Bedrock fine-tunes {quota.family} on at least {quota.min_records:,}"
    if quota.max_training is not None and training > quota.max_training:
        yield (f"{training:,} training records; {quota.family} takes at most {quota.max_training:,} "
               "(a default quota: AWS can raise it through Service Quotas)")
    if quota.max_validation is not None and validation is not None and validation > quota.max_validation:
        yield (f"{validation:,} validation records; {quota.family} takes at most {quota.max_validation:,} "
               "(a default quota)")
    if total > quota.max_total and not (quota.max_training is not None and training > quota.max_training
                                        and validation is None):
        yield (f"{total:,} training and validation records; {quota.family} takes at most {quota.max_total:,} "
               "in all (a default quota: AWS can raise it through Service Quotas)")
