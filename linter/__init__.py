"""ftpreflight's lint engine: a pure library (no UI, no network, no printing).

    report = lint_path("train.jsonl", LintConfig(model="gpt-4o-mini-2024-07-18"))
"""

from ._count import ExampleTokens, count_examples
from ._config import DEFAULT_MODEL, FormatKind, LintConfig, find_config_file, load_config_table, load_lint_config
from ._diagnostic import Applicability, Diagnostic, Fix, Severity, Span, pointer_to_path, printable
from ._engine import lint_path, lint_paths, sniff_binary, start_workers
from ._errors import ConfigError, EncodingIntegrityError, FtPreflightError, LintCancelled, UnknownModelError
from ._formats import KINDS
from ._models import context_for_model, formats_for_model
from ._observer import LintObserver
from ._report import RECORD_COLUMNS, FileReport, LintReport, TokenStats, parse_record, read_record_bytes
from ._text import plural
from ._tokens import ENCODINGS, TokenCounter, base_model_name, encoding_name_for_model, get_encoding
from .rules import RULES, Rule, all_codes, get_rule

__all__ = [
    "DEFAULT_MODEL", "ENCODINGS", "KINDS", "RECORD_COLUMNS", "RULES",
    "Applicability", "ConfigError", "Diagnostic", "EncodingIntegrityError", "ExampleTokens", "FileReport", "Fix",
    "FormatKind",
    "FtPreflightError", "LintCancelled", "LintConfig", "LintObserver", "LintReport", "Rule", "Severity", "Span",
    "TokenCounter", "TokenStats", "UnknownModelError",
    "all_codes", "base_model_name", "context_for_model", "count_examples", "formats_for_model", "encoding_name_for_model", "find_config_file",
    "get_encoding", "get_rule", "lint_path", "lint_paths", "load_config_table", "load_lint_config",
    "parse_record", "plural", "pointer_to_path", "printable", "read_record_bytes", "sniff_binary", "start_workers",
]

from ._render import (  # noqa: E402
    diagnostic_to_dict, render_github, render_json, render_rule, render_rule_table, render_sarif, render_text,
    report_to_dict,
)

__all__ += [
    "diagnostic_to_dict", "render_github", "render_json", "render_rule", "render_rule_table", "render_sarif",
    "render_text", "report_to_dict",
]

# The fixer loads on first use (PEP 562): `ftpreflight lint` never needs it.
_FIX_NAMES = ("TEMP_PREFIX", "FixError", "FixOptions", "FixSummary", "backup_file", "check_fix", "destination",
              "fix_applicability", "fix_class", "fix_file", "lint_for_fix", "remove_stale_temp_files")
__all__ += list(_FIX_NAMES)


def __getattr__(name: str):
    if name in _FIX_NAMES:
        from . import _fix

        value = globals()[name] = getattr(_fix, name)
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_FIX_NAMES})
