"""`ftpreflight lint`, `rules`, `rule` as a user runs them: exit codes, outputs, config."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from tui.cli import main

SAMPLES = Path(__file__).resolve().parent.parent / "sample_data"


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_clean_sample_exits_zero(capsys):
    code, out, err = run(capsys, "lint", str(SAMPLES / "support_chat.jsonl"))
    assert code == 0, out
    assert "0 errors, 0 warnings, 0 infos" in out
    assert "120 examples (chat)" in out


def test_messy_sample_exits_one_and_names_lines(capsys):
    code, out, _ = run(capsys, "lint", str(SAMPLES / "messy.jsonl"))
    assert code == 1
    assert "line 2" in out and "FT101" in out


def test_exit_zero(capsys):
    code, _, _ = run(capsys, "lint", str(SAMPLES / "messy.jsonl"), "--exit-zero")
    assert code == 0


def test_json_output_schema(capsys):
    code, out, err = run(capsys, "lint", str(SAMPLES / "messy.jsonl"), "--format", "json")
    assert code == 1
    data = orjson.loads(out)
    assert set(data) >= {"files", "diagnostics", "summary"}
    f = data["files"][0]
    assert set(f) >= {"path", "format", "examples", "tokens"}
    assert set(f["tokens"]) == {"total", "trained", "max_example", "p50", "p95", "exact", "count_method"}
    assert f["tokens"]["exact"] is True and f["tokens"]["count_method"].startswith("exact: tiktoken o200k_base")
    for d in data["diagnostics"]:
        assert set(d) >= {"code", "name", "severity", "path", "line", "message", "related_lines"}
        assert d["line"] is None or d["line"] >= 1
    assert set(data["summary"]) >= {"errors", "warnings", "infos"}
    assert data["summary"]["errors"] == sum(1 for d in data["diagnostics"] if d["severity"] == "error")
    dup = [d for d in data["diagnostics"] if d["code"] == "FT301"]
    assert dup and dup[0]["related_lines"] == [1]
    assert err == ""  # stdout carries data, nothing else is printed


def test_github_and_sarif(capsys):
    code, out, _ = run(capsys, "lint", str(SAMPLES / "messy.jsonl"), "--format", "github")
    assert code == 1
    assert any(line.startswith("::error file=") and ",line=2," in line for line in out.splitlines())
    code, out, _ = run(capsys, "lint", str(SAMPLES / "messy.jsonl"), "--format", "sarif")
    sarif = orjson.loads(out)
    assert sarif["version"] == "2.1.0"
    results = sarif["runs"][0]["results"]
    assert any(r["ruleId"] == "FT101" and r["locations"][0]["physicalLocation"]["region"]["startLine"] == 2
               for r in results)


def test_select_and_ignore(capsys):
    _, out, _ = run(capsys, "lint", str(SAMPLES / "messy.jsonl"), "--format", "json", "--select", "FT1")
    codes = {d["code"] for d in orjson.loads(out)["diagnostics"]}
    assert codes and all(c.startswith("FT1") for c in codes)
    _, out, _ = run(capsys, "lint", str(SAMPLES / "messy.jsonl"), "--format", "json", "--ignore", "FT1,pii-email")
    codes = {d["code"] for d in orjson.loads(out)["diagnostics"]}
    assert not any(c.startswith("FT1") for c in codes) and "FT601" not in codes


def test_validation_file_is_linted_with_leakage(capsys):
    code, out, _ = run(capsys, "lint", str(SAMPLES / "messy.jsonl"), "--validation",
                       str(SAMPLES / "messy_validation.jsonl"), "--format", "json")
    data = orjson.loads(out)
    assert [f["role"] for f in data["files"]] == ["train", "validation"]
    leaks = [d for d in data["diagnostics"] if d["code"] == "FT204"]
    assert {d["line"] for d in leaks} == {1, 3}


@pytest.mark.parametrize("argv", [
    ["lint"], ["lint", "x.jsonl", "--format", "xml"], ["nonsense-command", "--x"],
])
def test_usage_errors_exit_two(capsys, argv):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2


def test_unknown_model_is_a_usage_error_with_suggestions(capsys):
    code, out, err = run(capsys, "lint", str(SAMPLES / "support_chat.jsonl"), "--model", "gpt-4o-mni")
    assert code == 2 and out == ""
    assert "gpt-4o-mni" in err and "did you mean" in err


def test_config_in_pyproject(tmp_path, capsys, monkeypatch):
    (tmp_path / "pyproject.toml").write_text('[tool.ftpreflight]\nignore = ["FT601"]\n[tool.ftpreflight.severity]\nFT602 = "error"\n')
    monkeypatch.chdir(tmp_path)
    _, out, _ = run(capsys, "lint", str(SAMPLES / "messy.jsonl"), "--format", "json")
    diags = orjson.loads(out)["diagnostics"]
    assert not [d for d in diags if d["code"] == "FT601"]
    assert {d["severity"] for d in diags if d["code"] == "FT602"} == {"error"}


@pytest.mark.parametrize(("content", "needle"), [
    ('[tool.ftpreflight]\nselekt = ["FT1"]\n', "selekt: unknown setting"),
    ('[tool.ftpreflight]\nselect = ["FT999"]\n', "unknown rule"),
    ('[tool.ftpreflight\n', "invalid TOML"),
    ('[tool.ftpreflight]\nseverity = {FT101 = "fatal"}\n', "severity"),
])
def test_bad_config_is_exit_two_naming_the_file(tmp_path, capsys, monkeypatch, content, needle):
    (tmp_path / "ftpreflight.toml").write_text(content.replace("[tool.ftpreflight]\n", "").replace(
        "[tool.ftpreflight\n", "[broken\n"))
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "lint", str(SAMPLES / "support_chat.jsonl"))
    assert code == 2 and out == ""
    assert "ftpreflight.toml" in err and needle in err
    assert "Traceback" not in err


def test_missing_file_is_a_diagnostic(capsys, tmp_path):
    code, out, err = run(capsys, "lint", str(tmp_path / "missing.jsonl"))
    assert code == 1 and "FT100" in out and "not found" in out


def test_rules_and_rule(capsys):
    code, out, _ = run(capsys, "rules")
    assert code == 0 and "FT105  missing-field" in out
    code, out, _ = run(capsys, "rule", "FT105")
    assert code == 0 and "## Why is this bad?" in out and "## Example" in out and "## Fix" in out
    code, out, _ = run(capsys, "rule", "missing-field")
    assert code == 0 and out.startswith("FT105 missing-field")
    code, out, err = run(capsys, "rule", "FT999")
    assert code == 2 and "unknown rule" in err


def test_the_installed_command_runs():
    proc = subprocess.run([sys.executable, "-m", "tui.cli", "lint", str(SAMPLES / "completion_legacy.jsonl"),
                           "--model", "davinci-002", "--format", "json"], capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode()
    data = orjson.loads(proc.stdout)
    assert data["files"][0]["format"] == "completion"
    assert data["files"][0]["separator"] == "\n\n###\n\n"
