"""Lint configuration: one pydantic model, read from ``[tool.ftpreflight]`` in
pyproject.toml or from ftpreflight.toml. Unknown keys are errors."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ._diagnostic import Severity
from ._errors import ConfigError
from ._tokens import ENCODINGS

EncodingName = Literal[ENCODINGS]  # type: ignore[valid-type]

FormatKind = Literal["chat", "completion", "preference", "reinforcement"]
DEFAULT_MODEL = "gpt-4o-mini-2024-07-18"


class LintConfig(BaseModel):
    """Everything that changes what ``lint_path`` reports."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    model: str = DEFAULT_MODEL
    """Target model: picks the tokenizer and the training context for FT501."""
    context_tokens: int | None = Field(default=None, gt=0)
    """Training context of the target model in tokens; the caller fills it from the
    price table, ``None`` uses the linter's built-in table for known models."""
    data_formats: list[FormatKind] | None = None
    """Data formats the target model can be fine-tuned on (FT205); the caller fills it
    from the price table, ``None`` uses the linter's built-in table for known models."""
    encoding: EncodingName | None = None
    """Tokenizer to count with; ``None`` picks it from the model name. ``gemini-estimate`` counts
    are estimates (see README, "Tokens")."""
    select: list[str] | None = None
    """Rule codes or names to report (all rules when unset). A prefix such as ``FT4`` selects a group."""
    ignore: list[str] = []
    """Rule codes, names or prefixes never to report."""
    severity: dict[str, Literal["error", "warning", "info"]] = {}
    """Severity overrides by rule code or name, e.g. ``{FT106 = "error"}``."""
    format_kind: FormatKind | None = None
    """Force the file format instead of detecting it."""
    provider: Literal["openai", "azure", "together", "fireworks", "vertex", "bedrock"] = "openai"
    """Target provider: picks its profile (limits, record format, which rules apply; see
    "Providers and profiles")."""
    upload_limit_bytes: int | None = Field(default=None, gt=0)
    """Largest file the provider accepts (FT202); unset uses the provider's limit (512 MB for OpenAI)."""
    min_examples_error: int | None = Field(default=None, ge=0)
    """Fewer examples than this is an error (FT201); unset uses the provider's minimum (10 for OpenAI)."""
    min_examples_warning: int = Field(default=100, ge=0)
    """Fewer examples than this is a warning (FT201)."""
    common_prefix_min_chars: int = Field(default=200, gt=0)
    """Shortest shared prompt prefix that FT406 reports."""
    max_images_per_example: int = Field(default=10, gt=0)
    """Most images one example may hold (FT112)."""
    near_duplicate_threshold: float = Field(default=0.8, gt=0.0, le=1.0)
    """Estimated Jaccard similarity of word shingles at which two examples are
    near-duplicates (FT302) or leak between splits (FT204)."""
    allow_values: list[str] = []
    """Values that never count as personal data or secrets (FT6xx): support
    addresses, your company's public phone number, test card numbers you use on purpose."""
    allow_domains: list[str] = []
    """Email domains (and their subdomains) that never count as personal data (FT601)."""
    jobs: int | None = Field(default=None, ge=1)
    """Worker processes for large files; ``None`` uses every core."""
    max_diagnostics_per_rule: int = Field(default=10_000, gt=0)
    """Diagnostics kept per rule and file; the rest are counted, not stored."""

    @field_validator("select", "ignore")
    @classmethod
    def _known_codes(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return value
        from .rules import RULES, get_rule

        out = []
        for item in value:
            item = item.strip()
            rule = get_rule(item)
            if rule is not None:
                out.append(rule.code)
            elif any(r.code.startswith(item.upper()) for r in RULES) and item:
                out.append(item.upper())
            else:
                raise ValueError(f"unknown rule {item!r}{_close_rules(item)}")
        return out

    @field_validator("severity")
    @classmethod
    def _known_severity_codes(cls, value: dict[str, str]) -> dict[str, str]:
        from .rules import get_rule

        out = {}
        for key, level in value.items():
            rule = get_rule(key)
            if rule is None:
                raise ValueError(f"unknown rule {key!r}{_close_rules(key)}")
            out[rule.code] = level
        return out

    @property
    def upload_limit(self) -> int | None:
        """The FT202 limit: the configured one, else the provider's (None: no documented limit)."""
        from .profiles import get_profile

        return self.upload_limit_bytes if self.upload_limit_bytes is not None else \
            get_profile(self.provider).upload_limit_bytes

    @property
    def min_examples(self) -> int:
        """The FT201 error threshold: the configured one, else the provider's minimum."""
        from .profiles import get_profile

        return self.min_examples_error if self.min_examples_error is not None else \
            get_profile(self.provider).min_examples

    def is_enabled(self, code: str) -> bool:
        if any(code.startswith(p) for p in self.ignore):
            return False
        if self.select is None:
            return True
        return any(code.startswith(p) for p in self.select)

    def severity_for(self, code: str, default: Severity) -> Severity:
        level = self.severity.get(code)
        return Severity.parse(level) if level else default


def _close_rules(item: str) -> str:
    """`` (did you mean FT101, FT111?)`` for a mistyped rule code or name, else ``""``."""
    import difflib

    from .rules import RULES

    names = [r.code for r in RULES] + [r.name for r in RULES]
    matches = difflib.get_close_matches(item.strip().upper() if item.strip()[:2].upper() == "FT" else item,
                                        names, n=3, cutoff=0.6)
    return f" (did you mean {', '.join(matches)}?)" if matches else " (see `ftpreflight rules`)"


_NAMES_OUR_TABLE = re.compile(r"""^\s*(?:\[\s*)?(?:tool\s*\.\s*)?["']?ftpreflight["']?\s*[.=\]]""", re.M)
"""A line of a pyproject.toml that starts our table or sets a key in it, in any TOML
spelling: ``[tool.ftpreflight]``, ``[tool."ftpreflight"]``, ``tool.ftpreflight.x = 1``,
``ftpreflight.x = 1`` under ``[tool]``, ``ftpreflight = {...}`` (not a dependency
``"ftpreflight>=0.1"``)."""


def find_config_file(start: Path) -> Path | None:
    """The nearest ftpreflight.toml, or pyproject.toml with a [tool.ftpreflight] table,
    in ``start`` or its parents. A pyproject.toml that mentions ``tool.ftpreflight`` but
    is not valid TOML raises ConfigError rather than being skipped."""
    start = start.resolve()
    for folder in (start, *start.parents):
        candidate = folder / "ftpreflight.toml"
        if candidate.is_file():
            return candidate
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            try:
                text = candidate.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            try:
                data = tomllib.loads(text)
            except tomllib.TOMLDecodeError as exc:
                # A broken pyproject.toml that holds our settings must not be skipped
                # silently: settings such as require_approval would be lost.
                if _NAMES_OUR_TABLE.search(text):
                    raise ConfigError(f"{candidate}: invalid TOML: {exc}") from None
                continue
            if "ftpreflight" in data.get("tool", {}):
                return candidate
    return None


def load_config_table(path: Path) -> dict:
    """The raw ftpreflight table of a config file (``[tool.ftpreflight]`` or the whole
    ftpreflight.toml). Raises ConfigError naming the file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: config is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("ftpreflight", {})
    elif set(data) == {"tool"} and isinstance(data["tool"], dict) and set(data["tool"]) == {"ftpreflight"}:
        data = data["tool"]["ftpreflight"]  # a pyproject-style [tool.ftpreflight] table: what was meant
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: [tool.ftpreflight] must be a table")
    return data


def describe_validation_error(source: str, exc: ValidationError, flags: dict[str, str] | None = None) -> str:
    """One line per problem: ``source: field: what is wrong``. ``flags`` maps fields that
    came from the command line to the flag that set them (``select`` -> ``--select``)."""
    parts = []
    for err in exc.errors():
        field = str(err["loc"][0]) if err["loc"] else ""
        if flags and field in flags:
            parts.append(f"{flags[field]}: {err['msg'].removeprefix('Value error, ')}")
            continue
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown setting"
        parts.append(f"{source}: {where}: {msg}")
    return "\n".join(parts)


def load_lint_config(table: dict, source: str = "config", **overrides) -> LintConfig:
    """Build a LintConfig from a config table plus CLI overrides (which win)."""
    merged = {k: v for k, v in table.items()}
    merged.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return LintConfig.model_validate(merged)
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(source, exc)) from None
