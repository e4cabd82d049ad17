"""Render one record as a readable conversation (a pure function over the parsed
JSON and its diagnostics, returning Rich text): roles, weights, tool calls
pretty-printed, images as their URL, flagged spans highlighted and personal data
masked unless revealed.

Masking covers every string shown, not only the ones with a finding: role headings,
names, ids, image URLs, tool descriptions, key names, pretty-printed JSON and lines
that are not valid JSON are all searched (:func:`linter.pii.find_sensitive`) before
they are shown. Lines are parsed with the lint's own parser, so a line the lint
rejected (``NaN``, a trailing comma) is shown as an unparseable line, masked too."""

from __future__ import annotations

import json
from typing import Any, Iterable

from rich.text import Text

from linter import Diagnostic, Severity, get_rule, parse_record, pointer_to_path
from linter.rules import PII_RULES
from linter.pii import find_sensitive

MAX_CHARS = 20_000
"""Longest string shown in full; longer ones are cut (the record stays on disk)."""
MASK = "•"
PRIVATE_CODES = frozenset(r.code for r in PII_RULES)
"""Rules whose findings are personal data or secrets: masked unless revealed."""

SEVERITY_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "bold yellow", Severity.INFO: "bold cyan"}
ROLE_STYLE = {"system": "bold magenta", "developer": "bold magenta", "user": "bold green",
              "assistant": "bold blue", "tool": "bold cyan", "function": "bold cyan"}


def is_private(diagnostic: Diagnostic) -> bool:
    return diagnostic.code in PRIVATE_CODES


def mask_spans(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """``text`` with every span replaced by mask characters of the same length, so
    later spans keep their positions."""
    chars = list(text)
    for start, end in spans:
        for i in range(max(0, start), min(end, len(chars))):
            if not chars[i].isspace():
                chars[i] = MASK
    return "".join(chars)


def mask_sensitive(text: str) -> str:
    """``text`` with every value :func:`find_sensitive` finds replaced by mask characters."""
    if len(text) < 6:
        return text
    findings = find_sensitive(text)
    return mask_spans(text, [(f.start, f.end) for f in findings]) if findings else text


def _pretty_json(value: Any) -> str:
    if isinstance(value, str):
        try:
            value = parse_record(value.encode("utf-8", "surrogatepass"))
        except (ValueError, TypeError):
            return value
    return json.dumps(value, indent=2, ensure_ascii=False)


class _Renderer:
    def __init__(self, diagnostics: list[Diagnostic], reveal: bool) -> None:
        self.reveal = reveal
        self.by_pointer: dict[str, list[Diagnostic]] = {}
        for d in diagnostics:
            self.by_pointer.setdefault(d.pointer, []).append(d)
        self.out = Text()
        self.shown: set[int] = set()

    # -- building blocks ---------------------------------------------------------------
    def safe(self, text: str) -> str:
        """``text`` as shown: personal data masked unless revealed."""
        return text if self.reveal else mask_sensitive(text)

    def heading(self, label: str, style: str, extra: str = "") -> None:
        if self.out:
            self.out.append("\n")
        self.out.append(f"▌{self.safe(label)}", style)
        if extra:
            self.out.append(f"  {self.safe(extra)}", "dim")
        self.out.append("\n")

    def notes(self, pointer: str, *, exact: bool = True) -> None:
        """Diagnostics that point at ``pointer`` (or inside it) but not at a span."""
        for key, found in self.by_pointer.items():
            if exact and key != pointer:
                continue
            if not exact and not (key == pointer or key.startswith(pointer + "/")):
                continue
            for d in found:
                if (d.span is not None and key == pointer) or id(d) in self.shown:
                    continue
                self.shown.add(id(d))
                where = f" at {pointer_to_path(key)}" if key != pointer and key else ""
                self.out.append(f"  ◀ {d.code} {d.message}{where}\n", SEVERITY_STYLE.get(d.severity, ""))

    def string(self, value: str, pointer: str, indent: str = "  ") -> None:
        flagged = [d for d in self.by_pointer.get(pointer, []) if d.span is not None]
        if not self.reveal:
            private = [(d.span.start, d.span.end) for d in flagged if is_private(d)]
            if private:
                value = mask_spans(value, private)
            value = mask_sensitive(value)  # also what the lint did not flag here (a finding under a key)
        cut = len(value) - MAX_CHARS
        shown = value[:MAX_CHARS] if cut > 0 else value
        text = Text(shown)
        for d in flagged:
            style = "reverse " + SEVERITY_STYLE.get(d.severity, "yellow").replace("bold ", "")
            text.stylize(style, d.span.start, min(d.span.end, len(shown)))
        text = Text("\n").join(Text(indent) + part for part in text.split("\n", allow_blank=True))
        self.out.append_text(text)
        if cut > 0:
            self.out.append(f"\n{indent}… {cut:,} more characters", "dim italic")
        self.out.append("\n")
        for d in flagged:
            shown_message = d.message
            label = get_rule(d.code).name if get_rule(d.code) else d.code
            self.out.append(f"  ◀ {d.code} {label}: {shown_message}\n", SEVERITY_STYLE.get(d.severity, ""))
        self.notes(pointer)

    def block(self, value: Any, pointer: str, indent: str = "  ") -> None:
        if isinstance(value, str):
            self.string(value, pointer, indent)
            return
        pretty = self.safe(_pretty_json(value))
        self.out.append(Text("\n").join(Text(indent + line) for line in pretty.splitlines()) if pretty else "")
        self.out.append("\n")
        self.notes(pointer, exact=False)

    # -- record shapes -----------------------------------------------------------------
    def content(self, content: Any, pointer: str) -> None:
        if isinstance(content, list):
            for j, part in enumerate(content):
                where = f"{pointer}/{j}"
                if isinstance(part, dict) and part.get("type") == "text":
                    self.string(str(part.get("text", "")), f"{where}/text")
                elif isinstance(part, dict) and part.get("type") == "image_url":
                    image = part.get("image_url") or {}
                    url = image.get("url", "") if isinstance(image, dict) else str(image)
                    detail = image.get("detail") if isinstance(image, dict) else None
                    if isinstance(url, str) and url.startswith("data:"):
                        head = url.split(",", 1)[0]
                        url = f"{head},… ({len(url):,} characters)"
                    shown = f"  [image] {url}" + (f" (detail: {detail})" if detail else "")
                    self.out.append(self.safe(shown) + "\n", "italic")
                    self.notes(where, exact=False)
                else:
                    self.block(part, where)
            self.notes(pointer)
        elif content is None:
            self.out.append("  (no content)\n", "dim italic")
            self.notes(pointer)
        else:
            self.block(content, pointer)

    def message(self, message: Any, pointer: str) -> None:
        if not isinstance(message, dict):
            self.heading("?", "bold red")
            self.block(message, pointer)
            return
        role = str(message.get("role", "?"))
        extra = []
        if "name" in message:
            extra.append(f"name={message['name']}")
        if "weight" in message:
            extra.append(f"weight={message['weight']}")
        if "tool_call_id" in message:
            extra.append(f"tool_call_id={message['tool_call_id']}")
        self.heading(role, ROLE_STYLE.get(role, "bold"), "  ".join(extra))
        self.notes(pointer)
        if "content" in message:
            self.content(message["content"], f"{pointer}/content")
        for i, call in enumerate(message.get("tool_calls") or []):
            where = f"{pointer}/tool_calls/{i}"
            function = call.get("function", {}) if isinstance(call, dict) else {}
            name = function.get("name", "?") if isinstance(function, dict) else "?"
            call_id = call.get("id", "") if isinstance(call, dict) else ""
            self.out.append(self.safe(f"  → call {name}"), "bold cyan")
            self.out.append(self.safe(f"  {call_id}") + "\n", "dim")
            arguments = function.get("arguments") if isinstance(function, dict) else call
            self.block(arguments, f"{where}/function/arguments", indent="    ")
            self.notes(where, exact=False)
        if isinstance(message.get("function_call"), dict):
            call = message["function_call"]
            self.out.append(self.safe(f"  → function {call.get('name', '?')}") + "\n", "bold cyan")
            self.block(call.get("arguments"), f"{pointer}/function_call/arguments", indent="    ")
        known = {"role", "content", "name", "weight", "tool_calls", "tool_call_id", "function_call"}
        for key, value in message.items():
            if key not in known:
                self.out.append(f"  {self.safe(key)}: ", "dim")
                self.block(value, f"{pointer}/{key}", indent="    ")

    def messages(self, messages: Any, pointer: str) -> None:
        if not isinstance(messages, list):
            self.block(messages, pointer)
            return
        self.notes(pointer)
        for i, message in enumerate(messages):
            self.message(message, f"{pointer}/{i}")

    def tools(self, tools: Any, pointer: str) -> None:
        if not isinstance(tools, list):
            return
        self.heading("tools", "bold cyan", f"{len(tools)} defined")
        for i, tool in enumerate(tools):
            function = tool.get("function", tool) if isinstance(tool, dict) else {}
            name = function.get("name", "?") if isinstance(function, dict) else "?"
            description = function.get("description", "") if isinstance(function, dict) else ""
            self.out.append(self.safe(f"  {name}"), "bold")
            self.out.append(self.safe(f"  {description}") + "\n" if description else "\n", "dim")
            self.notes(f"{pointer}/{i}", exact=False)

    def record(self, record: Any) -> Text:
        self.notes("")
        if not isinstance(record, dict):
            self.heading("not an object", "bold red")
            self.block(record, "")
            return self.out
        done = set()
        if "input" in record and isinstance(record["input"], dict):
            self.tools(record["input"].get("tools"), "/input/tools")
            self.messages(record["input"].get("messages"), "/input/messages")
            for key in ("preferred_output", "non_preferred_output"):
                if key in record:
                    self.heading(key.replace("_", " "), "bold green" if key.startswith("pref") else "bold red")
                    self.messages(record[key], f"/{key}")
            done |= {"input", "preferred_output", "non_preferred_output"}
        if "messages" in record:
            self.tools(record.get("tools") or record.get("functions"), "/tools" if "tools" in record else "/functions")
            self.messages(record["messages"], "/messages")
            done |= {"messages", "tools", "functions"}
        for key in ("prompt", "completion"):
            if key in record:
                self.heading(key, "bold green" if key == "prompt" else "bold blue")
                self.block(record[key], f"/{key}")
                done.add(key)
        for key, value in record.items():
            if key not in done:
                self.heading(key, "bold", "extra field")
                self.block(value, f"/{key}")
        return self.out


def render_record(raw: bytes, diagnostics: list[Diagnostic], *, reveal: bool = False) -> Text:
    """The record in ``raw`` (one JSONL line) as conversation text."""
    try:
        record = parse_record(raw)
    except ValueError:
        text = Text()
        text.append("▌unparseable line\n", "bold red")
        body = raw.decode("utf-8", errors="replace")
        if not reveal:
            body = mask_sensitive(body)
        text.append(body[:MAX_CHARS] + ("…" if len(body) > MAX_CHARS else "") + "\n")
        return text
    return _Renderer(diagnostics, reveal).record(record)


def describe_diagnostic(d: Diagnostic, *, reveal: bool = False) -> Text:
    """One line for the record's problem list."""
    text = Text()
    text.append(f"{d.severity.label:<8}", SEVERITY_STYLE.get(d.severity, ""))
    text.append(f"{d.code} ", "bold")
    rule = get_rule(d.code)
    if rule is not None:
        text.append(f"{rule.name} ", "dim")
    text.append(d.message)
    if d.pointer:
        text.append(f"  at {pointer_to_path(d.pointer)}", "dim")
    if d.related_lines:
        text.append(f"  (see line {', '.join(map(str, d.related_lines))})", "dim")
    if d.fix is not None:
        text.append(f"  fix: {d.fix.description} ({d.fix.applicability.value})", "green")
    return text
