"""Provider rules (FT7xx): what one provider demands beyond the shared rules. Each rule is
in scope only for its provider (``--provider``) and names its primary source."""

from ._base import ERROR, WARNING, rule

TOGETHER = ("together",)
FIREWORKS = ("fireworks",)
VERTEX = ("vertex",)
BEDROCK = ("bedrock",)


@rule("FT701", "together-record-shape", ERROR,
      "not exactly one of Together's record shapes, an extra top-level key, or shapes mixed in one file",
      providers=TOGETHER)
class TogetherRecordShape:
    """A record is not exactly one of the shapes Together AI accepts: `text`;
    `messages` (with optional `tools`); `prompt` + `completion`; or the preference shape
    `input` + `preferred_output` + `non_preferred_output`. A record with keys of two shapes,
    a top-level key outside its shape, or a file whose records use different shapes is
    refused.

    Source: together-py `src/together/lib/utils/files.py` (`_check_jsonl`: required
    columns per format, the multiple-formats and extra-column checks), constants in
    together 3.1.1 `together/lib/constants.py` (`JSONL_REQUIRED_COLUMNS_MAP`,
    `JSONL_EXTRA_COLUMNS_MAP`); https://docs.together.ai/docs/fine-tuning/data-preparation
    (a file with two possible formats is rejected by the server).

    ## Why is this bad?
    Together validates the file after upload and marks it INVALID_FORMAT; the job never starts.

    ## Example
    ```
    {"messages": [...], "metadata": {"ticket": 1042}}
    ```

    ## Fix
    Drop the keys Together does not know (`ftpreflight fix` keeps them; remove them in your
    export), and keep one shape per file.
    """


@rule("FT702", "together-message", ERROR,
      "a message Together refuses: unknown role, missing content, misplaced tool_calls, weight not 0/1",
      providers=TOGETHER)
class TogetherMessage:
    """A message that Together's checker refuses: a role other than `system`, `user`,
    `assistant` or `tool`; a message without `content` (an assistant message may carry
    `tool_calls` instead); `tool_calls` on a message that is not the assistant's; a `weight`
    that is not the integer 0 or 1; an empty `messages` list.

    Source: together-py `src/together/lib/utils/files.py` (`_check_message_role`,
    `_check_message_weight`, `_validate_message_body_requirements`, `validate_messages`);
    together 3.1.1 `together/lib/constants.py` (`POSSIBLE_ROLES_CONVERSATION`).

    ## Why is this bad?
    The upload is marked INVALID_FORMAT, naming the first bad line only.

    ## Example
    ```
    {"messages": [{"role": "developer", "content": "Be brief."}, ...]}
    ```

    ## Fix
    Use `system` for instructions, give every message its content, and use weight 0 or 1.
    """


@rule("FT703", "together-turn-order", ERROR,
      "conversation does not start with system/user, repeats a role, or has no assistant turn",
      providers=TOGETHER)
class TogetherTurnOrder:
    """The conversation does not start with `system` or `user`, two consecutive messages
    have the same role, or no message is the assistant's. Parallel tool results (two `tool`
    messages in a row), which OpenAI accepts, are consecutive messages of one role.

    Source: https://docs.together.ai/docs/fine-tuning/data-preparation (a conversation
    starts with system or user, then user and assistant alternate);
    together-py `src/together/lib/utils/files.py` (`validate_messages` requires at least
    one assistant message).

    ## Why is this bad?
    Together refuses the file, or its chat template renders a conversation the model was
    never meant to learn.

    ## Example
    ```
    {"messages": [{"role": "user", "content": "Hi"}, {"role": "user", "content": "Hello?"},
                  {"role": "assistant", "content": "Hello"}]}
    ```

    ## Fix
    Merge consecutive messages of one role; merge parallel tool results into one `tool`
    message or split the call into separate assistant turns.
    """


@rule("FT704", "together-image", ERROR,
      "an image outside a user message, more than 10 per example, not base64 JPEG/PNG/WEBP, or over 10 MB",
      providers=TOGETHER)
class TogetherImage:
    """An image that Together's checker refuses: an `image_url` part in a message that is
    not the user's, more than 10 images in one example, an image that is not a
    `data:image/jpeg|png|webp;base64,` URL (Together does not fetch web URLs), or an image
    over 10 MB.

    Source: together 3.1.1 `together/lib/constants.py` (`MAX_IMAGES_PER_EXAMPLE = 10`,
    `MAX_IMAGE_BYTES = 10 MB`, `MAX_BASE64_IMAGE_LENGTH`); together-py
    `src/together/lib/utils/files.py` (`_parse_multimodal_content`, `_validate_image_data`).

    ## Why is this bad?
    The upload is marked INVALID_FORMAT.

    ## Example
    ```
    {"type": "image_url", "image_url": {"url": "https://example.com/boot.png"}}
    ```

    ## Fix
    Embed images as base64 data URLs in user messages, at most 10 per example, each under 10 MB.
    """


@rule("FT711", "fireworks-example-count", ERROR, "fewer than 3 or more than 3,000,000 examples",
      providers=FIREWORKS)
class FireworksExampleCount:
    """The training file holds fewer than 3 or more than 3,000,000 examples.

    Source: https://docs.fireworks.ai/fine-tuning/fine-tuning-models (dataset restrictions:
    minimum 3 examples, maximum 3 million per dataset).

    ## Why is this bad?
    Fireworks refuses the dataset.

    ## Example
    ```
    train.jsonl: 2 examples
    ```

    ## Fix
    Add examples, or split a very large dataset into several datasets and jobs.
    """


@rule("FT712", "fireworks-system-position", ERROR, "a system message that is not the first message",
      providers=FIREWORKS)
class FireworksSystemPosition:
    """A `system` message appears after the first message of a conversation.

    Source: https://docs.fireworks.ai/fine-tuning/fine-tuning-models (message schema: the
    system message is optional and, when present, must come first).

    ## Why is this bad?
    Fireworks refuses the example.

    ## Example
    ```
    {"messages": [{"role": "user", "content": "Hi"}, {"role": "system", "content": "Be brief."}, ...]}
    ```

    ## Fix
    Move the system message to the front, or fold the instruction into the user message.
    """


@rule("FT713", "fireworks-upload-size", WARNING, "larger than 150 MB, the limit of a direct dataset upload",
      providers=FIREWORKS)
class FireworksUploadSize:
    """The file is larger than 150 MB, the most one direct `datasets.upload()` request takes.

    Source: fireworks-ai 1.2.30 `fireworks/lib/dataset_upload.py` (module docstring: the
    generated `datasets.upload()` takes at most 150 MB per request; larger files go through
    signed upload URLs).

    ## Why is this bad?
    A direct upload fails; the file must go through the signed-URL flow (`firectl` or
    `fireworks.lib.dataset_upload.upload_dataset_shards`).

    ## Example
    ```
    train.jsonl  (420 MB)
    ```

    ## Fix
    Upload through signed URLs, or split the file into `.jsonl` shards.
    """


@rule("FT721", "vertex-record-shape", ERROR,
      "not a Gemini tuning record (`contents`, optional `systemInstruction`/`tools`), or an unknown key",
      providers=VERTEX)
class VertexRecordShape:
    """A record is not a Gemini supervised-tuning example: it needs a `contents` list, may
    have `systemInstruction` and `tools` (and `toolConfig`), and nothing else. OpenAI chat
    records (`messages`) must be converted first.

    Source: https://cloud.google.com/vertex-ai/generative-ai/docs/models/gemini-supervised-tuning-prepare
    (dataset example: `systemInstruction`, `contents`, `tools`).

    ## Why is this bad?
    The tuning job fails validation before training.

    ## Example
    ```
    {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
    ```

    ## Fix
    `ftpreflight convert train.jsonl --to vertex -o train.vertex.jsonl`.
    """


@rule("FT722", "vertex-content", ERROR,
      "a role other than user/model, empty or malformed parts, or a file part not on Cloud Storage",
      providers=VERTEX)
class VertexContent:
    """A `contents` entry or the `systemInstruction` is malformed: a role other than `user`
    or `model`; `parts` missing, empty or not a list; a part that is not exactly one of
    `text`, `inlineData`, `fileData`, `functionCall`, `functionResponse`; a text that is not
    a string; a `fileData` without `mimeType` or with a `fileUri` that is not a `gs://` URI
    (the tuning service reads files from Cloud Storage, it does not fetch web URLs).

    Source: https://cloud.google.com/vertex-ai/generative-ai/docs/models/gemini-supervised-tuning-prepare
    (Content: role `user` or `model`; Parts: a union of one data field).

    ## Why is this bad?
    The tuning job fails validation, or a turn is read as the wrong speaker.

    ## Example
    ```
    {"contents": [{"role": "assistant", "parts": [{"text": "Hello"}]}]}
    ```

    ## Fix
    Use `model` for the model's turns, one data field per part, and copy files to Cloud Storage.
    """


@rule("FT723", "vertex-no-model-turn", ERROR, "an example without a `model` turn to learn",
      providers=VERTEX)
class VertexNoModelTurn:
    """No entry of `contents` has the role `model`, so the example has no output to learn.

    Source: https://cloud.google.com/vertex-ai/generative-ai/docs/models/gemini-supervised-tuning-prepare
    (each example pairs inputs with the model output the tuned model should produce).

    ## Why is this bad?
    The example costs tokens and teaches nothing.

    ## Example
    ```
    {"contents": [{"role": "user", "parts": [{"text": "Hi"}]}]}
    ```

    ## Fix
    Add the expected `model` answer, or drop the example.
    """


@rule("FT724", "vertex-example-too-long", WARNING, "an example over 131,072 input+output tokens (estimated)",
      providers=VERTEX)
class VertexExampleTooLong:
    """An example's text is estimated at more than 131,072 tokens, the most input plus
    output tokens one example may have on Gemini 2.5 Flash and Flash-Lite. There is no
    offline Gemini tokenizer, so the count is an estimate with the configured encoding
    (o200k_base by default).

    Source: https://cloud.google.com/vertex-ai/generative-ai/docs/models/gemini-supervised-tuning
    (dataset limits: 131,072 input and output training tokens per example).

    ## Why is this bad?
    The tuning job rejects or truncates the example.

    ## Example
    ```
    line 12: about 140,311 tokens
    ```

    ## Fix
    Split the conversation or shorten the documents it quotes.
    """


@rule("FT725", "vertex-validation-too-large", ERROR, "a validation file with more than 5,000 examples",
      providers=VERTEX)
class VertexValidationTooLarge:
    """The validation file (`--validation`) holds more than 5,000 examples.

    Source: https://cloud.google.com/vertex-ai/generative-ai/docs/models/gemini-supervised-tuning
    (dataset limits: at most 5,000 validation examples).

    ## Why is this bad?
    The tuning job is refused.

    ## Example
    ```
    valid.jsonl: 6,200 examples
    ```

    ## Fix
    Sample the validation set down to 5,000 examples or fewer.
    """


@rule("FT726", "vertex-too-many-examples", ERROR,
      "more than 1,000,000 text examples, or 300,000 when examples hold images or files", providers=VERTEX)
class VertexTooManyExamples:
    """The training file holds more examples than a Gemini tuning job takes: 1,000,000 text
    examples, or 300,000 when any example has a non-text part (`inlineData`, `fileData`).

    Source: https://cloud.google.com/vertex-ai/generative-ai/docs/models/gemini-supervised-tuning
    (dataset limits: training dataset size for text-only and for multimodal examples).

    ## Why is this bad?
    The tuning job is refused after the upload to Cloud Storage.

    ## Example
    ```
    train.jsonl: 1,200,000 examples
    ```

    ## Fix
    Deduplicate and sample the dataset down, or split it across tuning runs.
    """


@rule("FT727", "vertex-preference-pair", ERROR,
      "a Gemini preference example whose contents do not end on a user turn, or whose completions are not "
      "one preferred and one dispreferred model turn", providers=VERTEX)
class VertexPreferencePair:
    """A Gemini preference-tuning example (a record with `completions`) that Vertex AI
    refuses: its `contents` do not end with a `user` turn; or `completions` is not a pair of
    entries, each a `score` of 1 (preferred) or 0 (dispreferred) with a `completion` that is
    one `model` turn, one entry of each score.

    Source: https://cloud.google.com/vertex-ai/generative-ai/docs/models/gemini-preference-tuning-prepare
    (contents end with a user turn; a pair of completions, one preferred and one dispreferred;
    a completion is a single model turn; score 0 or 1; text only).

    ## Why is this bad?
    The tuning job fails validation, or learns the preference backwards.

    ## Example
    ```
    {"contents": [...], "completions": [{"score": 1, "completion": {...}}, {"score": 1, "completion": {...}}]}
    ```

    ## Fix
    Keep one preferred (score 1) and one dispreferred (score 0) answer per example, and end
    the input on the user's message. `ftpreflight convert dpo.jsonl --to vertex` writes this
    shape from OpenAI preference records.
    """


@rule("FT731", "bedrock-record-shape", ERROR,
      "not a Bedrock record (bedrock-conversation-2024, Claude 3 Haiku, prompt/completion), or an extra key",
      providers=BEDROCK)
class BedrockRecordShape:
    """A record is none of the shapes Bedrock model customization takes:
    `{"schemaVersion": "bedrock-conversation-2024", "system": [{"text": ...}], "messages": [...]}`
    (Amazon Nova, Llama and other Converse-format models); the Claude 3 Haiku shape
    `{"system": "...", "messages": [...]}` with no other key; or `{"prompt", "completion"}`
    for non-conversational tasks. A record with any other key, or a `schemaVersion` other
    than `bedrock-conversation-2024`, is refused.

    Source: https://docs.aws.amazon.com/bedrock/latest/userguide/preparing-text-data.html.

    ## Why is this bad?
    The customization job fails validation after the upload to S3.

    ## Example
    ```
    {"schemaVersion": "bedrock-conversation-2023", "messages": [...]}
    ```

    ## Fix
    `ftpreflight convert train.jsonl --to bedrock` (or `--to bedrock-haiku`).
    """


@rule("FT732", "bedrock-message", ERROR,
      "a role other than user/assistant, or content or system of the wrong type for the record's schema",
      providers=BEDROCK)
class BedrockMessage:
    """A message or system prompt has the wrong type for its schema: roles must be `user` or
    `assistant` (the system prompt is the top-level `system`); in
    `bedrock-conversation-2024` records `system` and each `content` are lists of blocks with
    one of `text` (a string), `image` or `video`; in Claude 3 Haiku records `system` and
    each `content` are non-empty strings.

    Source: https://docs.aws.amazon.com/bedrock/latest/userguide/preparing-text-data.html
    (conversation and Claude 3 Haiku examples).

    ## Why is this bad?
    The customization job fails validation.

    ## Example
    ```
    {"schemaVersion": "bedrock-conversation-2024", "messages": [{"role": "user", "content": "Hi"}, ...]}
    ```

    ## Fix
    Wrap text in blocks (`[{"text": "Hi"}]`) for conversation-2024 records; use plain strings
    for Claude 3 Haiku records.
    """


@rule("FT733", "bedrock-turn-order", ERROR,
      "messages that do not alternate user/assistant, starting with user and ending with assistant",
      providers=BEDROCK)
class BedrockTurnOrder:
    """The messages do not alternate strictly between `user` and `assistant`, starting with
    `user` and ending with `assistant`.

    Source: https://docs.aws.amazon.com/bedrock/latest/userguide/preparing-text-data.html
    (Claude 3 Haiku records: first message from the user, last from the assistant, roles
    alternating; the bedrock-conversation-2024 schema follows the Converse API's messages,
    which alternate the same way).

    ## Why is this bad?
    The job refuses the record.

    ## Example
    ```
    {"system": "Be brief.", "messages": [{"role": "user", "content": "Hi"}, {"role": "user", "content": "Hello?"}, ...]}
    ```

    ## Fix
    Merge consecutive messages of one role and end each example on the assistant's answer.
    """


@rule("FT734", "bedrock-record-count", ERROR,
      "fewer or more records than the model's Bedrock fine-tuning quota (Claude 3 Haiku, Llama 3.1-3.3)",
      providers=BEDROCK)
class BedrockRecordCount:
    """The training and validation files hold fewer or more records than Bedrock fine-tunes
    the model (`--model`) on: Claude 3 Haiku takes at least 32 training records, at most
    10,000 training and 1,000 validation records, 10,000 in all; Llama 3.1, 3.2 and 3.3 take
    100 to 10,000 training and validation records together. The maxima are default quotas
    (AWS raises them on request through Service Quotas); the minima are fixed. Models without
    published numbers (Amazon Nova) are not checked.

    Source: https://docs.aws.amazon.com/bedrock/latest/userguide/model-customization-prepare.html
    ("Model requirements for training and validation datasets": Meta Llama 3.1, 3.2, 3.3 and
    Anthropic Claude 3 Haiku tables).

    ## Why is this bad?
    The customization job is refused after the upload to S3.

    ## Example
    ```
    train.jsonl: 20 training records for anthropic.claude-3-haiku-20240307-v1:0:200k
    ```

    ## Fix
    Add records (or split fewer off for validation), sample down, or ask AWS for a higher quota.
    """
