"""The app's layers: widgets post messages and the screens run the flows (dialogs,
screens, workers that read the file); messages are small typed dataclasses; the
records model is plain data, not a widget."""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import pkgutil
import subprocess
import sys
from pathlib import Path

from textual.message import Message

import tui.widgets

ROOT = Path(__file__).resolve().parent.parent
WIDGETS = ROOT / "tui" / "widgets"
NOT_YET: set[str] = set()
NOT_YET_MODULES: set[str] = set()
SCREEN_CALLS = {"push_screen", "push_screen_wait", "switch_screen", "install_screen"}


def test_no_widget_opens_a_screen_or_dialog_itself():
    for path in sorted(WIDGETS.glob("*.py")):
        if path.name in NOT_YET:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in SCREEN_CALLS:
                raise AssertionError(f"{path.name}:{node.lineno} calls {node.attr}: post a message instead")


def test_every_app_message_is_a_typed_dataclass():
    modules = [importlib.import_module("tui.workers")]
    modules += [importlib.import_module(m.name) for m in pkgutil.iter_modules(tui.widgets.__path__, "tui.widgets.")
                if m.name not in NOT_YET_MODULES]
    found = []
    for module in modules:
        for _, cls in inspect.getmembers(module, inspect.isclass):
            candidates = [cls] + [inner for inner in vars(cls).values() if inspect.isclass(inner)]
            for message in candidates:
                if issubclass(message, Message) and message.__module__ == module.__name__:
                    found.append(message)
    names = {m.__qualname__ for m in found}
    assert {"LintRows", "LintProgress", "WorkFailed", "RecordTable.Selected", "ProblemsPane.RuleChosen",
            "DatasetPane.SearchRequested"} <= names
    for message in found:
        assert dataclasses.is_dataclass(message), f"{message.__qualname__} is not a dataclass"
        assert all(field.type for field in dataclasses.fields(message)), message.__qualname__


def test_progress_messages_still_coalesce():
    from tui.workers import LintProgress, SubmitProgressed

    assert LintProgress(1, "a.jsonl", 10, 100).can_replace(LintProgress(1, "a.jsonl", 5, 100))
    assert not LintProgress(2, "a.jsonl", 10, 100).can_replace(LintProgress(1, "a.jsonl", 5, 100))
    assert SubmitProgressed("upload", "50%", 5, 10).can_replace(SubmitProgressed("upload", "10%", 1, 10))
    assert not SubmitProgressed("create", "", None, None).can_replace(SubmitProgressed("upload", "", 1, 10))


def test_the_records_model_loads_without_textual():
    code = ("import sys; from tui.records_model import RecordsModel; RecordsModel(); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual'))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
