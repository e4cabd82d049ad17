"""Personal data and secrets (FT6xx). Values are always shown masked."""

from ._base import ERROR, UNSAFE, WARNING, rule


@rule("FT601", "pii-email", WARNING, "an email address", fixable=UNSAFE, pii_kind="email")
class PiiEmail:
    """A string contains an email address. Placeholder domains (`example.com`,
    `.test`, `.invalid`, `localhost`) and domains in `allow_domains` do not fire.

    ## Why is this bad?
    Email addresses identify people; a model trained on them can leak them.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "Mail me at jane.doe@acme.com"}, ...]}
    ```

    ## Fix
    `ftpreflight fix --redact-pii` replaces it with `[EMAIL]`:
    ```json
    {"messages": [{"role": "user", "content": "Mail me at [EMAIL]"}, ...]}
    ```
    """


@rule("FT602", "pii-phone", WARNING, "a phone number (international and common national formats)", fixable=UNSAFE,
      pii_kind="phone")
class PiiPhone:
    """A string contains a phone number: international (`+44 20 7946 0958`) or a
    common national format (`(415) 555-2671`, `020 7946 0958`). Order numbers,
    dates, prices and timestamps do not fire.

    ## Why is this bad?
    Phone numbers identify people; a model trained on them can leak them.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "Call me on +1 415 555 2671"}, ...]}
    ```

    ## Fix
    `ftpreflight fix --redact-pii` replaces it with `[PHONE]`.
    """


@rule("FT603", "pii-credit-card", ERROR, "a card number that passes the Luhn check", fixable=UNSAFE,
      pii_kind="credit-card")
class PiiCreditCard:
    """A string contains a payment card number (13-19 digits, with or without
    spaces or dashes) of a known issuer range that passes the Luhn checksum.
    Numbers that fail the checksum (order ids, tracking numbers) do not fire.

    ## Why is this bad?
    Card numbers are regulated data (PCI DSS): they must never reach a model or a
    third party.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "My card is 4111 1111 1111 1111"}, ...]}
    ```

    ## Fix
    `ftpreflight fix --redact-pii` replaces it with `[CREDIT_CARD]`.
    """


@rule("FT604", "pii-national-id", ERROR,
      "a US SSN (valid area/group/serial) or similar national id", fixable=UNSAFE, pii_kind="national-id")
class PiiNationalId:
    """A string contains a national identity number: a US Social Security number
    with a valid area, group and serial, or another national id whose format and
    checksum match (UK National Insurance number, Dutch BSN, Spanish DNI/NIE).

    ## Why is this bad?
    National ids enable identity theft and are special-category data in most
    privacy laws.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "My SSN is 123-45-6789"}, ...]}
    ```

    ## Fix
    `ftpreflight fix --redact-pii` replaces it with `[NATIONAL_ID]`.
    """


@rule("FT605", "pii-ip-address", WARNING, "an IPv4/IPv6 address (not private-range version strings)", fixable=UNSAFE,
      pii_kind="ip-address")
class PiiIpAddress:
    """A string contains a public IPv4 or IPv6 address. Private, loopback,
    link-local and documentation ranges, and version strings (`version 1.2.3.4`,
    `v1.2.3.4`) do not fire.

    ## Why is this bad?
    Public IP addresses are personal data under GDPR and locate people.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "I log in from 81.2.69.160"}, ...]}
    ```

    ## Fix
    `ftpreflight fix --redact-pii` replaces it with `[IP_ADDRESS]`.
    """


@rule("FT606", "pii-iban", ERROR, "an IBAN that passes mod-97", fixable=UNSAFE, pii_kind="iban")
class PiiIban:
    """A string contains an IBAN (with or without spaces) whose country length and
    mod-97 checksum are valid.

    ## Why is this bad?
    Bank account numbers are financial personal data.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "Refund to GB82 WEST 1234 5698 7654 32"}, ...]}
    ```

    ## Fix
    `ftpreflight fix --redact-pii` replaces it with `[IBAN]`.
    """


@rule("FT607", "secret-api-key", ERROR,
      "an API key or secret: OpenAI `sk-...`, AWS access keys, GitHub tokens, Slack tokens, Google API keys, "
      "private-key blocks, JWTs", fixable=UNSAFE, pii_kind="secret")
class SecretApiKey:
    """A string contains a credential: an OpenAI key (`sk-...`, `sk-proj-...`), an
    AWS access key id (`AKIA...`), a GitHub token (`ghp_...`, `github_pat_...`), a
    Slack token (`xoxb-...`), a Google API key (`AIza...`), a PEM private-key
    block or a JWT.

    ## Why is this bad?
    A live credential in training data is a breach: anyone who can prompt the
    model may get it back. Rotate the key; removing it from the data is not enough.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "Use key sk-proj-AbC...9f2c"}, ...]}
    ```

    ## Fix
    Rotate the credential, then `ftpreflight fix --redact-pii` replaces it with `[SECRET]`.
    """
