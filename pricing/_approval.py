"""Budget approval records: what was approved, for which exact file, at which price.

The record is written before training and checked again at submission: the file's
sha256 and size, the training settings and a fresh estimate must still match what
the approver signed off. Records are JSON (money as decimal strings) and are written
atomically, so a crash never leaves half a record behind.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ._errors import ApprovalError
from ._estimate import Estimate, format_money, format_usd
from ._tables import Money, Status

RECORD_KIND = "ftpreflight.approval"
SCHEMA_VERSION = 1
_CHUNK = 1 << 20


def file_sha256(path: str | Path) -> str:
    """Hex sha256 of a file, read in chunks so large datasets need no memory."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class FileFacts(_Frozen):
    """Identity of an approved data file."""

    path: str
    """The path as given when approving (informational; the sha256 is what counts)."""
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size_bytes: int = Field(ge=0)
    examples: int = Field(ge=0)

    @classmethod
    def of(cls, path: str | Path, examples: int) -> FileFacts:
        path = Path(path)
        return cls(path=str(path), sha256=file_sha256(path), size_bytes=path.stat().st_size, examples=examples)


class ApprovalSettings(_Frozen):
    """The training settings an approval covers; submission must use exactly these."""

    provider: str
    model: str
    """Resolved model id from the price table (aliases are resolved before approving)."""
    method: Literal["supervised", "dpo", "reinforcement"]
    epochs: int = Field(ge=1)
    """Epochs actually billed (``auto`` is resolved to a number)."""
    epochs_rule: str = ""
    validation_sha256: str | None = None
    training_hours: Decimal | None = None
    """Approved training hours for reinforcement fine-tuning."""

    @classmethod
    def from_estimate(cls, estimate: Estimate, validation_sha256: str | None = None) -> ApprovalSettings:
        return cls(
            provider=estimate.model.provider,
            model=estimate.model.id,
            method=estimate.method,  # type: ignore[arg-type]
            epochs=estimate.epochs,
            epochs_rule=estimate.epochs_rule,
            validation_sha256=validation_sha256,
            training_hours=estimate.training_hours,
        )


class LintSummary(_Frozen):
    """Counts of the lint run the approval was based on."""

    errors: int = Field(ge=0)
    warnings: int = Field(ge=0)
    infos: int = Field(default=0, ge=0)


class PriceFacts(_Frozen):
    provider: str
    as_of: date
    source: str
    row_source: str
    status: Status
    origin: str


class ApprovalRecord(_Frozen):
    """Everything an approver signed off, in one JSON document."""

    kind: Literal["ftpreflight.approval"] = RECORD_KIND
    schema_version: Literal[1] = SCHEMA_VERSION
    file: FileFacts
    validation_file: FileFacts | None = None
    settings: ApprovalSettings
    job_cost_usd: Money
    """Estimated cost of the fine-tuning job (training plus billed validation)."""
    budget_usd: Money
    """The budget the approver allowed; submission refuses a fresh estimate above it."""
    estimate: dict[str, Any]
    """The full estimate as ``ftpreflight cost --format json`` prints it."""
    prices: PriceFacts
    lint: LintSummary
    approver: str = Field(min_length=1)
    approved_at: datetime
    tool_version: str


def approval_refusals(estimate: Estimate, budget_usd: Decimal | None, lint: LintSummary) -> list[str]:
    """Reasons an approval must be refused (empty when it may be granted); with no budget
    (``None``: not given yet) only the reasons that do not depend on it."""
    reasons = []
    if lint.errors:
        reasons.append(f"the lint found {lint.errors} error{'s' if lint.errors != 1 else ''}; fix {'it' if lint.errors == 1 else 'them'} before approving")
    if budget_usd is not None and estimate.job_cost_usd > budget_usd:
        reasons.append(
            f"the estimate {format_money(estimate.job_cost_usd)} exceeds the budget ${format_usd(budget_usd)}"
        )
    return reasons


def build_approval_record(
    *,
    data_path: str | Path,
    estimate: Estimate,
    budget_usd: Decimal,
    lint: LintSummary,
    approver: str,
    approved_at: datetime,
    tool_version: str,
    validation_path: str | Path | None = None,
) -> ApprovalRecord:
    """Assemble the record; does not check the budget (see ``approval_refusals``)."""
    validation = FileFacts.of(validation_path, 0) if validation_path is not None else None
    model = estimate.model
    return ApprovalRecord(
        file=FileFacts.of(data_path, estimate.examples),
        validation_file=validation,
        settings=ApprovalSettings.from_estimate(estimate, validation.sha256 if validation else None),
        job_cost_usd=estimate.job_cost_usd,
        budget_usd=budget_usd,
        estimate=estimate.to_dict(),
        prices=PriceFacts(
            provider=model.provider, as_of=model.as_of, source=model.table_source,
            row_source=model.row_source, status=model.status, origin=model.origin,
        ),
        lint=lint,
        approver=approver,
        approved_at=approved_at,
        tool_version=tool_version,
    )


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file in the same folder and ``os.replace``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_approval_record(record: ApprovalRecord, path: str | Path) -> None:
    """Write the record as indented JSON, atomically. Raises ApprovalError naming the file."""
    try:
        write_text_atomic(path, record.model_dump_json(indent=2) + "\n")
    except OSError as exc:
        raise ApprovalError(f"{path}: cannot write approval record: {exc.strerror or exc}") from None


def read_approval_record(path: str | Path) -> ApprovalRecord:
    """Read and validate a record. Raises ApprovalError naming the file and the bad field."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ApprovalError(f"{path}: approval record not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ApprovalError(f"{path}: cannot read approval record: {exc}") from None
    try:
        return ApprovalRecord.model_validate_json(text)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "(top level)"
            message = "missing field" if err["type"] == "missing" else err["msg"]
            problems.append(f"{path}: {where}: {message}")
        raise ApprovalError("\n".join(problems)) from None


def verify_approval(
    record: ApprovalRecord,
    *,
    data_path: str | Path,
    settings: ApprovalSettings,
    fresh_job_cost_usd: Decimal,
    validation_path: str | Path | None = None,
) -> list[str]:
    """Differences between what was approved and what is about to be submitted.

    An empty list means the submission matches: same file bytes, same settings, and a
    fresh estimate within the approved budget.
    """
    problems: list[str] = []
    data_path = Path(data_path)
    if not data_path.is_file():
        return [f"{data_path}: data file not found"]
    digest = file_sha256(data_path)
    if digest != record.file.sha256:
        problems.append(
            f"{data_path}: sha256 {digest[:12]}… differs from the approved {record.file.sha256[:12]}… "
            "(the file changed since approval)"
        )
    if validation_path is not None:
        settings = settings.model_copy(update={"validation_sha256": file_sha256(validation_path)})
    approved = record.settings.model_dump(exclude={"epochs_rule"})
    wanted = settings.model_dump(exclude={"epochs_rule"})
    for name, value in approved.items():
        if wanted.get(name) != value:
            problems.append(f"setting {name}: approved {value!r}, now {wanted.get(name)!r}")
    if fresh_job_cost_usd > record.budget_usd:
        problems.append(
            f"the fresh estimate {format_money(fresh_job_cost_usd)} exceeds the approved budget "
            f"${format_usd(record.budget_usd)}"
        )
    return problems
