"""Wording helpers shared by the linter's messages and the application's output."""

from __future__ import annotations

_IRREGULAR = {"info": "infos", "entry": "entries", "was": "were", "is": "are", "has": "have"}


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``count`` and the noun that agrees with it, with thousands separators:
    ``plural(1, "error")`` -> ``"1 error"``, ``plural(1200, "line")`` -> ``"1,200 lines"``."""
    if count == 1:
        return f"{count:,} {singular}"
    return f"{count:,} {plural_form or _IRREGULAR.get(singular) or singular + 's'}"
