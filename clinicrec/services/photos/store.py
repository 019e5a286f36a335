"""Where the image bytes live (README, *Photos: where the image bytes live*).

- A SQLite clinic: content-addressed files beside the database, ``clinic.photos/ab/abcdef…`` (the name
  is the SHA-256 of the bytes). A file is written whole (temporary name, fsync, rename, fsync of the
  folder) *before* the transaction that refers to it commits: a crash leaves at worst a file nobody
  refers to, never a record without its file. Files are never changed or removed, so a backup copies
  only the files it does not have yet, and its time grows with the day's new photos, not with the
  clinic's old ones.
- A PostgreSQL clinic: the bytes in ``photo_blobs``, in the same transaction as the record, so every
  workstation sees every photo and the server's own backups (pg_dump) carry them.
- An encrypted SQLite clinic (SQLCipher, the default): each file is sealed with AES-256-GCM under a key
  derived from the database key (HKDF-SHA256), its SHA-256 name as associated data, so a copied photo
  folder shows no face, and a file swapped for another photo's, or altered, does not open.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from ...db.engine import database_key, sqlite_path
from ...db.models import PhotoBlobRow
from ...domain.errors import StorageError

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def photo_folder(database_file: Path) -> Path:
    """``/data/clinic.sqlite3`` → ``/data/clinic.photos``."""
    return database_file.with_name(database_file.stem + ".photos")


def path_in(folder: Path, sha256: str) -> Path:
    return folder / sha256[:2] / sha256


class PhotoStore:
    """The image bytes of one database, by SHA-256."""

    def put(self, s: Session, sha256: str, data: bytes) -> None:
        raise NotImplementedError

    def get(self, s: Session, sha256: str) -> bytes | None:
        raise NotImplementedError


SEALED = b"CRP1"  # a sealed photo file: this, a 12-byte nonce, then the AES-GCM ciphertext and tag


def photo_key(database_key: bytes) -> bytes:
    """The photo files' key of an encrypted database: derived, so it is never the database key itself."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(hashes.SHA256(), 32, salt=None, info=b"clinicrec photo files v1").derive(database_key)


def seal(key: bytes, sha256: str, data: bytes) -> bytes:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(12)
    return SEALED + nonce + AESGCM(key).encrypt(nonce, data, sha256.encode("ascii"))


def unseal(key: bytes, sha256: str, stored: bytes) -> bytes | None:
    """The photo's bytes, or None when the file is not this photo sealed under this key."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if not stored.startswith(SEALED) or len(stored) < len(SEALED) + 12 + 16:
        return None
    nonce = stored[len(SEALED) : len(SEALED) + 12]
    try:
        return AESGCM(key).decrypt(nonce, stored[len(SEALED) + 12 :], sha256.encode("ascii"))
    except InvalidTag:
        return None


class FileStore(PhotoStore):
    def __init__(self, folder: Path, key: bytes | None = None) -> None:
        self.folder = folder
        self.key = key  # the photo key of an encrypted database (photo_key); None: plain files

    def put(self, s: Session, sha256: str, data: bytes) -> None:
        """Durable before the caller's transaction commits (see the module's doc)."""
        write_whole(path_in(self.folder, sha256), data if self.key is None else seal(self.key, sha256, data))

    def get(self, s: Session, sha256: str) -> bytes | None:
        try:
            stored = path_in(self.folder, sha256).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as e:
            raise StorageError(f"The photo {sha256[:12]}… could not be read: {e.strerror or e}") from e
        if self.key is None or not stored.startswith(SEALED):
            # A plain file in an encrypted clinic was stored before the clinic was encrypted and not yet
            # sealed (seal_folder runs at the conversion; a crash may leave some): its name, the SHA-256
            # of these bytes, is checked by every reader, so it is returned as it is, never lost.
            return stored
        opened = unseal(self.key, sha256, stored)
        return b"" if opened is None else opened  # altered or not this photo: its hash will not match


class DatabaseStore(PhotoStore):
    def put(self, s: Session, sha256: str, data: bytes) -> None:
        from sqlalchemy.dialects.postgresql import insert as pg_insert  # PostgreSQL only: loaded here

        s.execute(pg_insert(PhotoBlobRow).values(sha256=sha256, data=data).on_conflict_do_nothing())

    def get(self, s: Session, sha256: str) -> bytes | None:
        data = s.execute(select(PhotoBlobRow.data).where(PhotoBlobRow.sha256 == sha256)).scalar_one_or_none()
        return None if data is None else bytes(data)


def store_for(engine: Engine) -> PhotoStore:
    """The photo store of the database ``engine`` opens (sealed files when it is encrypted)."""
    file = sqlite_path(engine.url.render_as_string(hide_password=False))
    if file is None:
        return DatabaseStore()
    key = database_key(engine)
    return FileStore(photo_folder(file), None if key is None else photo_key(key))


def write_whole(path: Path, data: bytes) -> None:
    """``path`` holds ``data`` whole and on disk, or is left as it was (content-addressed: an existing
    file already holds these bytes)."""
    if path.exists() and path.stat().st_size == len(data):
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
        fd, name = tempfile.mkstemp(prefix=f".{path.name[:16]}.", suffix=".part", dir=path.parent)
    except OSError as e:
        raise StorageError(f"The photo could not be stored in {path.parent}: {e.strerror or e}") from e
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), FILE_MODE)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(name, path)
        _fsync_dir(path.parent)
    except OSError as e:
        raise StorageError(f"The photo could not be stored in {path.parent}: {e.strerror or e}") from e
    finally:
        with contextlib.suppress(OSError):
            os.unlink(name)


def _names_in(folder: Path) -> set[str]:
    """The photo names (SHA-256) in a store folder."""
    if not folder.is_dir():
        return set()
    out: set[str] = set()
    with os.scandir(folder) as subs:
        for sub in subs:
            if sub.is_dir() and len(sub.name) == 2:
                with os.scandir(sub.path) as files:
                    out.update(f.name for f in files if len(f.name) == 64 and not f.name.startswith("."))
    return out


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def seal_folder(folder: Path, key: bytes) -> int:
    """Seal every plain photo file in ``folder`` under the photo key ``key`` (an encrypted clinic's files
    that were stored before it was encrypted); returns how many were sealed. Each file is replaced whole
    (temporary name, fsync, rename), so a crash leaves each file plain or sealed, and both open
    (``FileStore.get``); running it again seals what is left. A plain file whose bytes do not hash to its
    name is left as it is: ``audit verify`` reports it as changed outside ClinicRec."""
    sealed = 0
    for sha in sorted(_names_in(folder)):
        path = path_in(folder, sha)
        data = path.read_bytes()
        if data.startswith(SEALED) or hashlib.sha256(data).hexdigest() != sha:
            continue
        write_whole(path, seal(key, sha, data))  # a different size: replaced whole, never half written
        sealed += 1
    if sealed:
        _fsync_dir(folder)
    return sealed


def copy_missing(
    source: Path, target: Path, wanted: Iterable[str] | None = None, *, seal_key: bytes | None = None
) -> int:
    """Copy the photo files ``target`` lacks from ``source`` (all, or the ``wanted`` hashes); returns how
    many were copied. Files already there are not read: content-addressed names say they are the same.
    ``seal_key``: ``target`` is an encrypted clinic's folder, and a plain file is sealed as it is copied
    (a plain backup restored into an encrypted clinic)."""
    if not source.is_dir():
        return 0
    candidates = _names_in(source) if wanted is None else set(wanted)
    have = _names_in(target)  # one listing per folder, not one look-up per photo
    copied = 0
    touched: set[Path] = set()
    for sha in sorted(candidates - have):
        dest = path_in(target, sha)
        src = path_in(source, sha)
        if not src.exists():
            continue
        dest.parent.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
        tmp = dest.with_name(f".{sha[:16]}.part")
        data = src.read_bytes() if seal_key is not None else b""
        if seal_key is not None and not data.startswith(SEALED) and hashlib.sha256(data).hexdigest() == sha:
            tmp.write_bytes(seal(seal_key, sha, data))
        else:
            shutil.copyfile(src, tmp)
        os.chmod(tmp, FILE_MODE)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, dest)
        touched.add(dest.parent)
        copied += 1
    for folder in (*sorted(touched), target) if copied else ():
        _fsync_dir(folder)  # the new names are on disk before the backup or restore says it is done
    return copied
