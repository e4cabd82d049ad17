"""The lint engine: streaming, parallel workers, observers, bad input."""

from __future__ import annotations

import hashlib
import os
import random

import orjson
import pytest

import linter._engine as engine
from linter import LintCancelled, LintConfig, LintObserver, Severity, lint_path

SYSTEM = "You are Northwind's support assistant. Be brief and polite."


def _chat(i: int, answer: str | None = None) -> dict:
    return {"messages": [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": f"Question number {i}: where is order {1000 + i} and when does it arrive?"},
        {"role": "assistant", "content": answer or f"Order {1000 + i} ships in {i % 7 + 1} days from our depot."},
    ]}


def _write(path, records, extra_lines=()):
    lines = [orjson.dumps(r) for r in records]
    for index, raw in extra_lines:
        lines.insert(index, raw)
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _big_dataset(tmp_path):
    rng = random.Random(3)
    records = [_chat(i, " ".join(rng.choice(["alpha", "beta", "gamma", "delta", "omega"]) for _ in range(30)) + f" {i}")
               for i in range(3000)]
    extra = [(10, b"{not json"), (1500, b""), (2200, orjson.dumps(records[5])), (2999, b"[1, 2]")]
    return _write(tmp_path / "big.jsonl", records, extra)


def test_parallel_and_serial_lints_agree(tmp_path, monkeypatch):
    path = _big_dataset(tmp_path)
    serial = lint_path(path, LintConfig(jobs=1))
    monkeypatch.setattr(engine, "_PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(engine, "_CHUNK_BYTES", 64 * 1024)
    parallel = lint_path(path, LintConfig(jobs=2))
    assert parallel.diagnostics == serial.diagnostics
    assert parallel.files[0].records.equals(serial.files[0].records)
    assert parallel.files[0].tokens == serial.files[0].tokens
    # Line numbers stay right across chunk boundaries: the duplicate of record 5 sits
    # on line 2201 (inserted at index 2200) and points at line 6.
    dup = [d for d in parallel.diagnostics if d.code == "FT301"]
    assert [(d.line, d.related_lines) for d in dup] == [(2201, (6,))]
    assert [d.line for d in parallel.diagnostics if d.code == "FT101"] == [11]
    assert [d.line for d in parallel.diagnostics if d.code == "FT102"] == [3000]


def test_input_file_is_never_modified(tmp_path):
    path = _big_dataset(tmp_path)
    before = _sha(path)
    lint_path(path, LintConfig(jobs=1))
    assert _sha(path) == before


class Recorder(LintObserver):
    def __init__(self, cancel_after: int | None = None):
        self.rows: list[tuple] = []
        self.progress: list[int] = []
        self.cancel_after = cancel_after

    def on_records(self, path, rows):
        self.rows.extend(rows)

    def on_progress(self, path, done, total):
        self.progress.append(done)

    def is_cancelled(self):
        return self.cancel_after is not None and len(self.progress) >= self.cancel_after


def test_observer_sees_rows_in_order_and_progress(tmp_path, monkeypatch):
    path = _big_dataset(tmp_path)
    monkeypatch.setattr(engine, "_CHUNK_BYTES", 32 * 1024)
    recorder = Recorder()
    report = lint_path(path, LintConfig(jobs=1), recorder)
    assert [r[0] for r in recorder.rows] == report.files[0].records["line"].to_list()
    assert recorder.progress == sorted(recorder.progress) and recorder.progress[-1] == path.stat().st_size
    assert len(recorder.progress) > 5


def test_cancellation_stops_the_lint(tmp_path, monkeypatch):
    path = _big_dataset(tmp_path)
    monkeypatch.setattr(engine, "_CHUNK_BYTES", 32 * 1024)
    recorder = Recorder(cancel_after=2)
    with pytest.raises(LintCancelled):
        lint_path(path, LintConfig(jobs=1), recorder)
    assert len(recorder.progress) == 2


def test_cancellation_stops_worker_processes(tmp_path, monkeypatch):
    path = _big_dataset(tmp_path)
    monkeypatch.setattr(engine, "_PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(engine, "_CHUNK_BYTES", 32 * 1024)
    with pytest.raises(LintCancelled):
        lint_path(path, LintConfig(jobs=2), Recorder(cancel_after=1))


def test_token_stats(tmp_path):
    path = _write(tmp_path / "d.jsonl", [_chat(i) for i in range(20)])
    report = lint_path(path, LintConfig(jobs=1))
    f = report.files[0]
    tokens = f.records["tokens"].to_list()
    assert f.tokens.total == sum(tokens)
    assert f.tokens.max_example == max(tokens)
    assert f.tokens.p50 == sorted(tokens)[9] or f.tokens.p50 == sorted(tokens)[10]
    assert 0 < f.tokens.trained < f.tokens.total
    assert f.format == "chat" and f.examples == 20


# -- bad input ------------------------------------------------------------------------------

def _codes(report):
    return [(d.code, d.line) for d in report.diagnostics]


@pytest.mark.parametrize(("content", "why"), [
    (b"\x1f\x8b\x08\x00\x00\x00\x00\x00" + os.urandom(200), "gzip"),
    (b"PK\x03\x04" + os.urandom(200), "zip"),
    (b"\x00\x01\x02\x03" * 100, "binary"),
    (b"\xff\xfe{\x00}\x00", "UTF-16"),
])
def test_binary_files_are_unreadable_not_crashes(tmp_path, content, why):
    path = tmp_path / "x.jsonl"
    path.write_bytes(content)
    report = lint_path(path, LintConfig(jobs=1))
    assert [d.code for d in report.diagnostics] == ["FT100"]
    assert why.lower() in report.diagnostics[0].message.lower()


def test_missing_file_and_directory(tmp_path):
    assert [d.code for d in lint_path(tmp_path / "nope.jsonl").diagnostics] == ["FT100"]
    assert "not found" in lint_path(tmp_path / "nope.jsonl").diagnostics[0].message
    assert [d.code for d in lint_path(tmp_path).diagnostics] == ["FT100"]


def test_empty_file(tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"")
    report = lint_path(path, LintConfig(jobs=1))
    assert _codes(report) == [("FT201", None)]


def test_truncated_last_line_is_named(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_bytes(orjson.dumps(_chat(1)) + b"\n" + orjson.dumps(_chat(2))[:-20])
    report = lint_path(path, LintConfig(jobs=1, select=["FT101"]))
    [d] = report.diagnostics
    assert d.line == 2 and "truncated" in d.message


def test_deeply_nested_json(tmp_path):
    path = tmp_path / "deep.jsonl"
    deep = b"[" * 5000 + b"]" * 5000
    nested_obj = b'{"messages": ' + b'{"a": ' * 3000 + b"1" + b"}" * 3000 + b"}"
    path.write_bytes(orjson.dumps(_chat(1)) + b"\n" + deep + b"\n" + nested_obj + b"\n")
    report = lint_path(path, LintConfig(jobs=1))
    by_line = {d.line: d.code for d in report.diagnostics if d.line}
    assert by_line[2] == "FT101"
    assert by_line[3] in ("FT101", "FT108")


def test_wrong_types_everywhere(tmp_path):
    weird = [
        {"messages": None}, {"messages": "hi"}, {"messages": [1, "two", None, []]},
        {"messages": [{"role": 5, "content": {"a": 1}}]},
        {"messages": [{"role": "user", "content": [None, 1, {"type": 3}]}]},
        {"messages": [{"role": "assistant", "content": "x", "tool_calls": "nope", "weight": "1"}]},
        {"messages": [{"role": "assistant", "tool_calls": [{"function": []}, 7]}], "tools": {"x": 1}},
        {"prompt": 1, "completion": None}, {"input": [], "preferred_output": {}, "non_preferred_output": 3},
        {"input": {"messages": 7}, "preferred_output": [1], "non_preferred_output": [{"role": 1}]},
        {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": 5}]}]},
        {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:image/png;base64,@@@"}}]}]},
    ]
    path = _write(tmp_path / "weird.jsonl", weird)
    report = lint_path(path, LintConfig(jobs=1))
    lines_with_errors = {d.line for d in report.diagnostics if d.severity == Severity.ERROR and d.line}
    assert lines_with_errors == set(range(1, len(weird) + 1))


@pytest.mark.slow
def test_a_100_mb_single_line(tmp_path):
    words = ("refund order jacket size delivery " * 8).encode()
    body = words * (100 * 1024 * 1024 // len(words))
    path = tmp_path / "huge.jsonl"
    with open(path, "wb") as handle:
        handle.write(orjson.dumps(_chat(1)) + b"\n")
        handle.write(b'{"messages": [{"role": "user", "content": "')
        handle.write(body)
        handle.write(b'"}, {"role": "assistant", "content": "ok"}]}\n')
    assert path.stat().st_size > 100 * 1024 * 1024
    report = lint_path(path, LintConfig(jobs=1, select=["FT501", "FT101", "FT114"]))
    assert [(d.code, d.line) for d in report.diagnostics] == [("FT501", 2)]
    assert report.files[0].tokens.max_example > 15_000_000


def _die_in_worker(setup, start, end, first_line, at_eof):
    if str(os.getpid()) != os.environ.get("FTPREFLIGHT_TEST_MAIN_PID"):
        os._exit(9)  # a worker killed mid-chunk (the OOM killer, say)
    return _ORIGINAL_LINT_CHUNK(setup, start, end, first_line, at_eof)


_ORIGINAL_LINT_CHUNK = engine._lint_chunk


def test_a_dead_worker_does_not_lose_the_report(tmp_path, monkeypatch):
    path = _big_dataset(tmp_path)
    expected = lint_path(path, LintConfig(jobs=1))
    monkeypatch.setattr(engine, "_PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(engine, "_CHUNK_BYTES", 64 * 1024)
    monkeypatch.setattr(engine, "_lint_chunk", _die_in_worker)
    monkeypatch.setenv("FTPREFLIGHT_TEST_MAIN_PID", str(os.getpid()))
    deaths = []
    monkeypatch.setattr(engine, "_serial", _counting(engine._serial, deaths))
    report = lint_path(path, LintConfig(jobs=2))
    assert deaths, "the pool never failed: the test did not exercise the fallback"
    assert report.diagnostics == expected.diagnostics
    assert report.files[0].records.equals(expected.files[0].records)


def _counting(serial, calls):
    def wrapper(*args, **kwargs):
        calls.append(1)
        return serial(*args, **kwargs)

    return wrapper


def test_personal_data_marks_its_rows_across_scan_batches(tmp_path, monkeypatch):
    # PII is looked for a batch of records at a time; a finding must still land on its
    # own line and raise that row's worst severity, wherever the batch boundaries fall.
    monkeypatch.setattr(engine, "_CONTENT_BATCH", 7)
    lines = []
    for i in range(1, 61):
        answer = "Card on file: 4111 1111 1111 1111." if i in (1, 7, 8, 30, 60) else f"All good, ticket {i}."
        lines.append(orjson.dumps({"messages": [{"role": "user", "content": f"Question {i}?"},
                                                {"role": "assistant", "content": answer}]}))
    path = tmp_path / "cards.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    report = lint_path(path, LintConfig(select=["FT603"], jobs=1))
    assert sorted(d.line for d in report.diagnostics) == [1, 7, 8, 30, 60]
    records = report.files[0].records
    flagged = records.filter(records["worst"] == int(Severity.ERROR))["line"].to_list()
    assert flagged == [1, 7, 8, 30, 60]


def test_diagnostics_survive_the_trip_from_a_worker() -> None:
    """Workers pickle their diagnostics; every field must come back (they define __reduce__)."""
    import pickle

    from linter._diagnostic import Applicability, Diagnostic, Fix, Severity, Span

    full = Diagnostic("FT601", "email: j***@acme.com", Severity.WARNING, "/data/x.jsonl", 12, "/messages/2/content",
                      Span(3, 20), (4, 9), Fix("replace-line", Applicability.UNSAFE, "redact", '{"a": 1}'))
    bare = Diagnostic("FT201", "too few", Severity.ERROR, "/data/x.jsonl")
    assert pickle.loads(pickle.dumps([full, bare])) == [full, bare]


def test_messages_use_the_right_article() -> None:
    from linter._validate import _a

    assert [_a(role) for role in ("user", "assistant", "system", "tool")] == [
        "a user", "an assistant", "a system", "a tool"]
