"""Convert OpenAI chat JSONL to another provider's format: Vertex AI (Gemini ``contents``),
Bedrock (``bedrock-conversation-2024``) or Bedrock's Claude 3 Haiku shape; and OpenAI
preference (DPO) JSONL to the one preference format among them, Vertex AI's.

Preference formats, by target:

- Vertex AI has one for Gemini preference tuning: ``contents`` ending on a user turn, an
  optional ``system_instruction``, and ``completions``, a pair of single model turns scored
  1 (preferred) and 0 (dispreferred); text only (``VERTEX_PREFERENCE_SOURCE``).
- Bedrock has none (``BEDROCK_NO_PREFERENCE``): a preference file is refused before anything
  is written, and a preference record in a chat file is a problem on its line.

What the target has no place for (a tool call in a Bedrock record, an image URL Vertex
cannot fetch, a system message in the middle of a conversation) is a problem on that line:
the record is left out of the output and reported, never silently changed. Information that
is lost without changing what the model learns from the rest (a ``weight`` of 1, an unknown
top-level key) is reported as a warning and the record is written.

The output is written atomically (a temporary file renamed over the destination), so a
failed conversion never leaves a half-written file, and the input is never touched.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import orjson

from ._atomic import atomic_output
from ._diagnostic import Severity
from ._errors import FtPreflightError
from ._formats import PREFERENCE, detect_kind, majority_kind
from ._lines import NOT_JSON, json_lines

Target = Literal["vertex", "bedrock", "bedrock-haiku"]
TARGETS: tuple[str, ...] = ("vertex", "bedrock", "bedrock-haiku")
TARGET_PROVIDER = {"vertex": "vertex", "bedrock": "bedrock", "bedrock-haiku": "bedrock"}
VERTEX_PREFERENCE_SOURCE = ("https://cloud.google.com/vertex-ai/generative-ai/docs/models/"
                            "gemini-preference-tuning-prepare")
BEDROCK_NO_PREFERENCE = (
    "Amazon Bedrock has no preference (DPO) training format: a model customization job is fine-tuning, "
    "continued pre-training, distillation or reinforcement fine-tuning (CreateModelCustomizationJob "
    "customizationType, botocore 1.44.8 bedrock service model), and Amazon Nova's DPO recipes run on "
    "SageMaker AI, not Bedrock (https://docs.aws.amazon.com/nova/latest/userguide/customization.html)")
_PREFERENCE_TARGETS = frozenset({"vertex"})
_IMAGE_MIME = {"png": "image/png", "jpeg": "image/jpeg", "jpg": "image/jpeg", "webp": "image/webp",
               "gif": "image/gif"}


class ConvertError(FtPreflightError):
    """The conversion cannot run at all (unreadable input, output equal to input, unwritable
    destination): exit code 2."""


@dataclass(frozen=True)
class ConvertProblem:
    line: int
    pointer: str
    message: str
    severity: Severity = Severity.ERROR


@dataclass
class ConvertSummary:
    source: str
    destination: str
    target: str
    written: int = 0
    skipped: int = 0
    problems: list[ConvertProblem] = field(default_factory=list)


class _Unconvertible(Exception):
    def __init__(self, pointer: str, message: str):
        super().__init__(message)
        self.pointer = pointer
        self.message = message


def convert_file(source: str | os.PathLike, destination: str | os.PathLike, target: str) -> ConvertSummary:
    """Convert ``source`` (OpenAI chat JSONL) to ``target``'s format at ``destination``."""
    if target not in TARGETS:
        raise ConvertError(f"unknown target {target!r}; choose one of {', '.join(TARGETS)}")
    src, dst = Path(source), Path(destination)
    try:
        if dst.exists() and dst.resolve() == src.resolve():
            raise ConvertError(f"{dst}: the output would overwrite the input; choose another -o path")
    except OSError as exc:
        raise ConvertError(f"{dst}: {exc.strerror or exc}") from None
    preference = _is_preference_file(src)
    if preference and target not in _PREFERENCE_TARGETS:
        raise ConvertError(f"{src}: a preference (DPO) file cannot be converted to {target}: {BEDROCK_NO_PREFERENCE}")
    summary = ConvertSummary(str(src), str(dst), target)
    if preference:
        convert = _to_vertex_preference
    else:
        convert = {"vertex": _to_vertex, "bedrock": _to_bedrock, "bedrock-haiku": _to_haiku}[target]
    try:
        handle = open(src, "rb")
    except FileNotFoundError:
        raise ConvertError(f"{src}: file not found") from None
    except IsADirectoryError:
        raise ConvertError(f"{src}: is a directory, not a JSONL file") from None
    except OSError as exc:
        raise ConvertError(f"{src}: cannot read: {exc.strerror or exc}") from None
    try:
        with handle, atomic_output(dst) as out:
            for line_no, record in json_lines(handle):
                if record is NOT_JSON:
                    summary.problems.append(ConvertProblem(line_no, "", "line is not valid JSON; not converted"))
                    summary.skipped += 1
                    continue
                warnings: list[ConvertProblem] = []
                try:
                    if not isinstance(record, dict):
                        raise _Unconvertible("", "line is not a JSON object")
                    converted = convert(record, lambda p, m: warnings.append(
                        ConvertProblem(line_no, p, m, Severity.WARNING)))
                except _Unconvertible as exc:
                    summary.problems.append(ConvertProblem(line_no, exc.pointer, exc.message + "; not converted"))
                    summary.skipped += 1
                    continue
                except (TypeError, ValueError, KeyError, AttributeError) as exc:
                    # Defensive: a shape no check above foresaw is a problem on its line, never a crash.
                    summary.problems.append(ConvertProblem(line_no, "", f"record has an unexpected shape "
                                                           f"({type(exc).__name__}); not converted"))
                    summary.skipped += 1
                    continue
                summary.problems.extend(warnings)
                out.write(orjson.dumps(converted) + b"\n")
                summary.written += 1
    except UnicodeError as exc:  # pragma: no cover - orjson raises JSONDecodeError for bad UTF-8
        raise ConvertError(f"{src}: not UTF-8: {exc}") from None
    except OSError as exc:
        raise ConvertError(f"{dst}: cannot write: {exc.strerror or exc}") from None
    return summary


def _is_preference_file(path: Path, sample: int = 200) -> bool:
    """Whether most of the file's first records are preference (DPO) records: then the
    output is a preference file, and a chat record in it is a problem on its line (a tuning
    job takes one kind), as a preference record in a chat file is."""
    kinds = []
    try:
        with open(path, "rb") as handle:
            for _, value in json_lines(handle):
                if isinstance(value, dict) and (kind := detect_kind(value)) is not None:
                    kinds.append(kind)
                    if len(kinds) >= sample:
                        break
    except OSError:
        return False  # convert_file reports the unreadable file
    return majority_kind(kinds) == PREFERENCE


def _is_preference_record(record: dict) -> bool:
    return "messages" not in record and detect_kind(record) == PREFERENCE


def _messages(record: dict) -> list:
    if "messages" not in record:
        if _is_preference_record(record):
            raise _Unconvertible("", "a preference (DPO) record in a file of chat records: a tuning job takes one "
                                 "kind of example (convert preference records in a file of their own)")
        raise _Unconvertible("", "not an OpenAI chat record (no `messages`)")
    messages = record["messages"]
    if not isinstance(messages, list) or not messages:
        raise _Unconvertible("/messages", "`messages` is not a non-empty list")
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or not isinstance(m.get("role"), str):
            raise _Unconvertible(f"/messages/{i}", "message is not an object with a role")
    return messages


def _split_system(messages: list) -> tuple[list[str], list[tuple[int, dict]]]:
    """Leading system/developer texts, and the rest with their indices. A system message after
    the conversation started has no place in either target."""
    system: list[str] = []
    rest: list[tuple[int, dict]] = []
    for i, m in enumerate(messages):
        if m["role"] in ("system", "developer"):
            if rest:
                raise _Unconvertible(f"/messages/{i}", f"a {m['role']} message in the middle of the conversation "
                                     "has no place in the target format")
            system.append(_plain_text(m.get("content"), f"/messages/{i}/content"))
        else:
            rest.append((i, m))
    return system, rest


def _plain_text(content, at: str) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = []
        for j, part in enumerate(content):
            if isinstance(part, dict) and part.get("type") == "text" and isinstance(part.get("text"), str):
                texts.append(part["text"])
            else:
                raise _Unconvertible(f"{at}/{j}", "a non-text part has no place here")
        return "".join(texts)
    raise _Unconvertible(at, "content is not text")


def _unknown_keys(record: dict, known: set[str], warn) -> None:
    for key in record:
        if key not in known:
            warn("/" + key, f"top-level key {key!r} has no place in the target format and was left out")


def _weights(messages: list, warn) -> None:
    for i, m in enumerate(messages):
        if m.get("weight") == 0:
            raise _Unconvertible(f"/messages/{i}/weight", "a message with weight 0 (not trained on): the target "
                                 "has no per-message weight, so it would be trained on")
        if "weight" in m:
            warn(f"/messages/{i}/weight", "weight 1 is the target's default and was left out")


# -- Vertex AI (Gemini) -----------------------------------------------------------------------

def _to_vertex(record: dict, warn) -> dict:
    messages = _messages(record)
    _unknown_keys(record, {"messages", "tools"}, warn)
    _weights(messages, warn)
    system, rest = _split_system(messages)
    names_by_call: dict[str, str] = {}
    contents: list[dict] = []
    for i, m in rest:
        role = m["role"]
        at = f"/messages/{i}"
        if role == "user":
            contents.append({"role": "user", "parts": _vertex_parts(m.get("content"), at + "/content")})
        elif role == "assistant":
            parts = []
            if m.get("content"):
                parts.extend(_vertex_parts(m["content"], at + "/content"))
            calls = m.get("tool_calls") or []
            if not isinstance(calls, list):
                raise _Unconvertible(at + "/tool_calls", "`tool_calls` is not a list")
            for j, call in enumerate(calls):
                fn = call.get("function") if isinstance(call, dict) else None
                if not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
                    raise _Unconvertible(f"{at}/tool_calls/{j}", "tool call without a function name")
                try:
                    args = orjson.loads(fn.get("arguments") or "{}")
                except orjson.JSONDecodeError:
                    raise _Unconvertible(f"{at}/tool_calls/{j}/function/arguments",
                                         "tool call arguments are not valid JSON") from None
                if not isinstance(args, dict):
                    raise _Unconvertible(f"{at}/tool_calls/{j}/function/arguments",
                                         "tool call arguments are not a JSON object")
                names_by_call[str(call.get("id"))] = fn["name"]
                parts.append({"functionCall": {"name": fn["name"], "args": args}})
            if not parts:
                raise _Unconvertible(at, "assistant message with neither content nor tool calls")
            contents.append({"role": "model", "parts": parts})
        elif role == "tool":
            name = names_by_call.get(str(m.get("tool_call_id")))
            if name is None:
                raise _Unconvertible(at, "tool result whose tool_call_id matches no earlier tool call")
            text = _plain_text(m.get("content"), at + "/content")
            try:
                response = orjson.loads(text)
            except orjson.JSONDecodeError:
                response = text
            part = {"functionResponse": {"name": name, "response": response if isinstance(response, dict)
                                         else {"content": response}}}
            # Parallel tool results go back to the model in one turn.
            if contents and contents[-1]["role"] == "user" and "functionResponse" in contents[-1]["parts"][-1]:
                contents[-1]["parts"].append(part)
            else:
                contents.append({"role": "user", "parts": [part]})
        else:
            raise _Unconvertible(at + "/role", f"role {role!r} has no counterpart in Gemini contents")
    out: dict = {}
    if system:
        out["systemInstruction"] = {"parts": [{"text": t} for t in system]}
    out["contents"] = contents
    if record.get("tools"):
        out["tools"] = [{"functionDeclarations": _function_declarations(record["tools"])}]
    return out


def _vertex_parts(content, at: str) -> list[dict]:
    if isinstance(content, str):
        return [{"text": content}]
    if not isinstance(content, list) or not content:
        raise _Unconvertible(at, "content is neither text nor a list of parts")
    parts = []
    for j, part in enumerate(content):
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text" and isinstance(part.get("text"), str):
            parts.append({"text": part["text"]})
        elif kind == "image_url":
            image = part.get("image_url")
            url = image.get("url") if isinstance(image, dict) else None
            parts.append(_vertex_image(url, f"{at}/{j}"))
        else:
            raise _Unconvertible(f"{at}/{j}", f"a {kind or 'malformed'} part has no counterpart in Gemini parts")
    return parts


def _vertex_image(url, at: str) -> dict:
    if isinstance(url, str) and url.startswith("data:") and ";base64," in url:
        mime, data = url[5:].split(";base64,", 1)
        return {"inlineData": {"mimeType": mime, "data": data}}
    if isinstance(url, str) and url.startswith("gs://"):
        ext = url.rsplit(".", 1)[-1].lower()
        mime = _IMAGE_MIME.get(ext)
        if mime is None:
            raise _Unconvertible(at, "image on Cloud Storage with an unknown file type")
        return {"fileData": {"mimeType": mime, "fileUri": url}}
    raise _Unconvertible(at, "an image URL Vertex AI cannot fetch (tuning reads gs:// files or inline data); "
                         "copy the image to Cloud Storage or embed it as a base64 data URL")


def _function_declarations(tools) -> list[dict]:
    declarations = []
    for k, tool in enumerate(tools if isinstance(tools, list) else []):
        fn = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
            raise _Unconvertible(f"/tools/{k}", "tool without a function name")
        declaration = {"name": fn["name"]}
        for key in ("description", "parameters"):
            if key in fn:
                declaration[key] = fn[key]
        declarations.append(declaration)
    return declarations


# -- Vertex AI preference tuning ----------------------------------------------------------------

_PREFERENCE_KEYS = {"input", "preferred_output", "non_preferred_output"}


def _to_vertex_preference(record: dict, warn) -> dict:
    """An OpenAI DPO record as a Gemini preference-tuning example (``VERTEX_PREFERENCE_SOURCE``):
    the input conversation becomes ``system_instruction`` + ``contents`` (text only, ending
    on a user turn), the two outputs the ``completions`` scored 1 and 0."""
    if not _is_preference_record(record):
        raise _Unconvertible("", "not an OpenAI preference record (`input`, `preferred_output`, "
                             "`non_preferred_output`) in a preference file: a tuning job takes one kind of example")
    _unknown_keys(record, _PREFERENCE_KEYS, warn)
    inp = record.get("input")
    if not isinstance(inp, dict) or not isinstance(inp.get("messages"), list) or not inp["messages"]:
        raise _Unconvertible("/input", "`input` is not an object with a non-empty `messages` list")
    if inp.get("tools") or inp.get("functions"):
        raise _Unconvertible("/input/tools", "tool definitions: Gemini preference examples hold text turns only")
    for key in inp:
        if key not in ("messages", "tools", "functions", "parallel_tool_calls"):
            warn("/input/" + key, f"input key {key!r} has no place in a Gemini preference example and was left out")
    if "parallel_tool_calls" in inp:
        warn("/input/parallel_tool_calls", "`parallel_tool_calls` has no place in a Gemini preference example "
             "and was left out")
    messages = inp["messages"]
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or not isinstance(m.get("role"), str):
            raise _Unconvertible(f"/input/messages/{i}", "message is not an object with a role")
    system, rest = _split_system(messages)
    contents = []
    for i, m in rest:
        at = f"/input/messages/{i}"
        if m.get("tool_calls") or m["role"] not in ("user", "assistant"):
            what = "a tool call" if m.get("tool_calls") else f"a {m['role']} message"
            raise _Unconvertible(at, f"{what}: Gemini preference examples hold text turns only")
        text = _preference_text(m.get("content"), at + "/content")
        _dropped_message_keys(m, at, warn)
        contents.append({"role": "user" if m["role"] == "user" else "model", "parts": [{"text": text}]})
    if not contents or contents[-1]["role"] != "user":
        raise _Unconvertible("/input/messages", "the input does not end with a user message: a Gemini "
                             "preference example's contents end on the user's turn")
    completions = []
    for key, score in (("preferred_output", 1), ("non_preferred_output", 0)):
        text = _preference_output(record, key)
        _dropped_message_keys(record[key][0], f"/{key}/0", warn)
        completions.append({"score": score, "completion": {"role": "model", "parts": [{"text": text}]}})
    out: dict = {}
    if system:
        out["system_instruction"] = {"parts": [{"text": t} for t in system]}
    out["contents"] = contents
    out["completions"] = completions
    return out


def _dropped_message_keys(message: dict, at: str, warn) -> None:
    """A message key a Gemini turn has no place for (``name``, ``weight``) is left out, and said."""
    for key in message:
        if key not in ("role", "content", "tool_calls"):
            warn(f"{at}/{key}", f"message key {key!r} has no place in a Gemini preference example and was left out")


def _preference_output(record: dict, key: str) -> str:
    output = record.get(key)
    if not isinstance(output, list) or len(output) != 1 or not isinstance(output[0], dict):
        raise _Unconvertible("/" + key, f"`{key}` is not a list of one assistant message: a Gemini completion "
                             "is a single model turn")
    message = output[0]
    at = f"/{key}/0"
    if message.get("role") != "assistant":
        raise _Unconvertible(at + "/role", f"`{key}` holds a {message.get('role')!r} message, not the assistant's")
    if message.get("tool_calls"):
        raise _Unconvertible(at + "/tool_calls", "a tool call: Gemini preference completions are text only")
    return _preference_text(message.get("content"), at + "/content")


def _preference_text(content, at: str) -> str:
    if isinstance(content, list):
        for j, part in enumerate(content):
            if not (isinstance(part, dict) and part.get("type") == "text"):
                raise _Unconvertible(f"{at}/{j}", "an image or other non-text part: Gemini preference examples "
                                     "are text only")
    return _plain_text(content, at)


# -- Bedrock ----------------------------------------------------------------------------------

def _bedrock_turns(record: dict, warn) -> tuple[list[str], list[tuple[str, str]]]:
    messages = _messages(record)
    if record.get("tools"):
        raise _Unconvertible("/tools", "tool definitions: Bedrock's fine-tuning format has no place for tools")
    _unknown_keys(record, {"messages", "tools"}, warn)
    _weights(messages, warn)
    system, rest = _split_system(messages)
    turns = []
    for i, m in rest:
        at = f"/messages/{i}"
        if m.get("tool_calls"):
            raise _Unconvertible(at + "/tool_calls", "a tool call: Bedrock's fine-tuning format has no place for it")
        if m["role"] not in ("user", "assistant"):
            raise _Unconvertible(at + "/role", f"a {m['role']} message: Bedrock's fine-tuning format has no place for it")
        content = m.get("content")
        if isinstance(content, list):
            for j, part in enumerate(content):
                if isinstance(part, dict) and part.get("type") == "image_url":
                    raise _Unconvertible(f"{at}/content/{j}", "an image: Bedrock images must be S3 objects, "
                                         "which ftpreflight does not upload")
        turns.append((m["role"], _plain_text(content, at + "/content")))
    return system, turns


def _to_bedrock(record: dict, warn) -> dict:
    system, turns = _bedrock_turns(record, warn)
    out: dict = {"schemaVersion": "bedrock-conversation-2024"}
    if system:
        out["system"] = [{"text": t} for t in system]
    out["messages"] = [{"role": role, "content": [{"text": text}]} for role, text in turns]
    return out


def _to_haiku(record: dict, warn) -> dict:
    system, turns = _bedrock_turns(record, warn)
    out: dict = {}
    if system:
        out["system"] = "\n\n".join(system)
    out["messages"] = [{"role": role, "content": text} for role, text in turns]
    return out


__all__ = ["TARGETS", "TARGET_PROVIDER", "ConvertError", "ConvertProblem", "ConvertSummary", "convert_file"]
