"""Per-record checks: one walk over a parsed record validates its shape and
counts its tokens at the same time. Runs inside worker processes, so it only
produces values (diagnostics and a RecordFacts row), never raises on bad data."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

import orjson
from xxhash import xxh3_64_digest, xxh3_128_digest

from ._diagnostic import Diagnostic, Severity
from ._formats import (
    CHAT, CHAT_TOP_KEYS, COMPLETION, COMPLETION_KEYS, PREFERENCE, PREFERENCE_KEYS, REINFORCEMENT,
)
from .pii import mask_pointer, mask_text
from .rules import (
    CompletionWithoutLeadingSpace, EmptyPromptOrCompletion, InvalidContent, InvalidImage, InvalidPreferencePair,
    InvalidRole, InvalidToolCall, InvalidWeight, MissingField, MissingPromptSeparator, MissingStopSequence,
    MixedFormats, NoTrainableTarget, NotAnObject, NoUserMessage, Rule, SeparatorInsidePrompt, StopInsideCompletion,
    TurnOrder, UnexpectedField, UnknownFormat,
)
from ._tokens import (
    IMAGE_TOKENS_HIGH, IMAGE_TOKENS_LOW,
    TOKENS_PER_TOOL_CALL, TokenCounter,
)

ERROR, WARNING, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

CHAT_ROLES = ("system", "developer", "user", "assistant", "tool", "function")
PREFERENCE_INPUT_ROLES = ("system", "developer", "user", "assistant", "tool")
_ROLE_KEYS = {
    "system": frozenset({"role", "content", "name"}),
    "developer": frozenset({"role", "content", "name"}),
    "user": frozenset({"role", "content", "name"}),
    "assistant": frozenset({"role", "content", "name", "weight", "tool_calls", "function_call", "refusal"}),
    "tool": frozenset({"role", "content", "tool_call_id"}),
    "function": frozenset({"role", "content", "name"}),
}
_NO_SPECIAL: set[str] = set()
_IMAGE_MIME = ("image/jpeg", "image/png", "image/webp")
_DATA_URL = re.compile(r"data:([\w.+-]+/[\w.+-]+)?((?:;[\w-]+=[\w.-]+)*)(;base64)?,", re.ASCII)


def normalised_hash(value) -> bytes:
    """A 16-byte digest of a JSON value that ignores key order and whitespace
    differences inside strings (runs collapsed, ends trimmed)."""
    return xxh3_128_digest(normalised_bytes(value))


def normalised_bytes(value) -> bytes:
    """Canonical JSON of ``value``: sorted keys, whitespace runs inside strings
    collapsed to one space and trimmed at the ends."""
    try:
        data = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        data = repr(value).encode("utf-8", "surrogatepass")
    if not (b"  " in data or b"\\n" in data or b"\\t" in data or b"\\r" in data or b'" ' in data
            or b' "' in data):
        return data
    # JSON escapes newlines and tabs inside strings; after turning them into spaces,
    # split/join collapses every run, and the replaces trim string ends.
    data = b" ".join(data.replace(b"\\n", b" ").replace(b"\\t", b" ").replace(b"\\r", b" ").split())
    return data.replace(b'" ', b'"').replace(b' "', b'"')


_DUMPS = orjson.dumps
_SORT = orjson.OPT_SORT_KEYS
_EMPTY_REST = normalised_bytes({})
"""What a chat record without keys other than ``messages`` adds to its duplicate hash."""


def _message_bytes(message) -> bytes:
    """normalised_bytes() of a message, fast for the usual string content."""
    if isinstance(message, dict):
        content = message.get("content")
        if isinstance(content, str):
            if ("  " in content or "\n" in content or "\t" in content or "\r" in content
                    or content[:1].isspace() or content[-1:].isspace()):
                message = dict(message)
                message["content"] = " ".join(content.split())
            try:
                return _DUMPS(message, option=_SORT)
            except TypeError:
                pass
    return normalised_bytes(message)


def _plain_message_bytes(message) -> bytes:
    """:func:`_message_bytes` for a message from a *plain* line (ASCII, no backslash, no
    double space): there the only whitespace inside strings is single spaces, so a string
    content needs normalising only when it starts or ends with one."""
    if message.__class__ is dict:
        content = message.get("content")
        if content.__class__ is str and content[:1] != " " and content[-1:] != " ":
            try:
                return _DUMPS(message, option=_SORT)
            except TypeError:
                pass
    return _message_bytes(message)


def plain_line(raw: bytes) -> bool:
    """True when no string in this JSON line can hold whitespace other than single spaces
    (every other kind needs an escape or a non-ASCII byte)."""
    return raw.isascii() and b"\\" not in raw and b"  " not in raw


def _normalised_messages(messages: list, plain: bool) -> list[bytes]:
    """:func:`normalised_bytes` of each message (the shortcut for plain lines when ``plain``)."""
    normalise = _plain_message_bytes if plain else _message_bytes
    return [normalise(m) for m in messages]


def _conversation_hashes(normed: list[bytes], has_system: bool, last_assistant: int):
    """(system prompt, input, target) hashes of a conversation from its normalised
    messages; input and target are None without an assistant turn."""
    system = xxh3_64_digest(normed[0]) if has_system else b""
    if last_assistant < 0:
        return system, None, None
    return system, xxh3_128_digest(b"\x1e".join(normed[:last_assistant])), xxh3_128_digest(normed[last_assistant])


def _record_hash(rest: bytes, normed: list[bytes]) -> bytes:
    """The duplicate key of a messages record: its other keys' normalised JSON and each
    normalised message, separated."""
    return xxh3_128_digest(b"\x1e".join([rest, *normed]))


def text_hash(text: str) -> bytes:
    return xxh3_64_digest(text.encode("utf-8", "surrogatepass"))


def _esc(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


@dataclass(slots=True)
class RecordFacts:
    """What dataset-wide rules and reports need from one record: small, picklable."""

    line: int
    offset: int
    length: int
    kind: str | None = None
    messages: int = 0
    tokens: int = 0
    trained_tokens: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    images: int = 0
    dup_hash: bytes | None = None
    system_hash: bytes | None = None
    """Hash of the first system/developer prompt; ``b""`` when the example has none."""
    input_hash: bytes | None = None
    """Hash of the input (prompt, or messages up to the last assistant turn), for FT303."""
    target_hash: bytes | None = None
    texts: list[tuple[str, str]] | None = None
    """(JSON pointer, text) of every trainable string, for content rules (PII)."""
    messages_bytes: list[bytes] | None = None
    """Normalised JSON of each message, so the record hash need not re-serialise them."""
    neardup_tokens: list | None = None
    """Token-id buffers (uint32) of the record's distinctive text (not the system prompt),
    for near-duplicate detection."""


class RecordChecker:
    """Validates records of one file. ``emit`` collects diagnostics for the current line."""

    def __init__(self, path: str, counter: TokenCounter, file_kind: str | None, *,
                 enabled: frozenset[str], max_images: int, separator: str | None = None,
                 stop: str | None = None, collect_tokens: bool = False, collect_texts: bool = True):
        self.path = path
        self.counter = counter
        self.count = counter.count
        self.file_kind = file_kind
        self.enabled = enabled
        self.max_images = max_images
        self.separator = separator
        self.stop = stop
        self.out: list[Diagnostic] = []
        self.errors_found = 0
        """Errors found so far, including those of rules that are not reported."""
        self.line = 0
        self.role_tokens = {role: counter.message_overhead(role) for role in CHAT_ROLES}
        """Chat-template tokens around one message of each role, role label included."""
        self.reply_priming = counter.per_conversation
        self.count_content = counter.count_content
        self.per_name = counter.template.per_name
        self.collect_tokens = collect_tokens
        self.collect_texts = collect_texts
        """Keep (pointer, text) of every string for content rules (PII); off when none is enabled."""
        self.plain = False
        """Set by the caller per line: :func:`plain_line` of the raw line (a hashing shortcut)."""
        self.encode_buffer = None if counter.contextual else counter.raw_buffer
        self.assistant_rstrip = tuple(counter.template.assistant_rstrip)

    # -- plumbing -------------------------------------------------------------------------
    def emit(self, rule: Rule, message: str, pointer: str = "", severity: Severity = ERROR, **extra) -> None:
        code = rule.code
        if severity is ERROR:
            self.errors_found += 1  # counted whether or not the rule is reported
        # Messages and pointers can quote the data (keys, roles, names, URLs): whatever
        # they quote is shown masked, in every output.
        if code in self.enabled:
            self.out.append(Diagnostic(code, mask_text(message), severity, self.path, self.line,
                                       mask_pointer(pointer), **extra))

    def _distinctive(self, text: str, facts: RecordFacts) -> int:
        """Count ``text`` and keep its token ids for near-duplicate shingles."""
        if len(text) > 1_000_000:
            return self.count(text)
        ids = self.counter.tokens(text)
        facts.neardup_tokens.append(ids)
        return len(ids)

    # -- entry point ----------------------------------------------------------------------
    def check(self, record, facts: RecordFacts, detected: str | None) -> None:
        self.line = facts.line
        self.current_facts = facts
        if self.collect_texts:
            facts.texts = []
        if self.collect_tokens:
            facts.neardup_tokens = []
        if not isinstance(record, dict):
            kind = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
                type(record), "a number")
            self.emit(NotAnObject, f"line is {kind}, not a JSON object")
            return
        if detected is None:
            if "role" in record and ("content" in record or "tool_calls" in record):
                # One message per line: an export that flattened its conversations.
                self.emit(UnknownFormat, "line is a single chat message (role, content), not a training example: wrap "
                          'each conversation as {"messages": [...]} on one line')
                return
            keys = ", ".join(sorted(record)[:6]) or "no keys"
            self.emit(UnknownFormat, f"record matches no fine-tuning format (keys: {keys}); expected "
                      "`messages`, `prompt`/`completion` or `input`/`preferred_output`/`non_preferred_output`")
            return
        kind = detected
        errors_before = self.errors_found
        file_kind = self.file_kind
        if file_kind is not None and detected != file_kind:
            if {detected, file_kind} == {CHAT, REINFORCEMENT}:
                kind = file_kind
            else:
                self.emit(MixedFormats, f"{detected} record in a {file_kind} file")
        facts.kind = kind
        if kind == CHAT or kind == REINFORCEMENT:
            self._chat_record(record, facts, kind)
        elif kind == COMPLETION:
            self._completion_record(record, facts)
        else:
            self._preference_record(record, facts)
        if facts.neardup_tokens and self.errors_found > errors_before:
            # A record with an error is compared by what is left of it (an object where text
            # belongs drops out), which finds "near-duplicates" that are the same error again.
            facts.neardup_tokens = None
        if facts.dup_hash is None:
            if facts.messages_bytes is not None and kind in (CHAT, REINFORCEMENT):
                rest = {k: v for k, v in record.items() if k != "messages"}
                facts.dup_hash = _record_hash(normalised_bytes(rest), facts.messages_bytes)
            else:
                facts.dup_hash = normalised_hash(record)
            facts.messages_bytes = None

    # -- the usual chat record, fast ---------------------------------------------------------
    def simple_chat(self, record: dict, plain: bool, texts: bool, pending: list[str], assistant_flags: bytearray):
        """Check the commonest record in one tight pass: ``{"messages": [...]}`` whose
        messages are all ``{"role", "content"}`` with non-blank string content, system or
        developer messages first, user and assistant turns alternating, at least one
        assistant turn. Such a record has nothing to report, and this computes exactly
        the facts :meth:`check` would (``tests/test_fast_path.py`` holds it to that).

        User and assistant texts are not tokenized here: they are appended to ``pending``
        (with a 1 in ``assistant_flags`` for an assistant's), which the caller tokenizes a
        chunk at a time (:meth:`TokenCounter.count_many`), and the token counts come back
        as constants plus sums over those texts (:func:`pending_token_counts`).

        Returns None for any other record (the caller then runs :meth:`check`; nothing is
        appended), else ``(messages, (total, trained, prompt, completion), last_assistant,
        dup, system, input, target, texts)``: the four counts without the pending texts,
        the index in ``pending`` of the last assistant text, the hashes, and (pointer, text)
        pairs only when ``texts`` is true. Call only for a chat (or not yet known) file kind."""
        if len(record) != 1:
            return None
        messages = record.get("messages")
        if messages.__class__ is not list or not messages:
            return None
        role_tokens = self.role_tokens
        count = self.count
        total = trained = prompt = completion = 0
        previous = None
        started = False
        assistant = last = -1
        user_seen = False
        start = len(pending)
        for i, message in enumerate(messages):
            if message.__class__ is not dict or len(message) != 2:
                break
            role = message.get("role")
            content = message.get("content")
            if content.__class__ is not str or not content or len(content) > 1_000_000 or content.isspace():
                break
            if role == "system" or role == "developer":
                if started:
                    break
                total += role_tokens[role] + self.count_content(content, role)
            elif role == "user" or role == "assistant":
                if role == previous:
                    break
                started = True
                if role == "assistant":
                    if self.assistant_rstrip and content.endswith(self.assistant_rstrip):
                        break  # the template changes this text: counted on the full path
                    assistant = i
                    last = len(pending)
                    prompt = total
                    completion = role_tokens[role]
                    trained += completion
                    assistant_flags.append(1)
                else:
                    user_seen = True
                    assistant_flags.append(0)
                pending.append(content)
                total += role_tokens[role]
            else:
                break
            previous = role
        else:
            if assistant >= 0 and user_seen:
                found = [(f"/messages/{i}/content", m["content"]) for i, m in enumerate(messages)] if texts else None
                normed = _normalised_messages(messages, plain)
                system, inp, target = _conversation_hashes(normed, messages[0]["role"] in ("system", "developer"),
                                                           assistant)
                return (len(messages), (total + self.reply_priming, trained, prompt + self.reply_priming, completion),
                        last,
                        _record_hash(_EMPTY_REST, normed), system, inp, target, found)
        del pending[start:]
        del assistant_flags[start:]
        return None

    # -- chat and reinforcement -----------------------------------------------------------
    def _chat_record(self, record: dict, facts: RecordFacts, kind: str) -> None:
        if kind == CHAT:
            for key in record:
                if key not in CHAT_TOP_KEYS:
                    self.emit(UnexpectedField, f"unexpected top-level key {_shown(key)} (chat records define "
                              "messages, tools, parallel_tool_calls, functions, function_call)",
                              "/" + _esc(key), WARNING)
        tool_names, tool_tokens = self._tool_definitions(record)
        ptc = record.get("parallel_tool_calls")
        if ptc is not None and not isinstance(ptc, bool):
            self.emit(InvalidContent, "parallel_tool_calls must be true or false", "/parallel_tool_calls")
        if "messages" not in record:
            self.emit(MissingField, "missing required key 'messages'")
            return
        messages = record["messages"]
        stats = self._messages(messages, "/messages", CHAT_ROLES, tool_names, facts)
        if stats is None:
            return
        total, trained, prompt, completion, has_target, assistant_count = stats
        facts.tokens = total + tool_tokens + self.reply_priming
        facts.prompt_tokens = prompt + tool_tokens + self.reply_priming
        facts.completion_tokens = completion
        if kind == CHAT:
            facts.trained_tokens = trained
            if assistant_count and NoUserMessage.code in self.enabled:
                self._require_user(messages, "/messages")
            if not has_target:
                if assistant_count == 0:
                    self.emit(NoTrainableTarget, "no assistant message: nothing to train on", "/messages")
                else:
                    self.emit(NoTrainableTarget, "every assistant message has weight 0: nothing to train on",
                              "/messages")

    def _require_user(self, messages: list, base: str) -> None:
        """FT116: an example with assistant turns but no user message."""
        for message in messages:
            role = message.get("role") if isinstance(message, dict) else None
            if role == "user" or role not in CHAT_ROLES:
                return  # a user turn, or a turn with a broken role (FT105/FT107) that may be the user's
        present = {m.get("role") for m in messages if isinstance(m, dict)}
        roles = [role for role in CHAT_ROLES if role in present]
        self.emit(NoUserMessage, f"no user message (roles: {', '.join(roles)}): the model learns to answer nobody; "
                  "real requests always have one", base, WARNING)

    def _tool_definitions(self, record: dict) -> tuple[frozenset[str] | None, int]:
        """Validate ``tools`` / legacy ``functions``; return defined names and their token cost."""
        names: set[str] = set()
        defined = False
        functions: list[dict] = []
        tools = record.get("tools")
        if tools is not None:
            defined = True
            if not isinstance(tools, list):
                self.emit(InvalidToolCall, "tools must be a list of tool definitions", "/tools")
            else:
                for i, tool in enumerate(tools):
                    where = f"/tools/{i}"
                    if not isinstance(tool, dict) or not isinstance(tool.get("function"), dict):
                        self.emit(InvalidToolCall,
                                  "tool definition must be {\"type\": \"function\", \"function\": {...}}", where)
                        continue
                    if tool.get("type", "function") != "function":
                        self.emit(InvalidToolCall,
                                  f"unsupported tool type {_shown(tool.get('type'))} (use \"function\")",
                                  where + "/type")
                    fn = tool["function"]
                    if self._function_definition(fn, where + "/function"):
                        names.add(fn["name"])
                        functions.append(fn)
        legacy = record.get("functions")
        if legacy is not None:
            defined = True
            if not isinstance(legacy, list):
                self.emit(InvalidToolCall, "functions must be a list of function definitions", "/functions")
            else:
                for i, fn in enumerate(legacy):
                    if self._function_definition(fn, f"/functions/{i}"):
                        names.add(fn["name"])
                        functions.append(fn)
        tokens = self.counter.count_tool_definitions(functions) if functions else 0
        return (frozenset(names) if defined else None), tokens

    def _function_definition(self, fn, where: str) -> bool:
        if not isinstance(fn, dict):
            self.emit(InvalidToolCall, "function definition must be an object", where)
            return False
        name = fn.get("name")
        if not isinstance(name, str) or not name:
            self.emit(InvalidToolCall, "function definition needs a non-empty string 'name'", where)
            return False
        params = fn.get("parameters")
        if params is not None and not isinstance(params, dict):
            self.emit(InvalidToolCall, f"parameters of function {_shown(name)} must be a JSON schema object",
                      where + "/parameters")
        desc = fn.get("description")
        if desc is not None and not isinstance(desc, str):
            self.emit(InvalidToolCall,
                      f"description of function {_shown(name)} must be a string", where + "/description")
        return True

    def _messages(self, messages, base: str, roles: tuple[str, ...], tool_names: frozenset[str] | None,
                  facts: RecordFacts, *, collect_text: bool = True):
        if not isinstance(messages, list):
            self.emit(InvalidContent, f"messages must be a list, not {_type_name(messages)}", base)
            return None
        if not messages:
            self.emit(InvalidContent, "messages is empty", base)
            return None
        count = self.count
        collect_tokens = self.collect_tokens
        texts = facts.texts
        neardup_tokens = facts.neardup_tokens
        encode_buffer = self.encode_buffer
        no_special = _NO_SPECIAL
        role_tokens = self.role_tokens
        total = trained = 0
        call_ids: set[str] = set()
        msg_tokens: list[int] = []
        assistant_count = 0
        has_target = False
        last_assistant = -1
        previous_role = None
        conversation_started = False
        images = 0
        system_seen = None
        for i, message in enumerate(messages):
            where = f"{base}/{i}"
            if not isinstance(message, dict):
                self.emit(InvalidContent, f"message must be an object, not {_type_name(message)}", where)
                msg_tokens.append(0)
                continue
            role = message.get("role")
            if role is None:
                self.emit(MissingField, "message has no 'role'", where)
                msg_tokens.append(0)
                continue
            if role not in roles:
                shown = _shown(role) if isinstance(role, str) else repr(_type_name(role))
                self.emit(InvalidRole, f"invalid role {shown} (allowed: {', '.join(roles)})", where + "/role")
                msg_tokens.append(0)
                continue
            allowed = _ROLE_KEYS[role]
            # The usual message is {"role", "content"}, which every role allows.
            for key in (() if (len(message) == 2 and "content" in message) or message.keys() <= allowed
                        else message):
                if key not in allowed:
                    if key == "name" and role == "tool":
                        self.emit(UnexpectedField,
                                  "'name' on a tool message: OpenAI documents tool messages with role, "
                                  "content and tool_call_id only and does not say whether fine-tuning rejects "
                                  "'name' (its parallel function-calling example sets it); remove it to be safe",
                                  where + "/name", WARNING)
                    elif key == "weight":
                        self.emit(InvalidWeight, f"weight on a {role} message (only assistant messages carry weight)",
                                  where + "/weight")
                    else:
                        self.emit(UnexpectedField,
                                  f"unexpected key {_shown(key)} in {_a(role)} message", where + "/" + _esc(key),
                                  ERROR)
            tokens = role_tokens[role]
            name = message.get("name")
            if name is not None:
                if not isinstance(name, str) or not name:
                    self.emit(InvalidContent, "name must be a non-empty string", where + "/name")
                elif self.per_name is not None:
                    tokens += self.per_name + count(name)
            # Turn order.
            if role in ("system", "developer"):
                if conversation_started:
                    self.emit(TurnOrder,
                              f"{role} message after the conversation started (put it first)", where, WARNING)
                elif system_seen is None:
                    system_seen = i
            else:
                conversation_started = True
                if role == previous_role and role in ("user", "assistant"):
                    self.emit(TurnOrder, f"two {role} messages in a row", where, WARNING)
            previous_role = role
            # Content.
            content = message.get("content", _MISSING)
            has_calls = role == "assistant" and (message.get("tool_calls") is not None
                                                 or message.get("function_call") is not None)
            if content.__class__ is str and collect_text and content and not content.isspace():
                # Fast path for the usual message: non-empty string content.
                if texts is not None:
                    texts.append((where + "/content", content))
                if role == "system" or role == "developer" or len(content) > 1_000_000:
                    tokens += self.count_content(content, role)  # memoised: system prompts repeat
                elif encode_buffer is None:
                    # A tokenizer that prepares text first (NFC) or a template that renders it
                    # in context: through the counter.
                    tokens += (self._distinctive(content, facts) + self.counter.content_correction(content, role)
                               if collect_tokens else self.count_content(content, role))
                elif collect_tokens:
                    ids = encode_buffer(content, no_special)
                    neardup_tokens.append(ids)
                    tokens += memoryview(ids).nbytes >> 2
                else:
                    # Conversation turns rarely repeat: count them straight, without the memo.
                    tokens += memoryview(encode_buffer(content, no_special)).nbytes >> 2
            else:
                text_tokens, n_images = self._content(content, role, where, has_calls, facts, collect_text)
                tokens += text_tokens
                images += n_images
            if role == "assistant":
                assistant_count += 1
                last_assistant = i
                if has_calls:
                    tokens += self._assistant_calls(message, where, tool_names, call_ids)
                weight = message.get("weight", 1)
                if "weight" in message and (type(weight) is not int or weight not in (0, 1)):
                    self.emit(InvalidWeight, f"weight must be 0 or 1, not {_shown_json(weight)}",
                              where + "/weight")
                    weight = 1
                if weight:
                    has_target = True
                    trained += tokens
            elif role == "tool":
                call_id = message.get("tool_call_id")
                if call_id is None:
                    self.emit(MissingField, "tool message has no 'tool_call_id'", where)
                elif not isinstance(call_id, str) or call_id not in call_ids:
                    shown = _shown(call_id) if isinstance(call_id, str) else repr(_type_name(call_id))
                    self.emit(InvalidToolCall, f"tool result for {shown}, which no earlier assistant tool call has",
                              where + "/tool_call_id")
            elif role == "function" and name is None:
                self.emit(MissingField, "function message has no 'name'", where)
            msg_tokens.append(tokens)
            total += tokens
        if images > self.max_images:
            self.emit(InvalidImage, f"{images} images in one example (at most {self.max_images})", base)
        facts.images += images
        facts.messages += len(messages)
        prompt = sum(msg_tokens[:last_assistant]) if last_assistant >= 0 else total
        completion = msg_tokens[last_assistant] if last_assistant >= 0 else 0
        if collect_text:
            # Each message is normalised once; the record, input (FT303), target (FT303)
            # and system prompt (FT203) hashes are all built from those bytes.
            normed = _normalised_messages(messages, self.plain)
            first = messages[0] if isinstance(messages[0], dict) else {}
            facts.system_hash, facts.input_hash, facts.target_hash = _conversation_hashes(
                normed, first.get("role") in ("system", "developer"), last_assistant)
            facts.messages_bytes = normed
        return total, trained, prompt, completion, has_target, assistant_count

    def _content(self, content, role: str, where: str, has_calls: bool, facts: RecordFacts,
                 collect_text: bool) -> tuple[int, int]:
        cwhere = where + "/content"
        if content is _MISSING or content is None:
            if not has_calls:
                if content is _MISSING:
                    self.emit(MissingField, f"{role} message has no 'content'", where)
                else:
                    self.emit(InvalidContent, f"{role} message content is null", cwhere)
            return 0, 0
        if isinstance(content, str):
            if not content.strip() and not has_calls:
                self.emit(InvalidContent, f"{role} message content is empty", cwhere)
            if collect_text and content:
                if self.collect_texts:
                    facts.texts.append((cwhere, content))
                if self.collect_tokens and role not in ("system", "developer"):
                    return self._distinctive(content, facts) + self.counter.content_correction(content, role), 0
            return self.count_content(content, role), 0
        if isinstance(content, list):
            if not content:
                self.emit(InvalidContent, f"{role} message content is an empty list", cwhere)
                return 0, 0
            tokens = images = 0
            for j, part in enumerate(content):
                pwhere = f"{cwhere}/{j}"
                if not isinstance(part, dict):
                    self.emit(InvalidContent, f"content part must be an object, not {_type_name(part)}", pwhere)
                    continue
                ptype = part.get("type")
                if ptype == "text":
                    text = part.get("text")
                    if not isinstance(text, str):
                        self.emit(InvalidContent, "text part needs a string 'text'", pwhere + "/text")
                    elif not text.strip():
                        self.emit(InvalidContent, "text part is empty", pwhere + "/text")
                    else:
                        if collect_text:
                            if self.collect_texts:
                                facts.texts.append((pwhere + "/text", text))
                        if collect_text and self.collect_tokens and role not in ("system", "developer"):
                            tokens += self._distinctive(text, facts)
                        else:
                            tokens += self.count(text)
                elif ptype == "image_url":
                    images += 1
                    tokens += self._image(part, role, pwhere)
                else:
                    shown = ptype if isinstance(ptype, str) else _type_name(ptype)
                    self.emit(InvalidContent, f"unsupported content part type {_shown(shown)} (use text or image_url)",
                              pwhere)
            return tokens, images
        self.emit(InvalidContent, f"{role} message content must be a string or a list of parts, not "
                  f"{_type_name(content)}", cwhere)
        return 0, 0

    def _image(self, part: dict, role: str, where: str) -> int:
        if role != "user":
            self.emit(InvalidImage, f"image in {_a(role)} message (images are allowed in user messages only)", where)
        image = part.get("image_url")
        if isinstance(image, str):
            url, detail = image, None
        elif isinstance(image, dict):
            url, detail = image.get("url"), image.get("detail")
        else:
            self.emit(InvalidImage, "image_url must be an object with a 'url'", where + "/image_url")
            return 0
        uwhere = where + "/image_url/url" if isinstance(image, dict) else where + "/image_url"
        if not isinstance(url, str) or not url:
            self.emit(InvalidImage, "image has no URL", uwhere)
        elif url.startswith("data:"):
            self._data_url(url, uwhere)
        elif not url.startswith("https://") or len(url) <= len("https://"):
            scheme = url.split(":", 1)[0] if ":" in url else url
            self.emit(InvalidImage,
                      f"image URL must be https:// or a base64 data URL, not {_shown(scheme, 12)}", uwhere)
        if detail is not None and detail not in ("low", "high", "auto"):
            self.emit(InvalidImage, f"image detail must be low, high or auto, not {_shown(str(detail), 20)}",
                      where + "/image_url/detail")
        return IMAGE_TOKENS_LOW if detail == "low" else IMAGE_TOKENS_HIGH

    def _data_url(self, url: str, where: str) -> None:
        m = _DATA_URL.match(url)
        if not m:
            self.emit(InvalidImage, "malformed data URL (expected data:image/<type>;base64,<data>)", where)
            return
        mime = (m.group(1) or "").lower()
        if mime not in _IMAGE_MIME:
            self.emit(InvalidImage,
                      f"unsupported image type {_shown(mime or 'none', 40)} (use JPEG, PNG or WEBP)", where)
            return
        if not m.group(3):
            self.emit(InvalidImage, "data URL is not base64-encoded", where)
            return
        payload = url[m.end():]
        if not payload:
            self.emit(InvalidImage, "data URL has no image data", where)
            return
        try:
            head = base64.b64decode(payload, validate=True)[:16] if len(payload) < 4096 else \
                base64.b64decode(payload[:4096 - 4096 % 4], validate=True)[:16]
            if len(payload) >= 4096:
                base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError):
            self.emit(InvalidImage, "data URL payload is not valid base64", where)
            return
        actual = _sniff_image(head)
        if actual is not None and actual != mime:
            self.emit(InvalidImage, f"data URL says {mime} but the data is {actual}", where)

    def _assistant_calls(self, message: dict, where: str, tool_names: frozenset[str] | None,
                         call_ids: set[str]) -> int:
        tokens = 0
        calls = message.get("tool_calls")
        if calls is not None:
            cwhere = where + "/tool_calls"
            if not isinstance(calls, list) or not calls:
                self.emit(InvalidToolCall, "tool_calls must be a non-empty list", cwhere)
            else:
                for k, call in enumerate(calls):
                    kwhere = f"{cwhere}/{k}"
                    if not isinstance(call, dict):
                        self.emit(InvalidToolCall, "tool call must be an object", kwhere)
                        continue
                    call_id = call.get("id")
                    if not isinstance(call_id, str) or not call_id:
                        self.emit(InvalidToolCall, "tool call needs a string 'id'", kwhere)
                    else:
                        call_ids.add(call_id)
                    if call.get("type", "function") != "function":
                        self.emit(InvalidToolCall,
                                  f"tool call type must be \"function\", not {_shown(str(call.get('type')), 20)}",
                                  kwhere + "/type")
                    fn = call.get("function")
                    if not isinstance(fn, dict):
                        self.emit(InvalidToolCall, "tool call needs a 'function' object with name and arguments",
                                  kwhere + "/function")
                        continue
                    tokens += TOKENS_PER_TOOL_CALL + self._call(fn, kwhere + "/function", tool_names)
        legacy = message.get("function_call")
        if legacy is not None:
            if not isinstance(legacy, dict):
                self.emit(InvalidToolCall,
                          "function_call must be an object with name and arguments", where + "/function_call")
            else:
                tokens += TOKENS_PER_TOOL_CALL + self._call(legacy, where + "/function_call", tool_names)
        return tokens

    def _call(self, fn: dict, where: str, tool_names: frozenset[str] | None) -> int:
        tokens = 0
        name = fn.get("name")
        if not isinstance(name, str) or not name:
            self.emit(InvalidToolCall, "call needs a string function 'name'", where + "/name")
        else:
            tokens += self.count(name)
            if tool_names is not None and name not in tool_names:
                known = ", ".join(sorted(tool_names)) or "none"
                self.emit(InvalidToolCall, f"call to unknown function {_shown(name)} (defined: {_shown(known, 200)})",
                          where + "/name")
        args = fn.get("arguments")
        if isinstance(args, str) and args:
            if self.collect_texts:
                self.current_facts.texts.append((where + "/arguments", args))
        if not isinstance(args, str):
            self.emit(InvalidToolCall, f"arguments must be a string holding a JSON object, not {_type_name(args)}",
                      where + "/arguments")
        else:
            tokens += self.count(args)
            try:
                parsed = orjson.loads(args)
            except orjson.JSONDecodeError:
                self.emit(InvalidToolCall, "arguments are not valid JSON", where + "/arguments")
            else:
                if not isinstance(parsed, dict):
                    self.emit(InvalidToolCall, f"arguments must encode a JSON object, not {_type_name(parsed)}",
                              where + "/arguments")
        return tokens

    # -- preference -----------------------------------------------------------------------
    def _preference_record(self, record: dict, facts: RecordFacts) -> None:
        for key in record:
            if key not in PREFERENCE_KEYS:
                self.emit(UnexpectedField, f"unexpected top-level key {_shown(key)} (preference records define "
                          "input, preferred_output, non_preferred_output)", "/" + _esc(key), WARNING)
        total = prompt = 0
        inp = record.get("input", _MISSING)
        if inp is _MISSING:
            self.emit(MissingField, "missing required key 'input'")
        elif not isinstance(inp, dict):
            self.emit(InvalidContent, f"input must be an object with 'messages', not {_type_name(inp)}", "/input")
        else:
            for key in inp:
                if key not in ("messages", "tools", "parallel_tool_calls"):
                    self.emit(UnexpectedField, f"unexpected key {_shown(key)} in input", "/input/" + _esc(key), WARNING)
            tool_names, tool_tokens = self._tool_definitions_at(inp, "/input")
            if "messages" not in inp:
                self.emit(MissingField, "input has no 'messages'", "/input")
            else:
                stats = self._messages(inp["messages"], "/input/messages", PREFERENCE_INPUT_ROLES, tool_names, facts)
                if stats is not None and NoUserMessage.code in self.enabled:
                    self._require_user(inp["messages"], "/input/messages")
                if stats is not None:
                    total = stats[0] + tool_tokens + self.reply_priming
                    prompt = total
                    facts.input_hash = normalised_hash(inp["messages"])
        outputs = []
        for key in ("preferred_output", "non_preferred_output"):
            value = record.get(key, _MISSING)
            if value is _MISSING:
                self.emit(MissingField, f"missing required key {key!r}")
                outputs.append(None)
                continue
            outputs.append(self._preference_output(value, "/" + key, key, facts))
        preferred, rejected = outputs
        pref_tokens = preferred[0] if preferred else 0
        rej_tokens = rejected[0] if rejected else 0
        if preferred and rejected and preferred[1] == rejected[1]:
            self.emit(InvalidPreferencePair,
                      "preferred_output and non_preferred_output are the same", "/non_preferred_output")
        facts.tokens = total + pref_tokens + rej_tokens
        facts.prompt_tokens = prompt
        facts.completion_tokens = pref_tokens
        facts.trained_tokens = pref_tokens + rej_tokens
        if preferred:
            facts.target_hash = preferred[1]

    def _tool_definitions_at(self, holder: dict, base: str):
        # Reuse the record-level check with pointers under ``base``.
        before = len(self.out)
        names, tokens = self._tool_definitions(holder)
        for i in range(before, len(self.out)):
            d = self.out[i]
            self.out[i] = Diagnostic(d.code, d.message, d.severity, d.path, d.line, base + d.pointer,
                                     d.span, d.related_lines, d.fix)
        return names, tokens

    def _preference_output(self, value, where: str, key: str, facts: RecordFacts):
        if not isinstance(value, list) or len(value) != 1:
            n = len(value) if isinstance(value, list) else None
            what = f"{n} messages" if n is not None else _type_name(value)
            self.emit(InvalidPreferencePair,
                      f"{key} must be a list of exactly one assistant message, not {what}", where)
            return None
        message = value[0]
        if not isinstance(message, dict) or message.get("role") != "assistant":
            role = message.get("role") if isinstance(message, dict) else None
            self.emit(InvalidPreferencePair,
                      f"{key} must be one assistant message, not {_shown(str(role or _type_name(message)))}",
                      where)
            return None
        mwhere = where + "/0"
        for k in message:
            if k not in ("role", "content", "tool_calls", "function_call", "name", "refusal"):
                self.emit(UnexpectedField, f"unexpected key {_shown(k)} in {key}", f"{mwhere}/{_esc(k)}", ERROR)
        has_calls = message.get("tool_calls") is not None
        text_tokens, _ = self._content(message.get("content", _MISSING), "assistant", mwhere, has_calls, facts, True)
        tokens = self.role_tokens["assistant"] + text_tokens
        tokens += self._assistant_calls(message, mwhere, None, set())
        facts.messages += 1
        return tokens, normalised_hash(message)

    # -- legacy completion ----------------------------------------------------------------
    def _completion_record(self, record: dict, facts: RecordFacts) -> None:
        for key in record:
            if key not in COMPLETION_KEYS:
                self.emit(UnexpectedField,
                          f"unexpected top-level key {_shown(key)} (completion records define prompt, completion)",
                          "/" + _esc(key), WARNING)
        values = {}
        for key in ("prompt", "completion"):
            value = record.get(key, _MISSING)
            if value is _MISSING:
                self.emit(MissingField, f"missing required key {key!r}")
            elif not isinstance(value, str):
                self.emit(InvalidContent, f"{key} must be a string, not {_type_name(value)}", "/" + key)
            elif not value.strip():
                self.emit(EmptyPromptOrCompletion, f"{key} is empty", "/" + key)
            else:
                values[key] = value
                if self.collect_texts:
                    facts.texts.append(("/" + key, value))
        prompt = values.get("prompt")
        completion = values.get("completion")
        facts.messages = 0
        if prompt is not None:
            facts.prompt_tokens = self._distinctive(prompt, facts) if self.collect_tokens else self.count(prompt)
            facts.input_hash = text_hash(prompt)
            sep = self.separator
            if sep:
                if not prompt.endswith(sep):
                    self.emit(MissingPromptSeparator,
                              f"prompt does not end with the separator {delimiter_repr(sep)} that the other "
                              "prompts use", "/prompt", WARNING)
                elif sep in prompt[: -len(sep)]:
                    self.emit(SeparatorInsidePrompt,
                              f"the separator {delimiter_repr(sep)} also appears inside the prompt", "/prompt",
                              WARNING, span=_span(prompt, sep))
        if completion is not None:
            facts.completion_tokens = (self._distinctive(completion, facts) if self.collect_tokens
                                       else self.count(completion))
            facts.target_hash = text_hash(completion)
            if not completion[0].isspace():
                self.emit(CompletionWithoutLeadingSpace,
                          "completion does not start with a space", "/completion", WARNING)
            stop = self.stop
            if stop:
                if not completion.endswith(stop):
                    self.emit(MissingStopSequence,
                              f"completion does not end with the stop sequence {delimiter_repr(stop)} "
                              "that the others use", "/completion", WARNING)
                elif stop in completion[: -len(stop)]:
                    self.emit(StopInsideCompletion,
                              f"the stop sequence {delimiter_repr(stop)} also appears inside the completion",
                              "/completion", WARNING, span=_span(completion, stop))
        facts.tokens = facts.prompt_tokens + facts.completion_tokens
        facts.trained_tokens = facts.completion_tokens


def delimiter_repr(text: str) -> str:
    """How messages show a delimiter: quoted, with any personal data or secret masked."""
    return _shown(text, limit=_MAX_SHOWN_DELIMITER)


_MAX_SHOWN_DELIMITER = 80


def _span(text: str, needle: str):
    from ._diagnostic import Span

    at = text.find(needle)
    return Span(at, at + len(needle)) if at >= 0 else None


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<missing>"


_MISSING = _Missing()


def _shown(value, limit: int = 60) -> str:
    """A string from the data as a message quotes it: masked first (so cutting it can
    never leave part of a key unmasked), then cut to ``limit`` characters, then repr'd."""
    if not isinstance(value, str):
        value = str(value)
    value = mask_text(value)
    return repr(value if len(value) <= limit else value[:limit] + "…")


def _shown_json(value, limit: int = 40) -> str:
    """A JSON value from the data as a message quotes it (masked, then cut)."""
    text = mask_text(orjson.dumps(value).decode())
    return text if len(text) <= limit else text[:limit] + "…"


def _type_name(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _sniff_image(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:3] == b"GIF":
        return "image/gif"
    if head[:2] == b"BM":
        return "image/bmp"
    return None


def _a(word: str) -> str:
    """``word`` with its indefinite article: "an assistant", "a user" (a "u" that sounds
    like "you" takes "a"; the words here are role names)."""
    return ("an " if word[:1] in "aeio" else "a ") + word


def pending_token_counts(counts, assistant_flags, starts, ends, lasts, constants):
    """The token counts of records checked by :meth:`RecordChecker.simple_chat`, as numpy
    arrays ``(total, trained, prompt, completion)``: ``counts`` holds the tokens of each
    pending text, ``assistant_flags`` which are an assistant's; per record, ``starts`` and
    ``ends`` delimit its pending texts, ``lasts`` is its last assistant text and
    ``constants`` the four counts simple_chat returned."""
    import numpy as np

    counts = np.asarray(counts, dtype=np.int64)
    flags = np.frombuffer(bytes(assistant_flags), dtype=np.uint8).astype(bool)
    before = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=before[1:])
    trained_before = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(np.where(flags, counts, 0), out=trained_before[1:])
    constants = np.asarray(constants, dtype=np.int64).reshape(-1, 4)
    return (constants[:, 0] + before[ends] - before[starts],
            constants[:, 1] + trained_before[ends] - trained_before[starts],
            constants[:, 2] + before[lasts] - before[starts],
            constants[:, 3] + counts[lasts])
