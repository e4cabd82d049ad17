"""Write the README's screenshots, ``tests/screenshots/*.svg``, from the real app in the
colours of its default (dark) theme:

    python -m tests.tools.readme_screenshots

Each screenshot is one scenario of the snapshot tests (tests/test_app_snapshots.py: the same
sample file, keys, date and lint clock), exported by Textual as an SVG the way
pytest-textual-snapshot takes it, but with colour on: the snapshot tests run with
``NO_COLOR=1`` (tests/conftest.py), so their own SVGs are grey. Run it after a change to what
these screens show; tests/test_readme_screenshots.py fails while a file here is not what the
app draws now, and checks that the README shows every one of them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from textual._doc import take_svg_screenshot
from textual.pilot import Pilot

from linter._atomic import atomic_output
from tests.test_app_snapshots import DIALOGS, REPO, SCREENS, SIZES, before, make_app

FOLDER = REPO / "tests" / "screenshots"


def _screen(screen: str, size: str) -> tuple[str, tuple[int, int], Callable[[Pilot], Awaitable[None]]]:
    name, keys = SCREENS[screen]
    return name, SIZES[size], before(*keys)


def _dialog(dialog: str) -> tuple[str, tuple[int, int], Callable[[Pilot], Awaitable[None]]]:
    return "messy.jsonl", SIZES["80x24"], DIALOGS[dialog]


SHOTS = {
    "dataset-80x24": _screen("dataset", "80x24"),
    "dataset-160x48": _screen("dataset", "160x48"),
    "record-80x24": _screen("record", "80x24"),
    "problems-160x48": _screen("problems", "160x48"),
    "cost-80x24": _screen("cost", "80x24"),
    "stats-160x48": _screen("stats", "160x48"),
    "save-80x24": _dialog("save"),
    "submit-confirm-80x24": _dialog("submit-confirm"),
}
"""File stem -> (sample file, terminal size, what to do before the screenshot)."""


def path_of(shot: str) -> Path:
    return FOLDER / f"{shot}.svg"


def screenshot(shot: str) -> str:
    """The SVG of ``shot`` as the app draws it now. Textual reads ``NO_COLOR`` when the app is
    made: the caller must make sure it is not set. Paths on screen are relative to the
    repository, so the current folder must be the repository."""
    if "NO_COLOR" in os.environ:
        raise RuntimeError("NO_COLOR is set: the screenshot would be grey")
    name, size, run_before = SHOTS[shot]
    return take_svg_screenshot(make_app(name), terminal_size=size, run_before=run_before)


def main(argv: list[str]) -> int:
    wanted = argv or list(SHOTS)
    unknown = [shot for shot in wanted if shot not in SHOTS]
    if unknown:
        print(f"unknown screenshot {', '.join(unknown)}; known: {', '.join(SHOTS)}", file=sys.stderr)
        return 2
    os.environ.pop("NO_COLOR", None)
    os.chdir(REPO)
    FOLDER.mkdir(parents=True, exist_ok=True)
    for shot in wanted:
        svg = screenshot(shot)
        with atomic_output(path_of(shot), text=True) as out:
            out.write(svg)
        print(path_of(shot).relative_to(REPO), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
