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


# What `ftpreflight lint` of a small file must not load (issue 16: start-up). Each entry
# is loaded only by the work that needs it: the records table (polars) when a caller reads
# it, the process pool for files big enough to use it, the fixer for `fix`, the cost
# planner's estimate, approval and report modules for `cost` / `approve`.
_NOT_FOR_A_SMALL_LINT = ("polars", "concurrent.futures.process", "multiprocessing.connection", "linter._fix",
                         "pricing._estimate", "pricing._approval", "pricing._report", "textual",
                         "openai")


def _lint_in_fresh_interpreter(argv: list[str], after: str = "", before: str = "") -> list[str]:
    """Run ``ftpreflight`` with ``argv`` in a new interpreter (``before`` and ``after`` are
    code run around it): its exit status, what it printed, what ``after`` printed, then
    which of _NOT_FOR_A_SMALL_LINT were loaded, on the last line."""
    code = (
        "import io, sys, contextlib\n"
        f"{before}"
        "from tui.cli import main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        f"    status = main({argv!r})\n"
        "print(status)\n"
        "print(out.getvalue())\n"
        f"{after}"
        f"loaded = [m for m in {_NOT_FOR_A_SMALL_LINT!r} if m in sys.modules]\n"
        "print('LOADED=' + ','.join(loaded))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip().splitlines()


def test_linting_a_small_file_loads_only_what_it_needs():
    lines = _lint_in_fresh_interpreter(["lint", "--format", "json", "sample_data/messy.jsonl"])
    assert lines[0] == "1"  # the lint ran and found errors
    assert '"FT' in "\n".join(lines)  # findings were printed
    assert lines[-1] == "LOADED="


def test_reading_the_records_table_still_works_after_a_lean_lint():
    # The table a caller reads (the app, `fix`) is built on first use, with the same rows.
    after = (
        "from linter import lint_path\n"
        "report = lint_path('sample_data/messy.jsonl')\n"
        "table = report.files[0].records\n"
        "assert table.height == report.files[0].record_count == 39, table.height\n"
        "assert table['kind'].null_count() == 39 - report.files[0].examples\n"
    )
    lines = _lint_in_fresh_interpreter(["lint", "sample_data/messy.jsonl"], after)
    assert "polars" in lines[-1]


def test_a_small_lint_builds_no_tiktoken_core():
    # A small file is counted by the Python encoder (linter._bpe), whose ranks start
    # loading in a background thread while the model is looked up; tiktoken's core, which
    # costs 0.25 s to build and free, is never built.
    before = (
        "import tiktoken\n"
        "built = []\n"
        "real_init = tiktoken.Encoding.__init__\n"
        "def counting_init(self, name, **kwargs):\n"
        "    built.append(name)\n"
        "    real_init(self, name, **kwargs)\n"
        "tiktoken.Encoding.__init__ = counting_init\n"
    )
    after = ("from linter import _tokens\n"
             "print('BUILT=' + ','.join(built))\n"
             "print('QUICK=' + ','.join(sorted(_tokens._quick)))\n")
    lines = _lint_in_fresh_interpreter(["lint", "--model", "gpt-4.1-mini-2025-04-14", "sample_data/tool_calls.jsonl"],
                                       after, before)
    assert lines[0] == "0"
    assert "BUILT=" in lines
    assert "QUICK=o200k_base" in lines
