"""Writing a file so that it is never half-written: a temporary file in the same folder,
flushed to disk and renamed over the target only when complete; removed on any failure.

Used for every file ftpreflight creates from data (converted files, exported rows, the
local submission records). ``fix`` has its own writer with stricter rules about links."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

__all__ = ["atomic_output"]


def _default_mode(path: Path) -> int:
    """The mode the finished file gets: the target's own when it exists, else what a plain
    ``open`` would give (0666 less the umask), not mkstemp's private 0600."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike, *, text: bool = False, mode: int | None = None) -> Iterator[IO]:
    """Yield a handle (bytes, or UTF-8 text with ``\\n`` newlines) whose content replaces
    ``path`` when the block ends without an exception. ``mode``: the finished file's
    permissions (default: see ``_default_mode``). Raises OSError from creating, writing
    or renaming; ``path`` is then unchanged."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    wanted = _default_mode(target) if mode is None else mode
    fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        options = {"encoding": "utf-8", "newline": "\n"} if text else {}
        with os.fdopen(fd, "w" if text else "wb", **options) as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, wanted)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
