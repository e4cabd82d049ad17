"""Exceptions raised by the linter library.

Bad *data* is never an exception: it becomes a Diagnostic. Only things the
caller must fix before a lint can run raise::

    FtPreflightError
     ├── ConfigError             unusable configuration (exit code 2)
     │    └── UnknownModelError  a model name we cannot map to a tokenizer
     ├── EncodingIntegrityError  a bundled tokenizer file failed its sha256 check
     └── LintCancelled           the observer asked the lint to stop
"""


class FtPreflightError(Exception):
    """Base class of every error this library raises."""


class ConfigError(FtPreflightError):
    """The configuration cannot be used; the message names the file and field."""


class UnknownModelError(ConfigError):
    """A model or encoding name that the bundled tables do not know."""


class EncodingIntegrityError(FtPreflightError):
    """A bundled encoding file does not match its pinned sha256."""


class LintCancelled(FtPreflightError):
    """Raised out of lint_path when the observer reports cancellation."""
