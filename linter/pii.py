"""Offline detectors for personal data and secrets (rules FT601-FT607).

Everything here is pure: no I/O, no network, no printing. Detection is built for
precision first (a checksum wherever the format has one, placeholder domains and
documentation ranges ignored) and for speed on the common path, because it runs
on every string of every record:

* each family of detectors sits behind a cheap gate (``'@' in text``, a count of
  ASCII digits, a few literal secret prefixes), so ordinary prose costs only a
  handful of C-level scans;
* all digit-based detectors run only in small windows around *numeric clusters*
  found by one linear scan;
* every regular expression uses possessive quantifiers or fixed-width pieces
  behind a lookbehind boundary, so no input makes them backtrack
  catastrophically (a 10 MB adversarial line is scanned in well under a second).

A :class:`Finding` never holds the raw value: only its span and a masked form,
so printing or logging a finding cannot leak what it found.
"""

from __future__ import annotations

import base64
import binascii
import functools
import ipaddress
import re
import threading
from dataclasses import dataclass

from .rules import PII_RULES

__all__ = [
    "CODE_FOR_KIND",
    "KIND_FOR_CODE",
    "KINDS",
    "Finding",
    "find_sensitive",
    "json_strings",
    "mask",
    "mask_pointer",
    "mask_text",
    "match_ends",
    "may_contain",
    "placeholder",
    "redact",
    "redact_json",
]

EMAIL = "email"
PHONE = "phone"
CREDIT_CARD = "credit-card"
NATIONAL_ID = "national-id"
IP_ADDRESS = "ip-address"
IBAN = "iban"
SECRET = "secret"

#: Every kind, in rule-code order.
KINDS: tuple[str, ...] = (EMAIL, PHONE, CREDIT_CARD, NATIONAL_ID, IP_ADDRESS, IBAN, SECRET)

CODE_FOR_KIND: dict[str, str] = {r.pii_kind: r.code for r in PII_RULES}
"""The rule that reports each kind, from the rules' ``pii_kind``."""
KIND_FOR_CODE: dict[str, str] = {r.code: r.pii_kind for r in PII_RULES}

if tuple(CODE_FOR_KIND) != KINDS:  # a misspelt pii_kind would switch a detector off
    raise ImportError(f"the PII rules declare the kinds {tuple(CODE_FOR_KIND)}, the detectors know {KINDS}")

_PLACEHOLDERS: dict[str, str] = {
    EMAIL: "[EMAIL]",
    PHONE: "[PHONE]",
    CREDIT_CARD: "[CREDIT_CARD]",
    NATIONAL_ID: "[NATIONAL_ID]",
    IP_ADDRESS: "[IP_ADDRESS]",
    IBAN: "[IBAN]",
    SECRET: "[SECRET]",
}

# When two findings overlap, the more specific (checksummed, higher-risk) kind wins:
# a Luhn-valid card is never also reported as a phone number.
_PRIORITY: dict[str, int] = {
    SECRET: 0,
    IBAN: 1,
    CREDIT_CARD: 2,
    NATIONAL_ID: 3,
    EMAIL: 4,
    IP_ADDRESS: 5,
    PHONE: 6,
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One sensitive value inside a string.

    ``start``/``end`` index the *original* string (0-based, end exclusive), so a
    caller that really needs the value can slice it; the finding itself keeps only
    ``masked``, which is safe to print, log and serialise.
    """

    code: str
    kind: str
    start: int
    end: int
    masked: str
    label: str = ""
    """What was found, for messages: ``"US SSN"``, ``"OpenAI API key"``, ..."""


# ---------------------------------------------------------------------------
# Public helpers


def placeholder(kind: str) -> str:
    """The typed placeholder that replaces a value of ``kind`` when redacting."""
    return _PLACEHOLDERS[kind]


def redact(text: str, findings: list[Finding] | tuple[Finding, ...]) -> str:
    """Replace every finding's span in ``text`` with its kind's placeholder.

    Overlapping findings (which :func:`find_sensitive` never returns) are merged
    by keeping the earlier one.
    """
    if not findings:
        return text
    pieces: list[str] = []
    position = 0
    for finding in sorted(findings, key=lambda f: (f.start, -f.end)):
        if finding.start < position:
            continue
        pieces.append(text[position : finding.start])
        pieces.append(_PLACEHOLDERS[finding.kind])
        position = finding.end
    pieces.append(text[position:])
    return "".join(pieces)


_SECRET_PREFIXES: tuple[str, ...] = (
    "sk-proj-",
    "sk-svcacct-",
    "sk-admin-",
    "sk-ant-",
    "sk-",
    "sk_live_",
    "rk_live_",
    "github_pat_",
    "ghp_",
    "gho_",
    "ghs_",
    "ghu_",
    "ghr_",
    "xoxb-",
    "xoxp-",
    "xoxa-",
    "xoxr-",
    "xoxs-",
    "xoxo-",
    "AKIA",
    "ASIA",
    "ABIA",
    "ACCA",
    "AIza",
    "eyJ",
)


def mask(kind: str, value: str) -> str:
    """A display form of ``value`` that does not reveal it.

    >>> mask("email", "jane.doe@acme.com")
    'j***@acme.com'
    >>> mask("credit-card", "4111 1111 1111 1111")
    '****-****-****-1111'
    >>> mask("national-id", "123-45-6789")
    '***-**-6789'
    """
    if kind == EMAIL:
        local, _, domain = value.rpartition("@")
        return f"{local[:1]}***@{domain}"
    if kind == CREDIT_CARD:
        digits = _ascii_digits(value)
        return f"****-****-****-{digits[-4:]}"
    if kind == NATIONAL_ID:
        return _mask_alnum(value, keep_head=0, keep_tail=4)
    if kind == IBAN:
        return _mask_alnum(value, keep_head=2, keep_tail=4)
    if kind == PHONE:
        return _mask_alnum(value, keep_head=0, keep_tail=2)
    if kind == IP_ADDRESS:
        if ":" in value:
            return value.split(":", 1)[0] + ":****"
        return value.split(".", 1)[0] + ".*.*.*"
    if kind == SECRET:
        if value.startswith("-----BEGIN"):
            header_end = value.find("-----", 10)
            return value[: header_end + 5] + "..." if header_end != -1 else "-----BEGIN ...-----"
        prefix = next((p for p in _SECRET_PREFIXES if value.startswith(p)), "")
        tail = value[-4:] if len(value) >= len(prefix) + 16 else ""
        return f"{prefix}...{tail}"
    raise ValueError(f"unknown kind {kind!r}")


def mask_text(text: str, *, kinds: frozenset[str] | None = None) -> str:
    """``text`` with every value :func:`find_sensitive` finds in it replaced by its
    :func:`mask` form: what every message, pointer and screen shows in place of a
    string taken from the data.

    >>> mask_text("unexpected key 'jane.doe@acme.com'")
    "unexpected key 'j***@acme.com'"
    """
    if len(text) < 6:
        return text
    if kinds is None and len(text) <= 256:
        return _mask_short(text)  # messages and pointer parts repeat: each is scanned once
    return _mask_text(text, kinds)


@functools.lru_cache(maxsize=4096)
def _mask_short(text: str) -> str:
    return _mask_text(text, None)


def _mask_text(text: str, kinds: frozenset[str] | None) -> str:
    findings = find_sensitive(text, kinds=kinds)
    if not findings:
        return text
    pieces: list[str] = []
    position = 0
    for finding in findings:
        pieces.append(text[position : finding.start])
        pieces.append(finding.masked)
        position = finding.end
    pieces.append(text[position:])
    return "".join(pieces)


def mask_pointer(pointer: str) -> str:
    """A JSON pointer with every sensitive value in its keys masked (each reference
    token is masked on its own, so ``/`` never joins two into one finding)."""
    if len(pointer) < 7:
        return pointer
    parts = pointer.split("/")
    changed = False
    for i, part in enumerate(parts):
        if len(part) < 6:
            continue
        raw = part.replace("~1", "/").replace("~0", "~")
        shown = mask_text(raw)
        if shown != raw:
            parts[i] = shown.replace("~", "~0").replace("/", "~1")
            changed = True
    return "/".join(parts) if changed else pointer


KEY_POINTER = "#"
"""Prefix :func:`json_strings` puts on the pointer of a text that is an object's key
(the pointer then names the member whose key it is)."""

# Keys of the fine-tuning formats: never personal data, so not worth a scan.
_SCHEMA_KEYS = frozenset({
    "messages", "role", "content", "name", "weight", "tool_calls", "tool_call_id", "function_call",
    "refusal", "type", "text", "image_url", "url", "detail", "function", "arguments", "id", "tools",
    "functions", "parameters", "description", "properties", "required", "parallel_tool_calls",
    "prompt", "completion", "input", "preferred_output", "non_preferred_output", "strict", "items",
    "enum", "additionalProperties",
})


def json_strings(value, pointer: str = "") -> list[tuple[str, str]]:
    """``(pointer, text)`` for every string in a parsed JSON value that could hold a
    finding (6+ characters): string values, and object keys, whose pointers start with
    :data:`KEY_POINTER`. Document order; iterative, so any depth is fine."""
    out: list[tuple[str, str]] = []
    stack: list[tuple[str, object]] = [(pointer, value)]
    pop, push, append = stack.pop, stack.append, out.append
    while stack:
        where, item = pop()
        cls = item.__class__
        if cls is str:
            if len(item) >= 6:
                append((where, item))
        elif cls is dict:
            members = []
            for key, child in item.items():
                inner = where + "/" + (key.replace("~", "~0").replace("/", "~1") if "~" in key or "/" in key else key)
                if len(key) >= 6 and key not in _SCHEMA_KEYS:
                    append((KEY_POINTER + inner, key))
                if child.__class__ is str:
                    if len(child) >= 6:
                        append((inner, child))
                elif child.__class__ in (dict, list):
                    members.append((inner, child))
            members.reverse()
            stack.extend(members)
        elif cls is list:
            children = [(f"{where}/{i}", child) for i, child in enumerate(item) if child.__class__ is not str or
                        len(child) >= 6]
            children.reverse()
            stack.extend(children)
    return out


def redact_json(value, *, kinds: frozenset[str] | None = None, counts: dict | None = None,
                allow_values: frozenset[str] = frozenset(), allow_domains: frozenset[str] = frozenset()):
    """A copy of a parsed JSON value with every finding in every string and object key
    replaced by its kind's placeholder; ``counts`` (kind -> n) is incremented per value."""

    def clean(text: str) -> str:
        findings = find_sensitive(text, kinds=kinds, allow_values=allow_values, allow_domains=allow_domains)
        if counts is not None:
            for finding in findings:
                counts[finding.kind] = counts.get(finding.kind, 0) + 1
        return redact(text, findings) if findings else text

    def walk(item):
        if isinstance(item, str):
            return clean(item)
        if isinstance(item, list):
            return [walk(child) for child in item]
        if isinstance(item, dict):
            return {clean(key): walk(child) for key, child in item.items()}
        return item

    return walk(value)


def _mask_alnum(value: str, *, keep_head: int, keep_tail: int) -> str:
    """Replace letters and digits with ``*`` except the first/last few; keep separators."""
    positions = [i for i, ch in enumerate(value) if ch.isalnum()]
    keep = set(positions[:keep_head]) | set(positions[len(positions) - keep_tail :] if keep_tail else ())
    if len(positions) <= keep_head + keep_tail:  # too short to reveal anything
        keep = set()
    return "".join(ch if (i in keep or not ch.isalnum()) else "*" for i, ch in enumerate(value))


# ---------------------------------------------------------------------------
# Unicode folding: full-width forms and other decimal digits map 1:1 onto ASCII,
# so spans stay valid in the original string.

_FOLD = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FOLD[0x3000] = 0x20
for _zero in (0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0BE6, 0x0C66, 0x0CE6, 0x0D66, 0x0E50, 0x0ED0, 0x1040):
    for _offset in range(10):
        _FOLD[_zero + _offset] = 0x30 + _offset
_FOLDABLE = re.compile("[" + "".join(f"\\U{cp:08x}" for cp in sorted(_FOLD)) + "]")


def _fold(text: str) -> str:
    if text.isascii() or _FOLDABLE.search(text) is None:
        return text
    return text.translate(_FOLD)


_ASCII_DIGIT_BYTES = b"0123456789"
_DOTTED_DIGITS = re.compile(r"[0-9]\.[0-9]")


def _ascii_digits(value: str) -> str:
    return "".join(ch for ch in value if "0" <= ch <= "9")


# ---------------------------------------------------------------------------
# Checksums


def _luhn_ok(digits: str) -> bool:
    total = 0
    for index, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if index % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _card_brand(digits: str) -> str | None:
    """Card brand by issuer prefix and length (public IIN ranges), or None."""
    n = len(digits)
    p2 = int(digits[:2])
    p4 = int(digits[:4])
    if digits[0] == "4" and n in (13, 16, 19):
        return "Visa"
    if (51 <= p2 <= 55 or 2221 <= p4 <= 2720) and n == 16:
        return "Mastercard"
    if p2 in (34, 37) and n == 15:
        return "American Express"
    if (p4 == 6011 or p2 == 65 or 644 <= int(digits[:3]) <= 649) and 16 <= n <= 19:
        return "Discover"
    if 3528 <= p4 <= 3589 and 16 <= n <= 19:
        return "JCB"
    if (300 <= int(digits[:3]) <= 305 or p2 in (36, 38, 39)) and 14 <= n <= 19:
        return "Diners Club"
    if 2200 <= p4 <= 2204 and 16 <= n <= 19:
        return "Mir"
    if p2 == 62 and 16 <= n <= 19:
        return "UnionPay"
    if (p2 == 50 or 56 <= p2 <= 69) and 13 <= n <= 19:
        return "Maestro"
    return None


# IBAN lengths by country (ISO 13616 registry).
_IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
    "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20,
    "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18,
    "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24,
    "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23, "TN": 24,
    "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}


def _iban_ok(compact: str) -> bool:
    rearranged = compact[4:] + compact[:4]
    numeric = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(numeric) % 97 == 1


_DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


def _bsn_ok(digits: str) -> bool:
    if digits[0] == "0" and digits[1] == "0":
        return False
    total = sum((9 - i) * (ord(ch) - 48) for i, ch in enumerate(digits[:8])) - (ord(digits[8]) - 48)
    return total % 11 == 0


def _ssn_ok(area: str, group: str, serial: str) -> bool:
    return not (
        area in ("000", "666") or area[0] == "9" or group == "00" or serial == "0000"
        # Advertised specimen numbers: never issued, printed on sample cards.
        or (area, group, serial) in (("078", "05", "1120"), ("219", "09", "9999"))
    )


# ---------------------------------------------------------------------------
# Patterns. All ASCII (the text is folded first); boundaries are lookarounds,
# repetition is possessive (``++``, ``{m,n}+``) or fixed-width.

_A = re.ASCII

_LOCAL_CHARS = r"A-Za-z0-9._%+\-\u00c0-\u024f\u0300-\u036f"
_EMAIL_RE = re.compile(
    rf"(?<![{_LOCAL_CHARS}])([{_LOCAL_CHARS}]{{1,64}}+)@"
    r"((?:[A-Za-z0-9][A-Za-z0-9\-]{0,62}+\.(?=[A-Za-z0-9])){1,8}+[A-Za-z]{2,24}+)"
    r"(?![A-Za-z0-9\-])"
)

_PLACEHOLDER_DOMAINS = frozenset({"example.com", "example.org", "example.net", "localhost"})
_PLACEHOLDER_TLDS = frozenset({"example", "test", "invalid", "localhost", "local"})
_FILE_TLDS = frozenset(
    {"png", "jpg", "jpeg", "gif", "svg", "webp", "ico", "bmp", "tif", "tiff", "css", "js", "ts",
     "json", "map", "woff", "woff2", "ttf", "pdf", "txt", "html", "md", "py"}
)

# A run of digits with the separators phones, cards and ids use. Finding these is
# the one full scan digit-based detectors pay for; everything else runs in a
# small window around each cluster.
_CLUSTER_RE = re.compile(r"[0-9][0-9 \-.()/]{3,}+", _A)
# Longer runs of digits and separators are tables or noise, not a phone or card:
# they are skipped, which also keeps adversarial input linear.
_MAX_CLUSTER = 256

_END = r"(?![A-Za-z0-9_]|[\-.][0-9])"
_START = r"(?<![A-Za-z0-9_\-.])"

_CARD_RE = re.compile(
    _START
    + r"(?:[0-9]{4}(?P<s>[ \-])[0-9]{4}(?P=s)[0-9]{4}(?P=s)[0-9]{4}(?:(?P=s)[0-9]{3})?"
    r"|[0-9]{4}(?P<t>[ \-])[0-9]{6}(?P=t)[0-9]{4,5}"
    r"|[0-9]{13,19}+)" + _END,
    _A,
)
_SSN_RE = re.compile(_START + r"([0-9]{3})([ \-])([0-9]{2})\2([0-9]{4})" + _END, _A)
_NINE_DIGITS_RE = re.compile(_START + r"[0-9]{9}" + _END, _A)
_NINO_RE = re.compile(
    r"(?<![A-Za-z0-9])([A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]) ?([0-9]{2}) ?([0-9]{2}) ?([0-9]{2}) ?([A-D])(?![A-Za-z0-9])",
    _A,
)
_NINO_BAD_PREFIXES = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})
_DNI_RE = re.compile(r"(?<![A-Za-z0-9_\-])([XYZ]-?)?([0-9]{7,8})-?([A-Z])(?![A-Za-z0-9_])", _A)

_PHONE_INTL_RE = re.compile(
    r"(?<![A-Za-z0-9_+])\+([0-9]{1,3}+)(?:[ \-.]?+(?:\([0-9]{1,4}+\)|[0-9]{1,6}+)){1,7}+(?![A-Za-z0-9_]|[\-.][0-9])",
    _A,
)
_PHONE_NANP_RE = re.compile(
    r"(?<![A-Za-z0-9_+\-.(])(?:1[ \-.]?)?(?:\(([2-9][0-9]{2})\) ?|([2-9][0-9]{2})(?P<s>[ \-.]))"
    r"([2-9][0-9]{2})(?(s)(?P=s)|[ \-.])([0-9]{4})" + _END,
    _A,
)
_PHONE_TRUNK_RE = re.compile(
    r"(?<![A-Za-z0-9_+\-.])(?:\(0[0-9]{1,4}+\)|0[0-9]{1,4}+)(?:[ \-]?+[0-9]{2,4}+){1,4}+" + _END,
    _A,
)
_PHONE_BARE_RE = re.compile(_START + r"(?:\+?1)?[0-9]{10}" + _END, _A)

_IPV4_RE = re.compile(
    r"(?<![A-Za-z0-9_.\-])([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})(?![A-Za-z0-9_\-+]|\.[0-9])",
    _A,
)
_IPV6_RE = re.compile(
    r"(?<![A-Za-z0-9_:.])[0-9A-Fa-f]{0,4}+(?::[0-9A-Fa-f]{0,4}+){2,7}+(?![A-Za-z0-9_:]|\.[0-9])", _A
)
_IBAN_RE = re.compile(r"(?<![A-Za-z0-9])([A-Z]{2})([0-9]{2})((?: ?[A-Z0-9]){8,32}+)", _A)

_PHONE_CONTEXT = re.compile(
    r"(?i)(?:phone|tel|telephone|call|mobile|cell|whatsapp|fax|sms|text me|reach me|contact|number)\b\.?[^\n.!?]{0,24}$"
)
_NOT_PHONE_CONTEXT = re.compile(
    r"(?i)(?:#|\$|€|£|¥|order|invoice|ticket|tracking|ref|reference|account|acct|id|sku|case|po|serial|"
    r"transaction|confirmation|booking|shipment|parcel|isbn|zip)\W{0,3}(?:(?:no|number|nr)\.?\W{0,3})?$"
)
_SSN_CONTEXT = re.compile(r"(?i)(?:ssn|social security(?: number| no\.?)?|ss#)\W{0,4}$")
_BSN_CONTEXT = re.compile(r"(?i)(?:bsn|burgerservicenummer|sofinummer|citizen service number)\W{0,4}$")
_VERSION_CONTEXT = re.compile(
    r"(?i)(?:\bv|\bversion|\bver\.?|\brelease|\brel\.?|\bbuild|\bfirmware|\bfw|\brev(?:ision)?|\bpatch|"
    r"\bupdate[ds]?(?: to)?|\bupgraded? to|\bsdk|\bapi|\bpython|\bnode|\bchrome|\bfirefox|\bwindows|\bmacos|\bios|\bandroid)"
    r"\s*[:=]?\s*$"
)

# Secrets.
_OPENAI_RE = re.compile(
    r"(?<![A-Za-z0-9_\-])sk-(?:(?:proj|svcacct|admin|ant-api[0-9]{2}|ant)-)?([A-Za-z0-9_\-]{20,300}+)(?![A-Za-z0-9_\-])",
    _A,
)
_STRIPE_RE = re.compile(r"(?<![A-Za-z0-9_\-])[sr]k_live_([A-Za-z0-9]{20,200}+)(?![A-Za-z0-9_])", _A)
_AWS_ID_RE = re.compile(r"(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA)([A-Z0-9]{16})(?![A-Za-z0-9])", _A)
_AWS_SECRET_RE = re.compile(
    r"(?i)aws_?secret_?access_?key[\"']?\s*[:=]\s*[\"']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])", _A
)
_GITHUB_RE = re.compile(
    r"(?<![A-Za-z0-9_])(?:gh[pousr]_([A-Za-z0-9]{36,251}+)|github_pat_([A-Za-z0-9_]{50,255}+))(?![A-Za-z0-9_])", _A
)
_SLACK_RE = re.compile(r"(?<![A-Za-z0-9_\-])xox[abposr]-([A-Za-z0-9\-]{10,250}+)(?![A-Za-z0-9_])", _A)
_GOOGLE_RE = re.compile(r"(?<![A-Za-z0-9_\-])AIza([0-9A-Za-z_\-]{35})(?![A-Za-z0-9_\-])", _A)
_JWT_RE = re.compile(
    r"(?<![A-Za-z0-9_\-.])(eyJ[A-Za-z0-9_\-]{8,4000}+)\.(eyJ[A-Za-z0-9_\-]{8,8000}+)\.([A-Za-z0-9_\-]{16,4000}+)"
    r"(?![A-Za-z0-9_\-.])",
    _A,
)
_PRIVATE_KEY_RE = re.compile(r"-----BEGIN ((?:(?!PRIVATE )[A-Z0-9]{1,12}+ ){0,3}+)PRIVATE KEY(?: BLOCK)?-----", _A)
_BASE64_RUN = re.compile(r"[\s]*+([A-Za-z0-9+/=\s]{40,}+)", _A)
_PLACEHOLDER_WORDS = ("xxxx", "your", "example", "placeholder", "redacted", "dummy", "replace", "insert")


def _looks_random(body: str, *, min_distinct: int = 10) -> bool:
    """True for key material, false for ``XXXX``-style or readable placeholders."""
    if len(set(body)) < min_distinct:
        return False
    has_digit = has_lower = has_upper = False
    for ch in body:
        if ch.isdigit():
            has_digit = True
        elif ch.islower():
            has_lower = True
        elif ch.isupper():
            has_upper = True
    if (has_digit + has_lower + has_upper) < 2:
        return False
    lowered = body.lower()
    return not any(word in lowered for word in _PLACEHOLDER_WORDS)


# ---------------------------------------------------------------------------
# The scanner


@functools.lru_cache(maxsize=64)
def _normalised_allow(values: frozenset[str]) -> frozenset[str]:
    out: set[str] = set()
    for value in values:
        out.add(value)
        out.add(value.strip().lower())
        compact = "".join(ch for ch in value if ch.isalnum()).upper()
        if compact:
            out.add(compact)
    return frozenset(out)


@functools.lru_cache(maxsize=64)
def _normalised_domains(domains: frozenset[str]) -> tuple[str, ...]:
    return tuple(d.strip().lower().lstrip("@.") for d in domains if d.strip())


class _Collector:
    __slots__ = ("text", "original", "kinds", "found", "allow")

    def __init__(self, original: str, text: str, kinds: frozenset[str] | None, allow: frozenset[str]):
        self.original = original
        self.text = text
        self.kinds = kinds
        self.found: dict[tuple[int, int], tuple[str, str]] = {}
        self.allow = allow

    def add(self, kind: str, start: int, end: int, label: str) -> None:
        if self.kinds is not None and kind not in self.kinds:
            return
        key = (start, end)
        previous = self.found.get(key)
        if previous is not None and _PRIORITY[previous[0]] <= _PRIORITY[kind]:
            return
        if self.allow:
            raw = self.original[start:end]
            if raw in self.allow or raw.strip().lower() in self.allow:
                return
            compact = "".join(ch for ch in self.text[start:end] if ch.isalnum()).upper()
            if compact in self.allow:
                return
        self.found[key] = (kind, label)


def find_sensitive(
    text: str,
    *,
    allow_values: frozenset[str] = frozenset(),
    allow_domains: frozenset[str] = frozenset(),
    kinds: frozenset[str] | None = None,
) -> list[Finding]:
    """Find personal data and secrets in ``text``.

    Returns findings sorted by ``start``, never overlapping: when two detectors
    claim overlapping text the more specific kind wins (secret, IBAN, card,
    national id, email, IP address, phone). ``allow_values`` are exact values
    (compared also case-insensitively and ignoring separators) that never fire;
    ``allow_domains`` silences emails at those domains and their subdomains;
    ``kinds`` limits the scan to a subset of :data:`KINDS`.
    """
    if len(text) < 6:
        return []
    scan = _fold(text)
    collector = _Collector(text, scan, kinds, _normalised_allow(allow_values) if allow_values else frozenset())
    want = KINDS if kinds is None else kinds

    if EMAIL in want and "@" in scan:
        _scan_emails(scan, collector, _normalised_domains(allow_domains) if allow_domains else ())
    if SECRET in want:
        _scan_secrets(scan, collector)
    encoded = scan.encode("utf-8", "surrogatepass")
    digit_count = len(encoded) - len(encoded.translate(None, _ASCII_DIGIT_BYTES))
    # Every number-based kind needs 6+ digits, except a dotted IPv4 address (4+).
    if digit_count >= 6 or (digit_count >= 4 and _DOTTED_DIGITS.search(scan) is not None):
        _scan_numbers(scan, collector, want)
    if IP_ADDRESS in want and ":" in scan and ("::" in scan or scan.count(":") >= 7):
        _scan_ipv6(scan, collector)

    if not collector.found:
        return []
    return _resolve(text, collector.found)


# The prefilter: for every detector, a pattern that matches wherever the detector
# could (its regular expression with lookarounds, possessiveness and upper bounds
# dropped, or a necessary piece of it), compiled into one Hyperscan database that
# scans a whole chunk of texts in one pass. A text none of these match cannot
# produce a finding; tests check this against every detector's test corpus.
_CLUSTER7 = rb"[0-9](?:[ \-.()/]*[0-9]){6}"  # a numeric cluster with 7+ digits (phones, cards, SSNs, DNIs)
_PREFILTER: dict[str, tuple[bytes, ...]] = {
    EMAIL: (rb"@[A-Za-z0-9][A-Za-z0-9\-]*\.[A-Za-z0-9]",),
    PHONE: (_CLUSTER7,),
    CREDIT_CARD: (_CLUSTER7,),
    NATIONAL_ID: (_CLUSTER7, rb"[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?[0-9]{2} ?[0-9]{2} ?[0-9]{2} ?[A-D]"),
    IP_ADDRESS: (rb"[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}", rb":[0-9A-Fa-f]{0,4}:"),
    IBAN: (rb"[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]){8}",),
    SECRET: (rb"sk-[A-Za-z0-9_\-]{20}", rb"k_live_[A-Za-z0-9]{20}", rb"(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}",
             rb"(?i)aws_?secret_?access_?key", rb"gh[pousr]_[A-Za-z0-9]{36}", rb"github_pat_[A-Za-z0-9_]{50}",
             rb"xox[abposr]-[A-Za-z0-9\-]{10}", rb"AIza[0-9A-Za-z_\-]{35}", rb"eyJ[A-Za-z0-9_\-]{8}",
             rb"-----BEGIN "),
}
# Characters that fold onto ASCII (full-width forms, other scripts' digits) can turn
# into any of the above: a text with one is always scanned.
_FOLDABLE_UTF8 = tuple(chr(cp).encode("utf-8") for cp in sorted(_FOLD))


_database_lock = threading.Lock()
_compiled: set[frozenset[str]] = set()  # kinds whose database is built (or known to be unavailable)


def _prefilter_database(kinds: frozenset[str]):
    """The compiled Hyperscan database for ``kinds``, or None when Hyperscan is unavailable.
    Compiled once per process; a caller arriving while another thread compiles it waits."""
    with _database_lock:
        database = _compile_prefilter(kinds)
        _compiled.add(kinds)
        return database


def compile_prefilter_soon(kinds: frozenset[str]) -> None:
    """Start compiling the prefilter for ``kinds`` in a background thread, unless it is
    compiled already. Hyperscan compiles without holding the GIL, so the tens of
    milliseconds it takes overlap with what this process does meanwhile (loading a
    tokenizer); the first scan waits for it."""
    if kinds not in _compiled:
        threading.Thread(target=_prefilter_database, args=(kinds,), name="ftpreflight-compile-prefilter",
                         daemon=True).start()


@functools.lru_cache(maxsize=16)
def _compile_prefilter(kinds: frozenset[str]):
    try:
        import hyperscan
    except ImportError:  # pragma: no cover - platforms without a hyperscan wheel
        return None
    patterns: list[bytes] = []
    for kind in KINDS:
        if kind in kinds:
            patterns.extend(p for p in _PREFILTER[kind] if p not in patterns)
    flags = []
    for i, pattern in enumerate(patterns):
        if pattern.startswith(b"(?i)"):
            patterns[i] = pattern[4:]
            flags.append(hyperscan.HS_FLAG_CASELESS)
        else:
            flags.append(0)
    patterns.append(b"|".join(re.escape(ch) for ch in _FOLDABLE_UTF8))
    flags.append(0)
    try:
        database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        database.compile(expressions=patterns, ids=list(range(len(patterns))), elements=len(patterns),
                         flags=flags)
    except Exception:  # noqa: BLE001 - an unsupported CPU or build: fall back to scanning every text
        return None
    return database


def may_contain(texts: list[str], kinds: frozenset[str] | None = None) -> list[int] | None:
    """Indices of the ``texts`` in which :func:`find_sensitive` could find something,
    in order; every text left out is guaranteed to have no findings.

    All texts are scanned in one Hyperscan pass over a joined buffer, which costs a
    few milliseconds per megabyte. Returns None when Hyperscan is not available
    (the caller then scans every text).
    """
    ends = match_ends("\x00".join(texts).encode("utf-8", "surrogatepass"), kinds)
    if ends is None or not len(ends):
        return None if ends is None else []
    import numpy as np

    n = len(texts)
    sizes = np.fromiter((len(t) if t.isascii() else len(t.encode("utf-8", "surrogatepass")) for t in texts),
                        dtype=np.int64, count=n)
    starts = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(sizes + 1, out=starts[1:])
    owners = np.unique(np.searchsorted(starts, ends - 1, side="right") - 1)
    return [int(i) for i in owners if sizes[i] >= 6]


def match_ends(data: bytes, kinds: frozenset[str] | None = None):
    """End offsets (a numpy int64 array) of the prefilter's matches in ``data``: any
    substring of ``data`` in which :func:`find_sensitive` could find something contains
    one. None when Hyperscan is not available. The engine scans whole chunks of plain
    JSON lines with this, so only lines with a match have their strings checked."""
    database = _prefilter_database(frozenset(KINDS if kinds is None else kinds))
    if database is None:
        return None
    import numpy as np

    ends: list[int] = []
    append = ends.append

    def on_match(_id, _start, end, _flags, _context) -> None:
        append(end)

    if data:
        database.scan(data, match_event_handler=on_match)
    return np.asarray(ends, dtype=np.int64)


def _resolve(original: str, found: dict[tuple[int, int], tuple[str, str]]) -> list[Finding]:
    """Drop overlapping findings, keeping the higher-priority (then longer) one.

    Candidates are swept by start into groups of mutually reachable overlaps, and
    the priority greedy runs inside each (small) group, so this stays O(n log n).
    """
    by_start = sorted(found.items())
    kept: list[tuple[int, int, str, str]] = []
    group: list[tuple[tuple[int, int], tuple[str, str]]] = []
    group_end = -1
    for item in by_start + [((len(original) + 1, len(original) + 1), ("", ""))]:
        (start, end), _ = item
        if group and start >= group_end:
            kept.extend(_greedy(group))
            group = []
        group.append(item)
        group_end = max(group_end, end) if len(group) > 1 else end
    return [
        Finding(CODE_FOR_KIND[kind], kind, start, end, mask(kind, _fold(original[start:end])), label)
        for start, end, kind, label in kept
    ]


def _greedy(group: list[tuple[tuple[int, int], tuple[str, str]]]) -> list[tuple[int, int, str, str]]:
    if len(group) == 1:
        (start, end), (kind, label) = group[0]
        return [(start, end, kind, label)]
    ranked = sorted(group, key=lambda item: (_PRIORITY[item[1][0]], -(item[0][1] - item[0][0]), item[0][0]))
    chosen: list[tuple[int, int, str, str]] = []
    for (start, end), (kind, label) in ranked:
        if all(end <= c_start or c_end <= start for c_start, c_end, _, _ in chosen):
            chosen.append((start, end, kind, label))
    chosen.sort()
    return chosen


def _scan_emails(text: str, out: _Collector, allow_domains: tuple[str, ...]) -> None:
    for match in _EMAIL_RE.finditer(text):
        local, domain = match.group(1), match.group(2).lower()
        local = local.strip(".")
        if not local or local.startswith(("-", "+")):
            continue
        tld = domain.rpartition(".")[2]
        if tld in _PLACEHOLDER_TLDS or tld in _FILE_TLDS:
            continue
        if _domain_matches(domain, _PLACEHOLDER_DOMAINS) or (allow_domains and _domain_matches(domain, allow_domains)):
            continue
        if local == "git":  # git@host:org/repo is an SSH remote, not a mailbox
            continue
        start = match.start(1) + (len(match.group(1)) - len(match.group(1).lstrip(".")))
        out.add(EMAIL, start, match.end(2), "email address")


def _domain_matches(domain: str, domains) -> bool:
    return any(domain == d or domain.endswith("." + d) for d in domains)


def _scan_secrets(text: str, out: _Collector) -> None:
    if "sk-" in text:
        for match in _OPENAI_RE.finditer(text):
            if _looks_random(match.group(1)):
                out.add(SECRET, match.start(), match.end(), "OpenAI-style API key")
    if "_live_" in text:
        for match in _STRIPE_RE.finditer(text):
            if _looks_random(match.group(1)):
                out.add(SECRET, match.start(), match.end(), "Stripe live key")
    if "IA" in text or "ACCA" in text:
        for match in _AWS_ID_RE.finditer(text):
            body = match.group(1)
            if not body.endswith("EXAMPLE") and len(set(body)) >= 6:
                out.add(SECRET, match.start(), match.end(), "AWS access key id")
    if "_" in text:
        if "ecret" in text or "ECRET" in text:
            for match in _AWS_SECRET_RE.finditer(text):
                body = match.group(1)
                if "EXAMPLE" not in body and _looks_random(body):
                    out.add(SECRET, match.start(1), match.end(1), "AWS secret access key")
        if "gh" in text or "github_pat_" in text:
            for match in _GITHUB_RE.finditer(text):
                if _looks_random(match.group(1) or match.group(2)):
                    out.add(SECRET, match.start(), match.end(), "GitHub token")
    if "xox" in text:
        for match in _SLACK_RE.finditer(text):
            body = match.group(1)
            if sum(ch.isdigit() for ch in body) >= 8 and _looks_random(body, min_distinct=8):
                out.add(SECRET, match.start(), match.end(), "Slack token")
    if "AIza" in text:
        for match in _GOOGLE_RE.finditer(text):
            if _looks_random(match.group(1)):
                out.add(SECRET, match.start(), match.end(), "Google API key")
    if "eyJ" in text:
        for match in _JWT_RE.finditer(text):
            if _jwt_header_ok(match.group(1)):
                out.add(SECRET, match.start(), match.end(), "JSON Web Token")
    if "-----BEGIN" in text:
        footers = [-1]
        for match in _PRIVATE_KEY_RE.finditer(text):
            end = _private_key_end(text, match.end(), footers)
            if end is not None:
                out.add(SECRET, match.start(), end, "private key")


def _jwt_header_ok(segment: str) -> bool:
    try:
        header = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        return False
    return header.startswith(b"{") and b'"alg"' in header


def _private_key_end(text: str, body_start: int, footers: list[int]) -> int | None:
    """End of a private-key block whose header ends at ``body_start``, or None if no key material follows.

    ``footers[0]`` caches the next ``-----END`` position so many headers cost one scan.
    """
    body = _BASE64_RUN.match(text, body_start, min(len(text), body_start + 200_000))
    if footers[0] < body_start and footers[0] != -2:
        found = text.find("-----END", body_start)
        footers[0] = -2 if found == -1 else found
    footer = footers[0] if footers[0] >= 0 and footers[0] - body_start < 200_000 else -1
    if footer != -1:
        close = text.find("-----", footer + 8, footer + 80)
        if close != -1 and (body is not None or footer - body_start > 40):
            return close + 5
    if body is None:
        return None
    return body.end(1) - (len(body.group(1)) - len(body.group(1).rstrip()))


def _scan_numbers(text: str, out: _Collector, want) -> None:
    n = len(text)
    seen_windows: set[tuple[int, int]] = set()
    for cluster in _CLUSTER_RE.finditer(text):
        start, end = cluster.span()
        if end - start > _MAX_CLUSTER:
            continue
        chunk = cluster.group()
        digits = len(chunk) - sum(map(chunk.count, " -.()/"))
        dotted = chunk.count(".") >= 3
        if digits < 6 and not dotted:
            continue
        # Windows reach a little beyond the cluster so boundary lookarounds and
        # letter prefixes (IBAN country codes, NINO letters) are visible.
        lo = max(0, start - 16)
        hi = min(n, end + 8)
        if (lo, hi) in seen_windows:
            continue
        seen_windows.add((lo, hi))
        if digits >= 12 and CREDIT_CARD in want:
            _cards(text, lo, hi, out)
        if digits >= 6 and NATIONAL_ID in want:
            _national_ids(text, lo, hi, out)
        if digits >= 7 and PHONE in want:
            _phones(text, lo, hi, out)
        if dotted and IP_ADDRESS in want:
            _ipv4(text, lo, hi, out)
        if IBAN in want:
            _ibans(text, max(0, start - 12), min(n, end + 40), out)


def _cards(text: str, lo: int, hi: int, out: _Collector) -> None:
    for match in _CARD_RE.finditer(text, lo, hi):
        value = match.group()
        digits = _ascii_digits(value)
        if len(digits) < 13 or not _luhn_ok(digits):
            continue
        brand = _card_brand(digits)
        if brand is None or len(set(digits)) < 2:
            continue
        if digits == value and _NOT_PHONE_CONTEXT.search(text, max(0, match.start() - 24), match.start()):
            continue  # an ungrouped number labelled as an order/reference id
        out.add(CREDIT_CARD, match.start(), match.end(), f"{brand} card number")


def _national_ids(text: str, lo: int, hi: int, out: _Collector) -> None:
    for match in _SSN_RE.finditer(text, lo, hi):
        if _ssn_ok(match.group(1), match.group(3), match.group(4)):
            out.add(NATIONAL_ID, match.start(), match.end(), "US SSN")
    for match in _NINE_DIGITS_RE.finditer(text, lo, hi):
        digits = match.group()
        before = max(0, match.start() - 40)
        if _SSN_CONTEXT.search(text, before, match.start()) and _ssn_ok(digits[:3], digits[3:5], digits[5:]):
            out.add(NATIONAL_ID, match.start(), match.end(), "US SSN")
        elif _BSN_CONTEXT.search(text, before, match.start()) and _bsn_ok(digits):
            out.add(NATIONAL_ID, match.start(), match.end(), "Dutch BSN")
    for match in _NINO_RE.finditer(text, lo, hi):
        if match.group(1) not in _NINO_BAD_PREFIXES:
            out.add(NATIONAL_ID, match.start(), match.end(), "UK National Insurance number")
    for match in _DNI_RE.finditer(text, lo, hi):
        prefix, number, letter = match.group(1), match.group(2), match.group(3)
        if prefix:
            if len(number) != 7:
                continue
            number = "XYZ".index(prefix[0]).__str__() + number
            label = "Spanish NIE"
        elif len(number) != 8:
            continue
        else:
            label = "Spanish DNI"
        if _DNI_LETTERS[int(number) % 23] == letter and len(set(number)) > 2:
            out.add(NATIONAL_ID, match.start(), match.end(), label)


# Country calling codes (ITU-T E.164 assignments), for validating "+CC ..." numbers.
_COUNTRY_CODES = frozenset(
    "1 7 20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 60 61 62 63 64 65 66 "
    "81 82 84 86 90 91 92 93 94 95 98 211 212 213 216 218 220 221 222 223 224 225 226 227 228 229 230 231 "
    "232 233 234 235 236 237 238 239 240 241 242 243 244 245 246 248 249 250 251 252 253 254 255 256 257 "
    "258 260 261 262 263 264 265 266 267 268 269 290 291 297 298 299 350 351 352 353 354 355 356 357 358 "
    "359 370 371 372 373 374 375 376 377 378 380 381 382 383 385 386 387 389 420 421 423 500 501 502 503 "
    "504 505 506 507 508 509 590 591 592 593 594 595 596 597 598 599 670 672 673 674 675 676 677 678 679 "
    "680 681 682 683 685 686 687 688 689 690 691 692 850 852 853 855 856 880 886 960 961 962 963 964 965 "
    "966 967 968 970 971 972 973 974 975 976 977 992 993 994 995 996 998".split()
)


def _phone_allowed_here(text: str, start: int) -> bool:
    return _NOT_PHONE_CONTEXT.search(text, max(0, start - 24), start) is None


def _phones(text: str, lo: int, hi: int, out: _Collector) -> None:
    for match in _PHONE_INTL_RE.finditer(text, lo, hi):
        digits = _ascii_digits(match.group())
        cc = match.group(1)
        if not 8 <= len(digits) <= 15:
            continue
        if not any(cc[:k] in _COUNTRY_CODES for k in (1, 2, 3)):
            continue
        if _phone_allowed_here(text, match.start()):
            out.add(PHONE, match.start(), match.end(), "phone number")
    for match in _PHONE_NANP_RE.finditer(text, lo, hi):
        exchange, line = match.group(4), match.group(5)
        if exchange == "555" and line.startswith("01"):
            continue  # 555-0100..0199 is reserved for fiction, like example.com
        if _phone_allowed_here(text, match.start()):
            out.add(PHONE, match.start(), match.end(), "phone number")
    for match in _PHONE_TRUNK_RE.finditer(text, lo, hi):
        value = match.group()
        digits = _ascii_digits(value)
        if not 10 <= len(digits) <= 11 or digits[1] == "0":
            continue
        if not any(ch in value for ch in " -()"):
            # An unformatted run of digits is a phone only when the text says so.
            if not _PHONE_CONTEXT.search(text, max(0, match.start() - 40), match.start()):
                continue
        if _phone_allowed_here(text, match.start()):
            out.add(PHONE, match.start(), match.end(), "phone number")
    for match in _PHONE_BARE_RE.finditer(text, lo, hi):
        digits = _ascii_digits(match.group())[-10:]
        if digits[0] in "01" or digits[3] in "01":
            continue
        if _PHONE_CONTEXT.search(text, max(0, match.start() - 40), match.start()) and _phone_allowed_here(
            text, match.start()
        ):
            out.add(PHONE, match.start(), match.end(), "phone number")


def _ipv4(text: str, lo: int, hi: int, out: _Collector) -> None:
    for match in _IPV4_RE.finditer(text, lo, hi):
        octets = match.groups()
        if any(len(o) > 1 and o[0] == "0" for o in octets) or any(int(o) > 255 for o in octets):
            continue
        if _VERSION_CONTEXT.search(text, max(0, match.start() - 24), match.start()):
            continue
        if match.start() >= 1 and text[match.start() - 1] in "vV":
            continue
        try:
            address = ipaddress.IPv4Address(match.group())
        except ValueError:
            continue
        if address.is_global:
            out.add(IP_ADDRESS, match.start(), match.end(), "IPv4 address")


def _scan_ipv6(text: str, out: _Collector) -> None:
    for match in _IPV6_RE.finditer(text):
        value = match.group()
        if len(value) < 6 or not any(ch.isdigit() for ch in value):
            continue
        try:
            address = ipaddress.IPv6Address(value)
        except ValueError:
            continue
        if address.is_global:
            out.add(IP_ADDRESS, match.start(), match.end(), "IPv6 address")


def _ibans(text: str, lo: int, hi: int, out: _Collector) -> None:
    for match in _IBAN_RE.finditer(text, lo, hi):
        country = match.group(1)
        expected = _IBAN_LENGTHS.get(country)
        if expected is None:
            continue
        # The possessive body may have run into a following word; cut it at the
        # country's length and require that cut to fall on a boundary.
        need = expected - 4
        body = match.group(3)
        taken = 0
        cut = None
        for offset, ch in enumerate(body):
            if ch != " ":
                taken += 1
                if taken == need:
                    cut = offset + 1
                    break
        if cut is None:
            continue
        end = match.start(3) + cut
        if end < len(text) and text[end].isalnum():
            continue
        compact = country + match.group(2) + body[:cut].replace(" ", "")
        if _iban_ok(compact):
            out.add(IBAN, match.start(), end, "IBAN")
