"""The command line's everyday mistakes (issue 16): each is one sentence on stderr and
exit 2, never a traceback; and `--version`/`--help` load no subcommand."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from pricing import format_money
from tui.cli import main

SAMPLES = Path(__file__).resolve().parent.parent / "sample_data"
CLEAN = str(SAMPLES / "support_chat.jsonl")


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("flag, value, suggestion", [
    ("--select", "FT999", "did you mean"),
    ("--ignore", "FT9", "did you mean"),
    ("--ignore", "dupliate-example", "duplicate-example"),
])
def test_unknown_rule_on_the_command_line_is_one_sentence(capsys, flag, value, suggestion):
    code, out, err = run(capsys, "lint", CLEAN, flag, value)
    assert code == 2
    assert out == ""
    assert err.startswith(f"ftpreflight: {flag}: unknown rule {value!r}")
    assert suggestion in err
    assert "Traceback" not in err and "pydantic" not in err and len(err.splitlines()) == 1


def test_unknown_rule_in_the_config_file_names_the_file(capsys, tmp_path):
    config = tmp_path / "ftpreflight.toml"
    config.write_text('select = ["FT999"]\n')
    code, _, err = run(capsys, "--config", str(config), "lint", CLEAN)
    assert code == 2
    assert str(config) in err and "unknown rule 'FT999'" in err


def test_mistyped_command_is_named_as_a_command(capsys, tmp_path):
    code, out, err = run(capsys, "lnt", "train.jsonl")
    assert code == 2
    assert "unknown command 'lnt'" in err and "did you mean lint" in err
    assert "unrecognized arguments" not in err


def test_a_directory_is_not_reported_as_missing(capsys, tmp_path):
    code, _, err = run(capsys, "app", str(tmp_path))
    assert code == 2
    assert "is a directory" in err and "not found" not in err


@pytest.mark.parametrize("where", ["before", "after"])
def test_config_is_accepted_before_or_after_the_command(capsys, tmp_path, where):
    config = tmp_path / "ftpreflight.toml"
    config.write_text('ignore = ["FT201"]\n')
    args = ["lint", CLEAN]
    argv = ["--config", str(config), *args] if where == "before" else [*args, "--config", str(config)]
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    assert "unrecognized arguments" not in err


@pytest.mark.parametrize("pyproject, status, reported", [
    ("[tool.ftpreflight]\nrequire_approval = tru\n", 2, True),   # our settings: never skipped silently
    ("[project\nname = 'x'\n", 0, False),                         # not ours to report
    # Our table in TOML's other spellings, with a syntax error elsewhere in the file:
    ("[tool]\nftpreflight.require_approval = true\n[project\n", 2, True),
    ("tool.ftpreflight.require_approval = true\n[project\n", 2, True),
    ("[tool.\"ftpreflight\"]\nrequire_approval = true\n[project\n", 2, True),
    ("[tool]\nftpreflight = { require_approval = true }\n[project\n", 2, True),
    # A project that depends on ftpreflight names it, but not as its settings:
    ("[project\ndependencies = [\n  \"ftpreflight>=0.1\",\n]\n", 0, False),
])
def test_broken_pyproject(tmp_path, pyproject, status, reported):
    (tmp_path / "pyproject.toml").write_text(pyproject)
    data = tmp_path / "train.jsonl"
    data.write_bytes(Path(CLEAN).read_bytes())
    result = subprocess.run([sys.executable, "-m", "tui.cli", "lint", str(data)], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == status, result.stderr
    assert ("pyproject.toml: invalid TOML" in result.stderr) == reported
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["--config", "x.toml", "--version"]])
def test_version_and_help_import_no_subcommand(argv):
    # What makes them instant: neither the linter, the provider SDK nor Textual is loaded.
    code = (
        "import sys\n"
        "from tui.cli import main\n"
        "try:\n"
        f"    main({argv!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = [m for m in ('linter', 'pricing', 'openai', 'textual', 'numpy', 'pydantic') if m in sys.modules]\n"
        "print('HEAVY=' + ','.join(heavy))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip().splitlines()[-1] == "HEAVY=", result.stdout


def test_version_prints_the_version(capsys):
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.startswith("ftpreflight ")


@pytest.mark.parametrize("amount, shown", [
    ("0.717318", "$0.72"),
    ("17.154", "$17.15"),
    ("1.21875", "$1.22"),
    ("1234.5", "$1,234.50"),
    ("0.004", "< $0.01"),
    ("0.005", "$0.01"),
    ("0", "$0.00"),
])
def test_money_for_people_is_in_cents(amount, shown):
    assert format_money(Decimal(amount)) == shown


def test_money_unknown_is_na():
    assert format_money(None) == "n/a"


def test_a_model_only_a_user_price_table_knows_works_in_every_command(capsys, tmp_path, monkeypatch):
    """Issue 13's bug: such a model linted, but cost/approve failed with "no known tokenizer",
    because they built their lint settings another way that dropped the row's encoding."""
    import json

    monkeypatch.chdir(tmp_path)
    table = tmp_path / "acme.toml"
    table.write_text("\n".join([
        'provider = "acme"', "as_of = 2026-11-01", 'source = "https://acme.example/prices"', "",
        "[[models]]", 'id = "acme-chat-7b"', 'methods = ["supervised"]', 'encoding = "o200k_base"',
        "training_context_tokens = 32768", 'training_usd_per_1m_tokens = "2.00"',
        'input_usd_per_1m = "0.50"', 'output_usd_per_1m = "1.00"', 'status = "unverified"',
    ]) + "\n")
    (tmp_path / "ftpreflight.toml").write_text('prices = ["acme.toml"]\n')
    data = tmp_path / "train.jsonl"
    with open(data, "w") as handle:
        for i in range(120):
            handle.write(json.dumps({"messages": [{"role": "user", "content": f"question {i}"},
                                                  {"role": "assistant", "content": f"answer {i}"}]}) + "\n")
    code, _, err = run(capsys, "lint", str(data), "--model", "acme-chat-7b")
    assert code == 0, err
    code, out, err = run(capsys, "cost", str(data), "--model", "acme-chat-7b")
    assert code == 0, err
    assert "acme-chat-7b" in out and "tokenizer" not in err
    code, _, err = run(capsys, "approve", str(data), "--model", "acme-chat-7b", "--budget", "5",
                       "--approver", "Dana", "-o", str(tmp_path / "approval"))
    assert code == 0, err


def test_cost_of_a_gzip_file_says_it_is_gzip(capsys, tmp_path):
    import gzip

    packed = tmp_path / "train.jsonl.gz"
    packed.write_bytes(gzip.compress(Path(CLEAN).read_bytes()))
    code, lint_out, _ = run(capsys, "lint", str(packed))
    assert code == 1 and "gzip" in lint_out
    code, _, err = run(capsys, "cost", str(packed), "--model", "gpt-4o-mini-2024-07-18")
    assert code != 0
    assert "gzip" in err and "Traceback" not in err


def test_a_trailing_config_without_a_path_is_a_usage_error(capsys):
    code, out, err = run(capsys, "lint", CLEAN, "--config")
    assert code == 2
    assert "--config needs a path" in err and "unrecognized" not in err


def test_a_config_file_with_a_pyproject_style_table_is_read(capsys, tmp_path):
    config = tmp_path / "cfg.toml"
    config.write_text('[tool.ftpreflight]\nselect = ["FT101"]\n')
    code, out, err = run(capsys, "lint", "sample_data/messy.jsonl", "--config", str(config))
    assert "unknown setting" not in err
    assert "FT101" in out and "FT201" not in out  # only the selected rule ran


def test_an_empty_file_is_said_to_be_empty_without_per_example_figures(capsys, tmp_path):
    empty = tmp_path / "train.jsonl"
    empty.write_bytes(b"")
    code, out, err = run(capsys, "lint", str(empty))
    assert code == 1
    assert "FT201 the file is empty (0 bytes)" in out
    assert "0 records, 0 examples" in out and "p50" not in out


def test_cr_line_endings_are_named_not_called_truncated_or_crlf(capsys, tmp_path):
    record = b'{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"yo"}]}'
    data = tmp_path / "train.jsonl"
    data.write_bytes(record + b"\r" + record + b"\r")
    code, out, err = run(capsys, "lint", str(data))
    assert "carriage returns (\\r) between records" in out and "CR line endings" in out
    assert "truncated" not in out
    assert "CRLF" not in out
