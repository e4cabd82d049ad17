"""Counts, plurals and money as people read them in the app: one record reads "1 record",
money is in cents, and the Stats tab counts records and examples the way the README and
the header do."""

from __future__ import annotations

import re

import orjson

from tui.screens.dialogs import ConfirmDialog, SaveDialog

from test_app import linted, make_app
from tests.app_pilot import wait_until
from test_app_features import screen_text


def _one_ft109(path):
    """One chat record whose only assistant turn has weight 0 (FT109), as people write it."""
    record = {"messages": [{"role": "system", "content": "You answer parcel questions."},
                           {"role": "user", "content": "Where is order 4417?"},
                           {"role": "assistant", "content": "It left the depot today.", "weight": 0}]}
    path.write_bytes(orjson.dumps(record) + b"\n")
    return path


async def test_one_record_reads_as_one_record_everywhere(tmp_path):
    src = _one_ft109(tmp_path / "one.jsonl")
    app = make_app(src)
    async with app.run_test(size=(120, 36)) as pilot:
        await linted(pilot)
        assert "FT109" in app.session.report.by_rule()
        await pilot.press("3")
        plan = str(app.screen.query_one("#cleanup-plan").content)
        assert "Still with errors after saving: 1 record (line 1)." in plan
        assert "Mark it to drop (d)" in plan and "records (line" not in plan

        await pilot.press("1", "ctrl+e")
        assert isinstance(app.screen, SaveDialog)
        assert "1 of 1 record (" in app.screen.plan
        target = tmp_path / "rows.jsonl"
        app.screen.query_one("#save-path").value = str(target)
        await pilot.press("enter")
        await wait_until(pilot, lambda: any("written to" in n.message for n in app._notifications))
        said = [n.message for n in app._notifications]
        assert f"1 record written to {target}." in said

        await pilot.press("2")
        rules = app.screen.query_one("#rule-list")
        codes = [rules.get_option_at_index(i).id for i in range(rules.option_count)]
        await pilot.press(*["down"] * codes.index("FT109"), "x")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        assert "Drop the 1 record that has it from the cleaned copy?" in app.screen.text


async def test_stats_counts_records_and_examples_as_the_header_does(messy):  # noqa: F811
    app = make_app(messy)
    async with app.run_test(size=(160, 48)) as pilot:
        await linted(pilot)
        first = app.session.report.files[0]
        await pilot.press("4")
        await pilot.pause(0.2)
        text = screen_text(app)
        # messy.jsonl: 39 records; 36 of them parse as a known format (35 chat and the
        # completion on line 5) and are examples; 3 are not.
        assert (first.record_count, first.examples) == (39, 36)
        assert "39 records, 36 examples" in text
        assert re.search(r"chat\s.*35", text) and re.search(r"completion\s.*1", text)
        assert re.search(r"not an example\s.*3", text)


async def test_cost_tab_shows_money_in_cents_and_says_where_usable_days_start(messy):  # noqa: F811
    app = make_app(messy)
    async with app.run_test(size=(160, 48)) as pilot:
        await linted(pilot)
        await pilot.press("5")
        await wait_until(pilot, lambda: app.session.estimate is not None
                         and app.screen.query_one("#compare").row_count > 0, timeout=60)
        warnings = str(app.screen.query_one("#cost-warnings").content)
        assert "of training per usable day" in warnings
        assert not re.search(r"\$\d+\.\d{3,}", warnings)  # dollars and cents, not $0.015594
        title = str(app.screen.query_one("#compare-title").content)
        assert "(usable days: from a job ready in 1 day)" in title
