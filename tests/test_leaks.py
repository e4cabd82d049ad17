"""Issue 12, "Leaks": a value from the data is masked in every output.

Fake personal data and secrets are planted in every field a record can have (keys,
roles, names, weights, tool_call_ids, function names, tool descriptions and schemas,
image URLs and detail, lines that are not JSON, lines with ``NaN``); then every output
is searched for any raw piece of them: text, JSON, GitHub and SARIF lint output,
``fix --redact-pii``'s file and summary, and the app's screens as rendered.
"""

from __future__ import annotations

import logging
import re

import orjson
import pytest

from linter import LintConfig, lint_path
from tests.app_pilot import screen_text
from tui.cli import main

# name -> (planted value, raw pieces that must never be shown)
PLANTED = {
    "email": ("marguerite.okafor@acme-corp.com", ["marguerite.okafor@acme-corp.com", "marguerite"]),
    "ssn": ("219-45-7812", ["219-45-7812", "219457812"]),
    "openai": ("sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z", ["Ab3dEf6hIj9kLm2nOp5qRs8t"]),
    "aws-id": ("AKIAQ7R2M5X9T4W8K3P6", ["AKIAQ7R2M5X9T4W8K3P6", "Q7R2M5X9T4W8"]),
    "aws-secret": ("aws_secret_access_key=k9Fq2LmZx7Rt4Vb8Nc1Hd6Js3Wp5Ye0Ua2Ti9Og4", ["k9Fq2LmZx7Rt4Vb8Nc1Hd6Js3"]),
    "github": ("ghp_R8mK2xQ9vL4tZ7nW1pY6sB3dF5hJ0cA2gE4u", ["R8mK2xQ9vL4tZ7nW1pY6sB3d"]),
    "jwt": ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXZhbHVlLTEyMzQ1Njc4",
            ["eyJzdWIiOiIxMjM0NTY3ODkwIn0", "c2lnbmF0dXJlLXZhbHVl"]),
    "phone": ("+44 20 7946 0321", ["20 7946 0321", "2079460321"]),
    "iban": ("DE44 5001 0517 5407 3249 31", ["5001 0517 5407", "DE44500105175407"]),
    "card": ("4539 1488 0343 6467", ["4539 1488 0343 6467", "4539148803436467", "1488 0343"]),
}


def everything_record(value: str) -> dict:
    """A chat record with ``value`` in every field (most of them also invalid, so the
    validation messages that quote fields fire too)."""
    note = f"note {value}"
    return {
        "messages": [
            {"role": "system", "content": "You are a support agent."},
            {"role": "user", "name": note, note: "an unexpected key", "content": [
                {"type": "text", "text": "Here are the pictures."},
                {"type": "image_url", "image_url": {"url": f"https://files.acme.io/a.png?q={value}", "detail": note}},
                {"type": "image_url", "image_url": {"url": note}},
                {"type": note, "text": "a part of an unknown type"},
            ]},
            {"role": "assistant", "content": None, "weight": note, "tool_calls": [
                {"id": note, "type": "function", "function": {"name": note, "arguments": "{}"}},
                {"id": "call_2", "type": note, "function": {"name": "lookup", "arguments": "{}"}},
            ]},
            {"role": "tool", "tool_call_id": note, "content": "done"},
            {"role": "tool", "tool_call_id": f"other {value}", "content": "done"},
            {"role": note, "content": "Hello again."},
            {"role": "assistant", "content": "All sorted.", "weight": 1},
        ],
        "tools": [{"type": "function", "function": {
            "name": "lookup", "description": note,
            "parameters": {"type": "object", "properties": {note: {"type": "string", "description": note}}}}}],
        note: 1,
    }


# Where the planted value sits in everything_record (a pointer per field; keys as "#...").
PLANTED_FIELDS = 15


def planted_lines(value: str) -> list[bytes]:
    note = f"note {value}"
    return [
        orjson.dumps(everything_record(value)),
        # Not JSON: the record stops in the middle.
        b'{"messages": [{"role": "user", "content": "' + note.encode() + b'"}, {"role": "assist',
        # NaN is not JSON either (Python's json module would accept it).
        b'{"messages": [{"role": "user", "content": "' + note.encode() + b'", "score": NaN}, '
        b'{"role": "assistant", "content": "ok"}]}',
        # Messy formatting: escapes and non-ASCII (no shortcut through the prefilter).
        b'{"messages":  [{"role": "user", "content": "caf\\u00e9 \xc3\xa9t\xc3\xa9"}, '
        b'{"role": "assistant", "content": "ok", "' + note.encode() + b'": "\\t"}]}',
    ]


@pytest.fixture
def leaky(write_jsonl):
    lines = [line for value, _ in PLANTED.values() for line in planted_lines(value)]
    # A few ordinary records so the file is a chat file with a format majority.
    lines += [b'{"messages": [{"role": "user", "content": "Where is my parcel?"}, '
              b'{"role": "assistant", "content": "On its way."}]}'] * 12
    return write_jsonl(b"\n".join(lines) + b"\n", name="leaky.jsonl")


def raw_pieces_in(text: str) -> list[str]:
    """Every planted piece found in ``text``, with the kind it belongs to; also across
    a line wrapped on screen (the pieces include each value without its spaces)."""
    unwrapped = re.sub(r"\s*\n\s*", "", text)
    found = []
    for name, (_, pieces) in PLANTED.items():
        for piece in pieces:
            if piece in text or piece in unwrapped or piece.replace(" ", "\u00a0") in text:
                found.append(f"{name}: {piece}")
    return found


def test_every_field_is_scanned(leaky):
    report = lint_path(leaky, LintConfig())
    per_line: dict[int, set[str]] = {}
    for d in report.diagnostics:
        if d.code.startswith("FT60"):
            per_line.setdefault(d.line, set()).add(d.pointer + ("#key" if "key name" in d.message else ""))
    for i, name in enumerate(PLANTED):
        first = 4 * i + 1
        assert len(per_line.get(first, ())) >= PLANTED_FIELDS, (name, sorted(per_line.get(first, ())))
        assert per_line.get(first + 1) == {""}, name  # the unparseable line, scanned as text
        assert per_line.get(first + 2) == {""}, name  # the NaN line
        assert any(p.endswith("#key") for p in per_line.get(first + 3, ())), name  # a key on a non-plain line


@pytest.mark.parametrize("fmt", ["text", "json", "github", "sarif"])
def test_no_raw_value_in_any_lint_output(leaky, capsys, caplog, fmt):
    caplog.set_level(logging.DEBUG)
    code = main(["lint", str(leaky), "--format", fmt])
    out, err = capsys.readouterr()
    assert code == 1
    assert raw_pieces_in(out + err + caplog.text) == []
    # The findings are there, masked: the output is not simply empty.
    for masked in ("m***@acme-corp.com", "sk-proj-...Xy4z", "ghp_...gE4u", "***-**-7812", "****-****-****-6467"):
        assert masked in out, masked
    assert "FT106" in out and "FT107" in out and "FT110" in out and "FT111" in out and "FT112" in out


def test_fix_redact_pii_leaves_no_raw_value(leaky, tmp_path, capsys):
    output = tmp_path / "clean.jsonl"
    code = main(["fix", str(leaky), "-o", str(output), "--redact-pii"])
    out, err = capsys.readouterr()
    assert code in (0, 1)
    written = output.read_text(encoding="utf-8")
    assert raw_pieces_in(written) == []
    assert raw_pieces_in(out + err) == []
    lines = written.splitlines()
    fixed = orjson.loads(lines[0])
    # Keys are redacted, values kept: the record is the same shape with placeholders.
    assert "note [EMAIL]" in fixed and fixed["messages"][1]["name"] == "note [EMAIL]"
    assert fixed["tools"][0]["function"]["description"] == "note [EMAIL]"
    assert lines[1].startswith('{"messages": [{"role": "user", "content": "note [EMAIL]"}')  # still not JSON
    assert "[SECRET]" in written and "[CREDIT_CARD]" in written and "[IBAN]" in written


def test_escape_characters_in_a_file_name_are_not_sent_to_the_terminal(tmp_path, capsys):
    path = tmp_path / "evil\x1b]0;pwned\x07\x1b[2J\u202e.jsonl"
    path.write_bytes(b'{"messages": [{"role": "user", "content": "hi"}]}\n')
    for fmt in ("text", "github"):
        main(["lint", str(path), "--format", fmt])
        out, err = capsys.readouterr()
        assert "\x1b" not in out + err and "\x07" not in out + err and "\u202e" not in out + err, fmt
        assert "evil\\x1b]0;pwned\\x07" in out, fmt  # shown, as escapes
    main(["fix", str(path), "-o", str(tmp_path / "out\x1b[2J.jsonl")])
    out, err = capsys.readouterr()
    assert "\x1b" not in out + err and "out\\x1b[2J.jsonl" in out
    main(["lint", str(tmp_path / "missing\x1b[2J"), "--config", str(tmp_path / "none\x1b[2J.toml")])
    out, err = capsys.readouterr()
    assert "\x1b" not in out + err and "\\x1b[2J" in err


def test_control_characters_quoted_from_the_data_are_escaped(write_jsonl, capsys):
    path = write_jsonl('{"messages": [{"role": "user\\u001b[2J", "content": "hi"}, '
                       '{"role": "assistant", "content": "ok"}]}\n')
    main(["lint", str(path)])
    out = capsys.readouterr().out
    assert "\x1b" not in out and "FT107" in out


# -- the app ---------------------------------------------------------------------------


async def test_the_app_never_shows_a_raw_value(write_jsonl):
    from test_app import linted, make_app

    from tui.screens.record import RecordScreen

    # Every planted value in every field of four records (the lint tests above use one
    # value per record): the app renders the same fields whatever they hold.
    every = " ; ".join(value for value, _ in PLANTED.values())
    leaky = write_jsonl(b"\n".join(planted_lines(every)) + b"\n", name="leaky.jsonl")
    app = make_app(leaky)
    async with app.run_test(size=(220, 120)) as pilot:
        await linted(pilot)
        table = app.main.table
        model = app.session.records
        seen = []
        for line in range(1, 5):
            table.move_to(model.position_of_line(line))
            await pilot.pause()
            seen.append(("preview", line, screen_text(app)))
            await pilot.press("enter")
            assert isinstance(app.screen, RecordScreen)
            await pilot.pause()
            seen.append(("record", line, screen_text(app)))
            seen.append(("record widget", line, str(app.screen.query_one("#conversation").content)
                         + str(app.screen.query_one("#record-diagnostics").content)))
            if line == 1:  # the screen text is read for real: revealing shows the value
                await pilot.press("v")
                await pilot.pause()
                assert "marguerite.okafor@acme-corp.com" in screen_text(app)
                await pilot.press("v")
            await pilot.press("escape")
        await pilot.press("2")  # the problems tab
        await pilot.pause()
        seen.append(("problems", 0, screen_text(app)))
        for where, line, text in seen:
            assert raw_pieces_in(text) == [], (where, line)
        # The screens do show the records, masked.
        assert "•••" in seen[1][2] and "tool_call_id=" in seen[2][2]


def test_a_quoted_value_is_masked_before_it_is_cut(write_jsonl):
    """A long field quoted in a message is cut to a few characters; cutting first would
    leave a piece of a key too short to be recognised, shown raw."""
    key = "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z"
    record = {"messages": [
        {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://x.io/a.png",
                                                                          "detail": key}}]},
        {"role": "assistant", "content": "ok", "weight": key},
        {"role": "assistant", "content": "ok", "tool_calls": [{"id": "c1", "type": key,
                                                             "function": {"name": "f", "arguments": "{}"}}]},
    ]}
    report = lint_path(write_jsonl(orjson.dumps(record) + b"\n"), LintConfig())
    quoted = [d.message for d in report.diagnostics if d.code in ("FT110", "FT111", "FT112")]
    assert len(quoted) >= 3
    for message in quoted:
        assert key[8:14] not in message, message
        assert "sk-proj-..." in message, message


def test_masking_helpers():
    from linter.pii import json_strings, mask_pointer, mask_text

    assert mask_text("call +44 20 7946 0321 or write to marguerite.okafor@acme-corp.com") == \
        "call +** ** **** **21 or write to m***@acme-corp.com"
    assert mask_text("nothing here") == "nothing here"
    assert mask_pointer("/messages/0/marguerite.okafor@acme-corp.com") == "/messages/0/m***@acme-corp.com"
    # A reference token is masked alone: "/" never joins two into one finding.
    assert mask_pointer("/a~1b/messages/12/content") == "/a~1b/messages/12/content"
    texts = json_strings({"messages": [{"role": "user", "content": "hello there",
                                        "marguerite.okafor@acme-corp.com": ["a list item"]}]})
    assert texts == [("/messages/0/content", "hello there"),
                     ("#/messages/0/marguerite.okafor@acme-corp.com", "marguerite.okafor@acme-corp.com"),
                     ("/messages/0/marguerite.okafor@acme-corp.com/0", "a list item")]


@pytest.mark.parametrize("kind", ["preference", "completion"])
def test_other_formats_mask_and_scan_every_field(write_jsonl, capsys, kind):
    every = " ; ".join(value for value, _ in PLANTED.values())
    note = f"note {every}"
    if kind == "preference":
        record = {"input": {"messages": [{"role": "user", "content": "Hi", "name": note}], note: 1},
                  "preferred_output": [{"role": "assistant", "content": "Hello", note: 2}],
                  "non_preferred_output": [{"role": note, "content": "Go away"}]}
    else:
        record = {"prompt": "Summarise: ->", "completion": " ok END", note: 1}
    lines = [orjson.dumps(record)] * 1 + [orjson.dumps(record).replace(b"Hi", b"Hello there")]
    path = write_jsonl(b"\n".join(lines) + b"\n")
    for fmt in ("text", "json"):
        main(["lint", str(path), "--format", fmt])
        out, err = capsys.readouterr()
        assert raw_pieces_in(out + err) == [], fmt
        assert "FT106" in out and "m***@acme-corp.com" in out and "FT607" in out, fmt
