"""linter and pricing are pure: they never load the UI or the network client."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_cores_do_not_import_textual_or_openai():
    code = ("import sys, linter, pricing; import linter.pii, linter.neardup; "
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'openai', 'tui', 'httpx')); "
            "print(','.join(bad))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == ""


def test_import_linter_contracts():
    proc = subprocess.run([sys.executable, "-m", "importlinter.cli", "--config", str(ROOT / "pyproject.toml")],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    if "No module named" in proc.stderr:
        proc = subprocess.run(["lint-imports", "--config", str(ROOT / "pyproject.toml")],
                              capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "broken" not in proc.stdout.split("Contracts:")[-1] or "0 broken" in proc.stdout
