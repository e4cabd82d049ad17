"""The app and the CLI on the same services: the same approval for the same job, no
silent method switch, the same budget limits, and a Submit tab that picks the provider
(its price table, key, deadline) and follows the job there — driven for real with Pilot;
Together's real SDK talks to the local fake in tests/fake_together (127.0.0.1)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from fake_together import FakeTogether, make_together_provider
from test_app import NOW, SAMPLES, TODAY, linted, make_app, wait_until

from tui.screens.dialogs import ConfirmDialog
from tui.screens.job import JobMonitorScreen


async def approve_tab(pilot, *, budget: str | None = None) -> None:
    """Wait for the lint and the estimate, open the Approve tab, fill in who approves what."""
    app = pilot.app
    await linted(pilot)
    await pilot.press("6")
    await wait_until(pilot, lambda: app.session.estimate is not None)
    if budget is not None:
        app.screen.query_one("#approver").value = "Dana Reviewer"
        app.screen.query_one("#budget").value = budget


def _copy(tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copy(SAMPLES / name, target)
    return target


async def test_the_app_writes_the_same_approval_as_the_cli(tmp_path, monkeypatch, capsys):
    from tui.cli import main
    from tui.commands import approve, cost

    cli_dir, app_dir = tmp_path / "cli", tmp_path / "app"
    cli_dir.mkdir(), app_dir.mkdir()
    data = _copy(app_dir, "support_chat.jsonl")
    monkeypatch.setattr(approve, "now", lambda: NOW)
    monkeypatch.setattr(cost, "today", lambda: TODAY)
    assert main(["approve", str(data), "--model", "gpt-4o-mini", "--budget", "25", "--approver", "Dana Reviewer",
                 "-o", str(cli_dir)]) == 0
    app = make_app(data)
    async with app.run_test(size=(120, 40)) as pilot:
        await approve_tab(pilot, budget="25")
        await pilot.pause()
        await pilot.click("#write-approval")
        await wait_until(pilot, lambda: app.session.approval_path is not None)
    for suffix in (".approval.json", ".approval.md"):
        from_cli = (cli_dir / f"support_chat{suffix}").read_text()
        from_app = (app_dir / f"support_chat{suffix}").read_text()
        assert from_app == from_cli, suffix
    assert json.loads((app_dir / "support_chat.approval.json").read_text())["approver"] == "Dana Reviewer"


async def test_a_model_without_the_files_method_gets_no_estimate_in_the_app(tmp_path):
    """A DPO file priced on a model that only does supervised fine-tuning: the CLI refuses,
    and the app says so too instead of quietly pricing a supervised job."""
    data = _copy(tmp_path, "preference_dpo.jsonl")
    app = make_app(data)  # the default model, gpt-4o-mini, is fine-tuned supervised only
    async with app.run_test(size=(120, 40)) as pilot:
        await linted(pilot)
        await pilot.press("5")
        warnings = app.screen.query_one("#cost-warnings")
        await wait_until(pilot, lambda: "not dpo" in str(warnings.content))
        assert app.session.estimate is None
        assert "gpt-4o-mini-2024-07-18 supports supervised fine-tuning" in str(warnings.content)
        assert str(app.screen.query_one("#estimate").content) == "No estimate."
        app.screen.query_one("#model-search").value = "gpt-4.1-mini"
        await wait_until(pilot, lambda: app.session.estimate is not None)
        assert app.session.estimate.method == "dpo"


async def test_the_app_refuses_an_implausible_budget_like_the_cli(tmp_path):
    data = _copy(tmp_path, "support_chat.jsonl")
    app = make_app(data)
    async with app.run_test(size=(120, 40)) as pilot:
        await approve_tab(pilot, budget="5,000,000,000")
        await pilot.pause()
        assert app.screen.query_one("#write-approval").disabled
        assert "not a plausible fine-tuning budget" in str(app.screen.query_one("#submit-reason").content)


async def test_picking_a_provider_prices_the_job_in_its_table_and_checks_its_key(tmp_path):
    from tui.providers import make_provider

    data = _copy(tmp_path, "support_chat.jsonl")
    app = make_app(data, provider_factory=lambda kind, **conn: make_provider(kind, environ={}, **conn))
    async with app.run_test(size=(120, 40)) as pilot:
        await approve_tab(pilot)
        summary = app.screen.query_one("#approve-summary")
        assert "Provider  openai" in str(summary.content)
        assert "new jobs until 2027-01-06" in str(summary.content)  # OpenAI's wind-down, from the table
        app.screen.query_one("#submit-provider").value = "together"
        await wait_until(pilot, lambda: app.session.estimate is not None
                         and app.session.estimate.model.provider == "together")
        assert app.screen.query_one("#provider").value == "together"  # the Cost tab follows
        reason = app.screen.query_one("#submit-reason")
        await wait_until(pilot, lambda: "TOGETHER_API_KEY" in str(reason.content))
        assert app.screen.query_one("#submit-job").disabled
        assert "Provider  together" in str(summary.content)
        # An OpenAI-compatible endpoint needs its base URL and a price table of its own.
        app.screen.query_one("#submit-provider").value = "openai-compatible"
        await pilot.pause()
        assert app.screen.query_one("#base-url-row").display
        assert "base URL" in str(reason.content)
        assert "its own price table" in str(reason.content)


async def test_submit_to_together_from_the_app_and_follow_the_job(tmp_path):
    data = _copy(tmp_path, "support_chat.jsonl")
    with FakeTogether() as server:
        built: list[str] = []

        def factory(kind: str, **connection):
            built.append(kind)
            return make_together_provider(server)

        app = make_app(data, provider_factory=factory)
        async with app.run_test(size=(120, 40)) as pilot:
            await approve_tab(pilot)
            app.screen.query_one("#submit-provider").value = "together"
            await wait_until(pilot, lambda: app.session.estimate is not None
                             and app.session.estimate.model.id == "openai/gpt-oss-20b")
            app.screen.query_one("#approver").value = "Dana Reviewer"
            app.screen.query_one("#budget").value = "25"
            await wait_until(pilot, lambda: not app.screen.query_one("#submit-job").disabled)
            await pilot.click("#submit-job")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), timeout=30)
            text = str(app.screen.query_one("#dialog-text").content)
            assert "together" in text and "openai/gpt-oss-20b" in text
            await pilot.click("#yes")
            await wait_until(pilot, lambda: isinstance(app.screen, JobMonitorScreen), timeout=30)
            assert app.screen.kind == "together"
            await wait_until(pilot, lambda: app.screen.job.is_final, timeout=30)
            status = str(app.screen.query_one("#job-status").content)
            assert "succeeded" in status and "Trained" in status
            assert "Billed    $" in status  # Together's own price of the job (total_price)
            assert app.screen.query_one("#job-events").lines  # Together's events, as they came
            assert app.screen.losses  # its loss curve
        assert built[-1] == "together"  # the job was watched on Together (OpenAI's key was only checked)
        assert len(server.jobs) == 1
