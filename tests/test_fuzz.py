"""Random bytes and random JSON never crash the engine: they become diagnostics."""

from __future__ import annotations

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linter import LintConfig, lint_path

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**63, 2**63 - 1) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["messages", "role", "content", "prompt", "completion", "input", "preferred_output",
                         "non_preferred_output", "tool_calls", "tools", "function", "name", "arguments", "weight",
                         "type", "image_url", "url", "id", "tool_call_id", "x"]) | st.text(max_size=8),
        children, max_size=5),
    max_leaves=25,
)

CONFIG = LintConfig(jobs=1)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(json_values, min_size=1, max_size=6))
def test_random_json_records(tmp_path_factory, values):
    path = tmp_path_factory.mktemp("fuzz") / "f.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(v) for v in values) + b"\n")
    report = lint_path(path, CONFIG)
    assert report.files[0].record_count == len(values)
    assert report.files[0].examples <= len(values)
    for d in report.diagnostics:
        assert d.line is None or 1 <= d.line <= len(values)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=2000))
def test_random_bytes(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "b.jsonl"
    path.write_bytes(data)
    report = lint_path(path, CONFIG)
    assert report.files


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.dictionaries(st.sampled_from(["role", "content", "weight", "name", "tool_calls"]),
                                json_values, max_size=4), max_size=5))
def test_random_messages(tmp_path_factory, messages):
    path = tmp_path_factory.mktemp("fuzz") / "m.jsonl"
    path.write_bytes(orjson.dumps({"messages": messages}) + b"\n")
    lint_path(path, CONFIG)
