"""Files ftpreflight writes from data are never half-written (``linter._atomic``), and
they get the permissions a plain ``open`` would give them."""

from __future__ import annotations

import os
import stat

import pytest

from linter._atomic import atomic_output


def test_a_failure_mid_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "out.jsonl"
    target.write_bytes(b'{"old": 1}\n')
    with pytest.raises(RuntimeError):
        with atomic_output(target) as out:
            out.write(b'{"new": 1}\n')
            raise RuntimeError("disk pulled")
    assert target.read_bytes() == b'{"old": 1}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]


def test_a_new_file_gets_the_umask_mode_and_an_existing_one_keeps_its_own(tmp_path):
    umask = os.umask(0o022)
    try:
        fresh = tmp_path / "fresh.jsonl"
        with atomic_output(fresh) as out:
            out.write(b"x\n")
        assert stat.S_IMODE(fresh.stat().st_mode) == 0o644  # not mkstemp's 0600
        kept = tmp_path / "kept.jsonl"
        kept.write_text("old\n")
        kept.chmod(0o640)
        with atomic_output(kept, text=True) as out:
            out.write("new\n")
        assert kept.read_text() == "new\n" and stat.S_IMODE(kept.stat().st_mode) == 0o640
        private = tmp_path / "private.json"
        with atomic_output(private, text=True, mode=0o600) as out:
            out.write("{}")
        assert stat.S_IMODE(private.stat().st_mode) == 0o600
    finally:
        os.umask(umask)


def test_a_missing_folder_is_an_oserror_and_nothing_is_created(tmp_path):
    with pytest.raises(OSError):
        with atomic_output(tmp_path / "nope" / "out.jsonl") as out:
            out.write(b"x")
    assert not (tmp_path / "nope").exists()
