"""A footer that fits its width: the screen's keys in order while they fit, then
Help (``? more`` when some keys did not fit; help lists them) and Quit, which are
always shown, then the palette key."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

ALWAYS = ("help", "quit")
"""Actions shown whatever the width, at the end (before the palette key)."""
PALETTE_CELLS = 13
"""Room the palette key (``▏^p palette``) takes at the right."""


def key_cells(key_display: str, description: str) -> int:
    """Cells a footer key takes: padding, the key, a space and the description."""
    return len(key_display) + len(description) + 3


class AdaptiveFooter(Footer):
    _width = 0

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        active = self.screen.active_bindings
        seen: set[str] = set()
        items = []
        for _node, binding, enabled, tooltip in active.values():
            if binding.show and binding.action not in seen:
                seen.add(binding.action)
                items.append((binding, enabled, tooltip))
        always = [item for item in items if item[0].action in ALWAYS]
        rest = [item for item in items if item[0].action not in ALWAYS]
        width = self.size.width or self.app.size.width
        room = width - PALETTE_CELLS - sum(key_cells(self.app.get_key_display(b), "more" if b.action == "help"
                                                     else b.description) for b, _, _ in always)
        shown = []
        for binding, enabled, tooltip in rest:
            cells = key_cells(self.app.get_key_display(binding), binding.description)
            if cells > room:
                break
            room -= cells
            shown.append((binding, enabled, tooltip))
        hidden = len(rest) - len(shown)
        for binding, enabled, tooltip in shown + always:
            description = "more" if binding.action == "help" and hidden else binding.description
            yield FooterKey(binding.key, self.app.get_key_display(binding), description, binding.action,
                            disabled=not enabled, tooltip=tooltip or binding.description,
                            ).data_bind(compact=Footer.compact)
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
            try:
                _node, binding, enabled, tooltip = active[self.app.COMMAND_PALETTE_BINDING]
            except KeyError:
                return
            yield FooterKey(binding.key, self.app.get_key_display(binding), binding.description, binding.action,
                            classes="-command-palette", disabled=not enabled,
                            tooltip=binding.tooltip or binding.description)

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != self._width:
            self._width = event.size.width
            if self._bindings_ready:
                self.call_after_refresh(self.recompose)
