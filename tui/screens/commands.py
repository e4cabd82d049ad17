"""The command palette: Textual's, with a footer of its own keys, and its provider:
every action of ``tui.actions`` that has a palette entry, run on the app, else on the
open screen, else on the main screen."""

from __future__ import annotations

from functools import partial

from textual.app import ComposeResult
from textual.command import CommandPalette, DiscoveryHit, Hit, Hits, Provider

from ..actions import bindings, help_markdown, help_rows, palette_actions
from ..widgets.footer import AdaptiveFooter

__all__ = ["ACTIONS", "ActionsProvider", "Palette", "help_markdown", "help_rows"]

ACTIONS = palette_actions()
"""The palette's entries (the actions of ``tui.actions.ACTIONS`` with a palette action)."""


class ActionsProvider(Provider):
    """The command palette's list of every ftpreflight action."""

    def _command(self, action: str):
        return partial(self.app.run_command, action)

    async def discover(self) -> Hits:
        for item in ACTIONS:
            yield DiscoveryHit(item.title, self._command(item.palette), help=item.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for item in ACTIONS:
            score = matcher.match(item.title)
            if score > 0:
                yield Hit(score, matcher.highlight(item.title), self._command(item.palette), help=item.help)


class Palette(CommandPalette):
    """Textual's command palette with a footer: its own keys, not the tab's behind it."""

    BINDINGS = bindings("palette")
    ENTER_LABEL = "Run"
    """Enter runs the highlighted entry."""

    def compose(self) -> ComposeResult:
        yield from super().compose()
        yield AdaptiveFooter()
