"""Rules about one record's shape: JSON, format, fields, roles, content, tools, images."""

from ._base import ERROR, WARNING, rule


@rule("FT101", "invalid-json", ERROR, "a line is not valid JSON")
class InvalidJson:
    """A line cannot be parsed as JSON (a missing quote or brace, a trailing comma,
    a truncated last line, single quotes, nesting deeper than 1,024 levels).

    ## Why is this bad?
    The provider rejects the whole file when one line is not JSON.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "Hi"}
    ```

    ## Fix
    ```json
    {"messages": [{"role": "user", "content": "Hi"}]}
    ```
    """


@rule("FT102", "not-an-object", ERROR, "a line is JSON but not an object (array, string, ...)")
class NotAnObject:
    """A line is valid JSON but not a JSON object: an array, a string, a number or null.

    ## Why is this bad?
    Every fine-tuning format is one object per line; anything else is rejected.

    ## Example
    ```json
    [{"role": "user", "content": "Hi"}]
    ```

    ## Fix
    ```json
    {"messages": [{"role": "user", "content": "Hi"}]}
    ```
    """


@rule("FT103", "unknown-format", ERROR, "a record matches no supported format")
class UnknownFormat:
    """A record has none of the keys that identify a format: `messages` (chat,
    reinforcement), `prompt`/`completion` (legacy completion) or
    `input`/`preferred_output`/`non_preferred_output` (preference, DPO). A line
    that is one chat message (`{"role": ..., "content": ...}`, an export that wrote
    a message per line) is named as such, with how to wrap it; the text output
    folds the identical findings of such a file into one.

    ## Why is this bad?
    The provider cannot tell what to train on.

    ## Example
    ```json
    {"question": "What is 2+2?", "answer": "4"}
    ```

    ## Fix
    ```json
    {"messages": [{"role": "user", "content": "What is 2+2?"}, {"role": "assistant", "content": "4"}]}
    ```
    """


@rule("FT104", "mixed-formats", ERROR, "a record's format differs from the file's format")
class MixedFormats:
    """A record is in a different format from the file's (the format of most of its
    records, or the one given with `--format-kind`).

    ## Why is this bad?
    A training file holds one format; a mixed file is rejected or silently trains
    on the wrong fields.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
    {"prompt": "Hi ->", "completion": " Hello\\n"}
    ```

    ## Fix
    Convert the odd record to the file's format, or move it to its own file.
    """


@rule("FT105", "missing-field", ERROR, "a required key is absent")
class MissingField:
    """A record or message lacks a key that its format requires: `messages`,
    a message's `role` or `content`, a tool message's `tool_call_id`,
    a preference record's outputs.

    ## Why is this bad?
    The provider's validator rejects the file.

    ## Example
    ```json
    {"messages": [{"role": "user"}, {"role": "assistant", "content": "Hello"}]}
    ```

    ## Fix
    ```json
    {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
    ```
    """


@rule("FT106", "unexpected-field", WARNING,
      "a key the format does not define (error inside a message; warning for `name` on a tool message)")
class UnexpectedField:
    """A record has a top-level key its format does not define (warning), or a
    message has a key its role does not allow (error). `name` on a tool message is
    a warning: OpenAI's own parallel function-calling example sets it, while its
    documented tool message has only role, content and tool_call_id, and no source
    says whether fine-tuning rejects it.

    ## Why is this bad?
    Unknown top-level keys are ignored, which usually means a field you meant to
    train on (`response`, `label`) is not used. Unknown keys inside a message make
    the provider reject the file.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "Hi", "timestamp": 1700000000}, {"role": "assistant", "content": "Hello"}]}
    ```

    ## Fix
    ```json
    {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
    ```
    """


@rule("FT107", "invalid-role", ERROR, "a role outside the format's roles")
class InvalidRole:
    """A message's `role` is not one the format allows (chat: system, developer,
    user, assistant, tool, function).

    ## Why is this bad?
    The provider rejects the file; a typo such as `asistant` also means the
    example has no trainable target.

    ## Example
    ```json
    {"messages": [{"role": "human", "content": "Hi"}, {"role": "bot", "content": "Hello"}]}
    ```

    ## Fix
    ```json
    {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
    ```
    """


@rule("FT108", "invalid-content", ERROR, "content of the wrong type, empty, or null where text is required")
class InvalidContent:
    """A value has the wrong type or is empty: `messages` not a non-empty list, a
    message that is not an object, `content` that is a number, null or an empty
    string where text is required, a content part of an unknown type.

    ## Why is this bad?
    The provider rejects the file, and empty targets teach the model to say nothing.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": ""}]}
    ```

    ## Fix
    ```json
    {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello! How can I help?"}]}
    ```
    """


@rule("FT109", "no-trainable-target", ERROR, "no assistant message, or every assistant message has weight 0")
class NoTrainableTarget:
    """A chat example has no assistant message, or every assistant message has
    `"weight": 0`, so there is nothing to learn from it.

    ## Why is this bad?
    The example is billed but trains nothing; the provider may reject it.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello", "weight": 0}]}
    ```

    ## Fix
    ```json
    {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello", "weight": 1}]}
    ```
    """


@rule("FT110", "invalid-weight", ERROR, "weight not 0/1, or on a non-assistant message")
class InvalidWeight:
    """A message's `weight` is not the integer 0 or 1, or is set on a message that
    is not from the assistant.

    ## Why is this bad?
    Only assistant turns can be masked in or out of training, and only with 0 or 1.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "Hi", "weight": 1}, {"role": "assistant", "content": "Hello", "weight": 0.5}]}
    ```

    ## Fix
    ```json
    {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello", "weight": 1}]}
    ```
    """


@rule("FT111", "invalid-tool-call", ERROR,
      "malformed tool_calls, arguments not a JSON object string, unknown function name, "
      "tool result without a matching call id")
class InvalidToolCall:
    """A tool or function call is malformed: `tool_calls` is not a list of
    `{"id", "type": "function", "function": {"name", "arguments"}}`, `arguments` is
    not a string holding a JSON object, the function is not among the record's
    `tools`/`functions`, a tool result's `tool_call_id` matches no earlier call,
    or a tool definition is malformed.

    ## Why is this bad?
    The model learns to emit calls your application cannot parse or dispatch.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": {"city": "Oslo"}}}]}]}
    ```

    ## Fix
    ```json
    {"messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": "{\\"city\\": \\"Oslo\\"}"}}]}]}
    ```
    """


@rule("FT112", "invalid-image", ERROR,
      "bad image URL or data URL, unsupported type, more than 10 images, image in an assistant message")
class InvalidImage:
    """An `image_url` content part is unusable: the URL is neither `https://` nor a
    base64 `data:image/...` URL, the data URL is not valid base64 or not JPEG, PNG
    or WEBP, `detail` is not low/high/auto, the example has more than 10 images, or
    the image is in a message that is not from the user.

    ## Why is this bad?
    The provider skips or rejects examples whose images it cannot fetch or decode.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "http://example.org/cat.bmp"}}]}, {"role": "assistant", "content": "A cat."}]}
    ```

    ## Fix
    ```json
    {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://example.org/cat.png", "detail": "low"}}]}, {"role": "assistant", "content": "A cat."}]}
    ```
    """


@rule("FT113", "invalid-preference-pair", ERROR,
      "preferred equals non-preferred, an output is not exactly one assistant message")
class InvalidPreferencePair:
    """A preference (DPO) record's `preferred_output` or `non_preferred_output` is
    not a list of exactly one assistant message, or both outputs are the same.

    ## Why is this bad?
    DPO learns from the difference between the two outputs; identical or malformed
    outputs carry no signal and are rejected.

    ## Example
    ```json
    {"input": {"messages": [{"role": "user", "content": "Hi"}]}, "preferred_output": [{"role": "assistant", "content": "Hello!"}], "non_preferred_output": [{"role": "assistant", "content": "Hello!"}]}
    ```

    ## Fix
    ```json
    {"input": {"messages": [{"role": "user", "content": "Hi"}]}, "preferred_output": [{"role": "assistant", "content": "Hello! How can I help?"}], "non_preferred_output": [{"role": "assistant", "content": "What."}]}
    ```
    """


@rule("FT115", "turn-order", WARNING, "system/developer not first, two user or two assistant turns in a row")
class TurnOrder:
    """The conversation's turns are out of order: a system or developer message
    after the conversation started, or two user (or two assistant) messages in a
    row with nothing between them.

    ## Why is this bad?
    The model learns from conversations that never happen at inference time;
    a doubled turn is usually a broken export.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "Hi"}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
    ```

    ## Fix
    ```json
    {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
    ```
    """


@rule("FT116", "no-user-message", WARNING, "an example has assistant (and system) messages but no user message")
class NoUserMessage:
    """A chat example (or a preference example's input) has no user message: only
    system, developer, assistant or tool messages. OpenAI's data-preparation cookbook
    (`chat_finetuning_data_prep`) counts these as "examples missing user message".

    ## Why is this bad?
    At inference the model always answers a user's request; an example without one
    teaches it to produce the answer unprompted, usually because an export lost the
    user's turn.

    ## Example
    ```json
    {"messages": [{"role": "system", "content": "You are Acme's support agent."}, {"role": "assistant", "content": "Your refund is on its way."}]}
    ```

    ## Fix
    ```json
    {"messages": [{"role": "system", "content": "You are Acme's support agent."}, {"role": "user", "content": "Where is my refund?"}, {"role": "assistant", "content": "Your refund is on its way."}]}
    ```
    """
