"""Unit tests for linter.pii: each kind, look-alikes that must stay quiet, masking, adversarial input."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from linter.pii import CODE_FOR_KIND, KINDS, Finding, find_sensitive, mask, placeholder, redact


def kinds_in(text: str, **kwargs) -> list[tuple[str, str]]:
    return [(f.kind, text[f.start : f.end]) for f in find_sensitive(text, **kwargs)]


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("mail me: jane.doe@acme.com.", "email", "jane.doe@acme.com"),
        ("call (415) 555-2671 today", "phone", "(415) 555-2671"),
        ("call +44 20 7946 0958", "phone", "+44 20 7946 0958"),
        ("tel 020 7946 0958", "phone", "020 7946 0958"),
        ("my phone is 4155552671", "phone", "4155552671"),
        ("card 4111 1111 1111 1111 ok", "credit-card", "4111 1111 1111 1111"),
        ("amex 378282246310005", "credit-card", "378282246310005"),
        ("ssn 123-45-6789", "national-id", "123-45-6789"),
        ("NINO AB 12 34 56 C", "national-id", "AB 12 34 56 C"),
        ("DNI 12345678Z", "national-id", "12345678Z"),
        ("mijn BSN: 111222333", "national-id", "111222333"),
        ("from 8.8.8.8 today", "ip-address", "8.8.8.8"),
        ("from 2001:4860:4860::8888 today", "ip-address", "2001:4860:4860::8888"),
        ("IBAN DE89 3704 0044 0532 0130 00 EUR", "iban", "DE89 3704 0044 0532 0130 00"),
        ("key sk-proj-Ab3dEf6hIj9kLmN0pQrStUvWxYz1234567890abcd", "secret", "sk-proj-Ab3dEf6hIj9kLmN0pQrStUvWxYz1234567890abcd"),
        ("id AKIAZ7Q3HX4K2LMNOPQR", "secret", "AKIAZ7Q3HX4K2LMNOPQR"),
        ("id ACCAZ7Q3HX4K2LMNOPQR", "secret", "ACCAZ7Q3HX4K2LMNOPQR"),
        ("tok ghp_aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6", "secret", "ghp_aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6"),
        ("x xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", "secret", "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"),
        ("g AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW", "secret", "AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW"),
    ],
)
def test_detects(text: str, kind: str, value: str) -> None:
    assert (kind, value) in kinds_in(text)


@pytest.mark.parametrize(
    "text",
    [
        "write to john@example.com or ops@mail.example.org or a@b.test or root@localhost",
        "card 4111 1111 1111 1112 was declined",  # Luhn fails
        "upgrade to version 1.2.3.4, v1.2.3.4 or 1.2.3.4-beta",
        "router 192.168.1.1, 10.0.0.1, 127.0.0.1 and docs range 203.0.113.5",
        "order #4829104729 on 2024-01-15T10:30:00Z, timestamp 1700000000, total $1,299.99",
        "request 123e4567-e89b-12d3-a456-426614174000 commit 3f786850e387550fdab836ed7e6dc881de23001b",
        "placeholders sk-xxxxxxxxxxxxxxxxxxxxxxxx sk-your-api-key-here AKIAIOSFODNN7EXAMPLE",
        "ssn 666-12-3456 and 123-00-4567 are invalid",
        "fictional 555-0123 and (415) 555-0199",
        "icon@2x.png and @property and npm @types/node",
        "pi 3.14159265358979 and 1,000,000 users at 12:30:45",
    ],
)
def test_lookalikes_stay_quiet(text: str) -> None:
    assert kinds_in(text) == []


def test_card_is_not_also_a_phone() -> None:
    findings = find_sensitive("pay with 4111-1111-1111-1111 now")
    assert [f.kind for f in findings] == ["credit-card"]


def test_findings_sorted_and_disjoint() -> None:
    text = "a@acme.io +1 415 555 2671 4111111111111111 8.8.8.8 123-45-6789"
    findings = find_sensitive(text)
    assert [f.start for f in findings] == sorted(f.start for f in findings)
    assert all(a.end <= b.start for a, b in zip(findings, findings[1:]))
    assert {f.code for f in findings} == {CODE_FOR_KIND[f.kind] for f in findings}


def test_finding_never_holds_raw_value() -> None:
    text = "key sk-proj-Ab3dEf6hIj9kLmN0pQrStUvWxYz1234567890abcd and 123-45-6789"
    for finding in find_sensitive(text):
        raw = text[finding.start : finding.end]
        assert raw not in repr(finding)
        assert raw not in finding.masked


def test_masks() -> None:
    assert mask("email", "jane@acme.com") == "j***@acme.com"
    assert mask("credit-card", "4111 1111 1111 1111") == "****-****-****-1111"
    assert mask("national-id", "123-45-6789") == "***-**-6789"
    assert mask("secret", "sk-" + "a1B2" * 10 + "9f2c") == "sk-...9f2c"
    assert mask("ip-address", "8.8.8.8") == "8.*.*.*"


def test_placeholders_and_redact() -> None:
    assert [placeholder(k) for k in KINDS] == [
        "[EMAIL]", "[PHONE]", "[CREDIT_CARD]", "[NATIONAL_ID]", "[IP_ADDRESS]", "[IBAN]", "[SECRET]"
    ]
    text = "mail jane@acme.com or call (415) 555-2671."
    assert redact(text, find_sensitive(text)) == "mail [EMAIL] or call [PHONE]."


def test_allowlists_and_kinds() -> None:
    text = "jane@acme.com and bob@corp.acme.com and 8.8.8.8"
    assert kinds_in(text, allow_domains=frozenset({"acme.com"})) == [("ip-address", "8.8.8.8")]
    assert kinds_in(text, allow_values=frozenset({"8.8.8.8", "JANE@ACME.COM"})) == [("email", "bob@corp.acme.com")]
    assert kinds_in(text, kinds=frozenset({"ip-address"})) == [("ip-address", "8.8.8.8")]


def test_unicode_full_width_rtl_emoji_combining() -> None:
    text = "بطاقتي ４１１１ １１１１ １１１１ １１１１ 🎉 josé@acme.com ｊａｎｅ＠ａｃｍｅ．ｃｏｍ e\u0301 +971 50 123 4567 שלום"
    found = kinds_in(text)
    assert ("credit-card", "４１１１ １１１１ １１１１ １１１１") in found
    assert ("email", "josé@acme.com") in found
    assert ("email", "ｊａｎｅ＠ａｃｍｅ．ｃｏｍ") in found
    assert ("phone", "+971 50 123 4567") in found
    # Spans index the original string even with astral characters and combining marks.
    for finding in find_sensitive(text):
        assert 0 <= finding.start < finding.end <= len(text)


def test_private_key_block_is_one_finding() -> None:
    text = "-----BEGIN RSA PRIVATE KEY-----\n" + "MIIEpAIBAAKCAQEA1234567890abcdefghijklmnopqrstuv\n" * 3 + "-----END RSA PRIVATE KEY-----\nbye"
    findings = find_sensitive(text)
    assert [(f.kind, f.start, text[f.end - 5 : f.end]) for f in findings] == [("secret", 0, "-----")]
    assert findings[0].masked == "-----BEGIN RSA PRIVATE KEY-----..."


def test_never_crashes_on_odd_strings() -> None:
    for text in ["", "@", "\ud800 lone surrogate 4111111111111111", "::::::::", "-----BEGIN PRIVATE KEY-----", "eyJ.eyJ.x" * 5]:
        assert isinstance(find_sensitive(text), list)
    assert isinstance(Finding("FT601", "email", 0, 1, "*"), Finding)


ADVERSARIAL = textwrap.dedent(
    """
    import sys, time
    from linter.pii import find_sensitive
    size = 10_000_000
    cases = {
        "digits": "1" * size,
        "spaced digits": "1 " * (size // 2),
        "dashed digits": "12-" * (size // 3),
        "dotted": "1.2." * (size // 4),
        "at signs": "a@" * (size // 2),
        "labels": "a@" + "a." * (size // 2),
        "sk prefixes": "sk-" * (size // 3),
        "sk body": "sk-" + "aB3" * (size // 3),
        "plus": "+1 " * (size // 3),
        "colons": "a:" * (size // 2),
        "hex colons": "ab12::" * (size // 6),
        "eyJ": "eyJ." * (size // 4),
        "BEGIN": "-----BEGIN PRIVATE KEY-----" * (size // 27),
        "upper digits": "DE89" * (size // 4),
        # Dense genuine PII (one finding every 13 characters) costs real work per
        # finding, so this one is 1 MB: it checks linearity, not regex safety.
        "dense real pii": ("4111 1111 1111 1111 call +1 415 555 2671 jane@acme.com 8.8.8.8 " * (1_000_000 // 64)),
    }
    for name, text in cases.items():
        started = time.perf_counter()
        find_sensitive(text)
        print(f"{name}: {time.perf_counter() - started:.2f}s", flush=True)
    """
)


@pytest.mark.slow
def test_ten_megabyte_adversarial_lines_finish() -> None:
    # Catastrophic backtracking would take minutes or hours; the bound is generous on purpose.
    result = subprocess.run([sys.executable, "-c", ADVERSARIAL], capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") == 15
