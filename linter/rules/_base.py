"""Rule metadata. A rule's docstring is its documentation, used verbatim by
``ftpreflight rule CODE``, the app's help and the README rule table."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Callable

from .._diagnostic import Severity

ERROR, WARNING, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    summary: str
    """When the rule fires, in one line (the README table's last column)."""
    doc: str
    fixable: bool = False
    severity_label: str = ""
    """Shown instead of the severity when a rule emits two levels (``error/warning``)."""
    implementation: type | None = None

    @property
    def severity_text(self) -> str:
        return self.severity_label or self.severity.label


def rule(code: str, name: str, severity: Severity, summary: str, *, fixable: bool = False,
         severity_label: str = "") -> Callable[[type], Rule]:
    def wrap(cls: type) -> Rule:
        doc = inspect.cleandoc(cls.__doc__ or "")
        if not doc:
            raise ValueError(f"rule {code} has no documentation")
        return Rule(code, name, severity, summary, doc, fixable, severity_label, cls)

    return wrap
