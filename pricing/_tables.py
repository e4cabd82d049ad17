"""Price tables: data files, validated on load, merged into one ``PriceBook``.

A table file (TOML or JSON) describes one provider::

    provider = "openai"
    as_of = 2026-11-23            # the day the prices were checked
    source = "https://..."        # where they were checked
    notices = ["..."]             # provider-wide caveats, shown with every estimate

    [[models]]
    id = "gpt-4o-mini-2024-07-18"
    aliases = ["gpt-4o-mini"]
    methods = ["supervised"]
    training_context_tokens = 65536
    training_usd_per_1m_tokens = "3.00"
    ...

The schema is flat on purpose: every condition (batch, cached input, hourly
hosting, monthly storage, hourly training, DPO, full-parameter training) is its
own field, so a price file reads like the provider's price page and no price
hides in code. A row whose price could not be sourced says so with
``price_unknown = true`` and carries the model's other facts (methods, formats,
context, tokenizer, lifecycle) without inventing a figure; estimates refuse it
until a user price file supplies one. Money is ``Decimal``; numbers
written without quotes are parsed as exact decimals, never floats.

Later tables override earlier ones row by row (same provider and model id), so a
user file can correct one negotiated price without copying the whole table.
"""

from __future__ import annotations

import difflib
import functools
import json
import tomllib
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from ._errors import PriceTableError, UnknownModelError

Method = Literal["supervised", "dpo", "reinforcement"]
METHOD_FOR_FORMAT = {"chat": "supervised", "completion": "supervised", "preference": "dpo",
                     "reinforcement": "reinforcement"}
"""The fine-tuning method that trains on each data format."""
Status = Literal["verified", "unverified"]

BUILTIN_TABLES: tuple[str, ...] = (
    "openai.toml", "azure_openai.toml", "together.toml", "fireworks.toml", "vertex.toml", "bedrock.toml")
"""Table files shipped in ``pricing/tables``, in lookup order."""

BUILTIN_ORIGIN = "built-in"


def _to_decimal(value: Any) -> Any:
    # Floats are refused: 0.1 as a float is not 0.1 dollars. Files never produce
    # floats (they are parsed with parse_float=Decimal); this guards the Python API.
    if isinstance(value, bool):
        raise ValueError("money must be a number, not a boolean")
    if isinstance(value, float):
        raise ValueError("money must be a decimal string such as \"0.30\", not a float")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        try:
            parsed = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"{value!r} is not a decimal amount") from None
        if not parsed.is_finite():
            raise ValueError(f"{value!r} is not a finite amount")
        return parsed
    return value


Money = Annotated[Decimal, BeforeValidator(_to_decimal), Field(ge=0, allow_inf_nan=False)]


_TRAINING_PRICE_FIELDS = (
    "training_usd_per_1m_tokens", "dpo_training_usd_per_1m_tokens", "full_training_usd_per_1m_tokens",
    "full_dpo_training_usd_per_1m_tokens", "training_usd_per_hour",
)


class _RowFields(BaseModel):
    """The fields of one model row as written in a price file."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    id: str = Field(min_length=1)
    """Model id as the provider's API spells it, preferably the dated snapshot."""
    aliases: tuple[str, ...] = ()
    """Other names that resolve to this row, e.g. the undated ``gpt-4o-mini``."""
    methods: tuple[Method, ...] = Field(min_length=1)
    """Fine-tuning methods the provider offers for this model."""
    data_formats: tuple[Literal["chat", "completion", "preference", "reinforcement"], ...] = (
        "chat", "preference", "reinforcement")
    """Training file formats the model accepts: legacy base models train on prompt/completion data only."""
    training_context_tokens: int = Field(gt=0)
    """Longest training example in tokens; longer examples are truncated (and billed) at this length."""
    dpo_training_context_tokens: int | None = Field(default=None, gt=0)
    """Longest DPO example, when the provider allows less than ``training_context_tokens`` for DPO."""
    encoding: str | None = None
    """Tokenizer encoding the token counts use (``o200k_base``, ``llama3``, ``qwen2``, ...); unset when none fits."""
    price_unknown: bool = False
    """True when no training price could be sourced: the row then carries no training price, and
    estimates refuse it until a user price file supplies one."""
    training_usd_per_1m_tokens: Money | None = None
    """Price of one million trained tokens (supervised, and DPO unless ``dpo_training_usd_per_1m_tokens`` is set)."""
    dpo_training_usd_per_1m_tokens: Money | None = None
    """Price of one million DPO-trained tokens, when it differs from the supervised price."""
    full_training_usd_per_1m_tokens: Money | None = None
    """Supervised price with full-parameter training, where the provider also offers it (the row's
    main price is the default, LoRA, one)."""
    full_dpo_training_usd_per_1m_tokens: Money | None = None
    """DPO price with full-parameter training, when published."""
    size_band: str | None = None
    """The provider's model-size band whose price this row carries (e.g. ``up to 16B``), when priced by band."""
    training_usd_per_hour: Money | None = None
    """Price of one hour of training time (reinforcement fine-tuning)."""
    validation_billed: bool | None = None
    """Whether validation-file tokens are billed; omit when the provider does not say."""
    inference_price_unknown: bool = False
    """True when no per-token price for serving the tuned model could be sourced (dedicated or
    provisioned hosting, or no figure found): ``input_usd_per_1m`` and ``output_usd_per_1m`` are
    then omitted, and monthly estimates leave token costs out."""
    input_usd_per_1m: Money | None
    """Fine-tuned model inference: one million input tokens (required unless ``inference_price_unknown``)."""
    cached_input_usd_per_1m: Money | None = None
    """Fine-tuned model inference: one million cached input tokens, when published."""
    output_usd_per_1m: Money | None
    """Fine-tuned model inference: one million output tokens (required unless ``inference_price_unknown``)."""
    batch_input_usd_per_1m: Money | None = None
    """Batch API price of one million input tokens, when published."""
    batch_output_usd_per_1m: Money | None = None
    """Batch API price of one million output tokens, when published."""
    hosting_usd_per_hour: Money | None = None
    """Hourly fee for keeping a fine-tuned deployment up (e.g. Azure), billed whether used or not."""
    storage_usd_per_month: Money | None = None
    """Monthly fee for storing one custom model (e.g. Bedrock), billed whether used or not."""
    fine_tuning_ends: date | None = None
    """First day on which the provider refuses new fine-tuning jobs for this model."""
    shutdown: date | None = None
    """First day on which the model and the models fine-tuned from it stop serving."""
    lifecycle_source: str | None = None
    """Where ``fine_tuning_ends`` and ``shutdown`` were checked, when not the row's ``source``."""
    source: str | None = None
    """Where this row's figures were checked; defaults to the table's source."""
    status: Status = "unverified"
    """``verified`` only when every figure was checked against the provider's own page."""
    note: str = ""
    """Anything a reader of an estimate should know about this row's figures."""

    @model_validator(mode="before")
    @classmethod
    def _unpriced_inference(cls, data: Any) -> Any:
        # Inference prices stay required (a forgotten one is a "missing field"), unless the
        # row says explicitly that none was published.
        if isinstance(data, dict) and data.get("inference_price_unknown") is True:
            data = {"input_usd_per_1m": None, "output_usd_per_1m": None, **data}
        return data

    @model_validator(mode="after")
    def _inference_prices_agree(self) -> _RowFields:
        if self.inference_price_unknown:
            given = [n for n in ("input_usd_per_1m", "output_usd_per_1m", "cached_input_usd_per_1m",
                                 "batch_input_usd_per_1m", "batch_output_usd_per_1m") if getattr(self, n) is not None]
            if given:
                raise ValueError(f"a row with inference_price_unknown = true carries no inference price ({', '.join(given)})")
        else:
            missing = [n for n in ("input_usd_per_1m", "output_usd_per_1m") if getattr(self, n) is None]
            if missing:
                raise ValueError(f"{', '.join(missing)} required unless inference_price_unknown = true")
        return self

    @model_validator(mode="after")
    def _has_training_price(self) -> _RowFields:
        if self.price_unknown:
            given = [name for name in _TRAINING_PRICE_FIELDS if getattr(self, name) is not None]
            if given:
                raise ValueError(f"a row with price_unknown = true carries no training price ({', '.join(given)})")
            return self
        token_methods = [m for m in self.methods if m != "reinforcement"]
        if token_methods and self.training_usd_per_1m_tokens is None:
            raise ValueError(f"training_usd_per_1m_tokens is required for {', '.join(token_methods)}")
        if "reinforcement" in self.methods and self.training_usd_per_hour is None:
            raise ValueError("training_usd_per_hour is required for reinforcement")
        return self


class ModelPrice(_RowFields):
    """One model's prices, with the table facts (provider, date, source, file) it came from."""

    provider: str
    """Provider of the table the row came from, e.g. ``openai``."""
    as_of: date
    """The date the table's prices were checked."""
    table_source: str
    """The table's source URL."""
    origin: str = BUILTIN_ORIGIN
    """``built-in`` or the path of the user price file that supplied the row."""
    table_notices: tuple[str, ...] = ()
    """The table's provider-wide caveats."""

    @property
    def row_source(self) -> str:
        return self.source or self.table_source

    @property
    def trainable_formats(self) -> tuple[str, ...]:
        """The data formats a job on this model can train on: ``data_formats`` whose
        fine-tuning method (:data:`METHOD_FOR_FORMAT`) the row offers."""
        return tuple(f for f in self.data_formats if METHOD_FOR_FORMAT[f] in self.methods)

    @property
    def billed_by_time(self) -> bool:
        """True when training is billed per hour rather than per token."""
        return self.training_usd_per_1m_tokens is None and self.training_usd_per_hour is not None

    @property
    def lifecycle_row_source(self) -> str:
        """Where the row's lifecycle dates were checked."""
        return self.lifecycle_source or self.row_source

    def context_for(self, method: str) -> int:
        """Longest example, in tokens, that a ``method`` job trains on (and bills) before truncating."""
        if method == "dpo" and self.dpo_training_context_tokens is not None:
            return self.dpo_training_context_tokens
        return self.training_context_tokens

    def training_price_per_1m(self, method: str, *, full: bool = False) -> Decimal | None:
        """Price of one million trained tokens for ``method`` (``supervised`` or ``dpo``), LoRA or
        ``full``-parameter; ``None`` when the table has no such price (unknown, or billed by time)."""
        if method == "dpo":
            if full:
                return self.full_dpo_training_usd_per_1m_tokens
            if self.dpo_training_usd_per_1m_tokens is not None:
                return self.dpo_training_usd_per_1m_tokens
            return self.training_usd_per_1m_tokens
        if method == "supervised":
            return self.full_training_usd_per_1m_tokens if full else self.training_usd_per_1m_tokens
        return None

    def names(self) -> tuple[str, ...]:
        return (self.id, *self.aliases)


class PriceTable(BaseModel):
    """One provider's price file after validation."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    provider: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$")
    """Provider key, lower case, e.g. ``openai`` or ``azure_openai``."""
    as_of: date
    """The date the prices were checked."""
    source: str = Field(min_length=1)
    """URL of the page the prices were checked against."""
    notices: tuple[str, ...] = ()
    """Provider-wide caveats shown with every estimate from this table."""
    models: tuple[_RowFields, ...] = Field(min_length=1)
    """One row per fine-tunable model."""
    origin: str = Field(default=BUILTIN_ORIGIN, exclude=True)
    """Where the table was loaded from (set by the loader, not read from the file)."""

    @model_validator(mode="after")
    def _unique_names(self) -> PriceTable:
        owner: dict[str, str] = {}
        for row in self.models:
            for key in {name.lower() for name in (row.id, *row.aliases)}:
                if key in owner:
                    if owner[key] == row.id:
                        raise ValueError(f"model {row.id!r} is listed twice")
                    raise ValueError(f"name {key!r} is used by both {owner[key]!r} and {row.id!r}")
                owner[key] = row.id
        return self

    def rows(self) -> list[ModelPrice]:
        """The rows with the table's provider, date, source and origin attached."""
        return [
            ModelPrice(
                **row.model_dump(),
                provider=self.provider,
                as_of=self.as_of,
                table_source=self.source,
                origin=self.origin,
                table_notices=self.notices,
            )
            for row in self.models
        ]


def _describe(path: str, data: Any, exc: ValidationError) -> str:
    lines = []
    errors = exc.errors()
    locs = [tuple(e["loc"]) for e in errors]
    for err in errors:
        loc = list(err["loc"])
        # A bad item also empties the validated tuple holding it; that follow-on
        # "too short" error says nothing new.
        if err["type"] == "too_short" and any(
            len(other) > len(loc) and other[: len(loc)] == tuple(loc) for other in locs
        ):
            continue
        where = ""
        for part in loc:
            where += f"[{part}]" if isinstance(part, int) else (f".{part}" if where else str(part))
        # Name the row by its id too: "models[2]" alone is hard to find in a long file.
        if len(loc) >= 2 and loc[0] == "models" and isinstance(loc[1], int):
            try:
                row_id = data["models"][loc[1]].get("id")
            except (KeyError, IndexError, TypeError, AttributeError):
                row_id = None
            if row_id:
                where += f" (model {row_id})"
        message = err["msg"]
        if err["type"] == "missing":
            message = "missing field"
        elif err["type"] == "extra_forbidden":
            message = "unknown field"
        elif message.startswith("Value error, "):
            message = message[len("Value error, "):]
        lines.append(f"{path}: {where or '(top level)'}: {message}")
    return "\n".join(lines)


def parse_price_table(text: str, *, origin: str, fmt: Literal["toml", "json"] = "toml") -> PriceTable:
    """Validate the text of a price table. Raises PriceTableError naming ``origin`` and the field."""
    try:
        if fmt == "json":
            data = json.loads(text, parse_float=Decimal)
        else:
            data = tomllib.loads(text, parse_float=Decimal)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise PriceTableError(f"{origin}: not valid {fmt.upper()}: {exc}") from None
    if not isinstance(data, dict):
        raise PriceTableError(f"{origin}: a price table must be a table/object at the top level")
    if "origin" in data:
        raise PriceTableError(f"{origin}: origin: unknown field")
    try:
        return PriceTable.model_validate({**data, "origin": origin})
    except ValidationError as exc:
        raise PriceTableError(_describe(origin, data, exc)) from None


def load_price_table(path: str | Path) -> PriceTable:
    """Read and validate one user price file (``.toml`` or ``.json``)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PriceTableError(f"{path}: price file not found") from None
    except OSError as exc:
        raise PriceTableError(f"{path}: cannot read price file: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise PriceTableError(f"{path}: price file is not UTF-8 text") from None
    fmt: Literal["toml", "json"] = "json" if path.suffix.lower() == ".json" else "toml"
    return parse_price_table(text, origin=str(path), fmt=fmt)


@functools.cache
def builtin_tables() -> tuple[PriceTable, ...]:
    """The price tables shipped with ftpreflight (cached; they never change at run time)."""
    folder = resources.files("pricing.tables")
    tables = []
    for name in BUILTIN_TABLES:
        text = folder.joinpath(name).read_text(encoding="utf-8")
        tables.append(parse_price_table(text, origin=f"{BUILTIN_ORIGIN} ({name})"))
    return tuple(tables)


def normalize_model_name(name: str) -> str:
    """Reduce a fine-tuned model name to its base: ``ft:gpt-4o-mini-2024-07-18:org::id`` and
    Azure's ``gpt-4o-mini-2024-07-18.ft-abc123`` both become ``gpt-4o-mini-2024-07-18``."""
    base = name.strip()
    if base.lower().startswith("ft:"):
        base = base[3:].split(":", 1)[0]
    if ".ft-" in base:
        base = base.split(".ft-", 1)[0]
    return base


class PriceBook:
    """Every loaded table merged: later tables override earlier rows with the same id."""

    def __init__(self, tables: Sequence[PriceTable]):
        self.tables: tuple[PriceTable, ...] = tuple(tables)
        self._rows: dict[tuple[str, str], ModelPrice] = {}
        for table in self.tables:
            for row in table.rows():
                self._rows[(table.provider, row.id.lower())] = row
        self._index: dict[tuple[str, str], tuple[str, str]] = {}
        for key, row in self._rows.items():
            for name in row.names():
                self._index[(row.provider, name.lower())] = key
        # An id always wins over another row's alias of the same name.
        for key, row in self._rows.items():
            self._index[(row.provider, row.id.lower())] = key

    @property
    def providers(self) -> list[str]:
        """Providers in lookup order (first loaded first)."""
        return list(dict.fromkeys(table.provider for table in self.tables))

    def models(self, provider: str | None = None) -> list[ModelPrice]:
        """Effective rows (after overrides), in table order."""
        return [row for (prov, _), row in self._rows.items() if provider is None or prov == provider]

    def find_model(self, name: str, provider: str | None = None) -> ModelPrice:
        """The row for a model id, alias or fine-tuned model name.

        ``provider/name`` or ``provider=`` picks a provider; otherwise providers are
        searched in load order (OpenAI first). A name whose ``provider/`` part finds
        nothing is looked up whole, since some ids hold a slash (``openai/gpt-oss-20b``). Raises UnknownModelError with close matches.
        """
        wanted = name.strip()
        prefixed_suggestions: list[str] = []
        if provider is None and "/" in wanted:
            maybe_provider, rest = wanted.split("/", 1)
            if maybe_provider in self.providers:
                try:
                    return self.find_model(rest, provider=maybe_provider)
                except UnknownModelError as exc:
                    # Not that provider's model: the slash may be part of an id, as in
                    # Together's "openai/gpt-oss-20b", which must not mean provider openai.
                    prefixed_suggestions = list(exc.suggestions)
        base = normalize_model_name(wanted).lower()
        if provider is not None and provider not in self.providers:
            raise UnknownModelError(name, [f"provider {p}" for p in self.providers])
        for prov in [provider] if provider else self.providers:
            key = self._index.get((prov, base))
            if key is not None:
                return self._rows[key]
        suggestions = [*prefixed_suggestions, *self.close_matches(base, provider=provider)]
        raise UnknownModelError(name, list(dict.fromkeys(suggestions))[:5])

    def close_matches(self, name: str, n: int = 5, provider: str | None = None) -> list[str]:
        """Known names that look like ``name`` (ids and aliases, best first)."""
        names: list[str] = []
        for (prov, _), row in self._rows.items():
            if provider is None or prov == provider:
                names.extend(row.names())
        names = list(dict.fromkeys(names))
        base = normalize_model_name(name).lower()
        lowered = {candidate.lower(): candidate for candidate in names}
        hits = difflib.get_close_matches(base, list(lowered), n=n, cutoff=0.6)
        # Also offer snapshots of a family the user typed a prefix of ("gpt-4.1" -> "gpt-4.1-...").
        prefixed = [c for c in lowered if c.startswith(base) and c not in hits] if base else []
        return [lowered[h] for h in [*hits, *prefixed][:n]]


def load_price_book(extra_paths: Iterable[str | Path] = (), *, include_builtin: bool = True) -> PriceBook:
    """The built-in tables followed by user price files (which override them row by row)."""
    tables: list[PriceTable] = list(builtin_tables()) if include_builtin else []
    tables.extend(load_price_table(p) for p in extra_paths)
    return PriceBook(tables)


@functools.cache
def default_price_book() -> PriceBook:
    """The built-in tables only (cached)."""
    return PriceBook(builtin_tables())


def find_model(
    name: str,
    provider: str | None = None,
    book: PriceBook | None = None,
    extra_tables: Iterable[str | Path] = (),
) -> ModelPrice:
    """Look a model up in ``book`` (default: the built-in tables plus ``extra_tables``,
    user price files that override them). See ``PriceBook.find_model``."""
    extra = list(extra_tables)
    if book is None:
        book = load_price_book(extra) if extra else default_price_book()
    return book.find_model(name, provider=provider)


def model_names(book: PriceBook | None = None) -> list[str]:
    """Every model id and alias the book knows, ids first."""
    book = book or default_price_book()
    rows = book.models()
    return list(dict.fromkeys([r.id for r in rows] + [a for r in rows for a in r.aliases]))


def close_matches(name: str, n: int = 5, book: PriceBook | None = None) -> list[str]:
    """Known model names close to ``name`` (default: the built-in tables)."""
    return (book or default_price_book()).close_matches(name, n=n)


def table_age_days(table: PriceTable, today: date) -> int:
    """Days since the table's prices were checked."""
    return (today - table.as_of).days


STALE_AFTER_DAYS = 90
"""A table checked longer ago than this is reported as stale."""


_METHOD_LABELS = {"supervised": "SFT", "dpo": "DPO", "reinforcement": "RFT"}


def _usd(amount: Decimal) -> str:
    # The estimate module's format_usd, repeated here because _estimate imports this module.
    cents = amount.quantize(Decimal("0.01"))
    return f"${cents:f}" if cents == amount else f"${amount.normalize():f}"


def _training_cell(row: ModelPrice) -> str:
    if row.price_unknown:
        return "unknown"
    if row.billed_by_time:
        assert row.training_usd_per_hour is not None
        return f"{_usd(row.training_usd_per_hour)}/hour"
    parts = []
    for method in ("supervised", "dpo"):
        price = row.training_price_per_1m(method)
        if method in row.methods and price is not None:
            parts.append(f"{_METHOD_LABELS[method]} {_usd(price)}")
    full = [f"{_METHOD_LABELS[m]} {_usd(p)}" for m in ("supervised", "dpo")
            if m in row.methods and (p := row.training_price_per_1m(m, full=True)) is not None]
    cell = ", ".join(parts)
    if full:
        cell += f"; full: {', '.join(full)}"
    if row.size_band:
        cell += f" (band {row.size_band})"
    return cell


def render_price_tables_markdown(book: PriceBook | None = None) -> str:
    """Every row of ``book`` (default: the built-in tables) as a Markdown table: the model
    facts (methods, formats, context, tokenizer, lifecycle) and prices a planner needs.
    The README's price-table block is this text (a test keeps them equal)."""
    book = book or default_price_book()
    lines = [
        "| Provider | Model | Methods | Formats | Context | Tokenizer | Training per 1M tokens "
        "| Other fees | Jobs until | Shutdown | Status |",
        "|---|---|---|---|---:|---|---|---|---|---|---|",
    ]
    for row in book.models():
        fees = []
        if row.hosting_usd_per_hour is not None:
            fees.append(f"hosting {_usd(row.hosting_usd_per_hour)}/hour")
        if row.storage_usd_per_month is not None:
            fees.append(f"storage {_usd(row.storage_usd_per_month)}/month")
        cells = [
            row.provider,
            f"`{row.id}`",
            ", ".join(_METHOD_LABELS[m] for m in row.methods),
            ", ".join(row.trainable_formats),
            f"{row.training_context_tokens:,}" + (
                f" (DPO {row.dpo_training_context_tokens:,})" if row.dpo_training_context_tokens else ""),
            row.encoding or "-",
            _training_cell(row),
            ", ".join(fees) or "-",
            row.fine_tuning_ends.isoformat() if row.fine_tuning_ends else "-",
            row.shutdown.isoformat() if row.shutdown else "-",
            row.status,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
