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
    # importlinter.cli has no __main__: `python -m importlinter.cli` ran nothing and
    # exited 0, so the contracts are run through the package's own entry function.
    code = ("import sys; from importlinter.cli import lint_imports; "
            f"sys.exit(lint_imports(config_filename={str(ROOT / 'pyproject.toml')!r}, no_cache=True))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    kept = proc.stdout.split("Contracts:")[-1]
    assert "0 broken" in kept
    assert "The cores do not import the application KEPT" in proc.stdout
    # The app's layers (app > screens > widgets > services > providers) are among them.
    assert "tui layers: app > screens > widgets > services > providers KEPT" in proc.stdout
