"""The embedded database encrypted at rest (SQLCipher 4), its key wrapped once per user.

- One random 256-bit **database key** encrypts the SQLite file (and its WAL) page by page with
  SQLCipher (AES-256, HMAC-SHA512 per page). It is given to SQLCipher as a raw key, so opening the
  database costs no key derivation.
- The database key is never stored as it is. The **key file** beside the database
  (``clinicrec.sqlite3.keys``, mode 0600, JSON) holds one copy per user, each encrypted (AES-256-GCM)
  with a key derived from that user's password by Argon2id (the digest of their password hash, see
  ``parse_password_hash``); the user name is bound in as associated data, so an entry cannot be
  moved to another name. Any user can open the database with their own
  password; a password change re-wraps only that user's copy; deactivating a user removes it.
- One more copy is wrapped with the **recovery key**, printed once at setup for the clinic to keep
  on paper: an administrator who lost every password opens the database with it.

Two more kinds of entry:

- While a new database has no user yet (the first-start setup was begun but not finished), the key
  file holds the key itself under ``*setup*``: the file holds nothing but an empty schema then, and
  whoever starts ClinicRec may finish the setup, as with any new database. The entry is removed as
  soon as the first user's copy is wrapped.
- An access token for unattended jobs (services/tokens.py) gets its own copy under ``token:NAME``,
  wrapped with a key derived from the token's secret by HKDF-SHA256 (the secret is 256 random bits:
  no slow derivation is needed). Revoking the token removes its copy.

The key file says which user names exist (not who the patients are); it holds nothing that opens the
database without a password or the recovery key. Backups are encrypted with the same database key,
so the same key file (or the recovery key) opens them.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from argon2.low_level import Type, hash_secret_raw

from ..domain.errors import ClinicRecError

KEY_BYTES = 32
SQLITE_HEADER = b"SQLite format 3\x00"
KEY_FILE_SUFFIX = ".keys"
RECOVERY = "*recovery*"  # never a user name: those are letters, digits and . _ -
SETUP = "*setup*"  # the key in clear, only until the first user exists
TOKEN_ENTRY_PREFIX = "token:"  # never a user name either (no ':' in those)
FORMAT = 1
#: Argon2id for the key-encryption keys: the parameters of the password hashes (services/auth.py).
KDF_TIME_COST, KDF_MEMORY_KIB, KDF_PARALLELISM = 3, 64 * 1024, 2
#: The recovery copy's Argon2id (t, m, p); the tests lower it (their conftest), as they do the hashes'.
RECOVERY_KDF: tuple[int, int, int] = (KDF_TIME_COST, KDF_MEMORY_KIB, KDF_PARALLELISM)


class WrongSecret(ClinicRecError):
    """The password (or recovery key) does not open this database."""


class KeyFileError(ClinicRecError):
    """The key file is missing or unreadable."""


def key_file_for(database: Path) -> Path:
    return database.with_name(database.name + KEY_FILE_SUFFIX)


def new_database_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def new_recovery_key() -> str:
    """160 random bits as 8 groups of 4 letters and digits (Crockford base 32: no I, L, O, U)."""
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    n = int.from_bytes(secrets.token_bytes(20), "big")
    chars = "".join(alphabet[(n >> (5 * i)) & 31] for i in range(32))
    return "-".join(chars[i : i + 4] for i in range(0, 32, 4))


def normalise_recovery_key(text: str) -> str:
    raw = "".join(ch for ch in text.upper() if ch.isalnum())
    raw = raw.replace("O", "0").replace("I", "1").replace("L", "1")
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def is_encrypted(path: Path) -> bool:
    """True for an existing, non-empty file that is not plain SQLite (SQLCipher has no header)."""
    try:
        with open(path, "rb") as f:
            head = f.read(16)
    except FileNotFoundError:
        return False
    return len(head) == 16 and head != SQLITE_HEADER


# -- wrapping ----------------------------------------------------------------------------------------
def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii") + b"=" * (-len(text) % 4))


# (a plain value, not an Event: a forked child must not wait on a lock another thread held; db/abortable.py)
_kdf_seconds: float | None = None  # the last computation's time here (None: none has run yet)


def argon2id_raw(secret: str, salt: bytes, t: int, m: int, p: int, length: int = KEY_BYTES) -> bytes:
    """The raw Argon2id digest of ``secret``: the key that wraps a user's copy of the database key."""
    global _kdf_seconds
    began = time.perf_counter()
    digest = hash_secret_raw(secret.encode("utf-8"), salt, t, m, p, length, Type.ID)
    _kdf_seconds = time.perf_counter() - began
    return digest


def kdf_ran_here() -> bool:
    """Argon2id has run in this process (its library and the C functions it calls are loaded)."""
    return _kdf_seconds is not None


def kdf_seconds_here() -> float | None:
    """How long the last Argon2id computation in this process took (None before the first)."""
    return _kdf_seconds


#: A key derivation: (secret, salt, t, m, p, length) -> the raw digest (``argon2id_raw``, or the same
#: computation run where it can be stopped: db/abortable.py).
Kdf = Callable[[str, bytes, int, int, int, int], bytes]


def parse_password_hash(password_hash: str) -> tuple[dict[str, Any], bytes]:
    """An Argon2id PHC string's parameters (t, m, p, salt) and its digest.

    A user's copy of the database key is wrapped with the digest of their password hash: the very
    Argon2id computation that checks the password derives the key that unwraps the copy. The digest
    is stored only in the users table, inside the encrypted database, so it adds nothing for anyone
    without the key; and an administrator who holds the key can wrap a copy for any user (at the
    conversion of a plain database, or when reactivating an account) without knowing the password.
    """
    parts = password_hash.split("$")
    if len(parts) != 6 or parts[1] != "argon2id":
        raise ValueError("not an Argon2id password hash")
    params = dict(kv.split("=") for kv in parts[3].split(","))
    salt, digest = _unb64(parts[4]), _unb64(parts[5])
    return {"t": int(params["t"]), "m": int(params["m"]), "p": int(params["p"]), "salt": _b64(salt)}, digest


def seal(database_key: bytes, kek: bytes, label: str) -> dict[str, str]:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = secrets.token_bytes(12)
    sealed = AESGCM(kek).encrypt(nonce, database_key, label.encode("utf-8"))
    return {"nonce": _b64(nonce), "key": _b64(sealed)}


def unseal(entry: dict[str, Any], kek: bytes, label: str) -> bytes:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        return AESGCM(kek).decrypt(_unb64(entry["nonce"]), _unb64(entry["key"]), label.encode("utf-8"))
    except (InvalidTag, ValueError) as e:
        raise WrongSecret("This password does not open the database") from e


def _entry_kek(entry: dict[str, Any], secret: str, kdf: Kdf = argon2id_raw) -> bytes:
    return kdf(
        secret, _unb64(entry["salt"]), int(entry["t"]), int(entry["m"]), int(entry["p"]), int(entry["len"])
    )


def _is_token(label: str) -> bool:
    return label.startswith(TOKEN_ENTRY_PREFIX)


def _token_kek(secret: str, salt: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    hkdf = HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=salt, info=b"clinicrec access token")
    return hkdf.derive(secret.strip().encode("utf-8"))


# -- the key file ------------------------------------------------------------------------------------
@dataclass
class KeyFile:
    """The wrapped copies of one database's key, by user name (and the recovery copy)."""

    path: Path
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> KeyFile:
        try:
            data = json.loads(Path(path).read_text("utf-8"))
        except FileNotFoundError as e:
            raise KeyFileError(
                f"The key file {Path(path).name} is missing beside the encrypted database: copy it back "
                "from the clinic's backup folder, or open the database with the recovery key."
            ) from e
        except (OSError, ValueError) as e:
            raise KeyFileError(f"The key file {path} cannot be read: {e}") from e
        if data.get("format") != FORMAT:
            raise KeyFileError(f"The key file {path} is of an unknown format")
        return cls(Path(path), dict(data.get("wrapped", {})))

    def save(self, path: Path | None = None) -> None:
        """Atomically, readable by the owner only."""
        path = Path(path or self.path)
        tmp = path.with_name(path.name + ".part")
        data = {"format": FORMAT, "cipher": "sqlcipher4-raw-key", "wrapped": self.entries}
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1, sort_keys=True)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)

    def users(self) -> list[str]:
        return sorted(k for k in self.entries if k not in (RECOVERY, SETUP) and not _is_token(k))

    def tokens(self) -> list[str]:
        return sorted(k.removeprefix(TOKEN_ENTRY_PREFIX) for k in self.entries if _is_token(k))

    # -- before the first user ---------------------------------------------------------------------
    def set_setup_key(self, database_key: bytes) -> None:
        """Keep the key in clear while the database has no user (see the module's docstring)."""
        self.entries[SETUP] = {"key": _b64(database_key)}

    def setup_key(self) -> bytes | None:
        """The key of a database still waiting for its first user; None once anyone has a copy."""
        entry = self.entries.get(SETUP)
        return None if entry is None or self.users() else _unb64(str(entry["key"]))

    # -- access tokens -----------------------------------------------------------------------------
    def set_token(self, name: str, secret: str, database_key: bytes) -> None:
        salt = secrets.token_bytes(16)
        label = TOKEN_ENTRY_PREFIX + name
        entry: dict[str, Any] = {"kdf": "hkdf-sha256", "salt": _b64(salt)}
        entry.update(seal(database_key, _token_kek(secret, salt), label))
        self.entries[label] = entry

    def remove_token(self, name: str) -> None:
        self.entries.pop(TOKEN_ENTRY_PREFIX + name, None)

    def open_with_token(self, secret: str) -> bytes:
        """The database key from an access token's secret (any token entry it opens)."""
        for label, entry in self.entries.items():
            if not _is_token(label):
                continue
            try:
                return unseal(entry, _token_kek(secret, _unb64(entry["salt"])), label)
            except WrongSecret:
                continue
        raise WrongSecret("This access token does not open the database")

    def has(self, username: str) -> bool:
        return username in self.entries

    def set_user(self, username: str, password_hash: str, database_key: bytes) -> None:
        """Wrap the key for ``username`` with the digest of their (new) Argon2id password hash."""
        params, digest = parse_password_hash(password_hash)
        self.entries[username] = {**params, "len": len(digest), **seal(database_key, digest, username)}
        self.entries.pop(SETUP, None)  # a user exists: the key is no longer kept in clear

    def remove_user(self, username: str) -> None:
        self.entries.pop(username, None)

    def set_recovery(self, database_key: bytes) -> str:
        """A new recovery key (the old one stops working); returned once, to be printed."""
        recovery = new_recovery_key()
        t, m, p = RECOVERY_KDF
        params = {"t": t, "m": m, "p": p, "len": KEY_BYTES}
        entry: dict[str, Any] = {**params, "salt": _b64(secrets.token_bytes(16))}
        entry.update(seal(database_key, _entry_kek(entry, recovery), RECOVERY))
        self.entries[RECOVERY] = entry
        return recovery

    def open_as(self, username: str, password: str) -> bytes:
        return self.open_with_proof(username, password)[0]

    def open_with_proof(
        self, username: str, password: str, *, kdf: Kdf = argon2id_raw
    ) -> tuple[bytes, bytes]:
        """(database key, proof): the proof is the Argon2id digest that unwrapped the key, which equals
        the digest of the user's password hash; sign-in compares it instead of hashing a second time.
        ``kdf``: where Argon2id runs (here, or where it can be stopped: db/abortable.py)."""
        entry = self.entries.get(username)
        if entry is None:
            # The same work as a real unwrap, so the time taken does not say which names have a copy.
            some = next((self.entries[k] for k in self.users()), None)
            if some is not None:
                _entry_kek(some, password, kdf)
            raise WrongSecret("This password does not open the database")
        kek = _entry_kek(entry, password, kdf)
        return unseal(entry, kek, username), kek

    def open_with_recovery(self, recovery_key: str) -> bytes:
        entry = self.entries.get(RECOVERY)
        if entry is None:
            raise WrongSecret("This database has no recovery key")
        try:
            return unseal(entry, _entry_kek(entry, normalise_recovery_key(recovery_key)), RECOVERY)
        except WrongSecret as e:
            raise WrongSecret("This recovery key does not open the database") from e


# -- SQLCipher connections ---------------------------------------------------------------------------
def sqlcipher() -> Any:
    from sqlcipher3 import dbapi2

    return dbapi2


def key_pragma(database_key: bytes) -> str:
    return f"PRAGMA key = \"x'{database_key.hex()}'\""


def connect(path: Path | str, database_key: bytes, **kw: Any) -> sqlite3.Connection:
    """A SQLCipher connection to ``path`` with the key applied (first statement, as SQLCipher needs)."""
    conn = sqlcipher().connect(str(path), **kw)
    conn.execute(key_pragma(database_key))
    return conn


def connect_read_only(path: Path, database_key: bytes, **kw: Any) -> sqlite3.Connection:
    """A SQLCipher connection that cannot write to ``path`` (``mode=ro``): not even the write-ahead log's
    checkpoint into the file that SQLite makes when the last connection to a file closes."""
    conn = sqlcipher().connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True, **kw)
    conn.execute(key_pragma(database_key))
    return conn


def check_key(path: Path, database_key: bytes) -> None:
    """Raise WrongSecret unless ``database_key`` opens the database at ``path``."""
    conn = connect(path, database_key, isolation_level=None)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher().DatabaseError as e:
        raise WrongSecret("This key does not open the database") from e
    finally:
        conn.close()


def export_encrypted(plain: Path, target: Path, database_key: bytes) -> None:
    """Write an encrypted copy of the plain SQLite database ``plain`` to ``target`` (sqlcipher_export)."""
    target.unlink(missing_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    conn = sqlcipher().connect(str(plain), isolation_level=None)
    try:
        conn.execute(f"ATTACH DATABASE ? AS encrypted KEY \"x'{database_key.hex()}'\"", (str(target),))
        conn.execute("SELECT sqlcipher_export('encrypted')")
        version = conn.execute("PRAGMA main.user_version").fetchone()[0]
        conn.execute(f"PRAGMA encrypted.user_version = {int(version)}")
        conn.execute("DETACH DATABASE encrypted")
    finally:
        conn.close()
    with open(target, "rb+") as f:
        os.fsync(f.fileno())


def remove_database_files(path: Path) -> None:
    """Remove a SQLite database and its WAL and shared-memory files."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            Path(str(path) + suffix).unlink()
