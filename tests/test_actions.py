"""One list of actions (tui/actions.py) builds the bindings, the palette and the help:
every action can be reached, the help lists each one, and no screen or widget declares
a binding the list does not know."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

from textual.actions import parse as parse_action
from textual.dom import DOMNode

import tui
from tui.actions import ACTIONS, SCOPES, bindings, help_markdown
from tui.app import FtPreflightApp
from tui.screens.commands import ACTIONS as PALETTE, Palette
from tui.screens.dialogs import ConfirmDialog, GoToLineDialog, HelpScreen, MessageDialog, SaveDialog
from tui.screens.job import JobMonitorScreen
from tui.screens.main import MainScreen
from tui.screens.picker import FilePickerScreen
from tui.screens.record import RecordScreen
from tui.widgets.records import RecordTable

SCOPE_CLASSES = {
    "app": FtPreflightApp, "main": MainScreen, "table": RecordTable, "record": RecordScreen,
    "job": JobMonitorScreen, "picker": FilePickerScreen, "message": MessageDialog, "confirm": ConfirmDialog,
    "save": SaveDialog, "goto": GoToLineDialog, "help": HelpScreen, "palette": Palette,
}
SAMPLES = Path(__file__).resolve().parent.parent / "sample_data"


def facts(binding) -> tuple:
    return binding.key, binding.action, binding.description, binding.show, binding.id


def tui_classes_with_bindings() -> list[type]:
    """Every class in the tui package that declares BINDINGS itself."""
    found = []
    for module_info in pkgutil.walk_packages(tui.__path__, "tui."):
        if module_info.name.startswith(("tui.commands", "tui.providers")):
            continue  # the CLI and the provider clients: no Textual nodes
        module = importlib.import_module(module_info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and issubclass(cls, DOMNode) and "BINDINGS" in cls.__dict__:
                found.append(cls)
    return found


def test_every_action_has_a_key_or_a_palette_entry():
    ids = [action.id for action in ACTIONS]
    assert len(ids) == len(set(ids)), "action ids are unique"
    for action in ACTIONS:
        assert action.bindings or action.palette, f"{action.id} cannot be reached"
        assert (action.keys or action.palette) and action.where and action.title, action.id
        for key in action.bindings:
            assert key.scope in SCOPES, (action.id, key.scope)


def test_the_help_lists_every_action_with_its_keys_and_place():
    table = help_markdown()
    for action in ACTIONS:
        assert f"| {action.keys_text} | {action.where} | {action.help_text} |" in table, action.id
    for context in ("dataset", "problems", "record", "job monitor"):
        assert sorted(help_markdown(context).splitlines()) == sorted(table.splitlines())


def test_the_palette_offers_every_action_that_has_a_palette_entry():
    assert [a.id for a in PALETTE] == [a.id for a in ACTIONS if a.palette]
    titles = [a.title for a in PALETTE]
    assert len(titles) == len(set(titles)), "two palette entries read the same"


def test_each_scope_binds_exactly_the_keys_the_list_gives_it():
    for scope, cls in SCOPE_CLASSES.items():
        assert [facts(b) for b in cls.BINDINGS] == [facts(b) for b in bindings(scope)], scope
        ids = [b.id for b in cls.BINDINGS]
        assert len(ids) == len(set(ids)), f"{scope}: binding ids are unique"


def test_no_binding_is_declared_outside_the_list():
    known = {facts(b) for scope in SCOPES for b in bindings(scope)}
    classes = tui_classes_with_bindings()
    assert set(SCOPE_CLASSES.values()) <= set(classes)
    for cls in classes:
        for binding in cls.BINDINGS:
            assert facts(binding) in known, f"{cls.__qualname__} binds {binding.key!r} outside tui/actions.py"


def test_every_binding_and_palette_entry_runs_a_real_action():
    """A misspelt action name does nothing when pressed; here it fails."""
    for action in ACTIONS:
        for key in action.bindings:
            _, name, _ = parse_action(key.action)
            cls = SCOPE_CLASSES[key.scope]  # Textual runs _action_NAME too (its palette's escape)
            assert hasattr(cls, f"action_{name}") or hasattr(cls, f"_action_{name}"), (action.id, key.scope, name)
        if action.palette:
            _, name, _ = parse_action(action.palette)
            targets = (FtPreflightApp, MainScreen)
            assert any(hasattr(t, f"action_{name}") for t in targets), (action.id, name)


def test_tab_limited_bindings_name_real_tabs():
    from tui.screens.main import TABS, TAB_OF

    assert set(TAB_OF.values()) <= set(TABS)
    assert TAB_OF["fix_record"] == "dataset" and TAB_OF["fix_rule"] == "problems"


def test_readme_keys_section_is_the_help_table():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = re.search(r"### Keys\n\n(.*?)\n\n", readme, re.S)
    assert section is not None and section.group(1) == help_markdown()


async def test_a_palette_entry_runs_on_the_open_record_view(tmp_path):
    """The palette's "Next problem" steps the record view when it is open (not the table
    behind it), and "Go to Problems" leaves the record view for the tab."""
    data = tmp_path / "data.jsonl"
    data.write_text((SAMPLES / "messy.jsonl").read_text(encoding="utf-8"), encoding="utf-8")
    app = FtPreflightApp(str(data))
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(400):
            if app.session.report is not None and app.main is not None:
                break
            await pilot.pause(0.05)
        await pilot.pause()
        await pilot.press("enter")
        assert isinstance(app.screen, RecordScreen)
        first = app.screen.line
        await app.run_command("next_problem")
        await pilot.pause()
        assert isinstance(app.screen, RecordScreen) and app.screen.line > first
        assert app.session.records.worst[app.session.records.row_of_line(app.screen.line)] > 0
        await app.run_command("show_tab('problems')")
        await pilot.pause()
        assert app.screen is app.main and app.main.active_tab == "problems"
