"""The README's screenshots (tests/screenshots/*.svg, written by tests/tools/readme_screenshots.py)
show the app as people see it: in the colours of its default dark theme, with error counts in
the theme's error colour, and as it draws those screens now. The snapshot tests' own SVGs stay
grey (NO_COLOR=1) and are not what the README shows."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

from tests.tools.readme_screenshots import REPO, SHOTS, path_of, screenshot

README = REPO / "README.md"
SVG = "{http://www.w3.org/2000/svg}"


def readme_images() -> list[str]:
    return re.findall(r"!\[[^\]]*\]\(([^)\s]+\.svg)\)", README.read_text(encoding="utf-8"))


def test_the_readme_shows_every_generated_screenshot_and_no_grey_snapshot():
    images = readme_images()
    assert images == [path_of(shot).relative_to(REPO).as_posix() for shot in SHOTS]
    assert all((REPO / image).is_file() for image in images)
    assert "python -m tests.tools.readme_screenshots" in README.read_text(encoding="utf-8")


def theme_colours() -> dict[str, str]:
    from tui.app import FtPreflightApp

    app = FtPreflightApp(None)
    assert app.current_theme.dark  # the theme people get when they start the app
    return {name: value.lower() for name, value in app.get_css_variables().items()}


def parse(path: Path) -> tuple[dict[str, str], list[tuple[str, str]], Counter]:
    """The SVG's text colours by class, its (class, text) runs, and the area each
    background colour covers."""
    root = ET.parse(path).getroot()
    style = "".join(node.text or "" for node in root.iter(f"{SVG}style"))
    fills = {name: fill.lower() for name, fill in re.findall(r"\.(\S+) \{ fill: (#[0-9a-fA-F]{6})", style)}
    runs = [(node.get("class", ""), node.text or "") for node in root.iter(f"{SVG}text")]
    areas: Counter = Counter()
    for rect in root.iter(f"{SVG}rect"):
        if rect.get("shape-rendering") == "crispEdges" and rect.get("fill"):
            areas[rect.get("fill").lower()] += float(rect.get("width")) * float(rect.get("height"))
    return fills, runs, areas


def is_red(colour: str) -> bool:
    red, green, blue = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return red > green + 40 and red > blue + 40


@pytest.mark.parametrize("shot", ["dataset-80x24", "dataset-160x48", "problems-160x48"])
def test_screenshots_are_in_the_dark_themes_colours_with_red_error_counts(shot: str):
    theme = theme_colours()
    fills, runs, areas = parse(path_of(shot))
    counts = {text.replace("\xa0", " "): fills[cls] for cls, text in runs if re.fullmatch(r"[✖▲]\xa0\d+", text)}
    errors = [colour for text, colour in counts.items() if text.startswith("✖")]
    warnings = [colour for text, colour in counts.items() if text.startswith("▲")]
    assert errors == [theme["text-error"]] and is_red(errors[0]), counts
    assert warnings == [theme["text-warning"]], counts
    assert areas.most_common(1)[0][0] == theme["background"]


@pytest.mark.slow
@pytest.mark.colour
@pytest.mark.parametrize("shot", SHOTS)
def test_screenshots_are_what_the_app_draws_now(shot: str, monkeypatch):
    monkeypatch.chdir(REPO)  # the paths on screen are relative to the repository
    assert screenshot(shot) == path_of(shot).read_text(encoding="utf-8"), (
        f"{path_of(shot).relative_to(REPO)} is out of date: run python -m tests.tools.readme_screenshots")


@pytest.mark.parametrize("attempt", range(3))
async def test_the_cost_tab_opens_with_its_form_at_the_top(attempt: int, monkeypatch):
    """Pressing 5 focuses the model list, which is already on screen: the form must not jump
    down past Provider (it did on some runs, depending on when the tab's layout was done,
    which made the Cost screenshots and snapshots differ from run to run)."""
    from tests.test_app_snapshots import make_app, until_linted

    monkeypatch.chdir(REPO)
    app = make_app("support_chat.jsonl")
    async with app.run_test(size=(80, 24)) as pilot:
        await until_linted(pilot)
        await pilot.press("5")
        await pilot.pause(0.4)
        assert app.focused is app.screen.query_one("#model-list")
        assert app.screen.query_one("#cost-form").scroll_y == 0
