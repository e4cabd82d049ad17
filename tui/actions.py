"""Every action of the app, listed once.

An action has a stable id, the keys people read in the help, where it applies, and
the key bindings that run it on each screen (with whether the footer shows them). The
app's and screens' ``BINDINGS``, the command palette (``tui.screens.commands``), the
help screen and the README's key table are all built from :data:`ACTIONS`; a test
fails on a binding declared anywhere else.

Scopes name the ``BINDINGS`` a binding belongs to: ``app`` (works on every screen),
``main`` (the six-tab screen), ``table`` (the dataset's record table), ``record``,
``job``, ``picker``, and the dialogs ``message``, ``confirm``, ``save``, ``goto`` and
``help``; ``palette`` is the command palette (Textual's, with this footer).

An action the palette alone runs has no keys: the help lists it as
``palette: <its title>``, the way it is found there.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding

SCOPES = ("app", "main", "table", "record", "job", "picker", "message", "confirm", "save", "goto", "help",
          "palette")


@dataclass(frozen=True)
class Key:
    """One binding of an action on one scope."""

    scope: str
    keys: str
    """Textual key names, comma-separated (``slash``, ``j,down``)."""
    action: str
    """The Textual action run in that scope's namespace."""
    label: str
    """What the footer shows."""
    id: str
    """The binding's stable id (``scope-ish.name``; kept when keys change)."""
    show: bool = True
    tab: str | None = None
    """On the main screen: the tab the binding works on (``None``: every tab)."""
    priority: bool = False
    """Checked before the focused widget's keys, and on dialogs too."""

    def binding(self) -> Binding:
        return Binding(self.keys, self.action, self.label, show=self.show, id=self.id, priority=self.priority)


@dataclass(frozen=True)
class AppAction:
    id: str
    """Stable id: ``place.name``."""
    title: str
    """The palette's entry and the start of the help's sentence."""
    keys: str
    """Keys as people read them in the help (empty for palette-only actions)."""
    where: str
    """Places it applies, comma-separated: ``anywhere``, a tab, ``record``, ``job monitor``, ``dialogs``."""
    help: str = ""
    palette: str | None = None
    """The action the palette runs (on the app, else on the open screen, else on the
    main screen); ``None``: not in the palette (it only makes sense on one screen)."""
    bindings: tuple[Key, ...] = ()

    @property
    def keys_text(self) -> str:
        """The help's keys cell: the keys, or where the palette lists the action."""
        return f"`{self.keys}`" if self.keys else f"palette: {self.title}"

    @property
    def help_text(self) -> str:
        if not self.keys and self.help:  # the title is already in the keys cell
            return self.help
        text = self.title[0].lower() + self.title[1:]
        return f"{text}: {self.help}" if self.help else text


def _tab(name: str, key: str, label: str, title: str, help: str) -> AppAction:
    return AppAction(f"tab.{name}", title, key, "anywhere", help, palette=f"show_tab('{name}')",
                     bindings=(Key("app", key, f"show_tab('{name}')", label, f"tab.{name}", show=False),))


ACTIONS: tuple[AppAction, ...] = (
    _tab("dataset", "1", "Data", "Go to Dataset", "the table of every record"),
    _tab("problems", "2", "Problems", "Go to Problems", "diagnostics grouped by rule, with rule docs"),
    _tab("cleanup", "3", "Clean-up", "Go to Clean-up", "what saving a cleaned copy will do"),
    _tab("stats", "4", "Stats", "Go to Stats", "token histogram, formats, top rules"),
    _tab("cost", "5", "Cost", "Go to Cost planner", "estimate training and inference cost"),
    _tab("submit", "6", "Submit", "Go to Approve & submit", "budget approval and job submission"),
    AppAction("dataset.open", "Open record", "enter", "dataset", "the highlighted record as a conversation",
              palette="open_record",
              bindings=(Key("table", "enter", "select", "Open record", "dataset.open"),)),
    AppAction("record.back", "Back to the table", "escape", "record",
              bindings=(Key("record", "escape", "back", "Back", "record.back"),)),
    AppAction("dataset.search", "Search text", "/", "dataset", "show only records whose JSON contains a text",
              palette="focus_search",
              bindings=(Key("main", "slash", "focus_search", "Search", "dataset.search", tab="dataset"),)),
    AppAction("dataset.rule", "Filter by rule", "r", "dataset", "show only records with one rule's problems",
              palette="focus_rule_filter",
              bindings=(Key("main", "r", "focus_rule_filter", "Rule", "dataset.rule", tab="dataset"),)),
    AppAction("dataset.sort", "Sort: file order / tokens / severity", "s", "dataset", "change the table's order",
              palette="cycle_sort",
              bindings=(Key("main", "s", "cycle_sort", "Sort", "dataset.sort", tab="dataset"),)),
    AppAction("dataset.next", "Next problem", "n", "dataset, record", "jump to the next record with a problem",
              palette="next_problem",
              bindings=(Key("main", "n", "next_problem", "Next problem", "dataset.next", tab="dataset"),
                        Key("record", "n", "next_problem", "Next problem", "record.next"))),
    AppAction("dataset.previous", "Previous problem", "N", "dataset, record",
              "jump to the previous record with a problem", palette="previous_problem",
              bindings=(Key("main", "N", "previous_problem", "Prev problem", "dataset.previous", show=False,
                            tab="dataset"),
                        Key("record", "N", "previous_problem", "Prev problem", "record.previous", show=False))),
    AppAction("record.reveal", "Reveal / mask personal data", "v", "record",
              bindings=(Key("record", "v", "reveal", "Reveal PII", "record.reveal"),)),
    AppAction("dataset.mark", "Mark / unmark record to drop", "d", "dataset, record",
              "the cleaned copy leaves it out", palette="toggle_mark",
              bindings=(Key("main", "d", "toggle_mark", "Drop", "dataset.mark", tab="dataset"),
                        Key("record", "d", "toggle_mark", "Drop", "record.mark"))),
    AppAction("dataset.fix", "Apply this record's fixes", "x", "dataset, record",
              "drop, redact or add the missing separator / stop / space", palette="fix_record",
              bindings=(Key("main", "x", "fix_record", "Fix", "dataset.fix", tab="dataset"),
                        Key("record", "x", "fix_record", "Fix", "record.fix"))),
    AppAction("problems.fix", "Apply fixes for all of this rule", "x", "problems",
              "every record of the highlighted rule", palette="fix_rule",
              bindings=(Key("main", "x", "fix_rule", "Fix", "problems.fix", tab="problems"),)),
    AppAction("dataset.goto", "Go to line", ":", "dataset", "move the table to a line number of the file",
              palette="go_to_line",
              bindings=(Key("main", "colon", "go_to_line", "Go to line", "dataset.goto", tab="dataset"),)),
    AppAction("dataset.edit", "Open record in $EDITOR", "e", "dataset, record",
              "a pretty-printed copy of the record (the data file is not changed)", palette="edit_record",
              bindings=(Key("main", "e", "edit_record", "Edit copy", "dataset.edit", show=False, tab="dataset"),
                        Key("record", "e", "edit_record", "Edit copy", "record.edit"))),
    AppAction("dataset.copy", "Copy record", "y", "dataset, record", "the record's JSON line to the clipboard",
              palette="copy_record",
              bindings=(Key("main", "y", "copy_record", "Copy", "dataset.copy", show=False, tab="dataset"),
                        Key("record", "y", "copy_record", "Copy", "record.copy"))),
    AppAction("dataset.export", "Export the rows shown to a new JSONL", "ctrl+e", "dataset",
              "the filtered records, in file order, written atomically", palette="export_view",
              bindings=(Key("main", "ctrl+e", "export_view", "Export rows", "dataset.export", show=False,
                            tab="dataset"),)),
    AppAction("field.leave", "Leave the text field", "escape", "dataset, cost, submit",
              "single keys (digits, ?, q) work again",
              # Shown and run only while a text field has the focus (MainScreen.check_action);
              # otherwise escape goes on to the next binding.
              bindings=(Key("main", "escape", "leave_field", "Leave field", "field.leave"),)),
    AppAction("dataset.clear", "Clear filters and sort", "escape", "dataset", "show every record in file order",
              palette="clear_filters",
              bindings=(Key("main", "escape", "escape", "Clear", "dataset.clear", show=False),)),
    AppAction("dataset.move", "Move through the table", "up/down, j/k, pgup/pgdn, home/end, g/G", "dataset",
              bindings=(Key("table", "up,k", "cursor(-1)", "Up", "dataset.up", show=False),
                        Key("table", "down,j", "cursor(1)", "Down", "dataset.down", show=False),
                        Key("table", "pageup", "page(-1)", "Page up", "dataset.page-up", show=False),
                        Key("table", "pagedown,space", "page(1)", "Page down", "dataset.page-down", show=False),
                        Key("table", "home,g", "jump(0)", "First", "dataset.first", show=False),
                        Key("table", "end,G", "jump(-1)", "Last", "dataset.last", show=False))),
    AppAction("record.step", "Next / previous record", "j/k, down/up", "record", "in the table's order",
              bindings=(Key("record", "j,down", "step(1)", "Next", "record.down", show=False),
                        Key("record", "k,up", "step(-1)", "Previous", "record.up", show=False))),
    AppAction("cleanup.clear", "Forget marks and chosen fixes", "", "clean-up", "start the clean-up over",
              palette="clear_cleanup"),
    AppAction("app.save", "Save cleaned copy (all safe fixes + chosen)", "ctrl+s", "anywhere",
              "write a new file atomically, then lint it", palette="save_clean",
              bindings=(Key("app", "ctrl+s", "save_clean", "Save clean", "app.save"),)),
    AppAction("app.relint", "Lint again", "ctrl+l", "anywhere", "re-run the lint on the current file",
              palette="relint", bindings=(Key("app", "ctrl+l", "relint", "Re-lint", "app.relint", show=False),)),
    AppAction("submit.approve", "Write approval record", "", "submit",
              "JSON record plus Markdown and HTML report", palette="write_approval"),
    AppAction("submit.submit", "Submit fine-tuning job", "", "submit",
              "confirm, upload, create and watch the job", palette="submit_job"),
    AppAction("job.cancel", "Cancel the job", "c", "job monitor",
              bindings=(Key("job", "c", "cancel_job", "Cancel job", "job.cancel"),)),
    AppAction("close", "Close", "escape", "dialogs, palette, job monitor",
              "the dialog says no, the job keeps running",
              bindings=(Key("job", "escape", "close", "Back", "job.back"),
                        Key("message", "escape,enter", "dismiss", "Close", "dialog.close"),
                        Key("confirm", "escape", "no", "Cancel", "dialog.cancel"),
                        Key("save", "escape", "cancel", "Cancel", "dialog.cancel"),
                        Key("goto", "escape", "cancel", "Cancel", "dialog.cancel"),
                        Key("help", "escape,question_mark,q", "dismiss", "Close", "help.close"),
                        Key("palette", "escape", "escape", "Close", "palette.close"))),
    AppAction("app.theme", "Toggle light / dark theme", "ctrl+t", "anywhere", "switch the colour theme",
              palette="toggle_dark",
              bindings=(Key("app", "ctrl+t", "toggle_dark", "Theme", "app.theme", show=False),)),
    # f1 and ctrl+q also work in a text field, where ? and q are typed.
    AppAction("app.help", "Help: keys and actions", "?, f1", "anywhere", "this list", palette="help",
              bindings=(Key("app", "question_mark,f1", "help", "Help", "app.help"),)),
    AppAction("app.quit", "Quit", "q, ctrl+q", "anywhere", "leave ftpreflight", palette="quit",
              bindings=(Key("app", "q", "quit", "Quit", "app.quit"),
                        Key("app", "ctrl+q", "quit", "Quit", "app.quit-anywhere", priority=True),
                        # The app's q and ctrl+q quit the picker too; this one is not shown twice.
                        Key("picker", "escape", "leave", "Quit", "picker.quit", show=False))),
)
"""In the order the help lists them; each scope's bindings (and so its footer) follow it."""

PALETTE_KEY = ("`ctrl+p`", "anywhere", "command palette: search the actions and run one")
"""Textual's own binding, listed in the help."""


def bindings(scope: str) -> list[Binding]:
    """The ``BINDINGS`` of ``scope``, in :data:`ACTIONS` order."""
    if scope not in SCOPES:
        raise ValueError(f"unknown binding scope {scope!r}")
    return [key.binding() for action in ACTIONS for key in action.bindings if key.scope == scope]


def tab_of(scope: str) -> dict[str, str]:
    """Action name -> the main-screen tab it is limited to, for ``check_action``."""
    return {key.action: key.tab for action in ACTIONS for key in action.bindings
            if key.scope == scope and key.tab is not None}


def palette_actions() -> tuple[AppAction, ...]:
    return tuple(action for action in ACTIONS if action.palette is not None)


def help_rows() -> list[tuple[str, str, str]]:
    """(keys, where, what) for every action, in the README's order (keys as Markdown)."""
    return [(action.keys_text, action.where, action.help_text) for action in ACTIONS] + [PALETTE_KEY]


def help_markdown(context: str | None = None) -> str:
    """The key table; with ``context`` (a tab such as ``problems``, or ``record``), the
    keys of that screen come first, then the ones that work anywhere, then the rest."""
    rows = help_rows()
    if context:
        def rank(row: tuple[str, str, str]) -> int:
            places = [place.strip() for place in row[1].split(",")]
            return 0 if context in places else 1 if "anywhere" in places else 2

        rows = sorted(rows, key=rank)  # stable: the README's order within each group
    lines = ["| keys | where | does |", "|---|---|---|"]
    lines += [f"| {keys} | {where} | {what} |" for keys, where, what in rows]
    return "\n".join(lines)
