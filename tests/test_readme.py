"""The README stays true: rule table, config reference, quickstart and CI commands."""

import re
from pathlib import Path

from linter import render_rule_table
from tui.config import settings_table

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _block(name: str) -> str:
    match = re.search(rf"<!-- {name}:start -->\n(.*?)<!-- {name}:end -->", README, re.S)
    assert match, f"README has no {name} block"
    return match.group(1)


def test_rule_table_matches_the_registry():
    assert _block("rules") == render_rule_table()


def test_config_reference_matches_the_settings_model():
    assert _block("config") == settings_table()


def _quickstart() -> list[str]:
    section = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    block = section.split("```console\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip()]


def test_quickstart_has_two_commands_and_ci_runs_the_test_one():
    commands = _quickstart()
    assert len(commands) == 2
    assert "ftpreflight" in commands[0] and "sample_data/" in commands[0]
    sample = re.search(r"sample_data/\S+", commands[0]).group(0)
    assert (ROOT / sample).is_file()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci.splitlines()
