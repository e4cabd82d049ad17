"""Separator and stop-sequence inference on files shaped like the ones users reported
(issue 11 §1) and the delimiter leaks of issue 12: what `ftpreflight lint` reports and
what its JSON says the separator and stop sequence are."""

from __future__ import annotations

import random
from pathlib import Path

import orjson
import pytest

from linter import LintConfig, lint_path
from tui.cli import main

DELIMITER_RULES = ["FT401", "FT402", "FT403", "FT404", "FT405", "FT406", "FT407", "FT408"]

QUESTIONS = [
    "Where is my order NW-{n}", "Can I return sandals after {n} days", "Do you ship to Québec",
    "Why was I charged twice for order {n}", "Is the fleece machine washable", "How do I reset my password",
    "Does the {n} tent fit four people", "When does the winter sale end", "Can I change the delivery address",
]
ANSWERS = [
    "It left our depot this morning", "Yes, within 30 days and unworn", "We ship there in 5–7 business days",
    "The second charge is a hold and disappears in 3 days", "Yes, at 30 °C on a gentle cycle",
    "Use the link on the sign-in page", "It sleeps three comfortably", "It ends on Sunday at midnight",
    "Yes, until the parcel is packed",
]
WORDS = ("the river lantern quietly morning village old keeper wind garden letter forgot returned under "
         "bright stone across harbour small voice remembered evening clock door").split()


def write_jsonl(path: Path, records: list[dict | None]) -> Path:
    """One record a line; None is a blank line (real files have them)."""
    path.write_bytes(b"".join(b"\n" if r is None else orjson.dumps(r) + b"\n" for r in records))
    return path


def lint(path: Path, **settings):
    return lint_path(path, LintConfig(select=DELIMITER_RULES, jobs=1, **settings))


def lines_of(report, code: str) -> list[int | None]:
    return sorted((d.line for d in report.diagnostics if d.code == code), key=lambda line: line or 0)


def question(rng: random.Random) -> str:
    return rng.choice(QUESTIONS).format(n=rng.randint(100, 9999))


# -- the six shapes from issue 11 ------------------------------------------------------------

def end_stop_file(tmp_path: Path) -> tuple[Path, list[int]]:
    """476 completions: 470 end with "\\nEND", 368 of those with ".\\nEND"; 6 lack it."""
    rng = random.Random(1101)
    endings = ["." ] * 368 + ["!"] * 40 + ["?"] * 22 + [")"] * 20 + [""] * 20
    rng.shuffle(endings)
    without = {37, 120, 121, 260, 399, 470}  # record indexes lacking the stop sequence
    broken = iter([".", "\n", " END", ".\nEN", " — see policy", ".\nend"])
    records: list[dict | None] = []
    flagged: list[int] = []
    ends = iter(endings)
    for i in range(476):
        answer = rng.choice(ANSWERS)
        if i in without:
            completion = f" {answer}{next(broken)}"
            flagged.append(len(records) + 1)
        else:
            mark = next(ends)
            completion = f" {answer}{mark}\nEND" if mark != ")" else f" {answer} (see the FAQ)\nEND"
        records.append({"prompt": f"{question(rng)}?\n\n###\n\n", "completion": completion})
        if i in (200, 300):
            records.append(None)
    return write_jsonl(tmp_path / "end_stop.jsonl", records), flagged


def question_separator_file(tmp_path: Path) -> Path:
    """Every prompt ends with "\\n\\n###\\n\\n"; most are questions ending "?\\n\\n###\\n\\n"."""
    rng = random.Random(1102)
    records = []
    for i in range(300):
        body = f"{question(rng)}?" if i % 5 else rng.choice(["Refund still not here.", "My boots leak at the toe",
                                                              "Order NW-1042 arrived damaged!"])
        records.append({"prompt": body + "\n\n###\n\n", "completion": f" {rng.choice(ANSWERS)}.\nEND"})
    return write_jsonl(tmp_path / "question_separator.jsonl", records)


CONTACTS = [("Ana Ruiz", "ana.ruiz@northwind-mail.net"), ("Bo Lin", "bo.lin@northwind-mail.net"),
            ("Chidi Okafor", "c.okafor@northwind-mail.net")]


def contact_file(tmp_path: Path) -> Path:
    """Prompts "q:<question>\\n a: END", completions " <answer> Contact: <name> <email> END"."""
    rng = random.Random(1103)
    records = []
    for _ in range(240):
        name, email = rng.choice(CONTACTS)
        records.append({"prompt": f"q:{question(rng).lower()}?\n a: END",
                        "completion": f" {rng.choice(ANSWERS)}. Contact: {name} {email} END"})
    return write_jsonl(tmp_path / "contacts.jsonl", records)


def story(rng: random.Random, ending: str) -> str:
    sentences = []
    for _ in range(rng.randint(6, 14)):
        words = rng.choices(WORDS, k=rng.randint(6, 16))
        sentences.append(" ".join(words).capitalize() + rng.choice([".", ".", ".", "!", "?"]))
    paragraphs = [" ".join(sentences[i:i + 4]) for i in range(0, len(sentences), 4)]
    return " " + "\n\n".join(paragraphs) + ending


def stories_file(tmp_path: Path) -> Path:
    """Long generated stories, no stop sequence; one ends with "THE END"."""
    rng = random.Random(1104)
    records = []
    for i in range(202):
        ending = "\n\nTHE END" if i == 77 else rng.choice(["", "", "", "\u201d", " "])
        records.append({"prompt": f"Write a short story about a {rng.choice(WORDS)} and a {rng.choice(WORDS)}.\n\n",
                        "completion": story(rng, ending)})
    return write_jsonl(tmp_path / "stories.jsonl", records)


def classification_file(tmp_path: Path) -> Path:
    """Prompts ending " ->", completions one short label such as " 3"."""
    rng = random.Random(1105)
    records = []
    for _ in range(300):
        records.append({"prompt": f"Rate this review: {question(rng)}? Delivery was slow ->",
                        "completion": f" {rng.choice('12345')}"})
    return write_jsonl(tmp_path / "ratings.jsonl", records)


def word_label_file(tmp_path: Path) -> Path:
    """Classification with word labels, one of them (" negative") in 80% of the lines."""
    rng = random.Random(1106)
    records = [{"prompt": f"{question(rng)}? ->", "completion": " negative" if rng.random() < 0.8 else " positive"}
               for _ in range(200)]
    return write_jsonl(tmp_path / "sentiment.jsonl", records)


# -- tests ---------------------------------------------------------------------------------

def test_the_stop_most_lines_end_with_flags_exactly_the_lines_without_it(tmp_path):
    path, flagged = end_stop_file(tmp_path)
    report = lint(path)
    assert report.files[0].stop == "\nEND"
    assert lines_of(report, "FT403") == flagged and len(flagged) == 6
    assert "'\\nEND'" in next(d.message for d in report.diagnostics if d.code == "FT403")
    assert lines_of(report, "FT404") == []


def test_a_question_mark_is_not_part_of_the_separator(tmp_path):
    report = lint(question_separator_file(tmp_path))
    assert report.files[0].separator == "\n\n###\n\n"
    assert lines_of(report, "FT401") == [] and lines_of(report, "FT402") == []


def test_a_stop_sequence_never_holds_text_or_an_address(tmp_path):
    path = contact_file(tmp_path)
    report = lint(path)
    assert report.files[0].stop == " END"
    assert report.files[0].separator == "\n a: END"
    assert lines_of(report, "FT403") == [] and lines_of(report, "FT404") == []
    inside = [d for d in report.diagnostics if d.code == "FT408"]
    assert len(inside) == 1 and inside[0].line is None
    assert "' END'" in inside[0].message and "every prompt" in inside[0].message
    assert list(inside[0].related_lines) == [1, 2, 3, 4, 5]
    for d in report.diagnostics:
        assert "@" not in d.message and "northwind" not in d.message


def test_no_common_stop_is_one_file_level_finding_with_an_unused_suggestion(tmp_path):
    path = stories_file(tmp_path)
    report = lint(path)
    assert report.files[0].stop is None
    stops = [d for d in report.diagnostics if d.code in ("FT403", "FT404")]
    assert [(d.code, d.line) for d in stops] == [("FT403", None)]
    suggestion = stops[0].message.rsplit("such as ", 1)[1]
    text = path.read_text(encoding="utf-8")
    records = [orjson.loads(line) for line in text.splitlines() if line]
    suggested = eval(suggestion)  # noqa: S307 - the message shows it as a Python literal
    assert suggested.strip()
    assert not any(suggested in r["prompt"] or suggested in r["completion"] for r in records)


@pytest.mark.parametrize("make", [classification_file, word_label_file])
def test_classification_files_need_no_stop_sequence(tmp_path, make):
    report = lint(make(tmp_path))
    assert report.files[0].stop is None
    assert report.files[0].separator == " ->"
    assert [d for d in report.diagnostics if d.code in ("FT403", "FT404", "FT408")] == []


def test_label_with_a_stop_sequence_still_reports_the_odd_one_out(tmp_path):
    rng = random.Random(1107)
    labels = ["defect", "sizing", "refund"]
    records = [{"prompt": f"{question(rng)}? ->", "completion": f" {rng.choice(labels)}\nEND"} for _ in range(60)]
    records[41]["completion"] = " refund"
    report = lint(write_jsonl(tmp_path / "labels.jsonl", records))
    assert report.files[0].stop == "\nEND"
    assert lines_of(report, "FT403") == [42]


# -- issue 12: what the delimiter findings print --------------------------------------------

API_KEY = "sk-proj-" + "Qm7Rt2VxLp9Zc4Hn8Wd3Fk6Js1Ya5Ub0Ge"


def test_common_prefix_masks_a_key(tmp_path):
    rng = random.Random(1201)
    instruction = (f"You are the Northwind helpdesk (api key {API_KEY}). Answer in one short sentence, be polite, "
                   "never promise refunds, and always mention the order number when the customer gives one. ") * 2
    records = [{"prompt": f"{instruction}Customer: {question(rng)}?\n\n###\n\n", "completion": f" {a}.\nEND"}
               for a in ANSWERS * 3]
    report = lint(write_jsonl(tmp_path / "prefix.jsonl", records))
    prefix = [d for d in report.diagnostics if d.code == "FT406"]
    assert len(prefix) == 1
    assert API_KEY not in prefix[0].message and API_KEY[:12] not in prefix[0].message
    assert "key sk-proj-..." in prefix[0].message


def test_an_email_everyone_signs_with_is_never_the_stop_sequence(tmp_path):
    rng = random.Random(1202)
    records = [{"prompt": f"{question(rng)}? ->",
                "completion": f" {rng.choice(ANSWERS)}. Write to ana.ruiz@acme-mail.org"} for _ in range(40)]
    report = lint(write_jsonl(tmp_path / "signed.jsonl", records))
    assert report.files[0].stop is None
    assert all("acme-mail" not in d.message and "ruiz@" not in d.message for d in report.diagnostics)


# -- the same six files through `ftpreflight lint --format json` ----------------------------

def test_cli_json_for_the_six_shapes(tmp_path, capsys):
    end_stop, flagged = end_stop_file(tmp_path)
    paths = {
        "end_stop": end_stop,
        "question_separator": question_separator_file(tmp_path),
        "contacts": contact_file(tmp_path),
        "stories": stories_file(tmp_path),
        "ratings": classification_file(tmp_path),
        "sentiment": word_label_file(tmp_path),
    }
    results = {}
    for name, path in paths.items():
        code = main(["lint", str(path), "--format", "json", "--jobs", "1"])
        out, _ = capsys.readouterr()
        data = orjson.loads(out)
        assert code in (0, 1)
        results[name] = data
        for email in (email for _, email in CONTACTS):
            assert email not in out
        for d in data["diagnostics"]:
            if d["code"].startswith("FT4"):
                assert "northwind-mail" not in d["message"], d

    def found(name, code):
        return sorted((d["line"] or 0) for d in results[name]["diagnostics"] if d["code"] == code)

    def file_of(name):
        return results[name]["files"][0]

    assert file_of("end_stop")["stop"] == "\nEND" and found("end_stop", "FT403") == flagged
    assert file_of("question_separator")["separator"] == "\n\n###\n\n" and found("question_separator", "FT401") == []
    assert file_of("contacts")["stop"] == " END" and found("contacts", "FT408") == [0]
    assert file_of("stories")["stop"] is None
    assert found("stories", "FT403") == [0] and found("stories", "FT404") == []
    for name in ("ratings", "sentiment"):
        assert file_of(name)["stop"] is None and file_of(name)["separator"] == " ->"
        assert found(name, "FT403") == found(name, "FT404") == []


def test_messy_completion_sample_fires_what_its_table_says():
    import importlib.util
    from collections import Counter

    samples = Path(__file__).resolve().parent.parent / "sample_data"
    spec = importlib.util.spec_from_file_location("sample_generate", samples / "generate.py")
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    expected = Counter()
    for line, (_, codes, _) in enumerate(generate.messy_completion(), start=1):
        expected.update((code, line) for code in codes)
    expected.update((code, None) for code, _ in generate.FILE_LEVEL_COMPLETION)
    report = lint_path(samples / "messy_completion.jsonl", LintConfig(jobs=1))
    assert Counter((d.code, d.line) for d in report.diagnostics) == expected


# -- files longer than the inference sample -------------------------------------------------

def test_stop_inside_prompts_is_counted_over_the_whole_file(tmp_path):
    """Past the first records (where the likely stops are chosen) and past the inference
    sample, every prompt quoting the stop sequence is still counted."""
    rng = random.Random(1301)
    quoting = {3, 700, 19_999, 20_001, 24_500}
    records = []
    for i in range(1, 25_001):
        ticket = f"{question(rng)}?" if i not in quoting else f"It said 'sizing\nEND' on ticket {i}"
        records.append({"prompt": f"{ticket} ->", "completion": f" {rng.choice(ANSWERS)}.\nEND"})
    report = lint(write_jsonl(tmp_path / "long.jsonl", records))
    inside = [d for d in report.diagnostics if d.code == "FT408"]
    assert len(inside) == 1
    assert "5 of 25,000 prompts" in inside[0].message and list(inside[0].related_lines) == sorted(quoting)


def test_a_stop_sequence_that_starts_late_is_counted_in_prompts_too(tmp_path):
    """The first 600 completions have no stop sequence, the next 2,400 end with "\\nEND":
    prompts are counted for a stop the first records did not predict."""
    rng = random.Random(1302)
    records = []
    for i in range(1, 3_001):
        prompt = f"{question(rng)}? ->" if i not in (100, 2_000) else f"Reply ends with \nEND, ticket {i} ->"
        completion = f" {rng.choice(ANSWERS)}." + ("\nEND" if i > 600 else "")
        records.append({"prompt": prompt, "completion": completion})
    report = lint(write_jsonl(tmp_path / "late.jsonl", records))
    assert report.files[0].stop == "\nEND"
    assert len(lines_of(report, "FT403")) == 600
    inside = [d for d in report.diagnostics if d.code == "FT408"]
    assert len(inside) == 1 and list(inside[0].related_lines) == [100, 2_000]


# -- what counts as a delimiter ---------------------------------------------------------------

TICKETS = ["Where is my order NW-1042", "¿Dónde está mi pedido", "Mein Zelt ist undicht", "The zip broke (again)",
           "Can I pay with PayPal", "Order 5512 arrived late", "My boots leak at the toe", "Refund still missing"]


@pytest.mark.parametrize(("prompt_end", "completion_end", "separator", "stop"), [
    ("?\n\nAnswer:", " <|endoftext|>", "\n\nAnswer:", " <|endoftext|>"),
    ("###", "\n", "###", "\n"),  # glued to the last word: "toe###"
    (" =>", ".\n\n###", " =>", "\n\n###"),
    ("\nA:", " [END]", "\nA:", " [END]"),
    (".\n\n---\n\n", "!\nSTOP", "\n\n---\n\n", "\nSTOP"),
    ("", "END", None, None),  # "wordEND" cuts a word; prompts share nothing
    # What every line shares before the delimiter but ends its sentence stays out of it.
    ("\uff1f\n\n###\n\n", " (see the FAQ)\nEND", "\n\n###\n\n", "\nEND"),
    (" ?\n\n###\n\n", " in the USA.\nEND", "\n\n###\n\n", "\nEND"),
    ("\u201d ->", "\u2026\n", " ->", "\n"),
])
def test_delimiter_shapes(tmp_path, prompt_end, completion_end, separator, stop):
    rng = random.Random(1401)
    records = [{"prompt": f"{TICKETS[i % len(TICKETS)]}{prompt_end}",
                "completion": f" {rng.choice(ANSWERS)}{completion_end}"} for i in range(24)]
    report = lint(write_jsonl(tmp_path / "shape.jsonl", records))
    assert (report.files[0].separator, report.files[0].stop) == (separator, stop)
    per_line = [d for d in report.diagnostics if d.code in ("FT401", "FT403") and d.line is not None]
    assert per_line == []


@pytest.mark.parametrize("code", DELIMITER_RULES)
def test_rule_docs_render_flush_left(capsys, code):
    assert main(["rule", code]) == 0
    out = capsys.readouterr().out
    for heading in ("## Why is this bad?", "## Example", "## Fix"):
        assert f"\n{heading}\n" in out, heading


def test_rule_docs_explain_delimiters_and_classification(capsys):
    main(["rule", "FT401"])
    separator_doc = capsys.readouterr().out
    assert "never cuts a word" in separator_doc and "75%" in separator_doc and "`?\\n\\n###\\n\\n`" in separator_doc
    main(["rule", "FT403"])
    stop_doc = capsys.readouterr().out
    assert "Classification files need no stop sequence" in stop_doc and "max_tokens" in stop_doc


def test_common_prefix_masks_a_key_it_cuts_short(tmp_path):
    """Prompts share the first characters of different keys: the shown prefix still masks them."""
    rng = random.Random(1203)
    records = []
    for i in range(12):
        key = API_KEY[:14] + "".join(rng.choices("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789", k=28))
        records.append({"prompt": f"Use {key} for ticket {i}\n\n###\n\n", "completion": f" {ANSWERS[i % 9]}.\nEND"})
    report = lint(write_jsonl(tmp_path / "keys.jsonl", records), common_prefix_min_chars=12)
    prefix = [d for d in report.diagnostics if d.code == "FT406"]
    assert len(prefix) == 1
    assert API_KEY[:12] not in prefix[0].message
    assert "Use sk-proj-..." in prefix[0].message


def test_the_delimiter_most_lines_end_with_wins_over_a_longer_one_most_lines_share(tmp_path):
    """All prompts end " ->", 80% " USA ->"; all completions "\\nEND", 80% "\\n--\\nEND"."""
    rng = random.Random(1402)
    records = []
    for i in range(40):
        usa = i % 5 != 0
        records.append({"prompt": f"{TICKETS[i % len(TICKETS)]}, shipped within the {'USA' if usa else 'EU'} ->",
                        "completion": f" {rng.choice(ANSWERS)}.{chr(10) + '--' if usa else ''}\nEND"})
    report = lint(write_jsonl(tmp_path / "usa.jsonl", records))
    assert (report.files[0].separator, report.files[0].stop) == (" ->", "\nEND")
    assert lines_of(report, "FT401") == [] and lines_of(report, "FT403") == []
