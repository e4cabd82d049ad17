"""The duplicate keys (FT301/FT303/FT203) ignore whitespace differences; the shortcut for
plain lines must give exactly the bytes the general normalisation gives."""

from __future__ import annotations

import json

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from linter._validate import _message_bytes, _plain_message_bytes, plain_line

_text = st.text(alphabet=" ab\n\t\r\u00a0\u2003é\\\"x", max_size=12)
_message = st.fixed_dictionaries(
    {"role": st.sampled_from(["user", "assistant"]),
     "content": _text | st.lists(st.fixed_dictionaries({"type": st.just("text"), "text": _text}), max_size=2)},
    optional={"name": _text, "weight": st.integers(0, 1)})


@settings(max_examples=1500, deadline=None)
@given(st.lists(_message, min_size=1, max_size=3), st.booleans())
def test_plain_line_shortcut_matches_full_normalisation(messages, spaced) -> None:
    raw = (json.dumps({"messages": messages}) if spaced else orjson.dumps({"messages": messages}).decode()).encode()
    if plain_line(raw):
        for message in messages:
            assert _plain_message_bytes(message) == _message_bytes(message)


def test_what_counts_as_plain() -> None:
    assert plain_line(b'{"messages": [{"role": "user", "content": "a b c"}]}\n')
    assert not plain_line(b'{"messages": [{"role": "user", "content": "a\\nb"}]}')  # an escape
    assert not plain_line(b'{"messages": [{"role": "user", "content": "a  b"}]}')  # a double space
    assert not plain_line('{"messages": [{"role": "user", "content": "a\u00a0b"}]}'.encode())  # non-ASCII
