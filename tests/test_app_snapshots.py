"""SVG snapshots of the app's main screens at 80x24 and 160x48 (pytest-textual-snapshot).

Update them after an intended change with ``pytest tests/test_app_snapshots.py --snapshot-update``."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from tui.app import FtPreflightApp

SAMPLES = Path(__file__).resolve().parent.parent / "sample_data"
SIZES = {"80x24": (80, 24), "160x48": (160, 48)}


def make_app(name: str = "messy.jsonl") -> FtPreflightApp:
    return FtPreflightApp(str(SAMPLES / name), today=lambda: date(2026, 11, 23),
                          now=lambda: datetime(2026, 11, 23, 12, tzinfo=timezone.utc), clock=lambda: 0.0)  # "linted in 0.0s" on every run


async def until_linted(pilot) -> None:
    app = pilot.app
    for _ in range(400):
        if app.session.report is not None and app.main is not None:
            break
        await pilot.pause(0.05)
    await pilot.pause(0.3)


def before(*keys: str):
    async def run(pilot) -> None:
        await until_linted(pilot)
        if keys:
            await pilot.press(*keys)
        await pilot.pause(0.4)  # the cost planner recomputes after a short debounce
        await pilot.wait_for_scheduled_animations()

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
