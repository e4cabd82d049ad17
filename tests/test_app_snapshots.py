"""SVG snapshots of the app's main screens at 80x24 and 160x48, and of every dialog at
80x24 (pytest-textual-snapshot). The README shows some of them.

Update them after an intended change with ``pytest tests/test_app_snapshots.py --snapshot-update``."""

from __future__ import annotations

import threading
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from tui.app import FtPreflightApp

REPO = Path(__file__).resolve().parent.parent
SAMPLES = Path("sample_data")
"""Relative to the repository (each test runs there): paths on screen are the same on every machine."""


@pytest.fixture(autouse=True)
def _in_the_repository(monkeypatch):
    monkeypatch.chdir(REPO)
SIZES = {"80x24": (80, 24), "160x48": (160, 48)}


class LintClock:
    """A clock for stable snapshots that still reads like a real run: the lint worker's
    two readings (start, end) are 0.4 s apart, every other reading is 0."""

    def __init__(self) -> None:
        self.worker_readings = threading.local()

    def __call__(self) -> float:
        if threading.current_thread() is threading.main_thread():
            return 0.0
        count = getattr(self.worker_readings, "count", 0)
        self.worker_readings.count = count + 1
        return 0.4 * count


def make_app(name: str = "messy.jsonl") -> FtPreflightApp:
    return FtPreflightApp(str(SAMPLES / name), today=lambda: date(2026, 11, 23),
                          now=lambda: datetime(2026, 11, 23, 12, tzinfo=timezone.utc), clock=LintClock())


async def until_linted(pilot) -> None:
    app = pilot.app
    for _ in range(400):
        if app.session.report is not None and app.main is not None:
            break
        await pilot.pause(0.05)
    await pilot.pause(0.3)


async def steady(pilot) -> None:
    """No blinking text cursor: a snapshot taken mid-blink would differ from run to run."""
    from textual.widgets import Input

    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()


def before(*keys: str):
    async def run(pilot) -> None:
        await until_linted(pilot)
        if keys:
            await pilot.press(*keys)
        await pilot.pause(0.4)  # the cost planner recomputes after a short debounce
        await steady(pilot)

    return run


SCREENS = {
    "dataset": ("messy.jsonl", ()),
    "record": ("messy.jsonl", ("down",) * 30 + ("enter",)),
    "problems": ("messy.jsonl", ("2",)),
    "stats": ("support_chat.jsonl", ("4",)),
    "cost": ("support_chat.jsonl", ("5",)),
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("screen", SCREENS)
def test_screen_snapshot(snap_compare, screen: str, size: str):
    name, keys = SCREENS[screen]
    assert snap_compare(make_app(name), terminal_size=SIZES[size], run_before=before(*keys))


def push(make_screen):
    """Open a dialog the way the app does, after the lint."""
    async def run(pilot) -> None:
        await until_linted(pilot)
        pilot.app.push_screen(make_screen(pilot.app))
        await pilot.pause(0.4)
        await steady(pilot)

    return run


def _submit_confirmation(app):
    from tui.screens.dialogs import ConfirmDialog

    facts = "\n".join([
        "File        sample_data/support_chat.jsonl",
        "Validation  -",
        "Model       gpt-4o-mini-2024-07-18 (supervised)",
        "Epochs      3",
        "Cost        $0.18 (60,720 training tokens)",
        "Approval    matches the record",
        "Settings    epochs 3",
        "",
        "Please confirm:",
        "the lint found 14 warnings (duplicates, personal data); they will be trained on",
    ])
    return ConfirmDialog("Submit this fine-tuning job?", facts, yes="Submit")


def _error(app):
    from tui.screens.dialogs import MessageDialog

    return MessageDialog("Cannot submit", "No API key for openai: set OPENAI_API_KEY, or run "
                         "`keyring set ftpreflight openai` (the key is never written anywhere).", error=True)


# Textual's own command palette is left out: it fills its list asynchronously, so a
# snapshot of it is not stable.
DIALOGS = {
    "save": before("ctrl+s"),
    "export": before("r", "down", "enter", "ctrl+e"),
    "go-to-line": before("colon"),
    "help": before("question_mark"),
    "rule-filter": before("r"),
    "drop-rule": before("2", "down", "down", "x"),
    "submit-confirm": push(_submit_confirmation),
    "error": push(_error),
}


@pytest.mark.parametrize("dialog", DIALOGS)
def test_dialog_snapshot_80x24(snap_compare, dialog: str):
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=DIALOGS[dialog])


def test_picker_snapshot_80x24(snap_compare):
    app = FtPreflightApp(None, start_dir="sample_data")
    assert snap_compare(app, terminal_size=(80, 24), run_before=lambda pilot: pilot.pause(0.5))


def _no_key(kind: str, **connection):
    from tui.providers import CredentialsError

    raise CredentialsError(f"No API key for {kind}: set OPENAI_API_KEY, or store one with "
                           f"`ftpreflight key set {kind}`.")


@pytest.mark.parametrize("size", SIZES)
def test_submit_tab_snapshot(snap_compare, size: str):
    """The Submit tab with its provider picker, deadline and the reasons Submit is disabled
    (no API key: the factory says so without looking at this machine's keys)."""
    app = FtPreflightApp(str(SAMPLES / "support_chat.jsonl"), today=lambda: date(2026, 11, 23),
                         now=lambda: datetime(2026, 11, 23, 12, tzinfo=timezone.utc), clock=LintClock(),
                         provider_factory=_no_key)

    async def run(pilot) -> None:
        await before("6")(pilot)
        for _ in range(100):  # the key check runs in a worker
            if "API key" in str(pilot.app.screen.query_one("#submit-reason").content):
                break
            await pilot.pause(0.05)
        await steady(pilot)

    assert snap_compare(app, terminal_size=SIZES[size], run_before=run)
