"""The dataset table: a Line-API widget over the session's ``RecordsModel``
(``tui.records_model``) that renders only the rows on screen, so 200,000 records
scroll as fast as 20."""

from __future__ import annotations

from dataclasses import dataclass

from rich.segment import Segment
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..actions import bindings
from ..records_model import RecordsModel
from .rowtext import ICONS, SEVERITY_NAMES, header_text, row_text


class RecordTable(ScrollView, can_focus=True):
    """Every record of the file, one line each; only visible rows are rendered."""

    COMPONENT_CLASSES = {
        "record-table--header", "record-table--cursor", "record-table--error", "record-table--warning",
        "record-table--info", "record-table--ok", "record-table--marked",
    }
    DEFAULT_CSS = """
    RecordTable { height: 1fr; overflow-x: hidden; }
    RecordTable > .record-table--header { text-style: bold; background: $panel; }
    RecordTable > .record-table--cursor { background: $block-cursor-background; color: $block-cursor-foreground; }
    RecordTable:blur > .record-table--cursor { background: $block-cursor-blurred-background; }
    RecordTable > .record-table--error { color: $text-error; }
    RecordTable > .record-table--warning { color: $text-warning; }
    RecordTable > .record-table--info { color: $text-primary; }
    RecordTable > .record-table--ok { color: $text-success; }
    RecordTable > .record-table--marked { text-style: strike; color: $text-muted; }
    """
    BINDINGS = bindings("table")

    cursor = reactive(0, init=False)

    @dataclass
    class Highlighted(Message):
        """The cursor moved to ``line`` (``None``: the table is empty)."""

        table: "RecordTable"
        line: int | None

    @dataclass
    class Selected(Message):
        """Enter or a double click on the record at ``line``: the screen opens it."""

        table: "RecordTable"
        line: int

    def __init__(self, model: RecordsModel | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.model = model or RecordsModel()

    # -- data changes ------------------------------------------------------------------
    def data_changed(self, keep_line: int | None = None) -> None:
        """Call after the model changed: resize, keep the cursor on ``keep_line`` if shown."""
        if keep_line is not None:
            position = self.model.position_of_line(keep_line)
            if position is not None:
                self.cursor = position
        self.cursor = max(0, min(self.cursor, len(self.model) - 1))
        self.virtual_size = Size(self._content_width(), len(self.model) + 1)
        self.refresh()

    @property
    def current_line(self) -> int | None:
        return self.model.line_at(self.cursor)

    def _content_width(self) -> int:
        return max(self.scrollable_content_region.width, 60)

    # -- rendering ---------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if y == 0:
            style = self.get_component_rich_style("record-table--header")
            text = header_text(width)
            return Strip([Segment(text, style)], width)
        position = round(self.scroll_offset.y) + y - 1
        model = self.model
        if position >= len(model):
            return Strip.blank(width, self.rich_style)
        row = model.row_at(position)
        line = model.line[row]
        worst = model.worst[row]
        mark = "✂" if line in model.marked else " "
        codes = " ".join(model.codes.get(line, ()))
        text = row_text(mark, ICONS.get(worst, "?"), str(line), model.kind[row] or "-",
                        str(model.messages[row]), f"{model.tokens[row]:,}", codes, width)
        base = self.rich_style
        icon_style = self.get_component_rich_style(f"record-table--{SEVERITY_NAMES.get(worst, 'ok')}", partial=True)
        if line in model.marked:
            base = base + self.get_component_rich_style("record-table--marked", partial=True)
        if position == self.cursor:
            base = base + self.get_component_rich_style("record-table--cursor")
        return Strip([Segment(text[:2], base), Segment(text[2:3], base + icon_style), Segment(text[3:], base)],
                     width)

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(self._content_width(), len(self.model) + 1)

    # -- cursor ------------------------------------------------------------------------
    def watch_cursor(self, old: int, new: int) -> None:
        self._scroll_to_cursor()
        self.refresh()
        self.post_message(self.Highlighted(self, self.current_line))

    def _visible_rows(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def _scroll_to_cursor(self) -> None:
        top = round(self.scroll_offset.y)
        rows = self._visible_rows()
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + rows:
            self.scroll_to(y=self.cursor - rows + 1, animate=False, immediate=True)

    def move_to(self, position: int) -> None:
        if len(self.model):
            self.cursor = max(0, min(position, len(self.model) - 1))

    def action_cursor(self, step: int) -> None:
        self.move_to(self.cursor + step)

    def action_page(self, step: int) -> None:
        self.move_to(self.cursor + step * self._visible_rows())

    def action_jump(self, where: int) -> None:
        self.move_to(len(self.model) - 1 if where < 0 else 0)

    def action_select(self) -> None:
        line = self.current_line
        if line is not None:
            self.post_message(self.Selected(self, line))

    def on_click(self, event: events.Click) -> None:
        if event.y >= 1:
            position = round(self.scroll_offset.y) + event.y - 1
            if position < len(self.model):
                if position == self.cursor and event.chain >= 2:
                    self.action_select()
                self.move_to(position)


