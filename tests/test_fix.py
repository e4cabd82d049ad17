"""`ftpreflight fix`: a cleaned copy, never a touched input, nothing half-written."""

from __future__ import annotations

import hashlib
from pathlib import Path

import orjson
import pytest

import linter._fix as fixmod
from linter import FixError, FixOptions, LintConfig, fix_file, lint_path
from tui.cli import main

SAMPLES = Path(__file__).resolve().parent.parent / "sample_data"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_relint_shows_none_of_the_fixed_problems(tmp_path, messy):
    before = _sha(messy)
    out = tmp_path / "clean.jsonl"
    summary = fix_file(messy, out, LintConfig(jobs=1),
                       FixOptions(drop_near_duplicates=True, drop_invalid=True, redact_pii=True))
    assert _sha(messy) == before
    report = lint_path(out, LintConfig(jobs=1))
    codes = {d.code for d in report.diagnostics}
    for fixed in ("FT301", "FT302", "FT601", "FT602", "FT603", "FT604", "FT605", "FT606", "FT607"):
        assert fixed not in codes
    assert not any(d.severity.label == "error" for d in report.diagnostics if d.code != "FT201"), [
        (d.code, d.line, d.message) for d in report.diagnostics]
    assert summary.lines_read == 40
    assert summary.dropped["duplicate"] == 1 and summary.dropped["near-duplicate"] == 1
    assert summary.written == summary.lines_read - sum(summary.dropped.values())
    assert sum(summary.redacted.values()) >= 9


def test_redaction_uses_typed_placeholders_and_keeps_the_rest(tmp_path, write_jsonl):
    src = write_jsonl(
        '{"messages": [{"role": "user", "content": "Mail jane.doe@acme.io or call +1 415 826 2671"}, '
        '{"role": "assistant", "content": "I wrote to jane.doe@acme.io."}]}\n')
    out = tmp_path / "o.jsonl"
    fix_file(src, out, LintConfig(jobs=1), FixOptions(redact_pii=True))
    record = orjson.loads(out.read_bytes())
    assert record["messages"][0]["content"] == "Mail [EMAIL] or call [PHONE]"
    assert record["messages"][1]["content"] == "I wrote to [EMAIL]."
    assert b"jane.doe" not in out.read_bytes()


def test_completion_fixes(tmp_path):
    out = tmp_path / "c.jsonl"
    fix_file(SAMPLES / "messy_completion.jsonl", out, LintConfig(jobs=1),
             FixOptions(unsafe_fixes=frozenset({"FT401", "FT403", "FT405"})))
    report = lint_path(out, LintConfig(jobs=1))
    codes = {d.code for d in report.diagnostics}
    assert not codes & {"FT401", "FT403", "FT405"}, codes


def test_refuses_to_overwrite_the_input(messy):
    with pytest.raises(FixError, match="refusing to overwrite the input"):
        fix_file(messy, messy)


def test_interrupted_write_leaves_no_half_file(tmp_path, messy, monkeypatch):
    out = tmp_path / "clean.jsonl"
    out.write_text("previous content\n")

    def boom(self, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(fixmod._Plan, "rewrite", boom)
    with pytest.raises(KeyboardInterrupt):
        fix_file(messy, out, LintConfig(jobs=1), FixOptions(redact_pii=True))
    assert out.read_text() == "previous content\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_split_validation_has_no_leakage(tmp_path):
    src = tmp_path / "train.jsonl"
    records = [orjson.loads(line) for line in (SAMPLES / "support_chat.jsonl").read_bytes().splitlines()]
    # Plant near-duplicate pairs: they must end up on the same side of the split.
    for i in range(10):
        twin = orjson.loads(orjson.dumps(records[i]))
        twin["messages"][1]["content"] = twin["messages"][1]["content"].replace(" ", "  ", 1) + " please"
        records.append(twin)
    src.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    out = tmp_path / "out.jsonl"
    summary = fix_file(src, out, LintConfig(jobs=1), FixOptions(split_validation=0.2, seed=4))
    valid = Path(summary.validation_output)
    assert summary.written + summary.validation_written == len(records)
    assert 0.15 * len(records) <= summary.validation_written <= 0.3 * len(records)
    report = lint_path(out, LintConfig(jobs=1), validation=valid)
    assert [d for d in report.diagnostics if d.code == "FT204"] == []
    again = fix_file(src, tmp_path / "again.jsonl", LintConfig(jobs=1), FixOptions(split_validation=0.2, seed=4))
    assert Path(again.validation_output).read_bytes() == valid.read_bytes()


def test_cli_fix_reports_and_in_place_backup(tmp_path, messy, capsys):
    before = messy.read_bytes()
    code = main(["fix", str(messy), "--in-place", "--format", "json"])
    data = orjson.loads(capsys.readouterr().out)
    assert code == 0
    assert Path(data["backup"]).read_bytes() == before
    assert data["lines_read"] == 40 and data["dropped"]["duplicate"] == 1
    assert messy.read_bytes() != before


def test_cli_fix_needs_an_output(messy, capsys):
    assert main(["fix", str(messy)]) == 2
    assert "-o OUT" in capsys.readouterr().err
    assert main(["fix", str(messy), "-o", str(messy)]) == 2
    assert "refusing to overwrite" in capsys.readouterr().err


def test_cli_fix_text_summary(tmp_path, messy, capsys):
    code = main(["fix", str(messy), "-o", str(tmp_path / "o.jsonl"), "--redact-pii", "--check"])
    out = capsys.readouterr().out
    assert code == 0
    assert "read 40 lines" in out and "dropped" in out and "redacted" in out
