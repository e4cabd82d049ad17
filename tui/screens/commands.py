"""Every action of the app, listed once: the command palette, the help screen and
the README key table read this registry."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider


@dataclass(frozen=True)
class AppAction:
    action: str
    """Textual action string run on the app."""
    title: str
    keys: str
    """Keys as shown to people ('' when only in the palette)."""
    where: str
    help: str


ACTIONS: tuple[AppAction, ...] = (
    AppAction("show_tab('dataset')", "Go to Dataset", "1", "anywhere", "the table of every record"),
    AppAction("show_tab('problems')", "Go to Problems", "2", "anywhere", "diagnostics grouped by rule, with rule docs"),
    AppAction("show_tab('cleanup')", "Go to Clean-up", "3", "anywhere", "what saving a cleaned copy will do"),
    AppAction("show_tab('stats')", "Go to Stats", "4", "anywhere", "token histogram, formats, top rules"),
    AppAction("show_tab('cost')", "Go to Cost planner", "5", "anywhere", "estimate training and inference cost"),
    AppAction("show_tab('submit')", "Go to Approve & submit", "6", "anywhere", "budget approval and job submission"),
    AppAction("open_record", "Open record", "enter", "dataset", "the highlighted record as a conversation"),
    AppAction("focus_search", "Search text", "/", "dataset", "show only records whose JSON contains a text"),
    AppAction("focus_rule_filter", "Filter by rule", "r", "dataset", "show only records with one rule's problems"),
    AppAction("clear_filters", "Clear filters and sort", "escape", "dataset", "show every record in file order"),
    AppAction("cycle_sort", "Sort: file order / tokens / severity", "s", "dataset", "change the table's order"),
    AppAction("next_problem", "Next problem", "n", "dataset, record", "jump to the next record with a problem"),
    AppAction("previous_problem", "Previous problem", "N", "dataset, record", "jump to the previous record with a problem"),
    AppAction("go_to_line", "Go to line", ":", "dataset", "move the table to a line number of the file"),
    AppAction("edit_record", "Open record in $EDITOR", "e", "dataset, record",
              "a pretty-printed copy of the record (the data file is not changed)"),
    AppAction("copy_record", "Copy record", "y", "dataset, record", "the record's JSON line to the clipboard"),
    AppAction("export_view", "Export the rows shown to a new JSONL", "ctrl+e", "dataset",
              "the filtered records, in file order, written atomically"),
    AppAction("toggle_mark", "Mark / unmark record to drop", "d", "dataset, record", "the cleaned copy leaves it out"),
    AppAction("fix_record", "Apply this record's fixes", "x", "dataset, record",
              "drop, redact or add the missing separator / stop / space"),
    AppAction("fix_rule", "Apply fixes for all of this rule", "x", "problems",
              "every record of the highlighted rule"),
    AppAction("clear_cleanup", "Forget marks and chosen fixes", "", "clean-up", "start the clean-up over"),
    AppAction("save_clean", "Save cleaned copy (all safe fixes + chosen)", "ctrl+s", "anywhere",
              "write a new file atomically, then lint it"),
    AppAction("relint", "Lint again", "ctrl+l", "anywhere", "re-run the lint on the current file"),
    AppAction("write_approval", "Write approval record", "", "submit", "JSON record plus Markdown and HTML report"),
    AppAction("submit_job", "Submit fine-tuning job", "", "submit", "confirm, upload, create and watch the job"),
    AppAction("toggle_dark", "Toggle light / dark theme", "ctrl+t", "anywhere", "switch the colour theme"),
    AppAction("help", "Help: keys and actions", "?", "anywhere", "this list"),
    AppAction("quit", "Quit", "q", "anywhere", "leave ftpreflight"),
)
"""Keys that are not app-wide (``where`` other than anywhere) are bound on their screen."""

SCREEN_KEYS: tuple[tuple[str, str, str], ...] = (
    ("up/down, j/k, pgup/pgdn, home/end, g/G", "dataset", "move through the table"),
    ("v", "record", "reveal / mask personal data"),
    ("escape", "record, dialogs", "go back"),
    ("c", "job monitor", "cancel the job"),
)


def help_rows() -> list[tuple[str, str, str]]:
    """(keys, where, what) for every key, in the README's order."""
    rows = [(item.keys, item.where, f"{item.title[0].lower()}{item.title[1:]}: {item.help}")
            for item in ACTIONS if item.keys]
    rows += list(SCREEN_KEYS)
    rows.append(("ctrl+p", "anywhere", "command palette: every action above, searchable"))
    return rows


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
    lines += [f"| `{keys}` | {where} | {what} |" for keys, where, what in rows]
    return "\n".join(lines)


class ActionsProvider(Provider):
    """The command palette's list of every ftpreflight action."""

    async def discover(self) -> Hits:
        for item in ACTIONS:
            yield DiscoveryHit(item.title, partial(self.app.run_action, item.action), help=item.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for item in ACTIONS:
            score = matcher.match(item.title)
            if score > 0:
                yield Hit(score, matcher.highlight(item.title), partial(self.app.run_action, item.action),
                          help=item.help)
