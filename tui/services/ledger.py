"""What ``submit`` remembers locally: one record per submission, and a lock per data file.

The job's ``metadata`` on the provider is how a re-run finds its job. This record is the
second way, for what metadata cannot cover: a compatible server that drops metadata, a
process killed between the upload and the create (the uploaded file is reused, not left
behind), and a create whose outcome was never learned. Records hold ids and digests only,
never data or keys, and are written atomically.

    <state dir>/submissions/<training sha256[:16]>-<settings digest[:16]>.json
    <state dir>/locks/<training sha256>.lock

The state directory is ``$XDG_STATE_HOME/ftpreflight`` (``~/.local/state/ftpreflight``;
``%LOCALAPPDATA%\\ftpreflight`` on Windows).
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from linter._atomic import atomic_output

__all__ = ["LedgerEntry", "LedgerUnavailable", "SubmissionLedger", "SubmissionLocked", "default_state_dir"]

STAGES = ("uploading", "uploaded", "creating", "created")
"""``uploading``: an upload started (a run killed now leaves partial files for the next run to
delete). ``uploaded``: files are on the provider, no create was sent. ``creating``: a create was
sent and its outcome is not known yet. ``created``: the job exists (``job_id``)."""


def default_state_dir(environ: dict[str, str] | None = None) -> Path:
    environ = os.environ if environ is None else environ
    if os.name == "nt" and environ.get("LOCALAPPDATA"):
        return Path(environ["LOCALAPPDATA"]) / "ftpreflight"
    base = environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "ftpreflight"


@dataclass
class LedgerEntry:
    training_sha256: str
    settings_digest: str
    provider: str
    stage: str
    file_ids: list[str] = field(default_factory=list)
    job_id: str | None = None
    updated_at: str = ""
    metadata: dict[str, str] = field(default_factory=dict)
    """The job metadata ``submit`` sent (digests and the token estimate): for providers that
    keep none, the only place ``jobs`` finds the estimate to compare the trained tokens with."""


class SubmissionLocked(Exception):
    """Another ``submit`` of the same data held the lock for longer than the wait allows."""


class LedgerUnavailable(Exception):
    """The state directory cannot be written (permissions, a full disk)."""


class SubmissionLedger:
    def __init__(self, directory: Path):
        self.directory = Path(directory)

    def path_for(self, training_sha256: str, settings_digest: str) -> Path:
        return self.directory / "submissions" / f"{training_sha256[:16]}-{settings_digest[:16]}.json"

    def read(self, training_sha256: str, settings_digest: str) -> LedgerEntry | None:
        """The record, or ``None`` when there is none or it cannot be used (a damaged record
        is the same as no record: the provider's metadata still finds the job)."""
        path = self.path_for(training_sha256, settings_digest)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            entry = LedgerEntry(**data)
        except (OSError, ValueError, TypeError):
            return None
        if (entry.training_sha256 != training_sha256 or entry.settings_digest != settings_digest
                or entry.stage not in STAGES or not all(isinstance(i, str) for i in entry.file_ids)
                or not isinstance(entry.metadata, dict)):
            return None
        return entry

    def write(self, entry: LedgerEntry) -> Path:
        try:
            return self._write(entry)
        except OSError as exc:
            raise LedgerUnavailable(f"cannot write the local submission record in {self.directory}: "
                                    f"{exc.strerror or exc}") from None

    def _write(self, entry: LedgerEntry) -> Path:
        entry.updated_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        path = self.path_for(entry.training_sha256, entry.settings_digest)
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_output(path, text=True, mode=0o600) as out:  # records name files and jobs: private
            json.dump(asdict(entry), out, indent=2)
        return path

    def find_job(self, job_id: str) -> LedgerEntry | None:
        """The record of the submission that created ``job_id`` (records are few and small)."""
        try:
            paths = sorted((self.directory / "submissions").glob("*.json"))
        except OSError:
            return None
        for path in paths:
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if isinstance(data, dict) and data.get("job_id") == job_id:
                entry = self.read(str(data.get("training_sha256", "")), str(data.get("settings_digest", "")))
                if entry is not None and entry.job_id == job_id:
                    return entry
        return None

    def forget(self, training_sha256: str, settings_digest: str) -> None:
        with contextlib.suppress(OSError):
            self.path_for(training_sha256, settings_digest).unlink()

    @contextlib.contextmanager
    def lock(self, training_sha256: str, *, on_wait: Callable[[], None] | None = None,
             timeout: float = 3600.0, poll: float = 0.2, sleep: Callable[[float], None] = time.sleep,
             clock: Callable[[], float] = time.monotonic) -> Iterator[None]:
        """Hold an exclusive, per-user lock on this data for the ``with`` block, so two
        submissions of the same file run one after the other (the second then finds the
        first one's job). The OS releases it if the process dies."""
        path = self.directory / "locks" / f"{training_sha256}.lock"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = open(path, "a+b")
        except OSError as exc:
            raise LedgerUnavailable(f"cannot create the lock {path}: {exc.strerror or exc}") from None
        with handle:
            deadline = clock() + timeout
            waited = False
            while not _try_lock(handle):
                if not waited and on_wait is not None:
                    on_wait()
                waited = True
                if clock() >= deadline:
                    raise SubmissionLocked(f"another `ftpreflight submit` of the same data still holds {path} "
                                           f"after {timeout:.0f}s")
                sleep(poll)
            try:
                yield
            finally:
                _unlock(handle)


def _try_lock(handle) -> bool:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        try:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _unlock(handle) -> None:
    try:
        import fcntl
    except ImportError:
        import msvcrt

        with contextlib.suppress(OSError):
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
        return
    fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
