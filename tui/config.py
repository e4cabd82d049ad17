"""Application settings: the lint settings plus pricing and submission settings,
all read from one ``[tool.ftpreflight]`` table (or ftpreflight.toml)."""

from __future__ import annotations

from pathlib import Path

from pydantic import ConfigDict, Field, ValidationError

from typing import TYPE_CHECKING

from linter import ENCODINGS, ConfigError, LintConfig
from linter import find_config_file, load_config_table
from linter._config import describe_validation_error
from linter.profiles import PROVIDERS

if TYPE_CHECKING:
    from pricing import ModelPrice


class Settings(LintConfig):
    """Every setting ftpreflight reads from a config file. Unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    prices: list[str] = []
    """Extra price table files (TOML or JSON) that add or override providers' prices,
    relative to the config file."""
    require_approval: bool = False
    """Refuse ``ftpreflight submit`` without a matching ``--approval`` record."""
    approval_max_age_days: int = Field(default=30, ge=1)
    """``ftpreflight submit`` refuses approval records older than this many days."""

    def lint_config(self, **overrides) -> LintConfig:
        """The lint settings with command-line ``overrides`` applied. Raises ConfigError
        naming the flag (``--select: unknown rule 'FT999'``) for a bad override."""
        given = {k: v for k, v in overrides.items() if v is not None}
        data = {name: getattr(self, name) for name in LintConfig.model_fields}
        data.update(given)
        try:
            return LintConfig.model_validate(data)
        except ValidationError as exc:
            flags = {name: "--" + name.replace("_", "-") for name in given}
            raise ConfigError(describe_validation_error("config", exc, flags)) from None


def resolve_lint_config(settings: Settings, row: "ModelPrice | None" = None, **overrides) -> LintConfig:
    """The one place every command and the app get their lint settings: command-line
    ``overrides`` over the config file, then the model's facts from its price-table
    row (training context, tokenizer encoding, trainable formats) for whatever neither of them set.

    ``row`` is the target model's row from the loaded price tables (built-in plus the
    user's ``prices`` files); the linter's own model table is only the fallback of a
    bare library call. Raises ConfigError naming the flag or file."""
    if row is not None:
        overrides = {**overrides, "model": row.id}
    config = settings.lint_config(**overrides)
    if row is None:
        return config
    update = {}
    if config.context_tokens is None and row.training_context_tokens:
        update["context_tokens"] = row.training_context_tokens
    if config.encoding is None and row.encoding in ENCODINGS:
        update["encoding"] = row.encoding
    if config.data_formats is None:
        update["data_formats"] = list(row.trainable_formats)
    # A model from one provider's price table targets that provider unless the command line or
    # the config file names one: `--model openai/gpt-oss-20b` lints with Together's profile.
    profile = {"azure_openai": "azure"}.get(row.provider, row.provider)
    if (overrides.get("provider") is None and "provider" not in settings.model_fields_set
            and profile in PROVIDERS and profile != config.provider):
        update["provider"] = profile
    return config.model_copy(update=update) if update else config


def load_settings(config_path: str | Path | None = None, start: Path | None = None) -> tuple[Settings, Path | None]:
    """Read settings from ``config_path``, or the nearest config file found from
    ``start`` (the current directory). Raises ConfigError with the file and field."""
    path = Path(config_path) if config_path else find_config_file(start or Path.cwd())
    if path is None:
        return Settings(), None
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    table = load_config_table(path)
    try:
        settings = Settings.model_validate(table)
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(str(path), exc)) from None
    if settings.prices:
        base = path.parent
        resolved = [str((base / p).resolve()) if not Path(p).is_absolute() else p for p in settings.prices]
        settings = settings.model_copy(update={"prices": resolved})
    return settings, path


def settings_table() -> str:
    """The README's configuration reference, generated from the Settings model."""
    rows = ["| key | default | meaning |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        default = field.default
        shown = "unset" if default is None else repr(default).replace("'", '"')
        if isinstance(default, bool):
            shown = str(default).lower()
        text = " ".join((field.description or "").split()).replace("|", "\\|")
        rows.append(f"| `{name}` | `{shown}` | {text} |")
    return "\n".join(rows) + "\n"
