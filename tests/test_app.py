"""The Textual app, driven for real with Pilot: open, filter, jump, fix and save, plan
the cost, approve, submit to the local fake OpenAI API, watch and cancel."""

from __future__ import annotations

import json
import shutil
import threading
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from fake_openai import FakeOpenAI, make_test_provider

from linter import LintObserver, lint_path
from tests.app_pilot import wait_until
from tui.app import FtPreflightApp
from tui.screens.dialogs import ConfirmDialog, HelpScreen, MessageDialog, SaveDialog
from tui.screens.job import JobMonitorScreen
from tui.screens.record import RecordScreen

SAMPLES = Path(__file__).resolve().parent.parent / "sample_data"
TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)


class FakeClock:
    """A perf_counter stand-in: every reading is 0.5 s after the previous one."""

    def __init__(self) -> None:
        self.value = 0.0

    def __call__(self) -> float:
        self.value += 0.5
        return self.value


def make_app(path: Path | str | None, **kwargs) -> FtPreflightApp:
    kwargs.setdefault("today", lambda: TODAY)
    kwargs.setdefault("now", lambda: NOW)
    kwargs.setdefault("clock", FakeClock())
    kwargs.setdefault("watch_interval", 0.02)
    return FtPreflightApp(str(path) if path else None, **kwargs)


async def linted(pilot) -> None:
    app = pilot.app
    await wait_until(pilot, lambda: app.session.report is not None and not app.session.linting)
    await pilot.pause()


@pytest.fixture
def clean(tmp_path) -> Path:
    target = tmp_path / "support_chat.jsonl"
    shutil.copy(SAMPLES / "support_chat.jsonl", target)
    return target


# -- open -------------------------------------------------------------------------------

async def test_open_shows_every_record_and_the_lint_summary(messy):
    app = make_app(messy)
    async with app.run_test(size=(100, 30)) as pilot:
        await linted(pilot)
        table = app.main.table
        assert table.model.total == 39  # the blank line 21 is not a record
        assert table.current_line == 1
        status = str(app.screen.query_one("#status").content)
        # One vocabulary everywhere: 39 records (non-blank lines), 36 of them examples,
        # the same 36 that FT201 and `ftpreflight cost` count.
        assert "36 chat examples of 39 records" in status and "✖ 25" in status


async def test_rows_are_browsable_before_the_lint_finishes(messy):
    """The table fills from the observer's rows while the lint is still running."""
    release = threading.Event()

    def slow_lint(path, config, observer: LintObserver, validation=None):
        report = lint_path(path, config, validation=validation)
        rows = report.files[0].records.rows()
        observer.on_file_start(path, 100)
        observer.on_records(path, rows[:20])
        observer.on_progress(path, 50, 100)
        release.wait(10)
        return report

    app = make_app(messy, lint=slow_lint)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.session.records.total == 20)
        assert app.session.linting and app.session.report is None
        await pilot.press("down", "down")
        assert app.main.table.current_line == 3
        await pilot.press("enter")
        assert isinstance(app.screen, RecordScreen)
        await pilot.press("escape")
        release.set()
        await linted(pilot)
        assert app.session.records.total == 39
        assert app.main.table.current_line == 3  # the cursor stayed put


async def test_picker_opens_a_file_when_started_without_one(tmp_path, messy):
    app = make_app(None, start_dir=str(tmp_path))
    async with app.run_test(size=(100, 30)) as pilot:
        from tui.screens.picker import FilePickerScreen

        assert isinstance(app.screen, FilePickerScreen)
        await pilot.pause(0.3)
        await pilot.press("down", "enter")
        await linted(pilot)
        assert Path(app.session.path).name == "messy.jsonl"


async def test_unknown_model_is_a_dialog_not_a_traceback(messy):
    app = make_app(messy, model="gpt-9-imaginary")
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, MessageDialog))
        text = str(app.screen.query_one("#dialog-text").content)
        assert "gpt-9-imaginary" in text and "Traceback" not in text
        await pilot.press("escape")
        assert not isinstance(app.screen, MessageDialog)


# -- filter, sort, jump ------------------------------------------------------------------

async def test_problems_tab_filters_the_table_by_rule(messy):
    app = make_app(messy)
    async with app.run_test(size=(100, 30)) as pilot:
        await linted(pilot)
        await pilot.press("2")
        rules = app.screen.query_one("#rule-list")
        codes = [rules.get_option_at_index(i).id for i in range(rules.option_count)]
        assert "FT111" in codes and "FT601" in codes
        doc = app.screen.query_one("#rule-doc")
        await pilot.press(*["down"] * codes.index("FT111"))
        await wait_until(pilot, lambda: "FT111 invalid-tool-call" in doc.content.markup)
        assert "First occurrences" in doc.content.markup
        await pilot.press("enter")
        await pilot.pause()
        model = app.session.records
        assert app.screen.active_tab == "dataset"
        assert [model.line_at(i) for i in range(len(model))] == [14, 15, 16]
        await pilot.press("escape")
        assert len(model) == 39


async def test_text_search_sort_and_next_problem(messy):
    app = make_app(messy)
    async with app.run_test(size=(100, 30)) as pilot:
        await linted(pilot)
        table = app.main.table
        await pilot.press("n")
        assert table.current_line == 2
        await pilot.press("n", "N")
        assert table.current_line == 2
        await pilot.press("s")  # by tokens, largest first
        assert app.session.records.line_at(0) == 40
        await pilot.press("s")  # by severity
        assert app.session.records.worst[app.session.records.row_at(0)] == 3
        await pilot.press("escape", "slash")
        await pilot.press(*"Driftwood", "enter")
        await wait_until(pilot, lambda: app.session.records.search_lines is not None)
        lines = [app.session.records.line_at(i) for i in range(len(app.session.records))]
        assert lines and all("driftwood" in (SAMPLES / "messy.jsonl").read_text().splitlines()[n - 1].lower()
                             for n in lines)
        assert app.focused is table


# -- record view -------------------------------------------------------------------------

async def test_record_view_masks_personal_data_until_revealed(messy):
    app = make_app(messy)
    async with app.run_test(size=(100, 30)) as pilot:
        await linted(pilot)
        table = app.main.table
        table.move_to(app.session.records.position_of_line(31))
        await pilot.press("enter")
        assert isinstance(app.screen, RecordScreen)
        conversation = str(app.screen.query_one("#conversation").content)
        email_line = (SAMPLES / "messy.jsonl").read_text().splitlines()[30]
        address = json.loads(email_line)["messages"][1]["content"][27:53]
        assert address not in conversation and "•••" in conversation
        assert "FT601" in str(app.screen.query_one("#record-diagnostics").content)
        await pilot.press("v")
        assert address in str(app.screen.query_one("#conversation").content)
        await pilot.press("n")
        assert app.screen.line == 32
        await pilot.press("escape")
        assert table.current_line == 32


async def test_record_view_pretty_prints_tool_calls(tmp_path):
    target = tmp_path / "tools.jsonl"
    shutil.copy(SAMPLES / "tool_calls.jsonl", target)
    app = make_app(target)
    async with app.run_test(size=(100, 30)) as pilot:
        await linted(pilot)
        await pilot.press("enter")
        text = str(app.screen.query_one("#conversation").content)
        assert "→ call" in text and "tools" in text and "assistant" in text


# -- clean-up ----------------------------------------------------------------------------

async def test_mark_fix_and_save_writes_a_cleaned_copy_and_relints_it(messy):
    app = make_app(messy)
    original = messy.read_bytes()
    async with app.run_test(size=(100, 30)) as pilot:
        await linted(pilot)
        table = app.main.table
        await pilot.press("n", "d")  # line 2 (invalid JSON) marked to drop
        table.move_to(app.session.records.position_of_line(31))
        await pilot.press("x")  # the email is redacted
        assert app.session.redact_lines == {31} and 2 in app.session.records.marked
        await pilot.press("2")
        rules = app.screen.query_one("#rule-list")
        codes = [rules.get_option_at_index(i).id for i in range(rules.option_count)]
        await pilot.press(*["down"] * codes.index("FT607"), "x")  # all secrets redacted
        assert {37, 38, 39} <= app.session.redact_lines
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, SaveDialog)
        output = Path(app.screen.query_one("#save-path").value)
        assert output.name == "messy.clean.jsonl"
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.session.path == str(output) and app.session.report is not None)
        report = app.session.report
        codes_after = report.by_rule()
        assert "FT101" not in codes_after and "FT601" not in codes_after and "FT607" not in codes_after
        assert "FT301" not in codes_after  # the safe fix dropped the duplicate
        assert "[EMAIL]" in output.read_text()
    assert messy.read_bytes() == original


async def test_saving_over_the_input_is_refused(messy):
    app = make_app(messy)
    async with app.run_test(size=(100, 30)) as pilot:
        await linted(pilot)
        await pilot.press("ctrl+s")
        field = app.screen.query_one("#save-path")
        field.value = str(messy)
        await pilot.press("enter")
        assert isinstance(app.screen, SaveDialog)
        assert "input file" in str(app.screen.query_one("#save-error").content)
        await pilot.press("escape")
        assert not isinstance(app.screen, SaveDialog)


# -- cost --------------------------------------------------------------------------------

async def test_cost_planner_updates_as_you_type(clean):
    app = make_app(clean)
    async with app.run_test(size=(120, 40)) as pilot:
        await linted(pilot)
        await pilot.press("5")
        await wait_until(pilot, lambda: app.session.estimate is not None)
        assert app.session.estimate.model.id == "gpt-4o-mini-2024-07-18"
        prices = str(app.screen.query_one("#prices-line").content)
        assert "2026" in prices and "https://" in prices
        epochs = app.screen.query_one("#epochs")
        epochs.value = "2"
        await wait_until(pilot, lambda: app.session.estimate.epochs == 2)
        app.screen.query_one("#requests").value = "10000"
        await wait_until(pilot, lambda: app.session.estimate.inference.requests_per_month == 10000)
        table = app.screen.query_one("#compare")
        assert table.row_count >= 5
        monthly = [table.get_row_at(i)[2] for i in range(table.row_count) if table.get_row_at(i)[1] != "refused"]
        values = [float(v.lstrip("$").replace(",", "")) for v in monthly if v != "n/a"]
        assert values == sorted(values)
        assert "shuts down" in str(app.screen.query_one("#cost-warnings").content)
        app.screen.query_one("#model-search").value = "4.1-mini"
        await wait_until(pilot, lambda: app.session.estimate.model.id == "gpt-4.1-mini-2025-04-14")


# -- approve and submit ------------------------------------------------------------------

async def test_submit_is_disabled_with_a_reason_while_the_lint_has_errors(messy):
    app = make_app(messy)
    async with app.run_test(size=(120, 40)) as pilot:
        await linted(pilot)
        await pilot.press("6")
        await wait_until(pilot, lambda: app.session.estimate is not None)
        app.screen.query_one("#budget").value = "100"
        await pilot.pause()
        assert app.screen.query_one("#submit-job").disabled
        assert "error" in str(app.screen.query_one("#submit-reason").content)


async def test_approve_writes_the_record_and_over_budget_disables_submit(clean):
    with FakeOpenAI() as server:  # an API key is configured: only the budget decides
        app = make_app(clean, provider_factory=lambda kind: make_test_provider(server))
        await _approve_and_check_budget(app, clean)


async def _approve_and_check_budget(app, clean) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await linted(pilot)
        await pilot.press("6")
        await wait_until(pilot, lambda: app.session.estimate is not None)
        app.screen.query_one("#approver").value = "Dana Reviewer"
        app.screen.query_one("#budget").value = "0.0001"
        await pilot.pause()
        assert app.screen.query_one("#submit-job").disabled
        assert "budget" in str(app.screen.query_one("#submit-reason").content)
        app.screen.query_one("#budget").value = "25"
        await pilot.pause()
        assert not app.screen.query_one("#submit-job").disabled
        await pilot.click("#write-approval")
        record = clean.with_name("support_chat.approval.json")
        await wait_until(pilot, lambda: record.exists() and app.session.approval_path is not None)
        data = json.loads(record.read_text())
        assert data["approver"] == "Dana Reviewer"
        assert clean.with_name("support_chat.approval.html").exists()


async def submit_from_app(pilot, app, budget: str = "25") -> None:
    await linted(pilot)
    await pilot.press("6")
    await wait_until(pilot, lambda: app.session.estimate is not None)
    app.screen.query_one("#approver").value = "Dana Reviewer"
    app.screen.query_one("#budget").value = budget
    await pilot.pause()
    await pilot.click("#write-approval")
    await wait_until(pilot, lambda: app.session.approval_path is not None)
    await pilot.click("#submit-job")
    await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), timeout=30)
    text = str(app.screen.query_one("#dialog-text").content)
    assert "gpt-4o-mini-2024-07-18" in text and "$" in text and "support_chat.jsonl" in text
    await pilot.click("#yes")


async def test_submit_uploads_creates_and_monitors_the_job(clean):
    with FakeOpenAI() as server:
        app = make_app(clean, provider_factory=lambda kind: make_test_provider(server))
        async with app.run_test(size=(120, 40)) as pilot:
            await submit_from_app(pilot, app)
            await wait_until(pilot, lambda: isinstance(app.screen, JobMonitorScreen), timeout=30)
            (job,) = server.jobs.values()
            assert job.metadata["ftpreflight_sha256"]
            await wait_until(pilot, lambda: app.screen.job.status == "succeeded", timeout=30)
            status = str(app.screen.query_one("#job-status").content)
            assert "succeeded" in status and "ft:" in status
            assert app.screen.losses and app.screen.query_one("#loss").data
            assert "training loss" in str(app.screen.query_one("#loss-label").content).lower()


async def test_cancel_a_running_job_from_the_monitor(clean):
    with FakeOpenAI() as server:
        # Each poll moves the fake job one step: poll rarely so it is still running when cancelled.
        app = make_app(clean, provider_factory=lambda kind: make_test_provider(server), watch_interval=30)
        async with app.run_test(size=(120, 40)) as pilot:
            await submit_from_app(pilot, app)
            await wait_until(pilot, lambda: isinstance(app.screen, JobMonitorScreen), timeout=30)
            await pilot.press("c")
            assert isinstance(app.screen, ConfirmDialog)
            await pilot.click("#yes")
            await wait_until(pilot, lambda: app.screen.job.status == "cancelled", timeout=20)
            (job,) = server.jobs.values()
            assert job.status == "cancelled"


async def test_missing_api_key_is_checked_before_anything_is_confirmed(clean):
    from tui.providers import make_provider

    app = make_app(clean, provider_factory=lambda kind: make_provider(kind, environ={}))
    async with app.run_test(size=(120, 40)) as pilot:
        await linted(pilot)
        await pilot.press("6")
        await wait_until(pilot, lambda: app.session.estimate is not None)
        app.screen.query_one("#approver").value = "Dana Reviewer"
        app.screen.query_one("#budget").value = "25"
        reason = app.screen.query_one("#submit-reason")
        # Never "Ready to submit" without a key: the tab says what is missing.
        await wait_until(pilot, lambda: "OPENAI_API_KEY" in str(reason.content))
        assert "Ready to submit" not in str(reason.content)
        assert app.screen.query_one("#submit-job").disabled
        # The palette's "Submit" runs the same checks: one readable sentence, no confirmation.
        await app.run_command("submit_job")
        await pilot.pause(0.5)
        assert not isinstance(app.screen, ConfirmDialog)
        said = [n.message for n in app._notifications]
        assert any("OPENAI_API_KEY" in text and "Traceback" not in text for text in said)


async def test_submit_confirmation_reads_like_a_sentence(clean):
    with FakeOpenAI() as server:
        app = make_app(clean, provider_factory=lambda kind: make_test_provider(server))
        async with app.run_test(size=(120, 40)) as pilot:
            await linted(pilot)
            await pilot.press("5")
            app.screen.query_one("#epochs").value = "3"
            await pilot.press("6")
            await wait_until(pilot, lambda: app.session.estimate is not None and app.session.epochs == 3)
            app.screen.query_one("#approver").value = "Dana Reviewer"
            app.screen.query_one("#budget").value = "25"
            await pilot.pause()
            await pilot.click("#submit-job")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), timeout=30)
            text = str(app.screen.query_one("#dialog-text").content)
            assert "epochs 3" in text
            assert "{" not in text and "n_epochs" not in text
            await pilot.click("#no")


# -- help, palette, themes ---------------------------------------------------------------

async def test_help_palette_and_theme(messy):
    app = make_app(messy)
    async with app.run_test(size=(80, 24)) as pilot:
        await linted(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        dark = app.current_theme.dark
        await pilot.press("ctrl+t")
        assert app.current_theme.dark != dark
        from tui.screens.commands import ACTIONS, ActionsProvider

        provider = ActionsProvider(app.screen)
        titles = [hit.text async for hit in provider.discover()]
        assert len(titles) == len(ACTIONS) and "Save cleaned copy (all safe fixes + chosen)" in titles
        await app.run_action("show_tab('stats')")
        assert app.screen.active_tab == "stats"


def test_readme_key_table_matches_the_app():
    from tui.screens.commands import help_markdown

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert help_markdown() in readme
