"""Seeded generator of realistic chat records with planted problems, and a quality report.

Plants every PII kind and secret (with exact character spans), exact and near
duplicates (one or two words changed), and writes clean text full of look-alikes
that must *not* fire: Luhn-invalid card numbers, version strings, ``example.com``
addresses, order numbers, dates, timestamps, prices, UUIDs, git SHAs, private IPs,
placeholder keys.

    python -m tests.quality.generate --report     # per-kind precision/recall table
"""

from __future__ import annotations

import argparse
import ipaddress
import random
import string
from dataclasses import dataclass, field

SYSTEM_PROMPT = (
    "You are a helpful, concise customer support assistant for Northwind Outfitters. "
    "Answer politely, never invent order details, and escalate billing disputes to a human agent."
)

_FIRST = "alice bruno chen dmitri elena farah gustavo hana ivan julia kofi lena mateo nadia oscar priya quentin rosa sven tomas uma victor wen yusuf zara".split()
_LAST = "garcia okafor lindqvist tanaka novak haddad moreau silva kowalski fischer nguyen obrien rossi dubois petrov mensah jensen kaur schmidt alvarez".split()
_DOMAINS = "acme.io gmail.com outlook.com northwind-mail.de fastmail.fm proton.me company.co.uk yahoo.fr mail.ru web.de startup.ai".split()
_PRODUCTS = "hiking boots|rain jacket|tent|sleeping bag|headlamp|water filter|trekking poles|backpack|camp stove|fleece hoodie|trail shoes|thermal gloves".split("|")
_ISSUES = "arrived damaged|is the wrong size|never arrived|was charged twice|stopped working after a week|is missing a part|has a broken zipper|leaks in the rain|came in the wrong colour|was delivered to the wrong address".split("|")
_CITIES = "Lisbon|Denver|Osaka|Nairobi|Toronto|Krakow|Austin|Melbourne|Lyon|Seattle|Bergen|Porto".split("|")
_ADJ = "quick|friendly|detailed|short|careful|honest|patient|clear|simple|complete".split("|")

_USER_SENTENCES = [
    "Hi, my {product} {issue} and I would like to know what my options are.",
    "I ordered the {product} last {weekday} and it {issue}.",
    "Could you tell me whether I can get a refund or a replacement for the {product}?",
    "I live in {city} so shipping usually takes a while, but this is unusual.",
    "Honestly I have been a customer for {years} years and this is the first time something like this happened.",
    "Is there a way to speed up the process because I am leaving for a trip to {city} soon?",
    "I already tried contacting the store in {city} but nobody answered the phone.",
    "The box looked fine from the outside, which makes this even more confusing.",
    "Please let me know if you need photos or the receipt.",
    "I would prefer store credit if a refund takes longer than {days} days.",
    "My friend bought the same {product} and had no problems at all.",
    "Can I exchange it for a {product} instead, even if it costs a bit more?",
    "Thanks in advance for a {adj} answer, I really appreciate it.",
    "Also, do you ship to {city} with express delivery?",
]
_ASSISTANT_SENTENCES = [
    "I'm sorry to hear that your {product} {issue}.",
    "I can help you with a replacement or a full refund, whichever you prefer.",
    "Refunds are usually processed within {days} business days after we receive the item.",
    "To start a return, open your order history and choose the item you want to send back.",
    "We will email you a prepaid shipping label within a few hours.",
    "If you prefer an exchange, we can reserve a {product} for you right away.",
    "Express delivery to {city} is available for most items and usually takes {days} days.",
    "Photos are not required, but they help us improve our packaging.",
    "Store credit is issued immediately and never expires.",
    "Thank you for being a loyal customer for {years} years, we really value that.",
    "Please keep the original packaging until the return is complete.",
    "Let me know if there is anything else I can do for you today.",
    "Our {adj} support team is available every day from eight to eight.",
    "If the problem happens again, a technician will inspect the {product} free of charge.",
]
_WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()


def _fill(rng: random.Random, template: str) -> str:
    return template.format(
        product=rng.choice(_PRODUCTS), issue=rng.choice(_ISSUES), city=rng.choice(_CITIES),
        weekday=rng.choice(_WEEKDAYS), years=rng.randint(2, 15), days=rng.randint(2, 14),
        adj=rng.choice(_ADJ),
    )


def chat_text(rng: random.Random, sentences: int | None = None, pool: list[str] | None = None) -> str:
    """A paragraph of support-chat prose."""
    pool = pool or (_USER_SENTENCES + _ASSISTANT_SENTENCES)
    count = sentences or rng.randint(5, 12)
    return " ".join(_fill(rng, rng.choice(pool)) for _ in range(count))


def chat_record(rng: random.Random) -> dict:
    """A realistic chat-format training example."""
    return {
        "messages": [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": chat_text(rng, rng.randint(4, 9), _USER_SENTENCES)},
            {"role": "assistant", "content": chat_text(rng, rng.randint(5, 12), _ASSISTANT_SENTENCES)},
        ]
    }


# ---------------------------------------------------------------------------
# Valid PII values


def _luhn_complete(rng: random.Random, prefix: str, length: int) -> str:
    body = prefix + "".join(rng.choice(string.digits) for _ in range(length - len(prefix) - 1))
    for check in string.digits:
        candidate = body + check
        total = 0
        for index, ch in enumerate(reversed(candidate)):
            d = int(ch) * (2 if index % 2 else 1)
            total += d - 9 if d > 9 else d
        if total % 10 == 0:
            return candidate
    raise AssertionError("unreachable")


def _group(digits: str, sizes: tuple[int, ...], sep: str) -> str:
    parts, position = [], 0
    for size in sizes:
        parts.append(digits[position : position + size])
        position += size
    return sep.join(parts)


def card(rng: random.Random, valid: bool = True) -> str:
    prefix, length = rng.choice([("4", 16), ("51", 16), ("55", 16), ("2221", 16), ("34", 15), ("37", 15), ("6011", 16), ("3530", 16)])
    number = _luhn_complete(rng, prefix, length)
    if not valid:
        number = number[:-1] + str((int(number[-1]) + rng.randint(1, 9)) % 10)
    style = rng.choice(["space", "dash", "plain"])
    if style == "plain":
        return number
    sizes = (4, 6, 5) if length == 15 else (4, 4, 4, 4)
    return _group(number, sizes, " " if style == "space" else "-")


def email(rng: random.Random) -> str:
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    local = rng.choice([f"{first}.{last}", f"{first[0]}{last}", f"{first}_{last}{rng.randint(1, 99)}", f"{first}+shop"])
    return f"{local}@{rng.choice(_DOMAINS)}"


def phone(rng: random.Random) -> str:
    area = f"{rng.randint(2, 9)}{rng.randint(0, 9)}{rng.randint(0, 9)}"
    exchange = f"{rng.randint(2, 9)}{rng.randint(0, 9)}{rng.randint(0, 9)}"
    line = f"{rng.randint(0, 9999):04d}"
    style = rng.randrange(9)
    if style == 0:
        return f"({area}) {exchange}-{line}"
    if style == 1:
        return f"{area}-{exchange}-{line}"
    if style == 2:
        return f"+1 {area} {exchange} {line}"
    if style == 3:
        return f"{area}.{exchange}.{line}"
    if style == 4:
        return f"+44 20 {rng.randint(7000, 8999)} {rng.randint(0, 9999):04d}"
    if style == 5:
        return f"07{rng.randint(100, 999)} {rng.randint(100000, 999999)}"
    if style == 6:
        return f"+49 30 {rng.randint(1000000, 9999999)}"
    if style == 7:
        return "+33 " + " ".join([str(rng.randint(1, 7))] + [f"{rng.randint(0, 99):02d}" for _ in range(4)])
    return f"+91 {rng.randint(70000, 99999)} {rng.randint(10000, 99999)}"


def ssn(rng: random.Random) -> str:
    while True:
        area = rng.randint(1, 899)
        if area != 666:
            break
    sep = rng.choice("- ")
    return f"{area:03d}{sep}{rng.randint(1, 99):02d}{sep}{rng.randint(1, 9999):04d}"


def nino(rng: random.Random) -> str:
    first = rng.choice("ABCEGHJKLMNOPRSTWXYZ")
    second = rng.choice("ABCEGHJKLMNPRSTWXYZ")
    if first + second in {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}:
        first, second = "A", "B"
    digits = f"{rng.randint(0, 999999):06d}"
    if rng.random() < 0.5:
        return f"{first}{second} {digits[:2]} {digits[2:4]} {digits[4:]} {rng.choice('ABCD')}"
    return f"{first}{second}{digits}{rng.choice('ABCD')}"


def dni(rng: random.Random) -> str:
    number = rng.randint(10000000, 99999999)
    return f"{number}{'TRWAGMYFPDXBNJZSQVHLCKE'[number % 23]}"


def bsn(rng: random.Random) -> str:
    while True:
        digits = f"{rng.randint(100000000, 999999999)}"
        total = sum((9 - i) * int(d) for i, d in enumerate(digits[:8])) - int(digits[8])
        if total % 11 == 0:
            return digits


def ipv4(rng: random.Random) -> str:
    while True:
        address = ipaddress.IPv4Address(rng.getrandbits(32))
        if address.is_global:
            return str(address)


def ipv6(rng: random.Random) -> str:
    while True:
        address = ipaddress.IPv6Address((0x2 << 124) | (rng.getrandbits(120) << 4) | rng.getrandbits(4))
        if address.is_global:
            return str(address)


def iban(rng: random.Random) -> str:
    country, length, alpha = rng.choice([("DE", 22, 0), ("GB", 22, 4), ("FR", 27, 0), ("NL", 18, 4), ("ES", 24, 0), ("IT", 27, 1)])
    bban = "".join(rng.choice(string.ascii_uppercase) for _ in range(alpha))
    bban += "".join(rng.choice(string.digits) for _ in range(length - 4 - alpha))
    numeric = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    check = 98 - int(numeric) % 97
    compact = f"{country}{check:02d}{bban}"
    if rng.random() < 0.6:
        return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
    return compact


_B62 = string.ascii_letters + string.digits


def _rand(rng: random.Random, n: int, alphabet: str = _B62) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def secret(rng: random.Random) -> str:
    kind = rng.randrange(8)
    if kind == 0:
        return "sk-" + _rand(rng, 48)
    if kind == 1:
        return "sk-proj-" + _rand(rng, 64, _B62 + "_-")
    if kind == 2:
        return rng.choice(["AKIA", "ASIA"]) + _rand(rng, 16, string.ascii_uppercase + string.digits)
    if kind == 3:
        return rng.choice(["ghp_", "gho_", "ghs_"]) + _rand(rng, 36)
    if kind == 4:
        return f"xoxb-{rng.randint(10**11, 10**12)}-{rng.randint(10**12, 10**13)}-{_rand(rng, 24)}"
    if kind == 5:
        return "AIza" + _rand(rng, 35, _B62 + "_-")
    if kind == 6:
        import base64, json
        header = base64.urlsafe_b64encode(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()).rstrip(b"=").decode()
        payload = base64.urlsafe_b64encode(json.dumps({"sub": str(rng.randint(1, 10**9)), "name": rng.choice(_FIRST)}).encode()).rstrip(b"=").decode()
        return f"{header}.{payload}.{_rand(rng, 43, _B62 + '_-')}"
    body = "\n".join(_rand(rng, 64, _B62 + "+/") for _ in range(6))
    return f"-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----"


_PLANTS = {
    "email": (email, ["You can reach me at {v} if anything changes.", "My email is {v}.", "Send the label to {v} please."]),
    "phone": (phone, ["Call me on {v} after five.", "My number is {v}.", "Text {v} when the courier arrives."]),
    "credit-card": (card, ["I paid with the card {v} and it was charged twice.", "Card number: {v}, expiry 09/27."]),
    "national-id": (None, ["For the tax form my SSN is {v}.", "Identification: {v}."]),
    "ip-address": (None, ["The login came from {v} which I do not recognise.", "Our server at {v} rejects the webhook."]),
    "iban": (iban, ["Please refund to IBAN {v} instead.", "My bank account is {v}."]),
    "secret": (secret, ["Here is my key {v} so you can check the integration.", "config:\n  token: {v}\n"]),
}


def _national_id(rng: random.Random) -> tuple[str, str]:
    choice = rng.randrange(4)
    if choice == 0:
        return ssn(rng), "For the tax form my SSN is {v}."
    if choice == 1:
        return nino(rng), "My National Insurance number is {v}."
    if choice == 2:
        return dni(rng), "Mi DNI es {v}, gracias."
    return bsn(rng), "Mijn BSN: {v}"


def _ip(rng: random.Random) -> str:
    return ipv4(rng) if rng.random() < 0.7 else ipv6(rng)


@dataclass
class Sample:
    text: str
    expected: list[tuple[str, int, int]] = field(default_factory=list)


def planted_sample(rng: random.Random, kind: str) -> Sample:
    """Prose with one value of ``kind`` planted at a known span (and sometimes a look-alike too)."""
    if kind == "national-id":
        value, template = _national_id(rng)
    elif kind == "ip-address":
        value, template = _ip(rng), rng.choice(_PLANTS[kind][1])
    else:
        factory, templates = _PLANTS[kind]
        value, template = factory(rng), rng.choice(templates)
    sentence = template.replace("{v}", value)
    before = chat_text(rng, rng.randint(1, 4))
    after = chat_text(rng, rng.randint(0, 3))
    prefix = before + " "
    start = len(prefix) + template.index("{v}")
    text = prefix + sentence + (" " + after if after else "")
    if rng.random() < 0.3:
        text += " " + lookalike(rng)
    return Sample(text, [(kind, start, start + len(value))])


def lookalike(rng: random.Random) -> str:
    """One sentence that resembles PII or a secret but is not one."""
    uuid = "-".join(_rand(rng, n, "0123456789abcdef") for n in (8, 4, 4, 4, 12))
    sha = _rand(rng, 40, "0123456789abcdef")
    options = [
        lambda: f"Card {card(rng, valid=False)} was declined because the number is invalid.",
        lambda: f"Please update to version {rng.randint(1, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 20)}.{rng.randint(1, 200)} first.",
        lambda: f"The fix ships in v{rng.randint(1, 9)}.{rng.randint(0, 9)}.{rng.randint(0, 9)}.{rng.randint(1, 9)}.",
        lambda: f"Build {rng.randint(1, 9)}.{rng.randint(0, 9)}.{rng.randint(0, 9)}.{rng.randint(1, 9)}-beta is unstable.",
        lambda: f"Write to {rng.choice(_FIRST)}@example.com or support@{rng.choice(['example.org', 'example.net', 'shop.test', 'localhost', 'mail.invalid'])}.",
        lambda: f"Your order #{rng.randint(10**9, 10**12)} ships on {rng.randint(2019, 2026)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}.",
        lambda: f"Order no. {rng.randint(10**9, 10**10 - 1)} was placed at {rng.randint(2019, 2026)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00Z.",
        lambda: f"The event timestamp was {rng.randint(1_500_000_000, 1_800_000_000)} in epoch seconds.",
        lambda: f"It costs ${rng.randint(1, 9)},{rng.randint(100, 999)}.{rng.randint(10, 99)} or €{rng.randint(10, 999)},{rng.randint(10, 99)} in Europe.",
        lambda: f"Request id {uuid} failed, see commit {sha}.",
        lambda: f"The router at 192.168.{rng.randint(0, 255)}.{rng.randint(1, 254)} and 10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)} talk to 127.0.0.1.",
        lambda: f"Set OPENAI_API_KEY=sk-{'x' * 40} and AWS key AKIAIOSFODNN7EXAMPLE in the template.",
        lambda: f"Use a token like ghp_{'X' * 36} or sk-your-api-key-here in the docs.",
        lambda: f"Tracking number 1Z{_rand(rng, 6, string.ascii_uppercase)}{rng.randint(10**9, 10**10 - 1)} arrives on {rng.randint(1, 28)}/{rng.randint(1, 12)}/{rng.randint(2019, 2026)}.",
        lambda: f"ISBN 978-{rng.randint(0, 9)}-{rng.randint(10, 99)}-{rng.randint(100000, 999999)}-{rng.randint(0, 9)} is out of print.",
        lambda: f"We served {rng.randint(1, 999)},{rng.randint(100, 999)},{rng.randint(100, 999)} requests at {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}.",
        lambda: f"Fictional number 555-01{rng.randint(0, 99):02d} and the pi digits 3.14159265358979.",
        lambda: f"The retina image icon@2x.png and the decorator @property are fine.",
        lambda: f"Ticket {rng.randint(10**7, 10**8 - 1)} is about invoice INV-{rng.randint(2019, 2026)}-{rng.randint(10000, 99999)}.",
        lambda: f"Coordinates {rng.uniform(-90, 90):.6f}, {rng.uniform(-180, 180):.6f} and ZIP {rng.randint(10000, 99999)}.",
    ]
    return rng.choice(options)()


def clean_sample(rng: random.Random) -> Sample:
    parts = [chat_text(rng, rng.randint(1, 3))]
    for _ in range(rng.randint(1, 3)):
        parts.append(lookalike(rng))
    rng.shuffle(parts)
    return Sample(" ".join(parts))


PII_KINDS = ("email", "phone", "credit-card", "national-id", "ip-address", "iban", "secret")


def pii_corpus(seed: int = 20240601, per_kind: int = 300, clean: int = 2000) -> list[Sample]:
    rng = random.Random(seed)
    samples = [planted_sample(rng, kind) for kind in PII_KINDS for _ in range(per_kind)]
    samples += [clean_sample(rng) for _ in range(clean)]
    rng.shuffle(samples)
    return samples


# ---------------------------------------------------------------------------
# Near-duplicates


def _mutate(rng: random.Random, text: str, changes: int) -> str:
    words = text.split(" ")
    for index in rng.sample(range(len(words)), changes):
        words[index] = rng.choice(["really", "quite", "certainly", "package", "parcel", "order", "item", "today"])
    return " ".join(words)


@dataclass
class DupCorpus:
    texts: list[str]
    group_of: list[int]
    """Index of the original each text was derived from (itself for originals)."""
    kind_of: list[str]
    """"original", "exact" or "near"."""


def dup_corpus(seed: int = 7, originals: int = 3000, exact: int = 300, near: int = 600) -> DupCorpus:
    """Distinct chat texts plus exact copies and copies with one or two words changed."""
    rng = random.Random(seed)
    texts: list[str] = []
    group_of: list[int] = []
    kind_of: list[str] = []
    for i in range(originals):
        record = chat_record(rng)
        texts.append(record["messages"][1]["content"] + "\n" + record["messages"][2]["content"])
        group_of.append(i)
        kind_of.append("original")
    for _ in range(exact):
        source = rng.randrange(originals)
        texts.append(texts[source])
        group_of.append(source)
        kind_of.append("exact")
    for _ in range(near):
        source = rng.randrange(originals)
        texts.append(_mutate(rng, texts[source], rng.choice((1, 2))))
        group_of.append(source)
        kind_of.append("near")
    order = list(range(originals, len(texts)))
    rng.shuffle(order)
    # Copies come after their originals, in random order.
    permutation = list(range(originals)) + order
    return DupCorpus([texts[i] for i in permutation], [group_of[i] for i in permutation], [kind_of[i] for i in permutation])


# ---------------------------------------------------------------------------
# Scoring


def score_pii(samples: list[Sample]) -> dict[str, tuple[int, int, int]]:
    """Per kind: (true positives, false positives, false negatives)."""
    from linter.pii import find_sensitive

    counts = {kind: [0, 0, 0] for kind in PII_KINDS}
    for sample in samples:
        findings = find_sensitive(sample.text)
        matched: set[int] = set()
        for finding in findings:
            hit = next(
                (i for i, (kind, start, end) in enumerate(sample.expected)
                 if kind == finding.kind and finding.start < end and start < finding.end and i not in matched),
                None,
            )
            if hit is None:
                counts[finding.kind][1] += 1
            else:
                matched.add(hit)
                counts[finding.kind][0] += 1
        for i, (kind, _, _) in enumerate(sample.expected):
            if i not in matched:
                counts[kind][2] += 1
    return {kind: tuple(values) for kind, values in counts.items()}


def score_neardup(corpus: DupCorpus, threshold: float = 0.8) -> dict[str, tuple[int, int, int]]:
    """(tp, fp, fn) for exact and near copies: a copy is found when its original is among the returned keys."""
    from linter.neardup import NearDuplicateIndex

    index = NearDuplicateIndex(threshold=threshold)
    counts = {"near-duplicate": [0, 0, 0]}
    for key, text in enumerate(corpus.texts):
        matches = index.add(key, text)
        group = corpus.group_of[key]
        if corpus.kind_of[key] == "original":
            counts["near-duplicate"][1] += sum(1 for m in matches if corpus.group_of[m] != m or m != group)
            continue
        good = [m for m in matches if corpus.group_of[m] == group]
        bad = len(matches) - len(good)
        counts["near-duplicate"][1] += bad
        if good:
            counts["near-duplicate"][0] += 1
        else:
            counts["near-duplicate"][2] += 1
    return {kind: tuple(values) for kind, values in counts.items()}


def _ratios(tp: int, fp: int, fn: int) -> tuple[float, float]:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall


def report() -> str:
    rows = ["| rule | planted | precision | recall |", "|---|---:|---:|---:|"]
    codes = {"email": "FT601", "phone": "FT602", "credit-card": "FT603", "national-id": "FT604",
             "ip-address": "FT605", "iban": "FT606", "secret": "FT607", "near-duplicate": "FT302"}
    scores = score_pii(pii_corpus())
    scores.update(score_neardup(dup_corpus()))
    for kind, (tp, fp, fn) in scores.items():
        precision, recall = _ratios(tp, fp, fn)
        rows.append(f"| {codes[kind]} {kind} | {tp + fn} | {precision:.3f} | {recall:.3f} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--report", action="store_true", help="print per-kind precision and recall")
    args = parser.parse_args(argv)
    if args.report:
        print(report())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
