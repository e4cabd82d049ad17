"""The command palette's provider: every action of ``tui.actions`` that has a palette
entry, run on the app, else on the open screen, else on the main screen."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from ..actions import help_markdown, help_rows, palette_actions

__all__ = ["ACTIONS", "ActionsProvider", "help_markdown", "help_rows"]

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
