"""Exceptions raised by the pricing library.

Every message names what the caller must fix: the file and field of a bad price
table, the parameter of a bad estimate input, the model that is not known::

    PricingError
     ├── PriceTableError        a price file that cannot be read or fails validation
     ├── UnknownModelError      a model name no loaded table knows (carries close matches)
     ├── EstimateInputError     a negative, absurd or contradictory estimate input
     ├── JobNotAcceptedError    the provider no longer accepts (or serves) this model
     └── ApprovalError          an approval record that cannot be read or written

Front ends map PriceTableError, UnknownModelError and EstimateInputError to the
usage/config exit code; JobNotAcceptedError is a refusal, not a usage error.
"""

from __future__ import annotations


class PricingError(Exception):
    """Base class of every error this library raises."""


class PriceTableError(PricingError):
    """A price table file is unreadable, malformed or missing a field."""


class UnknownModelError(PricingError):
    """No loaded price table has a row for this model name."""

    def __init__(self, name: str, suggestions: list[str]):
        self.name = name
        self.suggestions = suggestions
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"unknown model {name!r}: no loaded price table lists it{hint}")


class EstimateInputError(PricingError):
    """An estimate input is out of range; ``field`` names the parameter."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(f"{field}: {message}")


class JobNotAcceptedError(PricingError):
    """The provider no longer accepts fine-tuning jobs for the model (or has shut it down)."""


class ApprovalError(PricingError):
    """An approval record cannot be read, parsed or written; the message names the file."""
