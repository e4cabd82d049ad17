"""Process exit codes, shared by every subcommand."""

import enum


class ExitStatus(enum.IntEnum):
    SUCCESS = 0
    """Nothing wrong (warnings allowed)."""
    PROBLEMS = 1
    """Errors found in the data, or the action was refused because of them."""
    USAGE = 2
    """Bad command line, unreadable or invalid configuration, unknown model."""
