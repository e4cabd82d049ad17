"""The app's two colour themes (``ctrl+t`` switches): Textual's dark theme, and its light
theme with a darker warning text colour.

Textual's light theme makes ``$text-warning`` (and ``$text-accent``) #A86D1C, 2.8:1 on
its panel #D0D0D0, where the header's counts are: below the 4.5:1 WCAG AA asks of text.
#7A4A00 keeps the amber hue at 4.85:1. Info marks use ``$text-primary`` (blue), so a
warning and an info never share a colour (tests/test_app_layout.py measures both themes)."""

from __future__ import annotations

from dataclasses import replace

from textual.theme import BUILTIN_THEMES, Theme

DARK = "textual-dark"
LIGHT = "ftpreflight-light"

LIGHT_THEME: Theme = replace(
    BUILTIN_THEMES["textual-light"], name=LIGHT,
    variables={**BUILTIN_THEMES["textual-light"].variables, "text-warning": "#7A4A00"})
