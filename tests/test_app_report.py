"""The approval report as a budget holder sees it: `ftpreflight approve` with an inference
projection, opened in a real headless browser (Chromium): the page renders, the verdict
comes first with money in dollars and cents, the deadline risk and the sources are on it,
and it prints on one page. Skipped where Chromium is not installed (.ci/run installs it)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tui.cli import main

SAMPLES = Path(__file__).resolve().parent.parent / "sample_data"
BROWSER = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")

pytestmark = pytest.mark.skipif(BROWSER is None, reason="Chromium is not installed")


def browser(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    profile.mkdir()
    return subprocess.run(
        [BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", f"--user-data-dir={profile}", *args],
        capture_output=True, text=True, timeout=120)


@pytest.fixture
def report(tmp_path, monkeypatch, capsys) -> Path:
    from datetime import date, datetime, timezone

    from tui.commands import approve, cost

    monkeypatch.setattr(approve, "now", lambda: datetime(2026, 11, 29, 14, 43, 21, 27177, tzinfo=timezone.utc))
    monkeypatch.setattr(cost, "today", lambda: date(2026, 11, 29))
    data = tmp_path / "support_chat.jsonl"
    shutil.copy(SAMPLES / "support_chat.jsonl", data)
    code = main(["approve", str(data), "--model", "gpt-4o-mini", "--budget", "25", "--approver", "Dana Reviewer",
                 "--requests-per-month", "20000", "-o", str(tmp_path)])
    capsys.readouterr()
    assert code == 0
    return tmp_path / "support_chat.approval.html"


def test_the_report_renders_in_a_browser_with_the_verdict_first(report, tmp_path):
    dumped = browser(tmp_path, "--dump-dom", report.as_uri())
    assert dumped.returncode == 0, dumped.stderr[-2000:]
    dom = dumped.stdout
    text = re.sub(r"<[^>]+>", " ", dom)
    text = re.sub(r"\s+", " ", text)
    # Verdict first, money in cents, no raw figures or ISO timestamps.
    assert "Within budget: $0.18 of $25.00" in text
    assert text.index("Within budget") < text.index("Cost") < text.index("Deadline") < text.index("Sources")
    assert "Approved by Dana Reviewer on 29 November 2026, 14:43 UTC" in text
    assert "0.18216" not in text and "14:43:21" not in text
    # The key risk is up front, not in a list; the inference projection is included.
    assert re.search(r"Usable for 4\d days, until 13 January 2027: then the base model gpt-4o-mini", text)
    assert text.index("Usable for") < text.index("Cost")
    assert "Inference per month" in text and "20,000 requests" in text
    # The price source is a link and its status a visible badge.
    assert re.search(r'<a href="https://[^"]+">https://', dom)
    assert re.search(r'class="badge unverified"[^>]*>\s*Unverified', dom)
    # The histogram has counts and axis titles.
    assert "examples" in text and "tokens per example" in text

    shot = tmp_path / "report.png"
    taken = browser(tmp_path, "--window-size=800,1100", f"--screenshot={shot}", report.as_uri())
    assert taken.returncode == 0, taken.stderr[-2000:]
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000  # a drawn page, not a blank one


def test_the_report_prints_on_one_page(report, tmp_path):
    pdf = tmp_path / "report.pdf"
    printed = browser(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", report.as_uri())
    assert printed.returncode == 0, printed.stderr[-2000:]
    pages = re.findall(rb"/Type\s*/Page\b", pdf.read_bytes())
    assert len(pages) == 1
