"""A footer that fits its width and shows the keys of what has the focus: the screen's
keys in order while they fit, then Help (``? more`` when some keys did not fit; help
lists them) and Quit, which are always shown where they work, then the palette key.

Every screen that takes keys has its own footer (dialogs and the command palette too),
so a dialog's footer shows the dialog's keys, not those of the tab behind it. An
action bound to several keys shows its plainest one that works where the focus is
(``q`` rather than ``ctrl+q``; ``ctrl+q`` in a text field, where ``q`` is typed;
``/`` counts as typed there, which Textual's own filter misses). When
Enter is handled by a widget rather than a binding, the footer says what it does: a
focused button's label, or the screen's ``ENTER_LABEL`` (what Enter does in its field
or tree)."""

from __future__ import annotations

import unicodedata

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.keys import REPLACED_KEYS, key_to_character
from textual.widgets import Button, Footer
from textual.widgets._footer import FooterKey

ALWAYS = ("help", "quit")
"""Actions shown whatever the width, at the end (before the palette key)."""
PALETTE_CELLS = 13
"""Room the palette key (``▏^p palette``) takes at the right."""


def key_cells(key_display: str, description: str) -> int:
    """Cells a footer key takes: padding, the key, a space and the description."""
    return len(key_display) + len(description) + 3


def character_of(key: str) -> str | None:
    """The character a key types (``key_to_character`` does not know ``slash``)."""
    character = key_to_character(key)
    if character is None and key in REPLACED_KEYS:
        try:
            character = unicodedata.lookup(REPLACED_KEYS[key].replace("_", " ").upper())
        except KeyError:
            pass
    return character


def plainness(key: str) -> int:
    """1 for a combination (``ctrl+q``), else 0: an action shows its first plain key."""
    return 1 if "+" in key else 0


class AdaptiveFooter(Footer):
    _width = 0

    def enter_label(self) -> str | None:
        """What Enter does where the focus is, when no shown binding says it."""
        focused = self.screen.focused
        if isinstance(focused, Button):
            return None if focused.disabled else str(focused.label).rstrip("…")
        return getattr(self.screen, "ENTER_LABEL", None)

    def items(self) -> list[tuple[Binding, bool, str]]:
        """One (binding, enabled, tooltip) per action shown, in the screen's order."""
        focused = self.screen.focused
        chosen: dict[str, tuple[Binding, bool, str]] = {}
        for node, binding, enabled, tooltip in self.screen.active_bindings.values():
            if not binding.show:
                continue
            if focused is not None and node is not focused \
                    and focused.check_consume_key(binding.key, character_of(binding.key)):
                continue  # the field types it (Textual misses ``/``)
            current = chosen.get(binding.action)
            if current is None or plainness(binding.key) < plainness(current[0].key):
                chosen[binding.action] = (binding, enabled, tooltip)
        items = list(chosen.values())
        label = self.enter_label()
        if label and not any(binding.key == "enter" for binding, _, _ in items):
            items.insert(0, (Binding("enter", "", label), True, label))
        return items

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        active = self.screen.active_bindings
        items = self.items()
        always = sorted((item for item in items if item[0].action in ALWAYS),
                        key=lambda item: ALWAYS.index(item[0].action))
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
