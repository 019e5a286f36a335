"""Files that carry patient data (exports, PDFs, backups) exist only once their audit entry is committed.

    with staged_output(out) as tmp:      # a private (0600) temporary file beside ``out``
        write(tmp)                       # the content
        record_audit_entry()             # committed in its own transaction
    # only now is ``tmp`` moved to ``out``; on any failure above, ``tmp`` is removed and ``out`` untouched

The folder must exist: nothing here creates folders nobody asked for.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ..domain.errors import ClinicRecError, StorageError

FILE_MODE = 0o600


class OutputError(ClinicRecError):
    """A file could not be written where asked (nothing was left there)."""


def check_destination(out: Path | str) -> Path:
    """The place a file is about to be written, refused early (``OutputError``) when it cannot be."""
    out = Path(out).expanduser()
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"Cannot write {out}: the folder {folder} does not exist")
    if out.is_dir():
        raise OutputError(f"Cannot write {out}: it is a folder")
    return out


@contextlib.contextmanager
def staged_output(out: Path | str, *, overwrite: bool = True) -> Iterator[Path]:
    """A temporary file (0600) in ``out``'s folder, moved into place if the block succeeds."""
    out = check_destination(out)
    if not overwrite and out.exists():
        raise OutputError(f"{out} already exists; choose another file name")
    try:
        fd, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    except OSError as e:
        raise OutputError(f"Cannot write {out}: {e.strerror or e}") from e
    os.fchmod(fd, FILE_MODE)
    os.close(fd)
    tmp = Path(name)
    try:
        try:
            yield tmp
        except StorageError as e:  # the audit entry could not be committed: the file must not appear
            if type(e) is not StorageError:
                raise
            raise StorageError(f"{e} {out} was not written.") from e
        try:
            _fsync(tmp)
            os.replace(tmp, out)
        except OSError as e:
            raise OutputError(f"Cannot write {out}: {e.strerror or e}") from e
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def write_private(path: Path, data: bytes) -> None:
    try:
        with open(path, "wb") as fh:
            fh.write(data)
    except OSError as e:
        raise OutputError(f"Cannot write {path}: {e.strerror or e}") from e


def _fsync(path: Path) -> None:
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())
