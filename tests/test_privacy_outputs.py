"""Personal data and secrets never appear unmasked in any output."""

from __future__ import annotations

import logging

import pytest

from tui.cli import main

RAW = {
    "email": "jane.doe@acme-mail.io",
    "card": "5555 5555 5555 4444",
    "ssn": "536-22-1234",
    "iban": "DE89 3704 0044 0532 0130 00",
    "key": "sk-proj-Zq8XJ1yUc61LXFgaKZ828oJCLw0auQtgjS9kWMSv3YEvEC9rY2QJf2n",
    "aws": "AKIAZ7Q3N5W2X4Y6V8T0",
}


@pytest.fixture
def leaky(write_jsonl):
    text = ", ".join(RAW.values())
    return write_jsonl(
        '{"messages": [{"role": "user", "content": "My details: ' + text + '"}, '
        '{"role": "assistant", "content": "Thanks."}]}\n')


@pytest.mark.parametrize("fmt", ["text", "json", "github", "sarif"])
def test_values_are_masked_in_every_format(leaky, capsys, caplog, fmt):
    caplog.set_level(logging.DEBUG)
    code = main(["lint", str(leaky), "--format", fmt])
    out, err = capsys.readouterr()
    assert code == 1
    everything = out + err + caplog.text
    for name, value in RAW.items():
        assert value not in everything, name
        assert value.replace(" ", "") not in everything, name
    assert "FT607" in out and "FT603" in out


def test_masked_forms_keep_a_recognisable_hint(leaky, capsys):
    main(["lint", str(leaky), "--format", "json"])
    out = capsys.readouterr().out
    assert "j***@acme-mail.io" in out or "***@acme-mail.io" in out
    assert "4444" in out  # last four digits of the card
