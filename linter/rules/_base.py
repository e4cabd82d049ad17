"""Rule metadata. A rule's docstring is its documentation, used verbatim by
``ftpreflight rule CODE``, the app's help and the README rule table."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Callable

from .._diagnostic import Applicability, Severity

ERROR, WARNING, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO
SAFE, UNSAFE = Applicability.SAFE, Applicability.UNSAFE


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    summary: str
    """When the rule fires, in one line (the README table's last column)."""
    doc: str
    fix_applicability: Applicability | None = None
    """``SAFE`` when ``ftpreflight fix`` always applies the rule's fix (the training data
    means the same), ``UNSAFE`` when the fix changes what the model learns and needs an
    opt-in, ``None`` when there is no automatic fix. Every fix policy derives from this."""
    severity_label: str = ""
    """Shown instead of the severity when a rule emits two levels (``error/warning``)."""
    pii_kind: str | None = None
    """The kind of personal data or secret the rule finds (``"email"``, one of
    ``linter.pii.KINDS``), ``None`` for other rules. The detectors, the redacting fix and the
    app's masking map codes and kinds through this field."""
    implementation: type | None = None
    providers: tuple[str, ...] = ()
    """Provider profiles (``--provider``) the rule is specific to; empty for a rule whose
    scope the profile table decides (see ``linter.profiles.rule_providers``)."""

    @property
    def fixable(self) -> bool:
        return self.fix_applicability is not None

    @property
    def severity_text(self) -> str:
        return self.severity_label or self.severity.label


def rule(code: str, name: str, severity: Severity, summary: str, *, fixable: Applicability | None = None,
         severity_label: str = "", pii_kind: str | None = None,
         providers: tuple[str, ...] = ()) -> Callable[[type], Rule]:
    """``fixable`` is the fix's applicability (``SAFE`` or ``UNSAFE``), not a flag: every
    fixable rule must say whether its fix changes the training data."""
    if fixable is not None and not isinstance(fixable, Applicability):
        raise TypeError(f"rule {code}: fixable must be SAFE or UNSAFE, not {fixable!r}")

    def wrap(cls: type) -> Rule:
        doc = inspect.cleandoc(cls.__doc__ or "")
        if not doc:
            raise ValueError(f"rule {code} has no documentation")
        return Rule(code, name, severity, summary, doc, fixable, severity_label, pii_kind, cls, tuple(providers))

    return wrap
