"""ftpreflight's cost planner: sourced price tables, estimates and budget approval records.

Pure library: no printing, no network, no environment variables, no Textual or
openai, and no dependency on ``linter`` (callers pass plain token counts).
"""

import importlib

from ._errors import (
    ApprovalError,
    EstimateInputError,
    JobNotAcceptedError,
    PriceTableError,
    PricingError,
    UnknownModelError,
)
from ._tables import (
    BUILTIN_TABLES,
    METHOD_FOR_FORMAT,
    STALE_AFTER_DAYS,
    ModelPrice,
    PriceBook,
    PriceTable,
    builtin_tables,
    close_matches,
    default_price_book,
    find_model,
    load_price_book,
    load_price_table,
    model_names,
    normalize_model_name,
    parse_price_table,
    render_price_tables_markdown,
    table_age_days,
)

# Loaded on first use (PEP 562): `ftpreflight lint` needs only the tables to find a model,
# not the estimate, approval and report modules (tens of milliseconds of start-up).
_LAZY = {
    "_approval": (
        "ApprovalRecord", "ApprovalSettings", "FileFacts", "LintSummary", "PriceFacts", "approval_refusals",
        "build_approval_record", "file_sha256", "read_approval_record", "verify_approval",
        "write_approval_record", "write_text_atomic",
    ),
    "_estimate": (
        "DEFAULT_JOB_DAYS", "MAX_JOB_DAYS", "HOURS_PER_MONTH", "MAX_EPOCHS", "Comparison", "ComparisonStatus",
        "DatasetTokens", "Estimate", "InferenceEstimate", "Lifetime", "TokenSummary", "Traffic",
        "auto_epochs", "check_accepts_jobs", "compare_models", "estimate", "format_money", "format_usd",
        "resolve_epochs",
    ),
    "_report": (
        "outlier_threshold", "render_approval_html", "render_approval_markdown", "token_histogram",
        "write_approval_files",
    ),
}
_MODULE_OF = {name: module for module, names in _LAZY.items() for name in names}


def __getattr__(name: str):
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_MODULE_OF})


__all__ = [
    "BUILTIN_TABLES",
    "HOURS_PER_MONTH",
    "MAX_EPOCHS",
    "METHOD_FOR_FORMAT",
    "STALE_AFTER_DAYS",
    "ApprovalError",
    "ApprovalRecord",
    "ApprovalSettings",
    "Comparison",
    "ComparisonStatus",
    "DEFAULT_JOB_DAYS",
    "MAX_JOB_DAYS",
    "DatasetTokens",
    "Estimate",
    "EstimateInputError",
    "FileFacts",
    "InferenceEstimate",
    "JobNotAcceptedError",
    "Lifetime",
    "LintSummary",
    "ModelPrice",
    "PriceBook",
    "PriceFacts",
    "PriceTable",
    "PriceTableError",
    "PricingError",
    "TokenSummary",
    "Traffic",
    "UnknownModelError",
    "approval_refusals",
    "auto_epochs",
    "build_approval_record",
    "builtin_tables",
    "check_accepts_jobs",
    "close_matches",
    "compare_models",
    "default_price_book",
    "estimate",
    "file_sha256",
    "find_model",
    "format_money",
    "format_usd",
    "load_price_book",
    "load_price_table",
    "model_names",
    "normalize_model_name",
    "outlier_threshold",
    "parse_price_table",
    "read_approval_record",
    "render_approval_html",
    "render_approval_markdown",
    "render_price_tables_markdown",
    "resolve_epochs",
    "table_age_days",
    "token_histogram",
    "verify_approval",
    "write_approval_files",
    "write_approval_record",
    "write_text_atomic",
]
