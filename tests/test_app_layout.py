"""What a user reads at 80x24 and on the light theme, driven with Pilot and read off the
rendered screen: the go-to-line dialog, the header with a long file name, the Cost tab's
form labels, and the contrast of the header's counts on both themes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from tests.app_pilot import linted, screen_text
from rich.cells import cell_len

from tui.app import FtPreflightApp
from tui.screens.dialogs import GoToLineDialog
from tui.widgets.header import LintSummary, middle_ellipsis, status_line

SAMPLES = Path(__file__).resolve().parent.parent / "sample_data"
LONG_NAME = "customer_support_conversations_2026_q3_final_v2_reviewed.jsonl"


# -- go to line -------------------------------------------------------------------------

@pytest.mark.parametrize("size", [(80, 24), (200, 50)])
async def test_go_to_line_dialog_shows_its_prompt_and_what_is_typed(messy, size):
    app = FtPreflightApp(str(messy))
    async with app.run_test(size=size) as pilot:
        await linted(pilot, settle=0.3)
        last = max(app.session.records.line)
        await pilot.press("colon", "1", "2")
        await pilot.pause(0.2)
        assert isinstance(app.screen, GoToLineDialog)
        text = screen_text(app).splitlines()
        prompt = [row for row, line in enumerate(text) if f"Go to line (1-{last})" in line]
        assert prompt, "no prompt on screen"
        field = text[prompt[0] + 1: prompt[0] + 4]  # the field, with its border, under the prompt
        assert any(" 12 " in line for line in field), field
        assert any("Enter: go" in line and "Esc: cancel" in line for line in text)
        title = text[prompt[0] - 2: prompt[0]]  # the title, above the prompt
        assert any("Go to line" in line and "(" not in line for line in title), title
        await pilot.press("enter")
        await pilot.pause()
        assert app.main.table.current_line == 12


# -- header -----------------------------------------------------------------------------

async def test_header_shortens_a_long_file_name_and_keeps_the_counts(messy, tmp_path):
    long = tmp_path / LONG_NAME
    shutil.copy(messy, long)
    app = FtPreflightApp(str(long))
    async with app.run_test(size=(80, 24)) as pilot:
        await linted(pilot, settle=0.3)
        header = screen_text(app).splitlines()[0].strip()
    assert header.endswith("✖ 25 ▲ 14 ● 2"), header
    name = header.split("  ")[0]
    assert "…" in name and name.startswith("customer_sup") and name.endswith("reviewed.jsonl"), name
    assert "36 chat examples of 39 records" in header


async def test_header_says_one_example_in_the_singular(tmp_path):
    one = tmp_path / "one.jsonl"
    one.write_bytes((SAMPLES / "messy.jsonl").read_bytes().splitlines(keepends=True)[0])
    app = FtPreflightApp(str(one))
    async with app.run_test(size=(100, 24)) as pilot:
        await linted(pilot, settle=0.3)
        header = screen_text(app).splitlines()[0]
    assert "1 chat example " in header and "examples" not in header, header


def test_status_line_plurals_and_what_gives_way_first():
    summary = LintSummary("data.jsonl", 0, None, 1, 1, 0, 1, 0.4, "gpt-4o-mini-2024-07-18")
    line = status_line(summary, 200)
    assert "0 examples of 1 record " in line and "records" not in line
    assert "✖ 1[/] [$text-warning]▲ 0[/] [$text-primary]● 1" in line
    long = LintSummary(LONG_NAME, 1200, "chat", 1203, 3, 14, 2, 12.5, "gpt-4o-mini-2024-07-18")
    for room in range(20, 140):
        line = status_line(long, room)
        assert "▲ 14" in line and "● 2" in line  # never dropped
        plain = line.replace("[b]", "").replace("[dim]", "").replace("[/]", "")
        for colour in ("[$text-error]", "[$text-warning]", "[$text-primary]"):
            plain = plain.replace(colour, "")
        if room >= 45:
            assert cell_len(plain) <= room, (room, plain)
        if LONG_NAME not in plain:  # the name gives way before the summary does
            assert "1,200 chat examples" not in plain or "linted" not in plain
        if "linted in" in plain:
            assert LONG_NAME in plain and "of 1,203 records" in plain


def test_middle_ellipsis_keeps_both_ends_within_the_width():
    assert middle_ellipsis("short.jsonl", 20) == "short.jsonl"
    assert middle_ellipsis(LONG_NAME, 30) == "customer_suppor…reviewed.jsonl"
    wide = "顧客サポート会話データ最終版.jsonl"
    for width in range(1, 40):
        cut = middle_ellipsis(wide, width)
        assert cell_len(cut) <= width
        if width >= 8 and cut != wide:
            assert cut.endswith("l") and cut.startswith("顧") and "…" in cut


# -- the Cost tab's form ----------------------------------------------------------------

@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_cost_form_labels_are_whole(size):
    from textual.widgets import Label

    app = FtPreflightApp(str(SAMPLES / "support_chat.jsonl"))
    async with app.run_test(size=size) as pilot:
        await linted(pilot, settle=0.3)
        await pilot.press("5")
        await pilot.pause(0.3)
        labels = list(app.screen.query("#cost-form Label").results(Label))
        assert any(str(label.content).startswith("Requests") for label in labels)
        for label in labels:
            label.scroll_visible(animate=False, immediate=True)
            await pilot.pause()
            assert str(label.content) in screen_text(app), f"{label.content!r} is cut"


# -- theme contrast ---------------------------------------------------------------------

def relative_luminance(rgb: tuple[int, int, int]) -> float:
    """WCAG 2.x relative luminance of an sRGB colour."""
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(v) for v in rgb)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    light, dark = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_contrast_formula():
    assert round(contrast((255, 255, 255), (0, 0, 0)), 1) == 21.0
    assert round(contrast((168, 109, 28), (208, 208, 208)), 1) == 2.8  # the audit's reading


@pytest.mark.parametrize("toggles", [0, 1, 2], ids=["dark", "light", "dark-again"])
async def test_header_counts_are_readable_and_distinct_on_both_themes(messy, monkeypatch, toggles):
    """Read the colours of the rendered header, as a terminal would draw them."""
    monkeypatch.delenv("NO_COLOR", raising=False)  # the suite's default greys everything
    app = FtPreflightApp(str(messy))
    async with app.run_test(size=(100, 24)) as pilot:
        await linted(pilot, settle=0.3)
        for _ in range(toggles):
            await pilot.press("ctrl+t")
        await pilot.pause(0.3)
        assert app.current_theme.dark == (toggles != 1)
        colours = {}
        for segment in app.screen._compositor.render_strips()[0]:
            for mark in "✖▲●":
                if segment.text.startswith(mark):
                    colours[mark] = (tuple(segment.style.color.get_truecolor()),
                                     tuple(segment.style.bgcolor.get_truecolor()))
    assert set(colours) == set("✖▲●")
    for mark, (fg, bg) in colours.items():
        assert contrast(fg, bg) >= 4.5, (app.theme, mark, fg, bg, contrast(fg, bg))
    warning, info = colours["▲"][0], colours["●"][0]
    assert sum(abs(a - b) for a, b in zip(warning, info)) > 100, (warning, info)
