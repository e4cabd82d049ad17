"""Issue 14, cross-provider comparison: ``ftpreflight cost FILE --compare`` on real-shaped
files (chat with tools, DPO), on fixed days around OpenAI's 2027-01-06 training cut-off."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

import pricing
from linter import ENCODINGS, LintConfig, lint_path
from pricing import DatasetTokens, Traffic, compare_models
from tui.cli import main
from tui.commands import cost

BEFORE_CUTOFF = date(2026, 12, 20)  # OpenAI stops taking jobs on 2027-01-06: 17 days left
AFTER_CUTOFF = date(2027, 1, 10)  # closed; gpt-4o/4.1 shut down on 2027-01-14
PROVIDERS = {"openai", "azure_openai", "together", "fireworks", "vertex", "bedrock"}
GROUP = {"ok": 0, "window_closes": 2, "price_unknown": 3, "closed": 4}


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no stray config files


def on(monkeypatch, day: date) -> None:
    monkeypatch.setattr(cost, "today", lambda: day)


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def tools_chat_file(path):
    """Support chat with tools the way exports look: CRLF endings, a blank line, one line
    that is not JSON, parallel tool calls, non-ASCII text and one very long transcript."""
    tools = [{"type": "function", "function": {
        "name": "get_order_status", "description": "Look up an order by id.",
        "parameters": {"type": "object", "properties": {"order_id": {"type": "string"}}, "required": ["order_id"]}}},
        {"type": "function", "function": {
            "name": "check_stock", "description": "Stock for a product and size.",
            "parameters": {"type": "object", "properties": {"sku": {"type": "string"}, "size": {"type": "string"}}}}}]
    lines = []
    for i in range(30):
        call_a, call_b = f"call_{i:04d}a", f"call_{i:04d}b"
        messages = [
            {"role": "system", "content": "Du bist der Support von Nordwind Outfitters. Nutze die Tools."},
            {"role": "user", "content": f"Wo ist Bestellung NW-{48000 + i}, und gibt es die Jacke „Föhn“ in M? 谢谢"},
            {"role": "assistant", "tool_calls": [
                {"id": call_a, "type": "function",
                 "function": {"name": "get_order_status", "arguments": json.dumps({"order_id": f"NW-{48000 + i}"})}},
                {"id": call_b, "type": "function",
                 "function": {"name": "check_stock", "arguments": json.dumps({"sku": "FOEHN-J", "size": "M"})}}]},
            {"role": "tool", "tool_call_id": call_a, "content": json.dumps({"status": "in_transit", "eta": "Do."})},
            {"role": "tool", "tool_call_id": call_b, "content": json.dumps({"in_stock": i % 3 != 0})},
            {"role": "assistant", "content": "Ihre Bestellung ist unterwegs (Ankunft Donnerstag); die Jacke "
                                             + ("ist in M vorrätig." if i % 3 else "ist in M leider ausverkauft.")},
        ]
        if i == 7:  # a pasted log: longer than any 8,192-token limit
            messages[1]["content"] += " Protokoll: " + " ".join(f"ERR{n:05d} timeout at gate {n % 17}"
                                                                  for n in range(2500))
        lines.append(json.dumps({"messages": messages, "tools": tools}, ensure_ascii=False))
    lines.insert(12, "")
    lines.insert(20, '{"messages": [{"role": "user", "content": "cut off mid-line"')
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    return path


def dpo_file(path):
    """Preference pairs with multi-turn inputs, a system prompt and mixed scripts."""
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(40):
            handle.write(json.dumps({
                "input": {"messages": [
                    {"role": "system", "content": "Réponds comme le service client de Nordwind, poliment."},
                    {"role": "user", "content": f"Commande {9000 + i} : le colis est abîmé."},
                    {"role": "assistant", "content": "Je suis désolé ! Pouvez-vous envoyer une photo ?"},
                    {"role": "user", "content": "Voilà la photo. Что дальше?"},
                ]},
                "preferred_output": [{"role": "assistant", "content": "Merci. Un remplacement part demain, "
                                      "et une étiquette de retour gratuite arrive par e-mail."}],
                "non_preferred_output": [{"role": "assistant", "content": "Voir la FAQ."}],
            }, ensure_ascii=False) + "\n")
    return path


def own_count(path, encoding: str, context: int) -> int:
    """What a row priced with ``encoding`` must bill per epoch: the file linted with it."""
    report = lint_path(path, LintConfig(model="gpt-4o-mini-2024-07-18", encoding=encoding, select=["FT101"]))
    records = report.files[0].records
    tokens = records.filter(records["kind"].is_not_null())["tokens"].to_list()
    return sum(min(t, context) for t in tokens)


def compare_json(capsys, path, *extra):
    code, out, err = run_cli(capsys, "cost", str(path), "--compare", "--format", "json", *extra)
    return code, json.loads(out), err


def test_chat_with_tools_is_compared_across_every_provider_with_own_counts(tmp_path, capsys, monkeypatch):
    on(monkeypatch, BEFORE_CUTOFF)
    path = tools_chat_file(tmp_path / "support tools.jsonl")
    code, data, err = compare_json(capsys, path, "--model", "gpt-4o-mini", "--requests-per-month", "20000")
    assert code == 0, err
    rows = data["compare"]
    assert {r["provider"] for r in rows} == PROVIDERS
    book = pricing.default_price_book()
    for row in rows:
        model = book.find_model(row["model"], provider=row["provider"])
        assert "chat" in model.trainable_formats
        assert row["as_of"] == model.as_of.isoformat() and row["source"].startswith("https://")
        if row["status"] not in ("ok", "window_closes"):
            assert row["refused"] and row["job_cost_usd"] is None
            continue
        assert row["method"] == "supervised"
        if model.encoding in ENCODINGS:
            assert row["counted_with"] == model.encoding
            assert row["billed_tokens_per_epoch"] == own_count(path, model.encoding, model.training_context_tokens)
        else:  # its tokenizer is not bundled: counted with another, and said so
            assert row["tokens_exact"] is False
            assert any("not bundled" in m or "names no tokenizer" in m for m in row["marks"])
        if model.encoding == "gemini-estimate":
            assert row["tokens_exact"] is False
        if model.input_usd_per_1m is None:  # no serving price: n/a, not $0 or hosting alone
            assert row["monthly_cost_usd"] is None and row["inference_priced"] is False
            assert "no serving price" in row["marks"]
        else:
            assert Decimal(row["monthly_cost_usd"]) > 0
    # 17 days before OpenAI's cut-off a one-day job still fits: the rows are plain, with the days left.
    openai = [r for r in rows if r["provider"] == "openai" and r["status"] != "closed"]
    assert openai and all(r["status"] == "ok" and r["window_days_left"] == 17 for r in openai)
    # gpt-4o-mini shuts down 2027-01-14; the job is ready 2026-12-21: 24 usable days.
    mini = next(r for r in openai if r["model"] == "gpt-4o-mini-2024-07-18")
    assert (mini["usable_until"], mini["usable_days"], mini["job_done_by"]) == ("2027-01-13", 24, "2026-12-21")


def test_rows_are_sorted_cheapest_first_with_unpriced_and_closed_rows_last(tmp_path, capsys, monkeypatch):
    on(monkeypatch, BEFORE_CUTOFF)
    path = tools_chat_file(tmp_path / "train.jsonl")
    code, data, _ = compare_json(capsys, path, "--model", "gpt-4o-mini", "--requests-per-month", "20000")
    assert code == 0
    rows = data["compare"]
    ranks = [GROUP[r["status"]] + (1 if r["status"] == "ok" and r["monthly_cost_usd"] is None else 0) for r in rows]
    assert ranks == sorted(ranks)
    served = [Decimal(r["monthly_cost_usd"]) for r in rows if r["status"] == "ok" and r["monthly_cost_usd"]]
    assert len(served) >= 5 and served == sorted(served)
    unknown = [r for r in rows if r["status"] == "price_unknown"]
    assert unknown and all("price unknown" in r["marks"] for r in unknown)
    assert rows[-1]["status"] == "closed"  # gpt-3.5-turbo and gpt-4.1-nano shut down 2026-10-23


def test_without_traffic_rows_are_sorted_by_job_cost(tmp_path, capsys, monkeypatch):
    on(monkeypatch, BEFORE_CUTOFF)
    path = tools_chat_file(tmp_path / "train.jsonl")
    code, data, _ = compare_json(capsys, path, "--model", "gpt-4o-mini")
    assert code == 0
    ok = [r for r in data["compare"] if r["status"] == "ok"]
    assert all(r["monthly_cost_usd"] is None for r in ok)
    jobs = [Decimal(r["job_cost_usd"]) for r in ok]
    assert len(jobs) >= 10 and jobs == sorted(jobs)


def test_a_job_that_cannot_finish_before_the_window_closes_is_marked(tmp_path, capsys, monkeypatch):
    on(monkeypatch, BEFORE_CUTOFF)
    path = tools_chat_file(tmp_path / "train.jsonl")
    code, data, _ = compare_json(capsys, path, "--model", "gpt-4o-mini", "--job-days", "18")
    assert code == 0
    rows = data["compare"]
    openai = [r for r in rows if r["provider"] == "openai" and r["status"] != "closed"]
    assert openai and all(r["status"] == "window_closes" for r in openai)
    assert all(any("2027-01-06" in m and "17 days left" in m for m in r["marks"]) for r in openai)
    # Still priced (the money is real if the job is started in time), but after every row that fits.
    assert all(r["job_cost_usd"] for r in openai)
    last_ok = max(i for i, r in enumerate(rows) if r["status"] == "ok")
    assert min(rows.index(r) for r in openai) > last_ok
    azure = next(r for r in rows if r["provider"] == "azure_openai" and r["model"] == "gpt-4.1-2025-04-14")
    assert azure["status"] == "ok" and azure["fine_tuning_ends"] == "2027-04-14"
    # Ready 2027-01-07; Azure gpt-4.1 retires with its shutdown date, usable days count from then.
    shutdown = date.fromisoformat(azure["shutdown"])
    assert azure["usable_days"] == (shutdown - date(2027, 1, 7)).days


def test_after_the_cutoff_the_comparison_still_shows_where_to_go(tmp_path, capsys, monkeypatch):
    """The chosen model is closed: no estimate for it (exit 1), but the comparison is the way out."""
    on(monkeypatch, AFTER_CUTOFF)
    path = tools_chat_file(tmp_path / "train.jsonl")
    code, data, err = compare_json(capsys, path, "--model", "gpt-4o-mini")
    assert code == 1
    assert "stopped accepting fine-tuning jobs" in data["refused"] and "2027-01-06" in data["refused"]
    rows = data["compare"]
    openai = [r for r in rows if r["provider"] == "openai"]
    assert openai and all(r["status"] == "closed" and r["refused"] for r in openai)
    assert rows[-len(openai):] == openai  # closed rows last
    assert rows[0]["status"] == "ok" and rows[0]["provider"] != "openai"
    mini = next(r for r in openai if r["model"] == "gpt-4o-mini-2024-07-18")
    assert mini["window_days_left"] == 0 and mini["usable_days"] == 0  # no job, so nothing to use
    assert mini["lifecycle_source"].startswith("https://")

    code, out, err = run_cli(capsys, "cost", str(path), "--model", "gpt-4o-mini", "--compare")
    assert code == 1
    assert "refusing to plan this job" in err and "Traceback" not in err
    assert "closed: openai stopped accepting fine-tuning jobs for gpt-4o-mini-2024-07-18 on 2027-01-06" in out


def test_text_shows_each_rows_price_date_and_source(tmp_path, capsys, monkeypatch):
    on(monkeypatch, BEFORE_CUTOFF)
    path = tools_chat_file(tmp_path / "train.jsonl")
    code, out, _ = run_cli(capsys, "cost", str(path), "--model", "gpt-4o-mini", "--requests-per-month", "20000",
                           "--compare")
    assert code == 0
    table = out[out.index("Compared ("):]
    sources = dict(line.strip().split(" ", 1) for line in table[table.index("Sources:"):].splitlines()[1:])
    book = pricing.default_price_book()
    for line in table.splitlines():
        name = line.split(" ", 1)[0]
        if "/" not in name or name == "provider/model":
            continue
        provider, model_id = name.split("/", 1)
        model = book.find_model(model_id, provider=provider)
        assert model.as_of.isoformat() in line
        assert sources[line.rsplit(" ", 1)[1]] == model.row_source
    assert "openai/gpt-4o-mini-2024-07-18" in table and "azure_openai/gpt-4.1-2025-04-14" in table


def test_dpo_compares_only_models_that_train_dpo_with_the_dpo_limit(tmp_path, capsys, monkeypatch):
    on(monkeypatch, BEFORE_CUTOFF)
    path = dpo_file(tmp_path / "prefs.jsonl")
    code, data, err = compare_json(capsys, path, "--model", "gpt-4.1-mini")
    assert code == 0, err
    assert data["method"] == "dpo"
    book = pricing.default_price_book()
    dpo_models = {(m.provider, m.id) for m in book.models() if "dpo" in m.methods and "preference" in m.data_formats}
    rows = data["compare"]
    assert {(r["provider"], r["model"]) for r in rows} == dpo_models
    assert len({r["provider"] for r in rows}) >= 2
    for row in rows:
        if row["status"] != "ok":
            continue
        assert row["method"] == "dpo"
        model = book.find_model(row["model"], provider=row["provider"])
        if model.encoding in ENCODINGS:
            assert row["billed_tokens_per_epoch"] == own_count(path, model.encoding, model.context_for("dpo"))
        price = model.training_price_per_1m("dpo")
        assert Decimal(row["training_cost_usd"]) == row["training_tokens"] * price / Decimal(1_000_000)


def test_bad_job_days_is_a_usage_error(tmp_path, capsys, monkeypatch):
    on(monkeypatch, BEFORE_CUTOFF)
    path = dpo_file(tmp_path / "prefs.jsonl")
    code, out, err = run_cli(capsys, "cost", str(path), "--compare", "--job-days", "400")
    assert code == 2 and out == ""
    assert "--job-days" in err and "Traceback" not in err
    with pytest.raises(SystemExit) as exit_info:
        main(["cost", str(path), "--compare", "--job-days", "soon"])
    assert exit_info.value.code == 2 and "not a whole number" in capsys.readouterr().err


# --- the library: deadline arithmetic on its edges -------------------------------------------


def flat(examples: int, tokens: int) -> DatasetTokens:
    return DatasetTokens.from_counts([tokens] * examples, [tokens // 2] * examples, [tokens // 4] * examples,
                                     encoding="o200k_base")


@pytest.mark.parametrize(("job_days", "status", "usable"), [
    (16, "ok", 9),  # ready 2027-01-05, the last day jobs are taken
    (17, "window_closes", 8),  # ready 2027-01-06, the day the window closes
    (25, "window_closes", 0),  # ready on the shutdown day: never usable
])
def test_window_mark_edges(job_days, status, usable):
    mini = pricing.find_model("openai/gpt-4o-mini")
    [row] = compare_models([mini], flat(50, 400), today=BEFORE_CUTOFF, job_days=job_days)
    assert (row.status, row.usable_days, row.window_days_left) == (status, usable, 17)
    assert bool(row.marks) == (status != "ok")
    if job_days == 25:
        assert any("shuts down 2027-01-14" in m for m in row.marks)


def test_a_count_from_another_tokenizer_is_marked_as_such():
    llama = pricing.DatasetTokens.from_counts([500] * 20, encoding="o200k_base")
    models = [m for m in pricing.default_price_book().models("together") if m.encoding == "llama3"]
    rows = compare_models(models, llama, today=BEFORE_CUTOFF, epochs=1, datasets={})
    assert rows and all(not r.counts_exact and r.counted_with == "o200k_base" for r in rows)
    assert all(any("llama3" in m for m in r.marks) for r in rows)
    exact = compare_models(models, llama, today=BEFORE_CUTOFF, epochs=1,
                           datasets={"llama3": DatasetTokens.from_counts([450] * 20, encoding="llama3")})
    assert all(r.counts_exact and r.estimate.billed_tokens_per_epoch == 9000 for r in exact)
    estimated = compare_models(models, llama, today=BEFORE_CUTOFF, epochs=1, datasets={
        "llama3": DatasetTokens.from_counts([450] * 20, encoding="llama3", count_method="estimate: a stand-in")})
    assert all(not r.counts_exact and "token count estimated (llama3)" in r.marks for r in estimated)


def test_comparison_json_has_the_documented_keys():
    mini = pricing.find_model("openai/gpt-4o-mini")
    [row] = compare_models([mini], flat(50, 400), today=BEFORE_CUTOFF, traffic=Traffic(1000))
    data = row.to_dict()
    assert set(data) == {
        "provider", "model", "status", "marks", "refused", "method", "encoding", "counted_with", "tokens_exact",
        "billed_tokens_per_epoch", "epochs", "training_tokens", "training_cost_usd", "job_cost_usd",
        "inference_priced", "monthly_cost_usd", "hosting_cost_usd", "cost_per_1000_requests_usd",
        "fine_tuning_ends", "window_days_left", "job_done_by", "shutdown", "usable_until", "usable_days",
        "as_of", "source", "lifecycle_source", "price_status", "origin", "warnings"}
    assert isinstance(data["job_cost_usd"], str) and isinstance(data["monthly_cost_usd"], str)


# -- counting every other encoding in one pass ----------------------------------------------------

SAMPLES = __import__("pathlib").Path(__file__).resolve().parent.parent / "sample_data"
_EVERY_SHAPE = ("support_chat.jsonl", "tool_calls.jsonl", "messy.jsonl", "preference_dpo.jsonl",
                "messy_preference.jsonl", "completion_legacy.jsonl", "messy_completion.jsonl",
                "reinforcement.jsonl", "bom.jsonl", "invalid_utf8.jsonl")


@pytest.mark.parametrize("name", _EVERY_SHAPE)
def test_one_counting_pass_gives_each_encoding_the_lints_counts(name):
    """What `cost --compare` prices with each other tokenizer is what a lint with that
    tokenizer counts, example for example, on files of every shape (messy ones included)."""
    from linter import count_examples
    from tui.tokens import dataset_tokens

    path = SAMPLES / name
    config = LintConfig(jobs=1)
    found = count_examples(path, ENCODINGS, config)
    for encoding in ENCODINGS:
        report = lint_path(path, config.model_copy(update={"encoding": encoding, "select": ["FT101"]}))
        expected = dataset_tokens(report.files[0])
        got = found[encoding]
        assert got.tokens.tolist() == list(expected.tokens), encoding
        assert got.prompt_tokens.tolist() == list(expected.prompt_tokens), encoding
        assert got.completion_tokens.tolist() == list(expected.completion_tokens), encoding
        assert (got.count_method, got.exact) == (expected.count_method, expected.exact)


def test_counting_in_worker_processes_equals_counting_here(tmp_path):
    """A file big enough for the worker pool (several chunks) counts the same in parallel."""
    from linter import count_examples

    lines = (SAMPLES / "tool_calls.jsonl").read_bytes().splitlines() + \
        (SAMPLES / "support_chat.jsonl").read_bytes().splitlines()
    path = tmp_path / "big.jsonl"
    with open(path, "wb") as handle:
        while handle.tell() < 5 * 1024 * 1024:
            handle.write(b"\n".join(lines) + b"\n")
    encodings = ["llama3", "qwen2"]
    here = count_examples(path, encodings, LintConfig(jobs=1))
    pool = count_examples(path, encodings, LintConfig(jobs=2))
    for encoding in encodings:
        assert len(here[encoding].tokens) > 4_000
        assert pool[encoding].tokens.tolist() == here[encoding].tokens.tolist()
        assert pool[encoding].completion_tokens.tolist() == here[encoding].completion_tokens.tolist()


def test_when_the_counting_pass_cannot_read_the_file_each_encoding_is_linted(monkeypatch):
    import tui.tokens as tokens

    def unreadable(*args, **kwargs):
        raise OSError("gone")

    calls = []

    def recording_lint(path, config):
        calls.append(config.encoding)
        return lint_path(path, config)

    monkeypatch.setattr(tokens, "count_examples", unreadable)
    path = SAMPLES / "support_chat.jsonl"
    config = LintConfig(jobs=1)
    counted = tokens.dataset_tokens(lint_path(path, config).files[0])
    from types import SimpleNamespace

    models = [SimpleNamespace(encoding="llama3"), SimpleNamespace(encoding="qwen2"), SimpleNamespace(encoding="qwen2")]
    out = tokens.tokens_by_encoding(str(path), models, config, counted, lint=recording_lint)
    assert sorted(calls) == ["llama3", "qwen2"]
    assert sorted(out) == sorted({counted.encoding, "llama3", "qwen2"})
