"""Issue 14 in the app: the Cost tab compares every provider's models, and still does after
OpenAI's cut-off, when the chosen model itself gets no estimate."""

from __future__ import annotations

import shutil
from datetime import date, datetime, timezone
from pathlib import Path

from tests.app_pilot import wait_until
from tui.app import FtPreflightApp

SAMPLES = Path(__file__).resolve().parent.parent / "sample_data"


async def test_cost_tab_compares_every_provider_after_the_cutoff(tmp_path):
    path = tmp_path / "tool_calls.jsonl"
    shutil.copy(SAMPLES / "tool_calls.jsonl", path)
    app = FtPreflightApp(str(path), today=lambda: date(2027, 1, 10),
                         now=lambda: datetime(2027, 1, 10, 12, tzinfo=timezone.utc), clock=lambda: 0.0)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: app.session.report is not None and not app.session.linting)
        await pilot.press("5")
        table = app.screen.query_one("#compare")
        await wait_until(pilot, lambda: table.row_count > 10)
        rows = [table.get_row_at(i) for i in range(table.row_count)]
        names = [str(r[0]) for r in rows]
        assert {n.split("/", 1)[0] for n in names} >= {"openai", "azure_openai", "together", "vertex"}
        openai = [r for r in rows if str(r[0]).startswith("openai/")]
        assert openai and all(r[1] == "refused" and ("stopped accepting" in r[7] or "shut" in r[7]) for r in openai)
        mini = next(r for r in openai if r[0] == "openai/gpt-4o-mini-2024-07-18")
        assert "2027-01-06" in mini[7] and mini[4] == "0"  # no job, so nothing to use
        assert rows[-len(openai):] == openai  # closed rows sort last
        assert rows[0][1] != "refused" and rows[0][8].startswith("https://")
        assert app.session.estimate is None  # gpt-4o-mini takes no jobs any more ...
        warning = str(app.screen.query_one("#cost-warnings").content)
        assert "stopped accepting fine-tuning jobs" in warning  # ... and the tab says why
