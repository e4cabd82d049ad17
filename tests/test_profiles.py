"""Provider profiles (`--provider`, config `provider`): which rules apply to whom, the
providers' own limits, and the FT7xx limits too large for a rule case file."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from linter import RULES, LintConfig, lint_path
from linter.profiles import PROVIDERS, rule_providers
from tui.cli import main

SAMPLES = Path(__file__).resolve().parent.parent / "sample_data"


def _codes(path, **settings) -> list[tuple[int | None, str, str]]:
    report = lint_path(path, LintConfig(jobs=1, **settings))
    return sorted((d.line or 0, d.code, d.pointer) for d in report.diagnostics)


def _write(tmp_path: Path, name: str, records: list) -> Path:
    path = tmp_path / name
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    return path


def _chat(i: int) -> dict:
    return {"messages": [{"role": "user", "content": f"Where is order NW-{1000 + i}?"},
                         {"role": "assistant", "content": f"Order NW-{1000 + i} shipped on day {i}."}]}


def test_every_rule_has_a_provider_scope_and_ft7_rules_have_exactly_one():
    for rule in RULES:
        scope = rule_providers(rule)
        assert scope and set(scope) <= set(PROVIDERS), rule.code
        if rule.code.startswith("FT7"):
            assert len(scope) == 1, rule.code
            assert "Source:" in rule.doc, f"{rule.code} names no source"


@pytest.mark.parametrize("sample", ["support_chat.jsonl", "messy.jsonl"])
def test_openai_format_providers_differ_only_in_their_own_rules(sample):
    """The same file linted for two providers differs only where the providers differ."""
    base = _codes(SAMPLES / sample)
    for provider in ("azure", "fireworks", "together"):
        other = _codes(SAMPLES / sample, provider=provider)
        own = {r.code for r in RULES if provider in rule_providers(r) and "openai" not in rule_providers(r)}
        dropped = {r.code for r in RULES if "openai" in rule_providers(r) and provider not in rule_providers(r)}
        # FT201's threshold is the provider's minimum; the rest is equal.
        assert [d for d in other if d[1] not in own | {"FT201"}] == \
            [d for d in base if d[1] not in dropped | {"FT201"}], provider


def test_legacy_separator_rules_apply_only_to_openai_and_azure():
    sample = SAMPLES / "messy_completion.jsonl"
    for provider, expected in (("openai", True), ("azure", True), ("together", False), ("fireworks", False)):
        codes = {c for _, c, _ in _codes(sample, provider=provider, model="davinci-002")}
        assert bool(codes & {"FT401", "FT403", "FT405"}) is expected, provider
        assert "FT407" in codes  # an empty completion is wrong for every OpenAI-format provider


def test_fewest_examples_follow_the_provider(tmp_path):
    two = _write(tmp_path, "two.jsonl", [_chat(1), _chat(2)])
    ft201 = lambda **s: [d for d in lint_path(two, LintConfig(jobs=1, select=["FT201"], **s)).diagnostics]  # noqa: E731
    assert ft201()[0].severity.label == "error"                       # OpenAI: at least 10
    assert ft201(provider="together")[0].severity.label == "warning"  # Together: at least 1
    assert ft201(provider="fireworks")[0].severity.label == "error"   # Fireworks: at least 3
    assert ft201(provider="fireworks", min_examples_error=2)[0].severity.label == "warning"


def test_upload_limit_follows_the_provider_unless_configured():
    assert LintConfig().upload_limit == 512 * 1024 * 1024
    assert LintConfig(provider="vertex").upload_limit == 1024 ** 3
    assert LintConfig(provider="fireworks").upload_limit is None  # larger files go through signed URLs
    assert LintConfig(provider="vertex", upload_limit_bytes=100).upload_limit == 100


def test_together_image_over_10_mb(tmp_path):
    big = "data:image/jpeg;base64," + "A" * (4 * 10 * 1024 * 1024 // 3 + 400)
    small = "data:image/png;base64,iVBORw0KGgo="
    record = {"messages": [{"role": "user", "content": [
        {"type": "text", "text": "Same boot?"}, {"type": "image_url", "image_url": {"url": small}},
        {"type": "image_url", "image_url": {"url": big}}]}, {"role": "assistant", "content": "Yes."}]}
    path = _write(tmp_path, "images.jsonl", [record])
    found = [d for d in lint_path(path, LintConfig(jobs=1, provider="together", select=["FT704"])).diagnostics]
    assert [(d.line, d.pointer) for d in found] == [(1, "/messages/0/content/2")]
    assert "over 10 MB" in found[0].message


def test_fireworks_direct_upload_limit(tmp_path, monkeypatch):
    from linter import _provider_check

    path = _write(tmp_path, "train.jsonl", [_chat(i) for i in range(3)])
    config = LintConfig(jobs=1, provider="fireworks", select=["FT713"])
    assert lint_path(path, config).diagnostics == []
    # 150 MB of JSONL is too slow for a unit test: lower the threshold below this file's size.
    monkeypatch.setattr(_provider_check, "FIREWORKS_DIRECT_UPLOAD_BYTES", path.stat().st_size - 1)
    found = lint_path(path, config).diagnostics
    assert [(d.code, d.line) for d in found] == [("FT713", None)]


def test_vertex_example_over_131072_tokens(tmp_path):
    long_text = "boot " * 140_000  # about 140,000 o200k tokens
    records = [
        {"contents": [{"role": "user", "parts": [{"text": "Summarise the catalogue."}]},
                      {"role": "model", "parts": [{"text": "Boots and poles."}]}]},
        {"contents": [{"role": "user", "parts": [{"text": long_text}]},
                      {"role": "model", "parts": [{"text": "A list of boots."}]}]},
    ]
    path = _write(tmp_path, "long.jsonl", records)
    found = lint_path(path, LintConfig(jobs=1, provider="vertex", select=["FT724"])).diagnostics
    assert [(d.code, d.line) for d in found] == [("FT724", 2)]
    assert "131,072" in found[0].message


def test_vertex_validation_file_over_5000_examples(tmp_path):
    record = {"contents": [{"role": "user", "parts": [{"text": "Hi"}]}, {"role": "model", "parts": [{"text": "Hello"}]}]}
    train = _write(tmp_path, "train.jsonl", [record])
    for count, expected in ((5_000, []), (5_001, [("FT725", None)])):
        valid = _write(tmp_path, f"valid{count}.jsonl", [record] * count)
        report = lint_path(train, LintConfig(jobs=1, provider="vertex", select=["FT725"]), validation=valid)
        assert [(d.code, d.line) for d in report.diagnostics] == expected
        assert all(d.path == str(valid) for d in report.diagnostics)


def test_bedrock_record_quotas_at_their_edges(tmp_path):
    """AWS's per-model record requirements (FT734): Claude 3 Haiku 32 training records at the
    least, 1,000 validation records at the most; Llama 3.x 10,000 training and validation
    records in all; checked once both files are counted, and reported on the last file."""
    haiku = {"system": "Be brief.", "messages": [{"role": "user", "content": "Return window?"},
                                                  {"role": "assistant", "content": "30 days."}]}
    converse = {"schemaVersion": "bedrock-conversation-2024",
                "messages": [{"role": "user", "content": [{"text": "Hi"}]},
                             {"role": "assistant", "content": [{"text": "Hello"}]}]}

    def found(model, train_count, valid_count, record, **extra):
        train = _write(tmp_path, f"t{train_count}.jsonl", [record] * train_count)
        valid = _write(tmp_path, f"v{valid_count}.jsonl", [record] * valid_count) if valid_count else None
        config = LintConfig(jobs=1, provider="bedrock", model=model, select=["FT734"], **extra)
        report = lint_path(train, config, validation=valid)
        assert all(d.path == str(valid or train) and d.line is None for d in report.diagnostics)
        return [d.message.split(";")[0] for d in report.diagnostics]

    claude = "anthropic.claude-3-haiku-20240307-v1:0:200k"
    assert found(claude, 32, 1_000, haiku, encoding="o200k_base") == []
    assert found(claude, 31, 0, haiku, encoding="o200k_base") == ["31 training records"]
    assert found(claude, 32, 1_001, haiku, encoding="o200k_base") == ["1,001 validation records"]
    assert found(claude, 10_001, 0, haiku, encoding="o200k_base") == ["10,001 training records"]
    llama = "meta.llama3-2-1b-instruct-v1:0:128k"
    assert found(llama, 9_000, 1_000, converse) == []
    assert found(llama, 9_001, 1_000, converse) == ["10,001 training and validation records"]
    assert found(llama, 60, 39, converse) == ["99 training and validation records"]
    assert found("amazon.nova-lite-v1:0:300k", 1, 0, converse, encoding="o200k_base") == []


def test_vertex_and_bedrock_skip_the_openai_record_rules():
    """A Gemini or Bedrock record is not an unknown OpenAI format."""
    codes = {c for _, c, _ in _codes(SAMPLES / "support_chat.jsonl", provider="vertex")}
    assert codes == {"FT721"}
    codes = {c for _, c, _ in _codes(SAMPLES / "support_chat.jsonl", provider="bedrock")}
    assert codes == {"FT732"}  # the system prompt sits inside `messages`


def test_cli_provider_flag_and_json_output(capsys):
    code = main(["lint", "--provider", "together", "--format", "json", str(SAMPLES / "tool_calls.jsonl")])
    data = orjson.loads(capsys.readouterr().out)
    assert data["provider"] == "together"
    assert code == 1  # Together refuses the `parallel_tool_calls` key OpenAI accepts
    errors = [d for d in data["diagnostics"] if d["severity"] == "error"]
    assert {(d["code"], d["pointer"]) for d in errors} == {("FT701", "/parallel_tool_calls")} and len(errors) == 24
    code = main(["lint", "--format", "json", str(SAMPLES / "tool_calls.jsonl")])
    assert orjson.loads(capsys.readouterr().out)["provider"] == "openai"
    assert code == 0


def test_config_provider_and_bad_provider(tmp_path, capsys, monkeypatch):
    data = _write(tmp_path, "train.jsonl", [_chat(i) for i in range(12)])
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ftpreflight.toml").write_text('provider = "vertex"\n', encoding="utf-8")
    code = main(["lint", "--format", "json", str(data)])
    out = orjson.loads(capsys.readouterr().out)
    assert code == 1 and out["provider"] == "vertex"
    assert {d["code"] for d in out["diagnostics"]} == {"FT721"}
    # The flag wins over the file.
    assert main(["lint", "--provider", "openai", str(data)]) == 0
    capsys.readouterr()
    (tmp_path / "ftpreflight.toml").write_text('provider = "mistral"\n', encoding="utf-8")
    code = main(["lint", str(data)])
    err = capsys.readouterr().err
    assert code == 2
    assert "ftpreflight.toml" in err and "provider" in err and "Traceback" not in err


def test_text_summary_names_the_provider_for_its_own_records(tmp_path, capsys):
    record = {"contents": [{"role": "user", "parts": [{"text": "Hi"}]}, {"role": "model", "parts": [{"text": "Hello"}]}]}
    path = _write(tmp_path, "train.vertex.jsonl", [record] * 3)
    assert main(["lint", "--provider", "vertex", str(path)]) == 0
    out = capsys.readouterr().out
    # OpenAI token statistics would say "0 tokens" about a Gemini file: they are not shown.
    assert "3 records for Google Vertex AI (Gemini)" in out and "tokens" not in out


def test_vertex_example_count_limits_text_and_multimodal(tmp_path, monkeypatch):
    from linter import _provider_check

    # A million examples is too slow for a unit test: the same rule with the limits lowered.
    monkeypatch.setattr(_provider_check, "VERTEX_MAX_TEXT_EXAMPLES", 4)
    monkeypatch.setattr(_provider_check, "VERTEX_MAX_MULTIMODAL_EXAMPLES", 2)
    text = {"contents": [{"role": "user", "parts": [{"text": "Hi"}]}, {"role": "model", "parts": [{"text": "Hello"}]}]}
    image = {"contents": [{"role": "user", "parts": [{"text": "Which boot?"}, {"fileData": {
        "mimeType": "image/png", "fileUri": "gs://northwind/boot.png"}}]}, {"role": "model", "parts": [{"text": "Trail 2."}]}]}
    config = LintConfig(jobs=1, provider="vertex", select=["FT726"])
    assert lint_path(_write(tmp_path, "a.jsonl", [text] * 4), config).diagnostics == []
    found = lint_path(_write(tmp_path, "b.jsonl", [text] * 5), config).diagnostics
    assert [(d.code, d.line) for d in found] == [("FT726", None)] and "at most 4" in found[0].message
    found = lint_path(_write(tmp_path, "c.jsonl", [text, text, image]), config).diagnostics
    assert [(d.code, d.line) for d in found] == [("FT726", None)] and "images or files" in found[0].message


def test_a_providers_model_picks_its_profile_unless_one_is_named():
    import pricing
    from tui.config import Settings, resolve_lint_config

    together = pricing.find_model("openai/gpt-oss-20b")
    gemini = pricing.find_model("gemini-2.5-flash")
    assert resolve_lint_config(Settings(), together).provider == "together"
    assert resolve_lint_config(Settings(), gemini).provider == "vertex"
    assert resolve_lint_config(Settings(), together, provider="openai").provider == "openai"  # the flag wins
    assert resolve_lint_config(Settings(provider="fireworks"), together).provider == "fireworks"  # so does the file
    assert resolve_lint_config(Settings(), pricing.find_model("gpt-4o-mini-2024-07-18")).provider == "openai"
