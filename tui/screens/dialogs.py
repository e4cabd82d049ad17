"""Modal dialogs: messages and errors, confirmations, the save-as prompt, help."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Markdown, Static

from ..actions import bindings, help_markdown


class MessageDialog(ModalScreen[None]):
    """A readable message (errors included); any of enter/escape closes it."""

    BINDINGS = bindings("message")

    def __init__(self, title: str, text: str, *, error: bool = False) -> None:
        super().__init__(classes="dialog-screen")
        self.title_text = title
        self.text = text
        self.error = error

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog" + (" -error" if self.error else "")):
            yield Label(self.title_text, classes="dialog-title")
            with VerticalScroll(classes="dialog-body"):
                yield Static(self.text, markup=False, id="dialog-text")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Close", id="close", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#close").focus()

    @on(Button.Pressed, "#close")
    def _close(self) -> None:
        self.dismiss(None)

    def action_dismiss(self) -> None:
        self.dismiss(None)


class ConfirmDialog(ModalScreen[bool]):
    """Yes or no, with the facts to decide on. Escape means no."""

    BINDINGS = bindings("confirm")

    def __init__(self, title: str, text: str, *, yes: str = "Yes", no: str = "Cancel") -> None:
        super().__init__(classes="dialog-screen")
        self.title_text = title
        self.text = text
        self.yes = yes
        self.no = no

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            with VerticalScroll(classes="dialog-body"):
                yield Static(self.text, markup=False, id="dialog-text")
            with Horizontal(classes="dialog-buttons"):
                yield Button(self.no, id="no")
                yield Button(self.yes, id="yes", variant="warning")

    def on_mount(self) -> None:
        self.query_one("#no").focus()

    @on(Button.Pressed, "#yes")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#no")
    def _no(self) -> None:
        self.dismiss(False)

    def action_no(self) -> None:
        self.dismiss(False)


class SaveDialog(ModalScreen[str | None]):
    """Ask where to save a new file (a cleaned copy, exported rows); refuses the input
    file itself."""

    BINDINGS = bindings("save")

    def __init__(self, source: str, suggestion: str, plan: str, title: str = "Save a cleaned copy") -> None:
        super().__init__(classes="dialog-screen")
        self.source = source
        self.suggestion = suggestion
        self.plan = plan
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            with Vertical(classes="dialog-bottom"):
                yield Input(self.suggestion, id="save-path", placeholder="output file")
                yield Label("", id="save-error", classes="error-text")
                with Horizontal(classes="dialog-buttons"):
                    yield Button("Cancel", id="cancel")
                    yield Button("Save", id="save", variant="primary")
            with VerticalScroll(classes="dialog-body"):
                yield Static(self.plan, markup=False)

    def on_mount(self) -> None:
        self.query_one("#save-path", Input).focus()

    @on(Input.Submitted, "#save-path")
    @on(Button.Pressed, "#save")
    def _save(self) -> None:
        value = self.query_one("#save-path", Input).value.strip()
        error = self.query_one("#save-error", Label)
        if not value:
            error.update("Give a file name.")
            return
        target = Path(value).expanduser()
        try:
            same = target.resolve() == Path(self.source).resolve()
        except OSError:
            same = False
        if same:
            error.update("That is the input file: choose another name (the input is never overwritten).")
            return
        if not target.parent.is_dir():
            error.update(f"Folder {target.parent} does not exist.")
            return
        self.dismiss(str(target))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class GoToLineDialog(ModalScreen[int | None]):
    """Ask for a line number of the file: a small box that is all content (nothing docked),
    so its height is that of the prompt, the field, the hint and the buttons."""

    BINDINGS = bindings("goto")

    def __init__(self, last_line: int) -> None:
        super().__init__(classes="dialog-screen")
        self.last_line = last_line

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog small", id="goto-dialog"):
            yield Label("Go to line", classes="dialog-title")
            yield Label(f"Go to line (1-{self.last_line:,})", id="goto-prompt")
            yield Input("", id="goto-line", placeholder=f"a number from 1 to {self.last_line:,}",
                        type="integer")
            yield Label("", id="goto-error", classes="error-text")
            yield Static("Enter: go   Esc: cancel", id="goto-hint", classes="dim")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Go", id="go", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#goto-error", Label).display = False
        self.query_one("#goto-line", Input).focus()

    @on(Input.Submitted, "#goto-line")
    @on(Button.Pressed, "#go")
    def _go(self) -> None:
        text = self.query_one("#goto-line", Input).value.strip()
        if not text.isdigit() or not 1 <= int(text) <= self.last_line:
            error = self.query_one("#goto-error", Label)
            error.update(f"Give a line number from 1 to {self.last_line:,}.")
            error.display = True
            return
        self.dismiss(int(text))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class HelpScreen(ModalScreen[None]):
    """The keys, those of the screen it was opened from first."""

    BINDINGS = bindings("help")

    def __init__(self, context: str | None = None) -> None:
        super().__init__(classes="dialog-screen")
        self.context = context

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog help"):
            title = "ftpreflight: keys" + (f" ({self.context} first)" if self.context else "")
            yield Label(title, classes="dialog-title")
            yield Static("Search and run actions in the palette (ctrl+p). escape closes this.",
                         classes="dim help-note")
            with VerticalScroll(classes="dialog-body"):
                yield Markdown(help_markdown(self.context))

    def action_dismiss(self) -> None:
        self.dismiss(None)
